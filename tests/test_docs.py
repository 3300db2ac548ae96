"""The README's claims that can be checked: its commands exist and CI runs its test command."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from escalation_risk.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    assert "make demo" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_cli_command_is_documented_in_the_readme():
    commands = [c.name for c in app.registered_commands]
    assert commands
    for name in commands:
        assert f"escalation-risk {name}" in README, name
        assert CliRunner().invoke(app, [name, "--help"]).exit_code == 0


def test_exit_codes_are_documented():
    table = README[README.index("## Exit codes") :]
    for code in ("0", "1", "2", "3"):
        assert re.search(rf"^\|\s*{code}\s*\|", table, flags=re.M), code


def test_every_test_named_in_the_reliability_table_exists():
    import re

    doc = (ROOT / "docs" / "reliability.md").read_text()
    sources = {p.name: p.read_text() for p in (ROOT / "tests").glob("test_*.py")}
    named = re.findall(r"`tests/(test_\w+\.py)(?:::(\w+))?`", doc)
    assert len(named) > 20
    last_file = None
    for file, name in named:
        assert file in sources, file
        assert not name or f"def {name}(" in sources[file], (file, name)
        last_file = file
    for name in re.findall(r"`::(\w+)`", doc):  # continues the file named before it
        assert any(f"def {name}(" in text for text in sources.values()), name
    assert last_file
