"""WebVTT and SRT captions as turns: voice tags or ``Name: text`` give the speaker.

Teams writes ``<v Name>`` voice spans, non-padded times (``0:0:0.210``) and overlapping cues;
Zoom writes ``Name: text`` inside numbered cues; WhisperX SRT writes ``[SPEAKER_00]: text``.
Cues are put in start-time order (stable for ties) and consecutive cues of one speaker make one
turn. A cue with no speaker joins the previous turn, or starts an ``unknown`` one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .transcripts import Turn, role_of

_TIMING = re.compile(
    r"^\s*((?:\d+:)?\d+:\d+(?:[.,]\d+)?)\s*-->\s*((?:\d+:)?\d+:\d+(?:[.,]\d+)?)(?:\s.*)?$"
)
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]+>")
_NAME_COLON = re.compile(r"^\s*\[?([A-Za-z][\w .'-]{0,40}?)\]?\s*:\s+(.+)$", re.S)
_NAME_BRACKET = re.compile(r"^\s*\[([A-Za-z][\w .'-]{0,40}?)\]\s*(.+)$", re.S)
_NOT_NAMES = {"note", "http", "https", "warning", "ps", "re"}


class CaptionError(ValueError):
    """A caption block that cannot be read; the message names the line."""


def parse_time(text: str) -> float:
    """Milliseconds from ``[h:]m:s[.fff]`` (``.`` in WebVTT, ``,`` in SRT; Teams drops padding).

    >>> parse_time("0:0:0.210"), parse_time("01:02.5"), parse_time("00:00:01,000")
    (210.0, 62500.0, 1000.0)
    """
    parts = text.replace(",", ".").split(":")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return round(seconds * 1000.0, 3)


def parse_captions(lines: Iterable[tuple[int, str]], *, webvtt: bool) -> list[Turn]:
    """Turns from caption ``lines`` (number, text); raises :class:`CaptionError` on bad timings."""
    cues: list[tuple[float, float, int, str, str]] = []
    block: list[tuple[int, str]] = []

    def close() -> None:
        if block:
            cue = _cue(block, webvtt)
            if cue is not None:
                cues.append(cue)
            block.clear()

    for number, line in lines:
        line = line.rstrip("\r\n")
        if not line.strip():
            close()
        else:
            block.append((number, line))
    close()
    cues.sort(key=lambda c: (c[0], c[2]))
    turns: list[Turn] = []
    for start, end, _, speaker, text in cues:
        if turns and (speaker == "" or speaker == turns[-1].speaker):
            last = turns[-1]
            turns[-1] = Turn(
                last.speaker,
                f"{last.text} {text}".strip(),
                last.role,
                last.start_ms,
                max(end, last.end_ms or end),
                last.meta,
            )
        else:
            name = speaker or "unknown"
            turns.append(Turn(name, text, role_of(name), start_ms=start, end_ms=end))
    return turns


def _cue(block: list[tuple[int, str]], webvtt: bool) -> tuple[float, float, int, str, str] | None:
    first_line = block[0][1].strip()
    if webvtt and (
        first_line.startswith(("WEBVTT", "NOTE", "STYLE", "REGION")) or first_line == "\ufeffWEBVTT"
    ):
        return None
    timing_at = next((i for i, (_, text) in enumerate(block) if "-->" in text), None)
    if timing_at is None:
        raise CaptionError(f"line {block[0][0]}: cue without a 'start --> end' timing line")
    number, timing = block[timing_at]
    match = _TIMING.match(timing)
    if match is None:
        raise CaptionError(f"line {number}: cannot read the timing {timing.strip()[:40]!r}")
    start, end = parse_time(match.group(1)), parse_time(match.group(2))
    raw = "\n".join(text for _, text in block[timing_at + 1 :])
    speaker, text = _speaker(raw)
    return start, end, number, speaker, text


def _speaker(raw: str) -> tuple[str, str]:
    voice = _VOICE.search(raw)
    if voice:
        speaker = voice.group(1).strip()
        return speaker, _clean(_VOICE.sub("", raw))
    text = _clean(raw)
    for pattern in (_NAME_COLON, _NAME_BRACKET):
        match = pattern.match(text)
        if match and match.group(1).strip().lower() not in _NOT_NAMES:
            return match.group(1).strip(), match.group(2).strip()
    return "", text


def _clean(raw: str) -> str:
    text = _TAG.sub("", raw)
    text = (
        text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ")
    )
    return " ".join(text.split())
