"""Coaching: per-agent phrasing habits, what they do to escalation odds, what to say instead.

:func:`coach` reads and scores calls once and returns a :class:`CoachingReport` with plain
DataFrames: one row per agent, one per agent x family, the team's adjusted odds ratios, quoted
examples and root-cause tables. ``to_html`` (in :mod:`escalation_risk.coaching_html`) renders it.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .cutting import cut_point
from .errors import InputError, OnError, SkipLog
from .inputs import as_transcripts
from .lexicon import FAMILIES
from .metrics import adjusted_log_odds
from .model import EscalationModel
from .redact import redact
from .root_causes import root_causes
from .signals import AnalyzedCall, Evidence
from .transcripts import Transcript

HABITS: tuple[str, ...] = tuple(f.id for f in FAMILIES if f.kind == "habit")
DEESCALATION: tuple[str, ...] = tuple(f.id for f in FAMILIES if f.kind == "deescalation")
CUSTOMER_SIGNS: tuple[str, ...] = tuple(f.id for f in FAMILIES if f.kind == "customer")
AGENT_FAMILIES = HABITS + DEESCALATION
# The customer's own ask ends the window in which an agent habit can be a cause.
OTHER = "other"
NOT_ENOUGH = "not enough calls"
CUT_RULES = {
    "escalation_turn": "cut at the labelled escalation turn",
    "customer_ask": "cut at the customer's first supervisor request, complaint or churn threat",
    "whole_call": "whole call (no escalation turn and no customer ask)",
}
DISCLAIMER = (
    "This report shows phrasing patterns for coaching conversations. It is not a performance "
    "rating: counts come from a word-pattern lexicon, calls differ in difficulty, and small "
    "numbers move a lot."
)
_BATCH = 256
_CONTEXT_CHARS = 320


@dataclass(frozen=True)
class CallRecord:
    """What coaching keeps of one call (no transcript text)."""

    call_id: str
    agent: str
    risk: float
    label: bool | None
    cut_rule: str
    counts: dict[str, int]  # agent-family evidence in the whole call
    before: frozenset[str]  # agent and customer families seen before the cut
    queue: str | None
    started_at: str | None


@dataclass
class CoachingReport:
    """Tables for trainers; every DataFrame is plain data, ready for a spreadsheet.

    ``agents``: one row per agent (calls, mean risk, escalation rate, top habits, one to
    encourage). ``habits``: one row per agent x family (``agent, family, kind, calls,
    calls_with, count, rate_per_100, share_with, team_median, ...``). ``team``: one row per
    family with the adjusted odds ratio and its 95% interval, or ``not enough calls``.
    ``examples``: quoted moments with one turn of context either side and the better phrasing.
    ``root_causes``: escalation rate and mean risk by ``queue``, ``weekday`` and ``hour``.
    """

    agents: pd.DataFrame
    habits: pd.DataFrame
    team: pd.DataFrame
    examples: pd.DataFrame
    root_causes: dict[str, pd.DataFrame]
    risks: pd.DataFrame
    cut_rules: dict[str, int]
    by: str
    model_about: str
    pseudonymised: bool
    min_calls: int
    min_habit_calls: int
    min_escalations: int
    skipped: SkipLog = field(default_factory=SkipLog)
    notes: list[str] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return int(self.agents["calls"].sum()) if len(self.agents) else 0

    def to_html(self, path: str | Path) -> Path:
        """Write the self-contained HTML report (no network needed to open it)."""
        from .coaching_html import write_html

        return write_html(self, Path(path))

    def to_table(self, path: str | Path) -> Path:
        """Write the agent x family table as CSV or JSON (from the suffix)."""
        from .output import atomic_text

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".json"):
            raise InputError(f"cannot tell the table format from {path.name!r}: use .csv or .json")
        with atomic_text(str(path)) as out:
            if suffix == ".json":
                out.write(self.habits.to_json(orient="records", indent=1) + "\n")
            else:
                self.habits.to_csv(out, index=False)
        return path


def coach(
    data: Any,
    model: EscalationModel | None = None,
    *,
    by: str = "agent_id",
    min_calls: int = 10,
    pseudonymise: str | None = None,
    min_habit_calls: int = 20,
    min_escalations: int = 5,
    on_error: OnError = "skip",
    examples_per_habit: int = 3,
    skipped: SkipLog | None = None,
) -> CoachingReport:
    """Per-agent habit rates against the team, adjusted odds ratios, examples, root causes.

    Parameters
    ----------
    data: transcripts, path(s) or a DataFrame of turns, with ``by`` in each call's metadata.
    model: scores the calls; None loads the bundled default model.
    by: the metadata field that names the agent.
    min_calls: agents with fewer calls are grouped as ``other``.
    pseudonymise: a secret salt; agent ids become stable salted hashes in every output.
    min_habit_calls, min_escalations: below these (calls with the habit, escalated calls)
        a family's odds ratio reads ``not enough calls``.
    on_error: ``skip`` counts bad calls in ``report.skipped``; ``fail`` raises.
    skipped: the skip log to count into, when the caller reads the calls itself.

    >>> from escalation_risk.transcripts import Turn
    >>> calls = [Transcript(f"C{i}", (Turn.from_speaker("agent", "I can't do that."),),
    ...                     {"agent_id": "A1"}) for i in range(3)]
    >>> report = coach(calls, min_calls=1)
    >>> row = report.habits.query("family == 'cant_phrasing'").iloc[0]
    >>> row["agent"], int(row["calls_with"]), float(row["rate_per_100"])
    ('A1', 3, 100.0)
    """
    from .persistence import load_model

    model = model if model is not None else load_model()
    matcher = model.features.matcher(redact_quotes=True)
    skipped = skipped if skipped is not None else SkipLog()
    records: list[CallRecord] = []
    moments: dict[tuple[str, str], list[tuple[float, str, dict[str, Any]]]] = {}
    missing_agent = 0
    batch: list[Transcript] = []

    def flush() -> None:
        analyzed = [matcher.analyze(c) for c in batch]
        risks = model.score_analyzed(analyzed, reasons=False).risk
        for a, risk in zip(analyzed, risks, strict=True):
            record = _record(a, float(risk), by, pseudonymise)
            records.append(record)
            _keep_moments(a, record, moments, examples_per_habit)
        batch.clear()

    for call in as_transcripts(data, label=model.label, on_error=on_error, skipped=skipped):
        if call.metadata.get(by) in (None, ""):
            missing_agent += 1
        batch.append(call)
        if len(batch) >= _BATCH:
            flush()
    if batch:
        flush()
    if not records:
        raise InputError("no calls to coach on" + (f" ({skipped.summary()})" if skipped else ""))

    small = _small_agents(records, min_calls)
    habits = _habit_table(records, small)
    team = _team_table(records, min_habit_calls, min_escalations)
    agents = _agent_table(records, small, habits, team)
    notes = []
    if missing_agent:
        notes.append(f"{missing_agent} call(s) had no '{by}' and are grouped as '{OTHER}'")
    if small:
        notes.append(
            f"{len(small)} agent(s) with fewer than {min_calls} calls are grouped as '{OTHER}'"
        )
    return CoachingReport(
        agents=agents,
        habits=habits,
        team=team,
        examples=_examples(agents, moments, small),
        root_causes=root_causes(records),
        risks=pd.DataFrame(
            {"risk": [r.risk for r in records], "escalated": [r.label for r in records]}
        ),
        cut_rules=dict(Counter(r.cut_rule for r in records)),
        by=by,
        model_about=_model_about(model),
        pseudonymised=pseudonymise is not None,
        min_calls=min_calls,
        min_habit_calls=min_habit_calls,
        min_escalations=min_escalations,
        skipped=skipped,
        notes=notes,
    )


def _model_about(model: EscalationModel) -> str:
    data = model.manifest.get("training_data", {})
    kind = "forecast" if model.manifest.get("forecast") else "whole-call"
    return (
        f"{kind} model trained on {data.get('n_calls', '?')} calls "
        f"({data.get('n_positive', '?')} escalated), "
        f"lexicon {model.manifest.get('lexicon_version', '?')}"
    )


def pseudonym(agent: str, salt: str) -> str:
    """A stable salted hash of an agent id (HMAC-SHA256, first 10 hex digits).

    >>> pseudonym("A01", "s3cret") == pseudonym("A01", "s3cret") != pseudonym("A01", "other")
    True
    """
    digest = hmac.new(salt.encode(), agent.encode(), hashlib.sha256).hexdigest()
    return f"agent-{digest[:10]}"


def _record(a: AnalyzedCall, risk: float, by: str, salt: str | None) -> CallRecord:
    call = a.call
    agent = str(call.metadata.get(by) or "") or OTHER
    if salt is not None and agent != OTHER:
        agent = pseudonym(agent, salt)
    cut, rule = cut_point(a)
    started = call.metadata.get("started_at")
    queue = call.metadata.get("queue")
    return CallRecord(
        call_id=call.call_id,
        agent=agent,
        risk=risk,
        label=call.label,
        cut_rule=rule,
        counts=dict(Counter(e.family for e in a.evidence if e.family in AGENT_FAMILIES)),
        before=frozenset(e.family for e in a.evidence if e.turn < cut),
        queue=None if queue in (None, "") else str(queue),
        started_at=None if started in (None, "") else str(started),
    )


def _keep_moments(
    a: AnalyzedCall,
    record: CallRecord,
    moments: dict[tuple[str, str], list[tuple[float, str, dict[str, Any]]]],
    keep: int,
) -> None:
    """Keep the ``keep`` riskiest calls' first quote of each habit, per agent (a bounded heap)."""
    first: dict[str, Evidence] = {}
    for e in a.evidence:
        if e.family in HABITS and e.speaker == "agent":
            first.setdefault(e.family, e)
    for family, e in first.items():
        heap = moments.setdefault((record.agent, family), [])
        item = (record.risk, record.call_id, _moment(a, e))
        if len(heap) < keep:
            heapq.heappush(heap, item)
        elif item[:2] > heap[0][:2]:
            heapq.heapreplace(heap, item)


