"""Refresh the README's example outputs by running the commands they show.

    python scripts/update_readme.py

Each block between ``<!-- run: COMMAND -->`` and ``<!-- end -->`` is replaced by the command's
real output (stdout then stderr), so the README never shows output the code no longer gives.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"(<!-- run: (.+?) -->\n)```text\n.*?```\n(<!-- end -->)", re.S)


def run(command: str) -> str:
    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb"}
    done = subprocess.run(
        shlex.split(command), cwd=ROOT, capture_output=True, text=True, env=env, check=False
    )
    return (done.stdout + done.stderr).rstrip() + "\n"


def main() -> None:
    text = README.read_text()
    text = BLOCK.sub(lambda m: f"{m.group(1)}```text\n{run(m.group(2))}```\n{m.group(3)}", text)
    README.write_text(text)


if __name__ == "__main__":
    main()
