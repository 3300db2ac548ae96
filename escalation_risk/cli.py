"""The ``escalation-risk`` command: a thin Typer layer over the library's plain functions.

Exit codes: 0 clean, 1 error, 2 usage error, 3 finished but some calls were skipped.
"""

from __future__ import annotations

import functools
import heapq
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .errors import EscalationRiskError, InputError, OnError, SkipLog
from .explain import explain
from .lexicon import load_lexicon
from .persistence import load_model, save_model
from .readers import Format
from .scoring import BatchReport, apply_review_budget, score_batches
from .signals import find_signals
from .training import SGD_FROM, Solver, train

app = typer.Typer(
    help="Find the warning signs that a call is heading for escalation, score and explain it.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals hold transcript text
    add_completion=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
EXIT_SKIPPED = 3
SALT_ENV = "ESCALATION_RISK_SALT"
_state = {"debug": False}

Inputs = Annotated[list[str], typer.Argument(help="Transcript files or directories; - for stdin.")]
OneInput = Annotated[str, typer.Argument(metavar="INPUT", help="Transcript file; - for stdin.")]
CallIdOpt = Annotated[str | None, typer.Option("--call-id", help="Which call (default: first).")]
FormatOpt = Annotated[
    Format | None,
    typer.Option("--format", help="Force the input format (detected from content otherwise)."),
]
CallCol = Annotated[
    str | None, typer.Option("--call-col", help="Turn tables: the column with the call id.")
]
SpeakerCol = Annotated[
    str | None, typer.Option("--speaker-col", help="Turn tables: the column with the speaker.")
]
TextCol = Annotated[
    str | None, typer.Option("--text-col", help="Turn tables: the column with the text.")
]
AgentSpeaker = Annotated[
    str | None,
    typer.Option("--agent-speaker", help="The speaker label that is the agent (no guessing)."),
]
ModelOpt = Annotated[
    Path | None,
    typer.Option(
        "--model", "-m", help="Model directory, or 'default' / 'forecast' for a bundled one."
    ),
]
NoRedact = Annotated[
    bool,
    typer.Option("--no-redact", help="Quote numbers and emails as said, not as [CARD], [NUM]…"),
]
PriorOpt = Annotated[
    float | None,
    typer.Option(min=0.0001, max=0.9999, help="Your escalation rate: shift risks to it."),
]
OnErrorSkip = Annotated[OnError, typer.Option(help="skip bad calls (count them) or fail.")]
LexiconOpt = Annotated[
    Path | None, typer.Option("--lexicon", help="JSONL patterns added to (or overriding) ours.")
]


def _one_line_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Our own errors become one line on stderr and exit 1; ``--debug`` shows the traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except EscalationRiskError as error:
            if _state["debug"]:
                raise
            err.print(f"error: {escape(str(error))}")
            raise typer.Exit(1) from None

    return wrapper


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")


@app.command("signals")
@_one_line_errors
def signals_cli(
    inputs: Inputs,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write .jsonl or .csv (- for stdout).")
    ] = None,
    fmt: FormatOpt = None,
    call_col: CallCol = None,
    speaker_col: SpeakerCol = None,
    text_col: TextCol = None,
    agent_speaker: AgentSpeaker = None,
    lexicon: LexiconOpt = None,
    no_redact: NoRedact = False,
    on_error: OnErrorSkip = "skip",
) -> None:
    """List the warning signs in calls, with evidence. No model needed."""
    naming = (call_col, speaker_col, text_col, agent_speaker)
    skipped = SkipLog()
    calls = _read(inputs, fmt, naming, on_error=on_error, skipped=skipped)
    frame = find_signals(calls, lexicon=load_lexicon(lexicon), redact_quotes=not no_redact)
    if output:
        from .output import write_frames

        for _ in write_frames([frame], output):
            pass
    else:
        table = Table("call", "turn", "speaker", "family", "quote")
        for row in frame.itertuples():
            table.add_row(
                str(row.call_id),
                str(row.turn),
                str(row.speaker),
                str(row.family),
                escape(str(row.quote)),
            )
        out.print(table)
    err.print(f"{len(frame)} sign(s) found")
    _finish(skipped)


