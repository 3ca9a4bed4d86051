"""Open Referral: the public directory as an HSDS 3.x Tabular Data Package, and back.

The export writes one CSV file per HSDS table plus ``datapackage.json`` (Frictionless
tabular data package), into a folder or a ``.zip`` file:

=====================  ==========================================================
Stadtteil-Atlas        HSDS
=====================  ==========================================================
institution (public)   ``organization`` + one ``location`` (lat/lon) + ``address``
                       (street, postcode, city; the quarter as ``region``),
                       ``phone``, ``schedule`` (opening hours as text),
                       ``accessibility``, ``language``
carrier (Träger)       an ``organization`` without location, the institution's
                       ``parent_organization_id``
offer                  ``service`` (title, description, cost as
                       ``fees_description``, status), ``service_at_location``
                       (place as its description), ``schedule`` (times as text,
                       valid from/to), ``language``, ``service_capacity`` + ``unit``
category, target       ``taxonomy`` + ``taxonomy_term``, linked by ``attribute``
group, sector          (``link_type`` category / target_group / sector)
contact (only asked)   ``contact`` + ``phone``
=====================  ==========================================================

Only public institutions (``is_public``) and their offers are exported; notes, check
dates and — unless ``include_contacts`` — personal contact data never are. Ids are
UUIDs derived from the record ids (stable between exports of one database).

The import reads such a package (ours or another publisher's) into the database in one
transaction; missing quarters and taxonomy terms are created by name, records that are
already there (same name and postcode; same offer title at the same institution) are
skipped. Export, then import into an empty database, gives the same directory.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atlas import models as m
from atlas.core import Atlas
from atlas.errors import AtlasError, ValidationError
from atlas.files import atomic_write, csv_bytes
from atlas.i18n import _
from atlas.importing import normalise_name, split_person_name
from atlas.tables import MAX_UNPACKED_BYTES, check_zip
from atlas.text import address_line, fold

HSDS_VERSION = "3.1"
_NAMESPACE = uuid.UUID("3f0e7c1e-5a55-4c1b-9a49-7a1f2b3c4d5e")

# The HSDS tables this program writes or reads, with their columns (HSDS 3.1 tabular).
TABLES: dict[str, tuple[str, ...]] = {
    "organization": (
        "id", "name", "alternate_name", "description", "email", "website", "tax_status", "tax_id",
        "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id",
    ),
    "service": (
        "id", "organization_id", "program_id", "name", "alternate_name", "description", "url", "email",
        "status", "interpretation_services", "application_process", "fees_description", "wait_time", "fees",
        "accreditations", "eligibility_description", "minimum_age", "maximum_age", "assured_date",
        "assurer_email", "licenses", "alert", "last_modified",
    ),
    "location": (
        "id", "location_type", "url", "organization_id", "name", "alternate_name", "description",
        "transportation", "latitude", "longitude", "external_identifier", "external_identifier_type",
    ),
    "service_at_location": ("id", "service_id", "location_id", "description"),
    "address": (
        "id", "location_id", "attention", "address_1", "address_2", "city", "region", "state_province",
        "postal_code", "country", "address_type",
    ),
    "phone": (
        "id", "location_id", "service_id", "organization_id", "contact_id", "service_at_location_id",
        "number", "extension", "type", "description",
    ),
    "schedule": (
        "id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to", "dtstart",
        "timezone", "until", "count", "wkst", "freq", "interval", "byday", "byweekno", "bymonthday",
        "byyearday", "description", "opens_at", "closes_at", "schedule_link", "attending_type", "notes",
    ),
    "language": ("id", "service_id", "location_id", "phone_id", "name", "code", "note"),
    "accessibility": ("id", "location_id", "description", "details", "url"),
    "taxonomy": ("id", "name", "description", "uri", "version"),
    "taxonomy_term": (
        "id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id", "term_uri",
    ),
    "attribute": ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value", "label"),
    "unit": ("id", "name", "scheme", "identifier", "uri"),
    "service_capacity": ("id", "service_id", "unit_id", "available", "maximum", "description", "updated"),
    "contact": (
        "id", "organization_id", "service_id", "service_at_location_id", "location_id", "name", "title",
        "department", "email",
    ),
}  # fmt: skip
_NUMBERS = {
    "latitude", "longitude", "year_incorporated", "extension", "timezone", "count", "interval",
    "minimum_age", "maximum_age", "available", "maximum",
}  # fmt: skip
_VOCABULARIES: dict[str, tuple[m.Vocabulary, str, str]] = {
    # link_type: vocabulary, taxonomy name, description
    "category": (m.Vocabulary.CATEGORY, _("Kategorien"), _("Arten von Einrichtungen und Angeboten")),
    "target_group": (m.Vocabulary.TARGET_GROUP, _("Zielgruppen"), _("Für wen ein Angebot gedacht ist")),
    "sector": (m.Vocabulary.SECTOR, _("Sektoren"), _("Bereiche der Akteure im Netzwerk")),
}
MAX_PACKAGE_BYTES = MAX_UNPACKED_BYTES


class HsdsError(AtlasError):
    """The package cannot be written or read (German message); nothing was changed."""


class HsdsRefused(HsdsError):
    def __init__(self, problems: Sequence[str]) -> None:
        shown = "\n".join(problems[:20])
        more = _("\n… und {n} weitere.").format(n=len(problems) - 20) if len(problems) > 20 else ""
        super().__init__(
            _("Das Paket enthält {n} fehlerhafte Einträge; es wurde nichts importiert:\n").format(
                n=len(problems)
            )
            + shown
            + more
        )
        self.problems = list(problems)


def _id(kind: str, key: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}/{key}"))


def _languages(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def _iso(value: dt.date | dt.datetime | None) -> str:
    return value.isoformat() if value else ""


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HsdsExport:
    path: Path
    organizations: int
    services: int
    locations: int
    contacts: int

    def summary(self) -> str:
        text = _(
            "Open-Referral-Paket (HSDS {v}) gespeichert: {path} – {o} Einrichtungen, {s} Angebote"
        ).format(v=HSDS_VERSION, path=self.path, o=self.organizations, s=self.services)
        if self.contacts:
            text += _(", {n} Kontakte (personenbezogen!)").format(n=self.contacts)
        return text + "."


class _Rows:
    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}

    def add(self, table: str, **values: Any) -> str:
        unknown = set(values) - set(TABLES[table])
        assert not unknown, (table, unknown)
        self.tables[table].append(values)
        return str(values["id"])


def build_package(atlas: Atlas, include_contacts: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The rows of every HSDS table (plain dicts), without writing anything."""
    rows = _Rows()
    today = dt.date.today()
    with atlas.sessions() as session:
        terms = {t.id: t for t in session.scalars(select(m.Term))}
        quarters = {q.id: q.name for q in session.scalars(select(m.Quarter))}
        _taxonomies(rows, terms.values())
        institutions = list(
            session.scalars(
                select(m.Institution).where(m.Institution.is_public.is_(True)).order_by(m.Institution.id)
            )
        )
        carriers: dict[str, str] = {}
        for inst in institutions:
            if inst.carrier and fold(inst.carrier) not in carriers:
                carriers[fold(inst.carrier)] = rows.add(
                    "organization",
                    id=_id("carrier", fold(inst.carrier)),
                    name=inst.carrier,
                    description=_("Träger"),
                )
        locations: dict[int, str] = {}
        for inst in institutions:
            org = rows.add(
                "organization",
                id=_id("institution", inst.id),
                name=inst.name,
                description=terms[inst.category_id].name if inst.category_id in terms else inst.name,
                email=inst.email,
                website=inst.website,
                parent_organization_id=carriers.get(fold(inst.carrier)) if inst.carrier else None,
            )
            loc = locations[inst.id] = rows.add(
                "location",
                id=_id("location", inst.id),
                location_type="physical",
                organization_id=org,
                name=inst.name,
                latitude=inst.lat,
                longitude=inst.lon,
            )
            if inst.street or inst.postcode or inst.city or inst.quarter_id:
                rows.add(
                    "address",
                    id=_id("address", inst.id),
                    location_id=loc,
                    address_1=inst.street or "",
                    city=inst.city or "",
                    region=quarters.get(inst.quarter_id) if inst.quarter_id else None,
                    state_province="",
                    postal_code=inst.postcode or "",
                    country="DE",
                    address_type="physical",
                )
            if inst.phone:
                rows.add(
                    "phone", id=_id("phone", inst.id), organization_id=org, location_id=loc, number=inst.phone,
                    type="voice",
                )  # fmt: skip
            if inst.opening_hours:
                rows.add(
                    "schedule",
                    id=_id("opening-hours", inst.id),
                    location_id=loc,
                    description=inst.opening_hours,
                )
            if inst.accessibility:
                rows.add(
                    "accessibility",
                    id=_id("accessibility", inst.id),
                    location_id=loc,
                    description=inst.accessibility,
                )
            for n, name in enumerate(_languages(inst.languages)):
                rows.add(
                    "language", id=_id("language-location", f"{inst.id}/{n}"), location_id=loc, name=name
                )
            for link_type, term_id in (("category", inst.category_id), ("sector", inst.sector_id)):
                if term_id in terms:
                    rows.add(
                        "attribute",
                        id=_id(f"attribute-{link_type}", f"institution/{inst.id}"),
                        link_id=org,
                        taxonomy_term_id=_id("term", term_id),
                        link_type=link_type,
                        link_entity="organization",
                        label=terms[term_id].name,
                    )
        public_ids = [i.id for i in institutions]
        offers = _offers(session, public_ids)
        unit: str | None = None
        for offer in offers:
            service = rows.add(
                "service",
                id=_id("offer", offer.id),
                organization_id=_id("institution", offer.institution_id),
                name=offer.title,
                description=offer.description or "",
                status="inactive" if offer.valid_to and offer.valid_to < today else "active",
                fees_description=offer.cost,
                last_modified=_iso(offer.updated_at),
            )
            rows.add(
                "service_at_location",
                id=_id("service-at-location", offer.id),
                service_id=service,
                location_id=locations[offer.institution_id],
                description=offer.place,
            )
            if offer.schedule or offer.valid_from or offer.valid_to:
                rows.add(
                    "schedule",
                    id=_id("schedule", offer.id),
                    service_id=service,
                    description=offer.schedule,
                    valid_from=_iso(offer.valid_from),
                    valid_to=_iso(offer.valid_to),
                )
            for n, name in enumerate(_languages(offer.languages)):
                rows.add(
                    "language", id=_id("language-service", f"{offer.id}/{n}"), service_id=service, name=name
                )
            links = [("category", offer.category_id)] + [("target_group", t.id) for t in offer.target_groups]
            for link_type, term_id in links:
                if term_id in terms:
                    rows.add(
                        "attribute",
                        id=_id(f"attribute-{link_type}", f"offer/{offer.id}/{term_id}"),
                        link_id=service,
                        taxonomy_term_id=_id("term", term_id),
                        link_type=link_type,
                        link_entity="service",
                        label=terms[term_id].name,
                    )
            if offer.capacity is not None:
                if unit is None:
                    unit = rows.add("unit", id=_id("unit", "place"), name=_("Plätze"))
                rows.add(
                    "service_capacity",
                    id=_id("capacity", offer.id),
                    service_id=service,
                    unit_id=unit,
                    available=offer.capacity,
                    maximum=offer.capacity,
                    description=_("Plätze"),
                    updated=_iso(offer.updated_at),
                )
        if include_contacts:
            _contacts(session, rows, public_ids)
    return rows.tables


