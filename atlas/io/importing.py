"""Bring lists in: CSV and XLSX (and our own GeoJSON and vCard) in stages a wizard can show.

1. :func:`read_table` (:mod:`atlas.io.tables`) reads the file into a :class:`RawTable`
   (headings, rows of text with their row numbers), detecting encoding and separator the
   way German Excel writes them; both can be overridden. Oversized files, zip bombs and XML
   entity bombs are refused before any parsing.
2. :func:`suggest_mapping` maps columns to fields by their headings (German and English),
   after the mapping the user saved last time (:class:`MappingStore`).
3. :func:`prepare` turns the rows into an :class:`ImportPlan`: cleaned values per row,
   errors per row (row, column heading, German reason), duplicates within the file and
   against the database, and the categories, target groups, sectors and quarters the list
   names that do not exist yet (:class:`NewTerm`; with ``create_terms=False`` they are
   errors instead). Nothing is written.
4. :func:`apply` writes the plan in one transaction: all or nothing — the new terms too
   (each created, or mapped to an existing term the user chose in ``term_choices``).
5. :func:`write_rejects` writes the rejected rows with their reasons as a CSV report;
   :func:`rejects_path` says where (beside the list if that folder takes a file).

Stage 2 lives in :mod:`atlas.io.import_fields`, duplicate detection in
:mod:`atlas.io.import_duplicates`; their public names are re-exported here.

Validation uses the entity specs (:mod:`atlas.records.schema`) and ``RecordService.validate``, so an
imported row obeys exactly the rules of the forms.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atlas import models as m
from atlas.core import Atlas
from atlas.errors import ValidationError
from atlas.files import atomic_write, csv_bytes
from atlas.i18n import _
from atlas.io.import_duplicates import (
    DUPLICATE_THRESHOLD,
    Duplicate,
    _find_duplicates,
    late_duplicates,
    normalise_name,
    similarity,
)
from atlas.io.import_fields import (
    IMPORT_FIELDS,
    KINDS,
    ImportField,
    MappingStore,
    heading_key,
    import_fields,
    mapping_problems,
    suggest_mapping,
)
from atlas.io.import_rows import (
    MAX_TERM_NAME,
    QUARTER,
    TERM_LABELS,
    TERM_VOCABULARIES,
    NewTerm,
    RowError,
    _Builder,
    _Lookups,
    _Row,
    close_names,
    load_terms,
    split_person_name,
    term_key,
    term_keys,
)
from atlas.io.tables import (
    ENCODINGS,
    MAX_FILE_BYTES,
    SEPARATORS,
    Cancelled,
    FileRefused,
    ImportCancelled,
    ImportFailed,
    Progress,
    RawTable,
    detect_encoding,
    detect_separator,
    read_table,
)
from atlas.records import ENTITIES, Kind, search
from atlas.text import address_line, clean, fold
from atlas.writelock import lock_for_writing

__all__ = [
    "DUPLICATE_THRESHOLD",
    "ENCODINGS",
    "IMPORT_FIELDS",
    "KINDS",
    "MAX_FILE_BYTES",
    "SEPARATORS",
    "TERM_LABELS",
    "TERM_VOCABULARIES",
    "Duplicate",
    "FileRefused",
    "ImportCancelled",
    "ImportFailed",
    "ImportField",
    "ImportPlan",
    "ImportRefused",
    "ImportResult",
    "MappingStore",
    "NewTerm",
    "PlannedRow",
    "RawTable",
    "RowError",
    "TermChoices",
    "apply",
    "close_names",
    "detect_encoding",
    "detect_separator",
    "heading_key",
    "import_fields",
    "mapping_problems",
    "normalise_name",
    "prepare",
    "read_table",
    "rejects_path",
    "remembered_choices",
    "similarity",
    "split_person_name",
    "suggest_mapping",
    "term_key",
    "writable_folder",
    "write_rejects",
]

Choice = Literal["merge", "skip", "import"]
CHOICES: tuple[Choice, ...] = ("merge", "skip", "import")
#: (vocabulary or "quarter", NewTerm.key) -> id of the existing term or quarter to use instead.
TermChoices = Mapping[tuple[str, str], int]


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


# ---------------------------------------------------------------------------
# 3. Preparing: values, errors, duplicates
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedRow:
    row: int
    cells: tuple[str, ...]
    title: str
    values: Mapping[str, Any]  # cleaned record values (spec field names, ids for links)
    errors: tuple[RowError, ...] = ()
    contact: Mapping[str, Any] | None = None  # institutions: the contact person to add
    notes: tuple[RowError, ...] = ()  # values the import changed (a postcode's leading 0)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Timings:
    """Seconds spent per stage (for the benchmark)."""

    validate: float = 0.0
    dedupe: float = 0.0


@dataclass(frozen=True)
class ImportPlan:
    kind: str
    source: str
    headers: tuple[str, ...]
    mapping: Mapping[int, str]
    rows: tuple[PlannedRow, ...]
    duplicates: tuple[Duplicate, ...]
    timings: Timings = field(default_factory=Timings)
    new_terms: tuple[NewTerm, ...] = ()  # named in the list, not in the database yet
    # The highest id of the kind when the rows were checked: ``apply`` checks the rows
    # again, with the write lock held, against the records stored since (None: all).
    checked_up_to: int | None = None

    def new_term(self, vocabulary: str, name: str) -> NewTerm | None:
        key = term_key(name)
        return next((t for t in self.new_terms if (t.vocabulary, t.key) == (vocabulary, key)), None)

    @property
    def valid_rows(self) -> tuple[PlannedRow, ...]:
        return tuple(r for r in self.rows if r.ok)

    @property
    def invalid_rows(self) -> tuple[PlannedRow, ...]:
        return tuple(r for r in self.rows if not r.ok)

    @property
    def errors(self) -> tuple[RowError, ...]:
        return tuple(e for r in self.rows for e in r.errors)

    @property
    def notes(self) -> tuple[RowError, ...]:
        """Per row, what the import changed in a valid value (e.g. "4604" -> "04604")."""
        return tuple(n for r in self.rows for n in r.notes)

    def duplicate_of(self, row: int) -> Duplicate | None:
        for d in self.duplicates:
            if d.row == row:
                return d
        return None

    @property
    def consent_unknown(self) -> int:
        """Valid contact rows that arrive with "Einwilligung: unbekannt" (to be asked)."""
        if self.kind != "contact":
            return 0
        return sum(
            1 for r in self.valid_rows if r.values.get("consent_state") == m.ConsentState.UNKNOWN.value
        )

    def summary(self) -> str:
        text = _("{valid} gültige Zeile(n), {invalid} fehlerhaft, {dups} mögliche Dublette(n).").format(
            valid=len(self.valid_rows), invalid=len(self.invalid_rows), dups=len(self.duplicates)
        )
        if self.consent_unknown:
            text += " " + _("{n} davon mit „Einwilligung: unbekannt“.").format(n=self.consent_unknown)
        if self.new_terms:
            text += " " + _("Neu anzulegen: {terms}.").format(
                terms=", ".join(t.label for t in self.new_terms)
            )
        return text


# Which mapped field's heading an error of a spec field is shown under.
_ERROR_FIELD = {
    "category_id": "category",
    "sector_id": "sector",
    "quarter_id": "quarter",
    "institution_id": "institution",
    "target_groups": "target_groups",
}


def _title(kind: str, values: Mapping[str, Any], cells: Sequence[str]) -> str:
    if kind == "contact":
        return " ".join(str(values[k]) for k in ("first_name", "last_name") if values.get(k))
    name = values.get("title" if kind == "offer" else "name")
    if name:
        return str(name)
    return next((c for c in cells if c.strip()), "")


def prepare(
    atlas: Atlas,
    kind: str,
    table: RawTable,
    mapping: Mapping[int, str],
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    create_terms: bool = True,
) -> ImportPlan:
    """Check every row and find duplicates; write nothing.

    ``mapping`` is column index -> field name (:func:`import_fields`). Raises
    :class:`ImportFailed` when a required field has no column. Categories, target groups,
    sectors and quarters the database does not know yet become ``plan.new_terms`` (created
    by :func:`apply`); with ``create_terms=False`` a row naming one is invalid instead.
    """
    problems = mapping_problems(kind, table.headers, mapping)
    if problems:
        raise ImportFailed(" ".join(problems))
    headings: dict[str, str] = {name: table.headers[index] for index, name in mapping.items()}
    for spec_name, name in _ERROR_FIELD.items():
        if name in headings:
            headings[spec_name] = headings[name]
    spec = ENTITIES[kind]
    for f in spec.fields:
        headings.setdefault(f.name, f.label)
    if "house_number" in headings and "street" not in mapping.values():
        headings["street"] = headings["house_number"]
    if "contact_name" in headings:
        headings.setdefault("last_name", headings["contact_name"])
    if kind == "contact" and "full_name" in headings:
        headings.setdefault("first_name", headings["full_name"])
        headings["last_name"] = headings.get("last_name", headings["full_name"])
        if "last_name" not in mapping.values():
            headings["last_name"] = headings["full_name"]

    started = time.perf_counter()
    with atlas.sessions() as session:
        lookups = _Lookups.load(session, kind)
        checked_up_to = session.scalar(select(func.max(ENTITIES[kind].model.id))) or 0
    builder = _Builder(kind, lookups, headings, new_terms=create_terms)
    service = atlas.records[kind]
    contact_service = atlas.records["contact"]
    width = len(table.headers)
    columns = sorted(mapping.items())
    multiline = {f.name for f in spec.fields if f.kind is Kind.MULTILINE}
    planned: list[PlannedRow] = []
    total = len(table.rows)
    for n, (number, cells) in enumerate(table.rows):
        if n % 500 == 0:
            if cancelled is not None and cancelled():
                raise ImportCancelled()
            if progress is not None:
                progress(n, total)
        row = _Row(number, headings)
        raw: dict[str, str] = {}
        for index, name in columns:
            if index < len(cells):
                value = clean(cells[index])
                if value is not None:
                    if name not in multiline and ("\n" in value or "\r" in value):
                        value = " ".join(value.split())  # a line break in a one-line field
                    raw[name] = value
        for index in range(width, len(cells)):
            if cells[index].strip():
                row.errors.append(
                    RowError(
                        number,
                        _("Spalte {n}").format(n=index + 1),
                        _(
                            "Mehr Werte als Spaltenüberschriften – steht ein Trennzeichen ohne Anführungszeichen im Text?"
                        ),
                    )
                )
                break
        values, contact = builder.build(row, raw)
        clean_values: dict[str, Any] = {}
        link_errors = {e.column for e in row.errors}
        try:
            clean_values = service.validate({k: v for k, v in values.items() if v is not None}, creating=True)
        except ValidationError as err:
            for name, message in err.errors.items():
                heading = headings.get(name, name)
                if heading not in link_errors:
                    row.error(name, message)
        if kind == "institution" and contact is not None:
            try:
                contact = contact_service.validate(
                    {k: v for k, v in contact.items() if v is not None}, creating=True
                )
            except ValidationError as err:
                for name, message in err.errors.items():
                    row.error("contact_function" if name == "function" else "contact_name", message)
        planned.append(
            PlannedRow(
                row=number,
                cells=tuple(cells),
                title=_title(kind, clean_values or values, cells),
                values=clean_values if not row.errors else {},
                errors=tuple(row.errors),
                contact=contact if not row.errors else None,
                notes=tuple(row.notes),
            )
        )
    validated = time.perf_counter()
    if progress is not None:
        progress(total, total)
    duplicates = _find_duplicates(kind, planned, lookups, cancelled)
    done = time.perf_counter()
    return ImportPlan(
        kind=kind,
        source=table.source,
        headers=table.headers,
        mapping=dict(mapping),
        rows=tuple(planned),
        duplicates=tuple(duplicates),
        timings=Timings(validate=validated - started, dedupe=done - validated),
        new_terms=lookups.collected(),
        checked_up_to=checked_up_to,
    )


# ---------------------------------------------------------------------------
# 4. Writing, in one transaction
# ---------------------------------------------------------------------------


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
            created_terms, mapped_terms = _resolve_new_terms(
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


# A colour for each new category, as the seeded ones have (the map's markers and legend).
_NEW_CATEGORY_COLORS = (
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02",
    "#a6761d", "#17becf", "#bcbd22", "#8c564b", "#9467bd", "#2ca02c",
)  # fmt: skip
_TERM_FIELDS = ("category_id", "sector_id", "quarter_id")


def _resolve_new_terms(
    session: Session, plan: ImportPlan, written: Sequence[dict[str, Any]], choices: TermChoices
) -> tuple[list[NewTerm], list[tuple[NewTerm, str]]]:
    """Create (or map) the new terms the written rows use and put their ids into the rows.

    Runs inside :func:`apply`'s transaction, so a cancelled or failed import leaves none
    behind. Returns the terms created and the terms mapped to existing names."""
    if not plan.new_terms:
        return [], []
    used: set[int] = set()
    for values in written:
        used.update(values[f] for f in _TERM_FIELDS if isinstance(values.get(f), int) and values[f] < 0)
        used.update(t for t in values.get("target_groups") or () if t < 0)
    wanted = [t for t in plan.new_terms if t.placeholder in used]
    if not wanted:
        return [], []
    existing, names = load_terms(session)
    colors = [c for c in _NEW_CATEGORY_COLORS if c not in _category_colors(session)]
    real: dict[int, int] = {}
    created: list[NewTerm] = []
    mapped: list[tuple[NewTerm, str]] = []
    fresh: list[tuple[NewTerm, m.Term | m.Quarter]] = []
    for term in wanted:
        known = existing.get(term.vocabulary, {})
        chosen = choices.get((term.vocabulary, term.key))
        if chosen is not None:
            chosen_name = names.get(term.vocabulary, {}).get(chosen)
            if chosen_name is None:
                raise ImportFailed(
                    _(
                        "Den für {term} gewählten Eintrag gibt es nicht mehr. Bitte die Zuordnung neu "
                        "wählen; es wurde nichts importiert."
                    ).format(term=term.label)
                )
            real[term.placeholder] = chosen
            mapped.append((term, chosen_name))
            continue
        there = next((known[k] for k in term_keys(term.name) if k in known), None)
        if there is not None:  # created meanwhile (another window, another coach)
            real[term.placeholder] = there
            continue
        name = (clean(term.name) or term.name)[:MAX_TERM_NAME]
        record: m.Term | m.Quarter
        if term.vocabulary == QUARTER:
            record = m.Quarter(name=name)
        else:
            color = colors.pop(0) if term.vocabulary == m.Vocabulary.CATEGORY.value and colors else None
            record = m.Term(vocabulary=term.vocabulary, name=name, color=color)
        session.add(record)
        fresh.append((term, record))
        created.append(term)
    if fresh:
        session.flush()
        for term, record in fresh:
            real[term.placeholder] = record.id
    for values in written:
        for f in _TERM_FIELDS:
            value = values.get(f)
            if isinstance(value, int) and value < 0:
                values[f] = real.get(value)
        if values.get("target_groups"):
            values["target_groups"] = sorted({real.get(t, t) for t in values["target_groups"]})
    return created, mapped


def _category_colors(session: Session) -> set[str]:
    stmt = select(m.Term.color).where(m.Term.vocabulary == m.Vocabulary.CATEGORY.value)
    return {c for c in session.scalars(stmt) if c}


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


# ---------------------------------------------------------------------------
# 5. The report of rejected rows
# ---------------------------------------------------------------------------


def remembered_choices(
    atlas: Atlas, plan: ImportPlan, remembered: Mapping[tuple[str, str], str]
) -> dict[tuple[str, str], int]:
    """The term choices the user made for these names before (:meth:`MappingStore.load_terms`),
    as ids for :func:`apply`; a remembered term that is gone no longer counts."""
    if not plan.new_terms or not remembered:
        return {}
    with atlas.sessions() as session:
        known, _names = load_terms(session)
    choices: dict[tuple[str, str], int] = {}
    for term in plan.new_terms:
        name = remembered.get((term.vocabulary, term.key))
        if name:
            ids = known.get(term.vocabulary, {})
            found = next((ids[k] for k in term_keys(name) if k in ids), None)
            if found is not None:
                choices[(term.vocabulary, term.key)] = found
    return choices


def writable_folder(folder: Path) -> bool:
    """Whether a file can be created in ``folder``: tried for real (``os.access`` says yes to
    root everywhere and knows nothing of read-only mounts or network shares)."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".stadtteil-atlas-probe-"):
            return True
    except OSError:
        return False