@app.command("train")
@_one_line_errors
def train_cli(
    inputs: Inputs,
    output: Annotated[Path, typer.Option("--output", "-o", help="Model directory to write.")],
    label: Annotated[str, typer.Option(help="Field holding the label.")] = "escalated",
    fmt: FormatOpt = None,
    call_col: CallCol = None,
    speaker_col: SpeakerCol = None,
    text_col: TextCol = None,
    agent_speaker: AgentSpeaker = None,
    lexicon: LexiconOpt = None,
    cv: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = 5,
    group: Annotated[
        str | None, typer.Option(help="Metadata field whose values stay in one fold.")
    ] = None,
    forecast: Annotated[
        bool, typer.Option("--forecast", help="Learn early warning from calls cut before the ask.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    c: Annotated[
        float | None, typer.Option("--C", help="Fix the regularisation (default: tuned).")
    ] = None,
    on_error: Annotated[OnError, typer.Option(help="fail on bad calls, or skip them.")] = "fail",
    solver: Annotated[
        Solver,
        typer.Option(
            help="Logistic regression solver: liblinear (exact), sgd (time linear in calls), "
            f"auto (sgd from {SGD_FROM:,} calls on)."
        ),
    ] = "auto",
) -> None:
    """Train a model on labeled calls, print cross-validated metrics, save it."""
    naming = (call_col, speaker_col, text_col, agent_speaker)
    skipped = SkipLog()
    calls = _read(inputs, fmt, naming, label=label, on_error=on_error, skipped=skipped)
    model = train(
        calls,
        label=label,
        lexicon=load_lexicon(lexicon) if lexicon else None,
        cv=cv,
        group=group,
        forecast=forecast,
        seed=seed,
        C=c,
        on_error=on_error,
        skipped=skipped,
        solver=solver,
    )
    save_model(model, output)
    m = model.manifest
    out.print(
        f"trained on {m['training_data']['n_calls']} calls ({m['training_data']['n_positive']} "
        f"positive){', cut before the ask' if forecast else ''}; {cv}-fold cross-validation "
        f"grouped by {group or 'call'}: ROC-AUC {m['cv']['roc_auc']:.3f}, "
        f"PR-AUC {m['cv']['pr_auc']:.3f}, Brier {m['cv']['brier']:.3f}"
    )
    _print_evaluation(m["cv"])
    out.print(f"saved to {output}")
    _finish(skipped)


@app.command("evaluate")
@_one_line_errors
def evaluate_cli(
    inputs: Inputs,
    model_path: ModelOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    report: Annotated[
        Path | None, typer.Option(help="Write charts and a Markdown summary to this directory.")
    ] = None,
    forecast: Annotated[
        bool, typer.Option("--forecast", help="Early warning: cut scores and forecast horizon.")
    ] = False,
    prior: PriorOpt = None,
    fmt: FormatOpt = None,
    call_col: CallCol = None,
    speaker_col: SpeakerCol = None,
    text_col: TextCol = None,
    agent_speaker: AgentSpeaker = None,
) -> None:
    """Measure a model on labeled calls: ranking, calibration, bands, review budgets."""
    naming = (call_col, speaker_col, text_col, agent_speaker)
    from .evaluation import evaluate, forecast_evaluation, write_report

    model = load_model(model_path)
    calls = list(_read(inputs, fmt, naming, label=model.label))
    if forecast:
        result = forecast_evaluation(calls, model, prior=prior)
        if as_json:
            out.print_json(data=result)
            return
        _print_evaluation(result["cut"], title="calls cut before the ask")
        h = result["horizon"]
        out.print(
            f"live tracker: warned {h['warned_before_the_ask']} of {h['escalated_calls']} "
            f"escalations before the ask (mean {h['mean_turns_ahead']:.1f}, median "
            f"{h['median_turns_ahead']:.1f} turns ahead); false alarms on "
            f"{h['false_alarms']} of {h['other_calls']} other calls "
            f"({h['false_alarm_rate']:.1%}); accuracy {h['accuracy']:.3f}, F1 {h['f1']:.3f}"
        )
        return
    evaluation, y, p = evaluate(calls, model, prior=prior)
    if report is not None:
        write_report(evaluation, y, p, report)
    if as_json:
        data = evaluation.as_dict()
        data.pop("reliability")
        out.print_json(data=data)
    else:
        _print_evaluation(evaluation.as_dict())
    if report is not None:
        err.print(f"report written to {report}")


@app.command("watch")
@_one_line_errors
def watch_cli(
    model_path: ModelOpt = None,
    prior: PriorOpt = None,
    no_redact: NoRedact = False,
) -> None:
    """Read turns as JSON lines on stdin, print the risk after each turn (one JSON line).

    Each line: {"speaker": "...", "text": "..."}, optionally "call_id" for several calls.
    """
    from .tracker import RiskTracker

    model = load_model(model_path)
    trackers: dict[str, RiskTracker] = {}
    skipped = SkipLog()
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        line = raw.decode("utf-8", errors="replace").strip()
        if not line:
            continue
        try:
            turn = json.loads(line)
            speaker, text = turn["speaker"], turn["text"]
            if not isinstance(speaker, str) or not isinstance(text, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            problem = InputError(
                'expected {"speaker": "...", "text": "..."}', source="<stdin>", line=number
            )
            skipped.add(problem)
            err.print(f"skipped {escape(str(problem))}")
            continue
        call_id = str(turn.get("call_id", "live"))
        tracker = trackers.setdefault(
            call_id, RiskTracker(model, call_id=call_id, prior=prior, redact=not no_redact)
        )
        update = tracker.add_turn(speaker, text)
        print(json.dumps(asdict(update), ensure_ascii=False), flush=True)
    _finish(skipped)


def _print_evaluation(e: dict[str, Any], title: str = "") -> None:
    table = Table("metric", "value", "95% interval", title=title or None)
    table.add_row("calls (escalated)", f"{e['n']} ({e['positives']})", "")
    table.add_row("ROC-AUC", f"{e['roc_auc']:.3f}", "{:.3f}–{:.3f}".format(*e["roc_auc_ci"]))
    table.add_row("PR-AUC", f"{e['pr_auc']:.3f}", "{:.3f}–{:.3f}".format(*e["pr_auc_ci"]))
    table.add_row("Brier score", f"{e['brier']:.3f}", "")
    table.add_row("calibration error (ECE)", f"{e['ece']:.3f}", "")
    for k in (5, 10, 20):
        table.add_row(f"recall at {k}% review budget", f"{e[f'recall_at_{k}pct']:.3f}", "")
    for band, s in e["bands"].items():
        t = "never" if s["threshold"] is None else f"≥ {s['threshold']:.3f}"
        table.add_row(
            f"band {band} ({t})",
            f"precision {s['precision']:.3f}, recall {s['recall']:.3f}, F1 {s['f1']:.3f}",
            f"{s['flagged']} calls",
        )
    out.print(table)


@app.command("score")
@_one_line_errors
def score_cli(
    inputs: Inputs,
    model_path: ModelOpt = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write .csv or .jsonl (- for stdout).")
    ] = None,
    keep: Annotated[
        str | None, typer.Option(help="Metadata columns to keep, comma-separated.")
    ] = None,
    thresholds: Annotated[
        str | None, typer.Option(help="Override bands, e.g. high=0.7,medium=0.3.")
    ] = None,
    prior: PriorOpt = None,
    review_budget: Annotated[
        str | None,
        typer.Option(help="Put the riskiest share in high, e.g. 10% (reads the whole batch)."),
    ] = None,
    upto_turn: Annotated[
        int | None, typer.Option(min=1, help="Score only each call's first N turns.")
    ] = None,
    upto_fraction: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Score only this share of turns.")
    ] = None,
    top: Annotated[int, typer.Option(help="Riskiest calls to show with evidence.")] = 10,
    sort: Annotated[
        bool,
        typer.Option("--sort", help="Write riskiest first (holds the whole result in memory)."),
    ] = False,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Continue a stopped run: skip call ids already in -o."),
    ] = False,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, help="Worker processes; 0 = every core.")
    ] = 0,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            metavar="SCHEDULER",
            help="Score on Dask: a scheduler address, or 'local' for a local cluster.",
        ),
    ] = None,
    brief: Annotated[
        bool,
        typer.Option(
            "--brief", help="Add a 'brief' column: the escalation brief of each high call."
        ),
    ] = False,
    fmt: FormatOpt = None,
    call_col: CallCol = None,
    speaker_col: SpeakerCol = None,
    text_col: TextCol = None,
    agent_speaker: AgentSpeaker = None,
    no_redact: NoRedact = False,
    on_error: OnErrorSkip = "skip",
) -> None:
    """Score calls: one row per call in input order, with reasons and evidence."""
    import os
    import time

    started = time.perf_counter()
    naming = (call_col, speaker_col, text_col, agent_speaker)
    model = load_model(model_path)
    report = BatchReport()
    calls = _read(inputs, fmt, naming, label=model.label, on_error=on_error, skipped=report.skipped)
    if resume:
        if not output or output == "-" or sort or review_budget or dask:
            raise typer.BadParameter("--resume needs -o FILE and no --sort/--review-budget/--dask")
        from .output import written_ids

        done = written_ids(output)
        err.print(f"resuming: {len(done)} call(s) already in {output}")
        calls = (c for c in calls if c.call_id not in done)
    if brief and (review_budget or dask):
        raise typer.BadParameter(
            "--brief follows the model's high band on this machine; drop --review-budget/--dask"
        )
    frames: Iterable[pd.DataFrame]
    if dask:
        if thresholds or upto_turn or upto_fraction or call_col or speaker_col or text_col:
            raise typer.BadParameter(
                "--dask scores whole files with the model's bands; drop --thresholds, "
                "--upto-*, --*-col"
            )
        frames = _score_on_dask(dask, inputs, model_path, jobs, keep, not no_redact, prior, report)
    else:
        frames = score_batches(
            calls,
            model,
            keep=keep.split(",") if keep else None,
            redact=not no_redact,
            prior=prior,
            thresholds=_parse_thresholds(thresholds) if thresholds else None,
            upto_turn=upto_turn,
            upto_fraction=upto_fraction,
            on_error=on_error,
            report=report,
            jobs=jobs or os.cpu_count() or 1,
            brief=brief,
        )
    if err.is_terminal:
        frames = _with_progress(frames)
    if review_budget or sort:
        whole = pd.concat(list(frames), ignore_index=True)
        if review_budget:
            whole = apply_review_budget(whole, _parse_share(review_budget))
        if sort:
            whole = whole.sort_values(["risk", "call_id"], ascending=[False, True], kind="stable")
        frames = [whole.reset_index(drop=True)]
    if output:
        from .output import write_frames

        frames = write_frames(frames, output, resume=resume)
    riskiest: list[tuple[float, int]] = []  # (risk, -position): a min-heap of the top calls
    records: dict[int, dict[str, Any]] = {}
    position = 0
    for frame in frames:
        for record in frame[["call_id", "risk", "band", "reasons"]].to_dict(orient="records"):
            position += 1
            heapq.heappush(riskiest, (float(record["risk"]), -position))
            records[position] = {str(k): v for k, v in record.items()}
            if len(riskiest) > top:
                _, dropped = heapq.heappop(riskiest)
                del records[-dropped]
    if output != "-":
        _print_riskiest([records[-p] for _, p in sorted(riskiest, key=lambda t: (-t[0], -t[1]))])
    seconds = time.perf_counter() - started
    speed = f" in {seconds:.1f} s ({report.scored / seconds:.0f} calls/s)" if seconds > 0 else ""
    where = f"; written to {output}" if output and output != "-" else ""
    err.print(report.summary() + speed + where)
    _finish(report.skipped)


