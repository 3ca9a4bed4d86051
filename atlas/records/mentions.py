"""Where a person is named in free text, and replacing it (DSGVO Art. 15 and 17).

A person erased under Art. 17 may still be written into other records: an institution's
notes ("Ansprechpartnerin Aylin Müller"), a meeting's minutes ("A. Müller berichtet"), a
follow-up's "who" ("Müller, Aylin"), the reason of a status decision, her phone number in
a task. :func:`find` walks *every* text column of *every* table of the schema (no hand
list, so a table or column added later is covered too) and :func:`replace` puts
:data:`PLACEHOLDER` where she was named.

What counts as naming her (on text folded like the search does: case-insensitive,
accents and ``ß`` tolerant, "Mueller" = "Müller"):

- "Vorname Nachname", "Nachname, Vorname", "Nachname Vorname";
- the first name's initial with the surname: "A. Müller", "A.Müller", "Müller, A.";
- her e-mail address; her phone number compared by digits ("0208 / 12 34-5" =
  "020812345", "+49 208 …" = "0208 …").

The surname alone is *not* a mention: "Herr Müller" or "B. Müller" is someone else.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from sqlalchemy import Connection, String, Table, func, select, update

from atlas import models as m
from atlas.i18n import _
from atlas.records.schema import ENTITIES
from atlas.text import fold, fold_transliterated, phone_digits

PLACEHOLDER = _("[gelöscht]")

#: Tables never searched: the register holds only hashes.
SKIPPED_TABLES = frozenset({m.ErasureEntry.__tablename__})
#: Columns that are identities, not text: a UUID's hex digits can spell a short name or
#: hold a phone number's digits, and replacing them would change the record's identity.
SKIPPED_COLUMNS = frozenset({"uuid"})

#: A phone number needs this many digits before it is looked for in text (shorter
#: digit runs are house numbers, years, postcodes).
MIN_PHONE_DIGITS = 6

_TABLE_LABELS = {
    "follow_up": _("Aufgabe aus Treffen"),
    "actor_override": _("Statusentscheidung"),
    "actor_status_event": _("Statusschritt"),
    "agreement_party": _("Vereinbarungsseite"),
    "app_setting": _("Einstellung"),
    "geocode_cache": _("Verortungsspeicher"),
    "term": _("Begriff"),
}
_FIELD_LABELS = {
    "who": _("Wer"),
    "task": _("Aufgabe"),
    "reason": _("Begründung"),
    "note": _("Notiz"),
    "set_by": _("Festgelegt von"),
    "role": _("Rolle"),
    "value": _("Wert"),
}


@dataclass(frozen=True)
class Person:
    """What identifies one person in text. Held only while an erasure or report runs."""

    contact_id: int | None
    first_name: str
    last_name: str
    email: str = ""
    phone: str = ""

    @classmethod
    def of(cls, contact: m.Contact) -> Person:
        return cls(
            contact.id,
            (contact.first_name or "").strip(),
            (contact.last_name or "").strip(),
            (contact.email or "").strip(),
            (contact.phone or "").strip(),
        )

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


# -- matching ---------------------------------------------------------------------------


def _folded(text: str, transliterate: bool) -> tuple[str, list[int] | None]:
    """``text`` folded, and for each folded character the index of its original one
    (None: the same positions, for ASCII). Folding works character by character
    (``atlas.text``), so the map is exact."""
    if text.isascii():
        return text.lower(), None
    how = fold_transliterated if transliterate else fold
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        piece = how(char)
        out.append(piece)
        origin.extend([i] * len(piece))
    return "".join(out), origin


def _words(value: str) -> str:
    """A regex for a (folded) name of one or more words: any space or hyphen between."""
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", value) if p]
    return r"[\s\-]+".join(parts)


def _alternatives(value: str) -> str:
    forms = {f for f in (fold(value), fold_transliterated(value)) if f.strip()}
    return "(?:" + "|".join(sorted((_words(f) for f in forms), key=len, reverse=True)) + ")"


_PHONE_RUN = re.compile(r"\+?\d[\d \t/\-().]*\d")
_NOT_DIGIT = re.compile(r"\D+")
_SEP = "\x00"  # between texts in :meth:`Matcher.candidates`; folds to itself
_NOT_DIGIT_OR_SEP = re.compile(r"[^\d\x00]+")


def _phone_forms(phone: str) -> set[str]:
    return {d for d in phone_digits(phone).split() if len(d) >= MIN_PHONE_DIGITS}


class Matcher:
    """Finds the spans of a person's mentions in a text (positions of the original text)."""

    def __init__(self, person: Person) -> None:
        self.person = person
        patterns: list[str] = []
        self._keys: set[str] = set()
        if person.last_name and person.first_name:
            last = _alternatives(person.last_name)
            first = _alternatives(person.first_name)
            initials = {fold(person.first_name)[:1], fold_transliterated(person.first_name)[:1]}
            initial = "(?:" + "|".join(re.escape(i) for i in sorted(initials) if i.strip()) + ")"
            patterns += [
                rf"{first}\s+{last}",
                rf"{last}\s*,\s*{first}",
                rf"{last}\s+{first}",
                rf"{initial}\.\s*{last}",
                rf"{last}\s*,\s*{initial}\.",
            ]
            self._keys |= {fold(person.last_name), fold_transliterated(person.last_name)}
        self._names = re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)") if patterns else None
        email = fold(person.email)
        self._email = re.compile(rf"(?<![\w.+\-]){re.escape(email)}(?![\w\-])") if email else None
        if email:
            self._keys.add(email)
        self._phones = _phone_forms(person.phone)
        self._phone_tails = {p[-MIN_PHONE_DIGITS:] for p in self._phones}
        self._keys = {k.split()[0] if k.split() else k for k in self._keys if k.strip()}

    def candidates(self, texts: Sequence[str]) -> set[int]:
        """The indexes of the texts that may name her (a superset; :meth:`spans` decides).

        Folding works character by character, so the texts are joined and folded in one
        go and the keys searched at C speed; a hit's position tells which text it is in.
        """
        if not texts:
            return set()
        joined = _SEP.join(t.replace(_SEP, " ") for t in texts)
        found: set[int] = set()

        def locate(blob: str, keys: Iterable[str]) -> None:
            offsets = list(accumulate((len(part) + 1 for part in blob.split(_SEP)), initial=0))
            for key in keys:
                at = blob.find(key)
                while at >= 0:
                    found.add(bisect_right(offsets, at) - 1)
                    at = blob.find(key, at + 1)

        if self._keys:
            plain = fold(joined)
            locate(plain, self._keys)
            if not joined.isascii():
                locate(fold_transliterated(joined), self._keys)
        if self._phones:
            locate(_NOT_DIGIT_OR_SEP.sub("", joined), self._phone_tails)
        return found

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Start and end (exclusive) of every mention, merged where they overlap."""
        found: list[tuple[int, int]] = []
        if self._keys:
            # A quick test on the whole text first (folding at C speed); the exact
            # positions only for the few texts that may name her.
            plain = fold(text)
            ascii_text = text.isascii()
            for transliterate in (False, True) if not ascii_text else (False,):
                quick = plain if not transliterate else fold_transliterated(text)
                if not any(k in quick for k in self._keys):
                    continue
                folded, origin = _folded(text, transliterate)
                for regex in (self._names, self._email):
                    if regex is None:
                        continue
                    for hit in regex.finditer(folded):
                        if origin is None:
                            found.append((hit.start(), hit.end()))
                        else:
                            found.append((origin[hit.start()], origin[hit.end() - 1] + 1))
        if self._phones and any(tail in _NOT_DIGIT.sub("", text) for tail in self._phone_tails):
            found += self._phone_spans(text)
        return _merge(found)

    def _phone_spans(self, text: str) -> Iterator[tuple[int, int]]:
        for run in _PHONE_RUN.finditer(text):
            raw = run.group()
            # the run's digits, where each starts in the text, and where groups begin/end
            digits: list[tuple[str, int]] = [(c, run.start() + i) for i, c in enumerate(raw) if c.isdigit()]
            if len(digits) < MIN_PHONE_DIGITS:
                continue
            starts, ends = {0}, {len(digits)}
            for k in range(1, len(digits)):
                if digits[k][1] != digits[k - 1][1] + 1:
                    starts.add(k)
                    ends.add(k)
            number = "".join(d for d, _pos in digits)
            # the run as written, and for "+49 …"/"0049 …" also in its national form "0…"
            forms: list[tuple[str, int]] = [(number, 0)]  # (digits, run index of their 2nd digit - 1)
            prefix = 2 if raw.startswith("+") else 4 if number.startswith("00") else 0
            if prefix and number[prefix - 2 : prefix] == "49":
                forms.append(("0" + number[prefix:], prefix - 1))
            for form in self._phones:
                for cand, shift in forms:
                    at = cand.find(form)
                    while at >= 0:
                        a = at if not shift else (0 if at == 0 else at + shift)
                        b = (at + len(form) - 1 + shift) + 1
                        if a in starts and b in ends:
                            yield (run.start() if a == 0 else digits[a][1], digits[b - 1][1] + 1)
                        at = cand.find(form, at + 1)

    def scrub(self, text: str) -> str:
        """``text`` with every mention replaced by :data:`PLACEHOLDER`."""
        spans = self.spans(text)
        if not spans:
            return text
        out, last = [], 0
        for start, end in spans:
            out += [text[last:start], PLACEHOLDER]
            last = end
        out.append(text[last:])
        return "".join(out)


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def excerpt(text: str, span: tuple[int, int], width: int = 40) -> str:
    """A line of context around the mention, on one line."""
    start, end = span
    a, b = max(0, start - width), min(len(text), end + width)
    body = " ".join(text[a:b].split())
    return ("…" if a > 0 else "") + body + ("…" if b < len(text) else "")


# -- the walk over the schema ------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """One text field of one record that names the person."""

    table: str
    record_id: int
    column: str
    where: str  # "Einrichtung", "Aufgabe aus Treffen", …
    title: str  # the record's title ("Familienzentrum", the meeting's title, …)
    field: str  # "Notizen", "Protokoll", …
    excerpt: str
    replaced: str  # the field's text with the mentions replaced


def text_columns() -> list[tuple[Table, list[str]]]:
    """Every table with an ``id`` and its text columns, from the ORM's metadata."""
    found = []
    for table in m.Base.metadata.sorted_tables:
        if table.name in SKIPPED_TABLES or "id" not in table.c:
            continue
        columns = [
            c.name for c in table.columns if isinstance(c.type, String) and c.name not in SKIPPED_COLUMNS
        ]
        if columns:
            found.append((table, columns))
    return found