def _moment(a: AnalyzedCall, e: Evidence) -> dict[str, Any]:
    turns = a.call.turns

    def turn(i: int) -> dict[str, Any] | None:
        if not 0 <= i < len(turns):
            return None
        text = redact(turns[i].text)
        if len(text) > _CONTEXT_CHARS:
            text = text[: _CONTEXT_CHARS - 1] + "…"
        return {"turn": i, "speaker": turns[i].role, "text": text}

    return {
        "call_id": a.call.call_id,
        "turn": e.turn,
        "quote": e.quote,
        "better": e.better or "",
        "before": turn(e.turn - 1),
        "said": turn(e.turn),
        "after": turn(e.turn + 1),
        "escalated": a.call.label,
    }


def _small_agents(records: Sequence[CallRecord], min_calls: int) -> set[str]:
    calls = Counter(r.agent for r in records)
    return {a for a, n in calls.items() if n < min_calls and a != OTHER}


def _group(agent: str, small: set[str]) -> str:
    return OTHER if agent in small else agent


def _habit_table(records: Sequence[CallRecord], small: set[str]) -> pd.DataFrame:
    rows = []
    groups: dict[str, list[CallRecord]] = {}
    for r in records:
        groups.setdefault(_group(r.agent, small), []).append(r)
    for agent, recs in sorted(groups.items()):
        n = len(recs)
        for family in AGENT_FAMILIES:
            count = sum(r.counts.get(family, 0) for r in recs)
            with_ = sum(1 for r in recs if r.counts.get(family))
            rows.append(
                {
                    "agent": agent,
                    "family": family,
                    "kind": "habit" if family in HABITS else "deescalation",
                    "calls": n,
                    "calls_with": with_,
                    "count": count,
                    "rate_per_100": 100.0 * count / n,
                    "share_with": with_ / n,
                }
            )
    table = pd.DataFrame(rows)
    # The team median is over named agents; 'other' mixes people and would pull it around.
    named = table[table["agent"] != OTHER]
    basis = named if len(named) else table
    medians = basis.groupby("family")["rate_per_100"].median()
    share_medians = basis.groupby("family")["share_with"].median()
    table["team_median"] = table["family"].map(medians)
    table["team_median_share"] = table["family"].map(share_medians)
    table["excess_per_100"] = table["rate_per_100"] - table["team_median"]
    return table


