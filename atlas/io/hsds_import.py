"""Open Referral import: an HSDS 3.x Tabular Data Package (ours or another publisher's) read
into the database in one transaction.

See :mod:`atlas.io.hsds` for the mapping; the table definitions are in :mod:`atlas.io.hsds_common`.
"""

from __future__ import annotations

import contextlib
import json
import uuid
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atlas import models as m
from atlas.core import Atlas
from atlas.errors import ValidationError
from atlas.files import unneutralise
from atlas.i18n import _
from atlas.io.hsds_common import (
    HSDS_VOCABULARIES,
    MAX_PACKAGE_BYTES,
    TABLES,
    HsdsError,
    HsdsRefused,
)
from atlas.io.import_duplicates import normalise_name
from atlas.io.import_rows import split_person_name
from atlas.io.tables_csv import csv_records
from atlas.io.tables_xlsx import check_zip
from atlas.limits import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, check_json_shape, count, mb, read_capped
from atlas.progress import IsCancelled, Progress, Steps, release
from atlas.text import address_line, fold


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


def _too_big(total: int) -> HsdsError:
    return HsdsError(
        _("Das Paket ist zu groß ({size} MB in CSV- und JSON-Dateien; höchstens {limit} MB).").format(
            size=mb(total), limit=mb(MAX_PACKAGE_BYTES)
        )
    )


def read_package(source: Path | str) -> dict[str, list[dict[str, str]]]:
    """The tables of a package (folder or .zip) as lists of rows (column -> text).

    Bounded like a list import (:mod:`atlas.limits`): the CSV and JSON files together at
    most MAX_PACKAGE_BYTES, checked before reading; datapackage.json's nesting and size
    before parsing; every table's records, cells and rows as they are read.
    """
    source = Path(source)
    if source.is_dir():
        files = {p.name: p for p in source.iterdir() if p.is_file() and p.name.endswith((".csv", ".json"))}
        total = sum(p.stat().st_size for p in files.values())
        if total > MAX_PACKAGE_BYTES:
            raise _too_big(total)
        raw = {name: read_capped(p, MAX_PACKAGE_BYTES, HsdsError) for name, p in files.items()}
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
            chosen = [n for n in names if n.startswith(prefix) and "/" not in n[len(prefix) :]]
            total = sum(archive.getinfo(n).file_size for n in chosen)
            if total > MAX_PACKAGE_BYTES:
                raise _too_big(total)
            for n in chosen:
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
            text = raw["datapackage.json"].decode("utf-8-sig")
            check_json_shape(text, "datapackage.json", HsdsError)
            package = json.loads(text)
            for resource in package.get("resources", []):
                if resource.get("name") in TABLES and isinstance(resource.get("path"), str):
                    paths[Path(resource["path"]).name] = resource["name"]
        except (ValueError, AttributeError, TypeError, RecursionError) as err:
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
        tables[table] = _table_rows(text, file_name)
    if not found or not tables["organization"]:
        raise HsdsError(_("Im Paket fehlt organization.csv – ist es ein Open-Referral-Paket (HSDS)?"))
    return tables


def _table_rows(text: str, file_name: str) -> list[dict[str, str]]:
    """The rows of one CSV table as column -> stripped text (as ``csv.DictReader`` gives
    them: the first record names the columns, blank records are skipped, missing cells
    are empty), within the caps of a list."""
    records = csv_records(text, file_name, ",", HsdsError)
    header = next(records, None)
    if header is None:
        return []
    if len(header) > MAX_COLUMNS:
        raise HsdsError(
            _("{name} hat mehr als {n} Spalten; so sieht keine Open-Referral-Tabelle aus.").format(
                name=file_name, n=count(MAX_COLUMNS)
            )
        )
    columns = [(i, k) for i, k in enumerate(header) if k]
    rows: list[dict[str, str]] = []
    for record in records:
        if not record:
            continue
        size = len(record)
        rows.append({k: unneutralise(record[i].strip()) if i < size else "" for i, k in columns})
        if len(rows) > MAX_ROWS or len(rows) * len(columns) > MAX_CELLS:
            raise HsdsError(
                _("{name} hat mehr als {n} Zeilen. So große Pakete werden nicht gelesen.").format(
                    name=file_name, n=count(MAX_ROWS)
                )
            )
    return rows


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

    def release(self) -> None:
        """Empty the tables and indexes a batch at a time (:func:`atlas.progress.release`):
        freed at once when the import returns, the package's rows (100,000s of small dicts
        at 10,000 organisations) held the GIL for one long C-level cascade."""
        release(
            self.orgs,
            self.locations,
            self.addresses,
            self.phones_org,
            self.phones_loc,
            self.phones_contact,
            self.schedules_loc,
            self.schedules_service,
            self.accessibility,
            self.languages_loc,
            self.languages_service,
            self.sal,
            self.capacity,
            self.attributes,
            self.terms,
            self.institution_orgs,
            dict(self.t),
        )

    def linked_terms(self, link_id: str, link_type: str) -> list[str]:
        names = []
        for attr in self.attributes.get(link_id, []):
            hint, name = self.terms.get(attr.get("taxonomy_term_id", ""), ("", ""))
            kind = attr.get("link_type", "")
            if not name:
                continue
            if kind == link_type or (kind not in HSDS_VOCABULARIES and _vocabulary_hint(hint) == link_type):
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


