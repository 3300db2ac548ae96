"""The hand-made fixtures stay true to the data they quote."""

from __future__ import annotations

import json

from helpers import CORPUS, ROOT

from escalation_risk import read_transcripts
from escalation_risk.lexicon import FAMILIES

STYLES = json.loads((ROOT / "tests" / "fixtures" / "agent_styles.json").read_text())["agents"]


def test_every_agent_of_the_corpus_has_a_style_quoted_from_its_own_calls():
    calls = {c.call_id: c for c in read_transcripts(CORPUS)}
    agents = {c.metadata["agent_id"] for c in calls.values()}
    assert set(STYLES) == agents
    agent_families = {f.id for f in FAMILIES if f.speaker == "agent"}
    for agent, style in STYLES.items():
        assert style["family"] is None or style["family"] in agent_families, agent
        assert len(style["evidence"]) >= 2
        for ev in style["evidence"]:
            call = calls[ev["call_id"]]
            assert call.metadata["agent_id"] == agent
            turn = call.turns[ev["turn"]]
            assert turn.role == "agent" and ev["quote"] in turn.text, (agent, ev)
