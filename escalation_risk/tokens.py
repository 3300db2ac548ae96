"""Turn texts to token norms and character spans: spaCy's tokenizer, with a cache that holds.

spaCy tokenizes text chunk by chunk (runs between spaces) and caches each chunk's tokens, but
stops caching for the rest of a text once a chunk needed a special case ("I'm", "don't"), which
almost every turn holds; it also caches no more than 10,000 chunks. Scoring tokenizes the same
few thousand chunks over and over, so this module keeps its own cache of chunk → tokens: a
chunk gets spaCy's tokens of that chunk alone (a token never crosses a space), whatever stands
around it. Every turn of the bundled corpus, of the STC3 helpdesk dialogues and of the vendor
samples (17,203 texts) gets exactly spaCy's tokens of the whole turn; spaCy itself splits an
emoticon differently after a special case in the same text (":>" in "() :>She's"), where a
chunk here keeps one tokenization. Turns with other whitespace (tabs, newlines, runs of spaces,
a space at either end), which spaCy turns into tokens of their own, go to spaCy whole.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from .lexicon import nlp

Spans = tuple[tuple[int, int], ...]
# Norms, and the (start, end) of each token in the chunk.
_Chunk = tuple[tuple[str, ...], Spans]

# Chunks held at most (about 0.8 KB each with their norms and spans: 25 MB a process); full,
# the cache starts again, so odd chunks (ids, typos) never grow it and a drifting stream's new
# words get in. The bundled corpus has 12,261 distinct chunks, STC3's 1,338 dialogues 15,456.
_CACHE_LIMIT = 30_000
_CHUNKS: dict[str, _Chunk] = {}
_NOT_PLAIN = re.compile(r"[^\S ]|  |^ | $")  # whitespace spaCy keeps as a token
_ATTRS: list[int | str] = ["NORM", "IDX", "LENGTH"]
_ZONE = threading.Lock()


def turn_tokens(text: str) -> tuple[list[str], Spans]:
    """The NORM of each token of ``text`` and its (start, end) in ``text``, as spaCy's
    blank English tokenizer gives them.

    >>> turn_tokens("I can't, sorry.")
    (['i', 'can', 'not', ',', 'sorry', '.'], ((0, 1), (2, 4), (4, 7), (7, 8), (9, 14), (14, 15)))
    """
    if not text or _NOT_PLAIN.search(text):
        return _spacy_tokens(text)
    norms: list[str] = []
    spans: list[tuple[int, int]] = []
    known = _CHUNKS.get
    at = 0
    for chunk in text.split(" "):
        found = known(chunk) or _new_chunk(chunk)
        norms += found[0]
        if len(found[1]) == 1:  # most chunks: one word
            spans.append((at, at + len(chunk)))
        else:
            spans += [(at + s, at + e) for s, e in found[1]]
        at += len(chunk) + 1
    return norms, tuple(spans)


def _new_chunk(chunk: str) -> _Chunk:
    if len(_CHUNKS) > _CACHE_LIMIT:
        _CHUNKS.clear()
    norms, spans = _spacy_tokens(chunk)
    found = _CHUNKS[chunk] = (tuple(norms), spans)
    return found


def _spacy_tokens(text: str) -> tuple[list[str], Spans]:
    # In a memory zone, the words spaCy adds to its vocabulary for this text are let go after
    # it: outside one, every new word of every call (names, ids, typos) stayed in each process
    # for good (see docs/benchmarks.md#speed). Only Python strings leave the zone. A zone is
    # the vocabulary's, not the thread's: one thread leaving it would drop the strings another
    # is reading (threaded Dask, a caller's thread pool), so one zone at a time.
    with _ZONE, nlp().memory_zone():
        doc: Any = nlp().tokenizer(text)
        if not len(doc):
            return [], ()
        hashes, starts, lengths = doc.to_array(_ATTRS).T.tolist()
        strings = nlp().vocab.strings
        norms = [strings[h] for h in hashes]
    return norms, tuple((s, s + n) for s, n in zip(starts, lengths, strict=True))
