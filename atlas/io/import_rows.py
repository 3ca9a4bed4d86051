"""Import stage 3, one row at a time: turn mapped cells into field values or German errors.

``Lookups`` holds what rows refer to by name (terms, quarters, institutions), loaded once
per import; ``RowBuilder`` builds the values of one row; ``RowError`` says what is wrong.
:mod:`atlas.io.importing` runs them over the table (``prepare``) and writes (``apply``).

Categories, target groups, sectors and quarters are found by name, folded (case, accents,
``ß``, umlauts also as ``ae``/``oe``/``ue``, runs of spaces): "beratung" is "Beratung". A name
that is not there yet is, unless the import refuses new terms, collected as a
:class:`NewTerm` and stands in the row's values as a negative placeholder id
(``-1`` for the first new term, ``-2`` …); :func:`atlas.io.importing.apply` creates the terms
(or maps them to existing ones the user chose) in its transaction and puts the real ids in.
Close existing names are only ever *suggested* (:attr:`NewTerm.suggestions`), never taken.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atlas import models as m
from atlas.i18n import _
from atlas.io.import_duplicates import ExistingRecord, load_existing, normalise_name
from atlas.records import ENTITIES
from atlas.text import fold, fold_for_index, pad_postcode


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet shows it
    column: str  # the heading of the column (or the field's label)
    message: str  # German

    def __str__(self) -> str:
        return _("Zeile {row}, Spalte „{column}“: {message}").format(
            row=self.row, column=self.column, message=self.message
        )


#: What a list may name by text and the import may create: the three taxonomies and quarters.
QUARTER = "quarter"
TERM_VOCABULARIES: tuple[str, ...] = (
    m.Vocabulary.CATEGORY.value,
    m.Vocabulary.TARGET_GROUP.value,
    m.Vocabulary.SECTOR.value,
    QUARTER,
)
TERM_LABELS: dict[str, str] = {
    m.Vocabulary.CATEGORY.value: _("Kategorie"),
    m.Vocabulary.TARGET_GROUP.value: _("Zielgruppe"),
    m.Vocabulary.SECTOR.value: _("Sektor"),
    QUARTER: _("Quartier"),
}
MAX_TERM_NAME = 120  # term.name and quarter.name


def term_keys(name: str) -> tuple[str, ...]:
    """The folded spellings a name is matched by: 'Ältere  Menschen' -> ('altere menschen',
    'aeltere menschen'); the last one is the key (:func:`term_key`)."""
    return tuple(dict.fromkeys(fold_for_index(" ".join(name.split())).split("\n")))


def term_key(name: str) -> str:
    """One key per way of writing a name: 'Aeltere Menschen' and 'ältere menschen' share it."""
    return term_keys(name)[-1]


_SQUASH = re.compile(r"[\W_]+")


def _squashed(name: str) -> str:
    return _SQUASH.sub("", term_key(name))


def close_names(name: str, names: Sequence[str], limit: int = 3) -> tuple[str, ...]:
    """Existing names that look like ``name`` (rapidfuzz, spaces and punctuation ignored):
    "Schuldner-Beratung" -> "Schuldnerberatung", "Alt Oberhausen" -> "Alt-Oberhausen".
    Only a suggestion: the import never takes one by itself."""
    from rapidfuzz import fuzz, process

    found = process.extract(
        name, list(names), scorer=fuzz.ratio, processor=_squashed, limit=limit, score_cutoff=80
    )
    return tuple(str(n) for n, _score, _i in found)


@dataclass(frozen=True)
class NewTerm:
    """A category, target group, sector or quarter a list names that does not exist yet."""

    vocabulary: str  # one of TERM_VOCABULARIES
    name: str  # as first written in the file
    key: str  # term_key(name)
    placeholder: int  # negative: stands for the term in PlannedRow.values until apply
    rows: tuple[int, ...]  # the row numbers naming it
    suggestions: tuple[str, ...] = ()  # close existing names, best first

    @property
    def label(self) -> str:
        """'Kategorie „Beratung“'."""
        return _("{what} „{name}“").format(what=TERM_LABELS[self.vocabulary], name=self.name)


def load_terms(session: Session) -> tuple[dict[str, dict[str, int]], dict[str, dict[int, str]]]:
    """Every term and quarter by vocabulary: each key of its name -> id, and id -> name."""
    terms: dict[str, dict[str, int]] = {}
    names: dict[str, dict[int, str]] = {}
    rows: list[tuple[int, str, str]] = [
        (i, v, n) for i, v, n in session.execute(select(m.Term.id, m.Term.vocabulary, m.Term.name))
    ]
    rows += [(i, QUARTER, n) for i, n in session.execute(select(m.Quarter.id, m.Quarter.name))]
    for record_id, vocabulary, name in rows:
        known = terms.setdefault(vocabulary, {})
        for key in term_keys(name):
            known.setdefault(key, record_id)
        names.setdefault(vocabulary, {})[record_id] = name
    return terms, names


@dataclass
class Lookups:
    terms: dict[str, dict[str, int]]  # vocabulary (or "quarter") -> every key of a name -> id
    term_names: dict[str, list[str]]
    institutions: dict[str, list[tuple[int, str | None, str]]]  # normalised name -> (id, postcode, name)
    existing: list[ExistingRecord]
    new_terms: dict[tuple[str, str], list[Any]] = field(
        default_factory=dict
    )  # (vocab, key) -> [name, id, rows]

    @property
    def quarter_names(self) -> list[str]:
        return self.term_names.get(QUARTER, [])

    def find(self, vocabulary: str, name: str) -> int | None:
        known = self.terms.get(vocabulary, {})
        for key in term_keys(name):
            if key in known:
                return known[key]
        return None

    def placeholder(self, vocabulary: str, name: str, row: int) -> int:
        """The stand-in id of a new term (the same for every spelling of it)."""
        entry = self.new_terms.get((vocabulary, term_key(name)))
        if entry is None:
            entry = self.new_terms[(vocabulary, term_key(name))] = [name, -(len(self.new_terms) + 1), []]
        if not entry[2] or entry[2][-1] != row:
            entry[2].append(row)
        return int(entry[1])

    def collected(self) -> tuple[NewTerm, ...]:
        """The new terms by vocabulary (categories, target groups, sectors, quarters), each
        in order of appearance, with close existing names."""
        found = [
            NewTerm(
                vocabulary,
                name,
                key,
                placeholder,
                tuple(rows),
                close_names(name, self.term_names.get(vocabulary, [])),
            )
            for (vocabulary, key), (name, placeholder, rows) in self.new_terms.items()
        ]
        found.sort(key=lambda t: TERM_VOCABULARIES.index(t.vocabulary))
        return tuple(found)

    @classmethod
    def load(cls, session: Session, kind: str) -> Lookups:
        terms, names_by_id = load_terms(session)
        term_names = {v: list(names.values()) for v, names in names_by_id.items()}
        institutions: dict[str, list[tuple[int, str | None, str]]] = {}
        i = m.Institution
        for iid, name, postcode in session.execute(select(i.id, i.name, i.postcode)):
            institutions.setdefault(normalise_name(name), []).append((iid, postcode, name))
        existing = load_existing(session, kind)
        for names in term_names.values():
            names.sort(key=fold)
        return cls(terms, term_names, institutions, existing)


class RowDraft:
    """Collects one row's values and errors while it is built."""

    def __init__(self, number: int, headings: Mapping[str, str]) -> None:
        self.number = number
        self.headings = headings
        self.errors: list[RowError] = []
        self.notes: list[RowError] = []  # changes made to a value, to be reported

    def error(self, field_name: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.headings.get(field_name, field_name), message))

    def note(self, field_name: str, message: str) -> None:
        self.notes.append(RowError(self.number, self.headings.get(field_name, field_name), message))


