"""Build the coaching report on the bundled corpus, rank agents against the hand-read styles.

    python scripts/coaching_report.py              # out/coaching.html, docs section, screenshot

Inputs: data/corpus/*.jsonl, models/default, tests/fixtures/agent_styles.json (each agent's main
style, read from its calls before any coaching code existed). Outputs: out/coaching.html and
out/coaching.csv; the "coaching" section of docs/benchmarks.md (where each labelled agent ranks
for its family, the team's odds ratios); docs/coaching-report.png when Debian's chromium is
installed (`apt-get install chromium`), else the screenshot is left as it is.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from escalation_risk import coach
from escalation_risk.coaching import HABITS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _docs import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "out"
SHOT = ROOT / "docs" / "coaching-report.png"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,2200",
]


def main() -> None:
    started = time.perf_counter()
    report = coach(ROOT / "data" / "corpus")
    seconds = time.perf_counter() - started
    OUT.mkdir(exist_ok=True)
    html = report.to_html(OUT / "coaching.html")
    report.to_table(OUT / "coaching.csv")
    styles = json.loads((ROOT / "tests/fixtures/agent_styles.json").read_text())["agents"]
    habits, agents = report.habits, report.agents.set_index("agent")
    lines = [
        "## Coaching",
        "",
        f"Command: `python scripts/coaching_report.py` ({report.calls} bundled calls, "
        f"{len(agents)} agents, {seconds:.0f} s including scoring). Each agent's main style was "
        "read from its calls and committed before the coaching code "
        "(`tests/fixtures/agent_styles.json`); the table shows where each such agent ranks among "
        f"the {len(agents)} for that family (rate per 100 calls, 1 = highest), and for habit "
        "agents whether the report tells them to work on that family first.",
        "",
        "| agent | style read from the calls | family | rank | per 100 calls | team median "
        "| first habit to work on |",
        "|---|---|---|---|---|---|---|",
    ]
    for agent, style in styles.items():
        family = style["family"]
        if family is None:
            lines.append(f"| {agent} | {style['style']} | – | – | – | – | – |")
            continue
        rows = habits[habits["family"] == family].sort_values(
            ["rate_per_100", "agent"], ascending=[False, True]
        )
        rank = list(rows["agent"]).index(agent) + 1
        row = rows[rows["agent"] == agent].iloc[0]
        top = agents.at[agent, "top_habits"]
        first = (top[0] if top else "none") if family in HABITS else "(de-escalation style)"
        lines.append(
            f"| {agent} | {style['style']} | {family} | {rank} | {row['rate_per_100']:.0f} | "
            f"{row['team_median']:.0f} | {first} |"
        )
    lines += [
        "",
        "Team view: odds ratio of escalation when the habit appears before the escalation point "
        "(the labelled escalation turn, else the customer's first supervisor request, complaint or "
        "churn threat), adjusted for the customer-side signs present by then; logistic regression "
        "with a weak ridge, Wald 95% interval. Escalated calls are cut and most others are not, "
        "so their windows are shorter: that biases the odds ratios towards 1 (conservative). "
        + "; ".join(f"{n} call(s) {rule.replace('_', ' ')}" for rule, n in report.cut_rules.items())
        + ".",
        "",
        "| family | calls with it | escalated | odds ratio | 95% interval | reading |",
        "|---|---|---|---|---|---|",
    ]
    for row in report.team.to_dict("records"):
        lines.append(
            f"| {row['family']} | {row['calls_with']} | {row['escalated_with']} | "
            f"{row['odds_ratio']:.2f} | {row['ci_low']:.2f}–{row['ci_high']:.2f} | "
            f"{row['verdict']} |"
        )
    lines += [
        "",
        "Risks in the report come from the default model, which was trained on these same calls: "
        "on the bundled corpus they are in-sample and nearly separate the classes; on new calls "
        "expect the cross-validated figures above.",
    ]
    write_section("coaching", lines)
    screenshot(html)


def screenshot(html: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium not installed: screenshot left as it is", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--screenshot={SHOT}",
                html.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"screenshot written to {SHOT}")


if __name__ == "__main__":
    main()
