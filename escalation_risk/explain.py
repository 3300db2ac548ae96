"""One call turn by turn: its text with evidence marked, the risk, and the reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .brief import Brief, brief_of
from .inputs import pick_call
from .model import EscalationModel, reasons_for
from .redact import masked_ranges, redact_range


@dataclass(frozen=True)
class TurnView:
    """A turn cut into segments; ``family`` is set on the segments that are evidence."""

    index: int
    role: str
    speaker: str
    segments: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Explanation:
    call_id: str
    risk: float
    band: str
    reasons: list[dict[str, Any]]
    turns: tuple[TurnView, ...]
    brief: Brief


def explain(
    data: Any,
    model: EscalationModel | None = None,
    *,
    call_id: str | None = None,
    redact: bool = True,
) -> Explanation:
    """Explain one call of ``data``: the first, or the one whose id is ``call_id``.

    >>> from escalation_risk.transcripts import Transcript, Turn
    >>> call = Transcript("C1", (Turn.from_speaker("customer", "I want a supervisor now"),))
    >>> view = explain(call)
    >>> view.turns[0].segments
    (('I ', None), ('want a supervisor now', 'supervisor_request'))
    """
    from .persistence import load_model

    model = model if model is not None else load_model()
    call = pick_call(data, call_id, model.label)
    analyzed = model.features.matcher(redact_quotes=redact).analyze(call)
    scored = model.score_analyzed([analyzed])
    risk = float(scored.risk[0])
    views = []
    for index, turn in enumerate(call.turns):
        marks = sorted((e.start, e.end, e.family) for e in analyzed.evidence if e.turn == index)
        views.append(TurnView(index, turn.role, turn.speaker, _segments(turn.text, marks, redact)))
    reasons = reasons_for(analyzed, scored.contributions[0], scored.top_words[0], scored.baseline)
    summary = brief_of(analyzed, model, risk=risk)
    return Explanation(call.call_id, risk, model.band(risk), reasons, tuple(views), summary)


def _segments(
    text: str, marks: list[tuple[int, int, str]], redact: bool
) -> tuple[tuple[str, str | None], ...]:
    """Split ``text`` at evidence offsets; overlapping marks keep the first family. Redacted
    as a whole turn, so a number cut by a mark is still masked."""
    cuts: list[tuple[int, int, str | None]] = []
    pos = 0
    for start, end, family in marks:
        if start < pos:
            continue
        if start > pos:
            cuts.append((pos, start, None))
        cuts.append((start, end, family))
        pos = end
    if pos < len(text):
        cuts.append((pos, len(text), None))
    masked = masked_ranges(text) if redact else []
    return tuple((redact_range(text, s, e, masked) if redact else text[s:e], f) for s, e, f in cuts)
