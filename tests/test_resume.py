"""Interrupted batches: complete lines only, and --resume with no duplicates and no gaps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from typer.testing import CliRunner

from escalation_risk.cli import app
from escalation_risk.output import partial_path, written_ids
from escalation_risk.readers import read_transcripts

from .helpers import CORPUS, write_jsonl


def many_calls(path, copies: int):
    """The bundled calls ``copies`` times over, with fresh call ids, as one JSONL file."""
    rows = []
    for k in range(copies):
        for call in read_transcripts(CORPUS):
            turns = [{"speaker": t.speaker, "text": t.text} for t in call.turns]
            rows.append({"call_id": f"{call.call_id}-{k}", "turns": turns})
    return write_jsonl(path, rows), [r["call_id"] for r in rows]


def test_resume_skips_written_calls_and_cuts_a_torn_line(small_model_dir, tmp_path):
    data = CORPUS / "calls-w1.jsonl"
    out = tmp_path / "scores.jsonl"
    ids = [c.call_id for c in read_transcripts(data)]
    args = ["score", str(data), "-m", str(small_model_dir), "-o", str(out), "--jobs", "1"]
    assert CliRunner().invoke(app, args).exit_code == 0
    lines = out.read_text().splitlines(keepends=True)
    # as a killed run would leave it: 20 whole records and half of the 21st
    partial_path(str(out)).write_text("".join(lines[:20]) + lines[20][:40])
    out.unlink()
    assert len(written_ids(str(out))) == 20
    result = CliRunner().invoke(app, [*args, "--resume"])
    assert result.exit_code == 0, result.output
    assert "20 call(s) already" in result.output
    again = [json.loads(line)["call_id"] for line in out.read_text().splitlines()]
    assert again == ids  # no duplicates, no gaps, input order
    assert not partial_path(str(out)).exists()


def test_resume_csv_appends_without_a_second_header(small_model_dir, tmp_path):
    data = CORPUS / "calls-w1.jsonl"
    out = tmp_path / "scores.csv"
    args = ["score", str(data), "-m", str(small_model_dir), "-o", str(out), "--jobs", "1"]
    assert CliRunner().invoke(app, args).exit_code == 0
    lines = out.read_text().splitlines(keepends=True)
    partial_path(str(out)).write_text("".join(lines[:11]))  # header + 10 records
    out.unlink()
    assert CliRunner().invoke(app, [*args, "--resume"]).exit_code == 0
    frame = pd.read_csv(out)
    assert list(frame["call_id"]) == [c.call_id for c in read_transcripts(data)]


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_a_killed_run_leaves_whole_lines_and_resumes_to_every_call_once(
    small_model_dir, tmp_path, stop
):
    data, ids = many_calls(tmp_path / "calls.jsonl", copies=2)  # 960 calls
    out = tmp_path / "scores.jsonl"
    command = [sys.executable, "-m", "escalation_risk", "score", str(data)]
    command += ["-m", str(small_model_dir), "-o", str(out), "--jobs", "1", "--top", "0"]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    part = partial_path(str(out))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not part.exists() or part.stat().st_size == 0):
        time.sleep(0.05)
    run.send_signal(stop)
    run.wait()
    assert part.exists() and not out.exists()
    first = part.read_text().splitlines(keepends=True)
    assert first and all(line.endswith("\n") for line in first)
    assert [json.loads(line)["call_id"] for line in first] == ids[: len(first)]
    assert len(first) < len(ids)
    finished = subprocess.run([*command, "--resume"], capture_output=True, env=env, timeout=300)
    assert finished.returncode == 0, finished.stderr.decode()[-400:]
    again = [json.loads(line)["call_id"] for line in out.read_text().splitlines()]
    assert again == ids
