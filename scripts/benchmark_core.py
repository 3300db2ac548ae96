"""Core figures: cross-validated accuracy beside a TF-IDF peer, and the lexicon's precision/recall.

    python scripts/benchmark_core.py [--stc3 ../shared/datasets/stc3-helpdesk/stc3-train.jsonl]

Inputs: data/corpus/ (bundled calls), the STC-3 helpdesk file (read from ../shared, never
shipped), tests/fixtures/w8_turn_labels.jsonl (hand labels of calls-w8 turns).
Output: the "Core" section of docs/benchmarks.md (between its markers), also printed.

Every model is scored on the same stratified 5-fold split (seed 0). Ours tunes C inside each
training fold (nested); the peer is TF-IDF word 1-2-grams + logistic regression, once with
scikit-learn's defaults ("plain") and once with C tuned on the same inner grid ("tuned").
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import sklearn
from _docs import add_stc3_option, write_section
from benchmark import ours, out_of_fold, tfidf_model, tuned_lr

from escalation_risk import read_transcripts
from escalation_risk.lexicon_eval import precision_recall, turn_families
from escalation_risk.metrics import classification_metrics

ROOT = Path(__file__).resolve().parents[1]


def plain_tfidf(train_calls: list, y: np.ndarray, test: list) -> np.ndarray:
    """The peer with scikit-learn's defaults (C = 1)."""
    return tfidf_model(1.0, "plain").fit(train_calls, y).predict_proba(test)[:, 1]


def compare(name: str, path: str | Path) -> list[str]:
    calls = list(read_transcripts(path))
    y = np.array([int(c.label) for c in calls])
    rows = []
    for label, scorer in (
        ("TF-IDF 1-2-grams + LR, plain", plain_tfidf),
        ("TF-IDF 1-2-grams + LR, C tuned", tuned_lr("TF-IDF", tfidf_model, ["plain"], [])),
        ("escalation-risk", ours([])),
    ):
        start = time.perf_counter()
        m = classification_metrics(y, out_of_fold(calls, y, scorer))
        rows.append(
            f"| {name} | {label} | {m['roc_auc']:.3f} | {m['pr_auc']:.3f} | {m['brier']:.3f} "
            f"| {time.perf_counter() - start:.0f} |"
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_stc3_option(parser)
    args = parser.parse_args()
    lines = [
        "## Core: accuracy beside a TF-IDF peer, lexicon precision and recall",
        "",
        "Command: `python scripts/benchmark_core.py` (about five minutes on 2 cores). "
        f"scikit-learn {sklearn.__version__}. Stratified 5-fold cross-validation, seed 0, the "
        "same folds for every model; each call is its own group. Ours: the whole `train()` "
        "procedure (C tuned inside each training fold) fitted on four folds, scored on the fifth.",
        "",
        "| data | model | ROC-AUC | PR-AUC | Brier | seconds |",
        "|---|---|---|---|---|---|",
    ]
    lines += compare("STC-3 helpdesk (1,338 dialogues, 22.9% dissatisfied)", args.stc3)
    lines += compare("bundled corpus (480 calls, 35.6% escalated)", ROOT / "data" / "corpus")
    table = precision_recall(
        turn_families(
            ROOT / "data/corpus/calls-w8.jsonl", ROOT / "tests/fixtures/w8_turn_labels.jsonl"
        )
    )
    lines += [
        "",
        "### Lexicon on the held-out slice",
        "",
        "`calls-w8.jsonl` was set aside while the patterns were written; 338 turns of its first "
        "16 calls were then labelled by hand with the families "
        "(`tests/fixtures/w8_turn_labels.jsonl`). A turn counts once per family. Micro average "
        "in the last row.",
        "",
        "| family | labelled turns | matched turns | precision | recall |",
        "|---|---|---|---|---|",
    ]
    for family, v in table.items():
        p, r = _f(v["precision"]), _f(v["recall"])
        lines.append(f"| {family} | {v['labelled']} | {v['matched']} | {p} | {r} |")
    manifest = json.loads((ROOT / "models/default/manifest.json").read_text())
    cv = manifest["cv"]
    lines += [
        "",
        "### Default model",
        "",
        f"`models/default/manifest.json` (`python scripts/train_default.py`): 5-fold CV on the 480 "
        f"bundled calls, ROC-AUC {cv['roc_auc']:.3f}, PR-AUC {cv['pr_auc']:.3f}, Brier "
        f"{cv['brier']:.3f}; bands high ≥ {manifest['thresholds']['high']:.3f}, medium ≥ "
        f"{manifest['thresholds']['medium']:.3f}; C = {manifest['params']['C']}.",
    ]
    write_section("core", lines)


def _f(x: float) -> str:
    return "–" if x != x else f"{x:.2f}"


if __name__ == "__main__":
    main()
