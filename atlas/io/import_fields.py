"""Stage 2 of :mod:`atlas.io.importing`: the fields a column can be mapped to, and the mapping.

:func:`suggest_mapping` maps columns to fields by their headings (German and English),
after the mapping the user saved last time (:class:`MappingStore`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from atlas.files import atomic_write
from atlas.i18n import _
from atlas.io.tables import ImportFailed
from atlas.records import ENTITIES
from atlas.text import fold

__all__ = [
    "IMPORT_FIELDS",
    "KINDS",
    "ImportField",
    "MappingStore",
    "heading_key",
    "import_fields",
    "mapping_problems",
    "suggest_mapping",
]

KINDS = ("institution", "offer", "contact", "actor")


# ---------------------------------------------------------------------------
# 2. Mapping columns to fields
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportField:
    """A target a column can be mapped to (a record field, a name to look up, or a part)."""

    name: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    hint: str = ""


_AE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def heading_key(text: str) -> str:
    """A heading folded for matching: 'Straße' = 'Strasse', 'E-Mail' = 'email',
    'Ansprechpartner/in' = 'ansprechpartnerin', 'Längengrad' = 'Laengengrad'."""
    return re.sub(r"[^a-z0-9]", "", fold(text.lower().translate(_AE)))


def _f(name: str, label: str, *aliases: str, required: bool = False, hint: str = "") -> ImportField:
    return ImportField(name, label, (label, name, *aliases), required, hint)


_NAME_OF_INSTITUTION = _f(
    "institution",
    _("Einrichtung (Name)"),
    "Einrichtung",
    "Institution",
    "Organisation",
    "Organization",
    "Anbieter",
    "Name der Einrichtung",
    "Einrichtungsname",
    "Firma",
    required=True,
    hint=_("wird über den Namen (und die PLZ) einer vorhandenen Einrichtung gefunden"),
)
_INSTITUTION_POSTCODE = _f(
    "institution_postcode",
    _("PLZ der Einrichtung"),
    "PLZ",
    "Postleitzahl",
    hint=_("unterscheidet gleichnamige Einrichtungen"),
)
_PHONE = _f("phone", _("Telefon"), "Tel", "Tel.", "Telefonnummer", "Phone", "Telephone", "Fon", "Rufnummer")
_EMAIL = _f("email", _("E-Mail"), "Mail", "E-Mail-Adresse", "Emailadresse", "E-Mail Adresse", "Email")
_NOTES = _f(
    "notes",
    _("Notizen"),
    "Notiz",
    "Bemerkungen",
    "Bemerkung",
    "Anmerkungen",
    "Kommentar",
    "Hinweise",
    "Notes",
)
_CATEGORY = _f("category", _("Kategorie"), "Category", "Rubrik", "Themenbereich", "Bereich", "Art")
_LANGUAGES = _f("languages", _("Sprachen"), "Sprache", "Languages", "Language")

IMPORT_FIELDS: dict[str, tuple[ImportField, ...]] = {
    "institution": (
        _f(
            "name",
            _("Name"),
            "Einrichtung",
            "Name der Einrichtung",
            "Einrichtungsname",
            "Institution",
            "Organisation",
            "Organization",
            "Bezeichnung",
            required=True,
        ),
        _CATEGORY,
        _f("sector", _("Sektor"), "Sector", "Sektor / Bereich"),
        _f(
            "carrier",
            _("Träger"),
            "Traegerschaft",
            "Trägerschaft",
            "Träger der Einrichtung",
            "Carrier",
            "Operator",
        ),
        _f(
            "street",
            _("Straße und Hausnummer"),
            "Straße",
            "Strasse",
            "Str.",
            "Adresse",
            "Anschrift",
            "Straße Hausnummer",
            "Straße / Nr.",
            "Straße, Nr.",
            "Street",
            "Address",
        ),
        _f("house_number", _("Hausnummer"), "Hausnr", "Hausnr.", "Nr.", "Nr", "HNr", "House number"),
        _f("postcode", _("PLZ"), "Postleitzahl", "Postcode", "Postal code", "ZIP", "ZIP code"),
        _f("city", _("Ort"), "Stadt", "City", "Town", "Gemeinde"),
        _f("postcode_city", _("PLZ und Ort"), "PLZ Ort", "PLZ/Ort", "PLZ, Ort"),
        _f("quarter", _("Quartier"), "Stadtteil", "Sozialraum", "Ortsteil", "Bezirk", "Quarter", "District"),
        _f("lat", _("Breitengrad"), "Breite", "Lat", "Latitude", "Geografische Breite", "Geo-Breite"),
        _f("lon", _("Längengrad"), "Länge", "Lon", "Lng", "Long", "Longitude", "Geografische Länge"),
        _PHONE,
        _EMAIL,
        _f(
            "website",
            _("Internet"),
            "Website",
            "Webseite",
            "Homepage",
            "URL",
            "Web",
            "Internetadresse",
            "Internetseite",
        ),
        _f("opening_hours", _("Öffnungszeiten"), "Sprechzeiten", "Opening hours", "Öffnungszeit"),
        _f("accessibility", _("Barrierefreiheit"), "Barrierefrei", "Accessibility"),
        _LANGUAGES,
        _f("is_public", _("Öffentlich im Wegweiser"), "Öffentlich", "Public", "is public"),
        _f("verified_on", _("Geprüft am"), "Geprüft", "Stand", "Verified on"),
        _NOTES,
        _f(
            "contact_name",
            _("Ansprechperson"),
            "Ansprechpartner",
            "Ansprechpartnerin",
            "Ansprechpartner/in",
            "Ansprechpartner:in",
            "Ansprechpartner*in",
            "Kontaktperson",
            "Kontakt",
            "Contact",
            "Contact person",
            hint=_("legt einen Kontakt bei der Einrichtung an"),
        ),
        _f("contact_function", _("Funktion der Ansprechperson"), "Funktion", "Position", "Rolle", "Function"),
    ),
    "offer": (
        _f(
            "title",
            _("Titel"),
            "Angebot",
            "Angebotsname",
            "Name des Angebots",
            "Bezeichnung",
            "Name",
            "Title",
            "Service",
            required=True,
        ),
        _NAME_OF_INSTITUTION,
        _INSTITUTION_POSTCODE,
        _CATEGORY,
        _f("target_groups", _("Zielgruppen"), "Zielgruppe", "Zielgruppe(n)", "Target groups", "Target group"),
        _f("description", _("Beschreibung"), "Description", "Inhalt", "Details"),
        _f("place", _("Ort"), "Veranstaltungsort", "Place", "Location"),
        _f("schedule", _("Zeiten"), "Termine", "Zeit", "Wann", "Uhrzeit", "Schedule"),
        _f("cost", _("Kosten"), "Gebühr", "Gebühren", "Preis", "Cost", "Fees"),
        _LANGUAGES,
        _f("capacity", _("Plätze"), "Platzzahl", "Kapazität", "Teilnehmerzahl", "Capacity"),
        _f("valid_from", _("Gültig ab"), "Beginn", "Start", "Startdatum", "Von", "Ab", "Valid from"),
        _f("valid_to", _("Gültig bis"), "Ende", "Enddatum", "Bis", "Valid to"),
    ),
    "contact": (
        _f(
            "full_name",
            _("Name (Vor- und Nachname)"),
            "Name",
            "Ansprechpartner",
            "Ansprechpartnerin",
            "Ansprechpartner/in",
            "Ansprechperson",
            "Kontaktperson",
            "Person",
            "Full name",
        ),
        _f("first_name", _("Vorname"), "First name", "Given name"),
        _f("last_name", _("Nachname"), "Familienname", "Last name", "Surname", "Family name"),
        replace(_NAME_OF_INSTITUTION, required=False),
        _INSTITUTION_POSTCODE,
        _f("function", _("Funktion"), "Position", "Rolle", "Function", "Job title"),
        _PHONE,
        _EMAIL,
        _f("consent_date", _("Einwilligung am"), "Einwilligung", "Einwilligungsdatum", "Consent date"),
        _f("consent_purpose", _("Zweck der Einwilligung"), "Zweck", "Consent purpose"),
        _f("consent_source", _("Einwilligung erteilt über"), "Quelle", "Consent source"),
        _f(
            "consent_state",
            _("Stand der Einwilligung"),
            "Einwilligung erteilt",
            "Einwilligung (erteilt/abgelehnt)",
            "Einwilligungsstatus",
            "Einwilligung Status",
            "Consent",
            "Consent given",
        ),
        _f("consent_recorded_by", _("Einwilligung erfasst von"), "Erfasst von", "Recorded by"),
        _NOTES,
    ),
    "actor": (
        _f("name", _("Name"), "Akteur", "Akteurin", "Actor", required=True),
        replace(_NAME_OF_INSTITUTION, required=False),
        _INSTITUTION_POSTCODE,
        _f("sector", _("Sektor"), "Sector"),
        _f("status", _("Erfasste Stufe"), "Status", "Stufe"),
        _f("status_since", _("Stufe seit"), "Status seit", "Seit", "Status since"),
        _NOTES,
    ),
}


def import_fields(kind: str) -> tuple[ImportField, ...]:
    """The fields a column of ``kind`` can be mapped to, in the order to show them."""
    _check_kind(kind)
    return IMPORT_FIELDS[kind]


def _check_kind(kind: str) -> None:
    if kind not in IMPORT_FIELDS:
        raise ImportFailed(
            _("Importiert werden können: {kinds}").format(kinds=", ".join(ENTITIES[k].plural for k in KINDS))
        )


def suggest_mapping(
    kind: str, headers: Sequence[str], saved: Mapping[str, str] | None = None
) -> dict[int, str]:
    """Column index -> field name for the headings recognised.

    ``saved`` (heading key -> field name, "" = ignore; see :class:`MappingStore`) comes
    first; then the German and English headings of :data:`IMPORT_FIELDS`. Every field is
    given to one column at most (the first).
    """
    _check_kind(kind)
    fields = IMPORT_FIELDS[kind]
    known = {f.name for f in fields}
    by_alias: dict[str, str] = {}
    for f in fields:
        for alias in f.aliases:
            by_alias.setdefault(heading_key(alias), f.name)
    mapping: dict[int, str] = {}
    used: set[str] = set()
    decided: set[int] = set()
    for index, heading in enumerate(headers):
        wanted = (saved or {}).get(heading_key(heading))
        if wanted is None:
            continue
        decided.add(index)
        if wanted in known and wanted not in used:
            mapping[index] = wanted
            used.add(wanted)
    for index, heading in enumerate(headers):
        if index in decided:
            continue
        name = by_alias.get(heading_key(heading))
        if name is not None and name not in used:
            mapping[index] = name
            used.add(name)
    return mapping


def mapping_problems(kind: str, headers: Sequence[str], mapping: Mapping[int, str]) -> list[str]:
    """German sentences for what keeps ``mapping`` (column index -> field name) from being
    used; empty when it can be used. The one rule for the wizard's columns page and for
    :func:`atlas.io.importing.prepare`: known fields and columns, every required field (a
    contact: "Name" or "Nachname") from a column, no field from two columns."""
    _check_kind(kind)
    fields = IMPORT_FIELDS[kind]
    labels = {f.name: f.label for f in fields}
    problems: list[str] = []
    for index, name in sorted(mapping.items()):
        if name not in labels:
            problems.append(_("Unbekanntes Feld „{name}“ in der Zuordnung.").format(name=name))
        if not 0 <= index < len(headers):
            problems.append(_("Die Zuordnung nennt eine Spalte, die es nicht gibt."))
    if problems:
        return problems
    mapped = set(mapping.values())
    missing = [f.label for f in fields if f.required and f.name not in mapped]
    if kind == "contact" and not mapped & {"full_name", "last_name"}:
        missing.append(_("„{a}“ oder „{b}“").format(a=labels["full_name"], b=labels["last_name"]))
    if missing:
        problems.append(
            _("Bitte eine Spalte zuordnen für: {fields} (Pflichtfeld).").format(fields=", ".join(missing))
        )
    by_field: dict[str, list[str]] = {}
    for index, name in sorted(mapping.items()):
        by_field.setdefault(name, []).append(headers[index])
    for name, headings in by_field.items():
        if len(headings) > 1:
            problems.append(
                _("„{field}“ ist mehreren Spalten zugeordnet ({columns}). Bitte nur eine wählen.").format(
                    field=labels[name], columns=", ".join(f"„{h}“" for h in headings)
                )
            )
    return problems


class MappingStore:
    """The column mappings the user confirmed, per kind, in a JSON file — and which existing
    term a list's own name for a category, target group, sector or quarter stands for.

    Default folder: ``platformdirs.user_config_path("Stadtteil-Atlas")``; tests pass their own.
    """

    FILE = "import-zuordnungen.json"

    def __init__(self, folder: Path | None = None) -> None:
        if folder is None:
            from platformdirs import user_config_path

            folder = user_config_path("Stadtteil-Atlas", appauthor=False)
        self.path = Path(folder) / self.FILE

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _section(data: Mapping[str, Any], name: str) -> dict[str, dict[str, str]]:
        section = data.get(name, {})
        if not isinstance(section, dict):
            return {}
        return {k: {str(h): str(f) for h, f in v.items()} for k, v in section.items() if isinstance(v, dict)}

    def _all(self) -> dict[str, dict[str, str]]:
        return self._section(self._read(), "mappings")

    def _write(self, mappings: Mapping[str, Any], terms: Mapping[str, Any]) -> None:
        payload = json.dumps(
            {"version": 1, "mappings": mappings, "terms": terms}, ensure_ascii=False, indent=1
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, lambda out: out.write(payload.encode("utf-8")))

    def load(self, kind: str) -> dict[str, str]:
        """Heading key -> field name ("" = the user ignores this column)."""
        return self._all().get(kind, {})

    def save(self, kind: str, headers: Sequence[str], mapping: Mapping[int, str]) -> None:
        """Remember for every heading of this file what the user chose (also "ignore")."""
        data = self._read()
        mappings = self._section(data, "mappings")
        mine = mappings.setdefault(kind, {})
        for index, heading in enumerate(headers):
            key = heading_key(heading)
            if key:
                mine[key] = mapping.get(index, "")
        self._write(mappings, self._section(data, "terms"))

    def load_terms(self) -> dict[tuple[str, str], str]:
        """(vocabulary or "quarter", the list's folded name) -> the existing name it stands for."""
        return {
            (vocabulary, key): name
            for vocabulary, names in self._section(self._read(), "terms").items()
            for key, name in names.items()
            if name
        }

    def save_terms(self, choices: Mapping[tuple[str, str], str | None]) -> None:
        """Remember a list's name as standing for an existing one; ``None``: forget it
        (the user had it created this time)."""
        data = self._read()
        terms = self._section(data, "terms")
        for (vocabulary, key), name in choices.items():
            if name:
                terms.setdefault(vocabulary, {})[key] = name
            else:
                terms.get(vocabulary, {}).pop(key, None)
        self._write(self._section(data, "mappings"), {v: n for v, n in terms.items() if n})
