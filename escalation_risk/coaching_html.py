"""The coaching report as one self-contained HTML file: jinja2 (autoescape on), SVG charts inline.

Transcript text is untrusted: every value goes through the template's autoescaping, and charts are
embedded as ``data:`` images (an SVG shown through ``<img>`` runs no script).
"""

from __future__ import annotations

import base64
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from .coaching import AGENT_FAMILIES, CUT_RULES, DISCLAIMER, HABITS, NOT_ENOUGH
from .output import atomic_text

if TYPE_CHECKING:
    from .coaching import CoachingReport

MAX_ROWS = 15  # rows of a root-cause table shown; the rest are small groups
LABELS = {
    "cant_phrasing": "“I can't” phrasing",
    "policy_wall": "policy as the answer",
    "supervisor_deflection": "deflecting to others",
    "blame": "blaming the customer",
    "ownership": "ownership",
    "empathy": "empathy",
    "expectation_setting": "setting expectations",
}


def write_html(report: CoachingReport, path: Path) -> Path:
    """Render ``report`` to ``path`` (written whole or not at all)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("escalation_risk", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    team = report.team.to_dict("records")
    medians = report.habits.groupby("family")["team_median"].first().to_dict()
    moments: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record in report.examples.to_dict("records"):
        m = {str(k): v for k, v in record.items()}
        moments.setdefault((m["agent"], m["family"]), []).append(m)
    labelled = report.risks["escalated"].dropna()
    html = env.get_template("coaching.html").render(
        report=report,
        disclaimer=DISCLAIMER,
        cut_rules=CUT_RULES,
        not_enough=NOT_ENOUGH,
        escalation_rate=float(labelled.astype(float).mean()) if len(labelled) else math.nan,
        costly=sorted(
            (r for r in team if r["family"] in HABITS and r["verdict"].startswith("raises")),
            key=lambda r: -r["odds_ratio"],
        ),
        team=team,
        medians=medians,
        agents=[
            {**row, "encourage": row["encourage"] if isinstance(row["encourage"], str) else None}
            for row in report.agents.to_dict("records")
        ],
        habit_rows={
            agent: rows.to_dict("records") for agent, rows in report.habits.groupby("agent")
        },
        moments=moments,
        root_causes={k: v.to_dict("records") for k, v in report.root_causes.items()},
        charts=_charts(report),
        max_rows=MAX_ROWS,
        label=lambda f: LABELS.get(f, f),
        pct=_pct,
        highlight=_highlight,
    )
    with atomic_text(str(path)) as out:
        out.write(html)
    return path


def _pct(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * value:.0f}%"


def _highlight(text: str, quote: str) -> Markup:
    """``text`` escaped, with the first occurrence of ``quote`` wrapped in ``<mark>``.

    >>> str(_highlight("<b>no</b>, I can't", "I can't"))
    '&lt;b&gt;no&lt;/b&gt;, <mark>I can&#39;t</mark>'
    """
    at = text.find(quote) if quote else -1
    if at < 0:
        return escape(text)
    end = at + len(quote)
    return (
        escape(text[:at])
        + Markup("<mark>")
        + escape(quote)
        + Markup("</mark>")
        + escape(text[end:])
    )


def _charts(report: CoachingReport) -> dict[str, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "svg.fonttype": "none"})
    charts: dict[str, Any] = {"risk": _risk_chart(plt, report), "odds": _odds_chart(plt, report)}
    habits = report.habits
    charts["agents"] = {
        str(agent): _agent_chart(plt, rows) for agent, rows in habits.groupby("agent")
    }
    return charts


def _svg(plt: Any, fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _risk_chart(plt: Any, report: CoachingReport) -> str:
    fig, ax = plt.subplots(figsize=(4.6, 2.9))
    risks = report.risks
    bins = [i / 20 for i in range(21)]
    if risks["escalated"].notna().any():
        for value, name, color in (
            (False, "not escalated", "#8aa4c8"),
            (True, "escalated", "#b3261e"),
        ):
            part = risks.loc[risks["escalated"] == value, "risk"]
            ax.hist(part, bins=bins, alpha=0.7, label=f"{name} ({len(part)})", color=color)
        ax.legend(frameon=False)
    else:
        ax.hist(risks["risk"], bins=bins, color="#8aa4c8")
    ax.set(
        xlabel="predicted escalation risk", ylabel="calls", title="Risk distribution", xlim=(0, 1)
    )
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return _svg(plt, fig)


def _odds_chart(plt: Any, report: CoachingReport) -> str | None:
    team = report.team.dropna(subset=["odds_ratio"])
    if team.empty:
        return None
    fig, ax = plt.subplots(figsize=(4.6, 0.45 * len(team) + 1.0))
    y = list(range(len(team)))[::-1]
    for yi, row in zip(y, team.to_dict("records"), strict=True):
        low, high = float(row["ci_low"]), float(row["ci_high"])
        color = "#b3261e" if low > 1 else ("#1b6e3a" if high < 1 else "#5b6472")
        ax.plot([low, high], [yi, yi], color=color, linewidth=2)
        ax.plot([float(row["odds_ratio"])], [yi], "o", color=color)
    ax.axvline(1, color="grey", linestyle=":")
    ax.set_xscale("log")
    ax.set_yticks(y, [LABELS.get(f, f) for f in team["family"]])
    ax.set(
        xlabel="odds ratio of escalation (95% interval, log scale)", title="What each habit does"
    )
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return _svg(plt, fig)


def _agent_chart(plt: Any, rows: pd.DataFrame) -> str:
    rows = rows.set_index("family").reindex(list(AGENT_FAMILIES))
    fig, ax = plt.subplots(figsize=(4.4, 2.7))
    y = list(range(len(rows)))[::-1]
    colors = ["#b3261e" if f in HABITS else "#1b6e3a" for f in rows.index]
    ax.barh(y, rows["rate_per_100"], color=colors, alpha=0.75, label="this agent")
    ax.plot(rows["team_median"], y, "|", color="black", markersize=14, label="team median")
    ax.set_yticks(y, [LABELS.get(f, f) for f in rows.index])
    ax.set(xlabel="per 100 calls", title="Habits against the team")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return _svg(plt, fig)
