"""Live tracker speed: matching per turn (beyond tokenization) and a whole add_turn.

    python scripts/bench_tracker.py

Input: the turns of data/corpus/ (10,373 turns). Output: the "Live tracker speed" section of
docs/benchmarks.md. Each turn is timed three ways, one core, best of 3 passes: spaCy tokenization
alone; tokenization plus our matching (SignalMatcher on the single turn) — the difference is the
matching; and RiskTracker.add_turn, which also rebuilds the features and re-scores the call.
"""

from __future__ import annotations

import time
from pathlib import Path

from _docs import write_section

from escalation_risk import load_model, read_transcripts
from escalation_risk.lexicon import nlp
from escalation_risk.tracker import RiskTracker
from escalation_risk.transcripts import Transcript

ROOT = Path(__file__).resolve().parents[1]


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    model = load_model("forecast")
    calls = list(read_transcripts(ROOT / "data" / "corpus"))
    turns = [t for c in calls for t in c.turns]
    singles = [Transcript("t", (t,)) for t in turns]
    tokenizer = nlp().tokenizer
    matcher = model.features.matcher()
    tokenize = best_of(lambda: [tokenizer(t.text) for t in turns])
    analyze = best_of(lambda: [matcher.analyze(s) for s in singles])

    def replay() -> None:
        for call in calls:
            tracker = RiskTracker(model, call_id=call.call_id)
            for turn in call.turns:
                tracker.add_turn(turn.speaker, turn.text)

    tracked = best_of(replay, repeat=1)
    n = len(turns)
    lines = [
        "## Live tracker speed",
        "",
        f"Command: `python scripts/bench_tracker.py`. {n:,} turns of the bundled calls, one core.",
        "",
        "| per turn | milliseconds |",
        "|---|---|",
        f"| spaCy tokenization | {tokenize / n * 1000:.3f} |",
        f"| tokenization + matching | {analyze / n * 1000:.3f} |",
        f"| matching beyond tokenization | {(analyze - tokenize) / n * 1000:.3f} |",
        f"| whole `add_turn` (features and score of the call so far) | {tracked / n * 1000:.3f} |",
    ]
    write_section("tracker", lines)


if __name__ == "__main__":
    main()
