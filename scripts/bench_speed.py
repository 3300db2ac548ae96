"""Speed and memory, end to end: generated calls read, scored and written by the real CLI.

    python scripts/bench_speed.py            # the full run (under 30 minutes on 2 cores)
    python scripts/bench_speed.py --quick    # a few hundred calls, to check the script
    python scripts/bench_speed.py --train-100k   # adds the fit on 100k calls (beyond 30 minutes)
    python scripts/bench_speed.py --phases   # where one call's time goes, one core (1 minute)
    python scripts/bench_speed.py --fit-only 100000   # the training fit alone on N calls
    python scripts/bench_speed.py --train-only 5000   # train with its 5-fold CV on N calls
    python scripts/bench_speed.py --score-only 100000 --runs 3   # 2-job scoring again, K times
    python scripts/bench_speed.py --score-only 100000 --runs 1 --made-up 5   # new words a call
    python scripts/bench_speed.py --brief    # score with and without briefs, one process

Inputs: data/corpus (turns are resampled into new calls: a fixed-length set of 1,000 ± 100
words a call, the target, and a realistic mix of 20-60 turns and 300-2,000 words).
Each measurement runs in its own process tree; peak RSS is the largest sum over the parent and
every worker, sampled every 50 ms. Output: the "speed" section of docs/benchmarks.md.
Labels of generated calls follow their turns' source calls: training times only, not accuracy.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _docs import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
CLI = [PYTHON, "-m", "escalation_risk"]
FILES = 10  # each set is split in files, so Dask has tasks to spread


def generate(directory: Path, n: int, kind: str, seed: int, made_up: int = 0) -> int:
    """Write ``n`` calls made of resampled corpus turns; returns the total word count.

    ``made_up`` words never seen before (eight random letters, as names, ids and typos are)
    are added to each call's turns: the corpus's own words recur, real calls' do not all."""
    from escalation_risk.readers import read_transcripts

    corpus = list(read_transcripts(ROOT / "data/corpus"))
    turns = [(t.speaker, t.text) for c in corpus for t in c.turns]
    escalated = [bool(c.label) for c in corpus for _ in c.turns]
    sizes = [len(t.split()) for _, t in turns]
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    handles = [open(directory / f"part-{i:02d}.jsonl", "w") for i in range(FILES)]
    total = 0
    for i in range(n):
        picked = _fixed(rng, sizes) if kind == "fixed" else _mix(rng, sizes)
        words = sum(sizes[j] for j in picked)
        total += words
        texts = [turns[j][1] for j in picked]
        for _ in range(made_up):
            k = rng.randrange(len(texts))
            texts[k] += " " + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8))
        row = {
            "call_id": f"{kind}-{i}",
            "agent_id": f"A{rng.randint(1, 24):02d}",
            # learnable labels for the training times: most turns from escalated calls
            "escalated": sum(escalated[j] for j in picked) / len(picked) > 0.38,
            "turns": [
                {"speaker": turns[j][0], "text": t} for j, t in zip(picked, texts, strict=True)
            ],
        }
        handles[i * FILES // n].write(json.dumps(row) + "\n")
    for handle in handles:
        handle.close()
    return total


def _fixed(rng: random.Random, sizes: list[int]) -> list[int]:
    while True:
        picked, words = [], 0
        while words < 900:
            j = rng.randrange(len(sizes))
            picked.append(j)
            words += sizes[j]
        if words <= 1100:
            return picked


def _mix(rng: random.Random, sizes: list[int]) -> list[int]:
    while True:
        picked = [rng.randrange(len(sizes)) for _ in range(rng.randint(20, 60))]
        if 300 <= sum(sizes[j] for j in picked) <= 2000:
            return picked


def measure(command: list[str]) -> tuple[float, float, float]:
    """(seconds, peak RSS MB and peak PSS MB, each summed over the process tree) of a command.

    RSS counts pages that forked workers share with their parent once per process; PSS splits
    them, so its sum is what the machine actually holds.
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(process.pid)
    peak_rss = peak_pss = 0
    while process.poll() is None:
        rss = pss = 0
        try:
            for p in [root, *root.children(recursive=True)]:
                info = p.memory_full_info()
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
        except psutil.Error:
            pass
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()[-500:]}")
    return seconds, peak_rss / 1e6, peak_pss / 1e6


def score_run(data: Path, out: Path, jobs: int, dask: bool = False) -> list[str]:
    command = [*CLI, "score", str(data), "-o", str(out), "--top", "0", "--jobs", str(jobs)]
    return command + (["--dask", "local"] if dask else [])


def child(mode: str, data: Path, n: int) -> None:
    """The measured body of the in-process peers, run as its own process."""
    from escalation_risk.readers import read_transcripts

    calls = read_transcripts(data)
    if mode == "tokenize":
        from escalation_risk.lexicon import nlp

        tokenizer = nlp().tokenizer
        for call in calls:
            for _ in tokenizer.pipe(t.text for t in call.turns):
                pass
    elif mode == "tfidf":
        import pandas as pd
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        train = list(read_transcripts(ROOT / "data/corpus"))
        peer = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(C=10))
        peer.fit([" ".join(t.text for t in c.turns) for c in train], [c.label for c in train])
        with open(data.parent / "tfidf-out.csv", "w") as out:
            batch: list = []
            for call in calls:
                batch.append(call)
                if len(batch) == 512:
                    _peer_batch(peer, batch, out, pd)
                    batch = []
            _peer_batch(peer, batch, out, pd)
    elif mode == "train":
        from escalation_risk.training import train

        train(calls, C=300.0, signal_weight=0.1, cv=5)
    elif mode == "fit":  # what train does after its cross-validation: features, one fit
        import numpy as np

        from escalation_risk.features import weight_signals
        from escalation_risk.training import build_pipeline, set_regularisation, solver_for

        calls = list(calls)
        y = np.array([bool(c.label) for c in calls])
        solver = solver_for(len(calls))  # as train chooses it
        pipeline = build_pipeline(seed=0, solver=solver)
        began = time.perf_counter()
        features = pipeline.named_steps["features"].fit(calls)
        frame = features.transform(calls)  # analyses each call as it goes
        del calls  # as train: from here on the features, not the calls
        featurized = time.perf_counter()
        rest = set_regularisation(pipeline[1:], 300.0, y)
        matrix = rest.named_steps["columns"].fit_transform(weight_signals(frame, 0.1))
        vectorized = time.perf_counter()
        rest.named_steps["classifier"].fit(matrix, y)
        done = time.perf_counter()
        # with few calls the column transformer returns a dense array
        nonzeros = matrix.nnz if hasattr(matrix, "nnz") else np.count_nonzero(matrix)
        (data / "fit-phases.txt").write_text(  # printed by --fit-only: where the time goes
            f"featurize {featurized - began:.0f} s, TF-IDF and columns "
            f"{vectorized - featurized:.0f} s, calibrated LR ({solver}) {done - vectorized:.0f} s "
            f"({nonzeros:,} nonzeros)"
        )


TRAIN_MODES = {"train": "train, 5-fold CV", "fit": "fit only (no CV)"}  # child mode -> row


def _train_row(what: str, n: int, seconds: float, mb: float) -> str:
    return f"| {what} | {n:,} | {seconds:,.0f} | {seconds / n * 1000:.1f} | {mb:,.0f} |"


def phases(n: int = 300) -> None:
    """Milliseconds per generated 1,000-word call in each phase of ``score_calls``, one core,
    best of three (printed; quoted in docs/benchmarks.md's commentary)."""
    from escalation_risk.lexicon import nlp
    from escalation_risk.persistence import load_model
    from escalation_risk.readers import read_transcripts
    from escalation_risk.scoring import score_calls
    from escalation_risk.tokens import turn_tokens

    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), n, "fixed", seed=n)
        calls = list(read_transcripts(Path(tmp)))
    model = load_model()
    score_calls(calls[:10], model)  # builds the lazy parts
    matcher = model.features.matcher(redact_quotes=True)
    tokenizer = nlp().tokenizer
    analyzed = [matcher.analyze(c) for c in calls]

    steps = {
        "bare spaCy tokenization": lambda: [
            list(tokenizer.pipe(t.text for t in c.turns)) for c in calls
        ],
        "tokenization as scoring does it (chunk cache)": lambda: [
            [turn_tokens(t.text) for t in c.turns] for c in calls
        ],
        "analyze (tokenization, matching, redaction, evidence)": lambda: [
            matcher.analyze(c) for c in calls
        ],
        "features + TF-IDF + model": lambda: model.score_analyzed(analyzed),
        "score_calls (all, with reasons and rows)": lambda: score_calls(calls, model),
    }
    for name, work in steps.items():
        print(f"{name}: {_best_of(work)[0] / len(calls) * 1000:.2f} ms per call")


