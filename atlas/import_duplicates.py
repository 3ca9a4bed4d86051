"""Duplicate detection for :mod:`atlas.importing` (part of stage 3, :func:`prepare`).

Names are compared after :func:`normalise_name` (case, umlauts and legal forms folded, word
order ignored); rows are only compared within a block (same postcode, same institution,
same numbers in the name).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from atlas.i18n import _
from atlas.import_fields import _AE
from atlas.tables import Cancelled, ImportCancelled
from atlas.text import fold

if TYPE_CHECKING:
    from atlas.import_rows import _Lookups
    from atlas.importing import PlannedRow

__all__ = ["DUPLICATE_THRESHOLD", "Duplicate", "normalise_name", "similarity"]

DUPLICATE_THRESHOLD = 90.0  # rapidfuzz score 0..100 of the normalised names


@dataclass(frozen=True)
class Duplicate:
    """Row ``row`` looks like a record in the database (``existing_id``) or like an
    earlier row of the file (``other_row``)."""

    row: int
    title: str
    score: float  # 0..100, similarity of the normalised names
    existing_id: int | None = None
    existing_title: str = ""
    existing_summary: str = ""  # e.g. "Marktstraße 1, 46045 Oberhausen"
    other_row: int | None = None

    def describe(self) -> str:
        if self.existing_id is not None:
            where = _("schon vorhanden: „{title}“").format(title=self.existing_title)
            if self.existing_summary:
                where += f" ({self.existing_summary})"
        else:
            where = _("wie Zeile {row}").format(row=self.other_row)
        return _("Zeile {row}: „{title}“ – {where} ({score} %)").format(
            row=self.row, title=self.title, where=where, score=round(self.score)
        )


_LEGAL_DOTTED = re.compile(
    r"\be\.\s*v\b\.?|\be\s+v\b\.?|\bg\.\s*gmbh\b|\bgem(?:einnuetzige[rs]?)?\.?\s+gmbh\b"
)
_LEGAL_WORDS = frozenset(
    {"gmbh", "ggmbh", "mbh", "ug", "gug", "ag", "eg", "kg", "ohg", "gbr", "kgaa", "haftungsbeschraenkt"}
)
_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


def normalise_name(text: str) -> str:
    """A name for matching: case and umlauts folded ('Müller' = 'Mueller'), legal forms
    ('e. V.', 'gGmbH', 'GmbH', 'eG' …) and punctuation removed."""
    folded = fold(text.lower().translate(_AE))
    folded = _LEGAL_DOTTED.sub(" ", folded)
    words = [w for w in _NON_WORD.sub(" ", folded).split() if w not in _LEGAL_WORDS]
    if len(words) > 1 and words[-1] == "ev":
        words.pop()  # "Verein eV" (a leading "Ev." is "evangelisch" and stays)
    return " ".join(words)


def _match_key(text: str) -> str:
    return " ".join(sorted(normalise_name(text).split()))


def _numbers(key: str) -> tuple[str, ...]:
    return tuple(sorted(_DIGITS.findall(key)))


def similarity(a: str, b: str) -> float:
    """0..100: how alike two names are after :func:`normalise_name` (word order ignored)."""
    from rapidfuzz import fuzz

    ka, kb = _match_key(a), _match_key(b)
    if _numbers(ka) != _numbers(kb):
        return 0.0
    return float(fuzz.ratio(ka, kb))


@dataclass
class _Existing:
    id: int
    title: str
    block: Any
    key: str
    summary: str = ""


def _block(kind: str, values: Mapping[str, Any]) -> Any:
    if kind == "institution":
        return values.get("postcode") or ""
    if kind in ("offer", "contact"):
        return values.get("institution_id") or 0
    return 0


_BLOCK_SPLIT = 2000  # larger blocks are split by the first letter of the name


def _sub_block(block: Any, key: str, size: int) -> Any:
    return (block, key[:1]) if size > _BLOCK_SPLIT else block


def _find_duplicates(
    kind: str, rows: Sequence[PlannedRow], lookups: _Lookups, cancelled: Cancelled | None
) -> list[Duplicate]:
    """Per valid row the best match in the database (by block: same postcode, same
    institution), else the first earlier row of the file it resembles."""
    from rapidfuzz import fuzz, process

    valid = [r for r in rows if r.ok]
    keys = [_match_key(r.title) for r in valid]
    # Names with different numbers are never duplicates ("Kita 1", "Kita 2"): the numbers
    # are part of the block, so such names are never even compared.
    blocks = [(_block(kind, r.values), _numbers(k)) for r, k in zip(valid, keys, strict=True)]
    sizes: dict[Any, int] = {}
    for b in blocks:
        sizes[b] = sizes.get(b, 0) + 1
    existing_sizes: dict[Any, int] = {}
    existing_blocks = [(e.block, _numbers(e.key)) for e in lookups.existing]
    for b in existing_blocks:
        existing_sizes[b] = existing_sizes.get(b, 0) + 1
    by_block: dict[Any, list[_Existing]] = {}
    for e, b in zip(lookups.existing, existing_blocks, strict=True):
        size = max(existing_sizes[b], sizes.get(b, 0))
        by_block.setdefault(_sub_block(b, e.key, size), []).append(e)
    db_keys = {b: [e.key for e in es] for b, es in by_block.items()}
    exact_db: dict[tuple[Any, str], _Existing] = {}
    for b, es in by_block.items():
        for e in es:
            exact_db.setdefault((b, e.key), e)

    found: list[Duplicate] = []
    earlier: dict[Any, list[int]] = {}  # block -> indexes into valid
    earlier_keys: dict[Any, list[str]] = {}
    exact_file: dict[tuple[Any, str], int] = {}
    for n, (planned, key, block) in enumerate(zip(valid, keys, blocks, strict=True)):
        if n % 1000 == 0 and cancelled is not None and cancelled():
            raise ImportCancelled()
        if not key:
            continue
        size = max(sizes[block], existing_sizes.get(block, 0))
        sub = _sub_block(block, key, size)
        # against the database
        match: Duplicate | None = None
        hit = exact_db.get((sub, key))
        if hit is not None:
            match = Duplicate(planned.row, planned.title, 100.0, hit.id, hit.title, hit.summary)
        elif sub in db_keys:
            best: tuple[float, _Existing] | None = None
            for _choice, score, index in process.extract(
                key, db_keys[sub], scorer=fuzz.ratio, score_cutoff=DUPLICATE_THRESHOLD, limit=None
            ):
                if best is None or score > best[0]:
                    best = (score, by_block[sub][index])
            if best is not None:
                e = best[1]
                match = Duplicate(planned.row, planned.title, float(best[0]), e.id, e.title, e.summary)
        # within the file
        if match is None:
            first = exact_file.get((sub, key))
            if first is not None:
                match = Duplicate(planned.row, planned.title, 100.0, other_row=valid[first].row)
            elif sub in earlier_keys:
                best_row: tuple[float, int] | None = None
                for _choice, score, index in process.extract(
                    key, earlier_keys[sub], scorer=fuzz.ratio, score_cutoff=DUPLICATE_THRESHOLD, limit=None
                ):
                    if best_row is None or score > best_row[0]:
                        best_row = (score, earlier[sub][index])
                if best_row is not None:
                    match = Duplicate(
                        planned.row, planned.title, float(best_row[0]), other_row=valid[best_row[1]].row
                    )
        if match is not None:
            found.append(match)
        exact_file.setdefault((sub, key), n)
        earlier.setdefault(sub, []).append(n)
        earlier_keys.setdefault(sub, []).append(key)
    return found
