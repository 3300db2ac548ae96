from __future__ import annotations

import io

import pytest
from helpers import ANGRY, CALM, as_row, write_jsonl

from escalation_risk import read_transcripts
from escalation_risk.errors import InputError, SkipLog


def test_jsonl_roundtrip_keeps_turns_roles_metadata_and_label(tmp_path):
    path = write_jsonl(tmp_path / "calls.jsonl", [as_row(ANGRY), as_row(CALM)])
    calls = list(read_transcripts(path))
    assert [c.call_id for c in calls] == ["angry", "calm"]
    assert calls[0].turns == ANGRY.turns
    assert calls[0].label is True and calls[1].label is False
    assert calls[0].metadata == {"agent_id": "A1"}
    assert (calls[0].source, calls[0].line) == (str(path), 1)


@pytest.mark.parametrize(
    ("speaker", "role"),
    [
        ("Agent", "agent"),
        ("REP", "agent"),
        ("csr", "agent"),
        ("Caller", "customer"),
        ("client", "customer"),
        ("Customer", "customer"),
        ("SPEAKER_01", "unknown"),
    ],
)
def test_speaker_labels_map_to_roles(speaker, role):
    line = f'{{"call_id": "x", "turns": [{{"speaker": "{speaker}", "text": "hi"}}]}}\n'
    (call,) = read_transcripts(io.StringIO(line))
    assert call.turns[0].role == role


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("0", False),
        ('"true"', True),
        ('"False"', False),
        ("true", True),
        ("null", None),
    ],
)
def test_label_spellings(raw, expected):
    line = (
        f'{{"call_id": "x", "turns": [{{"speaker": "agent", "text": "hi"}}], "escalated": {raw}}}'
    )
    (call,) = read_transcripts(io.StringIO(line))
    assert call.label is expected


def test_custom_label_field(tmp_path):
    path = write_jsonl(
        tmp_path / "c.jsonl",
        [
            {
                "call_id": "a",
                "turns": [{"speaker": "agent", "text": "hi"}],
                "bad_call": 1,
                "escalated": 0,
            }
        ],
    )
    (call,) = read_transcripts(path, label="bad_call")
    assert call.label is True and call.metadata["escalated"] == 0


def test_invalid_json_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(as_line(ANGRY) + "{not json\n" + as_line(CALM))
    with pytest.raises(InputError, match=r"bad\.jsonl:2: invalid JSON"):
        list(read_transcripts(path))
    skipped = SkipLog()
    calls = list(read_transcripts(path, on_error="skip", skipped=skipped))
    assert [c.call_id for c in calls] == ["angry", "calm"]
    assert skipped.count == 1 and "bad.jsonl:2" in skipped.messages[0]


def as_line(c):
    import json

    return json.dumps(as_row(c)) + "\n"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"call_id": "e", "turns": []}, "call e: empty call"),
        ({"call_id": "n", "turns": [{"speaker": "agent", "text": "  "}]}, "call n: no text"),
        ({"turns": [{"speaker": "agent", "text": "hi"}]}, "missing or invalid 'call_id'"),
        ({"call_id": "t", "turns": "hello"}, "'turns' must be a list"),
        ({"call_id": "s", "turns": [{"speaker": 3, "text": "x"}]}, "turn 0 needs string"),
        (
            {"call_id": "l", "turns": [{"speaker": "a", "text": "x"}], "escalated": "maybe"},
            "label 'maybe' is not",
        ),
    ],
)
def test_bad_calls_are_named(tmp_path, row, message):
    path = write_jsonl(tmp_path / "c.jsonl", [row])
    with pytest.raises(InputError, match=message):
        list(read_transcripts(path))


def test_csv_one_row_per_turn_groups_calls_and_keeps_metadata(tmp_path):
    path = tmp_path / "turns.csv"
    path.write_text(
        "call_id,speaker,text,queue,escalated\n"
        "c1,agent,Hello,billing,1\n"
        'c1,customer,"I want a supervisor, now",billing,1\n'
        "c2,agent,Hi,tech,0\n"
    )
    calls = list(read_transcripts(path))
    assert [(c.call_id, len(c.turns), c.label) for c in calls] == [
        ("c1", 2, True),
        ("c2", 1, False),
    ]
    assert calls[0].turns[1].text == "I want a supervisor, now"
    assert calls[0].metadata == {"queue": "billing"}


def test_csv_one_row_per_call_with_transcript_column(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(
        'call_id,transcript,escalated\nc1,"Agent: Hello\nCustomer: hi there\nand more",true\n'
    )
    (c,) = read_transcripts(path)
    assert [(t.role, t.text) for t in c.turns] == [
        ("agent", "Hello"),
        ("customer", "hi there and more"),
    ]
    assert c.label is True


def test_csv_without_needed_columns_is_an_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,words\n1,hello\n")
    with pytest.raises(InputError, match=r"x\.csv:1: CSV needs columns call_id, speaker, text"):
        list(read_transcripts(path))


def test_txt_file_and_directory(tmp_path):
    (tmp_path / "b.txt").write_text("Agent: Hello\nCustomer: third time calling\nstill broken\n")
    (tmp_path / "a.txt").write_text("\ufeffRep: Hi\nCaller: thanks\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("ignored")
    calls = list(read_transcripts(tmp_path))
    assert [c.call_id for c in calls] == ["a", "b"]
    assert calls[0].turns[0].speaker == "Rep"
    assert calls[1].turns[1].text == "third time calling still broken"


def test_format_is_detected_from_content_without_suffix(tmp_path):
    (tmp_path / "calls").write_text(as_line(ANGRY))
    (tmp_path / "chat").write_text("Agent: hi\nCustomer: hello\n")
    assert [c.call_id for c in read_transcripts(tmp_path / "calls")] == ["angry"]
    assert [c.call_id for c in read_transcripts(tmp_path / "chat")] == ["chat"]


def test_forced_format(tmp_path):
    path = tmp_path / "calls.data"
    path.write_text("Agent: hi\n")
    (c,) = read_transcripts(path, format="txt")
    assert c.turns[0].text == "hi"


def test_several_sources_and_missing_path(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [as_row(ANGRY)])
    b = write_jsonl(tmp_path / "b.jsonl", [as_row(CALM)])
    assert [c.call_id for c in read_transcripts([a, b])] == ["angry", "calm"]
    with pytest.raises(InputError, match="nope.jsonl: no such file"):
        list(read_transcripts(tmp_path / "nope.jsonl"))


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    with pytest.raises(InputError, match="empty.jsonl: empty file"):
        list(read_transcripts(path))


def test_reader_is_lazy(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(as_line(ANGRY) + "{broken\n")
    stream = read_transcripts(path)
    assert next(stream).call_id == "angry"  # the bad second line is not read yet
    with pytest.raises(InputError):
        next(stream)


def test_invalid_utf8_is_replaced_and_warned(tmp_path, caplog):
    path = tmp_path / "latin.txt"
    path.write_bytes("Customer: caf\xe9 is closed\n".encode("latin-1"))
    (c,) = read_transcripts(path)
    assert c.turns[0].text == "caf\ufffd is closed"
    assert "latin.txt:1: not valid UTF-8" in caplog.text
    assert "closed" not in caplog.text  # never log transcript text


def test_a_callers_stream_is_read_line_by_line_and_left_open():
    stream = io.StringIO(as_line(ANGRY) + "{broken\n")
    calls = read_transcripts(stream)
    assert next(calls).call_id == "angry"
    assert stream.tell() < len(stream.getvalue())  # the second line is not read yet
    with pytest.raises(InputError):
        next(calls)
    assert not stream.closed
