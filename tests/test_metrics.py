from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score, roc_auc_score

from escalation_risk.metrics import (
    band_thresholds,
    bootstrap_interval,
    expected_calibration_error,
    fast_average_precision,
    fast_roc_auc,
    precision_threshold,
    recall_at_budget,
    shift_to_prior,
)

labels_and_scores = st.integers(4, 60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda y: 0 < sum(y) < n),
        st.lists(st.sampled_from([0.1, 0.2, 0.5, 0.7, 0.9, 0.95]), min_size=n, max_size=n),
    )
)


@settings(max_examples=200, deadline=None)
@given(labels_and_scores)
def test_fast_metrics_equal_scikit_learn_with_ties(data):
    y, p = map(np.asarray, data)
    assert fast_roc_auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert fast_average_precision(y, p) == pytest.approx(average_precision_score(y, p), abs=1e-12)


def test_ece_by_hand():
    # bins: [0.1,0.2) holds .15 (y 0) and .15 (y 1): |0.15 - 0.5| = .35, weight 2/4
    #       [0.9,1.0] holds .95 (y 1) and .95 (y 1): |0.95 - 1| = .05, weight 2/4
    y = np.array([0, 1, 1, 1])
    p = np.array([0.15, 0.15, 0.95, 0.95])
    assert expected_calibration_error(y, p) == pytest.approx(0.5 * 0.35 + 0.5 * 0.05)


def test_recall_at_budget_by_hand():
    y = np.array([1, 0, 0, 1, 0, 0, 0, 0, 0, 1])
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    ids = [str(i) for i in range(10)]
    assert recall_at_budget(y, p, ids, 0.10) == pytest.approx(1 / 3)  # 1 call reviewed
    assert recall_at_budget(y, p, ids, 0.20) == pytest.approx(1 / 3)  # 2 calls
    assert recall_at_budget(y, p, ids, 0.40) == pytest.approx(2 / 3)  # 4 calls
    assert recall_at_budget(y, p, ids, 0.05) == pytest.approx(1 / 3)  # ⌈0.5⌉ = 1 call


def test_thresholds_reach_their_precision():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    p = np.clip(y * 0.3 + rng.random(400) * 0.7, 0, 1)
    found = band_thresholds(y, p)
    for band, target in (("high", 0.75), ("medium", 0.40)):
        t = found[band]
        assert t is not None and y[p >= t].mean() >= target
        below = np.sort(np.unique(p[p < t]))
        if below.size:  # the next lower cut would fall short, or the set is the largest possible
            assert y[p >= below[-1]].mean() < target or below[-1] == p.min()


def test_precision_at_another_base_rate_reweights_classes():
    y = np.array([1, 1, 0, 0])
    p = np.array([0.9, 0.6, 0.7, 0.1])
    # at the training rate 0.5, {0.9, 0.7, 0.6} has precision 2/3
    assert precision_threshold(y, p, 0.6) == 0.6
    # at base rate 0.2 negatives weigh 4x as much: that set has precision 2/(2+4) = 1/3
    assert precision_threshold(y, p, 0.6, weights=(0.8 / 0.5, 0.2 / 0.5)) == 0.9


def test_shift_to_prior_by_hand():
    # risk 0.8 at base rate 0.4 -> odds 4 * (0.1/0.9) / (0.4/0.6) = 2/3 -> 0.4
    assert shift_to_prior(np.array([0.8]), 0.4, 0.1)[0] == pytest.approx(0.4)
    assert shift_to_prior(np.array([0.3]), 0.25, 0.25)[0] == pytest.approx(0.3)


def test_bootstrap_interval_is_reproducible_and_brackets_the_estimate():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    p = np.clip(y * 0.4 + rng.random(300) * 0.6, 0, 1)
    lo, hi = bootstrap_interval(y, p, fast_roc_auc, resamples=300, seed=3)
    assert (lo, hi) == bootstrap_interval(y, p, fast_roc_auc, resamples=300, seed=3)
    assert lo < fast_roc_auc(y, p) < hi and not math.isnan(lo)
