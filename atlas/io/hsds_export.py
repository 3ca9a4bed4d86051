"""Open Referral export: the public directory as an HSDS 3.x Tabular Data Package.

See :mod:`atlas.io.hsds` for the mapping; the table definitions are in :mod:`atlas.io.hsds_common`.

Its CSV files are opened in spreadsheets too, so a text cell that starts with ``=``, ``+``,
``-``, ``@``, tab or CR is neutralised like in every other CSV the program writes
(:func:`atlas.files.neutralise`: a leading ``'``); the import (:mod:`atlas.io.hsds_import`)
takes it off again, like the list import. Number columns are written as numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from atlas import models as m
from atlas.core import Atlas
from atlas.files import atomic_write, csv_bytes, neutralise
from atlas.i18n import _
from atlas.io.hsds_common import (
    HSDS_NUMBERS,
    HSDS_VERSION,
    HSDS_VOCABULARIES,
    TABLES,
    HsdsError,
)
from atlas.progress import IsCancelled, Progress, Steps, release
from atlas.text import fold

_NAMESPACE = uuid.UUID("3f0e7c1e-5a55-4c1b-9a49-7a1f2b3c4d5e")


def _id(kind: str, key: object) -> str:
    """The id of a row that has no record of its own (a location, address, phone, schedule
    … of an institution or offer; a carrier; a taxonomy): a name-based UUID (version 5)
    of its kind and its owner's UUID (or name), so it is the same in every copy of the
    database and in every export. A row that is a record (organization = institution,
    service = offer, contact, taxonomy_term = term) carries the record's own UUID."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}/{key}"))


