"""How often the escalation brief quotes the hand-labelled problem and desired-outcome turns,
and how often two readers labelling the same calls agree.

    python scripts/bench_brief.py            # writes the "brief" section of docs/benchmarks.md
    python scripts/bench_brief.py --show 3   # also prints the first three briefs

Inputs: tests/fixtures/brief_gold.json, tests/fixtures/brief_second.json and the bundled default
model. Each set of calls of data/corpus was labelled by hand and committed before the brief was run
on it; ``SETS`` says how each was then used. Every escalated call (171) is in the first seven sets,
read to tune the rules by round 6; ``unresolved`` (every call neither escalated nor resolved, 48)
judged round 6 once and was read to tune round 7; ``resolved`` (40) judged round 7 once and was
read to tune round 8; ``resolved2`` (the next 40 resolved calls) judged round 8 once and
``resolved3`` (the next 56) round 8 with the handover stand-in, both then read to tune round 9;
``resolved4`` (the next 56) judged round 9 once and was read to tune round 10; ``resolved5`` (the
last 69, with which every call of the corpus is labelled) judged round 10 once. Strict: the brief
quotes the labelled turn; lenient: the labelled turn or one of its other versions (``*_also``).
Calls whose customer asks for nothing in words (want null) are left out of the want figures.
``brief_second.json`` is a second reader's labels of the calls of ``test4`` and ``test5``, made
without seeing the first reader's or the brief's.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _docs import write_section  # noqa: E402

from escalation_risk import load_model, read_transcripts  # noqa: E402
from escalation_risk.brief import Brief, brief  # noqa: E402
from escalation_risk.cutting import ESCALATION_TURN  # noqa: E402
from escalation_risk.transcripts import Transcript  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "fixtures" / "brief_gold.json"
SECOND = ROOT / "tests" / "fixtures" / "brief_second.json"
FIELDS = ("problem", "desired_outcome")
SETS = {
    "calls": "first 40 escalated: rules written beside them",
    "held_out": "next 24 escalated: read to tune round 2",
    "test": "third 24 escalated: judged round 2, read to tune round 3",
    "test2": "fourth 24 escalated: judged round 3, read to tune round 4",
    "test3": "fifth 24 escalated: judged round 4, read to tune round 5",
    "test4": "sixth 24 escalated: judged round 5, read to tune round 6",
    "test5": "last 11 escalated: judged round 6, read for round 7's check only",
    "unresolved": "48 neither escalated nor resolved: judged round 6, read to tune round 7",
    "resolved": "40 resolved, not escalated: judged round 7, read to tune round 8",
    "resolved2": "next 40 resolved, not escalated: judged round 8 once, read to tune round 9",
    "resolved3": "next 56 resolved, not escalated: judged round 8 with the handover stand-in "
    "once, read to tune round 9",
    "resolved4": "next 56 resolved, not escalated: judged round 9 once, read to tune round 10",
    "resolved5": "last 69 resolved, not escalated: judged round 10 once",
}


@functools.cache
def gold() -> dict:
    """brief_gold.json, read once."""
    return json.loads(GOLD.read_text())


def briefs(*, outcome: bool = True) -> dict[str, Brief]:
    """The brief of every labelled call, by call id. Without ``outcome`` the calls lose their
    escalation label and turn, as most real input comes."""
    document = gold()
    wanted = {row["call_id"] for part in SETS for row in document[part]}
    model = load_model()
    made = {}
    for call in read_transcripts(ROOT / "data" / "corpus"):
        if call.call_id in wanted:
            made[call.call_id] = brief(call if outcome else _without_outcome(call), model)
    return made


def evaluate(made: dict[str, Brief]) -> dict[str, dict[str, list[bool]]]:
    """Per set and measure, one hit flag per call."""
    document = gold()
    results: dict[str, dict[str, list[bool]]] = {}
    for part in SETS:
        for row in document[part]:
            for name in FIELDS:
                quoted = {i.turn for i in getattr(made[row["call_id"]], name)}
                judge(quoted, row, name, results.setdefault(part, {}))
    return results


def _without_outcome(call: Transcript) -> Transcript:
    metadata = {k: v for k, v in call.metadata.items() if k != ESCALATION_TURN}
    return dataclasses.replace(call, metadata=metadata, label=None)


def judge(quoted: set[int], row: dict, name: str, into: dict[str, list[bool]]) -> None:
    """Add one call's strict and lenient hit on ``name`` to ``into``: whether ``quoted`` holds
    the labelled turn, or it or another labelled version. Nothing when the label is null."""
    if row[name] is None:  # the customer asks for nothing in words
        return
    strict = row[name] in quoted
    into.setdefault(f"{name} strict", []).append(strict)
    into.setdefault(f"{name} lenient", []).append(strict or bool(quoted & set(row[f"{name}_also"])))


def _cell(hits: list[bool]) -> str:
    return f"{sum(hits)}/{len(hits)} = {sum(hits) / len(hits):.0%}"


def agreement(made: dict[str, Brief]) -> list[str]:
    """Table rows: the second reader's labels judged against the first reader's, as if the
    second reader were a brief quoting one turn, and the brief against each reader, on the
    calls both labelled."""
    document = gold()
    first = {row["call_id"]: row for part in ("test4", "test5") for row in document[part]}
    second = {row["call_id"]: row for row in json.loads(SECOND.read_text())["calls"]}
    table: dict[str, dict[str, list[bool]]] = {}
    for call_id, label in first.items():
        for name in FIELDS:
            quoted = {item.turn for item in getattr(made[call_id], name)}
            other = {second[call_id][name]} - {None}
            judge(other, label, name, table.setdefault("second reader, against the first", {}))
            judge(quoted, label, name, table.setdefault("the brief, against the first", {}))
            judge(
                quoted, second[call_id], name, table.setdefault("the brief, against the second", {})
            )
    return [
        f"| {who} | "
        + " | ".join(_cell(hits[f"{n} {h}"]) for n in FIELDS for h in ("strict", "lenient"))
        + " |"
        for who, hits in table.items()
    ]


def _without_outcome_rows(results: dict[str, dict[str, list[bool]]]) -> list[str]:
    bare = evaluate(briefs(outcome=False))
    groups = {"171 escalated (all read)": list(SETS)[:7], **{SETS[p]: [p] for p in list(SETS)[7:]}}
    rows = []
    for label, parts in groups.items():
        cells = []
        for how in ("strict", "lenient"):
            key = f"desired_outcome {how}"
            with_, without = ([h for p in parts for h in r[p][key]] for r in (results, bare))
            cells.append(f"{_cell(with_)} / {_cell(without)}")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", type=int, default=0, help="print the first N briefs")
    args = parser.parse_args()
    made = briefs()
    results = evaluate(made)
    document = gold()
    in_order = [made[row["call_id"]] for part in SETS for row in document[part]]
    for shown in in_order[: args.show]:
        print(shown.text(), "\n")
    words = [len(b.text().split()) for b in in_order]
    header = "| problem, strict | problem, lenient | want, strict | want, lenient |"
    lines = [
        "## Escalation brief",
        "",
        "Command: `python scripts/bench_brief.py`. Gold: `tests/fixtures/brief_gold.json`: calls "
        "of the bundled corpus, each set labelled by hand (the customer turn that first states "
        "the problem, the turn that says what the customer wants, earlier versions kept apart) "
        "and committed before the brief was run on it; each set then judged one round of rules "
        "once and was read to tune the next. Strict: the brief quotes the labelled turn; "
        "lenient: that turn or another labelled version of it. Calls that ask for nothing in "
        "words are left out of the want columns. Target: 85% of calls. Today's rules on every "
        "set (only the last row judges them: labelled after the last round, never read to tune "
        "it):",
        "",
        "| set | " + header[2:],
        "|---|---|---|---|---|",
    ]
    for part, label in SETS.items():
        cells = [_cell(results[part][f"{n} {h}"]) for n in FIELDS for h in ("strict", "lenient")]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Plain-text briefs of these {len(words)} calls: median "
        f"{sorted(words)[len(words) // 2]} words, longest {max(words)} (budget about 120).",
        "",
        "Two readers, the 35 calls of the sixth and last escalated sets (`tests/fixtures/"
        "brief_second.json`: a second reader's labels, made from the calls alone). A reader's "
        "label judged like a brief that quotes one turn:",
        "",
        "| who, judged against which reader | " + header[2:],
        "|---|---|---|---|---|",
        *agreement(made),
        "",
        "Without the outcome: the same calls with no escalation label or turn, as most real "
        "input comes; the brief then takes the customer's first supervisor, complaint or churn "
        "phrase, else the first transfer, for the escalation (the escalated sets' labelled turn "
        "is not in their input):",
        "",
        "| calls | want strict, with / without | want lenient, with / without |",
        "|---|---|---|",
        *_without_outcome_rows(results),
    ]
    write_section("brief", lines)


if __name__ == "__main__":
    main()
