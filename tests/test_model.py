from __future__ import annotations

import copy

import numpy as np
import pytest
from helpers import ANGRY, CALM, CORPUS
from scipy import sparse
from scipy.special import logit
from sklearn.preprocessing import MinMaxScaler

from escalation_risk import read_transcripts, score
from escalation_risk.errors import ModelFileError
from escalation_risk.model import EscalationModel


def test_reasons_add_up_to_the_calls_logit(small_model):
    scored = score(CORPUS / "calls-w3.jsonl", small_model)
    for row in scored.itertuples():
        total = sum(r["contribution"] for r in row.reasons)
        assert abs(total - logit(row.risk)) < 1e-6, row.call_id
        names = [r["reason"] for r in row.reasons]
        assert names[-2:] == ["rest", "baseline"]


def test_decomposition_matches_the_calibrated_classifier(small_model):
    calls = list(read_transcripts(CORPUS / "calls-w3.jsonl"))[:20]
    matcher = small_model.features.matcher()
    analyzed = [matcher.analyze(c) for c in calls]
    ours = small_model.score_analyzed(analyzed).risk
    sklearn_risk = small_model.pipeline.predict_proba(calls)[:, 1]
    np.testing.assert_allclose(ours, sklearn_risk, rtol=1e-9, atol=1e-12)


def test_word_columns_counted_from_lists_are_the_vectorizers_to_the_bit(small_model):
    """Scoring counts each call's word features itself instead of joining them for TF-IDF to
    split again; the rows must equal the pipeline's own, bit for bit."""
    from helpers import call

    calls = list(read_transcripts(CORPUS / "calls-w3.jsonl"))[:40]
    calls.append(
        call(
            "odd",
            ("customer", "refund\u00a0now refund\u2009now, refund refund REFUND: again:again"),
            ("agent", ""),
            ("customer", "my account 1234 and four one one one, thin\u200bspace"),
        )
    )
    matcher = small_model.features.matcher()
    analyzed = [matcher.analyze(c) for c in calls]
    columns = small_model.pipeline.named_steps["columns"]
    expected = sparse.csr_matrix(columns.transform(small_model.features.transform(analyzed)))
    ours = small_model._matrix(analyzed)
    assert ours.shape == expected.shape
    np.testing.assert_array_equal(ours.indptr, expected.indptr)
    np.testing.assert_array_equal(ours.indices, expected.indices)
    np.testing.assert_array_equal(ours.data, expected.data)  # exact, not close


def test_signal_reasons_quote_their_evidence(small_model):
    scored = score([ANGRY, CALM], small_model)
    angry = scored.set_index("call_id").loc["angry"]
    assert angry.risk > scored.set_index("call_id").loc["calm"].risk
    by_name = {r["reason"]: r for r in angry.reasons}
    signal_reasons = [r for n, r in by_name.items() if n in angry.signals]
    assert signal_reasons, by_name.keys()
    for reason in signal_reasons:
        assert reason["evidence"], reason
        for ev in reason["evidence"]:
            assert ev["quote"] in ANGRY.turns[ev["turn"]].text


def test_other_wording_evidence_quotes_where_the_words_were_said(small_model):
    scored = score(CORPUS / "calls-w3.jsonl", small_model, redact=False)
    calls = {c.call_id: c for c in read_transcripts(CORPUS / "calls-w3.jsonl")}
    checked = 0
    for row in scored.itertuples():
        for reason in row.reasons:
            for ev in reason["evidence"]:
                if "words" in ev and "quote" in ev:
                    turn = calls[row.call_id].turns[ev["turn"]]
                    assert ev["quote"] in turn.text
                    assert ev["speaker"] == turn.role
                    word = ev["words"].split('"')[1].split()[0]
                    if word.isalpha() and len(word) > 3:  # NORM equals the lower-cased text
                        assert word in ev["quote"].lower()
                    checked += 1
    assert checked > 10