_SPECS_BY_TABLE = {spec.model.__tablename__: spec for spec in ENTITIES.values()}


def _labels(table: Table, column: str) -> tuple[str, str]:
    spec = _SPECS_BY_TABLE.get(table.name)
    where = spec.singular if spec else _TABLE_LABELS.get(table.name, table.name)
    field = _FIELD_LABELS.get(column, column)
    if spec is not None:
        with contextlib.suppress(KeyError):
            field = spec.field(column).label
    return where, field


def _titles(conn: Connection, table: Table, rows: Mapping[int, Mapping[str, Any]]) -> dict[int, str]:
    """A title per row: the record's own, or (link rows) the title of what it belongs to."""
    spec = _SPECS_BY_TABLE.get(table.name)
    if spec is not None:
        if table.name == "contact":
            people = conn.execute(
                select(table.c.id, table.c.first_name, table.c.last_name).where(table.c.id.in_(list(rows)))
            ).all()
            return {i: " ".join(p for p in (first, last) if p) for i, first, last in people}
        field = spec.title_field if spec.title_field in table.c else None
        if field is not None:
            values = dict(
                conn.execute(select(table.c.id, table.c[field]).where(table.c.id.in_(list(rows)))).all()
            )
            return {i: str(values.get(i) or "") for i in rows}
    for fk in table.foreign_keys:
        parent = _SPECS_BY_TABLE.get(fk.column.table.name)
        if parent is None or parent.title_field not in fk.column.table.c:
            continue
        parent_table = fk.column.table
        links = dict(conn.execute(select(table.c.id, fk.parent).where(table.c.id.in_(list(rows)))).all())
        names = dict(
            conn.execute(
                select(parent_table.c.id, parent_table.c[parent.title_field]).where(
                    parent_table.c.id.in_([v for v in links.values() if v is not None])
                )
            ).all()
        )
        return {i: f"{parent.singular} „{names.get(links.get(i), '')}“" for i in rows}
    return {i: f"#{i}" for i in rows}


