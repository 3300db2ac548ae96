from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers import ANGRY, CALM, CORPUS, as_row
from typer.testing import CliRunner

from escalation_risk.cli import app
from escalation_risk.lexicon import FAMILY_IDS

runner = CliRunner()


@pytest.fixture
def calls_file(tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_text("".join(json.dumps(as_row(c)) + "\n" for c in (ANGRY, CALM)))
    return path


@pytest.mark.parametrize("command", ["signals", "train", "score", "explain"])
def test_every_command_has_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert len(result.output.strip().splitlines()) > 3


def test_signals_to_jsonl(calls_file, tmp_path):
    out = tmp_path / "signs.jsonl"
    result = runner.invoke(app, ["signals", str(calls_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {"supervisor_request", "policy_wall", "ownership"} <= {r["family"] for r in rows}
    assert all(r["call_id"] in ("angry", "calm") for r in rows)


def test_score_csv_flattens_signals_and_keeps_json(calls_file, tmp_path, small_model_dir):
    out = tmp_path / "scores.csv"
    result = runner.invoke(
        app, ["score", str(calls_file), "--model", str(small_model_dir), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert frame["call_id"].tolist() == ["angry", "calm"]
    assert [f"sig_{f}" for f in FAMILY_IDS] == [c for c in frame.columns if c.startswith("sig_")]
    assert frame.loc[0, "sig_supervisor_request"] == 1
    assert json.loads(frame.loc[0, "reasons"])[-1]["reason"] == "baseline"
    assert "agent_id" in frame.columns and "riskiest" in result.output


def test_score_jsonl_to_stdout_nests_fields(calls_file, small_model_dir):
    result = runner.invoke(app, ["score", str(calls_file), "-m", str(small_model_dir), "-o", "-"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["call_id"] for r in rows] == ["angry", "calm"]
    assert isinstance(rows[0]["signals"], dict) and isinstance(rows[0]["evidence"], list)


def test_score_exit_3_when_calls_were_skipped(tmp_path, small_model_dir):
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(as_row(ANGRY)) + "\n{broken\n")
    out = tmp_path / "o.jsonl"
    result = runner.invoke(app, ["score", str(path), "-m", str(small_model_dir), "-o", str(out)])
    assert result.exit_code == 3
    assert "mixed.jsonl:2: invalid JSON" in result.output
    assert len(out.read_text().splitlines()) == 1


def test_thresholds_override(calls_file, small_model_dir, tmp_path):
    out = tmp_path / "o.jsonl"
    args = ["score", str(calls_file), "-m", str(small_model_dir), "-o", str(out)]
    runner.invoke(app, [*args, "--thresholds", "high=0,medium=0"])
    assert {json.loads(x)["band"] for x in out.read_text().splitlines()} == {"high"}
    runner.invoke(app, [*args, "--thresholds", "high=1.1,medium=1.1"])
    assert {json.loads(x)["band"] for x in out.read_text().splitlines()} == {"low"}


def test_errors_are_one_line_with_exit_1(tmp_path, calls_file):
    result = runner.invoke(app, ["score", str(calls_file), "--model", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: {tmp_path / 'none'}: no such model directory"
    ]
    assert "Traceback" not in result.output


def test_usage_errors_exit_2(calls_file):
    assert runner.invoke(app, ["score"]).exit_code == 2
    assert runner.invoke(app, ["score", str(calls_file), "--on-error", "maybe"]).exit_code == 2


def test_train_then_explain(tmp_path):
    model_dir = tmp_path / "model"
    result = runner.invoke(
        app,
        ["train", str(CORPUS / "calls-w7.jsonl"), "-o", str(model_dir), "--cv", "3", "--C", "3"],
    )
    assert result.exit_code == 0, result.output
    assert "3-fold cross-validation grouped by call: ROC-AUC" in result.output
    assert (model_dir / "manifest.json").exists() and (model_dir / "README.md").exists()
    result = runner.invoke(
        app,
        ["explain", str(CORPUS / "calls-w7.jsonl"), "-m", str(model_dir), "--call-id", "W7-015"],
    )
    assert result.exit_code == 0, result.output
    assert "call W7-015" in result.output and "supervisor_request" in result.output
    assert "baseline" in result.output


def test_train_solver_option_reaches_the_model(tmp_path):
    data = str(CORPUS / "calls-w7.jsonl")
    result = runner.invoke(
        app, ["train", data, "-o", str(tmp_path / "m"), "--cv", "3", "--C", "3", "--solver", "sgd"]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["params"]["solver"] == "sgd"
    bad = runner.invoke(app, ["train", data, "-o", str(tmp_path / "n"), "--solver", "newton"])
    assert bad.exit_code == 2


def test_train_refuses_duplicates_with_one_line(tmp_path):
    path = tmp_path / "dup.jsonl"
    rows = [as_row(ANGRY)] * 6 + [as_row(CALM)] * 6
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = runner.invoke(app, ["train", str(path), "-o", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert "call angry: duplicate call id (first at" in result.output


def test_explain_unknown_call(calls_file, small_model_dir):
    result = runner.invoke(
        app, ["explain", str(calls_file), "-m", str(small_model_dir), "--call-id", "nope"]
    )
    assert result.exit_code == 1 and "call nope not found" in result.output


def test_python_dash_m_entry_point(calls_file):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "escalation_risk", "signals", str(calls_file), "-o", "-"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"family": "supervisor_request"' in done.stdout
