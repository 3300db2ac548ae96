"""A trained escalation model: a scikit-learn pipeline plus its manifest, with explanations.

The classifier is a logistic regression with one sigmoid calibration fitted on cross-validated
scores (``CalibratedClassifierCV(ensemble=False)``), so a call's calibrated logit is still a sum
of per-feature terms. That sum is what :meth:`EscalationModel.explain` splits into reasons.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .errors import ModelFileError
from .features import (
    SIGNAL_COLUMNS,
    STRUCTURE_COLUMNS,
    CallFeatures,
    call_numbers,
    locate,
    terms_by_tag,
    tfidf_rows,
    word_columns,
)
from .metrics import BAND_PRECISION, band_of, band_thresholds, shift_to_prior
from .redact import redact_range
from .signals import AnalyzedCall, Evidence

OUTPUT_SCHEMA_VERSION = 1
_STRUCTURE_REASONS = {
    "customer_share": "customer talk share",
    "last_customer_words_log": "customer's last turn length",
}
OTHER_WORDING = "other wording"


@dataclass
class Scored:
    """Scores of a batch of analysed calls: risk, calibrated logit and per-reason terms."""

    risk: np.ndarray
    logit: np.ndarray
    baseline: float
    contributions: list[dict[str, float]]
    # per call, (word, share of the logit) of its three strongest words each way, in the
    # call's column order: all that reasons_for can show (a call has a thousand words)
    top_words: list[list[tuple[str, float]]]


@dataclass
class EscalationModel:
    """The pipeline (``features`` → ``columns`` → ``classifier``) and its manifest."""

    pipeline: Pipeline
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def features(self) -> CallFeatures:
        return self.pipeline.named_steps["features"]

    @property
    def thresholds(self) -> Mapping[str, float | None]:
        return self.manifest["thresholds"]

    @property
    def label(self) -> str:
        return str(self.manifest.get("label", "escalated"))

    def band(self, risk: float, thresholds: Mapping[str, float | None] | None = None) -> str:
        return band_of(risk, thresholds or self.thresholds)

    @property
    def base_rate(self) -> float:
        """The escalation rate of the training calls, which the risks are calibrated to."""
        data = self.manifest["training_data"]
        return float(data["n_positive"]) / float(data["n_calls"])

    def live_thresholds_for(self, prior: float | None = None) -> Mapping[str, float | None]:
        """Band thresholds for the live tracker. A forecast model stores its own, chosen so that
        a call whose live risk ever reaches ``high`` escalates with the band's precision (from
        replaying held-out calls turn by turn); other models use the ordinary thresholds."""
        live = self.manifest.get("live_thresholds")
        if not live:
            return self.thresholds_for(prior)
        if prior is None:
            return live
        return {
            band: None
            if t is None
            else float(shift_to_prior(np.array([t]), self.base_rate, prior)[0])
            for band, t in live.items()
        }

    def prior_shift(self, prior: float | None) -> float:
        """What moving from the training base rate to ``prior`` adds to every call's logit."""
        if prior is None:
            return 0.0
        if not 0 < prior < 1:
            raise ValueError(f"prior must be a rate strictly between 0 and 1, got {prior}")
        base = self.base_rate
        return float(np.log(prior / (1 - prior)) - np.log(base / (1 - base)))

    def thresholds_for(self, prior: float | None = None) -> Mapping[str, float | None]:
        """Band thresholds; at another base rate they are chosen again from the stored
        out-of-fold predictions, reweighted to that rate, on the shifted risk scale."""
        if prior is None:
            return self.thresholds
        oof = self.manifest.get("oof")
        if not oof:
            raise ModelFileError(
                "this model stores no out-of-fold risks; retrain it to use a prior"
            )
        y, p, base = np.asarray(oof["label"]), np.asarray(oof["risk"]), self.base_rate
        weights = ((1 - prior) / (1 - base), prior / base)
        raw = band_thresholds(y, p, self.manifest.get("band_precision", BAND_PRECISION), weights)
        return {
            band: None if t is None else float(shift_to_prior(np.array([t]), base, prior)[0])
            for band, t in raw.items()
        }

    def _linear_parts(self) -> tuple[np.ndarray, float, float, float]:
        """(weights, intercept, a, b): calibrated logit = -(a * (X @ w + c) + b)."""
        calibrated = self.pipeline.named_steps["classifier"].calibrated_classifiers_[0]
        base = calibrated.estimator
        sigmoid = calibrated.calibrators[0]
        return base.coef_.ravel(), float(base.intercept_[0]), float(sigmoid.a_), float(sigmoid.b_)

    def score_analyzed(self, calls: Sequence[AnalyzedCall], *, reasons: bool = True) -> Scored:
        """Risk and the additive split of each call's logit into named reasons.

        ``reasons=False`` leaves ``contributions`` and ``top_words`` empty, for callers that
        need the risk alone (the tracker's replays score every prefix of a call)."""
        matrix = self._matrix(calls)
        w, c, a, b = self._linear_parts()
        terms = matrix.multiply(-a * w).tocsr()  # per-feature share of the calibrated logit
        baseline = -(a * c + b)
        logit = np.asarray(terms.sum(axis=1)).ravel() + baseline
        if not reasons:
            return Scored(expit(logit), logit, baseline, [], [])
        group_of, group_names, word_of = self._feature_index()
        contributions: list[dict[str, float]] = []
        top_words: list[list[tuple[str, float]]] = []
        for row in range(terms.shape[0]):
            start, end = terms.indptr[row], terms.indptr[row + 1]
            idx, vals = terms.indices[start:end], terms.data[start:end]
            # grouped in numpy: a call has hundreds of nonzero features
            sums = np.bincount(group_of[idx], weights=vals, minlength=len(group_names))
            present = np.bincount(group_of[idx], minlength=len(group_names)) > 0
            contributions.append(
                {group_names[g]: float(sums[g]) for g in np.flatnonzero(present).tolist()}
            )
            is_word = word_of[idx] != None  # noqa: E711 (element-wise on an object array)
            word_idx, word_vals = idx[is_word], vals[is_word]
            keep = _strongest(word_vals)
            top_words.append(
                list(zip(word_of[word_idx[keep]].tolist(), word_vals[keep].tolist(), strict=True))
            )
        return Scored(expit(logit), logit, baseline, contributions, top_words)

    def _matrix(self, calls: Sequence[AnalyzedCall]) -> sparse.csr_matrix:
        """The model's input rows: what ``columns.transform(features.transform(calls))`` gives,
        with the word columns counted from column numbers (:func:`word_columns`)."""
        columns = self.pipeline.named_steps["columns"]
        vectorizer = columns.named_transformers_["words"]
        if not hasattr(self, "_terms"):
            self._terms = terms_by_tag(vectorizer.vocabulary_)
        tfidf = tfidf_rows(vectorizer, [word_columns(call, self._terms) for call in calls])
        words = columns.output_indices_["words"]
        if words.start != 0 or words.stop != tfidf.shape[1]:
            raise ModelFileError("the model's word columns are not its first columns")
        return sparse.hstack([tfidf, self._number_columns(calls)], format="csr")

    def _number_columns(self, calls: Sequence[AnalyzedCall]) -> sparse.csr_matrix:
        """The signal and structure columns as the column transformer makes them (weighted
        signals passed through; structure standard-scaled), without a DataFrame or the
        transformer's checks: the same float64 operations in the same order, the same bits."""
        scaler = self._structure_scaler()
        rows = [call_numbers(call) for call in calls]
        names = (*SIGNAL_COLUMNS, *STRUCTURE_COLUMNS)
        table = np.array([[row[n] for n in names] for row in rows], dtype=np.float64)
        table = table.reshape(len(rows), len(names))
        if self.features.signal_weight != 1.0:
            table[:, : len(SIGNAL_COLUMNS)] *= self.features.signal_weight
        table[:, len(SIGNAL_COLUMNS) :] -= scaler.mean_
        table[:, len(SIGNAL_COLUMNS) :] /= scaler.scale_
        return sparse.csr_matrix(table)

    def _structure_scaler(self) -> StandardScaler:
        """The fitted scaler of the structure columns, once the column transformer is shown to
        be the standard one (signals passed through, structure standard-scaled); checked on
        first use, not for every batch."""
        if not hasattr(self, "_scaler"):
            columns = self.pipeline.named_steps["columns"]
            steps = {name: (step, list(on)) for name, step, on in columns.transformers_}
            signals, structure = steps.get("signals"), steps.get("structure")
            if (
                signals is None
                or structure is None
                or signals[1] != list(SIGNAL_COLUMNS)
                or (signals[0] != "passthrough" and getattr(signals[0], "func", "") is not None)
                or structure[1] != list(STRUCTURE_COLUMNS)
                or not isinstance(structure[0], StandardScaler)
                or not (structure[0].with_mean and structure[0].with_std)
            ):
                raise ModelFileError(
                    "the model's signal and structure columns are not the standard"
                )
            self._scaler = structure[0]
        return self._scaler

    def _feature_index(self) -> tuple[np.ndarray, list[str], np.ndarray]:
        """Per feature column: its reason's number, the reasons' names, and its word (or None)."""
        if not hasattr(self, "_index"):
            groups: list[tuple[str, str | None]] = []
            for name in self.pipeline.named_steps["columns"].get_feature_names_out():
                kind, _, rest = str(name).partition("__")
                if kind == "words":
                    groups.append((OTHER_WORDING, rest))
                elif kind == "signals":
                    groups.append((rest.removeprefix("sig_").rsplit("_", 1)[0], None))
                else:
                    groups.append((_STRUCTURE_REASONS.get(rest, rest), None))
            names = list(dict.fromkeys(g for g, _ in groups))
            number = {name: i for i, name in enumerate(names)}
            group_of = np.array([number[g] for g, _ in groups], dtype=np.intp)
            word_of = np.array([w for _, w in groups], dtype=object)
            self._index = (group_of, names, word_of)
        return self._index