def _score_on_dask(
    scheduler: str,
    inputs: list[str],
    model_path: Path | None,
    jobs: int,
    keep: str | None,
    redact: bool,
    prior: float | None,
    report: BatchReport,
) -> Iterator[pd.DataFrame]:
    """Files scored on a Dask cluster, one task per file, results in input order."""
    import os

    from distributed import Client, LocalCluster

    from .cluster import FILE_KEEP, files, score_file

    if "-" in inputs:
        raise typer.BadParameter("--dask reads files, not stdin")
    paths = files(inputs)
    columns = keep.split(",") if keep else list(FILE_KEEP)
    model = str(model_path) if model_path is not None else None
    if scheduler == "local":
        workers = jobs or os.cpu_count() or 1
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, dashboard_address=":0", silence_logs=40
        )
        client = Client(cluster)
    else:
        cluster, client = None, Client(scheduler)
    try:
        futures = client.map(
            score_file, paths, model=model, keep=columns, redact=redact, prior=prior, pure=False
        )
        for future in futures:
            frame, skipped = future.result()
            report.skipped.merge(skipped)
            report.scored += len(frame)
            yield frame
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _with_progress(frames: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Frames passed through, with a live count and calls/s on stderr (terminals only)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.completed} calls scored, {task.fields[rate]}"))
    # No refresh thread: worker processes are forked while this runs.
    bar = Progress(*columns, TimeElapsedColumn(), console=err, transient=True, auto_refresh=False)
    with bar as progress:
        task = progress.add_task("score", total=None, rate="…")
        for frame in frames:
            progress.advance(task, len(frame))
            elapsed = progress.tasks[0].elapsed or 0.0
            done = progress.tasks[0].completed
            progress.update(task, rate=f"{done / elapsed:.0f} calls/s" if elapsed else "…")
            progress.refresh()
            yield frame


