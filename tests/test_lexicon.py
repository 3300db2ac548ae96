from __future__ import annotations

import json

import pytest
from helpers import call

from escalation_risk.errors import InputError
from escalation_risk.lexicon import FAMILIES, FAMILY_IDS, load_lexicon
from escalation_risk.signals import SignalMatcher

STABLE_IDS = [
    "repeat_contact",
    "unresolved_issue",
    "supervisor_request",
    "churn_threat",
    "complaint_threat",
    "anger",
    "customer_effort",
    "cant_phrasing",
    "policy_wall",
    "supervisor_deflection",
    "blame",
    "ownership",
    "empathy",
    "expectation_setting",
]


def test_family_ids_are_the_public_interface():
    assert list(FAMILY_IDS) == STABLE_IDS


def test_every_family_has_patterns_and_habits_have_better_phrasing():
    lex = load_lexicon()
    for family in FAMILIES:
        entries = [e for e in lex.entries if e["label"] == family.id and not e.get("exception")]
        assert entries, family.id
        assert all(e["speaker"] == family.speaker for e in entries)
        if family.kind == "habit":
            assert all(e.get("better") for e in entries), family.id


def write(tmp_path, rows):
    path = tmp_path / "extra.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_user_lexicon_adds_overrides_and_disables(tmp_path):
    path = write(
        tmp_path,
        [
            {"id": "mine", "label": "anger", "pattern": "{bananas|nuts}", "severity": 2},
            {"id": "an-judgement", "label": "anger", "pattern": "preposterous"},
            {"id": "pw-policy", "disabled": True},
        ],
    )
    lex = load_lexicon(path)
    matcher = SignalMatcher(lex)

    def fams(speaker, text):
        return {e.family for e in matcher.analyze(call("x", (speaker, text))).evidence}

    assert "anger" in fams("customer", "this is bananas")
    assert "anger" in fams("customer", "preposterous")
    assert "anger" not in fams("customer", "ridiculous")  # overridden pattern no longer there
    # only pw-policy matches this phrase, so disabling it silences the family here
    assert "policy_wall" in {
        e.family
        for e in SignalMatcher().analyze(call("x", ("agent", "it's company policy"))).evidence
    }
    assert "policy_wall" not in fams("agent", "it's company policy")
    assert lex.version != load_lexicon().version


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"id": "x", "label": "grumpy", "pattern": "a"}, "unknown family 'grumpy'"),
        ({"label": "anger", "pattern": "a"}, "needs an 'id'"),
        ({"id": "x", "label": "anger"}, "needs a 'pattern'"),
    ],
)
def test_bad_user_lexicon_lines_are_named(tmp_path, row, message):
    path = write(tmp_path, [row])
    with pytest.raises(InputError, match=f"extra.jsonl:1: .*{message}"):
        load_lexicon(path)


def test_undefined_set_is_reported(tmp_path):
    path = write(tmp_path, [{"id": "x", "label": "anger", "pattern": "@NOPE"}])
    with pytest.raises(InputError, match="pattern x: uses undefined set @NOPE"):
        SignalMatcher(load_lexicon(path))
