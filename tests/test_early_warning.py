"""Cutting rule, partial scoring, the live tracker and the watch command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import ANGRY, CALM, CORPUS, call
from typer.testing import CliRunner

from escalation_risk import read_transcripts, score, train
from escalation_risk.cli import app
from escalation_risk.cutting import forecast_cuts, truncate
from escalation_risk.errors import InputError
from escalation_risk.evaluation import forecast_evaluation
from escalation_risk.tracker import RiskTracker

W6 = CORPUS / "calls-w6.jsonl"


def test_cutting_rule_cuts_escalated_calls_just_before_the_ask():
    calls = list(read_transcripts(W6))
    cut = forecast_cuts(calls, seed=3)
    for full, short in zip(calls, cut, strict=True):
        assert short.turns == full.turns[: len(short.turns)] and len(short.turns) >= 1
        if full.label:
            assert len(short.turns) == full.metadata["escalation_turn"]
    relative = {c.metadata["escalation_turn"] / len(c.turns) for c in calls if c.label}
    for full, short in zip(calls, cut, strict=True):
        if not full.label:  # a cut point drawn from the escalated calls' relative points
            assert any(max(1, round(r * len(full.turns))) == len(short.turns) for r in relative)
    assert [len(c.turns) for c in cut] == [len(c.turns) for c in forecast_cuts(calls, seed=3)]


def test_cutting_needs_an_escalation_turn():
    with pytest.raises(InputError, match="call angry: escalated call needs 'escalation_turn'"):
        forecast_cuts([ANGRY, CALM])


def test_upto_turn_scores_the_same_as_cutting_by_hand(small_model):
    calls = list(read_transcripts(W6))[:10]
    by_option = score(calls, small_model, upto_turn=4)["risk"].to_numpy()
    by_hand = score([truncate(c, upto_turn=4) for c in calls], small_model)["risk"].to_numpy()
    np.testing.assert_allclose(by_option, by_hand)
    half = score(calls, small_model, upto_fraction=0.5)
    assert not np.allclose(half["risk"].to_numpy(), by_option)


def test_tracker_ends_where_whole_call_scoring_ends(small_model):
    full = next(c for c in read_transcripts(W6) if c.label)
    tracker = RiskTracker(small_model, call_id=full.call_id)
    updates = [tracker.add_turn(t.speaker, t.text) for t in full.turns]
    assert [u.turn for u in updates] == list(range(len(full.turns)))
    assert updates[-1].risk == pytest.approx(score([full], small_model)["risk"][0], abs=1e-12)
    seen = [e for u in updates for e in u.new_evidence]
    whole = score([full], small_model)["evidence"][0]
    assert [(e["family"], e["turn"], e["start"]) for e in seen] == [
        (e["family"], e["turn"], e["start"]) for e in whole
    ]


def test_batched_live_window_gives_the_trackers_risks(small_model):
    from escalation_risk.tracker import live_window_risks

    for call_ in list(read_transcripts(W6))[:6]:
        tracker = RiskTracker(small_model, call_id=call_.call_id, prior=0.1)
        batched = live_window_risks(
            small_model, small_model.features.matcher().analyze(call_), prior=0.1
        )
        live = [tracker.add_turn(t.speaker, t.text).risk for t in call_.turns[: len(batched)]]
        np.testing.assert_allclose(batched, live, rtol=1e-9, atol=1e-12)
        ask = call_.metadata["escalation_turn"]
        assert len(batched) == (ask if call_.label else len(call_.turns))


def test_watch_prints_one_update_per_turn_and_counts_bad_lines(small_model_dir):
    lines = [
        {"call_id": "a", "speaker": "agent", "text": "How can I help?"},
        {"call_id": "b", "speaker": "customer", "text": "hello"},
        {"call_id": "a", "speaker": "customer", "text": "Get me a supervisor, this is ridiculous"},
    ]
    stdin = "\n".join(json.dumps(x) for x in lines) + "\nnot json\n"
    result = CliRunner().invoke(app, ["watch", "-m", str(small_model_dir)], input=stdin)
    assert result.exit_code == 3
    updates = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert [(u["call_id"], u["turn"]) for u in updates] == [("a", 0), ("b", 0), ("a", 1)]
    assert {e["family"] for e in updates[2]["new_evidence"]} >= {"supervisor_request", "anger"}
    assert "<stdin>:4" in result.output


def test_forecast_training_and_horizon(tmp_path):
    model = train([W6, CORPUS / "calls-w7.jsonl"], forecast=True, cv=3, C=10.0)
    assert model.manifest["forecast"] is True
    result = forecast_evaluation(CORPUS / "calls-w5.jsonl", model, resamples=50)
    h = result["horizon"]
    assert h["escalated_calls"] == 21 and h["other_calls"] == 39
    assert 0 <= h["warned_before_the_ask"] <= 21
    assert 0.0 <= h["false_alarm_rate"] <= 1.0
    assert result["cut"]["n"] == 60 and 0 <= result["cut"]["roc_auc"] <= 1


def test_group_folds_keep_an_agent_in_one_fold():
    model = train([W6], cv=3, C=3.0, group="agent_id")
    assert model.manifest["cv"]["grouped_by"] == "agent_id"
    with pytest.raises(Exception, match="no 'region' to group folds by"):
        train([W6], cv=3, C=3.0, group="region")


def test_bundled_forecast_model_is_there():
    from escalation_risk import load_model

    model = load_model("forecast")
    assert model.manifest["forecast"] is True
    assert call("x", ("customer", "hi")).call_id == "x"


def test_forecast_models_choose_live_thresholds_from_replayed_held_out_calls():
    """The live band uses thresholds picked so that a call whose live risk ever reaches high
    escalates with the band's precision, measured on out-of-fold replays."""
    model = train([W6, CORPUS / "calls-w7.jsonl"], forecast=True, cv=3, C=10.0)
    live = model.manifest["live_thresholds"]
    assert set(live) == {"high", "medium"}
    assert live["high"] is None or live["high"] >= model.thresholds["high"]
    tracker = RiskTracker(model)
    assert tracker._thresholds == live
    call_ = next(c for c in read_transcripts(CORPUS / "calls-w5.jsonl") if c.label)
    high = live["high"]
    for turn in call_.turns:
        update = tracker.add_turn(turn.speaker, turn.text)
        assert (update.band == "high") == (high is not None and update.risk >= high)
