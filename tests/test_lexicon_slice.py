"""The lexicon against 338 hand-labelled turns of calls-w8 (set aside while writing patterns).

The floors sit a little under the measured figures (docs/benchmarks.md): a pattern change that
loses precision or recall on unseen calls fails here.
"""

from __future__ import annotations

import json

from helpers import CORPUS, ROOT

from escalation_risk.lexicon import FAMILY_IDS
from escalation_risk.lexicon_eval import precision_recall, turn_families

LABELS = ROOT / "tests" / "fixtures" / "w8_turn_labels.jsonl"


def test_fixture_is_at_least_300_hand_labelled_turns_with_known_families():
    rows = [json.loads(line) for line in LABELS.read_text().splitlines()]
    assert len(rows) >= 300
    assert {f for r in rows for f in r["families"]} <= set(FAMILY_IDS)
    assert all(r["call_id"].startswith("W8-") for r in rows)


def test_precision_and_recall_on_the_held_out_turns():
    table = precision_recall(turn_families(CORPUS / "calls-w8.jsonl", LABELS))
    assert table["all"]["precision"] >= 0.78
    assert table["all"]["recall"] >= 0.48
    assert table["cant_phrasing"]["precision"] >= 0.9
    assert table["cant_phrasing"]["recall"] >= 0.65


def test_scores_count_each_turn_once_per_family():
    table = precision_recall([({"anger"}, {"anger", "empathy"}), (set(), {"anger"})])
    assert table["anger"] == {"labelled": 1, "matched": 2, "precision": 0.5, "recall": 1.0}
    assert table["empathy"]["precision"] == 0.0