def own_identifiers(conn: Connection, person: Person) -> Person:
    """``person`` without an e-mail address or phone number that another record also has
    in its own ``email``/``phone`` field (the institution's switchboard, a shared office
    mailbox): such a number is not hers alone, and replacing it would erase colleagues'
    data. Her name variants always count."""
    phones = set(phone_digits(person.phone).split())
    email = person.email.strip().lower()
    shared_phone = shared_email = False
    for table in m.Base.metadata.sorted_tables:
        if "id" not in table.c:
            continue
        own = table.name == "contact" and person.contact_id is not None
        not_her = table.c.id != person.contact_id if own else None
        if phones and not shared_phone and "phone" in table.c:
            query = select(table.c.phone).where(table.c.phone.is_not(None))
            if not_her is not None:
                query = query.where(not_her)
            for (value,) in conn.execute(query):
                if phones & set(phone_digits(value).split()):
                    shared_phone = True
                    break
        if email and not shared_email and "email" in table.c:
            query = select(table.c.id).where(func.lower(func.trim(table.c.email)) == email)
            if not_her is not None:
                query = query.where(not_her)
            shared_email = conn.execute(query.limit(1)).first() is not None
    return dataclasses.replace(
        person, phone="" if shared_phone else person.phone, email="" if shared_email else person.email
    )


