"""The escalation brief: what a supervisor needs in ten seconds, quoted from the call.

Extractive only: every item is a (redacted) quote with its turn number; nothing is generated.
The problem, what the customer wants, earlier contacts, what the agent offered or refused, and
how the risk rose, turn by turn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scipy.special import expit

from .cutting import ASKS, cut_point
from .inputs import pick_call
from .model import EscalationModel
from .redact import redact as redact_text
from .signals import AnalyzedCall, Evidence
from .tracker import prefix_risks
from .transcripts import Transcript

REFUSAL_FAMILIES = frozenset({"cant_phrasing", "policy_wall", "supervisor_deflection", "blame"})
# Agent signs that calm a call: left out of the timeline of warning signs.
CALMING_FAMILIES = frozenset({"ownership", "expectation_setting", "empathy"})
QUOTE_WORDS = 22  # longest quote, in words, before it is cut with an ellipsis
MAX_WORDS = 120  # the plain-text brief's budget
TIMELINE_TURNS = 12  # the timeline's last turns with warning signs, each with its risk

_I = r"(?:i|we)"
# An agent turn asking for identification, and the customer's answer to it.
_ID_QUESTION = re.compile(
    r"\b(?:(?<!my )name|number|account|date of birth|birthday|address|post ?code|zip|pin|security|"
    r"verif\w*|last four|social|e-?mail|reference|confirm\w*|spell)\b",
    re.IGNORECASE,
)
# Words that say something is wrong: a customer turn holding one states a problem.
_PROBLEM = re.compile(
    r"\b(?:problem|issue|wrong|broken|faulty|crackl\w*|not working|stopped|drop(?:s|ped|ping)?|"
    r"down|missing|lost|stole\w*|fraud|charged?|fees?|bill(?:ed)?|statement|late|never|"
    r"didn'?t|did not|doesn'?t|isn'?t|wasn'?t|hasn'?t|haven'?t|won'?t|can'?t|cannot|still|"
    r"supposed to|error|damage\w*|cracked|smell\w*|cancell?ed|missed|mistake|refund|"
    r"rejected|denied|declined|not (?:found|subscribed|working)|keeps? \w+ing|"
    r"passed away|died|(?:been|gone|went|is|was|are|were) off|"
    r"overdraft|not (?:eligible|covered|received)|calling (?:about|because|regarding)|"
    rf"ringing (?:about|because)|{_I} (?:got|had|have) (?:a|an|this|my)\b)",
    re.IGNORECASE,
)
# The agent asking what the call is about: the customer's answer states the problem.
_HELP_QUESTION = re.compile(
    r"\b(?:how (?:can|may|could) (?:i|we) (?:help|assist|be of (?:any )?assistance)|"
    r"what can (?:i|we) (?:do|help)|"
    r"what(?:'s| is|s) (?:the (?:query|question|issue|problem)|up|going on|happening)|"
    r"what seems to be)\b",
    re.IGNORECASE,
)
# Talk about the line or the call itself ("sorry, I can't hear you, say that again?", "give me a
# sec"): blanked before a turn is read for a problem or a want.
_LINE_NOISE = re.compile(
    r"\b(?:(?:can'?t|cannot|couldn'?t|could not) hear (?:you|me|a thing|anything)|"
    r"can you hear me|(?:breaking|cutting|cut) (?:up|out)|"
    r"(?:(?:can|could|would) you )?(?:please )?say (?:that |it )?again|"
    r"(?:the )?line(?:'s| is) (?:choppy|bad|terrible|awful)|speak (?:up|(?:more |a bit )?loud\w*)|"
    r"give me a (?:sec(?:ond)?|minute|moment)|bear with me)\b",
    re.IGNORECASE,
)
_TOPIC = re.compile(r"\b(?:calling|ringing|phoning) (?:about|because|regarding)\b", re.IGNORECASE)
# A customer asking for a resolution: a request form, or a sentence that starts with a verb.
_VERBS = (
    r"send|refund|waive|extend|reverse|credit|fix|block|stop|cancel|take(?! care)|put|open|call|"
    r"check|find|move|bring|split|lower|approve|replace|return|sort|remove|look (?:at|for|into)|"
    r"set up"
)
_WANT = re.compile(
    rf"\b(?:{_I} (?:just |really |only )?(?:want|wanna|need|would like|'d like)|{_I}'d like|"
    r"(?<![\w,;] )(?:just |really )?(?:want|wanna|need) to|needs (?:a|an|some|something)\b|"
    r"(?:they|he|she) wants? (?:a|an)\b|"
    r"(?:don'?t|do not) want to (?:pay|be charged|lose)|hoping to|"
    r"how (?:do|can|would) (?:i|we) (?:get|have|pay|change|cancel|return|set up|move)|"
    r"is there (?:a|an) (?:number|option|discount|deal|form|link|plan|cheaper)|"
    r"is there (?:a|any) way to (?:not|get|avoid|stop|waive|have|keep|pay|change|move)|"
    r"calling (?:about|to) (?:return|cancel|chang|mov|updat|add|book|pay|switch)\w*|"
    r"i'm asking (?:for|you|how|whether|that)|(?:can|could|would|will) you|"
    r"(?:something|anything) (?:you|they) (?:can|could) |"  # "something you could waive?"
    r"(?:can|could|may) (?:i|we) (?:also )?(?:get|have|send|email|give|pay|bring|just|go|switch|"
    r"move|change|keep|make|add|pick)|not even (?:a|an|the|some) \w+|"
    r"(?:do you not|don'?t you)(?: lot| guys| people)? (?:do|have|offer|sell)|"
    r"is there (?:any(?:thing|one|body)?|no|some(?:thing|one|body)?|nothing)|what about|"
    r"(?<!cant )(?<!can't )(?<!won't )give me|please tell me|"
    r"(?:(?:is|would) it (?:be )?|(?:^|[.!?,]\s+)is )possible|"
    r"(?:if|whether) (?:i|we) (?:can|could) (?:\w+ )?(?:get|have|keep|change|move|pay|add|cancel|"
    r"return|switch|extend)|maybe (?:you|they) (?:can |could )?(?:pay|refund|cover|send|give|fix)|"
    r"(?:wonder(?:ed|ing)?|hoping) (?:if|whether)|"
    r"can (?:that|it|this|they|(?:the|my|that|this) \w+) be|"
    r"(?:can|could) (?:someone|somebody|anyone|anybody)|"
    r"take (?:it|that|them) off|knock (?:it )?off|(?:money|percent|fees?|charges?) back|"
    r"(?:want|get|give|need|have|put) (?:it|them|that) back|"
    r"(?:i'm|i am|we're) not (?:paying|going to pay)|i won'?t pay|"
    # wants asked as questions about the outcome: "and the refund?", "will they fix it too?"
    # ... said as its own sentence ("and the date?" ending a list is not one)
    r"(?<![\w,;] )(?:and|but|so) (?:for )?(?:the|my) \w+(?: \w+){0,3}(?=\?)|"
    r"what happens (?:to|with)|"
    r"(?:can'?t|cannot|couldn'?t|won'?t) you|"
    r"(?:i|we) (?:was|were) thinking (?:like|maybe|about|of|more)|(?:i|we) can pay\b|"
    r"(?:was|were) (?:gonna|going to) ask (?:if|for|about|whether)|"
    r"told (?:me|us) to call (?:\w+ ){0,3}(?:for|to|about)|(?:you'll|you will) make sure|"
    r"(?:will|would|can|could) (?:they|someone|somebody|you) (?:\w+ )?(?:fix|pay|refund|cover|"
    r"replace|credit|stop|cancel|reverse|waive|approve|get|come|send|sort)|"
    r"so you (?:will|can|could|would)|"
    r"(?:is|are) (?:it|this|that|they|the \w+) (?:going to|gonna) (?:hit|affect|count|cost|"
    r"show|come)|(?:is|was) (?:the|my) (?:money|refund|payment) (?:gone|lost|coming)|"
    r"when (?:are|will|is|do) (?:they|you|it|someone|somebody) (?:gonna |going to )?"
    r"(?:get|fix|pay|refund|decide|look|come|sort)|"
    r"(?:(?:so|then) you|(?<!i )(?<!we )(?:so |then )?just|please) (?:" + _VERBS + r"))\b"
    r"|(?:^|[.!?,]\s+)(?:please |just |so |then |or |ok(?:ay)?,? |at least )*(?:" + _VERBS + r")\b",
    re.IGNORECASE,
)
# An agent's offer put as a question ("Do you want the same on the other lines?"): a short
# reply to it accepts the offer; it is not the customer's own want.
_OFFER_QUESTION = re.compile(
    r"\b(?:do you want|would you like|want me to|shall i|should i|sounds? (?:okay|ok|good|alright)|"
    r"(?:is|would) that (?:be )?(?:okay|ok|alright)|does that work)\b[^.!?]*(?:\?\s*)?$",
    re.IGNORECASE,
)
_WHETHER = re.compile(r"(?:^|[.!?,]\s+|\b(?:or|and|so|then|what) )do\s+$", re.IGNORECASE)
# Asks with nothing in them to quote ("I need help", "I'm asking you to do something").
_VAGUE = re.compile(
    r"\b(?:need (?:some )?help|(?:do|try) (?:something|anything)|"
    # a plea, not an ask: "is there anything you can actually do?"
    r"(?:anything|something) (?:\w+ )?(?:you|they) (?:\w+ )?(?:can|could) (?:\w+ )?do|"
    # asks about the call itself, not the problem: a call back, where to send, what is going on
    r"(?:can|could|would) you (?:just )?(?:call|ring|phone) (?:me|us) back|send (?:it|them) where|"
    r"what'?s (?:going on|happening)|"
    # the customer's own plans: "I need to be there"
    r"need to be (?:there|here|home|back|at|in|on)|"
    # praise for the agent: "is there someone I can tell that you were really quick?", "I just
    # want to say Marisol was very good"
    r"(?:tell|say)\b[^.?!]{0,40}\b\w+ (?:were|was|are|is|'ve been|have been|has been) (?:\w+ )?"
    r"(?:quick|fast|helpful|great|good|kind|amazing|brilliant|lovely|patient)|good job|"
    # a rhetorical question: "how can you not see it?"
    r"(?:can|could) you not (?:see|find|tell)|"
    # wanting to know is asking for information, not for a resolution
    r"(?:like|want|wanted|need) to (?:know|understand|find out|ask))\b",
    re.IGNORECASE,
)
# A customer asking to be transferred: a way to the resolution (below), and a handover.
_TRANSFER_ME = r"(?:transfer|connect) (?:me|us)\b|put (?:me|us) through\b"
# Asks for a way to the resolution rather than the resolution: a transfer, a number, a call.
_ROUTING = re.compile(
    rf"\b(?:{_TRANSFER_ME}|"
    r"(?:give|tell) me (?:the|a|their|your|my) (?:\w+ ){0,2}(?:number|address|email)|"
    r"send me (?:an? )?(?:email|text|confirmation|copy)|"
    r"(?:someone|somebody|anyone|anybody) (?:\w+ ){0,3}(?:i|we) can (?:just )?(?:talk|speak) to|"
    r"have (?:them|someone|somebody) (?:call|ring) (?:me|us)|"
    # or a way to hold it: sent, copied, emailed, a reference for it
    r"(?:send|email|text|post) (?:it|that|them) (?:to me|over|through)|email it|cc\b|"
    r"(?:send|give|email|post) (?:me|us) (?:something|it|that|confirmation) in writing|"
    r"reference number|is there a number)",
    re.IGNORECASE,
)
# A transfer, offered by the agent or asked for by the customer: where a call without a labelled
# escalation turn or a customer's escalation phrase was handed over (to tier two, fraud, a team
# lead). Kept here, not in cutting.cut_point, whose rule coaching's figures are defined by.
_HANDOFF = re.compile(
    r"\b(?:i(?:'ll| will|'m going to| am going to|'m gonna| can) (?:\w+ )?(?:transfer|put|send|"
    r"refer|pass|escalate|connect) (?:you|this|it|your (?:call|case|claim))\b|"
    rf"(?:transferring|putting) you (?:through|now|over|to)\b|{_TRANSFER_ME}|put me to\b)",
    re.IGNORECASE,
)
# Earlier contacts: said by either side.
_PRIOR = re.compile(
    rf"\b(?:{_I} (?:called|rang|phoned|emailed|messaged|wrote|chatted|spoke)|"
    r"(?:second|third|fourth|fifth|sixth) (?:time|call)|(?:called|calling|ringing) (?:back|again)|"
    r"last time|(?:the|a) (?:guy|man|woman|lady|girl|bloke|person|agent|tech\w*) "
    r"(?:said|told|on)|previous (?:contacts?|calls?|agent)|times? (?:before|already)|"
    r"notes? from|told (?:you|them|the last))",
    re.IGNORECASE,
)
# An agent offering, promising or doing something.
_OFFER = re.compile(
    r"\b(?:what i can do|here's what|i can (?:offer|do|put|send|transfer|request|log|book|"
    r"arrange|give|refund|credit|waive|escalate|raise|note|switch|rebook|take|add|bring)|"
    r"i(?:'ll| will) (?:send|transfer|put|log|book|arrange|raise|call|make sure|escalate|note|"
    r"credit|refund|brief|request|add|get|have)|i(?:'ve| have) (?:put|logged|raised|sent|added|"
    r"frozen|locked|noted|credited|refunded|booked|requested)|reference number|"
    r"i'm (?:going to|sending|locking|freezing|bringing|transferring))",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(?:not|no|nothing|never|unable|afraid)\b|n't\b|\bcant\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Item:
    """One quoted moment of the call."""

    turn: int
    text: str
    kind: str | None = None  # agent responses: "refused" or "offered"
    risk: float | None = None  # timeline: the risk after this turn
    rise: float | None = None  # timeline: how much this turn raised the risk
    signs: tuple[str, ...] = ()  # timeline: warning-sign families said in this turn


@dataclass(frozen=True)
class Brief:
    """A call's escalation brief: risk and band, then quoted items by section."""

    call_id: str
    risk: float
    band: str
    # labelled, else the customer's first ask (cutting.cut_point), else the first transfer;
    # None when there is none or the call is labelled as not escalated
    escalation_turn: int | None = None
    problem: tuple[Item, ...] = ()
    desired_outcome: tuple[Item, ...] = ()
    prior_contacts: tuple[Item, ...] = ()
    agent_responses: tuple[Item, ...] = ()
    timeline: tuple[Item, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the keys of the brief, each item ``{"turn", "text"}`` plus, where set,
        ``kind`` (agent responses), ``risk``, ``rise`` and ``signs`` (timeline)."""
        out: dict[str, Any] = {
            "call_id": self.call_id,
            "risk": self.risk,
            "band": self.band,
            "escalation_turn": self.escalation_turn,
        }
        for name in ("problem", "desired_outcome", "prior_contacts", "agent_responses"):
            out[name] = [_item_dict(i) for i in getattr(self, name)]
        out["timeline"] = [_item_dict(i) for i in self.timeline]
        return out

    def text(self, max_words: int = MAX_WORDS) -> str:
        """Plain text for a terminal or a CRM note field, within about ``max_words`` words.

        Lines are kept by priority (problem, want, risk path, one earlier contact, the agent's
        answers nearest the escalation, the rest) and printed in reading order.
        """
        lines: list[tuple[int, int, str]] = []  # (priority, order, line)

        def add(priority: int, order: int, title: str, item: Item) -> None:
            kind = f", {item.kind}" if item.kind else ""
            lines.append((priority, order, f'{title} (turn {item.turn}{kind}): "{item.text}"'))

        for k, item in enumerate(self.problem):
            add(0 if k == 0 else 6, 1 + k, "Problem", item)
        for item in self.desired_outcome:
            add(1, 3, "Wants", item)
        shown = {i.turn for i in (*self.problem, *self.desired_outcome)}
        earlier = [i for i in self.prior_contacts if i.turn not in shown]
        for k, item in enumerate(earlier):
            add(3 if k == 0 else 7, 4 + k, "Before", item)
        ask = self.escalation_turn if self.escalation_turn is not None else 10**6
        nearest = sorted(self.agent_responses, key=lambda i: abs(i.turn - ask))
        for k, item in enumerate(nearest):
            add(4 + k, 10 + item.turn, "Agent", item)
        # the five turns whose signs raised the risk most, in call order
        steepest = sorted(self.timeline, key=lambda i: -(i.rise or 0.0))[:5]
        steps = [
            f"t{i.turn} {'+'.join(i.signs)} {i.risk:.2f}"
            for i in sorted(steepest, key=lambda i: i.turn)
        ]
        if steps:
            lines.append((2, 10**6, "Risk: " + " > ".join(steps)))
        head = f"Call {self.call_id}: risk {self.risk:.2f} ({self.band})."
        kept, used = [], len(head.split())
        for line in sorted(lines):
            n = len(line[2].split())
            if used + n <= max_words:
                kept.append(line)
                used += n
        return "\n".join([head, *(line for _, _, line in sorted(kept, key=lambda t: t[1]))])


def brief(
    call: Transcript | Any,
    model: EscalationModel | None = None,
    *,
    call_id: str | None = None,
    redact: bool = True,
) -> Brief:
    """The escalation brief of one call (a :class:`Transcript`, or any input ``score`` takes,
    of which the first call or the one with ``call_id`` is used).

    >>> from escalation_risk.transcripts import Turn
    >>> call = Transcript("C1", (
    ...     Turn.from_speaker("agent", "Billing, how can I help?"),
    ...     Turn.from_speaker("customer", "I got charged a late fee and I paid on time."),
    ...     Turn.from_speaker("agent", "I can't remove it, that's our policy."),
    ...     Turn.from_speaker("customer", "I want the fee taken off. Get me a supervisor."),
    ... ))
    >>> b = brief(call)
    >>> [(i.turn, i.text) for i in b.problem]
    [(1, 'I got charged a late fee and I paid on time.')]
    >>> [(i.turn, i.text) for i in b.desired_outcome]
    [(3, 'I want the fee taken off. Get me a supervisor.')]
    """
    from .persistence import load_model

    model = model if model is not None else load_model()
    if not isinstance(call, Transcript):
        call = pick_call(call, call_id, model.label)
    return brief_of(model.features.matcher(redact_quotes=redact).analyze(call), model)


def brief_of(
    analyzed: AnalyzedCall,
    model: EscalationModel,
    *,
    prior: float | None = None,
    thresholds: Mapping[str, float | None] | None = None,
    risk: float | None = None,
) -> Brief:
    """The brief of a call already tokenized and matched (what scoring has in hand), redacted
    when its quotes are; ``risk`` is the call's risk when the caller has scored it already."""
    call = analyzed.call
    by_turn: dict[int, list[Evidence]] = {}
    for e in analyzed.evidence:
        by_turn.setdefault(e.turn, []).append(e)
    ask, rule = cut_point(analyzed)
    if rule == "whole_call":  # no labelled turn, no customer ask: a transfer is the handover
        ask = next((i for i, t in enumerate(call.turns) if _hands_over(t.text)), ask)
    # A call known not to have escalated has no escalation turn: its first threat did not end it.
    escalated = call.label is not False and ask < len(call.turns)
    # Risks only where the timeline needs them: after each of the last TIMELINE_TURNS turns with
    # warning signs and just before it (each prefix is scored again, so not every turn).
    signs = [
        t for t, ev in sorted(by_turn.items()) if any(e.family not in CALMING_FAMILIES for e in ev)
    ]
    signs = signs[-TIMELINE_TURNS:]
    whole = {len(call.turns)} if risk is None else set()
    lengths = sorted({n for t in signs for n in (t, t + 1)} | whole - {0})
    risk_after = dict(
        zip(lengths, prefix_risks(model, analyzed, lengths, prior=prior), strict=True)
    )
    if risk is None:
        risk = float(risk_after.get(len(call.turns), expit(model.prior_shift(prior))))

    def quote(turn: int, pattern: re.Pattern[str] | None = None, needle: str = "") -> str:
        text = call.turns[turn].text
        if analyzed.redacted:
            text, needle = redact_text(text), redact_text(needle)
        return _excerpt(text, pattern, needle)

    problem = _problem_turns(call, ask)
    wants = _want_turn(call, by_turn, ask, set(problem), to_end=not escalated)
    earlier = _prior_turns(call, by_turn)
    responses = _agent_turns(call, by_turn, ask)
    timeline = [
        Item(
            t,
            quote(t, needle=by_turn[t][0].quote),
            risk=float(risk_after[t + 1]),
            rise=float(risk_after[t + 1] - risk_after.get(t, 0.0)),
            signs=_families(by_turn[t]),
        )
        for t in signs
    ]
    return Brief(
        call.call_id,
        risk,
        model.band(risk, thresholds or model.thresholds_for(prior)),
        escalation_turn=ask if escalated else None,
        problem=tuple(Item(t, quote(t)) for t in problem),
        desired_outcome=tuple(Item(t, quote(t, _WANT)) for t in wants),
        prior_contacts=tuple(Item(t, quote(t, _PRIOR)) for t in earlier),
        agent_responses=tuple(Item(t, quote(t, needle=q), kind=k) for t, k, q in responses),
        timeline=tuple(timeline),
    )


def _hands_over(text: str) -> bool:
    """Whether a sentence of ``text`` transfers the call without a negation ("I can't transfer
    you" does not)."""
    return any(_HANDOFF.search(s) and not _NEGATION.search(s) for s in _SENTENCE.split(text) if s)


def _families(evidence: list[Evidence]) -> tuple[str, ...]:
    return tuple(sorted({e.family for e in evidence}))


def _customer_turns(call: Transcript) -> list[int]:
    return [i for i, t in enumerate(call.turns) if t.role == "customer"]


def _problem_turns(call: Transcript, ask: int) -> list[int]:
    """The first customer turn that states a problem (see ``_first_problem``), and the
    customer's answer (six words or more) to the agent's "what can I help with?" when it is
    another turn: the answer alone when it comes first, else after the first."""
    turns = _first_problem(call, ask)
    # the last answer: an agent who asks again did not get one ("Hello? Is somebody there?")
    answers = [
        i
        for i in _customer_turns(call)
        if i < ask and _answers(call, i, _HELP_QUESTION) and _tells(call.turns[i].text)
    ]
    answer = answers[-1] if answers else None
    if answer is None or answer in turns:
        return turns
    return [turns[0], answer] if turns and turns[0] < answer else [answer]


def _tells(text: str) -> bool:
    """Whether an answer says something: twelve words, or six with a problem word ("Hi um okay so
    I was at the terminal" does not; the card that fell in the water comes next); talk about the
    line does not count."""
    text = _heard(text)
    words = len(text.split())
    return words >= 12 or (words >= 6 and bool(_PROBLEM.search(text)))


def _first_problem(call: Transcript, ask: int) -> list[int]:
    """The first customer turn that states a problem: it holds a problem word and is not a
    bare answer to an identification question. When that turn is short or only names the
    topic ("I'm calling about my bill"), the next such turn too, if it follows closely and
    comes before the escalation ``ask``."""
    customer = _customer_turns(call)
    found = [i for i in customer if _states_problem(call, i)]
    # The customer's answer to the agent's opening ("how can I help?") is the story when it is
    # long, whatever its words ("I withdrew four hundred dollars and no cash came").
    opening = next((i for i in customer if i <= 2 and _says_more(call, i)), None)
    if opening is not None and (not found or opening < found[0]):
        found = [opening, *found]
    if not found:
        return [i for i in customer if len(_heard(call.turns[i].text).split()) >= 12][:1]
    first = found[0]
    text = call.turns[first].text
    # after "I'm calling about my bill", the next customer turn that says more is the story
    following = [
        i
        for i in customer
        if first < i <= min(first + 6, ask - 1)
        and (i in found or (_TOPIC.search(text) and _says_more(call, i)))
    ]
    if following and (len(text.split()) < 20 or _TOPIC.search(text)):
        return [first, following[0]]
    if not _PROBLEM.search(_heard(text)):  # taken for its length: the first problem word too
        return [first, *[i for i in found[1:] if i < ask][:1]]
    return [first]


def _heard(text: str) -> str:
    """``text`` without its talk about the line ("I can't hear you" states no problem)."""
    return _LINE_NOISE.sub(" ", text)


def _states_problem(call: Transcript, i: int) -> bool:
    text = _heard(call.turns[i].text)
    words = len(text.split())
    return bool(_PROBLEM.search(text)) and (
        words >= 12 or (words >= 6 and not _answers(call, i, _ID_QUESTION))
    )


def _says_more(call: Transcript, i: int) -> bool:
    """Whether customer turn ``i`` says more than an answer: twelve words, not answering an
    identification question, or twenty-five when it does ("A-C two one seven. This is the third
    time I'm calling, I was promised a rental on Monday...")."""
    words = len(_heard(call.turns[i].text).split())
    return words >= 25 or (words >= 12 and not _answers(call, i, _ID_QUESTION))


def _answers(call: Transcript, i: int, question: re.Pattern[str]) -> bool:
    """Whether customer turn ``i`` follows an agent turn that ``question`` matches."""
    previous = call.turns[i - 1] if i > 0 else None
    return bool(
        previous is not None and previous.role == "agent" and question.search(previous.text)
    )


def _want_turn(
    call: Transcript,
    by_turn: dict[int, list[Evidence]],
    ask: int,
    problem: set[int],
    *,
    to_end: bool = False,
) -> list[int]:
    """The customer's latest want before the escalation ``ask`` (in the whole call when
    ``to_end``: the call did not escalate); a turn whose only ask is a supervisor, complaint or
    churn phrase does not count, and a transfer, number or copy ask only when nothing else
    asks. Else the ask's turn when it says more than 'get me a supervisor', else the first want
    after it; the bare ask when nothing else asks."""

    def wants(i: int) -> bool:
        text = _heard(call.turns[i].text)
        found = _WANT.search(text)
        return (
            found is not None
            and not _VAGUE.search(text[found.start() :])
            and not (
                _WHETHER.search(text[: found.start()])  # "do I need to chase it?" asks, wants not
            )
            and not (len(text.split()) <= 8 and _answers(call, i, _OFFER_QUESTION))
        )

    def bare_ask(i: int) -> bool:
        """A turn that asks for nothing besides a supervisor, complaint or churn phrase."""
        evidence = [e for e in by_turn.get(i, ()) if e.family in ASKS]
        return bool(evidence) and not _WANT.search(_without(call.turns[i].text, evidence))

    customer = _customer_turns(call)
    upto = len(call.turns) if to_end else ask
    before = [i for i in customer if i < upto and wants(i) and not bare_ask(i)]
    if before:
        # an ask to be put through, given a number or sent a copy is a way to the want, not it
        return [([i for i in before if not _ROUTING.search(call.turns[i].text)] or before)[-1]]
    at_ask = [i for i in customer if i == ask]
    if at_ask and _says_more_than_ask(call.turns[ask].text, by_turn.get(ask, [])):
        return at_ask
    after = [i for i in customer if i > ask and wants(i) and not bare_ask(i)]
    return after[:1] or [i for i in customer if i in problem and wants(i)][:1] or at_ask


def _without(text: str, evidence: list[Evidence]) -> str:
    """``text`` with the evidence's spans blanked out."""
    for e in sorted(evidence, key=lambda e: -e.start):
        text = text[: e.start] + " " + text[e.end :]
    return text


def _says_more_than_ask(text: str, evidence: list[Evidence]) -> bool:
    """Whether a turn says more than its escalation phrase(s): a want, or ten words besides."""
    rest = _without(text, evidence)
    return bool(_WANT.search(rest)) or len(rest.split()) >= 10


def _prior_turns(call: Transcript, by_turn: dict[int, list[Evidence]]) -> list[int]:
    found = [
        i
        for i, turn in enumerate(call.turns)
        if any(e.family == "repeat_contact" for e in by_turn.get(i, ())) or _PRIOR.search(turn.text)
    ]
    return found[:2]


def _agent_turns(
    call: Transcript, by_turn: dict[int, list[Evidence]], ask: int
) -> list[tuple[int, str, str]]:
    """Up to three agent turns, (turn, kind, what to quote): an offer or promise (a sentence
    that offers without a negation) or a refusal (habit evidence); the ones nearest the
    escalation first, shown in call order."""
    found: list[tuple[int, str, str]] = []
    for i, turn in enumerate(call.turns):
        if turn.role != "agent":
            continue
        offers = [
            s for s in _SENTENCE.split(turn.text) if _OFFER.search(s) and not _NEGATION.search(s)
        ]
        refusals = [e for e in by_turn.get(i, ()) if e.family in REFUSAL_FAMILIES]
        if offers:
            found.append((i, "offered", offers[0]))
        elif refusals:
            found.append((i, "refused", refusals[0].quote))
    nearest = sorted(found, key=lambda f: (abs(f[0] - ask), f[0]))[:3]
    return sorted(nearest)


def _excerpt(text: str, pattern: re.Pattern[str] | None = None, needle: str = "") -> str:
    """From the sentence of ``text`` holding ``needle`` (or the first that ``pattern`` matches;
    else the first sentence of more than three words), whole sentences while they fit in
    ``QUOTE_WORDS`` words (the first cut if it alone is longer); "…" marks a cut."""
    sentences = [s for s in _SENTENCE.split(text.strip()) if s]
    found: int | None = None
    if needle:
        found = next((k for k, s in enumerate(sentences) if needle in s), None)
    if found is None and pattern is not None:
        found = next((k for k, s in enumerate(sentences) if pattern.search(s)), None)
    if found is None:  # skip "Yeah, hi." and the like
        found = next((k for k, s in enumerate(sentences) if len(s.split()) > 3), 0)
    available = " ".join(sentences[found:]).split()
    words: list[str] = []
    for sentence in sentences[found:]:
        more = sentence.split()
        if words and len(words) + len(more) > QUOTE_WORDS:
            break
        words += more
    words = words[:QUOTE_WORDS]
    out = " ".join(words)
    if found > 0:
        out = "… " + out
    return out + (" …" if len(words) < len(available) else "")


def _item_dict(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"turn": item.turn, "text": item.text}
    if item.kind:
        out["kind"] = item.kind
    if item.risk is not None:
        out["risk"] = round(item.risk, 4)
        out["rise"] = round(item.rise or 0.0, 4)
        out["signs"] = list(item.signs)
    return out