def _taxonomies(rows: _Rows, terms: Iterable[m.Term]) -> None:
    by_vocabulary: dict[str, list[m.Term]] = {}
    for term in terms:
        by_vocabulary.setdefault(term.vocabulary, []).append(term)
    for link_type, (vocabulary, name, description) in _VOCABULARIES.items():
        taxonomy = rows.add(
            "taxonomy", id=_id("taxonomy", vocabulary.value), name=name, description=description, version="1"
        )
        for term in sorted(by_vocabulary.get(vocabulary.value, []), key=lambda t: fold(t.name)):
            rows.add(
                "taxonomy_term",
                id=_id("term", term.id),
                code=term.name,
                name=term.name,
                description=term.name,
                taxonomy=link_type,
                language="de",
                taxonomy_id=taxonomy,
            )


def _offers(session: Session, institution_ids: Sequence[int]) -> list[m.Offer]:
    offers: list[m.Offer] = []
    for start in range(0, len(institution_ids), 900):
        chunk = list(institution_ids[start : start + 900])
        offers += session.scalars(select(m.Offer).where(m.Offer.institution_id.in_(chunk)))
    offers.sort(key=lambda o: o.id)
    return offers


def _contacts(session: Session, rows: _Rows, institution_ids: Sequence[int]) -> None:
    for start in range(0, len(institution_ids), 900):
        chunk = list(institution_ids[start : start + 900])
        for c in session.scalars(
            select(m.Contact).where(m.Contact.institution_id.in_(chunk)).order_by(m.Contact.id)
        ):
            contact = rows.add(
                "contact",
                id=_id("contact", c.id),
                organization_id=_id("institution", c.institution_id),
                name=" ".join(p for p in (c.first_name, c.last_name) if p),
                title=c.function,
                email=c.email,
            )
            if c.phone:
                rows.add(
                    "phone", id=_id("contact-phone", c.id), contact_id=contact, number=c.phone, type="voice"
                )


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _datapackage(tables: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    resources = []
    for name, columns in TABLES.items():
        if name not in tables:
            continue
        resources.append(
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [{"name": c, "type": "number" if c in _NUMBERS else "string"} for c in columns],
                    "primaryKey": ["id"],
                },
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "stadtteil-atlas-wegweiser",
        "title": _("Stadtteil-Atlas: Wegweiser der Einrichtungen und Angebote"),
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "hsds_version": HSDS_VERSION,
        "resources": resources,
    }