def find(conn: Connection, person: Person, *, skip: Iterable[tuple[str, int]] = ()) -> list[Mention]:
    """Every text field of every record that names ``person`` (not her own contact row).
    An e-mail or phone another record also has as its own is not searched
    (:func:`own_identifiers`)."""
    matcher = Matcher(own_identifiers(conn, person))
    skipped = set(skip)
    if person.contact_id is not None:
        skipped.add(("contact", person.contact_id))
    mentions: list[Mention] = []
    for table, columns in text_columns():
        rows = conn.execute(select(table.c.id, *[table.c[c] for c in columns])).all()
        # one text per (row, column); the quick test runs over all of them at once
        cells = [
            (r[0], col, v)
            for r in rows
            for col, v in zip(columns, r[1:], strict=True)
            if isinstance(v, str) and v
        ]
        found: list[tuple[int, str, str, str, str]] = []
        for index in sorted(matcher.candidates([v for _i, _c, v in cells])):
            record_id, column, value = cells[index]
            if (table.name, record_id) in skipped:
                continue
            spans = matcher.spans(value)
            if spans:
                found.append((record_id, column, value, excerpt(value, spans[0]), matcher.scrub(value)))
        if not found:
            continue
        titles = _titles(conn, table, {record_id: {} for record_id, *_rest in found})
        for record_id, column, _value, context, replaced in found:
            where, field = _labels(table, column)
            mentions.append(
                Mention(table.name, record_id, column, where, titles[record_id], field, context, replaced)
            )
    return mentions


def replace(conn: Connection, mentions: Iterable[Mention]) -> dict[str, set[int]]:
    """Write the replaced texts (each record's version goes up, so a form holding the old
    text cannot save it back); the changed record ids by table."""
    changed: dict[str, set[int]] = {}
    for mention in mentions:
        table = m.Base.metadata.tables[mention.table]
        values: dict[str, Any] = {mention.column: mention.replaced}
        if "version" in table.c:
            values["version"] = table.c.version + 1
        conn.execute(update(table).where(table.c.id == mention.record_id).values(values))
        changed.setdefault(mention.table, set()).add(mention.record_id)
    return changed


# -- fingerprints for the erasure register ----------------------------------------------


def fingerprints(salt: str, person: Person) -> tuple[set[str], str]:
    """The salted hashes that recognise the person again: strong ones (name with e-mail,
    name with phone) and a weak one (name only, trusted only together with the same id)."""

    def digest(*parts: str) -> str:
        return hashlib.sha256("\x1f".join((salt, *parts)).encode("utf-8")).hexdigest()

    name = " ".join(fold_transliterated(person.name).split())  # "Müller" = "Mueller"
    strong = set()
    if person.email:
        strong.add(digest(name, "email", fold(person.email)))
    phones = phone_digits(person.phone).split()
    if phones:  # one form for both spellings: the national one ("0208…" for "+49 208…")
        strong.add(digest(name, "phone", min(phones, key=lambda d: (not d.startswith("0"), d))))
    return strong, digest(name, "name")
