"""Per-family precision and recall of the lexicon against hand-labelled turns."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from .lexicon import FAMILY_IDS
from .readers import read_transcripts
from .signals import SignalMatcher


def turn_families(
    calls_path: str | Path, labels_path: str | Path, matcher: SignalMatcher | None = None
) -> list[tuple[set[str], set[str]]]:
    """(hand labels, matched families) for every labelled turn."""
    matcher = matcher or SignalMatcher()
    gold = [json.loads(line) for line in Path(labels_path).read_text().splitlines() if line]
    wanted = {g["call_id"] for g in gold}
    found: dict[tuple[str, int], set[str]] = {}
    for call in read_transcripts(calls_path):
        if call.call_id in wanted:
            for e in matcher.analyze(call).evidence:
                found.setdefault((call.call_id, e.turn), set()).add(e.family)
    return [(set(g["families"]), found.get((g["call_id"], g["turn"]), set())) for g in gold]


def precision_recall(pairs: Iterable[tuple[set[str], set[str]]]) -> dict[str, dict[str, float]]:
    """Per family: labelled turns, matched turns, precision, recall; plus ``all`` (micro)."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for gold, pred in pairs:
        for f in FAMILY_IDS:
            tp[f] += f in gold and f in pred
            fp[f] += f not in gold and f in pred
            fn[f] += f in gold and f not in pred
    table = {}
    for f in [*FAMILY_IDS, "all"]:
        t = sum(tp.values()) if f == "all" else tp[f]
        p = sum(fp.values()) if f == "all" else fp[f]
        n = sum(fn.values()) if f == "all" else fn[f]
        table[f] = {
            "labelled": t + n,
            "matched": t + p,
            "precision": t / (t + p) if t + p else float("nan"),
            "recall": t / (t + n) if t + n else float("nan"),
        }
    return table
