from __future__ import annotations

import io
import json

import pandas as pd
from helpers import ANGRY, CALM, CORPUS, as_row, call

from escalation_risk import score
from escalation_risk.lexicon import FAMILY_IDS
from escalation_risk.scoring import BatchReport, score_batches


def turns_frame(*calls):
    return pd.DataFrame(
        [
            {"call_id": c.call_id, "speaker": t.speaker, "text": t.text, **c.metadata}
            for c in calls
            for t in c.turns
        ]
    )


def test_one_row_per_call_in_input_order_with_the_documented_columns(small_model):
    out = score([CALM, ANGRY, CALM.__class__("z", CALM.turns)], small_model)
    assert out["call_id"].tolist() == ["calm", "angry", "z"]
    assert out.columns[:7].tolist() == [
        "call_id",
        "risk",
        "band",
        "signals",
        "reasons",
        "evidence",
        "schema_version",
    ]
    assert set(out["band"]) <= {"low", "medium", "high"}
    assert all(set(s) == set(FAMILY_IDS) for s in out["signals"])
    assert out["risk"].between(0, 1).all()


def test_dataframe_in_dataframe_out_keeps_metadata(small_model):
    out = score(turns_frame(ANGRY, CALM), small_model)
    assert out["call_id"].tolist() == ["angry", "calm"]
    assert out["agent_id"].tolist() == ["A1", "A2"]


def test_keep_names_metadata_columns(small_model):
    c = call("k", ("customer", "hello"), queue="billing", region="north")
    out = score([c], small_model, keep=["region"])
    assert out.columns[-1] == "region" and out.loc[0, "region"] == "north"
    assert "queue" not in out.columns


def test_path_input_and_scores_depend_on_content_not_position(small_model, tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_text("".join(json.dumps(as_row(c)) + "\n" for c in (ANGRY, CALM)))
    forward = score(path, small_model).set_index("call_id")["risk"]
    backward = score([CALM, ANGRY], small_model).set_index("call_id")["risk"]
    pd.testing.assert_series_equal(forward.sort_index(), backward.sort_index())


def test_bad_calls_are_skipped_and_counted_duplicates_scored_and_counted(small_model):
    stream = io.StringIO(
        json.dumps(as_row(ANGRY))
        + "\n{broken\n"
        + json.dumps({"call_id": "empty", "turns": []})
        + "\n"
        + json.dumps(as_row(ANGRY))
        + "\n"
    )
    report = BatchReport()
    out = score(stream, small_model, report=report)
    assert out["call_id"].tolist() == ["angry", "angry"]
    assert report.skipped.count == 2 and report.scored == 2 and report.duplicate_ids == 1
    assert "<stream>:2: invalid JSON" in report.skipped.messages[0]
    assert "call empty: empty call" in report.skipped.messages[1]


def test_batches_stream_with_stable_columns(small_model):
    calls = [call(f"c{i}", ("customer", "hi"), queue="q") for i in range(5)]
    frames = list(score_batches(calls, small_model, batch_size=2))
    assert [len(f) for f in frames] == [2, 2, 1]
    assert all(f.columns.tolist() == frames[0].columns.tolist() for f in frames)


def test_quotes_are_redacted_unless_asked(small_model):
    c = call("r", ("customer", "third time calling, card 4111 1111 1111 1111, get me a supervisor"))
    redacted = json.dumps(score([c], small_model)["evidence"][0])
    assert "4111" not in redacted
    raw = score([c], small_model, redact=False)
    assert raw.loc[0, "evidence"][0]["quote"] == "third time calling"


def test_worker_processes_give_the_same_rows_in_the_same_order(small_model):
    from escalation_risk.scoring import BatchReport, score_batches

    path = CORPUS / "calls-w3.jsonl"
    one = pd.concat(score_batches(path, small_model, batch_size=8), ignore_index=True)
    report = BatchReport()
    two = pd.concat(
        score_batches(path, small_model, batch_size=8, jobs=2, report=report), ignore_index=True
    )
    assert list(two["call_id"]) == list(one["call_id"]) and report.scored == len(one) == 60
    assert (two["risk"] - one["risk"]).abs().max() < 1e-12
    assert list(two["band"]) == list(one["band"])


def test_scoring_with_workers_gives_the_collector_back_as_it_found_it(small_model):
    """The parent collects less often while it feeds workers; after the stream, finished or
    dropped half-way, the collector's settings are the caller's again."""
    import gc

    from escalation_risk.scoring import score_batches

    before = gc.get_threshold(), gc.isenabled(), gc.get_freeze_count()
    frames = score_batches(CORPUS / "calls-w3.jsonl", small_model, batch_size=8, jobs=2)
    next(frames)
    assert gc.get_threshold()[0] > before[0][0]  # raised while the stream is open
    frames.close()
    assert (gc.get_threshold(), gc.isenabled(), gc.get_freeze_count()) == before
    for _ in score_batches(CORPUS / "calls-w3.jsonl", small_model, batch_size=8, jobs=2):
        pass
    assert (gc.get_threshold(), gc.isenabled(), gc.get_freeze_count()) == before


def test_sort_writes_riskiest_first(small_model_dir, tmp_path):
    from typer.testing import CliRunner

    from escalation_risk.cli import app

    out = tmp_path / "s.csv"
    args = ["score", str(CORPUS / "calls-w3.jsonl"), "-m", str(small_model_dir), "-o", str(out)]
    result = CliRunner().invoke(app, [*args, "--sort", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    risks = pd.read_csv(out)["risk"].tolist()
    assert risks == sorted(risks, reverse=True) and len(risks) == 60
    assert "calls/s" in result.output


def test_looks_english_stops_early_without_changing_its_answer():
    """Around the 10% line, where an early stop would go wrong first: every share of English
    words from 0 to 50%, calls shorter and longer than the sample, several turns."""
    import random

    from escalation_risk.scoring import STOP_WORDS, looks_english
    from escalation_risk.transcripts import Transcript, Turn

    rnd = random.Random(0)
    english, other = ["the", "And", "I,", "(is)"], ["hola", "que", "el", "gracias."]
    for percent in (0, 4, 6, 8, 9, 10, 11, 14, 20, 50):
        for n in (0, 19, 20, 40, 150, 299, 300, 600):
            for sample in (20, 100, 300):
                words = [
                    rnd.choice(english if rnd.random() < percent / 100 else other) for _ in range(n)
                ]
                cuts = sorted(rnd.sample(range(n + 1), min(n + 1, 5)))
                texts = [" ".join(words[a:b]) for a, b in zip([0, *cuts], [*cuts, n], strict=True)]
                turns = tuple(Turn("customer", t, "customer") for t in texts)
                read = words[:sample]
                found = sum(w.strip(".,!?;:\"'()").lower() in STOP_WORDS for w in read)
                expected = len(read) < 20 or found >= 0.1 * len(read)
                got = looks_english(Transcript("c", turns), sample=sample)
                assert got == expected, (percent, n, sample)
