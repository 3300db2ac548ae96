"""Round trips: whatever calls we write in a supported format come back unchanged."""

from __future__ import annotations

import csv
import functools
import io
import json
import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_risk import read_transcripts
from escalation_risk.transcripts import Transcript, Turn

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


any_text = st.text(max_size=60)  # every category, lone surrogates included
messy_turns = st.lists(
    st.tuples(st.sampled_from(["agent", "customer", "SPEAKER_00", "x", ""]), any_text), max_size=5
)
messy_calls = st.lists(
    st.tuples(st.uuids().map(str), messy_turns), min_size=1, max_size=6, unique_by=lambda c: c[0]
)


@functools.cache
def _model():
    from escalation_risk import load_model

    return load_model()


@settings(max_examples=40, deadline=None)
@given(messy_calls, st.randoms(use_true_random=False))
def test_score_outputs_every_valid_call_once_in_range_whatever_the_order(generated, rnd):
    from escalation_risk.scoring import BatchReport, score

    lines = [
        json.dumps({"call_id": cid, "turns": [{"speaker": s, "text": t} for s, t in ts]})
        for cid, ts in generated
    ]
    valid = [cid for cid, ts in generated if ts and any(t.strip() for _, t in ts)]
    report = BatchReport()
    out = score(io.StringIO("\n".join(lines) + "\n"), _model(), report=report)
    assert sorted(out["call_id"]) == sorted(valid)
    assert report.skipped.count == len(generated) - len(valid)
    assert ((out["risk"] >= 0) & (out["risk"] <= 1)).all()
    rnd.shuffle(lines)
    again = score(io.StringIO("\n".join(lines) + "\n"), _model())
    first = dict(zip(out["call_id"], out["risk"], strict=True))
    pairs = zip(again["call_id"], again["risk"], strict=True)
    assert all(abs(first[c] - r) < 1e-12 for c, r in pairs)


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=400),
    st.sampled_from([".jsonl", ".json", ".csv", ".tsv", ".txt", ".vtt", ".srt", ".bin"]),
)
def test_every_reader_survives_arbitrary_bytes(tmp_path_factory, data, suffix):
    from escalation_risk.errors import SkipLog
    from escalation_risk.transcripts import Transcript

    path = tmp_path_factory.mktemp("fuzz") / f"input{suffix}"
    path.write_bytes(data)
    skipped = SkipLog()
    for call in read_transcripts(path, on_error="skip", skipped=skipped):
        assert isinstance(call, Transcript) and call.turns


phrases = st.sampled_from(
    [
        "This is my third call about the bill and it's still wrong.",
        "I want the fee refunded. Can you take it off?",
        "Get me your supervisor.",
        "I can't do that, it's our policy.",
        "What I can do is put in a request for a callback.",
        "my card is 4111 1111 1111 1111 and the cvv is seven three seven",
        "Is there anyone who can look at it?",
    ]
)
brief_turns = st.lists(
    st.tuples(
        st.sampled_from(["agent", "customer", "SPEAKER_00", ""]), st.one_of(any_text, phrases)
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(brief_turns)
def test_brief_of_any_call_quotes_only_its_turns_and_fits(generated):
    """Any call gets a brief: no exception, every item a quote (ellipses aside) of the redacted
    turn it names, JSON-ready, and the plain text within its word budget."""
    from helpers import brief_quotes

    from escalation_risk.brief import MAX_WORDS, brief
    from escalation_risk.transcripts import Transcript, Turn

    call = Transcript("h", tuple(Turn.from_speaker(s, t) for s, t in generated))
    made = brief(call, _model())
    for name, turn, piece, source in brief_quotes(made, call):
        assert piece in source, (name, turn, piece, source)
    json.dumps(made.as_dict())
    assert len(made.text().split()) <= MAX_WORDS
    assert "4111" not in made.text() and "seven three seven" not in made.text()


timings = st.none() | st.floats(0, 1e7, allow_nan=False)
turn_objects = st.builds(
    Turn,
    speaker=speakers,
    text=texts,
    role=st.sampled_from(["agent", "customer", "unknown"]),
    start_ms=timings,
    end_ms=timings,
    meta=st.dictionaries(st.sampled_from(["sentiment", "confidence"]), st.floats(-1, 1)),
)
transcripts = st.builds(
    Transcript,
    call_id=st.uuids().map(str),
    turns=st.lists(turn_objects, max_size=5).map(tuple),
    metadata=st.dictionaries(st.sampled_from(["agent_id", "queue"]), st.text(max_size=5)),
    label=st.none() | st.booleans(),
    source=st.none() | st.just("calls.jsonl"),
    line=st.none() | st.integers(1, 10**6),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(transcripts, max_size=3))
def test_calls_pickle_whole(generated):
    """Calls travel to worker processes pickled, by a reduction of our own: nothing is lost."""
    back = pickle.loads(pickle.dumps(generated))
    assert back == generated
    assert [[type(t) for t in c.turns] for c in back] == [[Turn] * len(c.turns) for c in generated]