def package_files(tables: Mapping[str, list[dict[str, Any]]]) -> dict[str, bytes]:
    """File name -> content of the package (the non-empty tables, taxonomies always)."""
    used = {
        name: rows for name, rows in tables.items() if rows or name in ("organization", "service", "location")
    }
    files = {
        f"{name}.csv": csv_bytes(
            TABLES[name],
            ([_cell(c, row.get(c)) for c in TABLES[name]] for row in rows),
            separator=",",
            excel=False,
        )
        for name, rows in used.items()
    }
    files["datapackage.json"] = json.dumps(_datapackage(used), ensure_ascii=False, indent=2).encode("utf-8")
    return files


def export_package(atlas: Atlas, target: Path | str, include_contacts: bool = False) -> HsdsExport:
    """Write the public directory as an HSDS Tabular Data Package: a folder, or a .zip file.

    A folder must not exist, be empty, or hold an earlier package (which is replaced whole).
    """
    target = Path(target)
    tables = build_package(atlas, include_contacts)
    files = package_files(tables)
    if target.suffix.lower() == ".zip":

        def write_zip(out: Any) -> None:
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in files.items():
                    archive.writestr(name, data)

        atomic_write(target, write_zip)
    else:
        _write_folder(target, files)
    carriers = sum(1 for o in tables["organization"] if o["description"] == _("Träger"))
    return HsdsExport(
        path=target,
        organizations=len(tables["organization"]) - carriers,
        services=len(tables["service"]),
        locations=len(tables["location"]),
        contacts=len(tables["contact"]),
    )


