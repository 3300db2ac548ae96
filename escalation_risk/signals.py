"""Warning signs with evidence: which family fired, who said it, where, and the quoted words."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc, Span

from .lexicon import NUM_NORM, Lexicon, PatternIndex, load_lexicon
from .redact import MaskedRange, masked_ranges, redact_range
from .tokens import turn_tokens
from .transcripts import Transcript

SPAN_KEY = "escalation_signals"


@dataclass(frozen=True)
class Evidence:
    """One matched warning sign, with offsets into the turn's original text."""

    family: str
    speaker: str
    turn: int
    start: int
    end: int
    quote: str
    pattern: str
    severity: int
    better: str | None = None


@dataclass(frozen=True)
class AnalyzedCall:
    """A call tokenized once: per-turn token norms (digits as ``[num]``), each token's
    character span in its turn, and the evidence (quotes redacted when ``redacted``)."""

    call: Transcript
    tokens: tuple[tuple[str, ...], ...]
    evidence: tuple[Evidence, ...]
    offsets: tuple[tuple[tuple[int, int], ...], ...] = ()
    redacted: bool = True


class SignalMatcher:
    """Match a lexicon against calls, role-aware, with exceptions.

    >>> from escalation_risk.transcripts import Turn
    >>> call = Transcript("C1", (Turn.from_speaker("customer", "get me a super visor now"),))
    >>> [(e.family, e.quote) for e in SignalMatcher().analyze(call).evidence]
    [('supervisor_request', 'get me a super visor now')]
    """

    def __init__(self, lexicon: Lexicon | None = None, *, redact_quotes: bool = True) -> None:
        self.lexicon = lexicon if lexicon is not None else load_lexicon()
        self.redact_quotes = redact_quotes
        self._matcher = _cached_matcher(self.lexicon)

    def analyze(self, call: Transcript) -> AnalyzedCall:
        tokens: list[tuple[str, ...]] = []
        offsets: list[tuple[tuple[int, int], ...]] = []
        masked: list[list[MaskedRange]] = []
        for turn in call.turns:
            norms, spans = turn_tokens(turn.text)
            masked.append(masked_ranges(turn.text))
            tokens.append(_digits_as_num(norms, spans, masked[-1]))
            offsets.append(spans)
        evidence: list[Evidence] = []
        for index, turn in enumerate(call.turns):
            spans = offsets[index]
            for entry, start, end in match_norms(tokens[index], turn.role, self._matcher):
                start_char, end_char = spans[start][0], spans[end - 1][1]
                quote = (
                    redact_range(turn.text, start_char, end_char, masked[index])
                    if self.redact_quotes
                    else turn.text[start_char:end_char]
                )
                evidence.append(
                    Evidence(
                        family=entry["label"],
                        speaker=turn.role,
                        turn=index,
                        start=start_char,
                        end=end_char,
                        quote=quote,
                        pattern=entry["id"],
                        severity=int(entry.get("severity", 1)),
                        better=entry.get("better"),
                    )
                )
        return AnalyzedCall(
            call, tuple(tokens), tuple(evidence), tuple(offsets), self.redact_quotes
        )


def _digits_as_num(
    norms: list[str], spans: tuple[tuple[int, int], ...], masked: list[MaskedRange]
) -> tuple[str, ...]:
    """Tokens inside masked ranges get the NORM ``[num]``: features never see the digits."""
    for s, e, _ in masked:
        for i, (start, end) in enumerate(spans):
            if s < end and start < e:
                norms[i] = NUM_NORM
    return tuple(norms)


@cache
def _cached_matcher(lexicon: Lexicon) -> PatternIndex:
    return PatternIndex(lexicon)