def rejects_path(source: Path | str, fallback: Path | None = None) -> Path:
    """Where the rejects report of ``source`` goes: beside it ("liste-abgelehnt.csv") when
    that folder takes a file, otherwise into ``fallback`` (the window passes the documents
    folder Qt knows; default: ``platformdirs.user_documents_path()``)."""
    source = Path(source)
    name = f"{source.stem}-abgelehnt.csv"
    if writable_folder(source.parent):
        return source.with_name(name)
    if fallback is None:
        from platformdirs import user_documents_path

        fallback = user_documents_path()
    return Path(fallback) / name


def write_rejects(plan: ImportPlan, path: Path | str) -> int:
    """Write the invalid rows, their row numbers and reasons as CSV (Excel-ready).

    The original columns come first, so the file can be corrected and imported again
    (the two added columns "Zeile" and "Fehler" are not mapped). Returns the row count.
    """
    width = len(plan.headers)
    header = [*plan.headers, _("Zeile"), _("Fehler")]
    rows = [
        [
            *(list(r.cells[:width]) + [""] * (width - len(r.cells))),
            str(r.row),
            "; ".join(f"{e.column}: {e.message}" for e in r.errors),
        ]
        for r in plan.invalid_rows
    ]
    data = csv_bytes(header, rows)
    with contextlib.suppress(OSError):  # the documents folder may not exist yet
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(Path(path), lambda out: out.write(data))
    return len(rows)