_SPLIT_LIST = re.compile(r"\s*[;,|\n]\s*")
_POSTCODE_CITY = re.compile(r"^\s*(\d{4,5})\s+(.+?)\s*$")
_ADDRESS_TAIL = re.compile(r"^(.*?)\s*,\s*(\d{4,5})\s+(.+?)\s*$")
_SALUTATION = re.compile(r"^(?:frau|herr|fr\.|hr\.)\s+", re.IGNORECASE)


def _postcode(row: RowDraft, field_name: str, value: str) -> str:
    """The form's rule (``atlas.text.pad_postcode``): Excel drops the leading zero of
    01067 when the column is numeric; the padded value is reported for the row."""
    padded = pad_postcode(value)
    if padded != value:
        row.note(
            field_name,
            _("PLZ „{value}“ mit führender 0 als „{padded}“ übernommen.").format(value=value, padded=padded),
        )
    return padded


def split_person_name(text: str) -> tuple[str | None, str]:
    """'Frau Dr. Anna Maria Schmidt' -> ('Dr. Anna Maria', 'Schmidt'); 'Schmidt, Anna' -> ('Anna', 'Schmidt')."""
    text = _SALUTATION.sub("", text.strip())
    if "," in text:
        last, _sep, first = text.partition(",")
        return (first.strip() or None), last.strip()
    first, _sep, last = text.rpartition(" ")
    return (first.strip() or None), last.strip()


