"""Fit, cross-validate and package an escalation model from labeled calls."""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterator, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import sklearn
import spacy
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline

from . import __version__
from .cutting import forecast_cuts
from .errors import OnError, SkipLog, TrainingError
from .evaluation import evaluation_from
from .features import CallFeatures, column_transformer, weight_signals
from .inputs import as_transcripts
from .lexicon import Lexicon
from .metrics import BAND_PRECISION, band_thresholds
from .model import OUTPUT_SCHEMA_VERSION, EscalationModel
from .tracker import live_window_risks
from .transcripts import Transcript

log = logging.getLogger(__name__)


C_GRID: tuple[float, ...] = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0)
SIGNAL_WEIGHT_GRID: tuple[float, ...] = (0.1, 0.3, 1.0)

Solver = Literal["auto", "liblinear", "sgd"]
# "auto" fits the logistic regression with averaged SGD from this many training calls on:
# liblinear's cost a call grows with the calls (about as the square root), SGD's is fixed by its
# epochs. Below it liblinear stays, so models of up to 20,000 calls are what they always were.
SGD_FROM = 20_000
SGD_EPOCHS = 30


def solver_for(n_calls: int, solver: Solver = "auto") -> Literal["liblinear", "sgd"]:
    """The solver ``train`` uses for ``n_calls`` training calls."""
    if solver == "auto":
        return "sgd" if n_calls >= SGD_FROM else "liblinear"
    return solver


def logistic_regression(
    C: float, n_calls: int, seed: int, solver: Literal["liblinear", "sgd"] = "liblinear"
) -> LogisticRegression | SGDClassifier:
    """The unfitted L2 logistic regression: liblinear, or averaged SGD for the same objective
    (C * sum of losses + |w|^2 / 2, i.e. alpha = 1 / (C * n_calls)) in a fixed number of epochs."""
    if solver == "sgd":
        return SGDClassifier(
            loss="log_loss",
            alpha=1.0 / (C * n_calls),
            max_iter=SGD_EPOCHS,
            tol=None,  # always SGD_EPOCHS passes: the cost is linear in the calls
            learning_rate="constant",  # with tol=None "adaptive" never lowers it either
            eta0=0.5,
            average=True,  # the averaged iterate is what converges with a constant step
            random_state=seed,
        )
    return LogisticRegression(C=C, solver="liblinear", max_iter=5000, random_state=seed)


def set_regularisation(model: Pipeline, C: float, y: np.ndarray) -> Pipeline:
    """Give ``model`` (a pipeline ending in our calibrated classifier) the inverse
    regularisation C for fitting on the calls labelled ``y``, and its calibration folds."""
    if _solver_of(model) == "sgd":
        model.set_params(classifier__estimator__alpha=1.0 / (C * len(y)))
    else:
        model.set_params(classifier__estimator__C=C)
    return model.set_params(classifier__cv=_calibration_folds(y))


def _solver_of(model: Pipeline) -> Literal["liblinear", "sgd"]:
    estimator = model.named_steps["classifier"].estimator
    return "sgd" if isinstance(estimator, SGDClassifier) else "liblinear"


def build_pipeline(
    *,
    lexicon: Lexicon | None = None,
    C: float = 10.0,
    seed: int = 0,
    min_df: int = 2,
    solver: Literal["liblinear", "sgd"] = "liblinear",
) -> Pipeline:
    """The unfitted model: call features, columns, calibrated logistic regression. SGD's
    alpha depends on the number of calls: :func:`set_regularisation` sets it before a fit."""
    from .features import lexicon_to_dict

    classifier = CalibratedClassifierCV(
        logistic_regression(C, 1, seed, solver),
        method="sigmoid",
        cv=5,  # an int: unshuffled stratified folds, deterministic and nothing extra to trust
        ensemble=False,
    )
    return Pipeline(
        [
            ("features", CallFeatures(None if lexicon is None else lexicon_to_dict(lexicon))),
            ("columns", column_transformer(min_df=min_df)),
            ("classifier", classifier),
        ]
    )


