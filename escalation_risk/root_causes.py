"""Root causes of escalations: rates and mean risk by queue, weekday and hour of day.

Contact-center practice tracks escalations by date, time of day and call type; these tables
are the coaching report's view of that, from fields calls carry (``queue``, ``started_at``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .coaching import CallRecord


def root_causes(records: Sequence[CallRecord]) -> dict[str, pd.DataFrame]:
    """Calls, mean risk and escalation rate by ``queue``, weekday and hour of ``started_at``."""
    frame = pd.DataFrame(
        {
            "queue": [r.queue for r in records],
            "started_at": pd.to_datetime(
                pd.Series([r.started_at for r in records], dtype=object),
                errors="coerce",
                format="ISO8601",
            ),
            "risk": [r.risk for r in records],
            "escalated": [math.nan if r.label is None else float(r.label) for r in records],
        }
    )
    out: dict[str, pd.DataFrame] = {}
    if frame["queue"].notna().any():
        queues = _rates(frame, frame["queue"])
        out["queue"] = queues.sort_values(
            ["calls", "key"], ascending=[False, True], ignore_index=True
        )
    if frame["started_at"].notna().any():
        days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        weekday = frame["started_at"].dt.day_of_week.map(lambda d: days[int(d)], na_action="ignore")
        out["weekday"] = _rates(frame, weekday, order=days)
        out["hour"] = _rates(frame, frame["started_at"].dt.hour.astype("Int64"))
    return out


def _rates(frame: pd.DataFrame, key: pd.Series, order: list[str] | None = None) -> pd.DataFrame:
    grouped = frame.assign(key=key).dropna(subset=["key"]).groupby("key", sort=True)
    table = grouped.agg(
        calls=("risk", "size"),
        mean_risk=("risk", "mean"),
        escalation_rate=("escalated", "mean"),
        labelled_calls=("escalated", "count"),
    ).reset_index()
    if order is not None:
        table = table.set_index("key").reindex([o for o in order if o in set(table["key"])])
        table = table.reset_index()
    return table
