"""One reader for every transcript source: our JSONL, CSV/TSV/Parquet turn tables, plain text,
vendor JSON (Amazon Transcribe Call Analytics, Contact Lens, Google CCAI, Twilio, Genesys,
Whisper), WebVTT and SRT captions. The format is detected from content (suffix as a hint) or
forced with ``format``.

JSONL and CSV are streamed call by call, so a batch of any size stays in flat memory; vendor
documents and captions hold one call per file and are read whole. Calls whose speakers are names
or diarization labels get their roles inferred (:mod:`escalation_risk.speakers`). Bad calls
raise :class:`InputError` (``on_error="fail"``) or are counted in a :class:`SkipLog`
(``on_error="skip"``).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import itertools
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Literal, get_args

from .errors import InputError, OnError, SkipLog
from .speakers import resolve_roles
from .subtitles import CaptionError, parse_captions
from .transcripts import Transcript, Turn
from .vendors import PARSERS, detect_document, parse_document

Format = Literal[
    "jsonl",
    "csv",
    "txt",
    "parquet",
    "json",
    "vtt",
    "srt",
    "aws-transcribe",
    "contact-lens",
    "google-ccai",
    "twilio",
    "genesys",
    "whisper",
]
FORMATS: tuple[str, ...] = get_args(Format)
TURN_COLUMNS = ("call_id", "speaker", "text")
_SUFFIXES: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "txt",
    ".vtt": "vtt",
    ".srt": "srt",
    ".parquet": "parquet",
}
# first bytes of common binary files, as they decode (0x89 and 0x8b become U+FFFD)
_MAGIC = ("\ufffdPNG", "GIF8", "PK\x03\x04", "%PDF-", "\x1f\ufffd", "\x7fELF", "OggS", "fLaC")
_WHOLE_FILE_LIMIT = 256 * 1024 * 1024  # a vendor document or caption file is one call
_SPEAKER_LINE = re.compile(r"^\s*([A-Za-z][\w .'-]{0,30}?)\s*:\s?(.*)$")
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}
log = logging.getLogger(__name__)

Source = str | Path


def read_transcripts(
    sources: Source | IO[Any] | io.IOBase | Iterable[Source],
    *,
    format: Format | None = None,
    label: str = "escalated",
    on_error: OnError = "fail",
    skipped: SkipLog | None = None,
    columns: dict[str, str] | None = None,
    agent_speaker: str | None = None,
) -> Iterator[Transcript]:
    """Yield the calls in ``sources`` (files, directories, or ``-`` for stdin), in order.

    Parameters
    ----------
    sources: one path or several; a directory yields its transcript files in name order,
        whatever their formats.
    format: one of :data:`FORMATS`; detected from content (and suffix) when None.
    label: the field holding the escalation label (bool, 0/1 or true/false); optional.
    on_error: ``fail`` raises the first :class:`InputError`; ``skip`` counts it in ``skipped``.
    columns: for turn tables, our column name -> yours, e.g. ``{"speaker": "participant"}``.
    agent_speaker: the speaker label that is the agent, instead of inferring it.

    >>> calls = read_transcripts(io.StringIO('{"call_id": "C1", "turns": '
    ...     '[{"speaker": "Caller", "text": "Third time calling."}]}\\n'))
    >>> [(c.call_id, c.turns[0].role) for c in calls]
    [('C1', 'customer')]
    """
    if format is not None and format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    log_ = skipped if skipped is not None else SkipLog()
    options = _Options(format, label, on_error, log_, columns or {})
    for item in transcript_sources(sources):
        try:
            yield from resolve_roles(_read_one(item, options), agent_speaker=agent_speaker)
        except InputError as err:
            if on_error == "fail":
                raise
            log_.add(err)


@dataclasses.dataclass(frozen=True)
class _Options:
    format: Format | None
    label: str
    on_error: OnError
    skipped: SkipLog
    columns: dict[str, str]


def transcript_sources(sources: Source | Iterable[Source] | io.IOBase) -> Iterator[Any]:
    """Each file to read, in order: a directory gives its transcript files by name; streams and
    ``-`` (stdin) pass through. A missing path or a directory with no transcript file is an
    :class:`InputError`."""
    if isinstance(sources, (str, Path, io.IOBase)):
        sources = [sources]  # type: ignore[list-item]
    for src in sources:  # type: ignore[union-attr]
        if isinstance(src, io.IOBase) or str(src) == "-":
            yield src
            continue
        path = Path(src)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in _SUFFIXES)
            if not files:
                known = ", ".join(sorted(_SUFFIXES))
                raise InputError(f"directory holds no transcript files ({known})", source=str(path))
            yield from files
        elif path.exists():
            yield path
        else:
            raise InputError("no such file or directory", source=str(path))


def _read_one(item: Any, options: _Options) -> Iterator[Transcript]:
    name = _name(item)
    if options.format == "parquet" or (
        options.format is None and isinstance(item, Path) and _is_parquet(item)
    ):
        yield from _read_parquet(item, name, options)
        return
    with _open(item) as stream:
        lines = _decoded_lines(stream, name)
        first = next(lines, None)
        while first is not None and not first[1].strip():
            first = next(lines, None)
        if first is None:
            raise InputError("empty file", source=name)
        if "\x00" in first[1] or first[1].startswith(_MAGIC):
            raise InputError(
                "a binary file (image, archive or document), not a transcript", source=name
            )
        fmt = options.format or _detect(name, first[1])
        lines = itertools.chain([first], lines)
        stem = "stdin" if name in ("<stdin>", "<stream>") else Path(name).stem
        if fmt in ("jsonl", "csv", "txt"):
            parse = {"jsonl": _parse_jsonl, "csv": _parse_csv, "txt": _parse_txt}[fmt]
            calls = parse(lines, name, stem, options)
        else:
            calls = _parse_whole(fmt, lines, name, stem)
        for call in calls:
            if isinstance(call, InputError):
                if options.on_error == "fail":
                    raise call
                options.skipped.add(call)
            else:
                yield call


def _name(item: Any) -> str:
    """What messages call a source."""
    if isinstance(item, io.IOBase):
        return "<stream>"
    return "<stdin>" if str(item) == "-" else str(item)


def _is_parquet(path: Path) -> bool:
    if path.suffix.lower() == ".parquet":
        return True
    with contextlib.suppress(OSError), open(path, "rb") as handle:
        return handle.read(4) == b"PAR1"
    return False


def _read_parquet(item: Any, name: str, options: _Options) -> Iterator[Transcript]:
    import pandas as pd

    from .inputs import frame_to_transcripts

    try:
        frame = pd.read_parquet(item)
    except ImportError:
        raise InputError(
            "reading Parquet needs pyarrow: pip install pyarrow", source=name
        ) from None
    except Exception as err:  # pyarrow raises its own types for broken files
        raise InputError(
            f"not a readable Parquet file ({type(err).__name__})", source=name
        ) from None
    yield from frame_to_transcripts(
        frame,
        label=options.label,
        on_error=options.on_error,
        skipped=options.skipped,
        columns=options.columns,
        source=name,
    )


def _parse_whole(
    fmt: str, lines: Iterator[tuple[int, str]], name: str, stem: str
) -> Iterator[Transcript | InputError]:
    """A file that is one document: vendor JSON or captions."""
    if fmt in ("vtt", "srt"):
        try:
            turns = parse_captions(lines, webvtt=fmt == "vtt")
        except CaptionError as err:
            raise InputError(f"not valid {fmt.upper()}: {err}", source=name) from None
        if not turns:
            raise InputError(f"no cues in this {fmt.upper()} file", source=name)
        yield Transcript(stem, tuple(turns), {}, None, source=name, line=1)
        return
    text = "".join(line for _, line in lines)
    if len(text) > _WHOLE_FILE_LIMIT:
        raise InputError("JSON document over 256 MB; split it into one file per call", source=name)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            f"invalid JSON ({err.msg}) at line {err.lineno} column {err.colno}",
            source=name,
            line=err.lineno,
        ) from None
    kind = detect_document(doc) if fmt == "json" else fmt
    if kind is None:
        raise InputError(
            "JSON of an unknown shape; pass --format " + "|".join(sorted(PARSERS)), source=name
        )
    yield from parse_document(doc, kind, name, stem)


def _open(item: Any) -> contextlib.AbstractContextManager[Iterable[bytes]]:
    """The source's lines as bytes. Streams the caller owns (and stdin) are read line by line
    and left open; only files opened here are closed."""
    if isinstance(item, io.TextIOBase):
        return contextlib.nullcontext(line.encode("utf-8") for line in item)
    if isinstance(item, io.IOBase):
        return contextlib.nullcontext(item)
    if str(item) == "-":
        return contextlib.nullcontext(sys.stdin.buffer)
    try:
        return open(item, "rb")
    except OSError as err:
        raise InputError(f"cannot open: {err.strerror}", source=str(item)) from None


def _decoded_lines(stream: Iterable[bytes], name: str) -> Iterator[tuple[int, str]]:
    """Decode line by line: a bad byte costs one warning, never the batch."""
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
            log.warning("%s:%d: not valid UTF-8; undecodable bytes replaced", name, number)
        yield number, text


def _detect(name: str, first_line: str) -> Format:
    """The format from the first non-blank line, with the suffix deciding ties."""
    suffix = Path(name).suffix.lower()
    head = first_line.lstrip("\ufeff").strip()
    if head.startswith("WEBVTT"):
        return "vtt"
    if suffix in (".vtt", ".srt"):
        return _SUFFIXES[suffix]
    if head.startswith("{") or head.startswith("["):
        try:
            row = json.loads(head)
        except json.JSONDecodeError:
            return "json"  # a document spread over several lines
        return "jsonl" if isinstance(row, dict) and "turns" in row else "json"
    if suffix in _SUFFIXES and suffix != ".json":
        return _SUFFIXES[suffix]
    if head.isdigit():
        return "srt"
    if _SPEAKER_LINE.match(head) and "," not in head.split(":", 1)[0]:
        return "txt"
    if "," in head or "\t" in head:
        return "csv"
    raise InputError("cannot tell the format; pass --format " + "|".join(FORMATS), source=name)


def parse_label(value: Any) -> bool | None:
    """Read a label written as bool, 0/1 or true/false; None and "" stay None.

    >>> parse_label("TRUE"), parse_label(0), parse_label("")
    (True, False, None)
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text == "":
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"label {value!r} is not a boolean, 0/1 or true/false")


