"""Write scored calls and evidence as JSONL or CSV: whole records only, resumable."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd

from .errors import EscalationRiskError
from .lexicon import FAMILY_IDS

NESTED = ("reasons", "evidence")


def output_format(path: str) -> str:
    """``csv`` or ``jsonl`` from the suffix; stdout (``-``) writes JSONL."""
    suffix = Path(path).suffix.lower()
    if path == "-" or suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise EscalationRiskError(f"{path}: output must end in .csv or .jsonl (or be - for stdout)")


def flatten_for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """``signals`` becomes one ``sig_<family>`` column each; reasons/evidence JSON strings."""
    flat = frame.copy()
    if "signals" in flat.columns:
        for family in FAMILY_IDS:
            flat[f"sig_{family}"] = [s.get(family, 0) for s in flat["signals"]]
        flat = flat.drop(columns="signals")
    for column in NESTED:
        if column in flat.columns:
            flat[column] = [json.dumps(v, ensure_ascii=False, default=_plain) for v in flat[column]]
    return flat


def partial_path(path: str) -> Path:
    """Where a run writes until it finishes; a killed run leaves it for ``--resume``."""
    return Path(path + ".partial")


def written_ids(path: str) -> set[str]:
    """Call ids of the complete records already written to ``path`` (its partial file while
    unfinished, else the finished file); a torn last line does not count."""
    source = partial_path(path) if partial_path(path).exists() else Path(path)
    if not source.exists():
        return set()
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    complete = [line for line in lines if line.endswith("\n")]
    if output_format(path) == "csv":
        return {row["call_id"] for row in csv.DictReader(complete) if row.get("call_id")}
    return {str(json.loads(line)["call_id"]) for line in complete if line.strip()}


def write_frames(
    frames: Iterable[pd.DataFrame], path: str, *, resume: bool = False
) -> Iterator[pd.DataFrame]:
    """Write each frame as it comes and pass it on.

    Records go to ``path.partial`` whole (one write and a flush per frame), which becomes
    ``path`` when the run ends: a run killed midway leaves complete lines only (a torn last
    line at most, cut off on resume). ``resume`` appends to what an earlier run wrote.
    """
    fmt = output_format(path)
    if path == "-":
        yield from _write(frames, sys.stdout, fmt, header=True)
        return
    target, part = Path(path), partial_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if resume and not part.exists() and target.exists():
        os.replace(target, part)
    if resume and part.exists():
        _cut_torn_tail(part)
    mode = "a" if resume and part.exists() else "w"
    header = mode == "w" or part.stat().st_size == 0
    with open(part, mode, encoding="utf-8", newline="") as handle:
        yield from _write(frames, handle, fmt, header=header)
    os.replace(part, target)


def _write(
    frames: Iterable[pd.DataFrame], handle: IO[str], fmt: str, *, header: bool
) -> Iterator[pd.DataFrame]:
    for frame in frames:
        buffer = io.StringIO()
        if fmt == "csv":
            flatten_for_csv(frame).to_csv(buffer, header=header, index=False)
        else:
            for record in frame.to_dict(orient="records"):
                clean = {k: None if _missing(v) else v for k, v in record.items()}
                buffer.write(json.dumps(clean, ensure_ascii=False, default=_plain) + "\n")
        handle.write(buffer.getvalue())
        handle.flush()
        header = False
        yield frame


def _cut_torn_tail(path: Path) -> None:
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(path, "r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)


@contextlib.contextmanager
def atomic_text(path: str) -> Iterator[IO[str]]:
    """Write to a temporary file beside ``path``, moved into place when done; ``-`` is stdout."""
    if path == "-":
        yield sys.stdout
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        # mkstemp makes the file private (0600); give it the permissions a plain open would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _missing(value: Any) -> bool:
    """pandas turns a missing string into NaN, which is not JSON."""
    return isinstance(value, float) and value != value


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)
