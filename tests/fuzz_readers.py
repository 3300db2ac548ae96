"""Coverage-guided fuzzing of the readers with atheris (libFuzzer for Python).

    python tests/fuzz_readers.py -max_total_time=60      # what `make test` runs
    python tests/fuzz_readers.py -max_total_time=3600    # longer, by hand

Any bytes, under any suffix the readers know (the first byte picks it), read with
``on_error="skip"``: the readers must yield only well-formed calls and count the rest as
skipped, never raise. A finding is written to ``out/fuzz/`` and fails the run. The seed corpus
is the format fixtures and a few bundled calls, so the fuzzer starts from real documents.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["escalation_risk"]):
    from escalation_risk.errors import SkipLog
    from escalation_risk.readers import read_transcripts
    from escalation_risk.transcripts import Transcript

ROOT = Path(__file__).resolve().parents[1]
SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".txt", ".vtt", ".srt", ".parquet", ".bin")
WORK = Path(tempfile.mkdtemp(prefix="fuzz-readers-"))
SEED_BYTES = 4096


def one_input(data: bytes) -> None:
    if not data:
        return
    path = WORK / f"input{SUFFIXES[data[0] % len(SUFFIXES)]}"
    path.write_bytes(data[1:])
    skipped = SkipLog()
    for call in read_transcripts(path, on_error="skip", skipped=skipped):
        if not isinstance(call, Transcript) or not call.turns:
            raise AssertionError(f"reader yielded a malformed call: {call!r}"[:300])
        for turn in call.turns:
            turn.text.encode("utf-8")  # lone surrogates would raise here


def seeds() -> Path:
    """One seed per format fixture (suffix byte + its first bytes) and two bundled calls."""
    corpus = WORK / "seeds"
    corpus.mkdir()
    sources = sorted((ROOT / "tests" / "fixtures" / "formats").iterdir())
    for n, source in enumerate(sources):
        if source.suffix in SUFFIXES:
            prefix = bytes([SUFFIXES.index(source.suffix)])
            (corpus / f"seed-{n}").write_bytes(prefix + source.read_bytes()[:SEED_BYTES])
    lines = (ROOT / "data" / "corpus" / "calls-w1.jsonl").read_bytes().splitlines(True)[:2]
    (corpus / "seed-calls").write_bytes(bytes([0]) + b"".join(lines)[:SEED_BYTES])
    return corpus


def main() -> None:
    artifacts = ROOT / "out" / "fuzz"
    artifacts.mkdir(parents=True, exist_ok=True)
    argv = [*sys.argv, f"-artifact_prefix={artifacts}/", str(seeds())]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
