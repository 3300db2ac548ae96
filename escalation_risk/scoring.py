"""Score calls with a model: one row per call, in input order, with reasons and evidence."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .errors import OnError, SkipLog
from .inputs import as_transcripts
from .lexicon import FAMILY_IDS
from .model import OUTPUT_SCHEMA_VERSION, EscalationModel, evidence_records, reasons_for
from .transcripts import Transcript

DEFAULT_KEEP = ("agent_id", "queue", "started_at")
BASE_COLUMNS = ("call_id", "risk", "band", "signals", "reasons", "evidence", "schema_version")


@dataclass
class BatchReport:
    """What a batch did: calls scored, calls skipped (with first messages), duplicate ids."""

    skipped: SkipLog = field(default_factory=SkipLog)
    scored: int = 0
    duplicate_ids: int = 0
    _seen: set[str] = field(default_factory=set, repr=False)

    def saw(self, call_id: str) -> None:
        if call_id in self._seen:
            self.duplicate_ids += 1
        self._seen.add(call_id)

    def summary(self) -> str:
        parts = [f"scored {self.scored} call(s)", f"skipped {self.skipped.count}"]
        if self.duplicate_ids:
            parts.append(f"{self.duplicate_ids} duplicate call id(s) scored again")
        return ", ".join(parts)


def score(
    data: Any,
    model: EscalationModel | None = None,
    *,
    keep: Sequence[str] | None = None,
    redact: bool = True,
    on_error: OnError = "skip",
    report: BatchReport | None = None,
) -> pd.DataFrame:
    """Score calls: ``call_id, risk, band, signals, reasons, evidence, schema_version`` + metadata.

    Parameters
    ----------
    data: transcripts, path(s), or a DataFrame with one row per turn (``call_id, speaker, text``).
    model: an :class:`EscalationModel`; None loads the bundled default model.
    keep: metadata columns to carry over; None keeps ``agent_id, queue, started_at`` when present.
    redact: quote evidence with digit runs replaced by ``[NUM]`` (the default).
    on_error: ``skip`` counts bad calls in ``report`` and goes on; ``fail`` raises.

    >>> import pandas as pd
    >>> turns = pd.DataFrame({"call_id": ["C1", "C1"], "speaker": ["agent", "customer"],
    ...     "text": ["How can I help?", "Third time calling, get me a supervisor now."]})
    >>> out = score(turns)
    >>> out.loc[0, "band"] in {"low", "medium", "high"}, out.loc[0, "signals"]["supervisor_request"]
    (True, 1)
    """
    frames = list(
        score_batches(data, model, keep=keep, redact=redact, on_error=on_error, report=report)
    )
    if not frames:
        return pd.DataFrame(columns=list(BASE_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def score_batches(
    data: Any,
    model: EscalationModel | None = None,
    *,
    keep: Sequence[str] | None = None,
    redact: bool = True,
    on_error: OnError = "skip",
    report: BatchReport | None = None,
    batch_size: int = 512,
) -> Iterator[pd.DataFrame]:
    """Stream scores batch by batch, so any number of calls runs in flat memory.

    The metadata columns are fixed by the first batch (``keep`` names them explicitly).
    """
    from .persistence import load_model

    model = model if model is not None else load_model()
    report = report if report is not None else BatchReport()
    calls = as_transcripts(data, label=model.label, on_error=on_error, skipped=report.skipped)
    columns: list[str] | None = list(keep) if keep is not None else None
    for batch in _batched(calls, batch_size):
        if columns is None:
            columns = [k for k in DEFAULT_KEEP if any(k in c.metadata for c in batch)]
        for call in batch:
            report.saw(call.call_id)
        frame = score_calls(batch, model, keep=columns, redact=redact)
        report.scored += len(frame)
        yield frame


def score_calls(
    calls: Sequence[Transcript],
    model: EscalationModel,
    *,
    keep: Sequence[str] = (),
    redact: bool = True,
) -> pd.DataFrame:
    """Score a list of calls already read (the unit of work for any batch engine)."""
    matcher = model.features.matcher(redact_quotes=redact)
    analyzed = [matcher.analyze(c) for c in calls]
    scored = model.score_analyzed(analyzed) if analyzed else None
    rows = []
    for i, a in enumerate(analyzed):
        assert scored is not None
        risk = float(scored.risk[i])
        counts = dict.fromkeys(FAMILY_IDS, 0)
        for e in a.evidence:
            counts[e.family] += 1
        row = {
            "call_id": a.call.call_id,
            "risk": risk,
            "band": model.band(risk),
            "signals": counts,
            "reasons": reasons_for(
                a, scored.contributions[i], scored.top_words[i], scored.baseline
            ),
            "evidence": evidence_records(a),
            "schema_version": OUTPUT_SCHEMA_VERSION,
        }
        row.update({k: _cell(a.call.metadata.get(k)) for k in keep})
        rows.append(row)
    return pd.DataFrame(rows, columns=[*BASE_COLUMNS, *keep])


def _cell(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def _batched(items: Iterable[Transcript], size: int) -> Iterator[list[Transcript]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
