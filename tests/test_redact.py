from __future__ import annotations

import pytest

from escalation_risk.redact import redact, redaction_spans


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111 1111 1111 1111 exp", "card [NUM] exp"),
        ("4111-1111-1111-1111", "[NUM]"),
        ("my pin is nine one nine four ok", "my pin is [NUM] ok"),
        ("two oh four four one nine three seven", "[NUM]"),
        ("call me on 555.123.4567", "call me on [NUM]"),
        ("I have one or two questions", "I have one or two questions"),
        ("one moment please", "one moment please"),
        ("placeholder [PII] stays", "placeholder [PII] stays"),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


def test_spans_cover_exactly_what_redact_replaces():
    text = "ref 12345 and four four one one"
    spans = redaction_spans(text)
    assert [text[s:e] for s, e in spans] == ["12345", "four four one one"]
