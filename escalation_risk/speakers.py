"""Who is the agent? Roles for diarized or named speakers, inferred from what each one says.

Speech-to-text gives ``SPEAKER_00``/``spk_1`` or people's names, not roles, and who speaks first
proves nothing. Each speaker gets an agent score from two kinds of package data: the cues in
``speaker_cues.json`` (greetings with a company name, "thank you for calling", identity checks,
hold language, "is there anything else" …, and the customer's own story, plus the we/I balance)
and the word weights in ``speaker_words.json`` (a linear model of agent against customer turns,
fitted on the bundled corpus by ``scripts/train_speaker_words.py``). The top scorer is the agent
and everyone else the customer; the confidence is the score margin (scaled down below 60 words
of speech) squashed to 0.5-1.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from .transcripts import Transcript, Turn

log = logging.getLogger(__name__)
LOW_CONFIDENCE = 0.75
EVIDENCE_WORDS = 60  # words of a call before a margin counts in full
CUE_WEIGHT = 2.0  # cues against the word model's mean log-odds; chosen on development halves
_WORD = re.compile(r"[a-z']+")
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_WE = {"we", "we're", "we've", "we'll", "our", "us", "ours"}
_I = {"i", "i'm", "i've", "i'll", "i'd", "my", "me", "mine"}


@dataclass(frozen=True)
class RoleGuess:
    """The speaker taken for the agent, how sure (0.5-1), and each speaker's score."""

    agent: str | None
    confidence: float
    scores: dict[str, float]
    source: str  # "labels" (roles given), "inferred" or "override"


@cache
def _cues() -> tuple[list[re.Pattern[str]], list[re.Pattern[str]], dict[str, float]]:
    data = json.loads(
        resources.files("escalation_risk").joinpath("speaker_cues.json").read_text("utf-8")
    )
    agent = [re.compile(p) for p in data["agent"]]
    customer = [re.compile(p) for p in data["customer"]]
    return agent, customer, data["weights"]


@cache
def _words() -> tuple[float, dict[str, float]]:
    data = json.loads(
        resources.files("escalation_risk").joinpath("speaker_words.json").read_text("utf-8")
    )
    return float(data["intercept"]), dict(data["weights"])


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped (speech-to-text drops them), other marks as spaces.

    >>> normalise("I can't, OK?")
    'i cant ok '
    """
    return _NOT_WORD.sub(" ", text.lower().replace("'", "").replace("’", ""))


WordModel = tuple[float, dict[str, float]]


def word_score(text: str, model: WordModel | None = None) -> float:
    """Log-odds that a turn is the agent's, from the word model (the packaged one by default)."""
    intercept, weights = model if model is not None else _words()
    words = normalise(text).split()
    terms = set(words) | {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}
    return intercept + sum(weights.get(t, 0.0) for t in terms)


def speaker_scores(turns: Sequence[Turn], words: WordModel | None = None) -> dict[str, float]:
    """Agent score per speaker label: mean word-model log-odds plus the cue score.

    >>> from escalation_risk.transcripts import Turn
    >>> turns = [Turn.from_speaker("spk_0", "My bill is wrong again, I want it fixed."),
    ...          Turn.from_speaker("spk_1", "Thanks for calling, can I have your account number?")]
    >>> scores = speaker_scores(turns)
    >>> scores["spk_1"] > scores["spk_0"]
    True
    """
    cues = cue_scores(turns)
    per_turn: dict[str, list[float]] = {}
    for turn in turns:
        if turn.text.strip():
            per_turn.setdefault(turn.speaker, []).append(word_score(turn.text, words))
    return {
        speaker: sum(values) / len(values) + CUE_WEIGHT * cues.get(speaker, 0.0)
        for speaker, values in per_turn.items()
    }