def _make_call(
    call_id: str, turns: list[Turn], meta: dict[str, Any], label: str, name: str, line: int
) -> Transcript | InputError:
    if not turns:
        return InputError("empty call (no turns)", source=name, line=line, call_id=call_id)
    if not any(t.text.strip() for t in turns):
        return InputError("no text in any turn", source=name, line=line, call_id=call_id)
    try:
        value = parse_label(meta.pop(label, None))
    except ValueError as err:
        return InputError(str(err), source=name, line=line, call_id=call_id)
    return Transcript(call_id, tuple(turns), meta, value, source=name, line=line)


def _parse_jsonl(
    lines: Iterator[tuple[int, str]], name: str, stem: str, options: _Options
) -> Iterator[Transcript | InputError]:
    label = options.label
    for number, text in lines:
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as err:
            yield InputError(f"invalid JSON ({err.msg})", source=name, line=number)
            continue
        if not isinstance(row, dict):
            yield InputError("expected a JSON object per line", source=name, line=number)
            continue
        call_id = row.pop("call_id", None)
        if not isinstance(call_id, (str, int)) or str(call_id).strip() == "":
            yield InputError("missing or invalid 'call_id'", source=name, line=number)
            continue
        call_id = str(call_id)
        raw_turns = row.pop("turns", None)
        if not isinstance(raw_turns, list):
            yield InputError("'turns' must be a list", source=name, line=number, call_id=call_id)
            continue
        turns: list[Turn] = []
        for i, t in enumerate(raw_turns):
            if (
                not isinstance(t, dict)
                or not isinstance(t.get("speaker"), str)
                or not isinstance(t.get("text"), str)
            ):
                turns = []
                yield InputError(
                    f"turn {i} needs string 'speaker' and 'text'",
                    source=name,
                    line=number,
                    call_id=call_id,
                )
                break
            turns.append(Turn.from_speaker(t["speaker"], t["text"]))
        else:
            yield _make_call(call_id, turns, row, label, name, number)


