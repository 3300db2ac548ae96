"""Round trips: whatever calls we write in a supported format come back unchanged."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_risk import read_transcripts

speakers = st.sampled_from(["agent", "customer", "Agent", "CALLER", "rep", "SPEAKER_01"])
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda t: t.strip())
turns = st.lists(st.tuples(speakers, texts), min_size=1, max_size=6)
calls = st.lists(
    st.tuples(st.uuids().map(str), turns, st.booleans()),
    min_size=1,
    max_size=5,
    unique_by=lambda c: c[0],
)


@settings(max_examples=100, deadline=None)
@given(calls)
def test_jsonl_round_trip(generated):
    lines = [
        json.dumps(
            {
                "call_id": cid,
                "turns": [{"speaker": s, "text": t} for s, t in ts],
                "escalated": label,
            }
        )
        for cid, ts, label in generated
    ]
    back = list(read_transcripts(io.StringIO("\n".join(lines) + "\n")))
    assert [(c.call_id, [(t.speaker, t.text) for t in c.turns], c.label) for c in back] == [
        (cid, ts, label) for cid, ts, label in generated
    ]


@settings(max_examples=100, deadline=None)
@given(calls)
def test_csv_turn_rows_round_trip(generated):
    handle = io.StringIO(newline="")
    writer = csv.writer(handle)
    writer.writerow(["call_id", "speaker", "text", "escalated"])
    for cid, ts, label in generated:
        for s, t in ts:
            writer.writerow([cid, s, t, int(label)])
    back = list(read_transcripts(io.StringIO(handle.getvalue()), format="csv"))
    assert [(c.call_id, [(t.speaker, t.text) for t in c.turns], c.label) for c in back] == [
        (cid, ts, label) for cid, ts, label in generated
    ]
