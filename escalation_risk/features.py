"""Features of a call: role- and position-tagged words, warning-sign counts, talk share.

:class:`CallFeatures` turns calls into one table row each; the rest of the model is standard
scikit-learn (see :func:`column_transformer`). Words are tagged with who said them and where:
``c:`` customer, ``a:`` agent, ``cE:``/``aE:`` the same words again in the last third of the
call, and ``cZ:`` the customer's final turn, so late words weigh differently from the greeting.
"""

from __future__ import annotations

import collections
import itertools
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import StandardScaler, normalize

from .lexicon import FAMILY_IDS, NUM_NORM, Lexicon, load_lexicon
from .signals import AnalyzedCall, SignalMatcher
from .transcripts import Transcript

POSITIONS = ("early", "late")
SIGNAL_COLUMNS = tuple(f"sig_{f}_{p}" for f in FAMILY_IDS for p in POSITIONS)
# Call length is left out on purpose: escalated calls are long because the escalation itself
# takes turns, so length mostly tells the model what happened after the decision point, and it
# made short calls look safe whatever was said. Dropping it cost nothing in cross-validation.
STRUCTURE_COLUMNS = ("customer_share", "last_customer_words_log")
_ROLE_TAG = {"customer": "c", "agent": "a", "system": "s", "unknown": "u"}
LATE_FRACTION = 2 / 3


class CallFeatures(TransformerMixin, BaseEstimator):
    """Calls (transcripts or analysed calls) to a DataFrame: ``words`` + signal + structure columns.

    Stateless but for the lexicon, which ``fit`` freezes into ``lexicon_`` so that a saved model
    keeps matching what it was trained with.

    Parameters
    ----------
    lexicon: ``{"entries": [...], "defines": {...}}``, or None for the packaged lexicon.
    signal_weight: factor on the signal-count columns. Against TF-IDF values near 0.05, raw
        log-counts near 1 are cheap for an L2-penalised model to lean on; training tunes this.

    >>> from escalation_risk.transcripts import Turn
    >>> call = Transcript("C1", (Turn.from_speaker("agent", "Hello"),
    ...                         Turn.from_speaker("customer", "Third time calling!")))
    >>> row = CallFeatures().fit([call]).transform([call]).iloc[0]
    >>> row["words"]
    'a:hello c:third c:time c:calling c:third_time c:time_calling cE:third ...'
    >>> float(row["sig_repeat_contact_late"])  # log1p(1): one sign in the last third
    0.693...
    """

    def __init__(self, lexicon: dict | None = None, signal_weight: float = 1.0) -> None:
        self.lexicon = lexicon
        self.signal_weight = signal_weight

    def fit(self, X: Iterable[Any], y: Any = None) -> CallFeatures:
        lex = load_lexicon() if self.lexicon is None else lexicon_from_dict(self.lexicon)
        self.lexicon_ = lexicon_to_dict(lex)
        return self

    def matcher(self, *, redact_quotes: bool = True) -> SignalMatcher:
        return SignalMatcher(lexicon_from_dict(self.lexicon_), redact_quotes=redact_quotes)

    def transform(self, X: Iterable[Transcript | AnalyzedCall]) -> pd.DataFrame:
        matcher = None
        words: list[str] = []  # joined call by call: training holds every call's words
        rows = []
        for item in X:
            if isinstance(item, Transcript):
                matcher = matcher or self.matcher()
                item = matcher.analyze(item)
            words.append(" ".join(call_grams(item)))
            rows.append(call_numbers(item))
        frame = pd.DataFrame(rows, columns=[*SIGNAL_COLUMNS, *STRUCTURE_COLUMNS])
        frame = weight_signals(frame, self.signal_weight)
        frame.insert(0, "words", pd.Series(words, dtype=object))  # no copy into an Arrow buffer
        return frame

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(["words", *SIGNAL_COLUMNS, *STRUCTURE_COLUMNS], dtype=object)