def _known(names: Iterable[str]) -> str:
    listed = list(names)
    if len(listed) > 25:
        return ", ".join(listed[:25]) + " …"
    return ", ".join(listed) or "–"


class RowBuilder:
    """Turns the text of one row into record values for ``RecordService.validate``."""

    def __init__(
        self, kind: str, lookups: Lookups, headings: Mapping[str, str], new_terms: bool = True
    ) -> None:
        self.kind = kind
        self.lk = lookups
        self.new_terms = new_terms
        self.headings = headings
        self.spec = ENTITIES[kind]
        self.spec_fields = {f.name for f in self.spec.fields}
        self._inst_suggestions: list[str] | None = None

    def term(self, row: RowDraft, vocabulary: str, field_name: str, value: str) -> int | None:
        """The id of the named term or quarter; a new one's placeholder; or an error."""
        found = self.lk.find(vocabulary, value)
        if found is not None:
            return found
        names = _known(self.lk.term_names.get(vocabulary, []))
        if not self.new_terms:
            if vocabulary == QUARTER:
                message = _("Das Quartier „{value}“ gibt es nicht. Vorhanden: {names}")
            else:
                message = _("{label} „{value}“ gibt es nicht. Vorhanden: {names}")
            row.error(field_name, message.format(label=TERM_LABELS[vocabulary], value=value, names=names))
            return None
        if len(value) > MAX_TERM_NAME:
            row.error(
                field_name,
                _("{label} „{value}“ ist als neuer Name zu lang (höchstens {n} Zeichen).").format(
                    label=TERM_LABELS[vocabulary], value=value[:40] + "…", n=MAX_TERM_NAME
                ),
            )
            return None
        return self.lk.placeholder(vocabulary, value, row.number)

    def institution(self, row: RowDraft, name: str, postcode: str | None) -> int | None:
        candidates = self.lk.institutions.get(normalise_name(name), [])
        if postcode:
            candidates = [c for c in candidates if c[1] == postcode] or (
                [] if len(candidates) != 1 or candidates[0][1] else candidates
            )
        if len(candidates) == 1:
            return candidates[0][0]
        if candidates:
            row.error(
                "institution",
                _("Es gibt {n} Einrichtungen „{name}“. Bitte die PLZ der Einrichtung angeben.").format(
                    n=len(candidates), name=name
                ),
            )
            return None
        message = _("Die Einrichtung „{name}“ gibt es nicht").format(name=name)
        if postcode:
            message += _(" (mit PLZ {postcode})").format(postcode=postcode)
        hint = self._closest_institution(name)
        message += (_(". Meinten Sie „{hint}“?").format(hint=hint) if hint else ".") + _(
            " Bitte zuerst die Einrichtungen importieren."
        )
        row.error("institution", message)
        return None

    def _closest_institution(self, name: str) -> str | None:
        from rapidfuzz import fuzz, process

        if self._inst_suggestions is None:
            self._inst_suggestions = [n for entries in self.lk.institutions.values() for _i, _p, n in entries]
        best = process.extractOne(
            normalise_name(name),
            self._inst_suggestions,
            scorer=fuzz.WRatio,
            processor=normalise_name,
            score_cutoff=80,
        )
        return str(best[0]) if best else None

    def build(self, row: RowDraft, raw: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        values: dict[str, Any] = {k: v for k, v in raw.items() if k in self.spec_fields}
        contact: dict[str, Any] | None = None
        kind = self.kind
        if kind == "institution":
            self._address(raw, values)
            if "postcode" in values:
                values["postcode"] = _postcode(row, "postcode", values["postcode"])
            if raw.get("category"):
                values["category_id"] = self.term(row, "category", "category", raw["category"])
            if raw.get("sector"):
                values["sector_id"] = self.term(row, "sector", "sector", raw["sector"])
            if raw.get("quarter"):
                values["quarter_id"] = self.term(row, QUARTER, "quarter", raw["quarter"])
            if raw.get("contact_name"):
                first, last = split_person_name(raw["contact_name"])
                contact = {"first_name": first, "last_name": last}
                if raw.get("contact_function"):
                    contact["function"] = raw["contact_function"]
        elif kind == "offer":
            if raw.get("category"):
                values["category_id"] = self.term(row, "category", "category", raw["category"])
            groups = [g for g in _SPLIT_LIST.split(raw.get("target_groups", "")) if g]
            ids = [self.term(row, "target_group", "target_groups", g) for g in groups]
            values["target_groups"] = [i for i in ids if i is not None]
        elif kind == "contact":
            if raw.get("full_name"):
                first, last = split_person_name(raw["full_name"])
                values.setdefault("first_name", first)
                values.setdefault("last_name", last)
            self._consent(row, raw, values)
        elif kind == "actor":
            if raw.get("sector"):
                values["sector_id"] = self.term(row, "sector", "sector", raw["sector"])
            values["status"] = self._status(row, raw.get("status"))
            if not raw.get("name") and raw.get("institution"):
                values["name"] = raw["institution"]
        if kind in ("offer", "contact", "actor") and raw.get("institution"):
            postcode = raw.get("institution_postcode")
            if postcode:
                postcode = _postcode(row, "institution_postcode", postcode)
            values["institution_id"] = self.institution(row, raw["institution"], postcode)
        return values, contact

    def _address(self, raw: Mapping[str, str], values: dict[str, Any]) -> None:
        street, number = raw.get("street"), raw.get("house_number")
        if street and number:
            values["street"] = f"{street} {number}"
        elif number and not street:
            values["street"] = number
        if raw.get("postcode_city"):
            match = _POSTCODE_CITY.match(raw["postcode_city"])
            if match:
                values.setdefault("postcode", match.group(1))
                values.setdefault("city", match.group(2))
            else:
                values.setdefault("city", raw["postcode_city"])
        if values.get("street") and "postcode" not in values:
            match = _ADDRESS_TAIL.match(values["street"])  # "Marktstraße 1, 46045 Oberhausen"
            if match:
                values["street"] = match.group(1)
                values["postcode"] = match.group(2)
                values.setdefault("city", match.group(3))

    def _consent(self, row: RowDraft, raw: Mapping[str, str], values: dict[str, Any]) -> None:
        """A list's consent columns: a state column is read ("ja", "erteilt", "nein" …) and
        then checked like the form (erteilt needs date and purpose); without one, a date and
        a purpose mean "erteilt", a date alone stays "unbekannt" (reported for the row)."""
        from atlas.records import parse_state

        values.pop("consent_state", None)
        if raw.get("consent_state"):
            state = parse_state(raw["consent_state"])
            if state is None:
                row.error(
                    "consent_state",
                    _(
                        "Einwilligung „{value}“ ist unklar. Erlaubt: erteilt/ja, abgelehnt/nein, unbekannt"
                    ).format(value=raw["consent_state"]),
                )
            else:
                values["consent_state"] = state
        elif raw.get("consent_date") and not raw.get("consent_purpose"):
            row.note(
                "consent_date",
                _(
                    "Einwilligungsdatum ohne Zweck: als „Einwilligung: unbekannt“ übernommen (bitte nachfragen)."
                ),
            )

    def _status(self, row: RowDraft, value: str | None) -> str:
        if not value:
            return m.ActorStatus.ADDRESSED.value
        for status_value, label in self.spec.field("status").choices:
            if fold(value) in (fold(status_value), fold(label)):
                return status_value
        allowed = ", ".join(label for _v, label in self.spec.field("status").choices)
        row.error(
            "status",
            _("Status „{value}“ gibt es nicht. Erlaubt: {allowed}").format(value=value, allowed=allowed),
        )
        return m.ActorStatus.ADDRESSED.value