def _team_table(
    records: Sequence[CallRecord], min_habit_calls: int, min_escalations: int
) -> pd.DataFrame:
    labelled = [r for r in records if r.label is not None]
    y = np.array([bool(r.label) for r in labelled], dtype=float)
    signs = np.array(
        [[f in r.before for f in CUSTOMER_SIGNS] for r in labelled], dtype=float
    ).reshape(len(labelled), len(CUSTOMER_SIGNS))
    escalations = int(y.sum())
    rows = []
    for family in AGENT_FAMILIES:
        x = np.array([family in r.before for r in labelled], dtype=float)
        n_with = int(x.sum())
        row: dict[str, Any] = {
            "family": family,
            "kind": "habit" if family in HABITS else "deescalation",
            "labelled_calls": len(labelled),
            "calls_with": n_with,
            "escalated_with": int((x * y).sum()),
            "escalations": escalations,
            "odds_ratio": math.nan,
            "ci_low": math.nan,
            "ci_high": math.nan,
            "log_odds_ratio": math.nan,
            "verdict": NOT_ENOUGH,
        }
        if not labelled:
            row["verdict"] = "no escalation labels"
        elif n_with >= min_habit_calls and escalations >= min_escalations:
            beta, se = adjusted_log_odds(y, x, signs)
            row.update(
                log_odds_ratio=beta,
                odds_ratio=math.exp(beta),
                ci_low=math.exp(beta - 1.96 * se),
                ci_high=math.exp(beta + 1.96 * se),
                verdict=_verdict(beta, se),
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _verdict(beta: float, se: float) -> str:
    if beta - 1.96 * se > 0:
        return "raises escalation odds"
    if beta + 1.96 * se < 0:
        return "lowers escalation odds"
    return "no clear effect"


def _agent_table(
    records: Sequence[CallRecord], small: set[str], habits: pd.DataFrame, team: pd.DataFrame
) -> pd.DataFrame:
    log_or = dict(zip(team["family"], team["log_odds_ratio"], strict=True))
    # Without an estimate the habit still counts by its excess rate alone (weight 1).
    weight = {f: (max(0.0, v) if not math.isnan(v) else 1.0) for f, v in log_or.items()}
    rows = []
    for agent, table in habits.groupby("agent", sort=True):
        recs = [r for r in records if _group(r.agent, small) == agent]
        labels = [r.label for r in recs if r.label is not None]
        pairs = zip(table["family"], table["excess_per_100"], strict=True)
        excess = {str(f): float(v) for f, v in pairs}
        priority = {f: excess[f] * weight[f] for f in HABITS if excess[f] > 0}
        top = [f for f, v in sorted(priority.items(), key=lambda kv: (-kv[1], kv[0])) if v > 0]
        # Encourage only what is not seen to raise the odds (scripted apologies can).
        gaps = {f: excess[f] for f in DEESCALATION if not log_or[f] > 0}
        low = min(gaps, key=lambda f: (gaps[f], f), default=None)
        rows.append(
            {
                "agent": agent,
                "calls": len(recs),
                "mean_risk": float(np.mean([r.risk for r in recs])),
                "escalation_rate": float(np.mean(labels)) if labels else math.nan,
                "labelled_calls": len(labels),
                "top_habits": top[:3],
                "habit_priority": [round(priority[f], 3) for f in top[:3]],
                "encourage": low if low is not None and gaps[low] < 0 else None,
            }
        )
    return pd.DataFrame(rows)


def _examples(
    agents: pd.DataFrame,
    moments: dict[tuple[str, str], list[tuple[float, str, dict[str, Any]]]],
    small: set[str],
) -> pd.DataFrame:
    rows = []
    for agent, top in zip(agents["agent"], agents["top_habits"], strict=True):
        for rank, family in enumerate(top, 1):
            pool = [
                m
                for (who, fam), heap in moments.items()
                if fam == family and _group(who, small) == agent
                for m in heap
            ]
            for risk, _, moment in sorted(pool, key=lambda m: (-m[0], m[1]))[:3]:
                rows.append(
                    {"agent": agent, "family": family, "rank": rank, "risk": risk, **moment}
                )
    columns = ["agent", "family", "rank", "risk", "call_id", "turn", "quote", "better"]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)
