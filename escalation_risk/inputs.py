"""Turn whatever a caller hands the API into a stream of transcripts."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import InputError, OnError, SkipLog
from .readers import TURN_COLUMNS, parse_label, read_transcripts
from .speakers import resolve_roles
from .transcripts import Transcript, Turn


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


def pick_call(data: Any, call_id: str | None, label: str = "escalated") -> Transcript:
    """The call of ``data`` whose id is ``call_id``, or its first call when None."""
    for call in as_transcripts(data, label=label):
        if call_id is None or call.call_id == call_id:
            return call
    raise InputError(f"call {call_id} not found" if call_id else "no calls in the input")


def frame_to_transcripts(
    frame: pd.DataFrame,
    *,
    label: str = "escalated",
    on_error: OnError = "fail",
    skipped: SkipLog | None = None,
    columns: Mapping[str, str] | None = None,
    source: str = "<DataFrame>",
    agent_speaker: str | None = None,
) -> Iterator[Transcript]:
    """A DataFrame with one row per turn (``call_id, speaker, text`` + call metadata).

    Rows of a call stay in frame order; calls come out in order of first appearance.
    ``columns`` maps our names to yours (``{"speaker": "participant"}``); speakers that are not
    roles get them inferred (``agent_speaker`` names the agent instead).

    >>> df = pd.DataFrame({"call_id": ["A", "A"], "speaker": ["agent", "customer"],
    ...                    "text": ["Hello", "Hi"], "queue": ["billing", "billing"]})
    >>> [(c.call_id, len(c.turns), dict(c.metadata)) for c in frame_to_transcripts(df)]
    [('A', 2, {'queue': 'billing'})]
    """
    if columns:
        frame = frame.rename(columns={v: k for k, v in columns.items()})
    missing = [c for c in TURN_COLUMNS if c not in frame.columns]
    if missing:
        theirs = [dict(columns or {}).get(c, c) for c in missing]
        raise InputError(f"lacks column(s) {', '.join(theirs)}", source=source)
    yield from resolve_roles(
        _frame_calls(frame, label, on_error, skipped, source), agent_speaker=agent_speaker
    )


def _frame_calls(
    frame: pd.DataFrame, label: str, on_error: OnError, skipped: SkipLog | None, source: str
) -> Iterator[Transcript]:
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
            bad = InputError(problem, source=source, call_id=str(call_id))
            if on_error == "fail":
                raise bad
            log.add(bad)
            continue
        yield Transcript(str(call_id), turns, meta, value, source=source)


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value
