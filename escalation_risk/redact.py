"""Redaction of personal data, so it never reaches a model file or a report.

Every digit run (card, account, phone, social security numbers and codes, with spaces or
dashes inside) becomes ``[NUM]``, and so does a run of four or more spelled-out digits, as
speech-to-text writes them ("four one one one"), or of three after a code word ("the CVV is
seven three seven"). Email addresses, written or spoken ("jane dot doe at example dot com"),
become ``[EMAIL]``. Vendor placeholders such as ``[PII]`` stay as they are.
"""

from __future__ import annotations

import re

PLACEHOLDER = "[NUM]"
EMAIL = "[EMAIL]"
_DIGIT_WORDS = r"(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine|double|triple)"
_DIGITS = re.compile(r"\d(?:[ \-./]?\d)*")
_SPELLED = re.compile(rf"\b{_DIGIT_WORDS}(?:[ \-,]+{_DIGIT_WORDS}){{3,}}\b", flags=re.IGNORECASE)
_CODE = re.compile(
    rf"\b(?:cvv|cvc|cv2|security code|card code|pin|passcode|code)(?: number)?"
    rf"(?: is|'s| was)?[ ,:]+({_DIGIT_WORDS}(?:[ \-,]+{_DIGIT_WORDS}){{2}})\b",
    flags=re.IGNORECASE,
)
_CODE_WORDS = ("cvv", "cvc", "cv2", "code", "pin")  # every _CODE match holds one of them
_EMAIL = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b[a-z0-9._-]+(?: dot [a-z0-9_-]+)* at [a-z0-9-]+(?: dot [a-z0-9-]+)*"
    r" dot (?:com|org|net|edu|gov|io|co|uk|de|fr|info|biz)\b",
    flags=re.IGNORECASE,
)


def redaction_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of ``text`` that :func:`redact` replaces, in order, not overlapping.

    >>> redaction_spans("pin 1234 or four one one one")
    [(4, 8), (12, 28)]
    """
    spans = [m.span() for m in _DIGITS.finditer(text)]
    spans += [m.span() for m in _SPELLED.finditer(text) if _keep_short(m) == PLACEHOLDER]
    # Both patterns need a literal word first; a substring test is far cheaper than the regex
    # and runs on every turn of every call scored.
    lower = text.lower()
    if any(word in lower for word in _CODE_WORDS):
        spans += [m.span(1) for m in _CODE.finditer(text)]
    if "@" in text or " dot " in lower:
        spans += [m.span() for m in _EMAIL.finditer(text)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact(text: str) -> str:
    """Replace digit runs, spelled-out digit runs and email addresses with placeholders.

    >>> redact("card 4111-1111-1111-1111, pin nine one nine four, call 3 times")
    'card [NUM], pin [NUM], call [NUM] times'
    >>> redact("the cvv is seven three seven, email jane.doe@example.com or jo at mail dot com")
    'the cvv is [NUM], email [EMAIL] or [EMAIL]'
    >>> redact("one moment please")
    'one moment please'
    """
    out, last = [], 0
    for start, end in redaction_spans(text):
        out.append(text[last:start])
        out.append(EMAIL if "@" in text[start:end] or " at " in text[start:end] else PLACEHOLDER)
        last = end
    out.append(text[last:])
    return "".join(out)


def _keep_short(match: re.Match[str]) -> str:
    words = re.split(r"[ \-,]+", match.group(0))
    # "oh" and "o" alone are words; only count a run that holds four real digit words
    digits = [w for w in words if w.lower() not in {"oh", "o", "double", "triple"}]
    return PLACEHOLDER if len(digits) >= 3 else match.group(0)
