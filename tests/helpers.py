"""Tiny inline transcripts and helpers shared by the tests."""

from __future__ import annotations

import json
from pathlib import Path

from escalation_risk.transcripts import Transcript, Turn

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"
WEEKS_1_2 = [CORPUS / "calls-w1.jsonl", CORPUS / "calls-w2.jsonl"]  # small_model's calls


def call(call_id: str, *turns: tuple[str, str], label: bool | None = None, **meta) -> Transcript:
    return Transcript(call_id, tuple(Turn.from_speaker(s, t) for s, t in turns), meta, label)


ANGRY = call(
    "angry",
    ("agent", "Thanks for calling, how can I help?"),
    ("customer", "This is the third time I've called and it's still not fixed."),
    ("agent", "I can't do anything about that, it's our policy."),
    ("customer", "This is ridiculous. I want to speak to your supervisor."),
    label=True,
    agent_id="A1",
)
CALM = call(
    "calm",
    ("agent", "Thanks for calling, how can I help?"),
    ("customer", "I'd like to update my address please."),
    ("agent", "Sure, I'll take care of that for you right now."),
    ("customer", "Great, thank you so much."),
    label=False,
    agent_id="A2",
)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def as_row(c: Transcript) -> dict:
    row = {"call_id": c.call_id, "turns": [{"speaker": t.speaker, "text": t.text} for t in c.turns]}
    if c.label is not None:
        row["escalated"] = c.label
    return {**row, **c.metadata}


BRIEF_SECTIONS = ("problem", "desired_outcome", "prior_contacts", "agent_responses", "timeline")


def brief_quotes(made, call: Transcript) -> list[tuple[str, int, str, str]]:
    """(section, turn, piece, redacted turn text) for every piece of every brief item, the
    pieces being its text split at the ellipses that mark cuts."""
    from escalation_risk.redact import redact

    out = []
    for name in BRIEF_SECTIONS:
        for item in getattr(made, name):
            source = " ".join(redact(call.turns[item.turn].text).split())
            for piece in (p.strip() for p in item.text.split("…")):
                if piece:
                    out.append((name, item.turn, piece, source))
    return out
