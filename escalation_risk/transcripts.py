"""The one transcript model every reader returns: a call is a list of turns with roles."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["agent", "customer", "system", "unknown"]

_ROLE_ALIASES: dict[str, Role] = {
    "agent": "agent",
    "automated_agent": "agent",
    "human_agent": "agent",
    "internal": "agent",
    "rep": "agent",
    "csr": "agent",
    "representative": "agent",
    "customer": "customer",
    "caller": "customer",
    "client": "customer",
    "end_user": "customer",
    "external": "customer",
    "system": "system",
}


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` with lone surrogates (valid JSON, invalid UTF-8) replaced by U+FFFD.

    >>> clean_text("ok " + chr(0xD800) + " ok") == "ok \N{REPLACEMENT CHARACTER} ok"
    True
    """
    return _SURROGATE.sub("\ufffd", text)


def role_of(speaker: str) -> Role:
    """Map a speaker label to a role; anything we do not recognise is ``unknown``.

    >>> role_of("Agent"), role_of(" CALLER "), role_of("SPEAKER_00")
    ('agent', 'customer', 'unknown')
    """
    return _ROLE_ALIASES.get(speaker.strip().lower(), "unknown")


@dataclass(frozen=True)
class Turn:
    """One speaker turn: who spoke (label and role), what they said, and when if known.

    ``start_ms``/``end_ms`` are offsets from the start of the call; ``meta`` keeps what a vendor
    adds (sentiment, loudness, absolute time) as data, never as model features.
    """

    speaker: str
    text: str
    role: Role
    start_ms: float | None = None
    end_ms: float | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # JSON allows lone surrogates ("\ud800"); no UTF-8 output can hold them.
        for name in ("speaker", "text"):
            value = getattr(self, name)
            if not value.isascii():
                object.__setattr__(self, name, clean_text(value))

    @classmethod
    def from_speaker(cls, speaker: str, text: str, **timing: Any) -> Turn:
        return cls(speaker=speaker, text=text, role=role_of(speaker), **timing)


@dataclass(frozen=True)
class Transcript:
    """A call: its id, ordered turns, metadata and (for training) a label.

    ``source`` and ``line`` say where it was read, for error messages.
    """

    call_id: str
    turns: tuple[Turn, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    label: bool | None = None
    source: str | None = None
    line: int | None = None

    @property
    def n_words(self) -> int:
        return sum(len(t.text.split()) for t in self.turns)

    def __reduce__(self) -> tuple[Any, ...]:
        # Calls are pickled by the thousand on their way to worker processes; turns as plain
        # tuples unpickle in a quarter of the time of dataclass objects.
        turns = tuple((t.speaker, t.text, t.role, t.start_ms, t.end_ms, t.meta) for t in self.turns)
        fields = (self.call_id, turns, self.metadata, self.label, self.source, self.line)
        return (_unpickled, fields)


def _unpickled(
    call_id: str,
    turns: tuple[tuple[Any, ...], ...],
    metadata: Mapping[str, Any],
    label: bool | None,
    source: str | None,
    line: int | None,
) -> Transcript:
    return Transcript(call_id, tuple(Turn(*t) for t in turns), metadata, label, source, line)