def train(
    data: Any,
    *,
    label: str = "escalated",
    lexicon: Lexicon | None = None,
    cv: int = 5,
    seed: int = 0,
    C: float | None = None,
    signal_weight: float | None = None,
    group: str | None = None,
    forecast: bool = False,
    on_error: OnError = "fail",
    skipped: SkipLog | None = None,
    solver: Solver = "auto",
) -> EscalationModel:
    """Train on labeled calls, report ``cv``-fold cross-validated metrics, choose risk bands.

    Parameters
    ----------
    data: transcripts, path(s) or a DataFrame of turns, each call labeled in ``label``.
    cv: folds for the cross-validation that gives the metrics and the band thresholds
        (stratified; each call is its own group, duplicate call ids are refused).
    C: inverse regularisation of the logistic regression; None picks it from :data:`C_GRID`
        by an inner cross-validation on the training calls only (nested inside each outer fold,
        so the reported metrics include the choice).
    signal_weight: factor on the signal-count features; None tunes it the same way, jointly
        with C, from :data:`SIGNAL_WEIGHT_GRID`.
    group: a metadata field (e.g. ``agent_id``) whose values must not span folds; by default
        each call is its own group.
    forecast: learn early warning: every call is cut by the rule in :mod:`.cutting` (escalated
        calls just before ``escalation_turn``) before features are built.
    on_error: ``fail`` stops at the first bad call; ``skip`` counts it in ``skipped``.
    solver: how the logistic regression is fitted: ``liblinear`` (exact), ``sgd`` (averaged
        SGD, a fixed number of passes: time linear in the calls), ``auto`` (SGD from
        :data:`SGD_FROM` calls on). The same solver serves tuning, the folds and the final fit.

    Returns an :class:`EscalationModel` whose manifest holds the metrics and thresholds.
    """
    calls = list(as_transcripts(data, label=label, on_error=on_error, skipped=skipped))
    y = _labels(calls, label, cv)
    full_calls = calls if forecast else []  # forecast replays whole calls in each fold
    if forecast:
        calls = forecast_cuts(calls, seed=seed)
    groups = _groups(calls, group)
    n_calls, call_ids, digest = len(calls), [c.call_id for c in calls], data_hash(calls, y)
    chosen_solver = solver_for(n_calls, solver)
    pipeline = build_pipeline(lexicon=lexicon, seed=seed, solver=chosen_solver)
    features = pipeline.named_steps["features"].fit(calls)
    matcher = features.matcher()
    frame = features.transform(matcher.analyze(c) for c in _handed_over(calls))
    rest = pipeline[1:]

    oof = np.zeros(n_calls)
    live_peak = np.zeros(n_calls)  # forecast: highest live risk before the ask, out of fold
    splitter = (
        StratifiedKFold(cv, shuffle=True, random_state=seed)
        if group is None
        else StratifiedGroupKFold(cv, shuffle=True, random_state=seed)
    )
    for train_idx, test_idx in splitter.split(frame, y, groups):
        part, held = frame.iloc[train_idx], frame.iloc[test_idx]
        fold_c, fold_w = tune(rest, part, y[train_idx], seed, C=C, signal_weight=signal_weight)
        fold_model = set_regularisation(sklearn.clone(rest), fold_c, y[train_idx])
        fold_model.fit(weight_signals(part, fold_w), y[train_idx])
        oof[test_idx] = fold_model.predict_proba(weight_signals(held, fold_w))[:, 1]
        if forecast:
            replay = EscalationModel(
                Pipeline(
                    [
                        (
                            "features",
                            sklearn.clone(features).set_params(signal_weight=fold_w).fit([]),
                        ),
                        *fold_model.steps,
                    ]
                ),
                {},
            )
            matcher = replay.features.matcher()
            for i in test_idx:
                risks = live_window_risks(replay, matcher.analyze(full_calls[i]))
                live_peak[i] = risks.max(initial=0.0)
    thresholds = band_thresholds(y, oof)
    report = evaluation_from(y, oof, call_ids, thresholds, seed=seed)
    metrics = {k: v for k, v in report.as_dict().items() if k not in ("bands", "reliability")}
    log.info("cross-validated: ROC-AUC %.3f, PR-AUC %.3f", report.roc_auc, report.pr_auc)

    chosen_c, chosen_w = tune(rest, frame, y, seed, C=C, signal_weight=signal_weight)
    features.set_params(signal_weight=chosen_w)
    set_regularisation(rest, chosen_c, y)
    rest.fit(weight_signals(frame, chosen_w), y)
    # TfidfVectorizer keeps every pruned rare term in stop_words_: names and stray numbers
    # would ride along in the model file. scikit-learn documents that it can be deleted.
    vectorizer = pipeline.named_steps["columns"].named_transformers_["words"]
    if hasattr(vectorizer, "stop_words_"):
        del vectorizer.stop_words_
    manifest = {
        "format": "escalation-risk-model",
        "package_version": __version__,
        "sklearn_version": sklearn.__version__,
        "spacy_version": spacy.__version__,
        "label": label,
        "thresholds": thresholds,
        "band_precision": dict(BAND_PRECISION),
        "cv": {
            "folds": cv,
            "seed": seed,
            "stratified": True,
            "grouped_by": group or "call_id",
            **metrics,
            "bands": report.bands,
        },
        "forecast": forecast,
        "training_data": {
            "sha256": digest,
            "n_calls": n_calls,
            "n_positive": int(y.sum()),
        },
        "oof": {"risk": [round(float(v), 6) for v in oof], "label": [int(v) for v in y]},
        **({"live_thresholds": band_thresholds(y, live_peak)} if forecast else {}),
        "lexicon_version": matcher.lexicon.version,
        "output_schema_version": OUTPUT_SCHEMA_VERSION,
        "params": {
            "C": chosen_c,
            "signal_weight": chosen_w,
            "solver": chosen_solver,
            "tuned": [n for n, v in (("C", C), ("signal_weight", signal_weight)) if v is None],
            "seed": seed,
        },
    }
    return EscalationModel(pipeline, manifest)