def call_grams(analyzed: AnalyzedCall) -> list[str]:
    """One call's word features: each turn's words and word pairs, tagged by who said them,
    again as late (``cE:``, ``aE:``) in the last third, and as ``cZ:`` in the customer's last
    turn."""
    words: list[str] = []
    for tags, grams in _tagged_turns(analyzed):
        for tag in tags:
            words += [f"{tag}:{g}" for g in grams]
    return words


def word_columns(analyzed: AnalyzedCall, terms: Mapping[str, Mapping[str, int]]) -> list[int]:
    """The vectorizer column of each of :func:`call_grams`, -1 where it has none, looked up by
    tag and word (``terms``: :func:`terms_by_tag`) without making the tagged strings."""
    columns: list[int] = []
    for tags, grams in _tagged_turns(analyzed):
        for tag in tags:
            columns += map(terms.get(tag, _NO_TERMS).get, grams, itertools.repeat(-1))
    return columns


def terms_by_tag(vocabulary: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """A vectorizer's ``tag:words`` vocabulary as {tag: {words: column}}."""
    out: dict[str, dict[str, int]] = {}
    for term, column in vocabulary.items():
        tag, _, gram = term.partition(":")
        out.setdefault(tag, {})[gram] = column
    return out


_NO_TERMS: dict[str, int] = {}


def _tagged_turns(analyzed: AnalyzedCall) -> Iterator[tuple[tuple[str, ...], list[str]]]:
    """Per turn, its tags (speaker; late; the customer's last turn) and its words and pairs."""
    turns = analyzed.call.turns
    late_from = math.floor(len(turns) * LATE_FRACTION)
    last_customer = _last_customer(analyzed)
    for i, (turn, norms) in enumerate(zip(turns, analyzed.tokens, strict=True)):
        tag = _ROLE_TAG[turn.role]
        tags = (tag, f"{tag}E") if i >= late_from else (tag,)
        yield (*tags, "cZ") if i == last_customer else tags, _grams(norms)


def call_numbers(analyzed: AnalyzedCall) -> dict[str, float]:
    """One call's signal counts (log1p, early and late) and talk-share columns."""
    turns = analyzed.call.turns
    late_from = math.floor(len(turns) * LATE_FRACTION)
    last_customer = _last_customer(analyzed)
    counts = dict.fromkeys(SIGNAL_COLUMNS, 0)
    for e in analyzed.evidence:
        counts[f"sig_{e.family}_{'late' if e.turn >= late_from else 'early'}"] += 1
    row = {k: math.log1p(v) for k, v in counts.items()}
    n_words = [len(norms) for norms in analyzed.tokens]
    customer_words = sum(w for w, t in zip(n_words, turns, strict=True) if t.role == "customer")
    total = sum(n_words)
    row["customer_share"] = customer_words / total if total else 0.0
    row["last_customer_words_log"] = math.log1p(n_words[last_customer]) if last_customer >= 0 else 0
    return row


def _last_customer(analyzed: AnalyzedCall) -> int:
    turns = analyzed.call.turns
    return max((i for i, t in enumerate(turns) if t.role == "customer"), default=-1)


def tfidf_rows(vectorizer: TfidfVectorizer, docs: Sequence[Sequence[int]]) -> sparse.csr_matrix:
    """``vectorizer.transform`` of documents given as column numbers (-1: not a term; see
    :func:`word_columns`), to the last bit: the same counts in the same (sorted) order, then
    the vectorizer's own steps: log, idf, norm."""
    rows: list[int] = []
    columns: list[int] = []
    counts: list[int] = []
    for row, doc in enumerate(docs):
        counted = collections.Counter(doc)
        counted.pop(-1, None)
        columns += counted.keys()
        counts += counted.values()
        rows += [row] * len(counted)
    matrix = sparse.csr_matrix(
        (
            np.asarray(counts, dtype=np.float64),
            (np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64)),
        ),
        shape=(len(docs), len(vectorizer.vocabulary_)),
    )
    matrix.sort_indices()
    if vectorizer.sublinear_tf:
        np.log(matrix.data, matrix.data)
        matrix.data += 1.0
    if vectorizer.use_idf:
        matrix.data *= vectorizer.idf_[matrix.indices]
    return normalize(matrix, norm=vectorizer.norm, copy=False) if vectorizer.norm else matrix


