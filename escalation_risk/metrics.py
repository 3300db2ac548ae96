"""Ranking and calibration metrics, and risk bands chosen from out-of-fold predictions."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

BAND_PRECISION: Mapping[str, float] = {"high": 0.75, "medium": 0.40}


def classification_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """ROC-AUC, PR-AUC (average precision) and Brier score.

    >>> classification_metrics(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    {'roc_auc': 0.75, 'pr_auc': 0.833..., 'brier': 0.158...}
    """
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
    }


def precision_threshold(y: np.ndarray, p: np.ndarray, target: float) -> float | None:
    """The lowest score ``t`` such that calls scoring ``>= t`` reach ``target`` precision.

    None when no cut reaches it (the band then stays empty).

    >>> y = np.array([1, 1, 0, 1, 0, 0]); p = np.array([.9, .8, .7, .6, .5, .4])
    >>> precision_threshold(y, p, 0.75), precision_threshold(y, p, 0.5)
    (0.6, 0.4)
    """
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], np.asarray(y, dtype=int)[order]
    hits = np.cumsum(ys)
    counts = np.arange(1, len(ys) + 1)
    # a cut can only fall between distinct scores: look at the last index of each tie group
    last_of_group = np.r_[ps[1:] != ps[:-1], True]
    ok = (hits / counts >= target) & last_of_group
    if not ok.any():
        return None
    return float(ps[np.flatnonzero(ok)[-1]])


def band_thresholds(
    y: np.ndarray, p: np.ndarray, precision: Mapping[str, float] = BAND_PRECISION
) -> dict[str, float | None]:
    """Score thresholds per band from out-of-fold predictions, checked to be ordered."""
    found = {band: precision_threshold(y, p, target) for band, target in precision.items()}
    if found["high"] is not None and found["medium"] is not None:
        found["medium"] = min(found["medium"], found["high"])
    return found


def band_of(risk: float, thresholds: Mapping[str, float | None]) -> str:
    """``high``, ``medium`` or ``low`` for one risk.

    >>> band_of(0.8, {"high": 0.7, "medium": 0.3}), band_of(0.5, {"high": None, "medium": 0.3})
    ('high', 'medium')
    """
    for band in ("high", "medium"):
        t = thresholds.get(band)
        if t is not None and risk >= t:
            return band
    return "low"
