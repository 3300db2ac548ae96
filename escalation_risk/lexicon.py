"""The warning-sign lexicon: package data loaded, merged with a user's file, compiled for spaCy.

Each JSONL line is one pattern in the spaCy SpanRuler shape plus our fields::

    {"id": "sup-speak-to", "label": "supervisor_request", "speaker": "customer",
     "pattern": "{speak|talk} to {your|a|the|} @BOSS", "severity": 3}

``label`` is the family id (a stable public interface, see :data:`FAMILIES`). Agent habits carry
``better``, the phrasing to coach instead. ``"exception": true`` marks a pattern that stops its
family from firing where it overlaps (``"scope": "span"``, the default) or anywhere in the turn
(``"scope": "turn"``). Lines ``{"define": "BOSS", "as": [...]}`` name alternatives for ``@BOSS``.

A string pattern is matched on spaCy's NORM, so ``can't``, ``cant`` and ``cannot`` are one
spelling. Its small syntax: ``{a|b c|}`` one of several phrases (an empty one makes it
optional), ``@NAME`` a defined set, ``*`` one optional word, ``...`` up to three words, ``[NUM]`` a
redacted digit run.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import spacy
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language

from .errors import InputError


@dataclass(frozen=True)
class Family:
    """A family of warning signs: who says it and what kind of sign it is."""

    id: str
    speaker: str  # "customer" or "agent"
    kind: str  # "customer" sign, agent "habit" to coach, or agent "deescalation"


FAMILIES: tuple[Family, ...] = (
    Family("repeat_contact", "customer", "customer"),
    Family("unresolved_issue", "customer", "customer"),
    Family("supervisor_request", "customer", "customer"),
    Family("churn_threat", "customer", "customer"),
    Family("complaint_threat", "customer", "customer"),
    Family("anger", "customer", "customer"),
    Family("customer_effort", "customer", "customer"),
    Family("cant_phrasing", "agent", "habit"),
    Family("policy_wall", "agent", "habit"),
    Family("supervisor_deflection", "agent", "habit"),
    Family("blame", "agent", "habit"),
    Family("ownership", "agent", "deescalation"),
    Family("empathy", "agent", "deescalation"),
    Family("expectation_setting", "agent", "deescalation"),
)
FAMILY_IDS: tuple[str, ...] = tuple(f.id for f in FAMILIES)
_BY_ID = {f.id: f for f in FAMILIES}

# Speech-to-text drops apostrophes: "im", "youre", "thats" must match "I'm", "you're", "that's".
_NORM_ALIASES: dict[str, tuple[str, ...]] = {
    "am": ("am", "m", "'m"),
    "'s": ("'s", "s", "is"),
    "is": ("is", "'s", "s"),
    "are": ("are", "re", "'re"),
    "will": ("will", "ll", "'ll"),
    "would": ("would", "d", "'d"),
    "'d": ("would", "d", "'d", "had"),
    "us": ("us", "'s", "s"),
}


class Lexicon:
    """Pattern entries and named sets; ``version`` is a hash of their content. Immutable."""

    def __init__(
        self, entries: Iterable[Mapping[str, Any]], defines: Mapping[str, Iterable[str]]
    ) -> None:
        self.entries: tuple[Mapping[str, Any], ...] = tuple(entries)
        self.defines: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in defines.items()}
        self._by_id = {e["id"]: e for e in self.entries}
        blob = json.dumps([list(self.entries), self.defines], sort_keys=True)
        self.version = hashlib.sha256(blob.encode()).hexdigest()[:16]

    def entry(self, key: str) -> Mapping[str, Any]:
        return self._by_id[key]

    def __hash__(self) -> int:
        return hash(self.version)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lexicon) and other.version == self.version


def load_lexicon(extra: str | Path | None = None) -> Lexicon:
    """The packaged lexicon, with ``extra`` lines added (new ids) or overriding (same id).

    An extra line ``{"id": "...", "disabled": true}`` removes a packaged pattern.

    >>> lex = load_lexicon()
    >>> sorted({e["label"] for e in lex.entries}) == sorted(FAMILY_IDS)
    True
    """
    text = resources.files("escalation_risk").joinpath("lexicon.jsonl").read_text("utf-8")
    entries, defines = _parse(text.splitlines(), "lexicon.jsonl")
    if extra is not None:
        path = Path(extra)
        try:
            lines = path.read_text("utf-8").splitlines()
        except OSError as err:
            raise InputError(f"cannot read lexicon: {err.strerror}", source=str(path)) from None
        more, more_defines = _parse(lines, str(path))
        defines.update(more_defines)
        entries.update(more)
    live = tuple(e for e in entries.values() if not e.get("disabled"))
    return Lexicon(live, defines)


def _parse(lines: Iterable[str], name: str) -> tuple[dict[str, dict[str, Any]], dict[str, list]]:
    entries: dict[str, dict[str, Any]] = {}
    defines: dict[str, list[str]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"invalid JSON ({err.msg})", source=name, line=number) from None
        if "define" in row:
            defines[str(row["define"])] = [str(a) for a in row["as"]]
            continue
        if "id" not in row:
            raise InputError("pattern needs an 'id'", source=name, line=number)
        if row.get("disabled"):
            entries[row["id"]] = row
            continue
        family = _BY_ID.get(row.get("label", ""))
        if family is None:
            raise InputError(
                f"unknown family {row.get('label')!r}; families are {', '.join(FAMILY_IDS)}",
                source=name,
                line=number,
            )
        if "pattern" not in row:
            raise InputError("pattern needs a 'pattern'", source=name, line=number)
        row.setdefault("speaker", family.speaker)
        entries[row["id"]] = row
    return entries, defines


_SLOT = re.compile(r"\{[^{}]*\}|@\w+|\.\.\.|\*|[^\s{}@]+")
ANY = None  # a word slot that takes any token
Word = frozenset[str] | None
Alternative = tuple[Word, ...]
Slot = tuple[Alternative, ...]


def compile_pattern(pattern: str, defines: Mapping[str, Iterable[str]]) -> tuple[Slot, ...]:
    """Turn one pattern string into slots; each slot is a tuple of word sequences to choose from.

    >>> slots = compile_pattern("{speak|talk} to @B", {"B": ["manager", "super visor"]})
    >>> [[[sorted(w) for w in alt] for alt in slot] for slot in slots]
    [[[['speak', 'talk']]], [[['to']]], [[['manager']], [['super'], ['visor']]]]
    """
    if not isinstance(pattern, str):
        raise ValueError("a pattern must be a string")
    slots: list[Slot] = []
    for piece in _SLOT.findall(pattern):
        if piece == "*":
            slots.append(((ANY,), ()))
        elif piece == "...":
            slots.append(((), (ANY,), (ANY, ANY), (ANY, ANY, ANY)))
        elif piece.startswith("@"):
            if piece[1:] not in defines:
                raise ValueError(f"uses undefined set {piece}")
            slots.append(_alternatives(list(defines[piece[1:]])))
        elif piece.startswith("{"):
            slots.append(_alternatives(piece[1:-1].split("|")))
        else:
            slots.append((tuple(frozenset(_aliases(n)) for n in _norms(piece)),))
    if not slots:
        raise ValueError("empty pattern")
    return tuple(slots)


def _alternatives(options: list[str]) -> Slot:
    """The word sequences a ``{a|b c|}`` slot may match; one-word options share one set."""
    sequences = [_norms(o) for o in options]
    singles = frozenset(a for seq in sequences if len(seq) == 1 for a in _aliases(seq[0]))
    out: list[Alternative] = [(singles,)] if singles else []
    out += [tuple(frozenset(_aliases(n)) for n in seq) for seq in sequences if len(seq) > 1]
    if any(not seq for seq in sequences):
        out.append(())
    return tuple(out)


NUM_NORM = "[num]"  # the NORM a redacted digit run carries, written [NUM] in patterns


@cache
def _norms(text: str) -> tuple[str, ...]:
    words = text.strip().replace("[NUM]", " NUMPLACEHOLDER ").split()
    out: list[str] = []
    for word in words:
        if word == "NUMPLACEHOLDER":
            out.append(NUM_NORM)
        else:
            out.extend(t.norm_ for t in nlp().tokenizer(word))
    return tuple(out)


def _aliases(norm: str) -> tuple[str, ...]:
    return _NORM_ALIASES.get(norm, (norm,))


class PatternIndex:
    """Every pattern of a lexicon, indexed by the words it can start with.

    Matching a turn costs one dictionary look-up per token plus a short check of the few
    patterns that can start there, far less than trying every pattern at every token.

    >>> index = PatternIndex(load_lexicon())
    >>> index.find(["i", "want", "a", "super", "visor"])
    [('sr-want-boss', 1, 5)]
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        # One head per way a pattern can start: (pattern id, first words, what must follow).
        self._heads: list[tuple[str, frozenset[str], tuple[Slot, ...]]] = []
        # Per head, the word sets a match needs one word of each. The rarest is the head's
        # anchor (indexed below); the others are checked per turn, so most heads are never tried.
        self._required: list[list[frozenset[str]]] = []
        anchored: dict[str, set[int]] = {}
        # Most heads fix their first two words: those are indexed by the word pair, which a
        # turn holds far more rarely than either word ("i can" against "i" and "can").
        paired: dict[tuple[str, str], set[int]] = {}
        self._order = {entry["id"]: i for i, entry in enumerate(lexicon.entries)}
        # Per head, the words its second token must be one of (None: not fixed), so a start
        # whose next token is wrong is passed over without walking the pattern.
        self._second: list[frozenset[str] | None] = []
        by_speaker: dict[str, set[int]] = {}  # the heads each speaker's patterns own
        for entry in lexicon.entries:
            try:
                slots = compile_pattern(entry["pattern"], lexicon.defines)
            except ValueError as err:
                raise InputError(f"lexicon pattern {entry['id']}: {err}") from None
            for first, rest in _heads(slots):
                number = len(self._heads)
                # rarest first, so a turn that cannot match is usually told by the first check
                required = sorted([first, *_required(rest)], key=_commonness)
                self._heads.append((entry["id"], first, rest))
                by_speaker.setdefault(entry["speaker"], set()).add(number)
                seconds = _second_words(rest)
                self._second.append(seconds)
                if seconds:  # the pair itself shows the first two words are there
                    self._required.append([w for w in required if w not in (first, seconds)])
                    for pair in itertools.product(first, seconds):
                        paired.setdefault(pair, set()).add(number)
                    continue
                self._required.append(required[1:])
                for word in required[0]:
                    anchored.setdefault(word, set()).add(number)
        # The look-ups per speaker, so a turn meets only its speaker's patterns; and for all.
        self._by_speaker = {
            speaker: _Lookup.of(anchored, paired, heads) for speaker, heads in by_speaker.items()
        }
        self._every = _Lookup.of(anchored, paired, set(range(len(self._heads))))

    def find(self, norms: Sequence[str], speaker: str | None = None) -> list[tuple[str, int, int]]:
        """(pattern id, start, end) for the longest match of each pattern at each start,
        ordered by start and then by the pattern's place in the lexicon.

        ``speaker`` keeps only that speaker's patterns (None: every pattern).
        """
        lookup = self._every if speaker is None else self._by_speaker.get(speaker)
        if lookup is None:  # a speaker no pattern is for
            return []
        vocabulary = set(norms)
        candidates: set[int] = set()
        # intersections in C first: most words and pairs of a turn start no pattern
        for word in vocabulary.intersection(lookup.anchor_words):
            candidates.update(lookup.anchored[word])
        for pair in set(zip(norms, norms[1:], strict=False)).intersection(lookup.pair_keys):
            candidates.update(lookup.paired[pair])
        positions: dict[str, list[int]] = {}  # where each word stands, built when first needed
        best: dict[tuple[str, int], int] = {}
        for number in candidates:
            for words in self._required[number]:  # a loop, not any(): this runs a million times
                if words.isdisjoint(vocabulary):
                    break
            else:
                if not positions:
                    for i, word in enumerate(norms):
                        positions.setdefault(word, []).append(i)
                self._try(number, norms, vocabulary, positions, best)
        ordered = sorted(best, key=lambda ks: (ks[1], self._order[ks[0]]))
        return [(key, start, best[(key, start)]) for key, start in ordered]

    def _try(
        self,
        number: int,
        norms: Sequence[str],
        vocabulary: set[str],
        positions: dict[str, list[int]],
        best: dict[tuple[str, int], int],
    ) -> None:
        """Record the longest match of head ``number`` at each place its first word occurs."""
        key, first, rest = self._heads[number]
        second = self._second[number]
        last = len(norms) - 1
        for word in first & vocabulary:
            for start in positions[word]:
                if second is not None and (start == last or norms[start + 1] not in second):
                    continue  # the pair index proved the pair somewhere, not at every start
                end = max(_ends(rest, 0, norms, start + 1), default=-1)
                if end > best.get((key, start), -1):
                    best[(key, start)] = end


