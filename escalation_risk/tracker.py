"""Live scoring: feed a call turn by turn and get the risk after each turn."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.special import expit

from .model import EscalationModel, evidence_records
from .signals import AnalyzedCall, Evidence
from .transcripts import Transcript, Turn


@dataclass(frozen=True)
class Update:
    """The state after one turn: risk, band, and the warning signs this turn added."""

    call_id: str
    turn: int
    risk: float
    band: str
    new_evidence: list[dict[str, Any]] = field(default_factory=list)


class RiskTracker:
    """Score a call as it happens. Each turn is tokenized and matched once, when it arrives;
    the risk is recomputed from everything so far.

    >>> tracker = RiskTracker(call_id="live-1")
    >>> _ = tracker.add_turn("agent", "Thanks for calling, how can I help?")
    >>> update = tracker.add_turn("customer", "Third time calling. Get me a supervisor.")
    >>> update.turn, [e["family"] for e in update.new_evidence]
    (1, ['repeat_contact', 'supervisor_request'])
    """

    def __init__(
        self,
        model: EscalationModel | None = None,
        *,
        call_id: str = "live",
        redact: bool = True,
        prior: float | None = None,
    ) -> None:
        from .persistence import load_model

        self.model = model if model is not None else load_model()
        self.call_id = call_id
        self._matcher = self.model.features.matcher(redact_quotes=redact)
        self._redact = redact
        self._shift = self.model.prior_shift(prior)
        self._thresholds = self.model.live_thresholds_for(prior)
        self._turns: list[Turn] = []
        self._tokens: list[tuple[str, ...]] = []
        self._offsets: list[tuple[tuple[int, int], ...]] = []
        self._evidence: list[Evidence] = []

    def add_turn(self, speaker: str, text: str) -> Update:
        """Add one turn; returns the updated risk and the new evidence."""
        index = len(self._turns)
        turn = Turn.from_speaker(speaker, text)
        single = self._matcher.analyze(Transcript(self.call_id, (turn,)))
        new = [replace(e, turn=index) for e in single.evidence]
        self._turns.append(turn)
        self._tokens.append(single.tokens[0])
        self._offsets.append(single.offsets[0])
        self._evidence.extend(new)
        risk = self.risk()
        band = self.model.band(risk, self._thresholds)
        return Update(self.call_id, index, risk, band, evidence_records(new))

    @property
    def transcript(self) -> Transcript:
        return Transcript(self.call_id, tuple(self._turns))

    def analyzed(self) -> AnalyzedCall:
        return AnalyzedCall(
            self.transcript,
            tuple(self._tokens),
            tuple(self._evidence),
            tuple(self._offsets),
            self._redact,
        )

    def risk(self) -> float:
        if not self._turns:
            return float(expit(self._shift))  # nothing said yet: no information
        scored = self.model.score_analyzed([self.analyzed()])
        return float(expit(scored.logit[0] + self._shift))


def live_window_risks(
    model: EscalationModel, analyzed: AnalyzedCall, *, prior: float | None = None
) -> np.ndarray:
    """The risks a :class:`RiskTracker` shows after each turn of a labeled call's live window:
    the turns before ``escalation_turn`` for an escalated call, the whole call otherwise.

    Every prefix is scored in one batch; turn by turn the tracker gives the same risks.
    """
    from .cutting import escalation_turn

    call = analyzed.call
    last = escalation_turn(call) if call.label else None
    last = len(call.turns) if last is None else last
    return prefix_risks(model, analyzed, range(1, last + 1), prior=prior)


def prefix_risks(
    model: EscalationModel,
    analyzed: AnalyzedCall,
    lengths: Sequence[int],
    *,
    prior: float | None = None,
) -> np.ndarray:
    """The risk a :class:`RiskTracker` shows once the first ``n`` turns are in, for each ``n``
    of ``lengths``; the prefixes are scored in one batch."""
    call = analyzed.call
    prefixes = [
        AnalyzedCall(
            replace(call, turns=call.turns[:n]),
            analyzed.tokens[:n],
            tuple(e for e in analyzed.evidence if e.turn < n),
            analyzed.offsets[:n],
            analyzed.redacted,
        )
        for n in lengths
    ]
    if not prefixes:
        return np.zeros(0)
    logit = model.score_analyzed(prefixes, reasons=False).logit
    return np.asarray(expit(logit + model.prior_shift(prior)))
