from __future__ import annotations

import pytest
import spacy
from helpers import ANGRY, call

from escalation_risk import find_signals
from escalation_risk.signals import SignalMatcher

MATCHER = SignalMatcher()


def families(speaker: str, text: str) -> set[str]:
    analyzed = MATCHER.analyze(call("t", (speaker, text)))
    return {e.family for e in analyzed.evidence}


MUST_FIRE = [
    ("customer", "This is the third time I've called about this.", "repeat_contact"),
    ("customer", "i called yesterday and nobody called me back", "repeat_contact"),
    ("customer", "It's still not fixed.", "unresolved_issue"),
    ("customer", "same problem again, it's been going on for months", "unresolved_issue"),
    ("customer", "I want to speak to your supervisor.", "supervisor_request"),
    ("customer", "get me a man ager", "supervisor_request"),
    ("customer", "let me talk to your super visor", "supervisor_request"),
    ("customer", "is there someone higher up", "supervisor_request"),
    ("customer", "I need someone who can actually help", "supervisor_request"),
    ("customer", "I'm going to cancel my account", "churn_threat"),
    ("customer", "i'll switch providers", "churn_threat"),
    ("customer", "I want to close my account", "churn_threat"),
    ("customer", "I'll be filing a formal complaint", "complaint_threat"),
    ("customer", "I'm reporting you to the ombudsman", "complaint_threat"),
    ("customer", "my lawyer will hear about this", "complaint_threat"),
    ("customer", "I'll put this all over social media", "complaint_threat"),
    ("customer", "This is absolutely ridiculous", "anger"),
    ("customer", "unacceptable", "anger"),
    ("customer", "I've been on hold for an hour", "customer_effort"),
    ("customer", "i keep getting transferred around and repeating myself", "customer_effort"),
    ("agent", "I can't do that.", "cant_phrasing"),
    ("agent", "i cant do that", "cant_phrasing"),
    ("agent", "I'm not able to waive it", "cant_phrasing"),
    ("agent", "there's nothing I can do", "cant_phrasing"),
    ("agent", "unfortunately no", "cant_phrasing"),
    ("agent", "that's not possible", "cant_phrasing"),
    ("agent", "that's our policy", "policy_wall"),
    ("agent", "thats our policy", "policy_wall"),
    ("agent", "the system won't let me", "policy_wall"),
    ("agent", "the supervisor will tell you the same thing", "supervisor_deflection"),
    ("agent", "there's no point transferring you", "supervisor_deflection"),
    ("agent", "that's not my department", "supervisor_deflection"),
    ("agent", "as I already explained, the fee stands", "blame"),
    ("agent", "like I said, it's in the contract", "blame"),
    ("agent", "you should have read the terms", "blame"),
    ("agent", "you need to calm down", "blame"),
    ("agent", "here's what I can do", "ownership"),
    ("agent", "I'll take care of it", "ownership"),
    ("agent", "let me make sure this gets fixed", "ownership"),
    ("agent", "I understand how frustrating this is", "empathy"),
    ("agent", "I'm sorry you've had to call again", "empathy"),
    ("agent", "you'll hear from us by Friday", "expectation_setting"),
    ("agent", "please hold for about two minutes", "expectation_setting"),
    ("agent", "I'll call you back at three", "expectation_setting"),
]


@pytest.mark.parametrize(("speaker", "text", "family"), MUST_FIRE)
def test_must_fire(speaker, text, family):
    assert family in families(speaker, text)


MUST_NOT_FIRE = [
    ("agent", "I can't wait for you to try the new plan!", "cant_phrasing"),
    ("agent", "Sorry, I can't hear you, bad line.", "cant_phrasing"),
    ("agent", "sorry i cant hear you its a bad line", "cant_phrasing"),
    ("customer", "My manager at work needs the invoice.", "supervisor_request"),
    ("customer", "The store manager told me to call you.", "supervisor_request"),
    ("customer", "I don't need a supervisor, I just want my refund.", "supervisor_request"),
    ("customer", "i dont need a super visor i just want to know when", "supervisor_request"),
    (
        "customer",
        "Can I speak to your supervisor? I want to tell them how helpful you've been.",
        "supervisor_request",
    ),
    ("customer", "could you let your manager know how great you were", "supervisor_request"),
    ("customer", "I want to cancel my order", "churn_threat"),
]


