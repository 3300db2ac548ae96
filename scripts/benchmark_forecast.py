"""Early warning measured out of sample: forecast horizon of the live tracker, 5-fold.

    python scripts/benchmark_forecast.py

Input: data/corpus/ (calls with escalation_turn). Output: the "Early warning" section of
docs/benchmarks.md. For each of 5 stratified folds (seed 0) a forecast model is trained with
``train(forecast=True)`` on the other four folds (calls cut by the rule in
escalation_risk/cutting.py), then the held-out calls are replayed turn by turn (the
tracker's risk after every turn, scored in one batch per call): an escalated call counts as
warned when its band first reaches ``high`` before ``escalation_turn`` (horizon = turns
between the warning and the ask); a call that never escalated is a false alarm when it
reaches ``high`` at any turn. The figures follow the conversational-derailment literature
(accuracy, F1, false-positive rate, mean horizon).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from _docs import write_section
from sklearn.model_selection import StratifiedKFold

from escalation_risk import read_transcripts, train
from escalation_risk.evaluation import forecast_evaluation

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    calls = list(read_transcripts(ROOT / "data" / "corpus"))
    y = np.array([int(bool(c.label)) for c in calls])
    totals = {"warned_before_the_ask": 0, "escalated_calls": 0, "false_alarms": 0, "other_calls": 0}
    horizons: list[float] = []
    cut_aucs = []
    for fold, (tr, te) in enumerate(
        StratifiedKFold(5, shuffle=True, random_state=0).split(calls, y)
    ):
        model = train([calls[i] for i in tr], forecast=True, seed=0)
        result = forecast_evaluation([calls[i] for i in te], model, resamples=200)
        h = result["horizon"]
        for key in totals:
            totals[key] += h[key]
        horizons += h.pop("turns_ahead")
        cut_aucs.append(result["cut"]["roc_auc"])
        print(f"fold {fold}: {h}", flush=True)
    warned, escalated = totals["warned_before_the_ask"], totals["escalated_calls"]
    alarms, others = totals["false_alarms"], totals["other_calls"]
    precision = warned / (warned + alarms)
    recall = warned / escalated
    lines = [
        "## Early warning (forecast model, out of sample)",
        "",
        "Command: `python scripts/benchmark_forecast.py`. 5 folds; a forecast model trained on "
        "four folds replays each held-out call turn by turn (see the script's docstring).",
        "",
        "| figure | value |",
        "|---|---|",
        f"| escalations warned (`high`) before the ask | {warned} of {escalated} ({recall:.1%}) |",
        f"| turns of warning, mean / median | {np.mean(horizons):.1f} / "
        f"{np.median(horizons):.1f} |",
        f"| false alarms on calls that never escalated (FPR) | {alarms} of {others} "
        f"({alarms / others:.1%}) |",
        f"| accuracy (warned escalations + quiet others) | "
        f"{(warned + others - alarms) / (escalated + others):.3f} |",
        f"| F1 of the warning | {2 * precision * recall / (precision + recall):.3f} |",
        f"| ROC-AUC of cut-call scores, mean over folds | {np.mean(cut_aucs):.3f} |",
    ]
    write_section("forecast", lines)


if __name__ == "__main__":
    main()
