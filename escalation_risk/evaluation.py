"""How good is a model on labeled calls: ranking, calibration, bands, review budgets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError, OnError, SkipLog
from .inputs import as_transcripts
from .metrics import (
    band_of,
    band_scores,
    bootstrap_interval,
    classification_metrics,
    expected_calibration_error,
    fast_average_precision,
    fast_roc_auc,
    recall_at_budget,
    reliability_table,
)
from .model import EscalationModel

BUDGETS = (0.05, 0.10, 0.20)


@dataclass
class Evaluation:
    """Metrics of risks ``p`` against labels ``y``; ``as_dict()`` is the ``--json`` output."""

    n: int
    positives: int
    roc_auc: float
    pr_auc: float
    brier: float
    ece: float
    roc_auc_ci: tuple[float, float]
    pr_auc_ci: tuple[float, float]
    recall_at_5pct: float
    recall_at_10pct: float
    recall_at_20pct: float
    bands: dict[str, dict[str, Any]]
    reliability: list[dict[str, float]] = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_markdown(self, title: str = "Evaluation") -> str:
        lines = [
            f"# {title}",
            "",
            f"{self.n} calls, {self.positives} escalated ({self.positives / self.n:.1%}).",
            "",
            "| metric | value | 95% bootstrap interval |",
            "|---|---|---|",
            f"| ROC-AUC | {self.roc_auc:.3f} | {self.roc_auc_ci[0]:.3f}–{self.roc_auc_ci[1]:.3f} |",
            f"| PR-AUC | {self.pr_auc:.3f} | {self.pr_auc_ci[0]:.3f}–{self.pr_auc_ci[1]:.3f} |",
            f"| Brier score | {self.brier:.3f} | |",
            f"| expected calibration error (10 bins) | {self.ece:.3f} | |",
            f"| recall at 5% review budget | {self.recall_at_5pct:.3f} | |",
            f"| recall at 10% review budget | {self.recall_at_10pct:.3f} | |",
            f"| recall at 20% review budget | {self.recall_at_20pct:.3f} | |",
            "",
            "| band | threshold | calls flagged | precision | recall | F1 |",
            "|---|---|---|---|---|---|",
        ]
        for band, s in self.bands.items():
            t = "never" if s["threshold"] is None else f"≥ {s['threshold']:.3f}"
            lines.append(
                f"| {band} | {t} | {s['flagged']} | {_num(s['precision'])} | "
                f"{_num(s['recall'])} | {_num(s['f1'])} |"
            )
        return "\n".join(lines) + "\n"


def _num(x: float) -> str:
    return "–" if x != x else f"{x:.3f}"


def evaluation_from(
    y: Sequence[int] | np.ndarray,
    p: Sequence[float] | np.ndarray,
    ids: Sequence[str],
    thresholds: Mapping[str, float | None],
    *,
    resamples: int = 1000,
    seed: int = 0,
) -> Evaluation:
    """Every figure of :class:`Evaluation` from labels, risks and call ids."""
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    if y.sum() == 0 or y.sum() == len(y):
        raise InputError(f"evaluation needs escalated and other calls; all {len(y)} are one class")
    base = classification_metrics(y, p)
    roc = bootstrap_interval(y, p, fast_roc_auc, resamples=resamples, seed=seed)
    pr = bootstrap_interval(y, p, fast_average_precision, resamples=resamples, seed=seed)
    recalls = [recall_at_budget(y, p, ids, b) for b in BUDGETS]
    return Evaluation(
        n=len(y),
        positives=int(y.sum()),
        roc_auc=base["roc_auc"],
        pr_auc=base["pr_auc"],
        brier=base["brier"],
        ece=expected_calibration_error(y, p),
        roc_auc_ci=roc,
        pr_auc_ci=pr,
        recall_at_5pct=recalls[0],
        recall_at_10pct=recalls[1],
        recall_at_20pct=recalls[2],
        bands=band_scores(y, p, thresholds),
        reliability=reliability_table(y, p),
    )


def evaluate(
    data: Any,
    model: EscalationModel | None = None,
    *,
    prior: float | None = None,
    resamples: int = 1000,
    seed: int = 0,
    on_error: OnError = "skip",
    skipped: SkipLog | None = None,
) -> tuple[Evaluation, np.ndarray, np.ndarray]:
    """Score labeled calls and evaluate; returns the evaluation, labels and risks."""
    from .persistence import load_model
    from .scoring import score

    model = model if model is not None else load_model()
    calls = list(as_transcripts(data, label=model.label, on_error=on_error, skipped=skipped))
    unlabeled = [c.call_id for c in calls if c.label is None]
    if unlabeled:
        raise InputError(f"call {unlabeled[0]}: no label in field '{model.label}' to evaluate")
    scored = score(calls, model, prior=prior)
    y = np.array([int(bool(c.label)) for c in calls])
    p = scored["risk"].to_numpy(dtype=float)
    thresholds = model.thresholds_for(prior)
    result = evaluation_from(
        y, p, [c.call_id for c in calls], thresholds, resamples=resamples, seed=seed
    )
    return result, y, p


def write_report(evaluation: Evaluation, y: np.ndarray, p: np.ndarray, directory: Path) -> Path:
    """A reliability diagram, a precision-recall curve (SVG) and ``summary.md`` in ``directory``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    directory.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    rows = evaluation.reliability
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect calibration")
    ax.plot(
        [r["mean_risk"] for r in rows],
        [r["escalation_rate"] for r in rows],
        marker="o",
        label=f"model (ECE {evaluation.ece:.3f})",
    )
    ax.set(
        xlabel="predicted risk (bin mean)",
        ylabel="observed escalation rate",
        title="Reliability",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(directory / "reliability.svg")
    plt.close(fig)

    precision, recall, _ = precision_recall_curve(y, p)
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.step(recall, precision, where="post", label=f"PR-AUC {evaluation.pr_auc:.3f}")
    ax.axhline(y.mean(), color="grey", linestyle=":", label=f"base rate {y.mean():.2f}")
    ax.set(
        xlabel="recall", ylabel="precision", title="Precision-recall", xlim=(0, 1), ylim=(0, 1.02)
    )
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(directory / "pr_curve.svg")
    plt.close(fig)

    summary = evaluation.to_markdown()
    summary += "\n![reliability](reliability.svg) ![precision-recall](pr_curve.svg)\n"
    (directory / "summary.md").write_text(summary)
    return directory


def forecast_evaluation(
    data: Any,
    model: EscalationModel | None = None,
    *,
    seed: int = 0,
    prior: float | None = None,
    resamples: int = 1000,
) -> dict[str, Any]:
    """Early warning on labeled calls with ``escalation_turn``.

    ``cut``: the usual metrics on calls cut by the rule in :mod:`.cutting`.
    ``horizon``: the live tracker's risk after each turn (every prefix scored in one batch,
    the same risks turn by turn); an escalated call is warned when its
    band first reaches ``high`` before ``escalation_turn`` (horizon = turns between the warning
    and the ask), a call that never escalated is a false alarm when it reaches ``high`` at all.
    """
    from .cutting import forecast_cuts
    from .persistence import load_model
    from .scoring import score
    from .tracker import live_window_risks

    model = model if model is not None else load_model()
    calls = list(as_transcripts(data, label=model.label))
    cut = forecast_cuts(calls, seed=seed)
    y = np.array([int(bool(c.label)) for c in cut])
    p = score(cut, model, prior=prior)["risk"].to_numpy(dtype=float)
    cut_eval = evaluation_from(
        y, p, [c.call_id for c in cut], model.thresholds_for(prior), resamples=resamples, seed=seed
    )
    horizons: list[int] = []
    warned = missed = false_alarms = quiet = 0
    live = model.live_thresholds_for(prior)
    matcher = model.features.matcher()
    for call in calls:
        risks = live_window_risks(model, matcher.analyze(call), prior=prior)
        last = len(risks)
        first_high = next(
            (i for i, r in enumerate(risks) if band_of(float(r), live) == "high"), None
        )
        if call.label:
            if first_high is None:
                missed += 1
            else:
                warned += 1
                horizons.append(int(last - first_high))
        elif first_high is None:
            quiet += 1
        else:
            false_alarms += 1
    total = warned + missed + false_alarms + quiet
    precision = warned / (warned + false_alarms) if warned + false_alarms else float("nan")
    recall = warned / (warned + missed) if warned + missed else float("nan")
    return {
        "cut": {k: v for k, v in cut_eval.as_dict().items() if k != "reliability"},
        "horizon": {
            "escalated_calls": warned + missed,
            "warned_before_the_ask": warned,
            "recall": recall,
            "mean_turns_ahead": float(np.mean(horizons)) if horizons else float("nan"),
            "median_turns_ahead": float(np.median(horizons)) if horizons else float("nan"),
            "other_calls": false_alarms + quiet,
            "false_alarms": false_alarms,
            "false_alarm_rate": false_alarms / (false_alarms + quiet)
            if false_alarms + quiet
            else float("nan"),
            "accuracy": (warned + quiet) / total if total else float("nan"),
            "precision": precision,
            "f1": 2 * precision * recall / (precision + recall) if warned else 0.0,
            "turns_ahead": horizons,
        },
    }
