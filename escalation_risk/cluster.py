"""Scoring past one machine: the pandas-in/pandas-out function, mapped over Dask partitions.

:func:`score_frame` is the unit of work for any engine (Dask ``map_partitions``, Spark
``mapInPandas``, a plain loop): a DataFrame of turns in, one row per call out. Workers load
a model once (cached by path) and keep it. Needs ``pip install "escalation-risk[dask]"``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import InputError, SkipLog
from .model import EscalationModel
from .readers import TURN_COLUMNS
from .scoring import BASE_COLUMNS, DEFAULT_KEEP, BatchReport, score, score_batches

log = logging.getLogger(__name__)
ModelRef = EscalationModel | str | Path | None
# Files are scored before their metadata is seen, so the kept columns are fixed up front.
FILE_KEEP = ("agent_id", "queue", "started_at")
_NO_TURNS = pd.DataFrame(columns=list(TURN_COLUMNS))


@functools.lru_cache(maxsize=4)
def _load(ref: str) -> EscalationModel:
    from .persistence import load_model

    return load_model(None if ref == "" else ref)


def _model(ref: ModelRef) -> EscalationModel:
    """The model itself, or one loaded once per process from a path or bundled name."""
    if isinstance(ref, EscalationModel):
        return ref
    return _load("" if ref is None else str(ref))


def score_frame(
    turns: pd.DataFrame,
    model: ModelRef = None,
    *,
    keep: Sequence[str] = (),
    redact: bool = True,
    prior: float | None = None,
) -> pd.DataFrame:
    """Score a DataFrame of turns (``call_id, speaker, text`` + metadata); pure function.

    Every call's turns must be in ``turns``, in order. The columns are fixed (``keep`` names
    the metadata), so an empty frame gives the schema: ``score_frame(df.head(0))``.

    >>> turns = pd.DataFrame({"call_id": ["C1", "C1"], "speaker": ["agent", "customer"],
    ...                       "text": ["Hello.", "Get me a supervisor."]})
    >>> list(score_frame(turns)["call_id"]), list(score_frame(turns.head(0)).columns)[:3]
    (['C1'], ['call_id', 'risk', 'band'])
    """
    columns = [*BASE_COLUMNS, *keep]
    if turns.empty:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in columns})
    out = score(turns, _model(model), keep=list(keep), redact=redact, prior=prior, on_error="skip")
    return out[columns].astype({"risk": "float64"})


def _dtype(column: str) -> str:
    return "float64" if column == "risk" else "object"


def score_dask(
    data: Any,
    model: ModelRef = None,
    *,
    keep: Sequence[str] | None = None,
    redact: bool = True,
    prior: float | None = None,
    check_partitions: bool = True,
) -> Any:
    """Score with Dask: a dask DataFrame of turns, or transcript paths (one partition each).

    Returns a lazy dask DataFrame with one row per call (compute it, or write it with Dask).
    Bad calls are skipped and logged by the worker; :func:`score_file` returns them too.
    ``model`` is a model, a model directory or a bundled name: paths and names are loaded
    once per worker (they must exist there); a model object travels once in the graph.
    A call split across partitions would be scored twice, in halves: ``check_partitions``
    reads the ``call_id`` column once to refuse that with the call named.
    """
    import dask
    import dask.dataframe as dd

    ref = dask.delayed(model) if isinstance(model, EscalationModel) else model
    if isinstance(data, dd.DataFrame):
        keep = list(keep) if keep is not None else [k for k in DEFAULT_KEEP if k in data.columns]
        if check_partitions:
            _check_partitions(data)
        meta = score_frame(data._meta, None, keep=keep)
        return data.map_partitions(
            score_frame, ref, keep=keep, redact=redact, prior=prior, meta=meta
        )
    paths = files(data)
    keep = list(keep) if keep is not None else list(FILE_KEEP)
    meta = score_frame(_NO_TURNS, None, keep=keep)
    return dd.from_map(
        _score_path, paths, model=ref, keep=keep, redact=redact, prior=prior, meta=meta
    )


def score_file(
    path: str,
    model: ModelRef = None,
    *,
    keep: Sequence[str] = (),
    redact: bool = True,
    prior: float | None = None,
) -> tuple[pd.DataFrame, SkipLog]:
    """Score one transcript file (any format); the scores and what was skipped, and why."""
    report = BatchReport()
    try:
        frames = list(
            score_batches(
                path, _model(model), keep=list(keep), redact=redact, prior=prior, report=report
            )
        )
    except InputError as err:  # the file as a whole (unreadable, unknown format)
        report.skipped.add(err)
        frames = []
    out = pd.concat(frames, ignore_index=True) if frames else score_frame(_NO_TURNS, keep=keep)
    return out.astype({"risk": "float64"}), report.skipped


def _score_path(
    path: str, *, model: ModelRef, keep: list[str], redact: bool, prior: float | None
) -> pd.DataFrame:
    frame, skipped = score_file(path, model, keep=keep, redact=redact, prior=prior)
    if skipped.count:
        log.warning("%s: %d call(s) skipped; first: %s", path, skipped.count, skipped.messages[0])
    return frame


def files(data: str | Path | Iterable[str | Path]) -> list[str]:
    """The transcript files behind paths and directories, as the readers expand them."""
    from .readers import transcript_sources

    items = [data] if isinstance(data, (str, Path)) else list(data)
    out = []
    for item in transcript_sources(items):
        if not isinstance(item, Path):
            raise InputError("scoring on Dask reads files, not stdin or streams", source=str(item))
        out.append(str(item))
    return out


def _check_partitions(data: Any) -> None:
    ids = data["call_id"].map_partitions(
        lambda s: pd.Series(s.unique()), meta=("call_id", "object")
    )
    seen = ids.compute()
    split = seen[seen.duplicated()]
    if len(split):
        raise InputError(
            f"call {split.iloc[0]!r} is split across partitions; put each call's turns in one "
            "partition (for example ddf.shuffle(on='call_id') after sorting turns)",
            source="<dask DataFrame>",
        )
