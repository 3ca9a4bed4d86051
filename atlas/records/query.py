"""A search query's words, and matching them in memory.

The words a typed query is split into (folded, with a second spelling where that
differs) and the in-memory match of those words against index texts held in a list
(``Texts``, ``Listed``): the same decision as the index's ``LIKE`` in
``atlas.records.search.matching``, without the database. The index itself (its
tables, reindexing, the flush hook) is ``atlas.records.search``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import compress
from typing import TYPE_CHECKING

from atlas.text import digits_query, fold, fold_transliterated

if TYPE_CHECKING:  # numpy (~120 ms to import) loads with the first long list, not at start-up
    import numpy as np
    import numpy.typing as npt

    from atlas.records.grams import Grams


def terms(query: str) -> list[str]:
    """The folded words of a query; every word must occur (AND). A word written like a
    phone number ("0208/123") is searched by its digits."""
    return [w for w, _alt in words(query)]


def words(query: str) -> list[tuple[str, str | None]]:
    """Each folded word, with its transliterated spelling where that differs ("øre":
    "ore" or "oere"), so a typed umlaut also finds the name written with "ae"."""
    found: list[tuple[str, str | None]] = []
    for raw in query.split():
        word = digits_query(fold(raw))
        if not word:
            continue
        alt = fold_transliterated(raw) if not raw.isascii() else word
        found.append((word, alt if alt != word else None))
    return found


def index_can_answer(word: str) -> bool:
    """Whether ``word`` may go to the trigram index as a plain two-argument LIKE."""
    return len(word) >= 3 and not any(c in word for c in "%_\\")


def short_words(query: str) -> list[str] | None:
    """The folded words of a query too short for the trigram index ("a", "s m"), or None
    when a word is long enough for the index (or there is no word).

    Such a query makes SQLite read every index row (hundreds of ms at 50,000 contacts):
    a list that holds the index texts in memory (``search.bodies``) answers it with
    :func:`keep_matching` instead."""
    found = words(query)
    if not found or any(index_can_answer(word) for word, _alt in found):
        return None
    return [word for word, _alt in found]


Term = tuple[str, str | None]


def memory_terms(query: str) -> list[Term]:
    """Each word of a query as ``search.matching`` asks for it: the folded word, and the other
    spelling where ``matching`` accepts that too (else None). Every word must occur."""
    return [
        (word, alt if alt is not None and index_can_answer(word) and index_can_answer(alt) else None)
        for word, alt in words(query)
    ]


def body_matches(terms: Sequence[Term], body: str) -> bool:
    """Whether one index text matches, as ``matching`` decides it: each word is a
    ``LIKE '%word%'`` on the folded text (lower case both, so ASCII case-insensitivity
    changes nothing), a word with two spellings either of them."""
    return all(word in body or (alt is not None and alt in body) for word, alt in terms)


def keep_matching(terms: Sequence[Term], ids: Sequence[int], texts: Sequence[str]) -> list[int]:
    """The ids (in their order) whose index text (``texts``, in the same order) matches,
    as :func:`body_matches` decides."""
    return keep_matching_texts(terms, ids, texts)[0]


def keep_matching_texts(
    terms: Sequence[Term], ids: Sequence[int], texts: Sequence[str]
) -> tuple[list[int], list[str]]:
    """The ids (in their order) whose index text matches, with their texts: a loop per
    word over the texts still in, each a C-level ``in`` (``itertools.compress``): 50,000
    texts in 10-30 ms. The texts kept let the next, longer query look only at them
    (:func:`narrows`)."""
    if len(ids) != len(texts):
        raise ValueError("one text per id")
    kept_ids, kept_texts = list(ids), list(texts)
    for word, alt in terms:
        # two loops rather than one with a test of ``alt`` per text: this is the hot path
        mask = [word in t for t in kept_texts] if alt is None else [word in t or alt in t for t in kept_texts]
        kept_ids = list(compress(kept_ids, mask))
        kept_texts = list(compress(kept_texts, mask))
    return kept_ids, kept_texts


def narrows(new: Sequence[Term], old: Sequence[Term]) -> bool:
    """Whether every text matching ``new`` also matches ``old`` (the person typed on:
    "br" → "bri", "kita" → "kita m"), so ``new`` need only be looked for among the texts
    ``old`` kept. True when each old word lies inside a new word (and inside its other
    spelling, if it has one, or the old word's other spelling does)."""
    for word, alt in old:
        if not any(
            word in new_word and (new_alt is None or word in new_alt or (alt is not None and alt in new_alt))
            for new_word, new_alt in new
        ):
            return False
    return True


class Texts:
    """Every record's index text of one kind, held in memory to match a query without the
    database (:func:`keep_matching_texts`): ``full`` as indexed, and ``compact``, each
    text's words once (the second spelling repeats most of them). A query word holds no
    whitespace, so it occurs in a text exactly when it occurs in one of its words: the
    compact text matches the same and is about 40 % shorter to scan. (A few characters
    fold to a space, e.g. "´": a query with such a word is matched against ``full``.)"""

    def __init__(self, bodies: Mapping[int, str]) -> None:
        self.full: dict[int, str] = dict(bodies)
        self.compact: dict[int, str] = {i: " ".join(dict.fromkeys(b.split())) for i, b in self.full.items()}
        self._grams: Grams | None = None
        self._order: npt.NDArray[np.int64] | None = None  # the record id of each text of the grams

    def grams(self) -> Grams:
        """The letters and bigrams of the compact texts (built the first time: 0.3-0.5 s
        at 50,000 texts, so on the worker, before the first key)."""
        if self._grams is None:
            import numpy as np

            from atlas.records.grams import Grams

            self._order = np.fromiter(self.compact.keys(), dtype=np.int64, count=len(self.compact))
            self._grams = Grams(list(self.compact.values()))
        return self._grams

    def listed(self, ids: Sequence[int]) -> Listed:
        """These ids (a list, in its order) ready to be matched through :meth:`grams`."""
        import numpy as np

        grams = self.grams()
        assert self._order is not None
        order = np.asarray(ids, dtype=np.int64)
        # the place of each listed id among the texts; an id without a text: ``size`` (no match)
        top = int(max(self._order.max(initial=0), order.max(initial=0)))
        if top <= 8 * (grams.size + len(order)) + 4096:  # ids are dense: an array by id
            at = np.full(top + 1, grams.size, dtype=np.int64)
            at[self._order] = np.arange(grams.size)
            places = at[order]
        else:
            where = {record_id: place for place, record_id in enumerate(self.compact)}
            places = np.fromiter((where.get(i, grams.size) for i in ids), dtype=np.int64, count=len(order))
        return Listed(grams, order, places)

    @staticmethod
    def compact_answers(terms: Sequence[Term]) -> bool:
        """Whether the compact texts answer these words (none holds whitespace)."""
        return not any(
            len(word.split()) != 1 or (alt is not None and len(alt.split()) != 1) for word, alt in terms
        )


class Listed:
    """A list's ids with the place of each one's text in :class:`Grams`: a query's matches
    are kept in list order without a Python loop over the list."""

    def __init__(self, grams: Grams, ids: npt.NDArray[np.int64], places: npt.NDArray[np.int64]) -> None:
        self._grams = grams
        self._ids = ids
        self._places = places

    def keep(self, terms: Sequence[Term]) -> list[int]:
        """The ids (in list order) whose compact text matches, as :func:`body_matches`
        decides it (``Texts.compact_answers(terms)`` must hold)."""
        import numpy as np

        grams = self._grams
        mask = np.ones(grams.size + 1, dtype=np.bool_)
        mask[-1] = False  # the place of an id without a text
        for word, alt in terms:
            found = grams.where(word)
            if alt is not None:
                found |= grams.where(alt)
            mask[:-1] &= found
        kept: list[int] = self._ids[mask[self._places]].tolist()
        return kept
