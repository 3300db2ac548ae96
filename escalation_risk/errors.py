"""Named errors and the skip log shared by every command.

Every message is one line that names where the problem is (file, line, call id) and what is
wrong, so a QA lead can fix the input without reading a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

OnError = Literal["fail", "skip"]


class EscalationRiskError(Exception):
    """Base class for every error this package raises on purpose."""


class InputError(EscalationRiskError, ValueError):
    """A transcript source, line or call that cannot be used.

    >>> str(InputError("empty call (no turns)", source="calls.jsonl", line=3, call_id="C1"))
    'calls.jsonl:3: call C1: empty call (no turns)'
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        line: int | None = None,
        call_id: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.line = line
        self.call_id = call_id
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.source is not None:
            where = self.source if self.line is None else f"{self.source}:{self.line}"
        parts = [p for p in (where, f"call {self.call_id}" if self.call_id else "") if p]
        return ": ".join([*parts, self.problem])


class ModelFileError(EscalationRiskError):
    """A model file that we refuse to load (unsafe, tampered, wrong versions)."""


class TrainingError(EscalationRiskError, ValueError):
    """Training data that cannot produce an honest model."""


@dataclass
class SkipLog:
    """Counts the calls a batch skipped and keeps the first few messages.

    >>> log = SkipLog()
    >>> log.add(InputError("no text", call_id="C9"))
    >>> log.count, log.messages
    (1, ['call C9: no text'])
    """

    keep: int = 5
    count: int = 0
    messages: list[str] = field(default_factory=list)

    def add(self, error: InputError) -> None:
        self.count += 1
        if len(self.messages) < self.keep:
            self.messages.append(str(error))

    def merge(self, other: SkipLog) -> None:
        """Count ``other``'s skips here too (a worker's log into the batch's)."""
        self.count += other.count
        self.messages.extend(other.messages[: max(0, self.keep - len(self.messages))])

    def summary(self) -> str:
        if not self.count:
            return "no calls skipped"
        more = self.count - len(self.messages)
        lines = [f"skipped {self.count} call(s):", *(f"  {m}" for m in self.messages)]
        if more > 0:
            lines.append(f"  ... and {more} more")
        return "\n".join(lines)
