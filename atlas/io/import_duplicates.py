"""Duplicate detection for :mod:`atlas.io.importing` (part of stage 3, :func:`prepare`).

The rule is :mod:`atlas.records.duplicates`, the same the form's save uses: alike names (after
:func:`normalise_name`) with the same postcode or the same address for institutions;
alike names at the same institution, the same e-mail or the same phone number for
contacts. Here it runs over a whole list: exact keys (address, e-mail, phone) through
dictionaries, alike names only within a block (same postcode, same institution, same
numbers in the name).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from atlas import models as m
from atlas.i18n import _
from atlas.io.tables import Cancelled, ImportCancelled
from atlas.records import (
    THRESHOLD,
    Keys,
    Match,
    compare,
    keys,
    match_key,
    name_numbers,
    normalise_name,
    phone_tail,
    similarity,
)

if TYPE_CHECKING:
    from atlas.io.import_plan import PlannedRow
    from atlas.io.import_rows import Lookups

__all__ = [
    "DUPLICATE_THRESHOLD",
    "Duplicate",
    "ExistingRecord",
    "find_duplicates",
    "late_duplicates",
    "load_existing",
    "normalise_name",
    "similarity",
]

DUPLICATE_THRESHOLD = THRESHOLD  # rapidfuzz score 0..100 of the normalised names
_match_key = match_key
_numbers = name_numbers


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
    reason: str = ""  # German, from atlas.records.duplicates: "gleiche Adresse", "gleiche E-Mail-Adresse" …

    def describe(self) -> str:
        if self.existing_id is not None:
            where = _("schon vorhanden: „{title}“").format(title=self.existing_title)
            if self.existing_summary:
                where += f" ({self.existing_summary})"
        else:
            where = _("wie Zeile {row}").format(row=self.other_row)
        why = f"{self.reason}, {round(self.score)} %" if self.reason else f"{round(self.score)} %"
        return _("Zeile {row}: „{title}“ – {where} ({why})").format(
            row=self.row, title=self.title, where=where, why=why
        )


@dataclass
class ExistingRecord:
    id: int
    title: str
    block: Any
    key: str
    summary: str = ""
    keys: Keys | None = None  # the rule's keys (address, e-mail, phone)


def load_existing(session: Session, kind: str, after_id: int = 0) -> list[ExistingRecord]:
    """The stored records a list of ``kind`` is checked against (those with an id above
    ``after_id``: ids are never reused, so these are the ones stored since)."""
    existing: list[ExistingRecord] = []
    if kind == "institution":
        i = m.Institution
        for iid, name, postcode, street, city in session.execute(
            select(i.id, i.name, i.postcode, i.street, i.city).where(i.id > after_id)
        ):
            place = " ".join(p for p in (postcode, city) if p)
            summary = ", ".join(p for p in (street, place) if p)
            k = keys(kind, {"name": name, "postcode": postcode, "street": street})
            existing.append(ExistingRecord(iid, name, postcode or "", k.name, summary, k))
    elif kind == "offer":
        for oid, title, inst in session.execute(
            select(m.Offer.id, m.Offer.title, m.Offer.institution_id).where(m.Offer.id > after_id)
        ):
            existing.append(ExistingRecord(oid, title, inst, match_key(title)))
    elif kind == "contact":
        c = m.Contact
        for cid, first, last, contact_inst, email, phone in session.execute(
            select(c.id, c.first_name, c.last_name, c.institution_id, c.email, c.phone).where(c.id > after_id)
        ):
            values = {
                "first_name": first,
                "last_name": last,
                "institution_id": contact_inst,
                "email": email,
                "phone": phone,
            }
            k = keys(kind, values)
            title = " ".join(p for p in (first, last) if p)
            summary = ", ".join(p for p in (email, phone) if p)
            existing.append(ExistingRecord(cid, title, contact_inst or 0, k.name, summary, k))
    elif kind == "actor":
        for aid, name in session.execute(select(m.Actor.id, m.Actor.name).where(m.Actor.id > after_id)):
            existing.append(ExistingRecord(aid, name, 0, match_key(name)))
    return existing


class _ExactKeys:
    """Address, e-mail and phone of records (or rows) seen so far: the first of each."""

    def __init__(self) -> None:
        self.address: dict[str, int] = {}
        self.email: dict[str, int] = {}
        self.phone: dict[str, list[int]] = {}  # phone_tail -> indexes, checked with phone_key

    def add(self, k: Keys | None, index: int) -> None:
        if k is None or not (k.address or k.email or k.phone):
            return
        if k.address:
            self.address.setdefault(k.address, index)
        if k.email:
            self.email.setdefault(k.email, index)
        tail = phone_tail(k.phone)
        if tail:
            self.phone.setdefault(tail, []).append(index)

    def find(self, k: Keys, others: Sequence[Keys | None]) -> tuple[int, Match] | None:
        """The first one the rule calls the same by address, e-mail or phone."""
        if not (k.address or k.email or k.phone):
            return None
        candidates: list[int] = []
        if k.address and k.address in self.address:
            candidates.append(self.address[k.address])
        if k.email and k.email in self.email:
            candidates.append(self.email[k.email])
        tail = phone_tail(k.phone)
        if tail:
            candidates += self.phone.get(tail, [])
        for index in candidates:
            other = others[index]
            match = compare(k, other) if other is not None else None
            if match is not None:
                return index, match
        return None


def _block(kind: str, values: Mapping[str, Any]) -> Any:
    if kind == "institution":
        return values.get("postcode") or ""
    if kind in ("offer", "contact"):
        return values.get("institution_id") or 0
    return 0


_BLOCK_SPLIT = 2000  # larger blocks are split by the first letter of the name


def _sub_block(block: Any, key: str, size: int) -> Any:
    return (block, key[:1]) if size > _BLOCK_SPLIT else block


def find_duplicates(
    kind: str, rows: Sequence[PlannedRow], lookups: Lookups, cancelled: Cancelled | None
) -> list[Duplicate]:
    """Per valid row the best match in the database (same address, e-mail or phone; else
    an alike name within its block: same postcode, same institution), else the first
    earlier row of the file it resembles the same way."""
    valid = [r for r in rows if r.ok]
    row_keys = [keys(kind, r.values) for r in valid]
    keys_of = [k.name for k in row_keys]
    # Names with different numbers are never duplicates ("Kita 1", "Kita 2"): the numbers
    # are part of the block, so such names are never even compared.
    blocks = [(_block(kind, r.values), _numbers(k)) for r, k in zip(valid, keys_of, strict=True)]
    sizes: dict[Any, int] = {}
    for b in blocks:
        sizes[b] = sizes.get(b, 0) + 1
    existing_sizes: dict[Any, int] = {}
    existing_blocks = [(e.block, _numbers(e.key)) for e in lookups.existing]
    for b in existing_blocks:
        existing_sizes[b] = existing_sizes.get(b, 0) + 1
    by_block: dict[Any, list[ExistingRecord]] = {}
    for e, b in zip(lookups.existing, existing_blocks, strict=True):
        size = max(existing_sizes[b], sizes.get(b, 0))
        by_block.setdefault(_sub_block(b, e.key, size), []).append(e)
    db_keys = {b: [e.key for e in es] for b, es in by_block.items()}
    exact_db: dict[tuple[Any, str], ExistingRecord] = {}
    for b, es in by_block.items():
        for e in es:
            exact_db.setdefault((b, e.key), e)
    db_exact = _ExactKeys()
    db_rule_keys = [e.keys for e in lookups.existing]
    for n, e in enumerate(lookups.existing):
        db_exact.add(e.keys, n)
    file_exact = _ExactKeys()

    def from_db(planned: PlannedRow, e: ExistingRecord, match: Match | None, score: float) -> Duplicate:
        reason = match.reason if match is not None else ""
        return Duplicate(planned.row, planned.title, score, e.id, e.title, e.summary, reason=reason)

    def why(k: Keys, other: Keys | None) -> Match | None:
        return compare(k, other) if other is not None else None

    found: list[Duplicate] = []
    earlier: dict[Any, list[int]] = {}  # block -> indexes into valid
    earlier_keys: dict[Any, list[str]] = {}
    exact_file: dict[tuple[Any, str], int] = {}
    for n, (planned, key, block, rk) in enumerate(zip(valid, keys_of, blocks, row_keys, strict=True)):
        if n % 1000 == 0 and cancelled is not None and cancelled():
            raise ImportCancelled()
        match: Duplicate | None = None
        # against the database: the same address, e-mail or phone ...
        same = db_exact.find(rk, db_rule_keys)
        if same is not None:
            e = lookups.existing[same[0]]
            match = from_db(planned, e, same[1], same[1].score)
        size = max(sizes[block], existing_sizes.get(block, 0))
        sub = _sub_block(block, key, size)
        # ... or an alike name within the block
        if match is None and key:
            hit = exact_db.get((sub, key))
            if hit is not None:
                match = from_db(planned, hit, why(rk, hit.keys), 100.0)
            elif sub in db_keys:
                alike_db = _most_alike(key, db_keys[sub])
                if alike_db is not None:
                    e = by_block[sub][alike_db[1]]
                    match = from_db(planned, e, why(rk, e.keys), alike_db[0])
        # within the file
        if match is None:
            same = file_exact.find(rk, row_keys)
            if same is not None:
                match = Duplicate(
                    planned.row,
                    planned.title,
                    same[1].score,
                    other_row=valid[same[0]].row,
                    reason=same[1].reason,
                )
        if match is None and key:
            first = exact_file.get((sub, key))
            if first is not None:
                alike = compare(rk, row_keys[first])
                match = Duplicate(
                    planned.row,
                    planned.title,
                    100.0,
                    other_row=valid[first].row,
                    reason=alike.reason if alike is not None else "",
                )
            elif sub in earlier_keys:
                alike_row = _most_alike(key, earlier_keys[sub])
                if alike_row is not None:
                    first = earlier[sub][alike_row[1]]
                    alike = compare(rk, row_keys[first])
                    match = Duplicate(
                        planned.row,
                        planned.title,
                        alike_row[0],
                        other_row=valid[first].row,
                        reason=alike.reason if alike is not None else "",
                    )
        if match is not None:
            found.append(match)
        file_exact.add(rk, n)
        if key:
            exact_file.setdefault((sub, key), n)
            earlier.setdefault(sub, []).append(n)
            earlier_keys.setdefault(sub, []).append(key)
    return found


def late_duplicates(
    session: Session, kind: str, rows: Sequence[PlannedRow], after_id: int
) -> list[Duplicate]:
    """The rows that are like a record stored after the plan was made (id above
    ``after_id``) — by another import or window meanwhile. :func:`atlas.io.importing.apply`
    asks this inside its write transaction, with the write lock held, so that the same
    list imported twice at once is written once."""
    existing = load_existing(session, kind, after_id)
    if not existing or not rows:
        return []
    found = find_duplicates(kind, rows, cast("Lookups", _Stored(existing)), None)
    return [d for d in found if d.existing_id is not None]


@dataclass
class _Stored:
    """Just the stored records, where :func:`find_duplicates` wants the lookups."""

    existing: list[ExistingRecord]


def _most_alike(key: str, choices: Sequence[str]) -> tuple[float, int] | None:
    """Score and index of the first of the most alike ``choices`` at or above the
    duplicate threshold, or None."""
    from rapidfuzz import fuzz, process

    found = process.extractOne(key, choices, scorer=fuzz.ratio, score_cutoff=DUPLICATE_THRESHOLD)
    return (float(found[1]), found[2]) if found is not None else None
