from __future__ import annotations

import numpy as np
import pytest
from helpers import ANGRY, CALM, CORPUS, WEEKS_1_2, call

from escalation_risk import score, train
from escalation_risk.errors import InputError, TrainingError
from escalation_risk.training import data_hash


def test_manifest_holds_cv_metrics_thresholds_and_data_identity(small_model):
    m = small_model.manifest
    assert m["label"] == "escalated"
    assert m["training_data"]["n_calls"] == 120
    assert m["training_data"]["n_positive"] == 42
    for key in ("roc_auc", "pr_auc", "brier"):
        assert 0.0 <= m["cv"][key] <= 1.0
    assert m["cv"]["folds"] == 3 and m["cv"]["grouped_by"] == "call_id"
    high, medium = m["thresholds"]["high"], m["thresholds"]["medium"]
    assert high is None or medium is None or medium <= high


def test_model_generalises_to_weeks_it_did_not_see(small_model):
    """Trained on weeks 1-2, evaluated on week 3: a held-out check, not training accuracy."""
    from sklearn.metrics import roc_auc_score

    held_out = CORPUS / "calls-w3.jsonl"
    scored = score(held_out, small_model)
    labels = [c.label for c in __import__("escalation_risk").read_transcripts(held_out)]
    assert roc_auc_score(labels, scored["risk"]) > 0.85


def test_training_is_deterministic_for_a_seed():
    data = [CORPUS / "calls-w4.jsonl"]
    a = train(data, C=3.0, cv=3, seed=7)
    b = train(data, C=3.0, cv=3, seed=7)
    assert a.manifest == b.manifest
    np.testing.assert_array_equal(score(data, a)["risk"], score(data, b)["risk"])


def test_training_leaves_the_callers_calls_alone():
    """Training drops each call it has featurized from its own list; never from the caller's."""
    from escalation_risk import read_transcripts

    calls = list(read_transcripts(CORPUS / "calls-w4.jsonl"))
    before = [c.call_id for c in calls]
    model = train(calls, C=3.0, cv=3)
    assert [c.call_id for c in calls] == before
    assert model.manifest["training_data"]["n_calls"] == len(before)


def test_c_and_signal_weight_are_tuned_inside_the_training_data_when_not_given():
    from escalation_risk.training import C_GRID, SIGNAL_WEIGHT_GRID

    model = train([CORPUS / "calls-w5.jsonl"], cv=3)
    params = model.manifest["params"]
    assert params["tuned"] == ["C", "signal_weight"]
    assert params["C"] in C_GRID and params["signal_weight"] in SIGNAL_WEIGHT_GRID
    assert model.features.signal_weight == params["signal_weight"]
    fixed = train([CORPUS / "calls-w5.jsonl"], cv=3, C=3.0, signal_weight=0.3)
    assert fixed.manifest["params"] | {"tuned": None} == {
        "C": 3.0,
        "signal_weight": 0.3,
        "solver": "liblinear",
        "tuned": None,
        "seed": 0,
    }
    assert fixed.manifest["params"]["tuned"] == []


@pytest.fixture(scope="module")
def sgd_model():
    return train(WEEKS_1_2, C=10.0, cv=3, solver="sgd")


def test_sgd_solves_the_same_regularised_problem_as_liblinear(small_model, sgd_model):
    """Same C, same calls: averaged SGD's alpha = 1 / (C * calls) must land near liblinear's
    weights (a wrong scale of alpha shrinks or blows up the weights), and rank week 3 alike."""
    from scipy.stats import spearmanr

    exact, sgd = small_model._linear_parts()[0], sgd_model._linear_parts()[0]
    assert sgd_model.manifest["params"]["solver"] == "sgd"
    assert small_model.manifest["params"]["solver"] == "liblinear"
    assert 0.75 < np.linalg.norm(sgd) / np.linalg.norm(exact) < 1.33
    assert exact @ sgd / np.linalg.norm(exact) / np.linalg.norm(sgd) > 0.9
    week3 = CORPUS / "calls-w3.jsonl"
    assert spearmanr(score(week3, small_model)["risk"], score(week3, sgd_model)["risk"])[0] > 0.95


def test_sgd_model_generalises_and_round_trips_through_the_model_file(sgd_model, tmp_path):
    from sklearn.metrics import roc_auc_score

    from escalation_risk import load_model, read_transcripts, save_model

    week3 = CORPUS / "calls-w3.jsonl"
    loaded = load_model(save_model(sgd_model, tmp_path / "sgd", card=False))
    risks = score(week3, loaded)["risk"]
    np.testing.assert_array_equal(risks, score(week3, sgd_model)["risk"])
    assert roc_auc_score([c.label for c in read_transcripts(week3)], risks) > 0.85


def test_auto_solver_switches_to_sgd_from_the_threshold(monkeypatch):
    from escalation_risk import training

    monkeypatch.setattr(training, "SGD_FROM", 100)
    assert train(WEEKS_1_2, C=10.0, cv=3).manifest["params"]["solver"] == "sgd"  # 120 calls
    small = train([CORPUS / "calls-w4.jsonl"], C=10.0, cv=3)  # 60 calls
    assert small.manifest["params"]["solver"] == "liblinear"
    forced = train([CORPUS / "calls-w4.jsonl"], C=10.0, cv=3, solver="sgd")
    assert forced.manifest["params"]["solver"] == "sgd"


def labelled(n_pos: int, n_neg: int):
    pos = [
        call(f"p{i}", *[(t.speaker, t.text) for t in ANGRY.turns], label=True) for i in range(n_pos)
    ]
    neg = [
        call(f"n{i}", *[(t.speaker, t.text) for t in CALM.turns], label=False) for i in range(n_neg)
    ]
    return pos + neg


def test_duplicate_call_ids_are_refused():
    data = labelled(5, 5) + [call("p0", ("customer", "hello"), label=False)]
    with pytest.raises(TrainingError, match="call p0: duplicate call id"):
        train(data)


def test_one_class_is_refused():
    with pytest.raises(
        TrainingError, match="all 6 calls have escalated=False; training needs both"
    ):
        train(labelled(0, 6))


def test_too_few_positives_for_the_folds():
    with pytest.raises(
        TrainingError, match="1 positive and 6 negative calls: each class needs at least 5"
    ):
        train(labelled(1, 6))


def test_missing_label_is_refused():
    data = labelled(5, 5) + [call("x", ("customer", "hi"))]
    with pytest.raises(TrainingError, match="call x: no label in field 'escalated'"):
        train(data)


def test_bad_input_stops_training_unless_skipped(tmp_path):
    import json

    from helpers import as_row

    rows = [json.dumps(as_row(c)) for c in labelled(6, 6)]
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(rows[:3] + ["{oops"] + rows[3:]) + "\n")
    with pytest.raises(InputError, match="train.jsonl:4: invalid JSON"):
        train(path, C=1.0)
    model = train(path, C=1.0, on_error="skip")
    assert model.manifest["training_data"]["n_calls"] == 12


def test_data_hash_depends_on_text_and_labels():
    calls = labelled(2, 2)
    y = np.array([1, 1, 0, 0])
    assert data_hash(calls, y) != data_hash(calls, 1 - y)
    assert data_hash(calls, y) == data_hash(list(calls), y.copy())