def cue_scores(turns: Sequence[Turn]) -> dict[str, float]:
    """Cue score per speaker: agent and customer cue hits per turn and the we/I balance."""
    agent_cues, customer_cues, w = _cues()
    hits: dict[str, list[float]] = {}
    for turn in turns:
        text = turn.text.lower().replace("’", "'")
        words = _WORD.findall(text)
        if not words:
            continue
        a = sum(1 for p in agent_cues if p.search(text))
        c = sum(1 for p in customer_cues if p.search(text))
        we = sum(1 for x in words if x in _WE)
        me = sum(1 for x in words if x in _I)
        row = hits.setdefault(turn.speaker, [0.0, 0.0, 0.0, 0.0, 0.0])
        row[0] += 1
        row[1] += min(a, 2)
        row[2] += min(c, 2)
        row[3] += we
        row[4] += me
    scores: dict[str, float] = {}
    for speaker, (n, agent, customer, we_count, me_count) in hits.items():
        balance = (we_count - me_count) / math.sqrt(we_count + me_count + 1.0)
        scores[speaker] = (
            w["agent"] * agent / n - w["customer"] * customer / n + w["we_i"] * balance
        )
    return scores


def guess_agent(
    turns: Sequence[Turn], *, agent_speaker: str | None = None, words: WordModel | None = None
) -> RoleGuess:
    """Which speaker is the agent; ``agent_speaker`` overrides the guess."""
    scores = speaker_scores(turns, words)
    if agent_speaker is not None:
        return RoleGuess(agent_speaker, 1.0, scores, "override")
    if not scores:
        return RoleGuess(None, 0.5, scores, "inferred")
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) == 1:
        # A lone speaker: agent only if the cues say so.
        only, value = ranked[0]
        return RoleGuess(only if value > 0 else None, _squash(abs(value)), scores, "inferred")
    # A few words decide little, whatever the margin: confidence grows with what was said.
    said = sum(len(t.text.split()) for t in turns)
    margin = (ranked[0][1] - ranked[1][1]) * min(1.0, said / EVIDENCE_WORDS)
    return RoleGuess(ranked[0][0], _squash(margin), scores, "inferred")


def _squash(margin: float) -> float:
    return 0.5 + 0.5 * math.tanh(margin)


def needs_roles(call: Transcript) -> bool:
    """True when no turn has a known agent or customer role."""
    return not any(t.role in ("agent", "customer") for t in call.turns)


def assign_roles(call: Transcript, *, agent_speaker: str | None = None) -> Transcript:
    """``call`` with roles set from :func:`guess_agent` (system turns stay system).

    Metadata gains ``agent_speaker``, ``role_confidence`` and ``role_source``. Calls whose
    speakers already carry roles are returned unchanged unless ``agent_speaker`` is given.
    """
    if agent_speaker is None and not needs_roles(call):
        return call
    spoken = [t for t in call.turns if t.role != "system"]
    if agent_speaker is None and len({t.speaker for t in spoken}) < 2:
        # One voice (captions without speakers): nothing to tell apart; roles stay unknown.
        return replace(call, metadata={**call.metadata, "role_source": "single speaker"})
    guess = guess_agent(spoken, agent_speaker=agent_speaker)
    turns = tuple(
        t
        if t.role == "system"
        else replace(t, role="agent" if t.speaker == guess.agent else "customer")
        for t in call.turns
    )
    meta = {
        **call.metadata,
        "agent_speaker": guess.agent,
        "role_confidence": round(guess.confidence, 3),
        "role_source": guess.source,
    }
    return replace(call, turns=turns, metadata=meta)


def resolve_roles(
    calls: Iterable[Transcript], *, agent_speaker: str | None = None
) -> Iterator[Transcript]:
    """Roles for every call that lacks them; low-confidence guesses are logged (no text)."""
    for call in calls:
        resolved = assign_roles(call, agent_speaker=agent_speaker)
        confidence = resolved.metadata.get("role_confidence")
        if resolved is not call and confidence is not None and confidence < LOW_CONFIDENCE:
            where = f"{call.source}: " if call.source else ""
            log.warning(
                "%scall %s: agent guessed with low confidence %.2f; name it with --agent-speaker",
                where,
                call.call_id,
                confidence,
            )
        yield resolved
