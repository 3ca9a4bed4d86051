"""Import stage 4: :func:`apply` writes an :class:`ImportPlan` in one transaction.

All or nothing: the rows (new records, or merged into existing ones or earlier rows as
the user chose per duplicate), the contact persons of an institution list, and the new
terms they use (:mod:`atlas.io.import_terms`). The duplicates are checked again with the
write lock held, against the records stored since the preview.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atlas import models as m
from atlas.core import Atlas
from atlas.i18n import _
from atlas.io.import_duplicates import late_duplicates
from atlas.io.import_plan import ImportPlan
from atlas.io.import_rows import QUARTER, NewTerm
from atlas.io.import_terms import TermChoices, resolve_new_terms
from atlas.io.tables import Cancelled, ImportCancelled, ImportFailed, Progress
from atlas.records import ENTITIES, Kind, search
from atlas.text import address_line, fold
from atlas.writelock import lock_for_writing

Choice = Literal["merge", "skip", "import"]
CHOICES: tuple[Choice, ...] = ("merge", "skip", "import")


class ImportRefused(ImportFailed):
    """:func:`apply` without ``skip_invalid`` on a plan with invalid rows."""

    def __init__(self, plan: ImportPlan) -> None:
        n = len(plan.invalid_rows)
        super().__init__(
            _(
                "{n} Zeile(n) sind fehlerhaft. Es wurde nichts importiert. "
                "Bitte die Datei korrigieren oder nur die gültigen Zeilen importieren."
            ).format(n=n)
        )
        self.plan = plan


@dataclass(frozen=True)
class ImportResult:
    kind: str
    created: int
    merged: int
    skipped_invalid: int
    skipped_duplicates: int
    duplicates: int  # found (database and file)
    contacts_created: int = 0
    consent_unknown: int = 0  # contacts created with "Einwilligung: unbekannt"
    created_ids: tuple[int, ...] = ()
    merged_ids: tuple[int, ...] = ()
    seconds: float = 0.0
    terms_created: tuple[NewTerm, ...] = ()
    terms_mapped: tuple[tuple[NewTerm, str], ...] = ()  # (the file's value, the existing name used)

    @property
    def quarters_without_boundary(self) -> tuple[str, ...]:
        """The quarters this import created: they have no boundary yet."""
        return tuple(t.name for t in self.terms_created if t.vocabulary == QUARTER)

    def summary(self) -> str:
        """One German line: imported, skipped, duplicates."""
        text = _(
            "{what}: {created} importiert, {merged} zusammengeführt, "
            "{invalid} fehlerhafte Zeile(n) übersprungen, {dup_skipped} Dublette(n) übersprungen "
            "({dups} Dublette(n) gefunden)."
        ).format(
            what=ENTITIES[self.kind].plural,
            created=self.created,
            merged=self.merged,
            invalid=self.skipped_invalid,
            dup_skipped=self.skipped_duplicates,
            dups=self.duplicates,
        )
        if self.contacts_created:
            text += " " + _("{n} Ansprechperson(en) als Kontakte angelegt.").format(n=self.contacts_created)
        if self.consent_unknown:
            text += " " + _(
                "{n} Kontakt(e) mit „Einwilligung: unbekannt“ – bitte nachfragen (Datenschutz → Einwilligungen prüfen)."
            ).format(n=self.consent_unknown)
        if self.terms_created:
            text += " " + _("Neu angelegt: {terms}.").format(
                terms=", ".join(t.label for t in self.terms_created)
            )
        if self.terms_mapped:
            text += " " + _("Zugeordnet: {pairs}.").format(
                pairs=", ".join(f"{t.label} → „{name}“" for t, name in self.terms_mapped)
            )
        return text


_LINK_KINDS = (Kind.TERMS, Kind.REFS)
_CHUNK = 1000


def _insert_columns(kind: str) -> list[str]:
    return [f.name for f in ENTITIES[kind].fields if f.kind not in _LINK_KINDS]


def _fill_gaps(target: dict[str, Any], other: Mapping[str, Any]) -> None:
    for name, value in other.items():
        if name == "target_groups":
            target[name] = sorted(set(target.get(name) or []) | set(value or []))
        elif target.get(name) in (None, "") and value not in (None, ""):
            target[name] = value


def apply(
    atlas: Atlas,
    plan: ImportPlan,
    skip_invalid: bool = False,
    duplicate_choices: Mapping[int, Choice] | None = None,
    default_choice: Choice = "skip",
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    term_choices: TermChoices | None = None,
) -> ImportResult:
    """Write the plan in ONE transaction: everything or nothing.

    Invalid rows: with ``skip_invalid`` they are left out, otherwise nothing is written
    (:class:`ImportRefused`). Duplicates: ``duplicate_choices[row]`` (else
    ``default_choice``) — ``"merge"`` fills the empty fields of the existing record (or of
    the earlier row) with this row's values and never overwrites, ``"skip"`` leaves the row
    out, ``"import"`` creates it anyway. Cancelling rolls everything back
    (:class:`ImportCancelled`).

    New terms (``plan.new_terms``) that a written row uses are created first, in the same
    transaction, unless ``term_choices[(vocabulary, key)]`` names an existing term or
    quarter to use instead; a term that someone created meanwhile is used as it is.
    """
    started = time.perf_counter()
    if plan.invalid_rows and not skip_invalid:
        raise ImportRefused(plan)
    choices = dict(duplicate_choices or {})
    for row, choice in choices.items():
        if choice not in CHOICES:
            raise ImportFailed(_("Zeile {row}: unbekannte Wahl „{choice}“.").format(row=row, choice=choice))
    kind = plan.kind
    dup_by_row = {d.row: d for d in plan.duplicates}

    # Decide per valid row: a new record, or merged into an existing one / an earlier row.
    new_rows: dict[int, dict[str, Any]] = {}  # row -> values of the record to create
    new_contacts: dict[int, list[Mapping[str, Any]]] = {}
    merge_db: dict[int, dict[str, Any]] = {}  # existing id -> values to fill in
    merge_db_contacts: dict[int, list[Mapping[str, Any]]] = {}
    target_of: dict[int, tuple[str, int]] = {}  # row -> ("new", row) or ("db", id)
    skipped = 0
    for planned in plan.valid_rows:
        dup = dup_by_row.get(planned.row)
        choice = choices.get(planned.row, default_choice) if dup is not None else "import"
        target: tuple[str, int] | None = None
        if dup is not None and choice == "merge":
            if dup.existing_id is not None:
                target = ("db", dup.existing_id)
            elif dup.other_row is not None:
                target = target_of.get(dup.other_row)
        if choice == "skip":
            skipped += 1
            continue
        values = dict(planned.values)
        if target is None:  # a new record (also a merge whose partner row was not imported)
            new_rows[planned.row] = values
            target_of[planned.row] = ("new", planned.row)
            if planned.contact:
                new_contacts.setdefault(planned.row, []).append(planned.contact)
            continue
        target_of[planned.row] = target
        where, key = target
        if where == "new":
            _fill_gaps(new_rows[key], values)
            if planned.contact:
                new_contacts.setdefault(key, []).append(planned.contact)
        else:
            _fill_gaps(merge_db.setdefault(key, {}), values)
            if planned.contact:
                merge_db_contacts.setdefault(key, []).append(planned.contact)

    spec = ENTITIES[kind]
    model = spec.model
    columns = _insert_columns(kind)
    total = len(new_rows) + len(merge_db)
    done = 0
    created_ids: dict[int, int] = {}
    contacts_created = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if cancelled is not None and cancelled():
            raise ImportCancelled()
        if progress is not None:
            progress(done, total)

    with atlas.sessions() as session:
        try:
            # Duplicates are checked again inside this transaction, with the write lock
            # held: the same list imported twice at once is written once.
            lock_for_writing(session, "import")
            _refuse_late_duplicates(session, plan, new_rows)
            created_terms, mapped_terms = resolve_new_terms(
                session, plan, [*new_rows.values(), *merge_db.values()], term_choices or {}
            )
            rows = list(new_rows.items())
            for start in range(0, len(rows), _CHUNK):
                chunk = rows[start : start + _CHUNK]
                params = [_insert_params(kind, columns, values) for _row, values in chunk]
                if kind == "institution":
                    _place_new(atlas, session, params)
                # render_nulls: one statement per chunk; without it the ORM splits the
                # rows into a batch per pattern of empty fields (20x slower).
                stmt = (
                    insert(model)
                    .returning(model.id, sort_by_parameter_order=True)
                    .execution_options(render_nulls=True)
                )
                ids = list(session.scalars(stmt, params))
                for (row, _values), new_id in zip(chunk, ids, strict=True):
                    created_ids[row] = new_id
                step(len(chunk))
            if kind == "offer":
                links = [
                    {"offer_id": created_ids[row], "term_id": term_id}
                    for row, values in rows
                    for term_id in values.get("target_groups") or []
                ]
                for start in range(0, len(links), 5000):
                    session.execute(insert(m.offer_target_group), links[start : start + 5000])
            merged_ids = sorted(merge_db)
            for start in range(0, len(merged_ids), _CHUNK):
                chunk_ids = merged_ids[start : start + _CHUNK]
                objs = {o.id: o for o in session.scalars(select(model).where(model.id.in_(chunk_ids)))}
                for record_id in chunk_ids:
                    obj = objs.get(record_id)
                    if obj is None:
                        raise ImportFailed(
                            _(
                                "„{title}“ wurde inzwischen gelöscht. Bitte die Vorschau neu erstellen; "
                                "es wurde nichts importiert."
                            ).format(title=record_id)
                        )
                    _merge_into(atlas, session, obj, merge_db[record_id])
                session.flush()
                step(len(chunk_ids))
            # New records have no dependants yet (their contacts are indexed when added).
            search.reindex(session.connection(), kind, created_ids.values())
            if kind == "institution":
                contacts_created = _add_contacts(
                    session,
                    [(created_ids[row], c) for row, cs in new_contacts.items() for c in cs]
                    + [(iid, c) for iid, cs in merge_db_contacts.items() for c in cs],
                )
            if cancelled is not None and cancelled():
                raise ImportCancelled()
            session.commit()
        except IntegrityError as err:
            session.rollback()
            raise ImportFailed(
                _(
                    "Die Daten haben sich inzwischen geändert (ein verknüpfter Eintrag fehlt). "
                    "Bitte die Vorschau neu erstellen; es wurde nichts importiert."
                )
            ) from err
        except BaseException:
            session.rollback()
            raise
    consent_unknown = (
        sum(1 for values in new_rows.values() if values.get("consent_state") == m.ConsentState.UNKNOWN.value)
        if kind == "contact"
        else 0
    ) + contacts_created  # an institution list's contact persons were never asked
    changed = {kind} | ({"contact"} if contacts_created else set())
    if any(t.vocabulary == QUARTER for t in created_terms):
        changed.add("quarter")
    if any(t.vocabulary != QUARTER for t in created_terms):
        changed.add("term")
    all_ids = sorted(created_ids.values()) + sorted(merge_db)
    if all_ids or contacts_created:
        atlas.changes.emit(changed, all_ids)
    return ImportResult(
        kind=kind,
        created=len(created_ids),
        merged=len(merge_db),
        skipped_invalid=len(plan.invalid_rows),
        skipped_duplicates=skipped,
        duplicates=len(plan.duplicates),
        contacts_created=contacts_created,
        consent_unknown=consent_unknown,
        created_ids=tuple(sorted(created_ids.values())),
        merged_ids=tuple(sorted(merge_db)),
        seconds=time.perf_counter() - started,
        terms_created=tuple(created_terms),
        terms_mapped=tuple(mapped_terms),
    )


def _refuse_late_duplicates(session: Session, plan: ImportPlan, new_rows: Mapping[int, Any]) -> None:
    """Raise ImportFailed when rows to be created are like records stored after the
    plan was made (another import or window meanwhile); nothing is written then."""
    checked = {d.row for d in plan.duplicates if d.existing_id is not None}
    rows = [r for r in plan.valid_rows if r.row in new_rows and r.row not in checked]
    late = late_duplicates(session, plan.kind, rows, plan.checked_up_to or 0)
    if plan.checked_up_to is None:  # a plan without the mark: only records it did not know
        known = {d.existing_id for d in plan.duplicates}
        late = [d for d in late if d.existing_id not in known]
    if late:
        shown = "\n".join(d.describe() for d in late[:5])
        more = _("… und {n} weitere.").format(n=len(late) - 5) if len(late) > 5 else ""
        raise ImportFailed(
            _(
                "Seit der Prüfung wurden {n} dieser Einträge an anderer Stelle angelegt "
                "(zum Beispiel von einem zweiten Import derselben Liste):"
            ).format(n=len(late))
            + "\n"
            + shown
            + (("\n" + more) if more else "")
            + "\n"
            + _("Es wurde nichts importiert. Bitte die Liste noch einmal prüfen lassen.")
        )


def _insert_params(kind: str, columns: Sequence[str], values: Mapping[str, Any]) -> dict[str, Any]:
    params = {name: values.get(name) for name in columns}
    if kind == "institution":
        if params.get("is_public") is None:
            params["is_public"] = True
        params["quarter_manual"] = params.get("quarter_id") is not None
    return params


def _place_new(atlas: Atlas, session: Session, params: Sequence[dict[str, Any]]) -> None:
    """New institutions as a form places them (``atlas.geo.quarters.place_after_save``): a pin
    from the file is kept as set by hand and puts the institution into its quarter unless
    the file names one; an address without a pin waits for the geocoder ("pending")."""
    placed = [p for p in params if p.get("lat") is not None and p.get("lon") is not None]
    open_quarter = [p for p in placed if p.get("quarter_id") is None]
    if open_quarter:
        found = atlas.boundaries.index(session).assign([(p["lat"], p["lon"]) for p in open_quarter])
        for p, quarter_id in zip(open_quarter, found, strict=True):
            p["quarter_id"] = quarter_id  # quarter_manual stays False: it follows the pin
    for p in params:
        if p.get("lat") is not None and p.get("lon") is not None:
            p["geocode_status"] = m.GeocodeState.MANUAL.value
        elif address_line(p.get("street"), p.get("postcode"), p.get("city")):
            p["geocode_status"] = m.GeocodeState.PENDING.value
        else:
            p["geocode_status"] = None


def _merge_into(atlas: Atlas, session: Session, obj: m.Record, values: Mapping[str, Any]) -> None:
    """Fill the record's empty fields; never overwrite what is there."""
    if isinstance(obj, m.Institution):
        from atlas.geo import place_after_save

        keys = ("id", "quarter_id", "lat", "lon", "street", "postcode", "city")
        before = {k: getattr(obj, k) for k in keys}
        filled = _fill_record(session, obj, values)
        place_after_save(
            obj, filled, before, lambda lat, lon: atlas.boundaries.index(session).quarter_at(lat, lon)
        )
        return
    _fill_record(session, obj, values)


