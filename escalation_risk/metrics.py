"""Ranking and calibration metrics, risk bands chosen from out-of-fold predictions, and the
adjusted odds ratio the coaching report uses."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

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


def precision_threshold(
    y: np.ndarray, p: np.ndarray, target: float, weights: tuple[float, float] = (1.0, 1.0)
) -> float | None:
    """The lowest score ``t`` such that calls scoring ``>= t`` reach ``target`` precision.

    None when no cut reaches it (the band then stays empty). ``weights`` (negative, positive)
    reweight the classes, which gives the precision at another base rate.

    >>> y = np.array([1, 1, 0, 1, 0, 0]); p = np.array([.9, .8, .7, .6, .5, .4])
    >>> precision_threshold(y, p, 0.75), precision_threshold(y, p, 0.5)
    (0.6, 0.4)
    """
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], np.asarray(y, dtype=int)[order]
    hits = np.cumsum(ys * weights[1])
    counts = np.cumsum(np.where(ys == 1, weights[1], weights[0]))
    # a cut can only fall between distinct scores: look at the last index of each tie group
    last_of_group = np.r_[ps[1:] != ps[:-1], True]
    ok = (hits / counts >= target) & last_of_group
    if not ok.any():
        return None
    return float(ps[np.flatnonzero(ok)[-1]])


def band_thresholds(
    y: np.ndarray,
    p: np.ndarray,
    precision: Mapping[str, float] = BAND_PRECISION,
    weights: tuple[float, float] = (1.0, 1.0),
) -> dict[str, float | None]:
    """Score thresholds per band from out-of-fold predictions, checked to be ordered."""
    found = {band: precision_threshold(y, p, t, weights) for band, t in precision.items()}
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


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """ECE over ``bins`` equal-width bins: sum of |mean risk - escalation rate| weighted by size.

    >>> round(expected_calibration_error(np.array([0, 1, 1, 0]), np.array([.05, .95, .85, .15])), 3)
    0.1
    """
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    index = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            total += mask.sum() / len(p) * abs(p[mask].mean() - y[mask].mean())
    return float(total)


def reliability_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Per equal-width bin: calls, mean risk, observed escalation rate (empty bins left out)."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    index = np.minimum((p * bins).astype(int), bins - 1)
    return [
        {
            "bin_low": b / bins,
            "bin_high": (b + 1) / bins,
            "calls": int((index == b).sum()),
            "mean_risk": float(p[index == b].mean()),
            "escalation_rate": float(y[index == b].mean()),
        }
        for b in range(bins)
        if (index == b).any()
    ]


def review_order(p: np.ndarray, ids: Sequence[str]) -> np.ndarray:
    """Indices from riskiest to safest; equal risks in call-id order."""
    return np.asarray(sorted(range(len(p)), key=lambda i: (-float(p[i]), str(ids[i]))), dtype=int)


def recall_at_budget(y: np.ndarray, p: np.ndarray, ids: Sequence[str], share: float) -> float:
    """Share of all escalations found among the riskiest ⌈share · n⌉ calls.

    >>> y, p = np.array([1, 0, 1, 0]), np.array([.9, .8, .8, .1])
    >>> recall_at_budget(y, p, ["a", "c", "b", "d"], .5)  # the tie at .8 goes to "b"
    1.0
    """
    y = np.asarray(y, dtype=int)
    if y.sum() == 0:
        return float("nan")
    k = math.ceil(share * len(y) - 1e-9)
    return float(y[review_order(p, ids)[:k]].sum() / y.sum())


def band_scores(
    y: np.ndarray, p: np.ndarray, thresholds: Mapping[str, float | None]
) -> dict[str, dict[str, Any]]:
    """Precision, recall and F1 of flagging calls at or above each band's threshold."""
    y = np.asarray(y, dtype=int)
    out = {}
    for band, t in thresholds.items():
        flagged = np.zeros(len(y), dtype=bool) if t is None else np.asarray(p) >= t
        tp = int((flagged & (y == 1)).sum())
        precision = tp / flagged.sum() if flagged.sum() else float("nan")
        recall = tp / y.sum() if y.sum() else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        out[band] = {
            "threshold": t,
            "flagged": int(flagged.sum()),
            "precision": precision,
            "recall": recall,
            "f1": f1,
        }
    return out


