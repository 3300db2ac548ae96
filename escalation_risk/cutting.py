"""Cutting calls short: score the first turns only, and the early-warning cutting rule.

The rule, used for training, evaluation and benchmarks alike: an escalated call is cut just
before its ``escalation_turn``; a call that did not escalate is cut at a turn drawn (seeded)
from the relative cut points of the escalated calls, so call length gives nothing away.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .errors import InputError
from .signals import AnalyzedCall
from .transcripts import Transcript

ESCALATION_TURN = "escalation_turn"
# Customer signs that are the escalation itself: where a call without a labelled turn escalated.
ASKS = ("supervisor_request", "complaint_threat", "churn_threat")


def truncate(
    call: Transcript, *, upto_turn: int | None = None, upto_fraction: float | None = None
) -> Transcript:
    """The call's first ``upto_turn`` turns, or its first ``upto_fraction`` of turns (at least one).

    >>> from escalation_risk.transcripts import Turn
    >>> call = Transcript("c", tuple(Turn.from_speaker("agent", str(i)) for i in range(10)))
    >>> len(truncate(call, upto_turn=3).turns), len(truncate(call, upto_fraction=0.25).turns)
    (3, 3)
    """
    n = len(call.turns)
    keep = n
    if upto_turn is not None:
        keep = min(keep, max(1, upto_turn))
    if upto_fraction is not None:
        keep = min(keep, max(1, math.ceil(upto_fraction * n)))
    return call if keep == n else replace(call, turns=call.turns[:keep])


def escalation_turn(call: Transcript) -> int | None:
    value = call.metadata.get(ESCALATION_TURN)
    if value is None or value == "":
        return None
    try:
        turn = int(value)
    except (TypeError, ValueError):
        raise InputError(
            f"'{ESCALATION_TURN}' {value!r} is not a turn number",
            source=call.source,
            line=call.line,
            call_id=call.call_id,
        ) from None
    if not 0 <= turn < len(call.turns):
        raise InputError(
            f"'{ESCALATION_TURN}' {turn} is outside the call's {len(call.turns)} turns",
            source=call.source,
            line=call.line,
            call_id=call.call_id,
        )
    return turn


def forecast_cuts(calls: Sequence[Transcript], *, seed: int = 0) -> list[Transcript]:
    """Apply the cutting rule to labeled calls (see the module docstring).

    An escalated call needs ``escalation_turn`` ≥ 1 (something must come before the ask).
    """
    relative = []
    for call in calls:
        if call.label:
            turn = escalation_turn(call)
            if turn is None or turn < 1:
                raise InputError(
                    f"escalated call needs '{ESCALATION_TURN}' of at least 1 to be cut before it",
                    source=call.source,
                    line=call.line,
                    call_id=call.call_id,
                )
            relative.append(turn / len(call.turns))
    if not relative:
        raise InputError("no escalated call with an escalation_turn to learn cut points from")
    rng = np.random.default_rng(seed)
    out = []
    for call in calls:
        if call.label:
            cut = escalation_turn(call) or 1
        else:
            cut = max(1, round(float(rng.choice(relative)) * len(call.turns)))
        out.append(replace(call, turns=call.turns[:cut]))
    return out


def cut_point(analyzed: AnalyzedCall) -> tuple[int, str]:
    """Where a call escalated, and which rule said so: its labelled ``escalation_turn``, else
    the customer's first supervisor, complaint or churn ask, else its end ("whole_call")."""
    call = analyzed.call
    labelled = escalation_turn(call)
    if labelled is not None:
        return labelled, "escalation_turn"
    asks = [e.turn for e in analyzed.evidence if e.family in ASKS and e.speaker == "customer"]
    if asks:
        return min(asks), "customer_ask"
    return len(call.turns), "whole_call"
