"""Coaching: rankings against the hand-read agent styles, odds ratios, cuts, people data, HTML."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from escalation_risk.cli import SALT_ENV, app
from escalation_risk.coaching import (
    DEESCALATION,
    DISCLAIMER,
    HABITS,
    NOT_ENOUGH,
    OTHER,
    adjusted_log_odds,
    coach,
    cut_point,
    pseudonym,
)
from escalation_risk.errors import InputError
from escalation_risk.signals import SignalMatcher

from .helpers import CORPUS, ROOT, call, write_jsonl

STYLES = json.loads((ROOT / "tests/fixtures/agent_styles.json").read_text())["agents"]


@pytest.fixture(scope="module")
def corpus_report():
    return coach(CORPUS)


def _ranked(habits: pd.DataFrame, family: str) -> list[str]:
    rows = habits[habits["family"] == family]
    return list(rows.sort_values(["rate_per_100", "agent"], ascending=[False, True])["agent"])


def test_each_family_is_led_by_an_agent_read_as_having_that_style(corpus_report):
    habits = corpus_report.habits
    for family in HABITS + DEESCALATION:
        labelled = {a for a, s in STYLES.items() if s["family"] == family}
        if not labelled:
            continue
        ranked = _ranked(habits, family)
        assert ranked[0] in labelled, (family, ranked[:5])
        rows = habits[(habits["family"] == family) & habits["agent"].isin(labelled)]
        assert (rows["rate_per_100"] > rows["team_median"]).all(), (family, rows)


def test_each_habit_agent_is_told_to_work_on_its_own_style_first(corpus_report):
    agents = corpus_report.agents.set_index("agent")
    habit_agents = {a: s["family"] for a, s in STYLES.items() if s["family"] in HABITS}
    first = {a: agents.at[a, "top_habits"][0] for a in habit_agents}
    for agent, family in habit_agents.items():
        assert family in agents.at[agent, "top_habits"], (agent, agents.at[agent, "top_habits"])
    matches = sum(first[a] == f for a, f in habit_agents.items())
    # A09 mixes "I'm not able to" with "that's the policy" and is told cant_phrasing first.
    assert matches >= len(habit_agents) - 1, first


def test_no_agent_is_encouraged_to_use_more_of_its_own_strength(corpus_report):
    agents = corpus_report.agents.set_index("agent")
    for agent, style in STYLES.items():
        if style["family"] in DEESCALATION:
            assert agents.at[agent, "encourage"] != style["family"]


def test_team_view_on_the_corpus_has_intervals_around_estimates(corpus_report):
    team = corpus_report.team.set_index("family")
    assert set(team.index) == set(HABITS + DEESCALATION)
    for family, row in team.iterrows():
        assert row["ci_low"] < row["odds_ratio"] < row["ci_high"], family
    assert team.at["cant_phrasing", "verdict"] == "raises escalation odds"
    assert team.at["ownership", "verdict"] == "lowers escalation odds"
    assert sum(corpus_report.cut_rules.values()) == corpus_report.calls == 480


def test_adjusted_odds_ratio_removes_a_confounder():
    rng = np.random.default_rng(1)
    n = 20000
    angry = rng.random(n) < 0.4
    # Agents use the habit more on angry calls, and angry calls escalate more; true OR = 2.
    habit = rng.random(n) < np.where(angry, 0.6, 0.2)
    logit = -2.0 + math.log(2.0) * habit + 1.5 * angry
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    crude, _ = adjusted_log_odds(y, habit.astype(float), np.zeros((n, 0)))
    adjusted, se = adjusted_log_odds(y, habit.astype(float), angry[:, None].astype(float))
    assert math.exp(crude) > 2.6  # confounded
    assert abs(adjusted - math.log(2.0)) < 2 * se + 0.02


def test_cut_point_prefers_the_labelled_turn_then_the_customers_ask():
    turns = (
        ("agent", "How can I help?"),
        ("customer", "My bill is wrong."),
        ("agent", "That's our policy."),
        ("customer", "Get me a supervisor."),
        ("agent", "The supervisor will tell you the same thing."),
    )
    matcher = SignalMatcher()
    labelled = call("L", *turns, escalation_turn=3)
    asked = call("A", *turns)
    quiet = call("Q", *turns[:3])
    assert cut_point(matcher.analyze(labelled)) == (3, "escalation_turn")
    assert cut_point(matcher.analyze(asked)) == (3, "customer_ask")
    assert cut_point(matcher.analyze(quiet)) == (3, "whole_call")


def _deflection_calls(n: int) -> list:
    """Deflection only ever answers the customer's ask: it must not count as a cause."""
    calls = []
    for i in range(n):
        escalated = i % 2 == 0
        turns = [("agent", "How can I help?"), ("customer", "My bill is wrong.")]
        if escalated:
            turns += [
                ("customer", "Get me a supervisor."),
                ("agent", "The supervisor will tell you the same thing."),
            ]
        calls.append(call(f"D{i}", *turns, label=escalated, agent_id=f"A{i % 3}"))
    return calls