@pytest.mark.parametrize(("speaker", "text", "family"), MUST_NOT_FIRE)
def test_must_not_fire(speaker, text, family):
    assert family not in families(speaker, text)


def test_families_are_role_aware():
    assert "supervisor_request" not in families("agent", "I want to speak to your supervisor")
    assert "cant_phrasing" not in families("customer", "I can't do that")
    assert families("SPEAKER_00", "I want a supervisor, this is ridiculous") == set()


def test_evidence_offsets_point_into_the_original_turn():
    frame = find_signals([ANGRY], redact_quotes=False)
    assert len(frame) >= 5
    for row in frame.itertuples():
        text = ANGRY.turns[row.turn].text
        assert text[row.start : row.end] == row.quote
        assert row.speaker == ANGRY.turns[row.turn].role


def test_quotes_are_redacted_by_default_but_offsets_are_not():
    c = call("r", ("customer", "third time calling about card 4111 1111 1111 1111"))
    c2 = call("r", ("customer", "called 3 times already"))
    rows = find_signals([c, c2])
    quote = rows.loc[rows.family == "repeat_contact", "quote"].tolist()
    assert quote[-1] == "called [NUM] times already"  # overlapping matches of a family merge
    assert all("4111" not in q and "3" not in q for q in rows["quote"])
    raw = find_signals([c2], redact_quotes=False)
    assert raw.loc[0, "quote"] == "called 3 times already"


def test_agent_habits_carry_a_better_phrasing():
    analyzed = MATCHER.analyze(call("b", ("agent", "that's our policy and I can't change it")))
    habits = [e for e in analyzed.evidence if e.family in ("policy_wall", "cant_phrasing")]
    assert len(habits) == 2 and all(e.better for e in habits)


def test_registered_spacy_component():
    nlp = spacy.blank("en")
    nlp.add_pipe("escalation_signals")
    doc = nlp("I want to speak to your manager. That's our policy.")
    labels = [s.label_ for s in doc.spans["escalation_signals"]]
    assert labels == ["supervisor_request", "policy_wall"]  # no role set: no speaker filter
    doc = nlp.make_doc("I want to speak to your manager. That's our policy.")
    doc._.escalation_role = "agent"
    assert [
        s.label_ for s in nlp.get_pipe("escalation_signals")(doc).spans["escalation_signals"]
    ] == ["policy_wall"]


def test_component_is_found_through_the_spacy_entry_point():
    """No import of ours: spaCy finds the factory from the installed package's entry point."""
    import subprocess
    import sys

    code = (
        "import spacy; nlp = spacy.blank('en'); nlp.add_pipe('escalation_signals'); "
        "doc = nlp('that is our policy'); "
        "print([s.label_ for s in doc.spans['escalation_signals']])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['policy_wall']"


def test_a_speakers_patterns_alone_find_what_filtering_every_match_finds():
    """find(norms, speaker) keeps only that speaker's patterns before matching: it must give
    exactly the matches of every pattern that belong to that speaker."""
    from helpers import CORPUS

    from escalation_risk import read_transcripts

    matcher = SignalMatcher()
    index, lexicon = matcher._matcher, matcher.lexicon
    turns = 0
    for c in list(read_transcripts(CORPUS / "calls-w1.jsonl"))[:40]:
        analyzed = matcher.analyze(c)
        for norms in analyzed.tokens:
            every = index.find(norms)
            for speaker in ("customer", "agent"):
                mine = [m for m in every if lexicon.entry(m[0])["speaker"] == speaker]
                assert index.find(norms, speaker) == mine
                turns += bool(mine)
    assert turns > 100  # the calls hold signs of both speakers