@dataclass(frozen=True)
class _Lookup:
    """Heads by anchor word and by first word pair, for one set of heads (one speaker's)."""

    anchored: dict[str, frozenset[int]]
    paired: dict[tuple[str, str], frozenset[int]]
    anchor_words: frozenset[str]
    pair_keys: frozenset[tuple[str, str]]

    @classmethod
    def of(
        cls,
        anchored: dict[str, set[int]],
        paired: dict[tuple[str, str], set[int]],
        heads: set[int],
    ) -> _Lookup:
        by_word = {w: frozenset(h & heads) for w, h in anchored.items() if h & heads}
        by_pair = {p: frozenset(h & heads) for p, h in paired.items() if h & heads}
        return cls(by_word, by_pair, frozenset(by_word), frozenset(by_pair))


def _second_words(rest: tuple[Slot, ...]) -> frozenset[str] | None:
    """The words the token after a head's first word must be one of, when that is fixed (no
    optional or wildcard start in the next slot); else None."""
    if not rest or not rest[0]:
        return None
    words: set[str] = set()
    for alt in rest[0]:
        if not alt or alt[0] is ANY:
            return None
        words |= alt[0]
    return frozenset(words)


def _commonness(words: frozenset[str]) -> int:
    """How often a turn holds one of ``words``, roughly: stop words and short forms count 1,000."""
    return sum(1000 if w in STOP_WORDS or len(w) <= 3 else 1 for w in words)


