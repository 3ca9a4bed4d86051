"""Import stage 3, one row at a time: turn mapped cells into field values or German errors.

``_Lookups`` holds what rows refer to by name (terms, quarters, institutions), loaded once
per import; ``_Builder`` builds the values of one row; ``RowError`` says what is wrong.
:mod:`atlas.importing` runs them over the table (``prepare``) and writes (``apply``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atlas import models as m
from atlas.i18n import _
from atlas.import_duplicates import _Existing, load_existing, normalise_name
from atlas.schema import ENTITIES
from atlas.text import fold, pad_postcode


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet shows it
    column: str  # the heading of the column (or the field's label)
    message: str  # German

    def __str__(self) -> str:
        return _("Zeile {row}, Spalte „{column}“: {message}").format(
            row=self.row, column=self.column, message=self.message
        )


@dataclass
class _Lookups:
    terms: dict[str, dict[str, int]]
    term_names: dict[str, list[str]]
    quarters: dict[str, int]
    quarter_names: list[str]
    institutions: dict[str, list[tuple[int, str | None, str]]]  # normalised name -> (id, postcode, name)
    existing: list[_Existing]

    @classmethod
    def load(cls, session: Session, kind: str) -> _Lookups:
        terms: dict[str, dict[str, int]] = {}
        term_names: dict[str, list[str]] = {}
        for tid, vocabulary, name in session.execute(select(m.Term.id, m.Term.vocabulary, m.Term.name)):
            terms.setdefault(vocabulary, {})[fold(name)] = tid
            term_names.setdefault(vocabulary, []).append(name)
        quarters: dict[str, int] = {}
        quarter_names: list[str] = []
        for qid, name in session.execute(select(m.Quarter.id, m.Quarter.name)):
            quarters[fold(name)] = qid
            quarter_names.append(name)
        institutions: dict[str, list[tuple[int, str | None, str]]] = {}
        i = m.Institution
        for iid, name, postcode in session.execute(select(i.id, i.name, i.postcode)):
            institutions.setdefault(normalise_name(name), []).append((iid, postcode, name))
        existing = load_existing(session, kind)
        for names in term_names.values():
            names.sort(key=fold)
        quarter_names.sort(key=fold)
        return cls(terms, term_names, quarters, quarter_names, institutions, existing)


class _Row:
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


def _postcode(row: _Row, field_name: str, value: str) -> str:
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


class _Builder:
    """Turns the text of one row into record values for ``RecordService.validate``."""

    def __init__(self, kind: str, lookups: _Lookups, headings: Mapping[str, str]) -> None:
        self.kind = kind
        self.lk = lookups
        self.headings = headings
        self.spec = ENTITIES[kind]
        self.spec_fields = {f.name for f in self.spec.fields}
        self._inst_suggestions: list[str] | None = None

    def term(self, row: _Row, vocabulary: m.Vocabulary, field_name: str, value: str) -> int | None:
        found = self.lk.terms.get(vocabulary.value, {}).get(fold(value))
        if found is None:
            label = {"category": _("Kategorie"), "sector": _("Sektor"), "target_group": _("Zielgruppe")}[
                vocabulary.value
            ]
            row.error(
                field_name,
                _("{label} „{value}“ gibt es nicht. Vorhanden: {names}").format(
                    label=label, value=value, names=_known(self.lk.term_names.get(vocabulary.value, []))
                ),
            )
        return found

    def institution(self, row: _Row, name: str, postcode: str | None) -> int | None:
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

    def build(self, row: _Row, raw: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        values: dict[str, Any] = {k: v for k, v in raw.items() if k in self.spec_fields}
        contact: dict[str, Any] | None = None
        kind = self.kind
        if kind == "institution":
            self._address(raw, values)
            if "postcode" in values:
                values["postcode"] = _postcode(row, "postcode", values["postcode"])
            if raw.get("category"):
                values["category_id"] = self.term(row, m.Vocabulary.CATEGORY, "category", raw["category"])
            if raw.get("sector"):
                values["sector_id"] = self.term(row, m.Vocabulary.SECTOR, "sector", raw["sector"])
            if raw.get("quarter"):
                qid = self.lk.quarters.get(fold(raw["quarter"]))
                if qid is None:
                    row.error(
                        "quarter",
                        _("Das Quartier „{value}“ gibt es nicht. Vorhanden: {names}").format(
                            value=raw["quarter"], names=_known(self.lk.quarter_names)
                        ),
                    )
                values["quarter_id"] = qid
            if raw.get("contact_name"):
                first, last = split_person_name(raw["contact_name"])
                contact = {"first_name": first, "last_name": last}
                if raw.get("contact_function"):
                    contact["function"] = raw["contact_function"]
        elif kind == "offer":
            if raw.get("category"):
                values["category_id"] = self.term(row, m.Vocabulary.CATEGORY, "category", raw["category"])
            groups = [g for g in _SPLIT_LIST.split(raw.get("target_groups", "")) if g]
            ids = [self.term(row, m.Vocabulary.TARGET_GROUP, "target_groups", g) for g in groups]
            values["target_groups"] = [i for i in ids if i is not None]
        elif kind == "contact":
            if raw.get("full_name"):
                first, last = split_person_name(raw["full_name"])
                values.setdefault("first_name", first)
                values.setdefault("last_name", last)
        elif kind == "actor":
            if raw.get("sector"):
                values["sector_id"] = self.term(row, m.Vocabulary.SECTOR, "sector", raw["sector"])
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

    def _status(self, row: _Row, value: str | None) -> str:
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