def _languages(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def _iso(value: dt.date | dt.datetime | None) -> str:
    return value.isoformat() if value else ""


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


def build_package(
    atlas: Atlas, include_contacts: bool = False, steps: Steps | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The rows of every HSDS table (plain dicts), without writing anything.

    ``steps`` (:class:`atlas.progress.Steps`) counts the institutions and offers and may
    raise :class:`atlas.progress.Cancelled` between them."""
    steps = steps or Steps()
    rows = _Rows()
    today = atlas.clock.today()
    with atlas.sessions() as session:
        terms = {t.id: t for t in session.scalars(select(m.Term))}
        quarters = {q.id: q.name for q in session.scalars(select(m.Quarter))}
        _taxonomies(rows, terms.values())
        institutions = list(
            session.scalars(
                select(m.Institution).where(m.Institution.is_public.is_(True)).order_by(m.Institution.id)
            )
        )
        public_ids = [i.id for i in institutions]
        organization_of = {i.id: i.uuid for i in institutions}
        offers = _offers(session, public_ids)
        steps.expect(steps.total + len(institutions) + len(offers))
        carriers: dict[str, str] = {}
        for inst in institutions:
            if inst.carrier and fold(inst.carrier) not in carriers:
                carriers[fold(inst.carrier)] = rows.add(
                    "organization",
                    id=_id("carrier", fold(inst.carrier)),  # a name, not a record
                    name=inst.carrier,
                    description=_("Träger"),
                )
        locations: dict[int, str] = {}
        for inst in institutions:
            org = rows.add(
                "organization",
                id=inst.uuid,
                name=inst.name,
                description=terms[inst.category_id].name if inst.category_id in terms else inst.name,
                email=inst.email,
                website=inst.website,
                parent_organization_id=carriers.get(fold(inst.carrier)) if inst.carrier else None,
            )
            loc = locations[inst.id] = rows.add(
                "location",
                id=_id("location", inst.uuid),
                location_type="physical",
                organization_id=org,
                name=inst.name,
                latitude=inst.lat,
                longitude=inst.lon,
            )
            if inst.street or inst.postcode or inst.city or inst.quarter_id:
                rows.add(
                    "address",
                    id=_id("address", inst.uuid),
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
                    "phone", id=_id("phone", inst.uuid), organization_id=org, location_id=loc, number=inst.phone,
                    type="voice",
                )  # fmt: skip
            if inst.opening_hours:
                rows.add(
                    "schedule",
                    id=_id("opening-hours", inst.uuid),
                    location_id=loc,
                    description=inst.opening_hours,
                )
            if inst.accessibility:
                rows.add(
                    "accessibility",
                    id=_id("accessibility", inst.uuid),
                    location_id=loc,
                    description=inst.accessibility,
                )
            for n, name in enumerate(_languages(inst.languages)):
                rows.add(
                    "language", id=_id("language-location", f"{inst.uuid}/{n}"), location_id=loc, name=name
                )
            for link_type, term_id in (("category", inst.category_id), ("sector", inst.sector_id)):
                if term_id in terms:
                    rows.add(
                        "attribute",
                        id=_id(f"attribute-{link_type}", f"institution/{inst.uuid}"),
                        link_id=org,
                        taxonomy_term_id=terms[term_id].uuid,
                        link_type=link_type,
                        link_entity="organization",
                        label=terms[term_id].name,
                    )
            steps.advance()
        unit: str | None = None
        for offer in offers:
            service = rows.add(
                "service",
                id=offer.uuid,
                organization_id=organization_of[offer.institution_id],
                name=offer.title,
                description=offer.description or "",
                status="inactive" if offer.valid_to and offer.valid_to < today else "active",
                fees_description=offer.cost,
                last_modified=_iso(offer.updated_at),
            )
            rows.add(
                "service_at_location",
                id=_id("service-at-location", offer.uuid),
                service_id=service,
                location_id=locations[offer.institution_id],
                description=offer.place,
            )
            if offer.schedule or offer.valid_from or offer.valid_to:
                rows.add(
                    "schedule",
                    id=_id("schedule", offer.uuid),
                    service_id=service,
                    description=offer.schedule,
                    valid_from=_iso(offer.valid_from),
                    valid_to=_iso(offer.valid_to),
                )
            for n, name in enumerate(_languages(offer.languages)):
                rows.add(
                    "language", id=_id("language-service", f"{offer.uuid}/{n}"), service_id=service, name=name
                )
            links = [("category", offer.category_id)] + [("target_group", t.id) for t in offer.target_groups]
            for link_type, term_id in links:
                if term_id in terms:
                    rows.add(
                        "attribute",
                        id=_id(f"attribute-{link_type}", f"offer/{offer.uuid}/{terms[term_id].uuid}"),
                        link_id=service,
                        taxonomy_term_id=terms[term_id].uuid,
                        link_type=link_type,
                        link_entity="service",
                        label=terms[term_id].name,
                    )
            if offer.capacity is not None:
                if unit is None:
                    unit = rows.add("unit", id=_id("unit", "place"), name=_("Plätze"))
                rows.add(
                    "service_capacity",
                    id=_id("capacity", offer.uuid),
                    service_id=service,
                    unit_id=unit,
                    available=offer.capacity,
                    maximum=offer.capacity,
                    description=_("Plätze"),
                    updated=_iso(offer.updated_at),
                )
            steps.advance()
        if include_contacts:
            _contacts(session, rows, organization_of)
        steps.finish_phase()
    return rows.tables


def _taxonomies(rows: _Rows, terms: Iterable[m.Term]) -> None:
    by_vocabulary: dict[str, list[m.Term]] = {}
    for term in terms:
        by_vocabulary.setdefault(term.vocabulary, []).append(term)
    for link_type, (vocabulary, name, description) in HSDS_VOCABULARIES.items():
        taxonomy = rows.add(
            "taxonomy", id=_id("taxonomy", vocabulary.value), name=name, description=description, version="1"
        )
        for term in sorted(by_vocabulary.get(vocabulary.value, []), key=lambda t: fold(t.name)):
            rows.add(
                "taxonomy_term",
                id=term.uuid,
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
        offers += session.scalars(
            # the target groups with the offers: one query per chunk, not one per offer
            select(m.Offer)
            .where(m.Offer.institution_id.in_(chunk))
            .options(selectinload(m.Offer.target_groups))
        )
    offers.sort(key=lambda o: o.id)
    return offers


def _contacts(session: Session, rows: _Rows, organization_of: Mapping[int, str]) -> None:
    institution_ids = list(organization_of)
    for start in range(0, len(institution_ids), 900):
        chunk = list(institution_ids[start : start + 900])
        for c in session.scalars(
            select(m.Contact).where(m.Contact.institution_id.in_(chunk)).order_by(m.Contact.id)
        ):
            contact = rows.add(
                "contact",
                id=c.uuid,
                organization_id=organization_of[c.institution_id] if c.institution_id else None,
                name=" ".join(p for p in (c.first_name, c.last_name) if p),
                title=c.function,
                email=c.email,
            )
            if c.phone:
                rows.add(
                    "phone", id=_id("contact-phone", c.uuid), contact_id=contact, number=c.phone, type="voice"
                )


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if name in HSDS_NUMBERS:
        return str(value)
    return neutralise(str(value))  # never a formula in a spreadsheet


def _datapackage(tables: Mapping[str, list[dict[str, Any]]], created: dt.datetime) -> dict[str, Any]:
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
                    "fields": [
                        {"name": c, "type": "number" if c in HSDS_NUMBERS else "string"} for c in columns
                    ],
                    "primaryKey": ["id"],
                },
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "stadtteil-atlas-wegweiser",
        "title": _("Stadtteil-Atlas: Wegweiser der Einrichtungen und Angebote"),
        "created": created.replace(microsecond=0, tzinfo=dt.UTC).isoformat(),
        "hsds_version": HSDS_VERSION,
        "resources": resources,
    }


def package_files(
    tables: Mapping[str, list[dict[str, Any]]], created: dt.datetime, steps: Steps | None = None
) -> dict[str, bytes]:
    """File name -> content of the package (the non-empty tables, taxonomies always).

    ``steps``: one step per table written."""
    used = {
        name: rows for name, rows in tables.items() if rows or name in ("organization", "service", "location")
    }
    files: dict[str, bytes] = {}
    for name, rows in used.items():
        files[f"{name}.csv"] = csv_bytes(
            TABLES[name],
            ([_cell(c, row.get(c)) for c in TABLES[name]] for row in rows),
            separator=",",
            excel=False,
        )
        if steps is not None:
            steps.advance()
    files["datapackage.json"] = json.dumps(_datapackage(used, created), ensure_ascii=False, indent=2).encode(
        "utf-8"
    )
    return files


def export_package(
    atlas: Atlas,
    target: Path | str,
    include_contacts: bool = False,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
) -> HsdsExport:
    """Write the public directory as an HSDS Tabular Data Package: a folder, or a .zip file.

    A folder must not exist, be empty, or hold an earlier package (which is replaced whole).
    ``progress(done, total)`` and ``cancelled()`` as in :mod:`atlas.progress`: a cancelled
    export raises :class:`atlas.progress.Cancelled` and leaves the target as it was.
    """
    target = Path(target)
    # files: one step per table to write, and one per file put into the package
    steps = Steps(progress, cancelled, total=2 * (len(TABLES) + 1), every=1)
    steps.check()
    tables = build_package(atlas, include_contacts, steps)
    files = package_files(tables, atlas.clock.utcnow(), steps)
    steps.expect(steps.done + len(files))
    steps.finish_phase()
    if target.suffix.lower() == ".zip":

        def write_zip(out: Any) -> None:
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in files.items():
                    archive.writestr(name, data)
                    steps.advance()
            steps.finish_phase()  # the last chance: after this the file replaces the target

        atomic_write(target, write_zip)
    else:
        _write_folder(target, files, steps)
    carriers = sum(1 for o in tables["organization"] if o["description"] == _("Träger"))
    result = HsdsExport(
        path=target,
        organizations=len(tables["organization"]) - carriers,
        services=len(tables["service"]),
        locations=len(tables["location"]),
        contacts=len(tables["contact"]),
    )
    release(tables)  # a batch at a time, not as one long GIL hold at the return
    return result


def _write_folder(target: Path, files: Mapping[str, bytes], steps: Steps | None = None) -> None:
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
            if steps is not None:
                steps.advance()
        if steps is not None:
            steps.finish_phase()  # the last chance: after this the folder replaces the target
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
