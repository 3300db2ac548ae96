"""Redaction of digit runs, so card and account numbers never reach a model file or a report.

Every digit run (with spaces or dashes inside, as card numbers are written) becomes ``[NUM]``,
and so does a run of four or more spelled-out digits, as speech-to-text writes them
("four one one one"). Vendor placeholders such as ``[PII]`` hold no digits and stay as they are.
"""

from __future__ import annotations

import re

PLACEHOLDER = "[NUM]"
_DIGIT_WORDS = r"(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine|double|triple)"
_DIGITS = re.compile(r"\d(?:[ \-./]?\d)*")
_SPELLED = re.compile(rf"\b{_DIGIT_WORDS}(?:[ \-,]+{_DIGIT_WORDS}){{3,}}\b", flags=re.IGNORECASE)


def redaction_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of ``text`` that :func:`redact` replaces, in order.

    >>> redaction_spans("pin 1234 or four one one one")
    [(4, 8), (12, 28)]
    """
    spans = [m.span() for m in _DIGITS.finditer(text)]
    spans += [m.span() for m in _SPELLED.finditer(text) if _keep_short(m) == PLACEHOLDER]
    return sorted(spans)


def redact(text: str) -> str:
    """Replace digit runs and spelled-out digit runs with ``[NUM]``.

    >>> redact("card 4111-1111-1111-1111, pin nine one nine four, call 3 times")
    'card [NUM], pin [NUM], call [NUM] times'
    >>> redact("one moment please")
    'one moment please'
    """
    text = _DIGITS.sub(PLACEHOLDER, text)
    return _SPELLED.sub(_keep_short, text)


def _keep_short(match: re.Match[str]) -> str:
    words = re.split(r"[ \-,]+", match.group(0))
    # "oh" and "o" alone are words; only count a run that holds four real digit words
    digits = [w for w in words if w.lower() not in {"oh", "o", "double", "triple"}]
    return PLACEHOLDER if len(digits) >= 3 else match.group(0)