def test_habits_after_the_escalation_point_do_not_count_as_causes(small_model):
    report = coach(_deflection_calls(60), small_model, min_calls=1)
    team = report.team.set_index("family")
    assert team.at["supervisor_deflection", "calls_with"] == 0
    assert team.at["supervisor_deflection", "verdict"] == NOT_ENOUGH
    # ...while the per-agent rates still show the habit was used.
    habits = report.habits[report.habits["family"] == "supervisor_deflection"]
    assert habits["calls_with"].sum() == 30
    assert report.cut_rules == {"customer_ask": 30, "whole_call": 30}


def test_small_samples_say_not_enough_calls(small_model):
    calls = [
        call(f"C{i}", ("agent", "I can't do that."), label=i < 3, agent_id="A1") for i in range(19)
    ]
    team = coach(calls, small_model, min_calls=1).team.set_index("family")
    assert team.at["cant_phrasing", "verdict"] == NOT_ENOUGH
    assert math.isnan(team.at["cant_phrasing", "odds_ratio"])
    unlabelled = [call(f"U{i}", ("agent", "I can't do that."), agent_id="A1") for i in range(30)]
    team = coach(unlabelled, small_model, min_calls=1).team.set_index("family")
    assert team.at["cant_phrasing", "verdict"] == "no escalation labels"


def test_rates_shares_and_team_median_by_hand(small_model):
    calls = [
        call("a1", ("agent", "I can't do that. I can't."), agent_id="A"),
        call("a2", ("agent", "Sure thing."), agent_id="A"),
        call("b1", ("agent", "I can't do that."), agent_id="B"),
        call("c1", ("agent", "Sure thing."), agent_id="C"),
    ]
    habits = coach(calls, small_model, min_calls=1).habits.set_index(["agent", "family"])
    a = habits.loc[("A", "cant_phrasing")]
    assert (a["calls"], a["count"], a["calls_with"]) == (2, 2, 1)
    assert a["rate_per_100"] == 100.0 and a["share_with"] == 0.5
    assert habits.loc[("B", "cant_phrasing"), "rate_per_100"] == 100.0
    assert a["team_median"] == 100.0  # median of A 100, B 100, C 0


def test_agents_below_min_calls_are_grouped_as_other(small_model):
    calls = [call(f"x{i}", ("agent", "Hello."), agent_id="BIG") for i in range(10)]
    calls += [call("y", ("agent", "Hello."), agent_id="SMALL"), call("z", ("agent", "Hello."))]
    report = coach(calls, small_model)
    assert sorted(report.agents["agent"]) == ["BIG", OTHER]
    assert report.agents.set_index("agent").at[OTHER, "calls"] == 2
    assert any("fewer than 10 calls" in n for n in report.notes)
    assert any("had no 'agent_id'" in n for n in report.notes)


def test_root_causes_by_queue_weekday_and_hour(small_model):
    calls = [
        call("m1", ("agent", "Hi."), label=True, queue="billing", started_at="2026-03-02T09:15:00"),
        call("m2", ("agent", "Hi."), label=False, queue="billing", started_at="2026-03-02T09:45"),
        call("t1", ("agent", "Hi."), label=False, queue="tech", started_at="2026-03-03T14:00:00"),
        call("x1", ("agent", "Hi."), label=True, queue="tech", started_at="not a date"),
    ]
    causes = coach(calls, small_model).root_causes
    queue = causes["queue"].set_index("key")
    assert queue.at["billing", "escalation_rate"] == 0.5 and queue.at["tech", "calls"] == 2
    weekday = causes["weekday"].set_index("key")
    assert list(weekday.index) == ["Monday", "Tuesday"]  # the unparseable time is left out
    assert weekday.at["Monday", "calls"] == 2
    assert causes["hour"].set_index("key").at[14, "escalation_rate"] == 0.0