def _fill_record(session: Session, obj: m.Record, values: Mapping[str, Any]) -> dict[str, Any]:
    """Set the given values on the record's empty fields; return what was set."""
    filled: dict[str, Any] = {}
    for name, value in values.items():
        if name == "target_groups" and isinstance(obj, m.Offer):
            have = {t.id for t in obj.target_groups}
            extra = set(value or []) - have
            if extra:
                obj.target_groups.extend(session.scalars(select(m.Term).where(m.Term.id.in_(extra))))
        elif name in ("is_public", "status"):
            continue  # a default of the file must not change the record
        elif getattr(obj, name, None) in (None, "") and value not in (None, ""):
            setattr(obj, name, value)
            filled[name] = value
    return filled


def _add_contacts(session: Session, pairs: Sequence[tuple[int, Mapping[str, Any]]]) -> int:
    """Contacts from an institution list's "Ansprechperson" column; a person already
    known at that institution (same name) is not added twice."""
    if not pairs:
        return 0
    institution_ids = sorted({i for i, _c in pairs})
    known: set[tuple[int, str]] = set()
    c = m.Contact
    for start in range(0, len(institution_ids), 500):
        chunk = institution_ids[start : start + 500]
        for inst, first, last in session.execute(
            select(c.institution_id, c.first_name, c.last_name).where(c.institution_id.in_(chunk))
        ):
            known.add((inst or 0, fold(f"{first or ''} {last}")))
    columns = _insert_columns("contact")
    params = []
    for inst, contact in pairs:
        key = (inst, fold(f"{contact.get('first_name') or ''} {contact['last_name']}"))
        if key in known:
            continue
        known.add(key)
        params.append({**{n: contact.get(n) for n in columns}, "institution_id": inst})
    ids: list[int] = []
    for start in range(0, len(params), _CHUNK):
        stmt = (
            insert(m.Contact)
            .returning(m.Contact.id, sort_by_parameter_order=True)
            .execution_options(render_nulls=True)
        )
        ids += session.scalars(stmt, params[start : start + _CHUNK])
    search.reindex(session.connection(), "contact", ids)
    return len(ids)
