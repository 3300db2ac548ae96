"""Shared by the benchmark scripts: replace one marked section of docs/benchmarks.md, and the
``--stc3`` option that points at the STC-3 file beside the project (never shipped)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
STC3 = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "datasets"
    / "stc3-helpdesk"
    / "stc3-train.jsonl"
)


def add_stc3_option(parser: argparse.ArgumentParser) -> None:
    """``--stc3 PATH``, by default ../shared/datasets/stc3-helpdesk/stc3-train.jsonl."""
    parser.add_argument("--stc3", default=str(STC3), help="the STC-3 JSONL file")


def write_section(name: str, lines: list[str]) -> str:
    """Put ``lines`` between ``<!-- NAME:begin -->`` and ``<!-- NAME:end -->`` (appended the
    first time), print and return the block."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = "\n".join([begin, *lines, end])
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if begin in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)
    print(block)
    return block
