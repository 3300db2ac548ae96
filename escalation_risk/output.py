"""Write scored calls and evidence as JSONL or CSV, atomically (never a half-written file)."""

from __future__ import annotations

import contextlib
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


def write_frames(frames: Iterable[pd.DataFrame], path: str) -> Iterator[pd.DataFrame]:
    """Write each frame as it comes and pass it on; the file appears only when complete."""
    fmt = output_format(path)
    with atomic_text(path) as handle:
        first = True
        for frame in frames:
            if fmt == "csv":
                flatten_for_csv(frame).to_csv(handle, header=first, index=False)
            else:
                for record in frame.to_dict(orient="records"):
                    clean = {k: None if _missing(v) else v for k, v in record.items()}
                    handle.write(json.dumps(clean, ensure_ascii=False, default=_plain) + "\n")
            handle.flush()
            first = False
            yield frame


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