def test_locate_finds_words_whose_norm_is_not_the_word():
    """locate() skips turns without the first word among their norms, except where a norm's
    word differs from it (a ':' is dropped): a url's word must still be found."""
    from helpers import call

    from escalation_risk.features import locate
    from escalation_risk.signals import SignalMatcher

    c = call(
        "url",
        ("customer", "hello there, the page fails"),
        ("agent", "which page?"),
        ("customer", "the page http://x.com fails"),
    )
    analyzed = SignalMatcher().analyze(c)
    assert locate(analyzed, "c:http//x.com") == (2, 2, 2)
    assert locate(analyzed, "c:http//x.com_fails") == (2, 2, 3)
    assert locate(analyzed, "c:page_fails") == (0, 4, 5)
    assert locate(analyzed, "a:page_fails") is None


def test_the_words_shown_are_the_strongest_of_the_whole_row(small_model):
    """Scoring keeps only each call's strongest words; the words a reason shows must be the
    three strongest of the call's full row of word terms, ties to the first column."""
    import heapq

    from escalation_risk.model import OTHER_WORDING, _readable, reasons_for

    calls = list(read_transcripts(CORPUS / "calls-w3.jsonl"))[:60]
    matcher = small_model.features.matcher()
    analyzed = [matcher.analyze(c) for c in calls]
    scored = small_model.score_analyzed(analyzed)
    columns = small_model.pipeline.named_steps["columns"]
    matrix = sparse.csr_matrix(columns.transform(small_model.features.transform(analyzed)))
    names = columns.get_feature_names_out()
    w, _, a, _ = small_model._linear_parts()
    checked = 0
    for i, call_analyzed in enumerate(analyzed):
        reasons = reasons_for(
            call_analyzed, scored.contributions[i], scored.top_words[i], scored.baseline
        )
        for reason in (r for r in reasons if r["reason"] == OTHER_WORDING):
            row = matrix.getrow(i).tocoo()
            terms = [
                (str(names[j]).partition("__")[2], -a * w[j] * x)
                for j, x in zip(row.col, row.data, strict=True)
                if str(names[j]).startswith("words__")
            ]
            same_way = [t for t in terms if (t[1] > 0) == (reason["contribution"] > 0)]
            expected = heapq.nlargest(3, same_way, key=lambda t: abs(t[1]))
            shown = [(e["words"], round(e["contribution"], 12)) for e in reason["evidence"]]
            assert shown == [(_readable(f), round(v, 12)) for f, v in expected]
            checked += 1
    assert checked >= 10


def test_a_model_whose_number_columns_are_not_ours_is_refused(small_model):
    """Scoring computes the signal and structure columns itself; a model whose column
    transformer does something else with them must be refused, not scored wrongly. (A model
    built afresh: a model checks its layout once, on first use.)"""
    other = EscalationModel(copy.deepcopy(small_model.pipeline), dict(small_model.manifest))
    columns = other.pipeline.named_steps["columns"]
    name, scaler, on = columns.transformers_[2]
    assert name == "structure"
    columns.transformers_[2] = (name, MinMaxScaler().set_output(transform="default"), on)
    columns.transformers_[2][1].fit(np.array([[0.0, 0.0], [1.0, 5.0]]))
    calls = list(read_transcripts(CORPUS / "calls-w3.jsonl"))[:2]
    analyzed = [other.features.matcher().analyze(c) for c in calls]
    with pytest.raises(ModelFileError, match="structure columns"):
        other.score_analyzed(analyzed)


def test_risk_alone_is_the_same_risk(small_model):
    """Callers that need the risk alone skip the reasons; the logit must not change."""
    calls = list(read_transcripts(CORPUS / "calls-w3.jsonl"))[:30]
    analyzed = [small_model.features.matcher().analyze(c) for c in calls]
    full = small_model.score_analyzed(analyzed)
    alone = small_model.score_analyzed(analyzed, reasons=False)
    np.testing.assert_array_equal(alone.logit, full.logit)
    assert alone.contributions == [] and alone.top_words == []
    assert len(full.contributions) == len(calls)
