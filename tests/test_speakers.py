"""Who is the agent: guesses, overrides, single speakers and the packaged word model."""

from __future__ import annotations

import json
import sys

from escalation_risk.readers import read_transcripts
from escalation_risk.speakers import assign_roles, guess_agent, needs_roles
from escalation_risk.transcripts import Transcript, Turn

from .helpers import CORPUS, ROOT


def named(*turns: tuple[str, str]) -> Transcript:
    return Transcript("N1", tuple(Turn(s, t, "unknown") for s, t in turns))


CALL = named(
    ("Maria", "Hi, I'm calling because my internet has been down since Monday."),
    ("Sam", "I'm sorry to hear that. Can I have the account number please?"),
    ("Maria", "It's on my bill somewhere, hold on. I already called twice."),
    ("Sam", "Thanks. Let me run a line test. Is there anything else I can help with today?"),
)


def test_the_agent_is_found_whoever_speaks_first():
    assert guess_agent(CALL.turns).agent == "Sam"
    reversed_call = named(*[(t.speaker, t.text) for t in reversed(CALL.turns)])
    assert guess_agent(reversed_call.turns).agent == "Sam"


def test_roles_are_assigned_and_explained_in_metadata():
    call = assign_roles(CALL)
    assert [t.role for t in call.turns] == ["customer", "agent", "customer", "agent"]
    assert call.metadata["agent_speaker"] == "Sam" and call.metadata["role_source"] == "inferred"
    assert call.metadata["role_confidence"] > 0.75


def test_override_single_speaker_and_calls_that_already_have_roles():
    assert assign_roles(CALL, agent_speaker="Maria").turns[0].role == "agent"
    alone = named(("SPEAKER_00", "Thank you for calling, how can I help?"))
    assert assign_roles(alone).turns[0].role == "unknown"
    labelled = Transcript("L", (Turn.from_speaker("agent", "Hello"),))
    assert not needs_roles(labelled) and assign_roles(labelled) is labelled


def test_system_turns_stay_system():
    call = Transcript("S", (Turn("SYSTEM", "You are in the queue.", "system"), *CALL.turns))
    resolved = assign_roles(call)
    assert resolved.turns[0].role == "system" and resolved.turns[2].role == "agent"


def test_packaged_word_model_is_rebuilt_exactly_and_holds_no_digits():
    sys.path.insert(0, str(ROOT / "scripts"))
    from train_speaker_words import OUT, fit

    packaged = json.loads(OUT.read_text())
    rebuilt = fit(list(read_transcripts(CORPUS)))
    # Stated tolerance: 1e-3 per weight; a term may cross the keep threshold only at its edge.
    assert abs(rebuilt["intercept"] - packaged["intercept"]) <= 1e-3
    old, new = packaged["weights"], rebuilt["weights"]
    assert all(abs(old[t] - new[t]) <= 1e-3 for t in old.keys() & new.keys())
    assert all(abs(w.get(t, 0.0)) < 0.0215 for w in (old, new) for t in old.keys() ^ new.keys())
    assert len(old.keys() & new.keys()) > 0.99 * len(old)
    assert not any(ch.isdigit() for term in packaged["weights"] for ch in term)
