from __future__ import annotations

import pytest

from escalation_risk.redact import redact, redaction_spans


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111 1111 1111 1111 exp", "card [CARD] exp"),
        ("4111-1111-1111-1111", "[CARD]"),
        ("4111-1111-1111-1112", "[ACCOUNT]"),  # fails the Luhn check: still masked
        ("four one one one one one one one one one one one one one one one", "[CARD]"),
        ("three seven eight two eight two two four six three one double oh oh five", "[CARD]"),
        ("my pin is nine one nine four ok", "my pin is [CODE] ok"),
        ("two oh four four one nine three seven", "[ACCOUNT]"),
        ("call me on 555.123.4567", "call me on [PHONE]"),
        ("call 1 800 555 0199 or 555-0199", "call [PHONE] or [PHONE]"),
        ("my ssn is 219-09-9999", "my ssn is [SSN]"),
        ("social is two one nine oh nine nine nine nine nine", "social is [SSN]"),
        ("reference 219099999", "reference [ACCOUNT]"),  # nine digits, no 'social' near
        ("order 12345 arrived", "order [NUM] arrived"),
        ("I have one or two questions", "I have one or two questions"),
        ("one moment please", "one moment please"),
        ("placeholder [PII] stays", "placeholder [PII] stays"),
        # spelled digits in any case; non-ASCII text takes the case-blind pattern
        ("Card FOUR One one ONE ok", "Card [NUM] ok"),
        ("café: Four One One One, naïve", "café: [NUM], naïve"),
        ("İstanbul office, Four One One One", "İstanbul office, [NUM]"),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


def test_spans_cover_exactly_what_redact_replaces():
    text = "ref 12345 and four four one one"
    spans = redaction_spans(text)
    assert [text[s:e] for s, e in spans] == ["12345", "four four one one"]


def test_a_range_is_redacted_as_part_of_its_whole_text():
    """Quotes and word contexts are ranges of a turn: a number the range cuts stays masked."""
    from escalation_risk.redact import redact_range

    text = "the card is four one one one one one one one one one one one one one one one ok"
    cut = text.index("one one one ok")  # the range ends three digit words before the end
    assert redact_range(text, 0, cut + 11) == "the card is [CARD]"
    assert redact(text[: cut + 11]).endswith("[CARD]")  # alone it is still long enough
    short = "pin four one one one"
    assert redact_range(short, 0, len("pin four one")) == "pin [CODE]"
    assert redact(short[: len("pin four one")]) == "pin four one"  # what a plain cut would leak


def test_quotes_of_signs_and_word_contexts_mask_numbers_they_cut(small_model):
    """Evidence quotes and 'other wording' quotes are cut from a turn; digits never survive."""
    from helpers import call

    from escalation_risk import score

    c = call(
        "cut",
        ("agent", "How can I help?"),
        ("customer", "I called twice four one one one one one one one one one one one one one"),
    )
    out = score([c], small_model)
    quotes = [e["quote"] for e in out["evidence"][0]]
    quotes += [
        e.get("quote", "") for r in out["reasons"][0] for e in r["evidence"] if isinstance(e, dict)
    ]
    assert quotes
    assert not any("one one" in q or "four one" in q for q in quotes), quotes