def weight_signals(frame: pd.DataFrame, weight: float) -> pd.DataFrame:
    """A copy of a feature frame with the signal columns multiplied by ``weight``."""
    if weight == 1.0:
        return frame
    out = frame.copy()
    out[list(SIGNAL_COLUMNS)] = out[list(SIGNAL_COLUMNS)] * weight
    return out


def _words(norms: Sequence[str]) -> list[tuple[int, str]]:
    """(token index, word) for the tokens that count as words (punctuation dropped)."""
    known = _WORD_OF.get
    return [
        (i, w)
        for i, n in enumerate(norms)
        if (w := known(n)) or (w is None and (w := _cached_word(n)))
    ]


def _cached_word(norm: str) -> str:
    """The word of a norm not yet in the cache, remembered (punctuation's word is "")."""
    if len(_WORD_OF) > _CACHE_LIMIT:  # odd tokens (ids, typos) must not grow it forever
        _WORD_OF.clear()
    word = _WORD_OF[norm] = _word_of(norm)
    return word


_ODD_NORM = re.compile(r"[:\s]")  # norms whose word is not the norm itself (see _word_of)
_CACHE_LIMIT = 200_000
_WORD_OF: dict[str, str] = {}  # norm -> feature word ("" for punctuation); norms recur a lot


def _word_of(norm: str) -> str:
    if norm == NUM_NORM or any(ch.isalnum() for ch in norm):
        return "".join(norm.replace(":", "").split())  # no whitespace: one term, never two
    return ""


def _grams(norms: Sequence[str]) -> list[str]:
    """Unigrams and bigrams of word tokens, as ``a_b``."""
    known = _WORD_OF.get
    toks = [w for n in norms if (w := known(n)) or (w is None and (w := _cached_word(n)))]
    return toks + [f"{a}_{b}" for a, b in zip(toks, toks[1:], strict=False)]


def locate(analyzed: AnalyzedCall, feature: str) -> tuple[int, int, int] | None:
    """Where a word feature (``cE:not_happy``) first occurs: (turn, first token, last token)."""
    tag, _, gram = feature.partition(":")
    parts = gram.split("_")
    turns = analyzed.call.turns
    late_from = math.floor(len(turns) * LATE_FRACTION)
    last_customer = _last_customer(analyzed)
    for index, (turn, norms) in enumerate(zip(turns, analyzed.tokens, strict=True)):
        if tag == "cZ":
            if index != last_customer:
                continue
        elif _ROLE_TAG[turn.role] != tag[:1] or (tag.endswith("E") and index < late_from):
            continue
        # A token's word is its norm unless the norm holds ':' or whitespace: a turn without the
        # first word among its norms, and without such a norm, cannot hold the feature.
        if parts[0] not in norms and not _ODD_NORM.search("".join(norms)):
            continue
        words = _words(norms)
        for k in range(len(words) - len(parts) + 1):
            if [w for _, w in words[k : k + len(parts)]] == parts:
                return index, words[k][0], words[k + len(parts) - 1][0]
    return None


def column_transformer(*, min_df: int = 2) -> ColumnTransformer:
    """The standard scikit-learn half of the features: TF-IDF words, signals, scaled structure."""
    return ColumnTransformer(
        [
            (
                "words",
                TfidfVectorizer(
                    token_pattern=r"\S+",
                    lowercase=False,
                    min_df=min_df,
                    sublinear_tf=True,
                    dtype=np.float64,
                ),
                "words",
            ),
            ("signals", "passthrough", list(SIGNAL_COLUMNS)),
            ("structure", StandardScaler(), list(STRUCTURE_COLUMNS)),
        ]
    )


def lexicon_to_dict(lexicon: Lexicon) -> dict:
    return {
        "entries": [dict(e) for e in lexicon.entries],
        "defines": {k: list(v) for k, v in lexicon.defines.items()},
    }


def lexicon_from_dict(data: dict) -> Lexicon:
    return Lexicon(data["entries"], data["defines"])
