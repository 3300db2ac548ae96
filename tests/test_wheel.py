"""The built wheel carries the default model: install it in a fresh venv and score a call."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import escalation_risk, sys
from escalation_risk.transcripts import Transcript, Turn
assert sys.argv[1] in escalation_risk.__file__, escalation_risk.__file__
call = Transcript("w", (Turn.from_speaker("customer", "third time calling, get me a manager"),))
out = escalation_risk.score([call])
print(out.loc[0, "call_id"], out.loc[0, "band"], out.loc[0, "signals"]["supervisor_request"])
"""


def test_wheel_installs_and_scores_with_the_bundled_model(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = wheels.glob("escalation_risk-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", site, str(wheel)],
        check=True,
    )
    # dependencies come from the test environment, appended after the venv's own packages
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run(
        [python, "-c", SCRIPT, str(venv)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    call_id, band, requests = done.stdout.split()
    assert call_id == "w" and band in {"low", "medium", "high"} and requests == "1"