def brief_speed() -> None:
    """Calls per second of ``score`` (one process) on the bundled corpus with and without
    ``brief=True``, warm, best of three (printed; quoted in the README's brief section)."""
    from escalation_risk import load_model, read_transcripts, score

    calls = list(read_transcripts(ROOT / "data" / "corpus"))
    model = load_model()
    score(calls[:20], model, brief=True)  # builds the lazy parts
    for label, brief in (("without --brief", False), ("with --brief", True)):
        seconds, scored = _best_of(lambda brief=brief: score(calls, model, brief=brief))
        high = int((scored["band"] == "high").sum())
        print(f"{label}: {len(calls) / seconds:,.0f} calls/s ({high} of {len(calls)} high)")


def _best_of(work: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    """The fewest seconds ``work`` took in ``runs`` runs, and what its last run returned."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def _peer_batch(peer, batch, out, pd) -> None:  # type: ignore[no-untyped-def]
    if batch:
        risk = peer.predict_proba([" ".join(t.text for t in c.turns) for c in batch])[:, 1]
        pd.DataFrame({"call_id": [c.call_id for c in batch], "risk": risk}).to_csv(
            out, header=False, index=False
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--train-100k", action="store_true", help="also time the fit on 100k calls (long)"
    )
    parser.add_argument("--phases", action="store_true", help="time score_calls' phases only")
    parser.add_argument("--brief", action="store_true", help="time score with and without briefs")
    parser.add_argument("--fit-only", type=int, metavar="N", help="time the fit alone on N calls")
    parser.add_argument(
        "--train-only", type=int, metavar="N", help="time train (5-fold CV) alone on N calls"
    )
    parser.add_argument(
        "--score-only", type=int, metavar="N", help="score N fixed calls with 2 jobs, --runs times"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of --score-only")
    parser.add_argument(
        "--made-up", type=int, default=0, metavar="K", help="--score-only: K new words a call"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phases:
        phases()
        return
    if args.brief:
        brief_speed()
        return
    if args.score_only:  # the same calls as the full run's (same seed), scored again and again
        with tempfile.TemporaryDirectory() as tmp:
            data, n = Path(tmp) / "in", args.score_only
            generate(data, n, "fixed", seed=n, made_up=args.made_up)
            for run in range(args.runs):
                seconds, _, pss = measure(score_run(data, Path(tmp) / "o.jsonl", 2))
                rate = n / seconds
                print(f"run {run + 1}: {rate:,.0f} calls/s, {seconds:.1f} s, PSS {pss:,.0f} MB")
        return
    if args.fit_only or args.train_only:
        mode, n = ("fit", args.fit_only) if args.fit_only else ("train", args.train_only)
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp), n, "fixed", seed=n)
            seconds, _, mb = measure([PYTHON, __file__, "--child", mode, tmp, str(n)])
            split = Path(tmp) / "fit-phases.txt"
            print(_train_row(TRAIN_MODES[mode], n, seconds, mb))
            if split.exists():
                print(split.read_text())
        return
    if args.child:
        child(args.child[0], Path(args.child[1]), int(args.child[2]))
        return
    scale = 0.01 if args.quick else 1.0
    sizes = [int(1000 * scale), int(10_000 * scale), int(100_000 * scale)]
    rows: list[str] = []
    train_rows: list[str] = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        words: dict[tuple[str, int], int] = {}
        for n in sizes:
            words[("fixed", n)] = generate(base / f"fixed-{n}", n, "fixed", seed=n)
        words[("mix", sizes[1])] = generate(base / f"mix-{sizes[1]}", sizes[1], "mix", seed=7)

        def row(label: str, kind: str, n: int, command: list[str]) -> None:
            seconds, rss, pss = measure(command)
            w = words[(kind, n)]
            rows.append(
                f"| {label} | {kind} | {n:,} | {n / seconds:,.0f} | {w / seconds:,.0f} | "
                f"{rss:,.0f} | {pss:,.0f} | {seconds:,.1f} |"
            )
            print(rows[-1], flush=True)

        for n in sizes:
            row(
                "escalation-risk, 2 jobs",
                "fixed",
                n,
                score_run(base / f"fixed-{n}", base / "o.jsonl", 2),
            )
        for n in sizes[:2]:
            data = base / f"fixed-{n}"
            row("escalation-risk, 1 job", "fixed", n, score_run(data, base / "o.jsonl", 1))
            row(
                "escalation-risk, Dask LocalCluster (2 workers)",
                "fixed",
                n,
                score_run(data, base / "o.jsonl", 2, dask=True),
            )
            row(
                "plain TF-IDF + LR peer, 1 process",
                "fixed",
                n,
                [PYTHON, __file__, "--child", "tfidf", str(data), str(n)],
            )
            row(
                "bare blank-spaCy tokenization (the floor), 1 process",
                "fixed",
                n,
                [PYTHON, __file__, "--child", "tokenize", str(data), str(n)],
            )
        mix = base / f"mix-{sizes[1]}"
        row("escalation-risk, 2 jobs", "mix", sizes[1], score_run(mix, base / "o.jsonl", 2))
        cv_size = sizes[1] if args.quick else sizes[0]  # 5 folds need a few calls per class
        fit_sizes = sizes if args.train_100k else sizes[:2]
        for mode, n in [("train", cv_size)] + [("fit", n) for n in fit_sizes]:
            seconds, _, mb = measure(
                [PYTHON, __file__, "--child", mode, str(base / f"fixed-{n}"), str(n)]
            )
            train_rows.append(_train_row(TRAIN_MODES[mode], n, seconds, mb))
            print(train_rows[-1], flush=True)
    total = time.perf_counter() - began
    lines = [
        "## Speed",
        "",
        f"Command: `python scripts/bench_speed.py` ({total / 60:.0f} minutes, 2 cores; "
        f"{psutil.cpu_count()} logical CPUs). End to end: `escalation-risk score DIR -o out.jsonl` "
        "as a process (reading, scoring with reasons and evidence, writing), model loading and "
        "worker start-up included. Generated calls: 'fixed' 1,000 ± 100 words (the target), "
        "'mix' 20-60 turns of 300-2,000 words. Peak memory summed over the parent and every "
        "worker: RSS (shared pages counted in every process) and PSS (shared pages split). Run in "
        "the environment `make` installs (no torch: spaCy's thinc imports it when present).",
        "",
        "| run | calls | n | calls/s | words/s | peak RSS MB | peak PSS MB | seconds |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Training with C = 300 and signal weight 0.1 given (no tuning), as a process: `train` "
        "with its 5-fold cross-validation, and the fit alone (features, then the calibrated "
        "logistic regression with its 5 calibration folds: what `train` does after the "
        "cross-validation). Labels of generated calls: escalated when most of their turns come "
        "from escalated calls (learnable, about a third).",
        "",
        "| what | calls | seconds | ms per call | peak PSS MB |",
        "|---|---|---|---|---|",
        *train_rows,
    ]
    if not args.quick:
        write_section("speed", lines)
    else:
        print("\n".join(lines))


if __name__ == "__main__":
    main()
