"""Dask: the same scores as in-process, one model per worker, calls kept whole."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from escalation_risk.cluster import score_dask, score_file, score_frame
from escalation_risk.errors import InputError
from escalation_risk.scoring import score

from .helpers import CORPUS

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


def turn_rows(path) -> pd.DataFrame:
    from escalation_risk.readers import read_transcripts

    rows = [
        {"call_id": c.call_id, "speaker": t.speaker, "text": t.text, "queue": c.metadata["queue"]}
        for c in read_transcripts(path)
        for t in c.turns
    ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=":0", silence_logs=40
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_score_frame_is_pure_and_gives_its_schema_on_an_empty_frame(small_model):
    turns = turn_rows(CORPUS / "calls-w1.jsonl")
    out = score_frame(turns, small_model, keep=["queue"])
    again = score_frame(turns, small_model, keep=["queue"])
    pd.testing.assert_frame_equal(out, again)
    assert list(score_frame(turns.head(0), small_model, keep=["queue"]).columns) == list(
        out.columns
    )
    assert len(out) == 60


def test_dask_dataframe_scores_match_in_process_scores(client, small_model, small_model_dir):
    turns = turn_rows(CORPUS / "calls-w2.jsonl")
    # two partitions, split on a call boundary
    cut = turns.index[turns["call_id"] == turns["call_id"].unique()[30]][0]
    ddf = dd.from_pandas(turns, npartitions=1).repartition(divisions=[0, cut, len(turns) - 1])
    assert ddf.npartitions == 2
    local = score(turns, small_model, keep=["queue"])
    for model in (small_model, str(small_model_dir)):
        remote = score_dask(ddf, model).compute().reset_index(drop=True)
        assert list(remote["call_id"]) == list(local["call_id"])
        assert (remote["risk"] - local["risk"]).abs().max() < 1e-12
        assert list(remote["queue"]) == list(local["queue"])


def test_a_call_split_across_partitions_is_refused(client, small_model):
    turns = turn_rows(CORPUS / "calls-w1.jsonl")
    middle = turns.index[turns["call_id"] == "W1-010"][3]  # inside call W1-010
    ddf = dd.from_pandas(turns, npartitions=1).repartition(divisions=[0, middle, len(turns) - 1])
    with pytest.raises(InputError, match="W1-010"):
        score_dask(ddf, small_model)


def test_paths_become_one_partition_per_file(client, small_model_dir, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"call_id": "X", "turns": []}\n')
    files = [CORPUS / "calls-w1.jsonl", CORPUS / "calls-w2.jsonl", bad]
    ddf = score_dask(files, str(small_model_dir))
    assert ddf.npartitions == 3
    out = ddf.compute()
    assert len(out) == 120
    frame, skipped = score_file(str(bad), str(small_model_dir))
    assert frame.empty and skipped.count == 1


def test_cli_dask_local(small_model_dir, tmp_path):
    from typer.testing import CliRunner

    from escalation_risk.cli import app

    out = tmp_path / "d.csv"
    args = ["score", str(CORPUS / "calls-w1.jsonl"), str(CORPUS / "calls-w2.jsonl")]
    args += ["-m", str(small_model_dir), "-o", str(out), "--dask", "local", "-j", "2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 120


def _spark_recipe() -> str:
    from .helpers import ROOT

    text = (ROOT / "docs" / "scaling.md").read_text()
    block = text.split("<!-- spark-recipe -->")[1].split("<!-- /spark-recipe -->")[0]
    return block.split("```python")[1].split("```")[0]


def test_spark_recipe_in_the_docs_runs(small_model_dir):
    code = _spark_recipe()
    compile(code, "docs/scaling.md", "exec")  # at least valid Python everywhere
    pyspark = pytest.importorskip("pyspark")
    namespace: dict = {}
    exec(code.replace('"default"', repr(str(small_model_dir))), namespace)
    turns = turn_rows(CORPUS / "calls-w1.jsonl").drop(columns=["queue"])
    turns["turn"] = turns.groupby("call_id").cumcount()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyspark 4.3 warns about pandas 3
        spark = pyspark.sql.SparkSession.builder.master("local[2]").getOrCreate()
        out = namespace["score_with_spark"](spark, spark.createDataFrame(turns)).toPandas()
    assert sorted(out["call_id"]) == sorted(turns["call_id"].unique())