def test_pseudonyms_are_stable_salted_and_used_everywhere(small_model, tmp_path):
    calls = [call(f"c{i}", ("agent", "I can't do that."), agent_id="A-Jones") for i in range(3)]
    report = coach(calls, small_model, min_calls=1, pseudonymise="salt-1")
    again = coach(calls, small_model, min_calls=1, pseudonymise="salt-1")
    other = coach(calls, small_model, min_calls=1, pseudonymise="salt-2")
    name = report.agents.at[0, "agent"]
    assert name == again.agents.at[0, "agent"] == pseudonym("A-Jones", "salt-1")
    assert name != other.agents.at[0, "agent"]
    html = report.to_html(tmp_path / "r.html").read_text()
    table = report.to_table(tmp_path / "t.csv").read_text()
    for text in (html, table, report.examples.to_json()):
        assert "Jones" not in text
    assert name in html and name in table


def test_html_escapes_transcript_text_redacts_digits_and_needs_no_network(small_model, tmp_path):
    calls = [
        call(
            f"c{i}",
            ("customer", "<script>alert('x')</script> card 4111 1111 1111 1111"),
            ("agent", "I can't do that, it's our policy. <img src=x onerror=alert(1)>"),
            ("customer", "Fine."),
            label=i % 2 == 0,
            agent_id='<b onmouseover="x">A1',
        )
        for i in range(12)
    ]
    calls += [call(f"d{i}", ("agent", "Sure."), agent_id="A2") for i in range(12)]
    path = coach(calls, small_model, min_calls=1).to_html(tmp_path / "report.html")
    html = path.read_text()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html
    assert "<b onmouseover" not in html
    assert "4111" not in html
    assert DISCLAIMER in html
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", html)
    assert "<link" not in html and "@import" not in html
    assert html.count("data:image/svg+xml;base64,") >= 2  # charts embedded


def test_table_has_the_documented_columns(corpus_report, tmp_path):
    rows = json.loads(corpus_report.to_table(tmp_path / "t.json").read_text())
    assert len(rows) == 24 * 7
    for column in ("agent", "family", "calls", "calls_with", "rate_per_100", "team_median"):
        assert column in rows[0]
    csv = pd.read_csv(corpus_report.to_table(tmp_path / "t.csv"))
    assert len(csv) == 24 * 7
    with pytest.raises(InputError, match="use .csv or .json"):
        corpus_report.to_table(tmp_path / "t.xlsx")


def test_examples_quote_context_and_better_phrasing(corpus_report):
    examples = corpus_report.examples
    a01 = examples[(examples["agent"] == "A01") & (examples["family"] == "cant_phrasing")]
    assert 2 <= len(a01) <= 3
    for row in a01.to_dict("records"):
        assert row["better"]
        assert row["said"]["speaker"] == "agent" and row["quote"] in row["said"]["text"]
        assert row["before"]["turn"] == row["turn"] - 1


def test_coach_cli_writes_report_and_table(small_model_dir, tmp_path, monkeypatch):
    rows = [
        {
            "call_id": f"c{i}",
            "agent_id": "Agent-Jones",
            "escalated": i % 2 == 0,
            "turns": [{"speaker": "agent", "text": "I can't do that."}],
        }
        for i in range(4)
    ]
    data = write_jsonl(tmp_path / "calls.jsonl", rows)
    runner = CliRunner()
    out, table = tmp_path / "r.html", tmp_path / "t.csv"
    args = ["coach", str(data), "-m", str(small_model_dir), "-o", str(out), "--min-calls", "1"]
    result = runner.invoke(app, [*args, "--table", str(table)])
    assert result.exit_code == 0, result.output
    assert out.exists() and "cant_phrasing" in table.read_text()
    monkeypatch.delenv(SALT_ENV, raising=False)
    result = runner.invoke(app, [*args, "--pseudonymise"])
    assert result.exit_code == 2 and SALT_ENV in result.output
    monkeypatch.setenv(SALT_ENV, "s")
    result = runner.invoke(app, [*args, "--pseudonymise"])
    assert result.exit_code == 0 and "Jones" not in out.read_text()