@app.command("coach")
@_one_line_errors
def coach_cli(
    inputs: Inputs,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML report to write.")],
    model_path: ModelOpt = None,
    by: Annotated[str, typer.Option(help="Metadata field naming the agent.")] = "agent_id",
    table: Annotated[
        Path | None, typer.Option(help="Also write the agent x habit table (.csv or .json).")
    ] = None,
    pseudonymise: Annotated[
        bool,
        typer.Option(
            "--pseudonymise",
            help=f"Replace agent ids with salted hashes; the salt is read from ${SALT_ENV}.",
        ),
    ] = False,
    min_calls: Annotated[
        int, typer.Option(min=1, help="Agents with fewer calls are grouped as 'other'.")
    ] = 10,
    fmt: FormatOpt = None,
    call_col: CallCol = None,
    speaker_col: SpeakerCol = None,
    text_col: TextCol = None,
    agent_speaker: AgentSpeaker = None,
    on_error: OnErrorSkip = "skip",
) -> None:
    """Coaching report: each agent's phrasing habits against the team, what they do to
    escalation odds, quoted examples and better phrasings."""
    naming = (call_col, speaker_col, text_col, agent_speaker)
    import os

    from .coaching import coach

    salt = None
    if pseudonymise:
        salt = os.environ.get(SALT_ENV, "")
        if not salt:
            raise typer.BadParameter(f"--pseudonymise needs a secret salt in ${SALT_ENV}")
    model = load_model(model_path)
    skipped = SkipLog()
    calls = _read(inputs, fmt, naming, label=model.label, on_error=on_error, skipped=skipped)
    report = coach(
        calls,
        model,
        by=by,
        min_calls=min_calls,
        pseudonymise=salt,
        on_error=on_error,
        skipped=skipped,
    )
    report.to_html(output)
    if table is not None:
        report.to_table(table)
    grid = Table("agent", "calls", "escalated", "work on", "encourage", box=None)
    for row in report.agents.to_dict("records"):
        rate = row["escalation_rate"]
        grid.add_row(
            escape(str(row["agent"])),
            str(row["calls"]),
            "-" if rate != rate else f"{rate:.0%}",
            ", ".join(row["top_habits"]) or "-",
            row["encourage"] if isinstance(row["encourage"], str) else "-",
        )
    out.print(grid)
    written = f"report written to {output}" + (f", table to {table}" if table else "")
    err.print(f"coached {report.calls} call(s) in {len(report.agents)} agent group(s); {written}")
    _finish(report.skipped)


