"""Fit the word weights that tell agent turns from customer turns; write them as package data.

    python scripts/train_speaker_words.py           # escalation_risk/speaker_words.json

Input: data/corpus/*.jsonl (bundled, labeled roles). Output: escalation_risk/speaker_words.json,
a logistic regression over binary word 1-2-grams (agent = positive) stored as plain weights, so
that loading it runs no code. Deterministic here (rerunning gives the same file); elsewhere every
weight agrees within 1e-3 (tests/test_speakers.py checks it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from escalation_risk.readers import read_transcripts
from escalation_risk.speakers import normalise
from escalation_risk.transcripts import Transcript

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "escalation_risk" / "speaker_words.json"
MIN_DF, C, KEEP = 5, 0.1, 0.02  # weights smaller than KEEP in absolute value are dropped


def fit(calls: Sequence[Transcript]) -> dict[str, Any]:
    """Weights and intercept from the agent and customer turns of ``calls``."""
    texts = [normalise(t.text) for c in calls for t in c.turns if t.role in ("agent", "customer")]
    y = [t.role == "agent" for c in calls for t in c.turns if t.role in ("agent", "customer")]
    vec = CountVectorizer(ngram_range=(1, 2), min_df=MIN_DF, binary=True, token_pattern=r"\S+")
    lr = LogisticRegression(C=C, max_iter=5000).fit(vec.fit_transform(texts), y)
    weights = {
        term: round(float(lr.coef_[0][i]), 4)
        for term, i in sorted(vec.vocabulary_.items())
        # digits never reach package data (account numbers, times, amounts)
        if abs(lr.coef_[0][i]) >= KEEP and not any(ch.isdigit() for ch in term)
    }
    return {"intercept": round(float(lr.intercept_[0]), 4), "weights": weights}


def main() -> None:
    model = fit(list(read_transcripts(ROOT / "data" / "corpus")))
    about = (
        "Agent-vs-customer word weights (logistic regression on binary 1-2-grams of the bundled "
        f"corpus turns, min_df {MIN_DF}, C {C}, |w| >= {KEEP}); rebuild with "
        "python scripts/train_speaker_words.py"
    )
    OUT.write_text(json.dumps({"_about": about, **model}, indent=0, sort_keys=True) + "\n")
    print(f"{len(model['weights'])} weights written to {OUT}")


if __name__ == "__main__":
    main()