def _strongest(values: np.ndarray, n: int = 3) -> np.ndarray:
    """Positions of the ``n`` largest positive and ``n`` most negative ``values``, in order;
    among equal sizes the first, as ``heapq.nlargest`` takes them.

    >>> _strongest(np.array([0.3, -0.5, 0.3, 0.0, 0.3, -0.1]), n=2).tolist()
    [0, 1, 2, 5]
    """
    order = np.argsort(-np.abs(values), kind="stable")
    ups, downs = order[values[order] > 0][:n], order[values[order] < 0][:n]
    return np.sort(np.concatenate([ups, downs]))


def reasons_for(
    analyzed: AnalyzedCall,
    contributions: Mapping[str, float],
    words: Sequence[tuple[str, float]],
    baseline: float,
    *,
    top: int = 3,
    min_effect: float = 0.05,
) -> list[dict[str, Any]]:
    """The few reasons that moved one call's score, each with its evidence.

    The list ends with ``rest`` (every smaller reason) and ``baseline`` (the model's intercept),
    so the contributions add up exactly to the call's logit.
    """
    ranked = sorted(contributions.items(), key=lambda kv: -abs(kv[1]))
    shown = [(k, v) for k, v in ranked[:top] if abs(v) >= min_effect]
    rest = sum(v for k, v in contributions.items() if k not in dict(shown))
    reasons = []
    for name, value in shown:
        if name == OTHER_WORDING:
            # the three largest words pushing the same way (a call has a thousand words)
            same_way = [wv for wv in words if (wv[1] > 0 if value > 0 else wv[1] < 0)]
            picked = heapq.nlargest(3, same_way, key=lambda wv: abs(wv[1]))
            evidence = [_word_evidence(analyzed, w, v) for w, v in picked]
        elif name in _STRUCTURE_DETAIL:
            evidence = [{"detail": _STRUCTURE_DETAIL[name](analyzed)}]
        else:
            evidence = [
                {"turn": e.turn, "speaker": e.speaker, "quote": e.quote}
                for e in analyzed.evidence
                if e.family == name
            ][:3]
        reasons.append({"reason": name, "contribution": value, "evidence": evidence})
    reasons.append({"reason": "rest", "contribution": rest, "evidence": []})
    reasons.append({"reason": "baseline", "contribution": baseline, "evidence": []})
    return reasons


