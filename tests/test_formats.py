"""Vendor and caption formats: turns, roles, text and offsets from each fixture."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from escalation_risk.cli import app
from escalation_risk.errors import InputError, SkipLog
from escalation_risk.inputs import frame_to_transcripts
from escalation_risk.readers import read_transcripts
from escalation_risk.subtitles import parse_time

from .helpers import ROOT

FIX = ROOT / "tests" / "fixtures" / "formats"


def one(name: str, **options):
    calls = list(read_transcripts(FIX / name, **options))
    assert len(calls) == 1, [c.call_id for c in calls]
    return calls[0]


def test_amazon_transcribe_call_analytics():
    call = one("aws_transcribe_call_analytics_example-call.json")
    assert len(call.turns) == 37
    first = call.turns[0]
    assert (first.role, first.start_ms, first.end_ms) == ("agent", 40, 5050)
    assert first.text.startswith("Thank you for calling Anchor Credit Union")
    assert first.meta["sentiment"] == "POSITIVE"
    assert call.turns[1].role == "customer" and call.turns[1].start_ms == 6310
    assert any("[PII]" in t.text for t in call.turns)  # vendor placeholders kept
    # vendor categories are metadata, never the label
    assert call.metadata["vendor_categories"] == ["No_Closing_Remark"] and call.label is None


def test_contact_lens_voice_joins_roles_from_participants():
    call = one("aws_contact_lens_voice_analysis_raw_example.json")
    assert [t.role for t in call.turns[:4]] == ["agent", "customer", "agent", "customer"]
    assert call.turns[3].text == "I need to cancel. I want to cancel my plan subscription."
    assert (call.turns[3].start_ms, call.turns[3].end_ms) == (7370, 11190)
    assert call.turns[3].meta["sentiment"] == "NEGATIVE"


def test_contact_lens_chat_skips_events_and_keeps_times():
    call = one("aws_contact_lens_chat_analysis_redacted_example.json")
    assert call.call_id == "b49644f6-672f-445c-b209-f76b36482830"
    roles = [t.role for t in call.turns]
    assert roles[:3] == ["system"] * 3 and "agent" in roles and "customer" in roles
    assert len(call.turns) == 31  # 35 items, 4 events
    agent = next(t for t in call.turns if t.role == "agent")
    assert agent.text.startswith("Hello, thanks for reaching Example Corp.")
    assert agent.meta["time"] == "2022-10-27T03:32:03.462Z"
    assert agent.start_ms == pytest.approx(10072.0)  # from the first message at 03:31:53.390


def test_published_contact_lens_example_gets_a_one_line_error_with_position():
    path = FIX / "contact_lens_voice_published_extra_brace.json"
    with pytest.raises(InputError) as err:
        list(read_transcripts(path))
    message = str(err.value)
    assert "\n" not in message and path.name in message
    assert "invalid JSON" in message and "line 20 column" in message


def test_google_ccai_entries():
    call = one("google_ccai_insights_conversation_doc_example.json")
    assert [(t.role, t.start_ms) for t in call.turns] == [("customer", 0.0), ("agent", 4000.0)]
    assert call.turns[0].text == "Hello, I'm calling in regards to ..."
    assert call.metadata["vendor_categories"] == ["Category 1"]


def test_twilio_sentences_from_documentation_shape():
    call = one("twilio_intelligence_sentences_from_docs.json")
    assert call.call_id == "GT00000000000000000000000000000001"
    assert [t.role for t in call.turns] == ["agent", "customer", "agent", "customer"]
    assert call.turns[1].start_ms == pytest.approx(3600.0)
    assert call.turns[1].end_ms == pytest.approx(9850.0)
    assert call.turns[3].text == "Then let me speak to your supervisor."


def test_genesys_phrases_from_documentation_shape():
    call = one("genesys_cloud_transcript_from_docs.json")
    assert call.call_id == "c0ffee00-0000-4000-8000-000000000002"
    assert [t.role for t in call.turns] == ["agent", "customer", "agent"]
    assert (call.turns[1].start_ms, call.turns[1].end_ms) == (4600, 8700)


def test_whisperx_segments_merge_by_speaker_and_infer_the_agent():
    call = one("whisperx_segments_with_speakers.json")
    assert [t.speaker for t in call.turns] == [
        "SPEAKER_01",
        "SPEAKER_00",
        "SPEAKER_01",
        "SPEAKER_00",
    ]
    assert (
        call.turns[0].text
        == "I'm calling about my bill again, this is the third time. Nobody has fixed it."
    )
    assert (call.turns[0].start_ms, call.turns[0].end_ms) == (500.0, 5000.0)
    assert [t.role for t in call.turns] == ["customer", "agent", "customer", "agent"]
    assert call.metadata["agent_speaker"] == "SPEAKER_00"
    assert (
        call.metadata["role_source"] == "inferred" and 0.5 <= call.metadata["role_confidence"] <= 1
    )


def test_whisper_without_speakers_keeps_roles_unknown():
    call = one("whisper_segments_no_speaker.json")
    assert len(call.turns) == 1 and call.turns[0].role == "unknown"
    assert call.metadata["role_source"] == "single speaker"


def test_agent_speaker_overrides_the_guess():
    call = one("whisperx_segments_with_speakers.json", agent_speaker="SPEAKER_01")
    assert call.turns[0].role == "agent" and call.metadata["role_source"] == "override"


def test_teams_webvtt_voice_tags_unpadded_times_and_overlap():
    call = one("webvtt_teams_voice_tags_webvtt-py.vtt")
    assert [(t.speaker, t.text, t.start_ms, t.end_ms) for t in call.turns] == [
        ("Yuri Bakulin", "There you go.", 0.0, 570.0),
        ("Adrian Petrescu", "Why hello there, Yuri.", 210.0, 1130.0),
    ]
    # Two short cues prove little: the guess is made but not trusted.
    assert call.metadata["role_confidence"] < 0.75


def test_webvtt_with_bom_and_no_speakers():
    call = one("webvtt_with_utf8_bom_webvtt-py.vtt")
    assert call.turns[0].text.startswith("Caption text #1 Caption text #2")
    assert call.turns[0].start_ms == 500.0


def test_zoom_names_in_cue_text():
    call = one("zoom_speaker_in_cue.vtt")
    assert [t.speaker for t in call.turns] == ["Priya Shah", "Tom Baker", "Priya Shah"]
    assert call.turns[1].text.endswith("second time I have called. I want it fixed today.")
    assert [t.role for t in call.turns] == ["agent", "customer", "agent"]
    assert call.turns[1].end_ms == 10000.0


def test_srt_with_crlf_and_bracketed_speakers():
    call = one("whisperx_speakers.srt")
    assert [(t.speaker, t.role) for t in call.turns] == [
        ("SPEAKER_00", "agent"),
        ("SPEAKER_01", "customer"),
        ("SPEAKER_00", "agent"),
    ]
    assert call.turns[1].start_ms == 3400.0 and call.turns[1].text.startswith("My order never")


def test_caption_times():
    assert parse_time("0:0:0.210") == 210.0
    assert parse_time("1:00:00.000") == 3_600_000.0
    assert parse_time("00:01:02,500") == 62_500.0


def test_csv_with_configurable_columns_and_tsv():
    calls = list(
        read_transcripts(
            FIX / "turns_custom_columns.csv",
            columns={"call_id": "conversation", "speaker": "who", "text": "utterance"},
        )
    )
    assert [(c.call_id, len(c.turns), c.metadata["queue"]) for c in calls] == [
        ("T-1", 2, "billing"),
        ("T-2", 2, "tech"),
    ]
    with pytest.raises(InputError, match="--speaker-col"):
        list(read_transcripts(FIX / "turns_custom_columns.csv"))
    tsv = one("turns.tsv")
    assert [t.role for t in tsv.turns] == ["agent", "customer"]


def test_parquet_turn_table(tmp_path):
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame(
        {"conv": ["P1", "P1"], "who": ["agent", "customer"], "said": ["Hello.", "Third call!"]}
    )
    path = tmp_path / "turns.parquet"
    frame.to_parquet(path)
    cols = {"call_id": "conv", "speaker": "who", "text": "said"}
    call = one_path(path, columns=cols)
    assert call.call_id == "P1" and call.turns[1].text == "Third call!"
    # detected from the magic number too
    renamed = tmp_path / "turns.bin"
    shutil.copy(path, renamed)
    assert one_path(renamed, columns=cols).call_id == "P1"


def one_path(path, **options):
    calls = list(read_transcripts(path, **options))
    assert len(calls) == 1
    return calls[0]


def test_dataframe_with_names_instead_of_roles_gets_roles_inferred():
    frame = pd.DataFrame(
        {
            "call_id": ["D1"] * 4,
            "speaker": ["Maria", "Sam", "Maria", "Sam"],
            "text": [
                "I'm calling because my card was charged twice, this is the second time.",
                "Thank you for calling, can I have your account number please?",
                "It's the one on my statement. I want it fixed.",
                "Let me pull up the account. Is there anything else I can help with?",
            ],
        }
    )
    (call,) = frame_to_transcripts(frame)
    assert [t.role for t in call.turns] == ["customer", "agent", "customer", "agent"]


def test_mixed_directory_scores_in_one_command_and_counts_the_broken_file(tmp_path):
    folder = tmp_path / "calls"
    folder.mkdir()
    for name in (
        "aws_transcribe_call_analytics_example-call.json",
        "google_ccai_insights_conversation_doc_example.json",
        "zoom_speaker_in_cue.vtt",
        "whisperx_speakers.srt",
        "turns.tsv",
        "contact_lens_voice_published_extra_brace.json",
    ):
        shutil.copy(FIX / name, folder / name)
    skipped = SkipLog()
    calls = list(read_transcripts(folder, on_error="skip", skipped=skipped))
    assert len(calls) == 5 and skipped.count == 1
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(app, ["score", str(folder), "-o", str(out)])
    assert result.exit_code == 3, result.output  # finished, one file skipped
    scored = pd.read_csv(out)
    assert len(scored) == 5
    assert "skipped 1" in result.output and "extra_brace" in result.output


def test_forced_format_that_does_not_fit_is_a_clear_error():
    with pytest.raises(InputError, match="not a valid genesys document"):
        list(
            read_transcripts(
                FIX / "google_ccai_insights_conversation_doc_example.json", format="genesys"
            )
        )


def test_low_role_confidence_is_counted_in_the_batch_summary():
    from escalation_risk.scoring import BatchReport, score

    report = BatchReport()
    scored = score(FIX / "webvtt_teams_voice_tags_webvtt-py.vtt", report=report)
    assert scored.loc[0, "role_confidence"] < 0.75
    assert report.low_role_confidence == 1 and "low confidence" in report.summary()
