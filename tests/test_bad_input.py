"""Bad input: binary files, lone surrogates, non-English calls — clear messages, no crash."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from escalation_risk.cli import app
from escalation_risk.errors import InputError
from escalation_risk.readers import read_transcripts

from .helpers import ROOT


def test_binary_files_are_refused_in_one_line(tmp_path):
    png = tmp_path / "calls.csv"
    png.write_bytes((ROOT / "docs" / "coaching-report.png").read_bytes()[:4000])
    with pytest.raises(InputError) as err:
        list(read_transcripts(png))
    assert "binary file" in str(err.value) and "\n" not in str(err.value)
    nul = tmp_path / "calls.jsonl"
    nul.write_bytes(b'{"call_id": "A"\x00\x00}\n')
    with pytest.raises(InputError, match="binary file"):
        list(read_transcripts(nul))


def test_lone_surrogates_are_replaced_and_the_output_is_valid_utf8(small_model_dir, tmp_path):
    path = tmp_path / "s.jsonl"
    text = "third time calling \\ud800 get me a supervisor"
    path.write_text(
        '{"call_id": "S1", "turns": [{"speaker": "customer", "text": "' + text + '"}]}\n'
    )
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(
        app, ["score", str(path), "-m", str(small_model_dir), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    row = json.loads(out.read_bytes().decode("utf-8"))
    assert row["call_id"] == "S1" and row["signals"]["supervisor_request"] == 1
    (call,) = read_transcripts(path)
    assert "\ufffd" in call.turns[0].text


def test_mostly_non_english_calls_are_counted_in_the_summary(small_model_dir, tmp_path):
    path = tmp_path / "es.jsonl"
    text = (
        "Quiero hablar con el supervisor ahora mismo, es la tercera vez que llamo hoy por el "
        "mismo problema con la factura de este mes y nadie me ayuda"
    )
    rows = [{"call_id": "E1", "turns": [{"speaker": "customer", "text": text}]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = CliRunner().invoke(app, ["score", str(path), "-m", str(small_model_dir)])
    assert result.exit_code == 0
    assert "1 call(s) look mostly non-English" in result.output


def test_no_log_line_holds_transcript_text(small_model, caplog, tmp_path):
    """Even at DEBUG, with warnings firing (bad bytes, non-English, low role confidence)."""
    import logging

    from escalation_risk.scoring import score

    secret = "Zanzibarquux"
    rows = [
        {"call_id": "A", "turns": [{"speaker": "SPEAKER_00", "text": f"{secret} hola"}]},
        {"call_id": "B", "turns": [{"speaker": "customer", "text": f"{secret} " * 30}]},
        {"call_id": "C", "turns": []},
    ]
    path = tmp_path / "calls.jsonl"
    path.write_bytes(
        b"".join(json.dumps(r).encode() + b"\n" for r in rows) + b'{"call_id": "D", \xff}\n'
    )
    with caplog.at_level(logging.DEBUG):
        score(path, small_model)
        list(read_transcripts(path, on_error="skip"))
    assert caplog.records  # the warnings did fire
    assert not [r for r in caplog.records if secret.lower() in r.getMessage().lower()]


def test_unclosed_csv_quote_is_an_error_not_a_swallowed_file(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('call_id,speaker,text\nQ1,agent,"How can I help?\nQ1,customer,A refund\n')
    with pytest.raises(InputError, match=r"q.csv:3: unreadable CSV \(unexpected end of data\)"):
        list(read_transcripts(path))


def test_debug_shows_the_traceback(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    plain = CliRunner().invoke(app, ["score", str(path), "--on-error", "fail"])
    assert plain.exit_code == 1 and "Traceback" not in plain.output
    debug = CliRunner().invoke(app, ["--debug", "score", str(path), "--on-error", "fail"])
    assert debug.exit_code == 1 and isinstance(debug.exception, InputError)


def test_a_5_mb_turn_is_scored_whole():
    """spaCy's max_length does not apply to our tokenizer call; every one of the repeated asks
    in a 5 MB turn is found (none cut off, overlapping matches not merged across repeats)."""
    from escalation_risk import score
    from escalation_risk.transcripts import Transcript, Turn

    piece = "I want to speak to a supervisor. The weather is fine today and the tea is warm. "
    repeats = 5_000_000 // len(piece) + 1
    text = piece * repeats
    assert len(text.encode()) > 5_000_000
    call = Transcript(
        "huge", (Turn.from_speaker("agent", "How can I help?"), Turn.from_speaker("customer", text))
    )
    out = score([call])
    asks = [e for e in out["evidence"][0] if e["family"] == "supervisor_request"]
    assert len(asks) == repeats
    assert asks[-1]["end"] <= len(text) and 0 <= out["risk"][0] <= 1


def test_a_call_of_100k_turns_is_scored_to_its_last_turn():
    from escalation_risk import score
    from escalation_risk.transcripts import Transcript, Turn

    turns = [
        Turn.from_speaker("agent" if i % 2 == 0 else "customer", f"okay, step {i} is done")
        for i in range(100_000 - 1)
    ]
    turns.append(Turn.from_speaker("customer", "this is the third time, get me a supervisor"))
    out = score([Transcript("long", tuple(turns))])
    found = {(e["turn"], e["family"]) for e in out["evidence"][0]}
    assert (99_999, "supervisor_request") in found and (99_999, "repeat_contact") in found
    assert out["signals"][0]["supervisor_request"] == 1


def test_calls_with_one_side_only_are_scored():
    """No agent turns, or no customer turns: scored, and only that side's signs fire."""
    from escalation_risk import score

    from .helpers import call

    customer_only = call(
        "c", ("customer", "Third time calling. I can't do this, get me a manager.")
    )
    agent_only = call("a", ("agent", "I can't do that, it's our policy."))
    out = score([customer_only, agent_only]).set_index("call_id")
    assert out.loc["c", "signals"]["supervisor_request"] == 1
    assert out.loc["c", "signals"]["cant_phrasing"] == 0  # "I can't" from a customer is no habit
    assert out.loc["a", "signals"]["policy_wall"] == 1
    assert out.loc["a", "signals"]["supervisor_request"] == 0
    assert out["risk"].between(0, 1).all()


def test_truncated_json_and_byte_order_marks(tmp_path):
    """A JSON document or last JSONL line cut off mid-write: one-line error with its line, the
    rest read. A UTF-8 BOM before JSONL or CSV: read as if absent."""
    from escalation_risk.errors import SkipLog

    row = '{"call_id": "A", "turns": [{"speaker": "agent", "text": "hi"}]}'
    cut_doc = tmp_path / "cut.json"
    cut_doc.write_text(row[:50])
    cut_lines = tmp_path / "cut.jsonl"
    cut_lines.write_text(row + "\n" + row.replace('"A"', '"B"')[:40])
    skipped = SkipLog()
    calls = list(read_transcripts([cut_doc, cut_lines], on_error="skip", skipped=skipped))
    assert [c.call_id for c in calls] == ["A"]
    assert skipped.count == 2
    assert all("invalid JSON" in m and "\n" not in m for m in skipped.messages)
    assert any("cut.jsonl:2" in m for m in skipped.messages)
    bom_jsonl = tmp_path / "bom.jsonl"
    bom_jsonl.write_bytes(b"\xef\xbb\xbf" + row.encode() + b"\n")
    bom_csv = tmp_path / "bom.csv"
    bom_csv.write_bytes(b"\xef\xbb\xbfcall_id,speaker,text\nC,agent,hi\n")
    assert [c.call_id for c in read_transcripts([bom_jsonl, bom_csv])] == ["A", "C"]