@app.command("explain")
@_one_line_errors
def explain_cli(
    input_: OneInput,
    model_path: ModelOpt = None,
    call_id: CallIdOpt = None,
    fmt: FormatOpt = None,
    call_col: CallCol = None,
    speaker_col: SpeakerCol = None,
    text_col: TextCol = None,
    agent_speaker: AgentSpeaker = None,
    no_redact: NoRedact = False,
) -> None:
    """Show one call turn by turn, evidence highlighted, with its risk and reasons."""
    naming = (call_col, speaker_col, text_col, agent_speaker)
    model = load_model(model_path)
    view = explain(
        _read(input_, fmt, naming, label=model.label),
        model,
        call_id=call_id,
        redact=not no_redact,
    )
    out.print(f"[bold]call {escape(view.call_id)}[/]  risk {view.risk:.2f}  band {view.band}")
    out.print(escape(view.brief.text()), highlight=False)
    out.rule()
    for turn in view.turns:
        text = "".join(
            escape(s) if f is None else f"[reverse]{escape(s)}[/][dim] ⟨{f}⟩[/]"
            for s, f in turn.segments
        )
        out.print(f"{turn.index:>3} {turn.role:<8} {text}")
    out.print("[bold]reasons[/] (log-odds; they add up to the call's score)")
    for reason in view.reasons:
        out.print(f"  {reason['contribution']:+.2f}  {reason['reason']}")
        for ev in reason["evidence"]:
            out.print(f"         {escape(_evidence_text(ev))}")


