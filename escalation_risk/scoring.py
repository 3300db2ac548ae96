"""Score calls with a model: one row per call, in input order, with reasons and evidence."""

from __future__ import annotations

import collections
import gc
import itertools
import logging
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from scipy.special import expit
from spacy.lang.en.stop_words import STOP_WORDS

from .brief import brief_of
from .cutting import truncate
from .errors import OnError, SkipLog
from .inputs import as_transcripts
from .lexicon import FAMILY_IDS
from .metrics import review_order
from .model import OUTPUT_SCHEMA_VERSION, EscalationModel, evidence_records, reasons_for
from .speakers import LOW_CONFIDENCE
from .transcripts import Transcript, Turn

log = logging.getLogger(__name__)
DEFAULT_KEEP = ("agent_id", "queue", "started_at", "agent_speaker", "role_confidence")
BASE_COLUMNS = ("call_id", "risk", "band", "signals", "reasons", "evidence", "schema_version")


@dataclass
class BatchReport:
    """What a batch did: calls scored, calls skipped (with first messages), duplicate ids."""

    skipped: SkipLog = field(default_factory=SkipLog)
    scored: int = 0
    duplicate_ids: int = 0
    low_role_confidence: int = 0
    not_english: int = 0
    _seen: set[str] = field(default_factory=set, repr=False)

    def saw(self, call_id: str) -> None:
        if call_id in self._seen:
            self.duplicate_ids += 1
        self._seen.add(call_id)

    def summary(self) -> str:
        parts = [f"scored {self.scored} call(s)", f"skipped {self.skipped.count}"]
        if self.duplicate_ids:
            parts.append(f"{self.duplicate_ids} duplicate call id(s) scored again")
        if self.not_english:
            parts.append(
                f"{self.not_english} call(s) look mostly non-English (the lexicon is English)"
            )
        if self.low_role_confidence:
            parts.append(
                f"{self.low_role_confidence} call(s) with the agent guessed at low confidence "
                "(see role_confidence; --agent-speaker sets it)"
            )
        return ", ".join(parts)


def score(
    data: Any,
    model: EscalationModel | None = None,
    *,
    keep: Sequence[str] | None = None,
    redact: bool = True,
    prior: float | None = None,
    review_budget: float | None = None,
    upto_turn: int | None = None,
    upto_fraction: float | None = None,
    on_error: OnError = "skip",
    report: BatchReport | None = None,
    brief: bool = False,
) -> pd.DataFrame:
    """Score calls: ``call_id, risk, band, signals, reasons, evidence, schema_version`` + metadata.

    Parameters
    ----------
    data: transcripts, path(s), or a DataFrame with one row per turn (``call_id, speaker, text``).
    model: an :class:`EscalationModel`; None loads the bundled default model.
    keep: metadata columns to carry over; None keeps ``agent_id, queue, started_at`` and the
        inferred ``agent_speaker, role_confidence`` when present.
    redact: quote evidence with numbers and emails masked (``[CARD]``, ``[NUM]``, …; the default).
    prior: the escalation rate of these calls, when it differs from the training data's:
        risks are moved to it (Bayes' rule on the odds) and bands chosen again for it.
    review_budget: share of calls (0-1) to put in ``high``: the riskiest, ties by call id,
        instead of the fixed threshold. Needs the whole batch.
    upto_turn, upto_fraction: score only the first turns of each call.
    on_error: ``skip`` counts bad calls in ``report`` and goes on; ``fail`` raises.
    brief: add a ``brief`` column, the plain-text escalation brief of each ``high`` call
        (bands from the model, so not with ``review_budget``).

    >>> import pandas as pd
    >>> turns = pd.DataFrame({"call_id": ["C1", "C1"], "speaker": ["agent", "customer"],
    ...     "text": ["How can I help?", "Third time calling, get me a supervisor now."]})
    >>> out = score(turns)
    >>> out.loc[0, "band"] in {"low", "medium", "high"}, out.loc[0, "signals"]["supervisor_request"]
    (True, 1)
    """
    if brief and review_budget is not None:  # refused before any call is scored
        raise ValueError("brief follows the model's high band; it cannot go with review_budget")
    frames = list(
        score_batches(
            data,
            model,
            keep=keep,
            redact=redact,
            prior=prior,
            upto_turn=upto_turn,
            upto_fraction=upto_fraction,
            on_error=on_error,
            report=report,
            brief=brief,
        )
    )
    if not frames:
        return pd.DataFrame(columns=list(BASE_COLUMNS))
    out = pd.concat(frames, ignore_index=True)
    if review_budget is not None:
        out = apply_review_budget(out, review_budget)
    return out


