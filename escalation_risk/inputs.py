"""Turn whatever a caller hands the API into a stream of transcripts."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import InputError, OnError, SkipLog
from .readers import parse_label, read_transcripts
from .transcripts import Transcript, Turn

TURN_COLUMNS = ("call_id", "speaker", "text")


def as_transcripts(
    data: Any,
    *,
    label: str = "escalated",
    on_error: OnError = "fail",
    skipped: SkipLog | None = None,
) -> Iterator[Transcript]:
    """Transcripts from a Transcript, an iterable of them, path(s), a stream, or a DataFrame."""
    if isinstance(data, Transcript):
        yield data
    elif isinstance(data, pd.DataFrame):
        yield from frame_to_transcripts(data, label=label, on_error=on_error, skipped=skipped)
    elif isinstance(data, (str, Path, io.IOBase)):
        yield from read_transcripts(data, label=label, on_error=on_error, skipped=skipped)
    elif isinstance(data, Iterable):
        for item in data:
            if isinstance(item, Transcript):
                yield item
            else:
                yield from read_transcripts(item, label=label, on_error=on_error, skipped=skipped)
    else:
        raise TypeError(f"cannot read transcripts from {type(data).__name__}")


def frame_to_transcripts(
    frame: pd.DataFrame,
    *,
    label: str = "escalated",
    on_error: OnError = "fail",
    skipped: SkipLog | None = None,
) -> Iterator[Transcript]:
    """A DataFrame with one row per turn (``call_id, speaker, text`` + call metadata).

    Rows of a call stay in frame order; calls come out in order of first appearance.

    >>> df = pd.DataFrame({"call_id": ["A", "A"], "speaker": ["agent", "customer"],
    ...                    "text": ["Hello", "Hi"], "queue": ["billing", "billing"]})
    >>> [(c.call_id, len(c.turns), dict(c.metadata)) for c in frame_to_transcripts(df)]
    [('A', 2, {'queue': 'billing'})]
    """
    missing = [c for c in TURN_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"DataFrame lacks column(s) {', '.join(missing)}", source="<DataFrame>")
    log = skipped if skipped is not None else SkipLog()
    extra = [c for c in frame.columns if c not in TURN_COLUMNS]
    for call_id, group in frame.groupby("call_id", sort=False):
        first = group.iloc[0]
        meta = {c: _plain(first[c]) for c in extra if c != label}
        turns = tuple(
            Turn.from_speaker(str(s), "" if pd.isna(t) else str(t))
            for s, t in zip(group["speaker"], group["text"], strict=True)
        )
        problem = None
        value = None
        try:
            value = parse_label(_plain(first[label])) if label in group.columns else None
        except ValueError as err:
            problem = str(err)
        if not any(t.text.strip() for t in turns):
            problem = "no text in any turn"
        if problem:
            bad = InputError(problem, source="<DataFrame>", call_id=str(call_id))
            if on_error == "fail":
                raise bad
            log.add(bad)
            continue
        yield Transcript(str(call_id), turns, meta, value, source="<DataFrame>")


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value