def match_norms(
    norms: tuple[str, ...], role: str | None, index: PatternIndex
) -> list[tuple[Any, int, int]]:
    """Matches in one turn's token norms as (entry, start token, end token), exceptions applied.

    ``role`` None disables the speaker filter (the spaCy component on a bare Doc).
    """
    found = index.find(norms, role)  # the speaker's patterns only
    if not found:  # most turns: nothing to resolve
        return []
    hits: list[tuple[Any, int, int]] = []
    blocked_spans: dict[str, list[tuple[int, int]]] = {}
    blocked_turn: set[str] = set()
    for key, start, end in found:
        entry = index.lexicon.entry(key)
        while end - start > 1 and not any(ch.isalnum() for ch in norms[end - 1]):
            end -= 1  # a pattern may end on "," or "?"; the quote should not
        if entry.get("exception"):
            if entry.get("scope") == "turn":
                blocked_turn.add(entry["label"])
            else:
                blocked_spans.setdefault(entry["label"], []).append((start, end))
        else:
            hits.append((entry, start, end))
    kept: list[list[Any]] = []  # [entry, start, end]; a family's overlapping matches merge
    # Hits come by start, so a family's kept spans never overlap and only its last one can
    # overlap the next hit: one look-up, not a scan of every kept span (a 5 MB turn has 60k).
    last: dict[str, list[Any]] = {}
    for entry, start, end in sorted(hits, key=lambda h: (h[1], h[1] - h[2])):
        family = entry["label"]
        if family in blocked_turn:
            continue
        if any(s < end and start < e for s, e in blocked_spans.get(family, ())):
            continue
        previous = last.get(family)
        if previous is not None and start < previous[2]:
            previous[2] = max(previous[2], end)
        else:
            last[family] = [entry, start, end]
            kept.append(last[family])
    return [(e, s, t) for e, s, t in sorted(kept, key=lambda k: (k[1], k[0]["label"]))]


def find_signals(
    data: Any, *, lexicon: Lexicon | None = None, redact_quotes: bool = True
) -> pd.DataFrame:
    """Every warning sign in ``data`` (transcripts, paths, or a DataFrame of turns), one row each.

    >>> from escalation_risk.transcripts import Turn
    >>> call = Transcript("C1", (Turn.from_speaker("agent", "that's our policy, i cant refund"),))
    >>> find_signals([call])[["call_id", "family", "turn", "start", "end"]].values.tolist()
    [['C1', 'policy_wall', 0, 0, 17], ['C1', 'cant_phrasing', 0, 19, 32]]
    """
    from .inputs import as_transcripts

    matcher = SignalMatcher(lexicon, redact_quotes=redact_quotes)
    rows = (
        {"call_id": a.call.call_id, **asdict(e)}
        for a in map(matcher.analyze, as_transcripts(data))
        for e in a.evidence
    )
    return pd.DataFrame(list(rows), columns=["call_id", *Evidence.__dataclass_fields__])


# --- the spaCy component -------------------------------------------------------------------

if not Doc.has_extension("escalation_role"):
    Doc.set_extension("escalation_role", default=None)


class EscalationSignals:
    """spaCy component: matches land in ``doc.spans["escalation_signals"]``, label = family.

    Set ``doc._.escalation_role`` to ``"agent"`` or ``"customer"`` to apply the speaker filter.

    >>> import spacy
    >>> pipeline = spacy.blank("en")
    >>> _ = pipeline.add_pipe("escalation_signals")
    >>> doc = pipeline("I want to speak to your manager, this is ridiculous")
    >>> [(s.label_, s.text) for s in doc.spans["escalation_signals"]]
    [('supervisor_request', 'speak to your manager'), ('anger', 'ridiculous')]
    """

    def __init__(self, lexicon_path: str | None = None) -> None:
        self.index = _cached_matcher(load_lexicon(lexicon_path))

    def __call__(self, doc: Doc) -> Doc:
        spans = tuple((t.idx, t.idx + len(t)) for t in doc)
        norms = _digits_as_num([t.norm_ for t in doc], spans, masked_ranges(doc.text))
        matches = match_norms(norms, doc._.escalation_role, self.index)
        doc.spans[SPAN_KEY] = [
            Span(doc, start, end, label=entry["label"], span_id=entry["id"])
            for entry, start, end in matches
        ]
        return doc


@Language.factory("escalation_signals", default_config={"lexicon_path": None})
def make_component(nlp: Language, name: str, lexicon_path: str | None) -> EscalationSignals:
    return EscalationSignals(lexicon_path)
