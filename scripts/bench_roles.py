"""How often the agent is found when speakers are names or SPEAKER_00 labels, not roles.

    python scripts/bench_roles.py [--stc3 ../shared/datasets/stc3-helpdesk/stc3-train.jsonl]

Roles are stripped and the two speakers renamed at random (diarization labels or people's
names, shuffled per call), so neither the label nor who speaks first gives the answer.
- Bundled corpus, first two turns removed (every call opens with the agent's greeting):
  leave-one-week-out, the word model refitted without the week it is tested on.
- STC-3 (real helpdesk dialogues, customer first): the packaged word model, fitted on the bundled
  corpus only. The cue list was written looking at the corpus and at one half of STC-3 (by
  call-id hash, "development"); the other half is reported apart ("held out").
Output: the "roles" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from escalation_risk.readers import read_transcripts
from escalation_risk.speakers import LOW_CONFIDENCE, WordModel, guess_agent
from escalation_risk.transcripts import Transcript, Turn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _docs import add_stc3_option, write_section  # noqa: E402
from train_speaker_words import fit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NAMES = [
    ("SPEAKER_00", "SPEAKER_01"),
    ("spk_0", "spk_1"),
    ("Dana Whitfield", "R. Okafor"),
    ("Speaker 1", "Speaker 2"),
]


def found(calls: Sequence[Transcript], drop: int, seed: int, words: WordModel | None = None):
    rng = random.Random(seed)
    right = low = total = 0
    for call in calls:
        pair = list(rng.choice(NAMES))
        rng.shuffle(pair)
        names = {"agent": pair[0], "customer": pair[1]}
        turns = [
            Turn(names[t.role], t.text, "unknown") for t in call.turns[drop:] if t.role in names
        ]
        if len({t.speaker for t in turns}) < 2:
            continue
        guess = guess_agent(turns, words=words)
        total += 1
        right += guess.agent == names["agent"]
        low += guess.confidence < LOW_CONFIDENCE
    return right, total, low


def _half(call: Transcript) -> int:
    return int(hashlib.sha256(call.call_id.encode()).hexdigest(), 16) % 2


def _row(name: str, right: int, total: int, low: int) -> str:
    return f"| {name} | {total} | {right} | {right / total:.1%} | {low} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    add_stc3_option(parser)
    args = parser.parse_args()
    corpus = list(read_transcripts(ROOT / "data" / "corpus"))
    weeks = sorted({c.call_id.split("-")[0] for c in corpus})
    right = total = low = 0
    for week in weeks:
        train = [c for c in corpus if not c.call_id.startswith(week + "-")]
        test = [c for c in corpus if c.call_id.startswith(week + "-")]
        model = fit(train)
        r, t, lo = found(test, 2, seed=1, words=(model["intercept"], model["weights"]))
        right, total, low = right + r, total + t, low + lo
    lines = [
        "## Who is the agent?",
        "",
        "Command: `python scripts/bench_roles.py`. Roles stripped, the two speakers renamed at "
        "random per call (`SPEAKER_00`/`spk_0`/people's names, order shuffled); the agent is the "
        "speaker `escalation_risk.speakers.guess_agent` picks. Low confidence: below "
        f"{LOW_CONFIDENCE} (reported to the user, never hidden).",
        "",
        "| data | calls | agent found | share | low confidence |",
        "|---|---|---|---|---|",
        _row(
            "bundled corpus, first two turns removed, leave-one-week-out word model",
            right,
            total,
            low,
        ),
    ]
    stc3 = list(read_transcripts(args.stc3))
    for name, part in (
        ("STC-3 development half (cues written looking at it)", [c for c in stc3 if _half(c) == 0]),
        ("STC-3 held-out half", [c for c in stc3 if _half(c) == 1]),
        ("STC-3 all (customer speaks first)", stc3),
    ):
        lines.append(_row(name, *found(part, 0, seed=2)))
    write_section("roles", lines)


if __name__ == "__main__":
    main()