def _write_folder(target: Path, files: Mapping[str, bytes]) -> None:
    if target.exists() and not target.is_dir():
        raise HsdsError(_("{path} ist eine Datei, kein Ordner.").format(path=target))
    if target.is_dir() and any(target.iterdir()) and not (target / "datapackage.json").exists():
        raise HsdsError(
            _("Der Ordner {path} ist nicht leer. Bitte einen leeren oder neuen Ordner wählen.").format(
                path=target
            )
        )
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    except OSError as err:
        raise HsdsError(
            _("Der Ordner {path} konnte nicht angelegt werden: {reason}").format(
                path=target, reason=err.strerror
            )
        ) from err
    old: Path | None = None
    try:
        for name, data in files.items():
            with open(fresh / name, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=parent))
            os.replace(target, old / "package")
        os.replace(fresh, target)
    except OSError as err:
        if old is not None and not target.exists():
            os.replace(old / "package", target)  # put the earlier package back
        raise HsdsError(
            _(
                "Das Paket {path} konnte nicht geschrieben werden: {reason}. Es wurde nichts verändert."
            ).format(path=target, reason=err.strerror or err)
        ) from err
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HsdsImport:
    institutions: int
    offers: int
    contacts: int
    skipped_duplicates: int
    quarters_created: tuple[str, ...] = ()
    terms_created: tuple[str, ...] = ()
    skipped_invalid: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        text = _(
            "Open-Referral-Paket importiert: {i} Einrichtungen, {o} Angebote, {c} Kontakte; "
            "{d} schon vorhandene übersprungen"
        ).format(i=self.institutions, o=self.offers, c=self.contacts, d=self.skipped_duplicates)
        if self.skipped_invalid:
            text += _(", {n} fehlerhafte übersprungen").format(n=len(self.skipped_invalid))
        if self.quarters_created:
            text += _("; neue Quartiere: {q}").format(q=", ".join(self.quarters_created))
        if self.terms_created:
            text += _("; neue Begriffe: {t}").format(t=", ".join(self.terms_created))
        return text + "."