def _required(rest: tuple[Slot, ...]) -> list[frozenset[str]]:
    """For each required slot of ``rest``, the words a match must hold one of.

    A slot of one word sequence needs each of its fixed words. A slot of alternatives is
    required when none of them is empty or all wildcards; it needs one of the first fixed words
    of its alternatives.
    """
    out = []
    for slot in rest:
        if len(slot) == 1:  # one word sequence: every fixed word of it is needed
            out += [w for w in slot[0] if w is not ANY]
            continue
        words: set[str] = set()
        for alt in slot:
            fixed = [w for w in alt if w is not ANY]
            if not fixed:
                words = set()
                break
            words |= fixed[0]
        if words:
            out.append(frozenset(words))
    return out


def _heads(slots: tuple[Slot, ...]) -> Iterator[tuple[frozenset[str], tuple[Slot, ...]]]:
    """Split a pattern into (possible first words, what must follow), for indexing.

    Leading and trailing wildcards are dropped: they change no match, only widen the span.
    """
    while slots and all(all(w is ANY for w in alt) for alt in slots[-1]):
        slots = slots[:-1]
    if not slots:
        return
    for alt in slots[0]:
        if not alt:
            yield from _heads(slots[1:])
        elif alt[0] is ANY:
            yield from _heads(((alt[1:],), *slots[1:]) if alt[1:] else slots[1:])
        else:
            yield alt[0], (((alt[1:],),) if alt[1:] else ()) + slots[1:]


def _ends(slots: tuple[Slot, ...], k: int, norms: Any, pos: int) -> Iterator[int]:
    if k == len(slots):
        yield pos
        return
    for alt in slots[k]:
        p = pos
        for word in alt:
            if p >= len(norms) or (word is not ANY and norms[p] not in word):
                break
            p += 1
        else:
            yield from _ends(slots, k + 1, norms, p)


@cache
def nlp() -> Language:
    """The shared blank English pipeline (tokenizer only, no downloaded model).

    Built on first use, not at import: spacy.blank() loads the spaCy entry points, ours
    included, which would import this module again halfway through.
    """
    return spacy.blank("en")