def _word_evidence(analyzed: AnalyzedCall, feature: str, value: float) -> dict[str, Any]:
    """A word feature with the stretch of the call where it was said (a few words around)."""
    found = locate(analyzed, feature)
    item: dict[str, Any] = {"words": _readable(feature), "contribution": value}
    if found is None or not analyzed.offsets:
        return item
    turn, first, last = found
    spans = analyzed.offsets[turn]
    start, end = spans[max(0, first - 4)][0], spans[min(len(spans) - 1, last + 4)][1]
    text = analyzed.call.turns[turn].text
    quote = redact_range(text, start, end) if analyzed.redacted else text[start:end]
    return {**item, "turn": turn, "speaker": analyzed.call.turns[turn].role, "quote": quote}


def _customer_share(analyzed: AnalyzedCall) -> str:
    words = [len(t) for t in analyzed.tokens]
    mine = sum(w for w, t in zip(words, analyzed.call.turns, strict=True) if t.role == "customer")
    return f"customer said {mine / max(sum(words), 1):.0%} of the words"


def _last_customer_turn(analyzed: AnalyzedCall) -> str:
    turns = [i for i, t in enumerate(analyzed.call.turns) if t.role == "customer"]
    if not turns:
        return "no customer turn"
    return f"customer's last turn (turn {turns[-1]}) has {len(analyzed.tokens[turns[-1]])} tokens"


_STRUCTURE_DETAIL = {
    "customer talk share": _customer_share,
    "customer's last turn length": _last_customer_turn,
}

_TAGS = {
    "c": "customer",
    "a": "agent",
    "u": "unknown speaker",
    "cE": "customer, late",
    "aE": "agent, late",
    "uE": "unknown, late",
    "cZ": "customer's last turn",
}


def _readable(feature: str) -> str:
    """``cE:not_happy`` -> ``customer, late: "not happy"``."""
    tag, _, gram = feature.partition(":")
    return f'{_TAGS.get(tag, tag)}: "{gram.replace("_", " ")}"'


def evidence_records(evidence: Sequence[Evidence]) -> list[dict[str, Any]]:
    """Evidence as plain dicts (for JSON and CSV output)."""
    return [
        {
            "family": e.family,
            "speaker": e.speaker,
            "turn": e.turn,
            "start": e.start,
            "end": e.end,
            "quote": e.quote,
            **({"better": e.better} if e.better else {}),
        }
        for e in evidence
    ]
