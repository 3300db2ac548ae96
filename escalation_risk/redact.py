"""Redaction of personal data, so it never reaches a model file or a report.

Every digit run (with spaces, dashes or dots inside) is masked, and so is a run of four or more
spelled-out digits, as speech-to-text writes them ("four one one one"), or of three after a code
word ("the CVV is seven three seven"), and every email address, written or spoken ("jane dot
doe at example dot com"). Nothing is kept: the kind only names the placeholder a quote shows —
``[CARD]`` (13-19 digits passing the Luhn check), ``[SSN]`` (3-2-4 digits, or nine after
"social"/"SSN"), ``[PHONE]`` (10 digits, 11 from 1, or 3-4 digits), ``[CODE]`` (after a code
word), ``[ACCOUNT]`` (any other run of 8 digits or more), ``[EMAIL]``, and ``[NUM]`` for the
rest. Features see every masked token as ``[num]``, whatever its kind. Vendor placeholders such
as ``[PII]`` stay as they are.
"""

from __future__ import annotations

import re

PLACEHOLDER = "[NUM]"
EMAIL = "[EMAIL]"
_DIGIT_WORDS = r"(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine|double|triple)"
_DIGITS = re.compile(r"\d(?:[ \-./]?\d)*")
_SPELLED = re.compile(rf"\b{_DIGIT_WORDS}(?:[ \-,]+{_DIGIT_WORDS}){{3,}}\b", flags=re.IGNORECASE)
_SPELLED_LOWER = re.compile(_SPELLED.pattern)  # for text already in lower case
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


# (start, end, what found it: "digits", "spelled", "code", "email"); the kind of placeholder is
# decided only when a quote shows the range, since the features need the ranges alone.
MaskedRange = tuple[int, int, frozenset[str]]


def redaction_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of ``text`` that :func:`redact` replaces, in order, not overlapping.

    >>> redaction_spans("pin 1234 or four one one one")
    [(4, 8), (12, 28)]
    """
    return [(start, end) for start, end, _ in masked_ranges(text)]


def masked_ranges(text: str) -> list[MaskedRange]:
    """Every range :func:`redact` replaces, in order, not overlapping, with what found it."""
    found = [(*m.span(), "digits") for m in _DIGITS.finditer(text)]
    lower = text.lower()
    # Case-blind matching costs twice the time of matching lower case. For ASCII text the two
    # agree (same length, same letters); other text keeps the case-blind pattern.
    spelled = _SPELLED_LOWER.finditer(lower) if text.isascii() else _SPELLED.finditer(text)
    found += [(*m.span(), "spelled") for m in spelled if _keep_short(m) == PLACEHOLDER]
    # Both patterns need a literal word first; a substring test is far cheaper than the regex
    # and runs on every turn of every call scored.
    if any(word in lower for word in _CODE_WORDS):
        found += [(*m.span(1), "code") for m in _CODE.finditer(text)]
    if "@" in text or " dot " in lower:
        found += [(*m.span(), "email") for m in _EMAIL.finditer(text)]
    merged: list[tuple[int, int, set[str]]] = []
    for start, end, source in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), merged[-1][2] | {source})
        else:
            merged.append((start, end, {source}))
    return [(start, end, frozenset(sources)) for start, end, sources in merged]


def redact(text: str) -> str:
    """Replace digit runs, spelled-out digit runs and email addresses with placeholders.

    >>> redact("card 4111-1111-1111-1111, pin nine one nine four, call 3 times")
    'card [CARD], pin [CODE], call [NUM] times'
    >>> redact("the cvv is seven three seven, email jane.doe@example.com or jo at mail dot com")
    'the cvv is [CODE], email [EMAIL] or [EMAIL]'
    >>> redact("call me on 555 010 4477, account 20441937, ssn 219-09-9999")
    'call me on [PHONE], account [ACCOUNT], ssn [SSN]'
    >>> redact("one moment please")
    'one moment please'
    """
    return redact_range(text, 0, len(text))


def redact_range(text: str, start: int, end: int, masked: list[MaskedRange] | None = None) -> str:
    """``text[start:end]`` redacted as part of the whole ``text``: a number that the range cuts
    is still masked ("four one one" alone is too short to look like digits; inside "four one
    one one one" it is not). ``masked`` is :func:`masked_ranges` of ``text``, if at hand.

    >>> text = "my card is four one one one one one"
    >>> redact_range(text, 0, 19), redact(text[0:19])
    ('my card is [NUM]', 'my card is four one')
    """
    out, last = [], start
    for s, e, sources in masked_ranges(text) if masked is None else masked:
        if e <= start or s >= end:
            continue
        out.append(text[last : max(s, start)])
        out.append(_kind(text, s, e, sources))
        last = min(e, end)
    out.append(text[last:end])
    return "".join(out)


def _keep_short(match: re.Match[str]) -> str:
    words = re.split(r"[ \-,]+", match.group(0))
    # "oh" and "o" alone are words; only count a run that holds four real digit words
    digits = [w for w in words if w.lower() not in {"oh", "o", "double", "triple"}]
    return PLACEHOLDER if len(digits) >= 3 else match.group(0)


_WORD_DIGITS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_SSN_SHAPE = re.compile(r"^\d{3}[ -]\d{2}[ -]\d{4}$")
_SSN_WORDS = re.compile(r"\b(?:social|ssn|security number)\b", re.IGNORECASE)
_PHONE_SHAPE = re.compile(r"^\d{3}[ .-]\d{4}$")


def _kind(text: str, start: int, end: int, sources: frozenset[str]) -> str:
    """The placeholder for one masked range (see the module's docstring)."""
    if "email" in sources:
        return EMAIL
    if "code" in sources:
        return "[CODE]"
    span = text[start:end]
    digits = _digits_of(span)
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return "[CARD]"
    before = text[max(0, start - 40) : start]
    if _SSN_SHAPE.match(span) or (len(digits) == 9 and _SSN_WORDS.search(before)):
        return "[SSN]"
    if len(digits) == 10 or (len(digits) == 11 and digits[0] == "1") or _PHONE_SHAPE.match(span):
        return "[PHONE]"
    if len(digits) >= 8:
        return "[ACCOUNT]"
    return PLACEHOLDER


def _digits_of(span: str) -> str:
    """The digits a masked range holds, written or spoken ("double five" is 55)."""
    if any(ch.isdigit() for ch in span):
        return "".join(ch for ch in span if ch.isdigit())
    out, repeat = [], 1
    for word in re.split(r"[ \-,]+", span.lower()):
        if word in ("double", "triple"):
            repeat = 2 if word == "double" else 3
        elif word in _WORD_DIGITS:
            out.append(_WORD_DIGITS[word] * repeat)
            repeat = 1
    return "".join(out)


def luhn_valid(digits: str) -> bool:
    """The Luhn check card numbers pass.

    >>> luhn_valid("4111111111111111"), luhn_valid("4111111111111112")
    (True, False)
    """
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0