def apply_review_budget(scored: pd.DataFrame, share: float) -> pd.DataFrame:
    """``high`` for the riskiest ⌈share · n⌉ calls (ties by call id); others at most ``medium``.

    >>> frame = pd.DataFrame({"call_id": ["b", "a", "c"], "risk": [0.9, 0.9, 0.1],
    ...                       "band": ["high", "high", "low"]})
    >>> apply_review_budget(frame, 0.3)["band"].tolist()  # ⌈0.3 · 3⌉ = 1 call
    ['medium', 'high', 'low']
    """
    if not 0 < share <= 1:
        raise ValueError(f"review budget must be a share in (0, 1], got {share}")
    out = scored.copy()
    order = review_order(out["risk"].to_numpy(dtype=float), out["call_id"].astype(str).tolist())
    top = set(order[: math.ceil(share * len(out) - 1e-9)].tolist())
    out["band"] = [
        "high" if i in top else ("medium" if band == "high" else band)
        for i, band in enumerate(out["band"])
    ]
    return out


def score_batches(
    data: Any,
    model: EscalationModel | None = None,
    *,
    keep: Sequence[str] | None = None,
    redact: bool = True,
    prior: float | None = None,
    thresholds: Mapping[str, float | None] | None = None,
    upto_turn: int | None = None,
    upto_fraction: float | None = None,
    on_error: OnError = "skip",
    report: BatchReport | None = None,
    batch_size: int = 128,
    jobs: int = 1,
    brief: bool = False,
) -> Iterator[pd.DataFrame]:
    """Stream scores batch by batch, so any number of calls runs in flat memory.

    The metadata columns are fixed by the first batch (``keep`` names them explicitly).
    ``jobs`` > 1 scores batches in that many worker processes (the model is sent to each
    worker once); the output order stays the input order. Input that fits in one batch is
    scored here: starting workers would cost more than it saves.
    """
    from .persistence import load_model

    model = model if model is not None else load_model()
    report = report if report is not None else BatchReport()
    calls: Iterable[Transcript] = as_transcripts(
        data, label=model.label, on_error=on_error, skipped=report.skipped
    )
    if upto_turn is not None or upto_fraction is not None:
        calls = (truncate(c, upto_turn=upto_turn, upto_fraction=upto_fraction) for c in calls)
    thresholds = thresholds if thresholds is not None else model.thresholds_for(prior)
    columns: list[str] | None = list(keep) if keep is not None else None

    def counted(batches: Iterable[list[Transcript]]) -> Iterator[list[Transcript]]:
        nonlocal columns
        for batch in batches:
            if columns is None:
                columns = [k for k in DEFAULT_KEEP if any(k in c.metadata for c in batch)]
            for call in batch:
                report.saw(call.call_id)
                if call.metadata.get("role_confidence", 1.0) < LOW_CONFIDENCE:
                    report.low_role_confidence += 1
                if not looks_english(call):
                    report.not_english += 1
                    log.warning("call %s: mostly non-English; the lexicon is English", call.call_id)
            yield batch

    batches = counted(_batched(calls, batch_size))
    options: dict[str, Any] = {
        "redact": redact,
        "prior": prior,
        "thresholds": thresholds,
        "brief": brief,
    }
    first = next(batches, None)
    if first is None:
        return
    rest = itertools.chain([first], batches)
    keep_columns = columns or []  # fixed by the first batch, read above
    if jobs > 1 and len(first) == batch_size:
        frames = _score_in_workers(rest, model, jobs, keep_columns, options)
    else:
        frames = (score_calls(b, model, keep=keep_columns, **options) for b in rest)
    for frame in frames:
        report.scored += len(frame)
        yield frame


def looks_english(call: Transcript, *, sample: int = 300) -> bool:
    """False when a call of 20 words or more has under 10% English function words.

    >>> from escalation_risk.transcripts import Turn
    >>> es = Transcript("E", (Turn.from_speaker("customer",
    ...     "Quiero hablar con el supervisor ahora mismo, es la tercera vez que llamo hoy "
    ...     "por el mismo problema con la factura de este mes"),))
    >>> looks_english(es), looks_english(Transcript("X", ()))
    (False, True)
    """
    texts = itertools.chain.from_iterable(t.text.split() for t in call.turns)
    seen = english = 0
    for word in itertools.islice(texts, sample):
        seen += 1
        if word.strip(".,!?;:\"'()").lower() in STOP_WORDS:
            english += 1
            if english >= sample / 10:  # 10% of any sample: no need to read on (every call)
                return True
    return seen < 20 or english >= 0.1 * seen


WORKER_TASK = 64  # calls per task sent to a worker process
_WORKER_MODEL: list[EscalationModel] = []  # the model in a worker process, set once


