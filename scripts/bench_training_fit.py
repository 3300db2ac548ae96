"""Why training is not linear in calls: the logistic regression's share, measured apart.

    python scripts/bench_training_fit.py    # about 12 minutes on 2 cores, one core used

Builds the model's feature matrix for 30,000 generated 1,000-word calls (bench_speed.py's
'fixed' set, seed 30000), then on its rows:
1. one liblinear fit (C = 300, as bench_speed.py) on the first 5,000 / 10,000 / 20,000 calls,
   primal (what training uses) and dual: seconds, ms a call, iterations;
2. the calibrated classifier as training builds it, with 5 calibration folds and with 2, fitted
   on the first 24,000 calls and judged on the last 6,000: seconds, ROC-AUC, Brier, ECE.
Prints a table; quoted in docs/benchmarks.md (speed, training time).
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_speed import generate  # noqa: E402

from escalation_risk.features import weight_signals  # noqa: E402
from escalation_risk.metrics import expected_calibration_error  # noqa: E402
from escalation_risk.readers import read_transcripts  # noqa: E402
from escalation_risk.training import build_pipeline  # noqa: E402

N, C, SIGNAL_WEIGHT = 30_000, 300.0, 0.1


def main() -> None:
    warnings.simplefilter("ignore", ConvergenceWarning)
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), N, "fixed", seed=N)
        calls = list(read_transcripts(Path(tmp)))
    y = np.array([int(bool(c.label)) for c in calls])
    pipeline = build_pipeline(seed=0)
    features = pipeline.named_steps["features"].fit(calls)
    frame = features.transform(calls)  # analyses each call as it goes
    columns = pipeline.named_steps["columns"]
    x = columns.fit_transform(weight_signals(frame, SIGNAL_WEIGHT)).tocsr()
    print(f"{x.shape[0]:,} calls, {x.shape[1]:,} columns, {x.nnz:,} nonzeros\n")
    print("| solver | calls | seconds | ms a call | iterations |\n|---|---|---|---|---|")
    for dual in (False, True):
        for n in (5_000, 10_000, 20_000):
            model = LogisticRegression(
                C=C, solver="liblinear", dual=dual, max_iter=5000, random_state=0
            )
            began = time.perf_counter()
            model.fit(x[:n], y[:n])
            seconds = time.perf_counter() - began
            print(
                f"| liblinear {'dual' if dual else 'primal'} | {n:,} | {seconds:.1f} | "
                f"{seconds / n * 1000:.2f} | {int(model.n_iter_[0])} |"
            )
    print("\n| calibration folds | seconds | ROC-AUC | Brier | ECE |\n|---|---|---|---|---|")
    train, test = slice(0, 24_000), slice(24_000, N)
    for folds in (5, 2):
        calibrated = CalibratedClassifierCV(
            LogisticRegression(C=C, solver="liblinear", max_iter=5000, random_state=0),
            method="sigmoid",
            cv=folds,
            ensemble=False,
        )
        began = time.perf_counter()
        calibrated.fit(x[train], y[train])
        seconds = time.perf_counter() - began
        p = calibrated.predict_proba(x[test])[:, 1]
        print(
            f"| {folds} | {seconds:.0f} | {roc_auc_score(y[test], p):.4f} | "
            f"{brier_score_loss(y[test], p):.4f} | {expected_calibration_error(y[test], p):.3f} |"
        )


if __name__ == "__main__":
    main()
