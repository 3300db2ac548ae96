"""evaluate, priors and review budgets, checked against figures computed by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from helpers import CORPUS
from scipy.special import logit
from typer.testing import CliRunner

from escalation_risk import score
from escalation_risk.cli import app
from escalation_risk.evaluation import evaluate

W3 = CORPUS / "calls-w3.jsonl"
runner = CliRunner()


def test_evaluate_json_has_the_documented_keys(small_model_dir):
    result = runner.invoke(app, ["evaluate", str(W3), "-m", str(small_model_dir), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in (
        "n",
        "positives",
        "roc_auc",
        "pr_auc",
        "brier",
        "ece",
        "recall_at_5pct",
        "recall_at_10pct",
        "recall_at_20pct",
        "roc_auc_ci",
        "pr_auc_ci",
        "bands",
    ):
        assert key in data, key
    assert data["n"] == 60 and data["positives"] == 22
    assert data["roc_auc_ci"][0] <= data["roc_auc"] <= data["roc_auc_ci"][1]


def test_evaluate_report_writes_charts_and_summary(small_model_dir, tmp_path):
    out = tmp_path / "report"
    result = runner.invoke(
        app, ["evaluate", str(W3), "-m", str(small_model_dir), "--report", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "reliability.svg").read_text().lstrip().startswith("<?xml")
    assert (out / "pr_curve.svg").exists()
    assert "| ROC-AUC |" in (out / "summary.md").read_text()


def test_recall_at_budget_matches_a_hand_count(small_model):
    evaluation, y, p = evaluate(W3, small_model, resamples=50)
    ids = [f"W3-{i:03d}" for i in range(1, 61)]
    order = sorted(range(60), key=lambda i: (-p[i], ids[i]))
    top = order[: math.ceil(0.10 * 60)]
    assert evaluation.recall_at_10pct == pytest.approx(y[top].sum() / y.sum())


def test_prior_moves_the_odds_by_hand(small_model):
    plain = score(W3, small_model)
    shifted = score(W3, small_model, prior=0.05)
    base = small_model.base_rate
    expected_shift = math.log(0.05 / 0.95) - math.log(base / (1 - base))
    np.testing.assert_allclose(
        logit(shifted["risk"].to_numpy()), logit(plain["risk"].to_numpy()) + expected_shift
    )
    for row in shifted.itertuples():  # the reasons still add up, with the shift as a reason
        assert sum(r["contribution"] for r in row.reasons) == pytest.approx(logit(row.risk))
        assert row.reasons[-1]["reason"] == "prior shift"


def test_prior_rechooses_bands_for_the_new_base_rate(small_model):
    low = small_model.thresholds_for(0.05)
    oof = small_model.manifest["oof"]
    y, p = np.array(oof["label"]), np.array(oof["risk"])
    base = small_model.base_rate
    w_pos, w_neg = 0.05 / base, 0.95 / (1 - base)
    # by hand: precision of the calls at or above the stored medium threshold, reweighted
    assert low["medium"] is not None
    if True:
        odds = lambda r: r / (1 - r)  # noqa: E731
        cut = 1 / (1 + 1 / (odds(low["medium"]) / (0.05 / 0.95) * (base / (1 - base))))
        flagged = p >= cut - 1e-9
        precision = (
            w_pos * y[flagged].sum() / (w_pos * y[flagged].sum() + w_neg * (1 - y[flagged]).sum())
        )
        assert precision >= 0.40


def test_review_budget_puts_exactly_the_riskiest_share_in_high(small_model_dir, tmp_path):
    out = tmp_path / "s.jsonl"
    result = runner.invoke(
        app,
        ["score", str(W3), "-m", str(small_model_dir), "-o", str(out), "--review-budget", "10%"],
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    high = [r for r in rows if r["band"] == "high"]
    assert len(high) == 6  # ⌈10% of 60⌉
    assert min(r["risk"] for r in high) >= max(r["risk"] for r in rows if r["band"] != "high")
    assert [r["call_id"] for r in rows] == [f"W3-{i:03d}" for i in range(1, 61)]


def test_bad_review_budget_is_a_usage_error(small_model_dir):
    result = runner.invoke(
        app, ["score", str(W3), "-m", str(small_model_dir), "--review-budget", "150%"]
    )
    assert result.exit_code == 2
