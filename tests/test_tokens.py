"""The chunk-cached tokenizer gives spaCy's tokens, whatever the cache holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_risk import read_transcripts
from escalation_risk.lexicon import nlp
from escalation_risk.tokens import _CHUNKS, turn_tokens

ROOT = Path(__file__).resolve().parents[1]


def spacy_tokens(text: str) -> tuple[list[str], tuple[tuple[int, int], ...]]:
    """The reference: spaCy's tokenizer on the whole text, token by token."""
    doc = nlp().tokenizer(text)
    return [t.norm_ for t in doc], tuple((t.idx, t.idx + len(t)) for t in doc)


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    return [t.text for c in read_transcripts(ROOT / "data/corpus") for t in c.turns]


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_every_corpus_turn_tokenizes_as_spacy_does(corpus_texts, cache):
    if cache == "cold":
        _CHUNKS.clear()
    else:  # every chunk already cached, from other turns
        for text in corpus_texts:
            turn_tokens(text)
    wrong = [t for t in corpus_texts if turn_tokens(t) != spacy_tokens(t)]
    assert not wrong, f"{len(wrong)} of {len(corpus_texts)} turns, first: {wrong[0][:80]!r}"


words = st.sampled_from(
    ["I'm", "can't", "don't.", "it's", "U.S.", "e.g.", "(hi)", "$5.00", "10:30pm", "naïve",
     "x@y.com", "hello,", "supervisor?!", "'cause", "ma'am", "—", "3rd", "a.m.", "Mr.", "ok"]
)  # fmt: skip
plain = st.lists(words | st.text(st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp",
    "Cc")), min_size=1, max_size=8), min_size=1, max_size=12).map(" ".join)  # fmt: skip
odd = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(plain | odd, st.booleans())
def test_tokens_are_spacys_chunk_by_chunk(text, cold):
    """Cache or none, each space-separated chunk gets spaCy's tokens of that chunk alone, at
    its place in the text; text with other whitespace gets spaCy's tokens of the whole."""
    if cold:
        _CHUNKS.clear()
    norms, spans = turn_tokens(text)
    if " " not in text or text != " ".join(text.split()) or any(c in text for c in "\t\n\r"):
        assert (norms, spans) == spacy_tokens(text)
        return
    expected_norms, expected_spans, at = [], [], 0
    for chunk in text.split(" "):
        chunk_norms, chunk_spans = spacy_tokens(chunk)
        expected_norms += chunk_norms
        expected_spans += [(at + s, at + e) for s, e in chunk_spans]
        at += len(chunk) + 1
    assert (norms, spans) == (expected_norms, tuple(expected_spans))


@pytest.mark.parametrize("text", ["1234", "pin 1234 please"])
def test_the_caller_may_change_the_norms_it_gets(text):
    """Scoring masks digits in place; the cache must not see that."""
    first, _ = turn_tokens(text)
    first[:] = ["changed"] * len(first)
    assert turn_tokens(text)[0] == spacy_tokens(text)[0]


def test_the_cache_stays_within_its_limit(monkeypatch):
    """Odd chunks (ids, typos) must not grow the cache without end; tokens stay right."""
    import escalation_risk.tokens as tokens

    monkeypatch.setattr(tokens, "_CACHE_LIMIT", 50)
    _CHUNKS.clear()
    texts = [f"ref{i}x ok, thanks{i}." for i in range(200)]
    for text in texts:
        assert turn_tokens(text) == spacy_tokens(text)
        assert len(_CHUNKS) <= 51


def test_new_words_do_not_stay_in_spacys_vocabulary():
    """Every call brings words never seen (names, ids, typos); spaCy must not keep them."""
    strings = nlp().vocab.strings
    before = len(strings)
    norms, _ = turn_tokens("Qzxvy wplkjr's account, mbrtq!")
    assert norms[:2] == ["qzxvy", "wplkjr"]
    assert len(strings) == before


def test_threads_tokenizing_new_words_at_once_get_their_own_tokens():
    """spaCy's memory zone belongs to the vocabulary: without one zone at a time, a thread
    leaving its zone dropped strings another thread was reading (KeyError E018)."""
    import random
    import string
    import threading

    failures: list[str] = []

    def work(seed: int) -> None:
        rnd = random.Random(seed)
        for _ in range(2000):
            word = "".join(rnd.choice(string.ascii_lowercase) for _ in range(9))
            try:
                if turn_tokens(f"{word} {word}s's")[0][0] != word:
                    failures.append(word)
            except KeyError as err:
                failures.append(repr(err))

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:3]