def tune(
    model: Pipeline,
    frame: pd.DataFrame,
    y: np.ndarray,
    seed: int,
    *,
    C: float | None = None,
    signal_weight: float | None = None,
    folds: int = 3,
) -> tuple[float, float]:
    """(C, signal weight) with the best mean ROC-AUC of an uncalibrated logistic regression
    over an inner stratified split of the given training calls; a value given is kept."""
    c_grid = C_GRID if C is None else (C,)
    w_grid = SIGNAL_WEIGHT_GRID if signal_weight is None else (signal_weight,)
    if len(c_grid) == len(w_grid) == 1:
        return c_grid[0], w_grid[0]
    inner = StratifiedKFold(
        min(folds, int(min(y.sum(), len(y) - y.sum()))), shuffle=True, random_state=seed + 1
    )
    prepared = []
    for tr, te in inner.split(frame, y):
        columns = sklearn.clone(model.named_steps["columns"]).fit(frame.iloc[tr])
        signals = columns.output_indices_["signals"]
        prepared.append(
            (tr, te, columns.transform(frame.iloc[tr]), columns.transform(frame.iloc[te]), signals)
        )
    solver = _solver_of(model)
    best, best_auc = (c_grid[0], w_grid[0]), -1.0
    for w in w_grid:
        for c in c_grid:
            aucs = []
            for tr, te, x_tr, x_te, signals in prepared:
                scale = np.ones(x_tr.shape[1])
                scale[signals] = w
                lr = logistic_regression(c, len(tr), seed, solver)
                lr.fit(sparse.csr_matrix(x_tr).multiply(scale).tocsr(), y[tr])
                scores = lr.decision_function(sparse.csr_matrix(x_te).multiply(scale).tocsr())
                aucs.append(roc_auc_score(y[te], scores))
            if np.mean(aucs) > best_auc + 1e-9:
                best, best_auc = (c, w), float(np.mean(aucs))
    return best


def _handed_over(calls: list[Transcript]) -> Iterator[Transcript]:
    """The calls in order, each dropped from ``calls`` as it is handed over: from then on
    training holds a call's features, not the call (about 22 KB a 1,000-word call)."""
    calls.reverse()
    while calls:
        yield calls.pop()


def _groups(calls: Sequence[Transcript], group: str | None) -> list[str] | None:
    if group is None:
        return None
    missing = [c for c in calls if c.metadata.get(group) in (None, "")]
    if missing:
        raise TrainingError(f"call {missing[0].call_id}: no '{group}' to group folds by")
    return [str(c.metadata[group]) for c in calls]


def _calibration_folds(y: np.ndarray) -> int:
    """Five folds for the sigmoid calibration, fewer when a class has fewer than five calls."""
    return int(min(5, y.sum(), len(y) - y.sum()))


def _labels(calls: Sequence[Transcript], label: str, cv: int) -> np.ndarray:
    if not calls:
        raise TrainingError("no calls to train on")
    seen: dict[str, Transcript] = {}
    for call in calls:
        if call.call_id in seen:
            first = seen[call.call_id]
            raise TrainingError(
                f"call {call.call_id}: duplicate call id (first at {_where(first)}, again at "
                f"{_where(call)}); duplicates would leak across cross-validation folds"
            )
        seen[call.call_id] = call
        if call.label is None:
            raise TrainingError(f"{_where(call)}: call {call.call_id}: no label in field '{label}'")
    y = np.array([int(bool(c.label)) for c in calls])
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if positives == 0 or negatives == 0:
        raise TrainingError(
            f"all {len(y)} calls have {label}={bool(positives)}; training needs both classes"
        )
    # each outer training part must still hold two calls of each class for calibration
    needed = max(cv, math.ceil(2 * cv / (cv - 1)))
    if min(positives, negatives) < needed:
        raise TrainingError(
            f"{positives} positive and {negatives} negative calls: each class needs at least "
            f"{needed} calls for {cv}-fold cross-validation (use fewer folds or more data)"
        )
    return y


def _where(call: Transcript) -> str:
    if call.source is None:
        return "input"
    return call.source if call.line is None else f"{call.source}:{call.line}"


def data_hash(calls: Sequence[Transcript], y: np.ndarray) -> str:
    """SHA-256 of the calls' ids, turns and labels, independent of file layout."""
    digest = hashlib.sha256()
    for call, value in zip(calls, y, strict=True):
        record = [call.call_id, [[t.role, t.text] for t in call.turns], int(value)]
        digest.update(json.dumps(record, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