def read_package(source: Path | str) -> dict[str, list[dict[str, str]]]:
    """The tables of a package (folder or .zip) as lists of rows (column -> text)."""
    source = Path(source)
    if source.is_dir():
        files = {p.name: p for p in source.iterdir() if p.is_file()}
        total = sum(p.stat().st_size for p in files.values())
        if total > MAX_PACKAGE_BYTES:
            raise HsdsError(_("Das Paket ist zu groß."))
        raw = {name: p.read_bytes() for name, p in files.items() if name.endswith((".csv", ".json"))}
    elif source.is_file() and source.suffix.lower() == ".zip":
        check_zip(source)
        raw = {}
        with zipfile.ZipFile(source) as archive:
            names = [n for n in archive.namelist() if n.endswith((".csv", ".json")) and "/." not in f"/{n}"]
            prefix = ""
            for n in names:
                if n.endswith("datapackage.json"):
                    prefix = n[: -len("datapackage.json")]
                    break
            for n in names:
                if n.startswith(prefix) and "/" not in n[len(prefix) :]:
                    raw[n[len(prefix) :]] = archive.read(n)
    else:
        raise HsdsError(
            _("{path} ist weder ein Ordner noch eine .zip-Datei mit einem Open-Referral-Paket.").format(
                path=source
            )
        )
    paths = {f"{name}.csv": name for name in TABLES}
    if "datapackage.json" in raw:
        try:
            package = json.loads(raw["datapackage.json"].decode("utf-8-sig"))
            for resource in package.get("resources", []):
                if resource.get("name") in TABLES and isinstance(resource.get("path"), str):
                    paths[Path(resource["path"]).name] = resource["name"]
        except (ValueError, AttributeError) as err:
            raise HsdsError(_("datapackage.json ist kein gültiges JSON.")) from err
    tables: dict[str, list[dict[str, str]]] = {name: [] for name in TABLES}
    found = False
    for file_name, table in paths.items():
        if file_name not in raw:
            continue
        found = True
        try:
            text = raw[file_name].decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise HsdsError(_("{name} ist nicht in UTF-8 gespeichert.").format(name=file_name)) from err
        tables[table] = [
            {k: (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(io.StringIO(text))
        ]
    if not found or not tables["organization"]:
        raise HsdsError(_("Im Paket fehlt organization.csv – ist es ein Open-Referral-Paket (HSDS)?"))
    return tables


def _by(rows: Iterable[dict[str, str]], key: str) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if row.get(key):
            out.setdefault(row[key], []).append(row)
    return out


def _date(text: str | None) -> str | None:
    return text[:10] if text else None


class _Reader:
    """The package's rows, indexed by the links the import follows."""

    def __init__(self, tables: Mapping[str, list[dict[str, str]]]) -> None:
        self.t = tables
        self.orgs = {o["id"]: o for o in tables["organization"] if o.get("id")}
        self.locations = _by(tables["location"], "organization_id")
        self.addresses = _by(tables["address"], "location_id")
        self.phones_org = _by((p for p in tables["phone"] if not p.get("contact_id")), "organization_id")
        self.phones_loc = _by((p for p in tables["phone"] if not p.get("contact_id")), "location_id")
        self.phones_contact = _by(tables["phone"], "contact_id")
        self.schedules_loc = _by((s for s in tables["schedule"] if not s.get("service_id")), "location_id")
        self.schedules_service = _by(tables["schedule"], "service_id")
        self.accessibility = _by(tables["accessibility"], "location_id")
        self.languages_loc = _by(tables["language"], "location_id")
        self.languages_service = _by(tables["language"], "service_id")
        self.sal = _by(tables["service_at_location"], "service_id")
        self.capacity = _by(tables["service_capacity"], "service_id")
        self.attributes = _by(tables["attribute"], "link_id")
        taxonomies = {t["id"]: t for t in tables["taxonomy"] if t.get("id")}
        self.terms: dict[str, tuple[str, str]] = {}  # term id -> (vocabulary by taxonomy, name)
        for term in tables["taxonomy_term"]:
            taxonomy = taxonomies.get(term.get("taxonomy_id", ""), {})
            hint = fold(f"{term.get('taxonomy', '')} {taxonomy.get('name', '')}")
            self.terms[term.get("id", "")] = (hint, term.get("name", ""))
        parents = {o.get("parent_organization_id") for o in self.orgs.values()}
        # A carrier (Träger) is an organization without a location that others name as parent.
        self.institution_orgs = [
            o for oid, o in self.orgs.items() if oid in self.locations or oid not in parents
        ]

    def linked_terms(self, link_id: str, link_type: str) -> list[str]:
        names = []
        for attr in self.attributes.get(link_id, []):
            hint, name = self.terms.get(attr.get("taxonomy_term_id", ""), ("", ""))
            kind = attr.get("link_type", "")
            if not name:
                continue
            if kind == link_type or (kind not in _VOCABULARIES and _vocabulary_hint(hint) == link_type):
                names.append(name)
        return names


def _vocabulary_hint(text: str) -> str | None:
    if "zielgruppe" in text or "target" in text:
        return "target_group"
    if "sektor" in text or "sector" in text:
        return "sector"
    if "kategorie" in text or "categor" in text:
        return "category"
    return None


def _institution_values(r: _Reader, org: dict[str, str]) -> dict[str, Any]:
    loc = (r.locations.get(org["id"]) or [{}])[0]
    addr = (r.addresses.get(loc.get("id", "")) or [{}])[0]
    phones = r.phones_org.get(org["id"]) or r.phones_loc.get(loc.get("id", "")) or [{}]
    parent = r.orgs.get(org.get("parent_organization_id", ""))
    street = ", ".join(p for p in (addr.get("address_1"), addr.get("address_2")) if p)
    categories = r.linked_terms(org["id"], "category")
    sectors = r.linked_terms(org["id"], "sector")
    return {
        "name": org.get("name"),
        "carrier": parent.get("name") if parent else None,
        "street": street or None,
        "postcode": addr.get("postal_code"),
        "city": addr.get("city"),
        "quarter": addr.get("region"),
        "lat": loc.get("latitude"),
        "lon": loc.get("longitude"),
        "phone": phones[0].get("number"),
        "email": org.get("email"),
        "website": org.get("website"),
        "opening_hours": "\n".join(
            s["description"] for s in r.schedules_loc.get(loc.get("id", ""), []) if s.get("description")
        ),
        "accessibility": "\n".join(
            a["description"] for a in r.accessibility.get(loc.get("id", ""), []) if a.get("description")
        ),
        "languages": ", ".join(
            x["name"] for x in r.languages_loc.get(loc.get("id", ""), []) if x.get("name")
        ),
        "category": categories[0] if categories else None,
        "sector": sectors[0] if sectors else None,
    }


def _offer_values(r: _Reader, service: dict[str, str]) -> dict[str, Any]:
    schedules = r.schedules_service.get(service["id"], [])
    capacity = (r.capacity.get(service["id"]) or [{}])[0]
    categories = r.linked_terms(service["id"], "category")
    return {
        "title": service.get("name"),
        "description": service.get("description"),
        "cost": service.get("fees_description") or service.get("fees"),
        "schedule": "\n".join(s["description"] for s in schedules if s.get("description")),
        "valid_from": _date(next((s["valid_from"] for s in schedules if s.get("valid_from")), None)),
        "valid_to": _date(next((s["valid_to"] for s in schedules if s.get("valid_to")), None)),
        "place": next((s["description"] for s in r.sal.get(service["id"], []) if s.get("description")), None),
        "languages": ", ".join(
            x["name"] for x in r.languages_service.get(service["id"], []) if x.get("name")
        ),
        "capacity": _int_text(capacity.get("maximum") or capacity.get("available")),
        "category": categories[0] if categories else None,
        "target_groups": r.linked_terms(service["id"], "target_group"),
    }


def _int_text(text: str | None) -> str | None:
    if not text:
        return None
    with contextlib.suppress(ValueError):
        return str(int(float(text)))
    return text


class _Names:
    """Terms and quarters by folded name; missing ones are created on first use."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.terms = {(t.vocabulary, fold(t.name)): t for t in session.scalars(select(m.Term))}
        self.quarters = {fold(q.name): q for q in session.scalars(select(m.Quarter))}
        self.created_terms: list[str] = []
        self.created_quarters: list[str] = []

    def term(self, vocabulary: m.Vocabulary, name: str | None) -> m.Term | None:
        if not name:
            return None
        key = (vocabulary.value, fold(name))
        if key not in self.terms:
            term = m.Term(vocabulary=vocabulary.value, name=name[:120])
            self.session.add(term)
            self.terms[key] = term
            self.created_terms.append(name)
        return self.terms[key]

    def quarter(self, name: str | None) -> m.Quarter | None:
        if not name:
            return None
        if fold(name) not in self.quarters:
            quarter = m.Quarter(name=name[:120])
            self.session.add(quarter)
            self.quarters[fold(name)] = quarter
            self.created_quarters.append(name)
        return self.quarters[fold(name)]


def _clean(
    atlas: Atlas, kind: str, values: Mapping[str, Any], what: str, problems: list[str]
) -> dict[str, Any] | None:
    plain = {k: v for k, v in values.items() if v not in (None, "")}
    try:
        return atlas.records[kind].validate(plain, creating=True)
    except ValidationError as err:
        problems.append(f"{what}: " + "; ".join(err.errors.values()))
        return None


def _place(atlas: Atlas, session: Session, inst: m.Institution) -> None:
    """As a form places a new institution: a pin from the package is kept from the geocoder
    and, without a named quarter, puts it into the quarter containing it; an address
    without a pin waits for the geocoder."""
    if inst.lat is not None and inst.lon is not None:
        inst.geocode_status = m.GeocodeState.MANUAL.value
        if inst.quarter is None:
            inst.quarter_id = atlas.boundaries.index(session).quarter_at(inst.lat, inst.lon)
    elif address_line(inst.street, inst.postcode, inst.city):
        inst.geocode_status = m.GeocodeState.PENDING.value


def import_package(atlas: Atlas, source: Path | str, skip_invalid: bool = False) -> HsdsImport:
    """Read an HSDS package (folder or .zip) into the database in one transaction."""
    r = _Reader(read_package(source))
    problems: list[str] = []
    skipped = 0
    created = {"institution": 0, "offer": 0, "contact": 0}
    with atlas.sessions() as session:
        try:
            names = _Names(session)
            existing = {
                (normalise_name(n), p or ""): i
                for i, n, p in session.execute(
                    select(m.Institution.id, m.Institution.name, m.Institution.postcode)
                )
            }
            institution_of: dict[str, m.Institution | int] = {}
            for org in r.institution_orgs:
                raw = _institution_values(r, org)
                what = _("Einrichtung „{name}“").format(name=raw["name"] or org["id"])
                values = _clean(
                    atlas,
                    "institution",
                    {k: v for k, v in raw.items() if k not in ("category", "sector", "quarter")},
                    what,
                    problems,
                )
                if values is None:
                    continue
                key = (normalise_name(values["name"]), values.get("postcode") or "")
                if key in existing:
                    institution_of[org["id"]] = existing[key]
                    skipped += 1
                    continue
                inst = m.Institution(**values, is_public=True)
                inst.category = names.term(m.Vocabulary.CATEGORY, raw["category"])
                inst.sector = names.term(m.Vocabulary.SECTOR, raw["sector"])
                inst.quarter = names.quarter(raw["quarter"])
                inst.quarter_manual = inst.quarter is not None
                _place(atlas, session, inst)
                session.add(inst)
                institution_of[org["id"]] = inst
                created["institution"] += 1
            session.flush()
            offers_there = {
                (inst_id, normalise_name(title))
                for inst_id, title in session.execute(select(m.Offer.institution_id, m.Offer.title))
            }
            for service in r.t["service"]:
                owner = institution_of.get(service.get("organization_id", ""))
                raw = _offer_values(r, service)
                what = _("Angebot „{name}“").format(name=raw["title"] or service.get("id"))
                if owner is None:
                    problems.append(what + ": " + _("die Einrichtung fehlt im Paket oder ist fehlerhaft."))
                    continue
                owner_id = owner if isinstance(owner, int) else owner.id
                plain = {k: v for k, v in raw.items() if k not in ("category", "target_groups")}
                values = _clean(atlas, "offer", {**plain, "institution_id": owner_id}, what, problems)
                if values is None:
                    continue
                if (owner_id, normalise_name(values["title"])) in offers_there:
                    skipped += 1
                    continue
                offers_there.add((owner_id, normalise_name(values["title"])))
                offer = m.Offer(**values)
                offer.category = names.term(m.Vocabulary.CATEGORY, raw["category"])
                groups = [names.term(m.Vocabulary.TARGET_GROUP, g) for g in raw["target_groups"]]
                offer.target_groups = [g for g in groups if g is not None]
                session.add(offer)
                created["offer"] += 1
            contacts_there = {
                (inst_id, fold(f"{f or ''} {last}"))
                for inst_id, f, last in session.execute(
                    select(m.Contact.institution_id, m.Contact.first_name, m.Contact.last_name)
                )
            }
            for row in r.t["contact"]:
                owner = institution_of.get(row.get("organization_id", ""))
                first, last = split_person_name(row.get("name", ""))
                what = _("Kontakt „{name}“").format(name=row.get("name") or row.get("id"))
                contact_owner: int | None = (
                    None if owner is None else owner if isinstance(owner, int) else owner.id
                )
                phone = (r.phones_contact.get(row.get("id", "")) or [{}])[0].get("number")
                values = _clean(
                    atlas,
                    "contact",
                    {
                        "first_name": first,
                        "last_name": last,
                        "function": row.get("title"),
                        "email": row.get("email"),
                        "phone": phone,
                        "institution_id": contact_owner,
                    },
                    what,
                    problems,
                )
                if values is None:
                    continue
                contact_key = (contact_owner, fold(f"{values.get('first_name') or ''} {values['last_name']}"))
                if contact_key in contacts_there:
                    skipped += 1
                    continue
                contacts_there.add(contact_key)
                session.add(m.Contact(**values))
                created["contact"] += 1
            if problems and not skip_invalid:
                raise HsdsRefused(problems)
            session.commit()
        except IntegrityError as err:
            session.rollback()
            raise HsdsError(
                _("Das Paket passt nicht zur Datenbank: {reason}").format(reason=err.orig)
            ) from err
        except BaseException:
            session.rollback()
            raise
    atlas.changes.emit({"institution", "offer", "contact", "quarter", "term"}, [])
    return HsdsImport(
        institutions=created["institution"],
        offers=created["offer"],
        contacts=created["contact"],
        skipped_duplicates=skipped,
        quarters_created=tuple(names.created_quarters),
        terms_created=tuple(names.created_terms),
        skipped_invalid=tuple(problems),
    )