@app.command("brief")
@_one_line_errors
def brief_cli(
    input_: OneInput,
    model_path: ModelOpt = None,
    call_id: CallIdOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the brief as one JSON object.")
    ] = False,
    fmt: FormatOpt = None,
    call_col: CallCol = None,
    speaker_col: SpeakerCol = None,
    text_col: TextCol = None,
    agent_speaker: AgentSpeaker = None,
    no_redact: NoRedact = False,
) -> None:
    """The escalation brief of one call: problem, what the customer wants, earlier contacts,
    the agent's answers and how the risk rose, quoted from the call with turn numbers."""
    from .brief import brief

    naming = (call_col, speaker_col, text_col, agent_speaker)
    model = load_model(model_path)
    data = _read(input_, fmt, naming, label=model.label)
    made = brief(data, model, call_id=call_id, redact=not no_redact)
    if as_json:
        print(json.dumps(made.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(made.text())


def _print_riskiest(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    table = Table(
        "call",
        "risk",
        "band",
        "what moved it (log-odds) and the evidence",
        title=f"riskiest {len(rows)} call(s)",
        show_lines=True,
    )
    for record in rows:
        lines: list[str] = []
        for reason in record["reasons"]:
            if reason["reason"] in ("rest", "baseline") or len(lines) == 3:
                continue
            quotes = "; ".join(_evidence_text(e) for e in reason["evidence"][:2])
            lines.append(f"{reason['contribution']:+.2f} {reason['reason']}: {quotes}")
        table.add_row(
            escape(str(record["call_id"])),
            f"{record['risk']:.2f}",
            record["band"],
            escape("\n".join(lines)),
        )
    out.print(table)


def _evidence_text(ev: dict[str, Any]) -> str:
    if "words" in ev:
        where = f' (turn {ev["turn"]} {ev["speaker"]}: "{ev["quote"]}")' if "quote" in ev else ""
        return ev["words"] + where
    if "detail" in ev:
        return ev["detail"]
    return f'turn {ev["turn"]} {ev["speaker"]}: "{ev["quote"]}"'


def _parse_thresholds(text: str) -> dict[str, float | None]:
    found: dict[str, float | None] = {"high": None, "medium": None}
    for part in text.split(","):
        name, _, value = part.partition("=")
        if name.strip() not in found:
            raise typer.BadParameter(f"unknown band {name!r} (use high=…,medium=…)")
        try:
            found[name.strip()] = float(value)
        except ValueError:
            raise typer.BadParameter(f"{part!r}: threshold must be a number") from None
    return found


def _parse_share(text: str) -> float:
    """``10%`` or ``0.1`` -> 0.1."""
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise typer.BadParameter(f"{text!r}: give a share such as 10% or 0.1") from None
    if not 0 < value <= 1:
        raise typer.BadParameter(f"{text!r}: the share must be above 0 and at most 100%")
    return value


def _read(
    inputs: Any,
    fmt: Format | None,
    naming: tuple[str | None, str | None, str | None, str | None],
    **options: Any,
) -> Iterable[Any]:
    """Read with the shared input options: (--call-col, --speaker-col, --text-col,
    --agent-speaker) and whatever else the command passes."""
    from .readers import read_transcripts

    call, speaker, text, agent_speaker = naming
    names = {"call_id": call, "speaker": speaker, "text": text}
    columns = {ours: theirs for ours, theirs in names.items() if theirs}
    return read_transcripts(
        inputs, format=fmt, columns=columns, agent_speaker=agent_speaker, **options
    )


def _finish(skipped: SkipLog) -> None:
    if skipped.count:
        err.print(escape(skipped.summary()))
        raise typer.Exit(EXIT_SKIPPED)


def main() -> None:
    """Console entry point."""
    app()
