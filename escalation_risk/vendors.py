"""Whole-file JSON transcripts from contact-center platforms and speech-to-text, as our Transcripts.

One function per source turns a parsed document into calls; :func:`detect_document` tells them
apart by their fields. Offsets become ``Turn.start_ms``/``end_ms``; vendor sentiment stays in
``Turn.meta`` and vendor categories in the call's metadata (``vendor_categories``), never as model
features: a category like ``ManagerEscalation`` would leak the label.

Twilio and Genesys shapes are built from their documentation, not verified on real exports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from .errors import InputError
from .transcripts import Transcript, Turn, role_of

Parsed = Iterator[tuple[str, list[Turn], dict[str, Any]]]  # call id, turns, metadata

ROLE_NAMES = {
    "AGENT": "agent",
    "AUTOMATED_AGENT": "agent",
    "HUMAN_AGENT": "agent",
    "CUSTOMER": "customer",
    "END_USER": "customer",
    "SYSTEM": "system",
    "internal": "agent",
    "agent": "agent",
    "external": "customer",
    "customer": "customer",
    "ivr": "system",
    "acd": "system",
}


def detect_document(doc: Any) -> str | None:
    """The source of a parsed JSON document, or None when no known shape fits.

    >>> detect_document({"entries": [{"text": "hi", "role": "AGENT"}]})
    'google-ccai'
    >>> detect_document({"segments": [{"start": 0.0, "end": 1.2, "text": "hello"}]})
    'whisper'
    """
    if not isinstance(doc, dict):
        return None
    items = doc.get("Transcript")
    if isinstance(items, list) and items and isinstance(items[0], dict):
        if doc.get("Channel") == "CHAT" or any("AbsoluteTime" in i for i in items[:5]):
            return "contact-lens"
        if isinstance(doc.get("Participants"), list) and any(
            "ParticipantId" in i and "ParticipantRole" not in i for i in items[:5]
        ):
            return "contact-lens"
        if any("ParticipantRole" in i for i in items[:5]):
            return "aws-transcribe"
    if isinstance(doc.get("entries"), list):
        return "google-ccai"
    sentences = doc.get("sentences", doc.get("Sentences"))
    if isinstance(sentences, list):
        return "twilio"
    if isinstance(doc.get("transcripts"), list) and any(
        isinstance(t, dict) and "phrases" in t for t in doc["transcripts"]
    ):
        return "genesys"
    if isinstance(doc.get("segments"), list):
        return "whisper"
    return None


def parse_document(doc: Any, fmt: str, name: str, stem: str) -> Iterator[Transcript | InputError]:
    """Calls in ``doc`` read as ``fmt``; a missing field is an :class:`InputError` naming it."""
    parser = PARSERS[fmt]
    try:
        for call_id, turns, meta in parser(doc, stem):
            turns = [t for t in turns if t.text.strip()]
            if not turns:
                yield InputError("no text in any turn", source=name, call_id=call_id)
                continue
            yield Transcript(call_id, tuple(turns), meta, None, source=name, line=1)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        what = f"field {err}" if isinstance(err, KeyError) else str(err)
        raise InputError(
            f"not a valid {fmt} document: {what} missing or malformed", source=name
        ) from None


def _role(value: Any) -> str | None:
    return ROLE_NAMES.get(str(value), ROLE_NAMES.get(str(value).upper())) if value else None


def _turn(speaker: str, text: str, role: str | None, **extra: Any) -> Turn:
    meta = {k: v for k, v in extra.pop("meta", {}).items() if v is not None}
    resolved = role or role_of(speaker)
    return Turn(speaker, text, resolved, meta=meta, **extra)  # type: ignore[arg-type]


def _categories(values: Any) -> list[str]:
    return [str(v.get("display_name", v)) if isinstance(v, dict) else str(v) for v in values or []]


def _aws_transcribe(doc: Mapping[str, Any], stem: str) -> Parsed:
    turns = [
        _turn(
            item["ParticipantRole"],
            item["Content"],
            _role(item["ParticipantRole"]),
            start_ms=item.get("BeginOffsetMillis"),
            end_ms=item.get("EndOffsetMillis"),
            meta={"sentiment": item.get("Sentiment")},
        )
        for item in doc["Transcript"]
    ]
    yield stem, turns, _aws_meta(doc)


def _aws_meta(doc: Mapping[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "vendor_categories": list(doc.get("Categories", {}).get("MatchedCategories", [])),
        "language": doc.get("LanguageCode"),
        "channel": doc.get("Channel"),
    }
    if doc.get("JobName"):
        meta["job_name"] = doc["JobName"]
    return {k: v for k, v in meta.items() if v is not None}


def _contact_lens(doc: Mapping[str, Any], stem: str) -> Parsed:
    roles = {
        p["ParticipantId"]: p.get("ParticipantRole")
        for p in doc.get("Participants", [])
        if "ParticipantId" in p
    }
    contact = doc.get("CustomerMetadata", {}).get("ContactId")
    first_time: datetime | None = None
    turns = []
    for item in doc["Transcript"]:
        if item.get("Type", "MESSAGE") != "MESSAGE" or "Content" not in item:
            continue  # chat events: joins, typing, transfers
        role_name = item.get("ParticipantRole") or roles.get(item.get("ParticipantId"))
        start, end = item.get("BeginOffsetMillis"), item.get("EndOffsetMillis")
        meta = {"sentiment": item.get("Sentiment")}
        if "AbsoluteTime" in item:
            when = datetime.fromisoformat(item["AbsoluteTime"].replace("Z", "+00:00"))
            first_time = first_time or when
            start = (when - first_time).total_seconds() * 1000.0
            meta["time"] = item["AbsoluteTime"]
        speaker = str(role_name or item.get("ParticipantId") or "unknown")
        turns.append(
            _turn(speaker, item["Content"], _role(role_name), start_ms=start, end_ms=end, meta=meta)
        )
    yield str(contact or stem), turns, _aws_meta(doc)


def _google_ccai(doc: Mapping[str, Any], stem: str) -> Parsed:
    entries = doc["entries"]
    first = min(
        (int(e["start_timestamp_usec"]) for e in entries if "start_timestamp_usec" in e),
        default=None,
    )
    turns = []
    for e in entries:
        usec = e.get("start_timestamp_usec")
        start = (int(usec) - first) / 1000.0 if usec is not None and first is not None else None
        speaker = str(e.get("role") or e.get("user_id") or "unknown")
        turns.append(
            _turn(
                speaker,
                e["text"],
                _role(e.get("role")),
                start_ms=start,
                meta={"user_id": e.get("user_id")},
            )
        )
    info = doc.get("conversation_info", {})
    yield stem, turns, {"vendor_categories": _categories(info.get("categories"))}


def _twilio(doc: Mapping[str, Any], stem: str) -> Parsed:
    sentences = doc.get("sentences", doc.get("Sentences"))
    transcript = doc.get("transcript", {}) if isinstance(doc.get("transcript"), dict) else {}
    channel = doc.get("channel") or transcript.get("channel") or {}
    roles = {
        int(p["channel_participant"]): p.get("role")
        for p in channel.get("participants", [])
        if "channel_participant" in p
    }
    turns = []
    for s in sorted(sentences, key=lambda s: s.get("sentence_index", 0)):
        channel_no = int(s["media_channel"])
        role_name = roles.get(channel_no)
        speaker = str(role_name or f"channel {channel_no}")
        turns.append(
            _turn(
                speaker,
                s["transcript"],
                _role(role_name) if role_name else None,
                start_ms=_seconds(s.get("start_time")),
                end_ms=_seconds(s.get("end_time")),
                meta={"confidence": s.get("confidence")},
            )
        )
    call_id = transcript.get("sid") or doc.get("transcript_sid") or stem
    yield str(call_id), turns, {}


def _genesys(doc: Mapping[str, Any], stem: str) -> Parsed:
    turns = []
    for part in doc["transcripts"]:
        for p in part["phrases"]:
            duration = p.get("duration", {})
            length = duration.get("milliseconds") if isinstance(duration, dict) else duration
            start = p.get("startTimeMs")
            purpose = p.get("participantPurpose")
            turns.append(
                _turn(
                    str(purpose or "unknown"),
                    p["text"],
                    _role(purpose),
                    start_ms=start,
                    end_ms=start + length if start is not None and length else None,
                )
            )
    turns.sort(key=lambda t: t.start_ms if t.start_ms is not None else 0.0)
    meta = {"media_type": doc.get("mediaType")} if doc.get("mediaType") else {}
    yield str(doc.get("conversationId") or stem), turns, meta


def _whisper(doc: Mapping[str, Any], stem: str) -> Parsed:
    """Segments; consecutive segments of one speaker are one turn. No speaker: roles unknown."""
    turns: list[Turn] = []
    for seg in doc["segments"]:
        speaker = str(seg.get("speaker") or "unknown")
        text = str(seg["text"]).strip()
        start, end = _seconds(seg.get("start")), _seconds(seg.get("end"))
        if turns and turns[-1].speaker == speaker:
            last = turns[-1]
            turns[-1] = Turn(
                speaker, f"{last.text} {text}".strip(), last.role, last.start_ms, end, last.meta
            )
        else:
            turns.append(_turn(speaker, text, None, start_ms=start, end_ms=end))
    meta = {"language": doc["language"]} if doc.get("language") else {}
    yield stem, turns, meta


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value) * 1000.0


PARSERS: dict[str, Callable[[Mapping[str, Any], str], Parsed]] = {
    "aws-transcribe": _aws_transcribe,
    "contact-lens": _contact_lens,
    "google-ccai": _google_ccai,
    "twilio": _twilio,
    "genesys": _genesys,
    "whisper": _whisper,
}
