"""Why liblinear training is not linear in calls, and the solver that is, measured apart.

    python scripts/bench_training_fit.py    # about 12 minutes on 2 cores, one core used

Builds the model's feature matrix for 30,000 generated 1,000-word calls (bench_speed.py's
'fixed' set, seed 30000), then on its rows:
1. one fit (C = 300, as bench_speed.py) on the first 5,000 / 10,000 / 20,000 calls with liblinear
   primal (training's exact solver), liblinear dual, and averaged SGD for the same objective
   (training's solver from SGD_FROM calls on): seconds, ms a call, iterations or epochs, and
   ROC-AUC on the last 6,000 calls (never fitted on);
2. the calibrated classifier as training builds it, fitted on the first 24,000 calls and judged
   on the last 6,000: liblinear with 5 calibration folds and with 2, SGD with 5: seconds,
   ROC-AUC, Brier, ECE.
Prints two tables; quoted in docs/benchmarks.md (speed, training time).
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Literal

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import brier_score_loss, roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_speed import generate  # noqa: E402

from escalation_risk.features import weight_signals  # noqa: E402
from escalation_risk.metrics import expected_calibration_error  # noqa: E402
from escalation_risk.readers import read_transcripts  # noqa: E402
from escalation_risk.training import (  # noqa: E402
    build_pipeline,
    logistic_regression,
    set_regularisation,
)

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
    train, test = slice(0, 24_000), slice(24_000, N)
    print(
        "| solver | calls | seconds | ms a call | iterations | ROC-AUC, last 6,000 |\n"
        "|---|---|---|---|---|---|"
    )
    for name in ("liblinear primal", "liblinear dual", "averaged SGD"):
        for n in (5_000, 10_000, 20_000):
            model = logistic_regression(C, n, 0, "sgd" if "SGD" in name else "liblinear")
            if name == "liblinear dual":
                model.set_params(dual=True)
            began = time.perf_counter()
            model.fit(x[:n], y[:n])
            seconds = time.perf_counter() - began
            auc = roc_auc_score(y[test], model.decision_function(x[test]))
            print(
                f"| {name} | {n:,} | {seconds:.1f} | {seconds / n * 1000:.2f} | "
                f"{int(np.max(model.n_iter_))} | {auc:.4f} |"
            )
    print(
        "\n| solver | calibration folds | seconds | ROC-AUC | Brier | ECE |\n"
        "|---|---|---|---|---|---|"
    )
    runs: tuple[tuple[Literal["liblinear", "sgd"], int], ...] = (
        ("liblinear", 5),
        ("liblinear", 2),
        ("sgd", 5),
    )
    for solver, folds in runs:
        calibrated = set_regularisation(
            build_pipeline(seed=0, solver=solver)[-1:], C, y[train]
        ).named_steps["classifier"]
        calibrated.set_params(cv=folds)
        began = time.perf_counter()
        calibrated.fit(x[train], y[train])
        seconds = time.perf_counter() - began
        p = calibrated.predict_proba(x[test])[:, 1]
        print(
            f"| {solver} | {folds} | {seconds:.0f} | {roc_auc_score(y[test], p):.4f} | "
            f"{brier_score_loss(y[test], p):.4f} | {expected_calibration_error(y[test], p):.3f} |"
        )


if __name__ == "__main__":
    main()
