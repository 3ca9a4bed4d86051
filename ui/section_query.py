"""A section's list as data, without Qt: one query's answer (``Listing``), the whole list
it was cut from (``Everything``: a typed search keeps its matching ids in memory), and the
query itself (``query_listing``), which runs on the database worker or, for a short list,
on the GUI thread (``ui.section.SectionWidget``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from atlas.records import FilterKind, RecordService, query
from ui.table_model import BLOCK

PREFETCH_FROM = 2000  # a list this long fetches its index texts before the first keystroke
# Typing on looks only at the last query's matches when there are at most this many (a
# loop over them, 1-2 ms); more are matched through the index texts' bigrams.
NARROW_UP_TO = 5000


@dataclass(frozen=True)
class Listing:
    """One query's answer, made on a worker: the ids in order, the total, the first rows."""

    text: str
    ids: list[int]
    total: int
    rows: dict[int, tuple[str, ...]]
    base: Everything | None = None  # the unsearched list it was cut from


class Everything:
    """The list without search text, in order (for these filters and this sort), from which
    a typed search keeps the matching ids: a keystroke then costs one scan of the index
    texts in memory, not fetching and sorting 50,000 rows again. Dropped by every
    ``refresh()`` (a save, an undo, a change elsewhere) and a new filter or sort. The index
    texts (``bodies``) outlive it in the section until a change touches them; they are
    fetched on the worker the first time they are needed, or before (a long list).

    Used on the worker only (one query at a time), except ``key``, ``ids`` and ``bodies``."""

    def __init__(self, key: tuple[Any, ...], ids: list[int], bodies: query.Texts | None = None) -> None:
        self.key = key
        self.ids = ids
        self.bodies: query.Texts | None = bodies
        self.prefetching = False
        self.total: int | None = None  # the records of this kind, counted once
        self.rows: dict[int, tuple[str, ...]] = {}  # display rows fetched for earlier queries
        self._texts: dict[bool, list[str]] = {}  # compact or full texts in the order of ``ids``
        # the last query's words, texts used and what it kept (with their texts, if made): a
        # longer query looks only at those
        self._last: tuple[list[query.Term], bool, list[int], list[str] | None] | None = None
        self._listed: query.Listed | None = None  # the ids ready to match through the bigrams

    def texts(self, compact: bool = True) -> list[str]:
        """The index texts in list order (made once; the prefetch makes the compact ones)."""
        assert self.bodies is not None
        if compact not in self._texts:
            texts = self.bodies.compact if compact else self.bodies.full
            self._texts[compact] = [texts.get(i, "") for i in self.ids]
        return self._texts[compact]

    def keep(self, terms: list[query.Term]) -> list[int]:
        """The ids whose index text matches (``query.keep_matching``), in list order.

        Typing on (the query narrows the last one) with few matches left looks only at
        those; otherwise the letters and bigrams of the texts (``query.Texts.grams``)
        answer at once, without a loop over 50,000 texts; a word with a space in it (rare:
        a letter that folds to one) is matched against every full text."""
        assert self.bodies is not None
        compact = query.Texts.compact_answers(terms)
        last = self._last
        if (
            last is not None
            and last[1] == compact
            and (len(last[2]) <= NARROW_UP_TO or not compact)
            and query.narrows(terms, last[0])
        ):
            ids = last[2]
            texts_in = last[3] if last[3] is not None else [self.bodies.compact.get(i, "") for i in ids]
            kept, kept_texts = query.keep_matching_texts(terms, ids, texts_in)
            self._last = (terms, compact, kept, kept_texts)
        elif compact:
            if self._listed is None:
                self._listed = self.bodies.listed(self.ids)
            kept = self._listed.keep(terms)
            self._last = (terms, compact, kept, None)  # texts made when a narrowing needs them
        else:
            kept, kept_texts = query.keep_matching_texts(terms, self.ids, self.texts(compact))
            self._last = (terms, compact, kept, kept_texts)
        return kept

    def prepare(self) -> None:
        """Everything the first key needs, made now (on the worker, before it is typed)."""
        if self.bodies is not None and self._listed is None:
            self._listed = self.bodies.listed(self.ids)


def query_listing(
    service: RecordService,
    text: str,
    key: tuple[Any, ...],
    everything: Everything | None,
    bodies: query.Texts | None,
) -> Listing:
    """The list's query (on a worker or the GUI thread): plain data only.

    Without search text, the whole list (kept as ``Listing.base``); with it, the ids
    of the whole list that match, in its order: the ids ``list_ids(text)`` gives, and
    records that sort alike keep their order in the whole list while one types. A long
    list with its index texts at hand (``bodies``) matches every query in memory."""
    filters = {FilterKind(k): v for k, v in key[0]}
    sort_key, descending = key[1], key[2]
    terms = query.memory_terms(text)
    if not terms or (everything is None and query.short_words(text) is None):
        # no words: the whole list; long words without the whole list: the index alone
        ids = service.list_ids(text, filters, sort_key, descending)
        base = Everything(key, ids, bodies) if not terms else None
    else:
        base = everything or Everything(key, service.list_ids("", filters, sort_key, descending), bodies)
        in_memory = base.bodies is not None and len(base.ids) >= PREFETCH_FROM
        if in_memory or query.short_words(text) is not None:  # short words: the index cannot
            if base.bodies is None:
                base.bodies = query.Texts(service.search_bodies())
            ids = base.keep(terms)
        else:
            matches = service.matching_ids(text) or set()
            ids = [i for i in base.ids if i in matches]
    if base is None:
        return Listing(text, ids, service.count(), service.rows(ids[:BLOCK]), None)
    # a keystroke asks the database nothing it asked before on this list
    if base.total is None:
        base.total = service.count()
    first = ids[:BLOCK]
    missing = [i for i in first if i not in base.rows]
    if missing:
        base.rows.update(service.rows(missing))
    rows = {i: base.rows[i] for i in first if i in base.rows}
    return Listing(text, ids, base.total, rows, base)