class _Identities:
    """The UUIDs a new record may take from the package's ids (issue 14: an export imported
    into an empty database keeps its records' identities).

    A package id becomes the record's UUID only when it is a UUID in its canonical form
    (36 characters, lower case after folding), not the nil or max UUID, and not yet used
    by a record of that table, in the database or earlier in this package; anything else
    (another publisher's "org-17", a hostile 10,000-character id, an id used twice) gets
    a new random UUID, as every other new record does."""

    def __init__(self, session: Session) -> None:
        self.used: dict[str, set[str]] = {
            kind: set(session.scalars(select(model.uuid)))
            for kind, model in (("institution", m.Institution), ("offer", m.Offer), ("contact", m.Contact))
        }

    def take(self, kind: str, package_id: str | None) -> str:
        used = self.used[kind]
        own = canonical_uuid(package_id)
        if own is None or own in used:
            own = m.new_uuid()
        used.add(own)
        return own


def canonical_uuid(text: str | None) -> str | None:
    """``text`` as a UUID (canonical, lower case), or None when it is not one in the
    canonical 8-4-4-4-12 form, or is the nil or max UUID."""
    if not text or len(text) != 36:
        return None
    try:
        value = uuid.UUID(text)
    except ValueError:
        return None
    own = str(value)
    if own != text.lower() or value.int in (0, (1 << 128) - 1):
        return None
    return own


#: Pending rows are written every so many: one flush of 10,000 rows is one long
#: ``executemany`` that holds the GIL (and so stalls the GUI thread) for 200 ms.
FLUSH_EVERY = 500


def _flush_now_and_then(session: Session, count: int) -> None:
    if count % FLUSH_EVERY == 0:
        session.flush()


def import_package(
    atlas: Atlas,
    source: Path | str,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
) -> HsdsImport:
    """Read an HSDS package (folder or .zip) into the database in one transaction.

    ``progress(done, total)`` counts the organisations, services and contacts read in;
    ``cancelled()`` is asked as it goes and last before the commit (:mod:`atlas.progress`):
    a cancelled import raises :class:`atlas.progress.Cancelled` after rolling back."""
    steps = Steps(progress, cancelled, every=1)  # a row costs a validation: asking is cheap beside it
    steps.check()
    r = _Reader(read_package(source))
    steps.expect(len(r.institution_orgs) + len(r.t["service"]) + len(r.t["contact"]))
    problems: list[str] = []
    skipped = 0
    created = {"institution": 0, "offer": 0, "contact": 0}
    existing: dict[tuple[str, str], int] = {}
    institution_of: dict[str, m.Institution | int] = {}
    seen: list[set[Any]] = []  # the offers, contacts and UUIDs there, to be released at the end
    with atlas.sessions() as session:
        try:
            names = _Names(session)
            identities = _Identities(session)
            seen.extend(identities.used.values())
            existing = {
                (normalise_name(n), p or ""): i
                for i, n, p in session.execute(
                    select(m.Institution.id, m.Institution.name, m.Institution.postcode)
                )
            }
            for org in r.institution_orgs:
                steps.advance()
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
                inst = m.Institution(**values, is_public=True, uuid=identities.take("institution", org["id"]))
                inst.category = names.term(m.Vocabulary.CATEGORY, raw["category"])
                inst.sector = names.term(m.Vocabulary.SECTOR, raw["sector"])
                inst.quarter = names.quarter(raw["quarter"])
                inst.quarter_manual = inst.quarter is not None
                _place(atlas, session, inst)
                session.add(inst)
                institution_of[org["id"]] = inst
                created["institution"] += 1
                _flush_now_and_then(session, created["institution"])
            session.flush()
            offers_there = {
                (inst_id, normalise_name(title))
                for inst_id, title in session.execute(select(m.Offer.institution_id, m.Offer.title))
            }
            seen.append(offers_there)
            for service in r.t["service"]:
                steps.advance()
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
                offer = m.Offer(**values, uuid=identities.take("offer", service.get("id")))
                offer.category = names.term(m.Vocabulary.CATEGORY, raw["category"])
                groups = [names.term(m.Vocabulary.TARGET_GROUP, g) for g in raw["target_groups"]]
                offer.target_groups = [g for g in groups if g is not None]
                session.add(offer)
                created["offer"] += 1
                _flush_now_and_then(session, created["offer"])
            contacts_there = {
                (inst_id, fold(f"{f or ''} {last}"))
                for inst_id, f, last in session.execute(
                    select(m.Contact.institution_id, m.Contact.first_name, m.Contact.last_name)
                )
            }
            seen.append(contacts_there)
            for row in r.t["contact"]:
                steps.advance()
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
                session.add(m.Contact(**values, uuid=identities.take("contact", row.get("id"))))
                created["contact"] += 1
                _flush_now_and_then(session, created["contact"])
            if problems and not skip_invalid:
                raise HsdsRefused(problems)
            session.flush()
            steps.finish_phase()  # the last chance: after this the import is committed
            session.commit()
        except IntegrityError as err:
            session.rollback()
            raise HsdsError(
                _("Das Paket passt nicht zur Datenbank: {reason}").format(reason=err.orig)
            ) from err
        except BaseException:
            session.rollback()
            raise
        finally:
            # the package's rows, the new records and the keys a batch at a time: freed at
            # the return they were one C-level cascade holding the GIL ~150 ms at 10,000
            r.release()
            release(institution_of, existing, *seen)
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
