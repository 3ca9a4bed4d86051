"""The one duplicate rule, for the form's save and for the import.

Two institutions are possibly the same when their names are alike after
:func:`normalise_name` (case, umlauts and legal forms folded, word order ignored;
rapidfuzz ``ratio`` >= :data:`THRESHOLD`) **and** they have the same postcode, or when
they have the same address (street, house number and postcode, with "Str." = "Straße").
Two contacts are possibly the same with alike names at the same institution, or the
same e-mail address, or the same phone number (``phonenumbers``, region DE). Offers and
actors: alike names at the same institution (the import only).

Names with different numbers are never alike ("Kita 1" is not "Kita 2").

:func:`find_candidates` asks the database for one record's candidates (the form, through
``RecordService.save``); :mod:`atlas.io.import_duplicates` runs the same comparisons over a
whole list in blocks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from atlas import models as m
from atlas.i18n import _
from atlas.text import fold

__all__ = [
    "RULE_FIELDS",
    "THRESHOLD",
    "Candidate",
    "Keys",
    "address_key",
    "compare",
    "email_key",
    "find_candidates",
    "keys",
    "match_key",
    "normalise_name",
    "phone_key",
    "phone_tail",
    "similarity",
]

THRESHOLD = 90.0  # rapidfuzz score 0..100 of the normalised names

#: The fields the rule looks at, per kind: a change of another field never asks again.
RULE_FIELDS: dict[str, tuple[str, ...]] = {
    "institution": ("name", "street", "postcode"),
    "contact": ("first_name", "last_name", "institution_id", "email", "phone"),
    "offer": ("title", "institution_id"),
    "actor": ("name",),
}

_AE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
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


def match_key(text: str) -> str:
    """:func:`normalise_name` with the words sorted: word order does not matter."""
    return " ".join(sorted(normalise_name(text).split()))


def name_numbers(key: str) -> tuple[str, ...]:
    """The numbers in a name: names with different numbers are never alike."""
    return tuple(sorted(_DIGITS.findall(key)))


def key_similarity(ka: str, kb: str) -> float:
    """0..100 for two :func:`match_key` results."""
    from rapidfuzz import fuzz

    if not ka or not kb or name_numbers(ka) != name_numbers(kb):
        return 0.0
    return float(fuzz.ratio(ka, kb))


def similarity(a: str, b: str) -> float:
    """0..100: how alike two names are after :func:`normalise_name` (word order ignored)."""
    return key_similarity(match_key(a), match_key(b))


# -- addresses, e-mail, phone ---------------------------------------------------------------

# "Marktstr. 12 a", "Markt-Straße 12A", "Marktstrasse 12a" -> "marktstrasse 12a"
_STREET_WORD = re.compile(r"(str|strasse)\b\.?")
_HOUSE_NUMBER = re.compile(r"(\d+)\s*([a-z])?\b")


def address_key(street: str | None, postcode: str | None) -> str | None:
    """Street, house number and postcode normalised, or None without street or postcode:
    'Marktstr. 12 a', '46045' and 'Marktstraße 12A', '46045' give the same key."""
    if not street or not postcode:
        return None
    text = fold(street.lower().translate(_AE))
    text = _STREET_WORD.sub("strasse", text)
    text = _NON_WORD.sub(" ", text)
    text = re.sub(r"(?<=[a-z])(?=\d)", " ", text)  # "Strasse7" -> "Strasse 7"
    text = _HOUSE_NUMBER.sub(lambda mt: mt.group(1) + (mt.group(2) or ""), text)
    # "Markt Strasse", "Markt-Straße" and "Marktstraße" are one street.
    text = re.sub(r"\s+(strasse|weg|platz|allee|ring|gasse)\b", r"\1", text)
    words = text.split()
    if not words or not any(c.isalpha() for c in text):
        return None
    return f"{' '.join(words)}|{postcode.strip()}"


def email_key(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


_NOT_DIGIT = re.compile(r"\D+")


def phone_tail(phone: str | None) -> str | None:
    """The last seven digits: a cheap block, so that :func:`phone_key` (phonenumbers,
    ~0.1 ms) runs only for numbers that may be equal."""
    if not phone:
        return None
    digits = _NOT_DIGIT.sub("", phone)
    return digits[-7:] if len(digits) >= 5 else None


@lru_cache(maxsize=4096)
def phone_key(phone: str | None) -> str | None:
    """The number in E.164 as ``phonenumbers`` reads it for Germany ('0208 / 12 34-5' and
    '+49 208 12345' are one number); digits only if it cannot be read."""
    if not phone or not phone.strip():
        return None
    import phonenumbers  # lazy: not on the start path

    try:
        number = phonenumbers.parse(phone, "DE")
    except phonenumbers.NumberParseException:
        digits = _NOT_DIGIT.sub("", phone)
        return digits or None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


# -- the rule ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Keys:
    """What the rule compares of one record (or one row of a list)."""

    kind: str
    name: str  # match_key of the name / title / "first last"
    postcode: str = ""
    address: str | None = None
    institution_id: int | None = None
    email: str | None = None
    phone: str | None = None  # as stored; compared through phone_key


def title_of(kind: str, values: Mapping[str, Any]) -> str:
    if kind == "contact":
        return " ".join(str(values[k]) for k in ("first_name", "last_name") if values.get(k))
    return str(values.get("title" if kind == "offer" else "name") or "")


def keys(kind: str, values: Mapping[str, Any]) -> Keys:
    """The rule's view of a record's values (field names of :mod:`atlas.records.schema`)."""
    name = match_key(title_of(kind, values))
    if kind == "institution":
        postcode = str(values.get("postcode") or "")
        return Keys(kind, name, postcode, address_key(values.get("street"), postcode))
    if kind == "contact":
        return Keys(
            kind,
            name,
            institution_id=values.get("institution_id"),
            email=email_key(values.get("email")),
            phone=values.get("phone") or None,
        )
    if kind == "offer":
        return Keys(kind, name, institution_id=values.get("institution_id"))
    return Keys(kind, name)


@dataclass(frozen=True)
class Match:
    score: float  # 0..100, similarity of the names
    reason: str  # German: why the two look alike


def same_phone(a: str | None, b: str | None) -> bool:
    if not a or not b or phone_tail(a) != phone_tail(b):
        return False
    return phone_key(a) == phone_key(b)


def compare(a: Keys, b: Keys) -> Match | None:
    """Whether two records of one kind are possibly the same, and why."""
    score = key_similarity(a.name, b.name) if a.name != b.name else (100.0 if a.name else 0.0)
    if a.kind == "institution":
        if a.address is not None and a.address == b.address:
            return Match(score, _("gleiche Adresse"))
        if score >= THRESHOLD and a.postcode == b.postcode:
            return Match(score, _("ähnlicher Name, gleiche PLZ") if a.postcode else _("ähnlicher Name"))
        return None
    if a.kind == "contact":
        if a.email is not None and a.email == b.email:
            return Match(score, _("gleiche E-Mail-Adresse"))
        if same_phone(a.phone, b.phone):
            return Match(score, _("gleiche Telefonnummer"))
        if score >= THRESHOLD and a.institution_id == b.institution_id:
            return Match(
                score,
                _("ähnlicher Name, gleiche Einrichtung") if a.institution_id else _("ähnlicher Name"),
            )
        return None
    if score >= THRESHOLD and a.institution_id == b.institution_id:
        return Match(score, _("ähnlicher Name"))
    return None


# -- one record against the database (the form) ------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A stored record that may be the same as the one being saved."""

    entity: str
    id: int
    version: int
    title: str
    summary: str  # e.g. "Marktstraße 1, 46045 Oberhausen" or an e-mail address
    score: float
    reason: str

    def describe(self) -> str:
        text = f"„{self.title}“"
        if self.summary:
            text += f" ({self.summary})"
        return f"{text} – {self.reason}"