_WARM_UP = Transcript(
    "warm-up",
    (
        Turn.from_speaker("customer", "This is my third call and I want a supervisor."),
        Turn.from_speaker("agent", "I can't do that, it's our policy. I'm sorry."),
    ),
)


def _start_worker(model: EscalationModel) -> None:
    _WORKER_MODEL[:] = [model]
    # A task makes hundreds of thousands of short-lived objects and almost no cycles, yet the
    # collector ran every few hundred of them (6% of a worker's time). It runs once a task
    # instead, when the task's objects are gone: same peak memory, no collector in the loop.
    gc.disable()


def _score_in_worker(
    batch: list[Transcript], keep: list[str], options: dict[str, Any]
) -> pd.DataFrame:
    gc.collect()  # the previous task's cycles, if any (see _start_worker)
    return score_calls(batch, _WORKER_MODEL[0], keep=keep, **options)


def _score_in_workers(
    batches: Iterator[list[Transcript]],
    model: EscalationModel,
    jobs: int,
    keep: list[str],
    options: dict[str, Any],
) -> Iterator[pd.DataFrame]:
    """Batches scored by ``jobs`` processes, at most two batches per worker in flight (flat
    memory), results yielded in input order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork where there is one: workers start at once with the package already imported, and
    # scripts need no __main__ guard. Our own CLI runs no thread while forking (its progress
    # bar refreshes by hand).
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    # Build the model's lazy parts (pattern index, feature names, late imports) here, once,
    # so workers share them instead of building a copy each. Objects alive now are never
    # collected: freezing them keeps the collector from touching, and so copying, the pages
    # workers share with this process.
    score_calls([_WARM_UP], model, keep=keep, **options)
    gc.freeze()
    # Reading makes about 60 short-lived objects per call; at the default threshold (700) the
    # collector ran 3,000 times for 10,000 calls, 0.09 ms of this process's CPU a call, taken
    # from the workers' cores. Until the stream ends, a collection waits for 100,000.
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, *thresholds[1:])
    try:
        with ProcessPoolExecutor(
            jobs, mp_context=context, initializer=_start_worker, initargs=(model,)
        ) as pool:
            pending: collections.deque[Any] = collections.deque()
            for batch in batches:
                # small tasks: a worker's working memory is one task, not one reading batch
                for start in range(0, len(batch), WORKER_TASK):
                    chunk = batch[start : start + WORKER_TASK]
                    pending.append(pool.submit(_score_in_worker, chunk, keep, options))
                    if len(pending) >= 2 * jobs:
                        yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def score_calls(
    calls: Sequence[Transcript],
    model: EscalationModel,
    *,
    keep: Sequence[str] = (),
    redact: bool = True,
    prior: float | None = None,
    thresholds: Mapping[str, float | None] | None = None,
    brief: bool = False,
) -> pd.DataFrame:
    """Score a list of calls already read (the unit of work for any batch engine).

    ``brief`` adds a ``brief`` column: the plain-text escalation brief of each ``high`` call
    (None for the others)."""
    matcher = model.features.matcher(redact_quotes=redact)
    analyzed = [matcher.analyze(c) for c in calls]
    scored = model.score_analyzed(analyzed) if analyzed else None
    thresholds = thresholds if thresholds is not None else model.thresholds_for(prior)
    shift = model.prior_shift(prior)
    rows = []
    for i, a in enumerate(analyzed):
        assert scored is not None
        risk = float(expit(scored.logit[i] + shift))
        reasons = reasons_for(a, scored.contributions[i], scored.top_words[i], scored.baseline)
        if prior is not None:
            reasons.append(
                {
                    "reason": "prior shift",
                    "contribution": shift,
                    "evidence": [
                        {"detail": f"base rate {model.base_rate:.3f} in training, {prior:.3f} here"}
                    ],
                }
            )
        counts = dict.fromkeys(FAMILY_IDS, 0)
        for e in a.evidence:
            counts[e.family] += 1
        row = {
            "call_id": a.call.call_id,
            "risk": risk,
            "band": model.band(risk, thresholds),
            "signals": counts,
            "reasons": reasons,
            "evidence": evidence_records(a.evidence),
            "schema_version": OUTPUT_SCHEMA_VERSION,
        }
        if brief:
            row["brief"] = (
                brief_of(a, model, prior=prior, thresholds=thresholds, risk=risk).text()
                if row["band"] == "high"
                else None
            )
        row.update({k: _cell(a.call.metadata.get(k)) for k in keep})
        rows.append(row)
    extra = ["brief"] if brief else []
    return pd.DataFrame(rows, columns=[*BASE_COLUMNS, *extra, *keep])


def _cell(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def _batched(items: Iterable[Transcript], size: int) -> Iterator[list[Transcript]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