def bootstrap_interval(
    y: np.ndarray,
    p: np.ndarray,
    metric: Callable[[np.ndarray, np.ndarray], float],
    *,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``metric`` over calls.

    Resamples that lack a class are skipped (the AUCs are undefined there).
    """
    y = np.asarray(y)
    p = np.asarray(p)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        idx = rng.integers(0, len(y), len(y))
        if 0 < y[idx].sum() < len(idx):
            values.append(metric(y[idx], p[idx]))
    lo, hi = np.percentile(values, [(1 - level) / 2 * 100, (1 + level) / 2 * 100])
    return float(lo), float(hi)


def shift_to_prior(p: np.ndarray, trained: float, target: float) -> np.ndarray:
    """Move calibrated risks from the training base rate to another one (Bayes' rule on odds).

    >>> shift_to_prior(np.array([0.5]), trained=0.5, target=0.1).round(3).tolist()
    [0.1]
    """
    p = np.clip(np.asarray(p, dtype=float), 1e-12, 1 - 1e-12)
    odds = p / (1 - p) * (target / (1 - target)) / (trained / (1 - trained))
    return odds / (1 + odds)


def fast_roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC-AUC by the rank-sum formula (ties averaged), as scikit-learn computes it, faster."""
    from scipy.stats import rankdata

    y = np.asarray(y, dtype=bool)
    ranks = rankdata(p)
    n1 = int(y.sum())
    n0 = len(y) - n1
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def fast_average_precision(y: np.ndarray, p: np.ndarray) -> float:
    """Average precision over distinct thresholds, as scikit-learn computes it, faster."""
    order = np.argsort(-np.asarray(p), kind="mergesort")
    ys = np.asarray(y, dtype=float)[order]
    ps = np.asarray(p)[order]
    last = np.r_[np.flatnonzero(ps[1:] != ps[:-1]), len(ps) - 1]
    tp = np.cumsum(ys)[last]
    precision = tp / (last + 1)
    recall = tp / tp[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def adjusted_log_odds(
    y: np.ndarray, x: np.ndarray, covariates: np.ndarray, *, ridge: float = 0.1
) -> tuple[float, float]:
    """Log odds ratio of ``x`` on ``y`` adjusted for ``covariates``, and its standard error.

    Logistic regression fitted by Newton's method with a weak ridge on the slopes (a normal
    prior with variance 1 / ridge), so perfectly separated data still gives a finite, wide
    answer; the standard error is the Wald one from the penalised information matrix.

    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 2, 4000).astype(float)
    >>> y = (rng.random(4000) < np.where(x == 1, 0.5, 0.2)).astype(float)  # true OR = 4
    >>> beta, se = adjusted_log_odds(y, x, np.zeros((4000, 0)))
    >>> round(float(np.exp(beta)), 1), 0 < se < 0.1
    (4.0, True)
    """
    design = np.column_stack([np.ones(len(y)), x, covariates])
    # Constant columns (a sign never seen) carry no information; drop them.
    keep = [0, 1] + [j for j in range(2, design.shape[1]) if np.ptp(design[:, j]) > 0]
    design = design[:, keep]
    penalty = np.full(design.shape[1], ridge)
    penalty[0] = 0.0
    beta = np.zeros(design.shape[1])
    info = np.eye(design.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        grad = design.T @ (y - p) - penalty * beta
        info = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(info, grad)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-8:
            break
    cov = np.linalg.inv(info)
    return float(beta[1]), float(math.sqrt(cov[1, 1]))