def _digits_sql(column: Any) -> Any:
    stripped = column
    for char in (" ", "/", "-", "(", ")", ".", "+"):
        stripped = func.replace(stripped, char, "")
    return stripped


def _institution_candidates(session: Session, k: Keys, exclude: int | None) -> list[tuple[Keys, Any]]:
    i = m.Institution
    stmt = select(i.id, i.version, i.name, i.street, i.postcode, i.city)
    stmt = stmt.where(i.postcode == k.postcode) if k.postcode else stmt.where(i.postcode.is_(None))
    if exclude is not None:
        stmt = stmt.where(i.id != exclude)
    found = []
    for row in session.execute(stmt):
        values = {"name": row.name, "street": row.street, "postcode": row.postcode}
        place = " ".join(p for p in (row.postcode, row.city) if p)
        summary = ", ".join(p for p in (row.street, place) if p)
        found.append((keys("institution", values), (row.id, row.version, row.name, summary)))
    return found


def _contact_candidates(session: Session, k: Keys, exclude: int | None) -> list[tuple[Keys, Any]]:
    c = m.Contact
    either = [c.institution_id == k.institution_id if k.institution_id else c.institution_id.is_(None)]
    if k.email:
        either.append(func.lower(c.email) == k.email)
    tail = phone_tail(k.phone)
    if tail:
        either.append(_digits_sql(c.phone).like(f"%{tail}"))
    stmt = select(c.id, c.version, c.first_name, c.last_name, c.institution_id, c.email, c.phone).where(
        or_(*either)
    )
    if exclude is not None:
        stmt = stmt.where(c.id != exclude)
    found = []
    for row in session.execute(stmt):
        values = {
            "first_name": row.first_name,
            "last_name": row.last_name,
            "institution_id": row.institution_id,
            "email": row.email,
            "phone": row.phone,
        }
        title = title_of("contact", values)
        summary = ", ".join(p for p in (row.email, row.phone) if p)
        found.append((keys("contact", values), (row.id, row.version, title, summary)))
    return found


def find_candidates(
    session: Session, kind: str, values: Mapping[str, Any], exclude_id: int | None = None, limit: int = 5
) -> list[Candidate]:
    """Stored institutions or contacts the rule calls possibly the same as ``values``
    (a record's validated values), best first. Other kinds: none."""
    if kind == "institution":
        pairs = _institution_candidates(session, keys(kind, values), exclude_id)
    elif kind == "contact":
        pairs = _contact_candidates(session, keys(kind, values), exclude_id)
    else:
        return []
    mine = keys(kind, values)
    found: list[Candidate] = []
    for other, (rid, version, title, summary) in pairs:
        match = compare(mine, other)
        if match is not None:
            found.append(Candidate(kind, rid, version, title, summary, match.score, match.reason))
    found.sort(key=lambda c: (-c.score, c.id))
    return found[:limit]
