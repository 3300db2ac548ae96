"""Would a learned ranker find the customer's want better than the brief's rules?

    python scripts/brief_want_ranker.py    # writes the "brief_ranker" section of docs/benchmarks.md

Every hand-labelled call of tests/fixtures/brief_gold.json that asks for something in words is a
group of candidates (its customer turns); one is the labelled want. A logistic regression over
generic features only (the turn's words and word pairs, TF-IDF; its place in the call and against
the escalation; a question mark; its length) scores the candidates, and the best-scored turn is
the pick. Grouped 5-fold cross-validation by call: every pick comes from a model that never saw
that call. The features hold nothing from the brief's rules, which were tuned on most of these
calls; the rules' own figure to compare with is their judged-once one in the "brief" section.
An experiment: nothing here ships.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _docs import write_section  # noqa: E402
from bench_brief import SETS, gold  # noqa: E402

from escalation_risk import load_model, read_transcripts  # noqa: E402
from escalation_risk.cutting import cut_point  # noqa: E402
from escalation_risk.transcripts import Transcript  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FOLDS = 5


def candidates(call: Transcript, ask: int) -> tuple[list[int], list[str], list[list[float]]]:
    """A call's customer turns, their texts and their numeric features."""
    n = len(call.turns)
    turns = [i for i, t in enumerate(call.turns) if t.role == "customer"]
    numbers = [
        [
            i / n,
            (i - ask) / n,
            float(i < ask),
            float(i == ask),
            k / max(1, len(turns) - 1),
            float("?" in call.turns[i].text),
            float(np.log1p(len(call.turns[i].text.split()))),
        ]
        for k, i in enumerate(turns)
    ]
    return turns, [call.turns[i].text.lower() for i in turns], numbers


def main() -> None:
    document = gold()
    calls = {c.call_id: c for c in read_transcripts(ROOT / "data" / "corpus")}
    matcher = load_model().features.matcher(redact_quotes=False)
    rows = [r for part in SETS for r in document[part] if r["desired_outcome"] is not None]
    turn, text, numbers, group, target = [], [], [], [], []
    for g, row in enumerate(rows):
        call = calls[row["call_id"]]
        ask = len(call.turns) if call.label is False else cut_point(matcher.analyze(call))[0]
        turns, texts, nums = candidates(call, ask)
        turn += turns
        text += texts
        numbers += nums
        group += [g] * len(turns)
        target += [int(i == row["desired_outcome"]) for i in turns]
    texts, nums = np.array(text, dtype=object), np.array(numbers)
    groups, y, turn_of = np.array(group), np.array(target), np.array(turn)
    picks: dict[int, int] = {}
    for train, test in GroupKFold(n_splits=FOLDS).split(texts, y, groups):
        words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        fit_x = hstack([words.fit_transform(texts[train]), csr_matrix(nums[train])]).tocsr()
        test_x = hstack([words.transform(texts[test]), csr_matrix(nums[test])]).tocsr()
        ranker = LogisticRegression(C=3.0, max_iter=2000, class_weight="balanced")
        scores = ranker.fit(fit_x, y[train]).decision_function(test_x)
        for g in np.unique(groups[test]):
            mine = np.flatnonzero(groups[test] == g)
            picks[int(g)] = int(turn_of[test][mine[np.argmax(scores[mine])]])
    exact = [picks[g] == row["desired_outcome"] for g, row in enumerate(rows)]
    versions = [
        picks[g] == row["desired_outcome"] or picks[g] in row["desired_outcome_also"]
        for g, row in enumerate(rows)
    ]
    n = len(rows)
    write_section(
        "brief_ranker",
        [
            "### A learned want ranker, for comparison",
            "",
            "Command: `python scripts/brief_want_ranker.py`. A logistic regression over generic "
            "features of each customer turn (words and word pairs, its place in the call and "
            "against the escalation, a question mark, its length; nothing from the brief's rules) "
            f"picks the want turn of the {n} labelled calls that ask for something in words, "
            f"grouped {FOLDS}-fold cross-validation by call (no pick from a model that saw its "
            f"call): **{sum(exact) / n:.0%} strict, {sum(versions) / n:.0%} lenient** "
            f"({sum(exact)} and {sum(versions)} of {n}). An experiment; nothing of it ships.",
        ],
    )


if __name__ == "__main__":
    main()