def _parse_speaker_lines(text: str) -> list[Turn]:
    """``Agent: …`` / ``Customer: …`` lines; an unlabelled line continues the previous turn."""
    turns: list[list[str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _SPEAKER_LINE.match(line)
        if match:
            turns.append([match.group(1).strip(), match.group(2).strip()])
        elif turns:
            turns[-1][1] = f"{turns[-1][1]} {line.strip()}".strip()
        else:
            turns.append(["unknown", line.strip()])
    return [Turn.from_speaker(s, t) for s, t in turns]


def _parse_txt(
    lines: Iterator[tuple[int, str]], name: str, stem: str, options: _Options
) -> Iterator[Transcript | InputError]:
    text = "".join(line for _, line in lines)
    yield _make_call(stem, _parse_speaker_lines(text), {}, options.label, name, 1)


def _parse_csv(
    lines: Iterator[tuple[int, str]], name: str, stem: str, options: _Options
) -> Iterator[Transcript | InputError]:
    first = next(lines)
    delimiter = (
        "\t" if name.lower().endswith(".tsv") or first[1].count("\t") > first[1].count(",") else ","
    )
    # strict: an unclosed quote must be an error, not a field that swallows the rest of the file
    at = [first[0]]  # the file line last handed to the csv module, for messages

    def texts() -> Iterator[str]:
        for number, line in itertools.chain([first], lines):
            at[0] = number
            yield line

    reader = csv.DictReader(texts(), delimiter=delimiter, strict=True)
    try:
        yield from _csv_rows(reader, name, stem, options)
    except csv.Error as err:  # a stray carriage return, a NUL byte, an unclosed quote
        raise InputError(f"unreadable CSV ({err})", source=name, line=at[0]) from None


def _csv_rows(
    reader: csv.DictReader, name: str, stem: str, options: _Options
) -> Iterator[Transcript | InputError]:
    theirs = {v: k for k, v in options.columns.items()}
    header = [c.strip() for c in (reader.fieldnames or [])]
    columns = [theirs.get(c, c) for c in header]
    reader.fieldnames = columns
    if "transcript" in columns:
        yield from _csv_calls(reader, name, stem, options.label)
    elif set(TURN_COLUMNS) <= set(columns):
        yield from _csv_turn_rows(reader, name, options.label)
    else:
        wanted = ", ".join(options.columns.get(c, c) for c in TURN_COLUMNS)
        raise InputError(
            f"CSV needs columns {wanted} (one row per turn; rename with --call-col, "
            "--speaker-col, --text-col) or a 'transcript' column (one row per call); found "
            f"{', '.join(header) or 'none'}",
            source=name,
            line=1,
        )


def _csv_calls(
    reader: csv.DictReader, name: str, stem: str, label: str
) -> Iterator[Transcript | InputError]:
    for row in reader:
        line = reader.line_num
        if None in row:
            yield InputError("more fields than header columns", source=name, line=line)
            continue
        call_id = (row.pop("call_id", None) or "").strip() or f"{stem}-{line}"
        text = row.pop("transcript") or ""
        yield _make_call(call_id, _parse_speaker_lines(text), dict(row), label, name, line)


def _csv_turn_rows(
    reader: csv.DictReader, name: str, label: str
) -> Iterator[Transcript | InputError]:
    """Consecutive rows with one call id form a call; a later run of the same id is a new call."""
    current: str | None = None
    turns: list[Turn] = []
    meta: dict[str, Any] = {}
    start = 0
    for row in reader:
        line = reader.line_num
        if None in row:
            yield InputError("more fields than header columns", source=name, line=line)
            continue
        call_id = (row.pop("call_id") or "").strip()
        speaker, text = row.pop("speaker"), row.pop("text")
        if not call_id or speaker is None or text is None:
            yield InputError("row needs call_id, speaker and text", source=name, line=line)
            continue
        if call_id != current:
            if current is not None:
                yield _make_call(current, turns, meta, label, name, start)
            current, turns, meta, start = call_id, [], dict(row), line
        turns.append(Turn.from_speaker(speaker, text))
    if current is not None:
        yield _make_call(current, turns, meta, label, name, start)
