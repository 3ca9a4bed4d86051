"""Import stage 3: :func:`prepare` turns the rows into an :class:`ImportPlan`; nothing is written.

Cleaned values per row (:class:`PlannedRow`), errors per row (row, column heading, German
reason), duplicates within the file and against the database (:mod:`atlas.io.import_duplicates`),
and the categories, target groups, sectors and quarters the list names that do not exist
yet (:class:`NewTerm`). The rows are built by :mod:`atlas.io.import_rows`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import func, select

from atlas import models as m
from atlas.core import Atlas
from atlas.errors import ValidationError
from atlas.i18n import _
from atlas.io.import_duplicates import Duplicate, find_duplicates
from atlas.io.import_fields import mapping_problems
from atlas.io.import_rows import Lookups, NewTerm, RowBuilder, RowDraft, RowError, term_key
from atlas.io.tables import Cancelled, ImportCancelled, ImportFailed, Progress, RawTable
from atlas.records import ENTITIES, Kind
from atlas.text import clean


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

    def warm(self) -> ImportPlan:
        """Compute the passes over all rows now (on the worker that checked them), so that
        the check page on the GUI thread only reads them: at 10,000 rows they took 150 ms."""
        for _part in (self.valid_rows, self.invalid_rows, self.errors, self.notes):
            pass
        return self

    def new_term(self, vocabulary: str, name: str) -> NewTerm | None:
        key = term_key(name)
        return next((t for t in self.new_terms if (t.vocabulary, t.key) == (vocabulary, key)), None)

    # Passes over every row, asked several times while the check page is shown: computed
    # once (the wizard asks them first on its worker, see ``warm``).
    @cached_property
    def valid_rows(self) -> tuple[PlannedRow, ...]:
        return tuple(r for r in self.rows if r.ok)

    @cached_property
    def invalid_rows(self) -> tuple[PlannedRow, ...]:
        return tuple(r for r in self.rows if not r.ok)

    @cached_property
    def errors(self) -> tuple[RowError, ...]:
        return tuple(e for r in self.rows for e in r.errors)

    @cached_property
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
        lookups = Lookups.load(session, kind)
        checked_up_to = session.scalar(select(func.max(ENTITIES[kind].model.id))) or 0
    builder = RowBuilder(kind, lookups, headings, new_terms=create_terms)
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
        row = RowDraft(number, headings)
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
    duplicates = find_duplicates(kind, planned, lookups, cancelled)
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
