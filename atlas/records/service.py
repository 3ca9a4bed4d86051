"""One service per entity: list, read, validate and save, delete with undo.

Every public method is one unit of work: it opens a session, does the whole
action and commits, or rolls back and raises. It hands out plain data
(:class:`RecordData`, tuples of display values), never ORM objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy import delete as sql_delete
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from atlas import models as m
from atlas.changes import ChangeBus
from atlas.clock import SYSTEM, Clock
from atlas.errors import ConflictError, DuplicateWarning, NotFoundError, ValidationError
from atlas.i18n import _
from atlas.records import consent, deletion, duplicates, search, snapshot
from atlas.records.listing import CONSENT_LABELS, STATUS_LABELS, columns, filters_where
from atlas.records.schema import ENTITIES, EntitySpec, FilterKind, Kind
from atlas.records.values import coerce, sort_key, sorted_in_slices
from atlas.text import format_date, format_datetime

# Fields checked against each other (see ``RecordService._cross_checks``).
#: Rows of a list query fetched at a time (see ``_ordered``).
FETCH_PART = 2048
_CROSS_FIELDS = ("valid_from", "valid_to", "lat", "lon", "consent_state", "consent_date", "consent_purpose")


@dataclass(frozen=True)
class RecordData:
    """A record as the UI sees it: field values by name, plus id and version."""

    entity: str
    id: int
    version: int
    title: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class DeletedRecord:
    """What :meth:`RecordService.delete` returns; pass it to ``restore`` to undo."""

    entity: str
    id: int
    title: str
    snapshot: snapshot.Snapshot


#: ``hook(session, obj, values, before)``: runs in ``RecordService.save`` after the
#: values are assigned and before the flush. ``values`` are the validated values of
#: the save, ``before`` the stored column values (all None for a new record).
SaveHook = Callable[[Session, m.Record, Mapping[str, Any], Mapping[str, Any]], None]


class RecordService:
    """List, read, save and delete records of one entity."""

    def __init__(
        self, spec: EntitySpec, sessions: sessionmaker[Session], changes: ChangeBus, clock: Clock = SYSTEM
    ) -> None:
        self.spec = spec
        self._clock = clock
        self._sessions = sessions
        self._changes = changes
        self._list_stmt, self._cols = columns(spec.key)
        self._save_hooks: list[SaveHook] = []
        self._computed: dict[str, Callable[[], Mapping[int, str]]] = {}

    def add_save_hook(self, hook: SaveHook) -> None:
        """Let another service keep derived columns consistent within the same save
        (e.g. an institution's quarter follows its coordinates)."""
        self._save_hooks.append(hook)

    def set_computed(self, key: str, values: Callable[[], Mapping[int, str]]) -> None:
        """Let list column ``key`` show, sort and filter by a computed value (by id) instead
        of the stored one (the actors' status: computed from attendance, not the recorded stage)."""
        self._computed[key] = values

    # -- lists ---------------------------------------------------------------
    def list_ids(
        self,
        text: str = "",
        filters: Mapping[FilterKind, Any] | None = None,
        sort: str | None = None,
        descending: bool = False,
    ) -> list[int]:
        """Ids of the records matching the search text and filters, sorted for display."""
        return [p[0] for p in self._ordered(text, filters, sort, descending)]

    def _ordered(
        self,
        text: str = "",
        filters: Mapping[FilterKind, Any] | None = None,
        sort: str | None = None,
        descending: bool = False,
    ) -> list[tuple[int, Any]]:
        """``list_ids`` with each record's value of the sort column (shown as in the list
        where the program computes it, else as stored)."""
        model = self.spec.model
        key = sort or self.spec.columns[0].key
        expr = self._cols[key]
        stmt = self._list_stmt.with_only_columns(model.id, expr)
        filters = dict(filters or {})
        # a computed status is filtered here, after the query, by the computed value
        status_filter = filters.pop(FilterKind.STATUS, None) if "status" in self._computed else None
        where = filters_where(self.spec.key, filters)
        matches = search.matching(self.spec.key, text)
        if matches is not None:
            where.append(model.id.in_(matches))
        if where:
            stmt = stmt.where(*where)
        with self._sessions() as session:
            # fetched a part at a time: one fetch of 10,000 rows holds the GIL (a worker's
            # list refresh stalled the GUI thread 60 ms)
            rows = session.execute(stmt.execution_options(yield_per=FETCH_PART))
            pairs: list[tuple[int, Any]] = [(row[0], row[1]) for row in rows]
        wanted = {key, "status"} if status_filter is not None else {key}
        computed = {k: values() for k, values in self._computed.items() if k in wanted}
        if status_filter is not None:
            pairs = [p for p in pairs if computed["status"].get(p[0]) == status_filter]
        if key in computed:
            pairs = [(p[0], self._display(key, computed[key].get(p[0], p[1]))) for p in pairs]
        pairs = sorted_in_slices(pairs, key=lambda p: sort_key(p[1]), reverse=descending)
        if descending:  # keep empty values last either way
            pairs.sort(key=lambda p: p[1] is None or p[1] == "")
        return pairs

    def matching_ids(self, text: str) -> set[int] | None:
        """The ids matching the search text, unordered (None: no words, everything)."""
        matches = search.matching(self.spec.key, text)
        if matches is None:
            return None
        with self._sessions() as session:
            return {int(i) for i in session.scalars(matches)}

    def search_bodies(self) -> dict[int, str]:
        """Every record's search index text, by id (see ``query.short_words``)."""
        with self._sessions() as session:
            return search.bodies(session.connection(), self.spec.key)

    def rows(self, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        """Display values of the list columns, by id."""
        out: dict[int, tuple[str, ...]] = {}
        if not ids:
            return out
        computed = {key: values() for key, values in self._computed.items()}
        with self._sessions() as session:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                stmt = self._list_stmt.where(self.spec.model.id.in_(chunk))
                for row in session.execute(stmt):
                    out[row[0]] = tuple(
                        self._display(k, computed[k].get(row[0], v) if k in computed else v)
                        for k, v in zip(self._cols, row[1:], strict=True)
                    )
        return out

    def _display(self, key: str, value: Any) -> str:
        if value is None:
            return ""
        if key == "status":
            return STATUS_LABELS.get(str(value), str(value))
        if key == "consent":
            return CONSENT_LABELS.get(str(value), str(value))
        if isinstance(value, dt.datetime):
            return format_datetime(value)
        if isinstance(value, dt.date):
            return format_date(value)
        return str(value)

    def count(self) -> int:
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(self.spec.model)) or 0

    def choices(self) -> list[tuple[int, str]]:
        """(id, label) of every record, for reference pickers: the first list column, in the
        list's order. One query of two columns (50,000 people: 0.3 s, not 2.5 s of whole rows)."""
        key = self.spec.columns[0].key
        computed = key in self._computed  # already shown as in the list
        return [(i, v if computed else self._display(key, v)) for i, v in self._ordered()]

    # -- one record ----------------------------------------------------------
    def get(self, record_id: int) -> RecordData:
        with self._sessions() as session:
            obj = session.get(self.spec.model, record_id)
            if obj is None:
                raise NotFoundError(
                    _("{what} wurde nicht gefunden (vielleicht gelöscht).").format(what=self.spec.singular)
                )
            return self._data(obj)

    def _data(self, obj: m.Record) -> RecordData:
        values: dict[str, Any] = {}
        for f in self.spec.fields:
            if f.kind is Kind.TERMS:
                values[f.name] = sorted(t.id for t in getattr(obj, f.name))
            elif f.kind is Kind.REFS and isinstance(obj, m.Agreement) and f.name == "parties":
                values[f.name] = sorted(p.actor_id for p in obj.parties)
            elif f.kind is Kind.REFS:
                values[f.name] = sorted(r.id for r in getattr(obj, f.name))
            else:
                values[f.name] = getattr(obj, f.name)
        return RecordData(
            entity=self.spec.key,
            id=obj.id,
            version=obj.version,
            title=self._title(obj),
            values=values,
        )

    def _title(self, obj: m.Record) -> str:
        if isinstance(obj, m.Contact):
            return " ".join(p for p in (obj.first_name, obj.last_name) if p)
        return str(getattr(obj, self.spec.title_field) or "")

    def validate(self, values: Mapping[str, Any], *, creating: bool = False) -> dict[str, Any]:
        """Convert and check every given field; raise ValidationError listing all problems.

        With ``creating``, required fields that are not given at all are problems too.
        """
        errors: dict[str, str] = {}
        clean_values: dict[str, Any] = {}
        if creating and self.spec.key == "contact" and "consent_state" not in values:
            # nobody named it (an import, the command line): "erteilt" only with date and purpose
            values = {**values, "consent_state": consent.implied_state(values)}
        for f in self.spec.fields:
            if f.name not in values:
                if creating and f.required:
                    errors[f.name] = _("{label} ist ein Pflichtfeld.").format(label=f.label)
                continue
            try:
                clean_values[f.name] = coerce(f, values[f.name])
            except ValueError as err:
                errors[f.name] = str(err)
        errors.update(self._cross_checks(clean_values, errors))
        if errors:
            raise ValidationError(errors)
        return clean_values

    def _cross_checks(self, v: Mapping[str, Any], errors: Mapping[str, str]) -> dict[str, str]:
        problems: dict[str, str] = {}
        if v.get("valid_from") and v.get("valid_to") and v["valid_to"] < v["valid_from"]:
            problems["valid_to"] = _("„Gültig bis“ liegt vor „Gültig ab“.")
        lat_given, lon_given = v.get("lat") is not None, v.get("lon") is not None
        coords_touched = "lat" in v or "lon" in v
        if coords_touched and lat_given != lon_given and "lat" not in errors and "lon" not in errors:
            problems["lon"] = _("Bitte Breiten- und Längengrad zusammen angeben oder beide leeren.")
        if "consent_state" in v:
            found = consent.problems(v, self._clock.today())
            problems.update({k: msg for k, msg in found.items() if k not in errors})
        return problems

    def save(
        self,
        record_id: int | None,
        values: Mapping[str, Any],
        expected_version: int | None = None,
        confirm_duplicate: bool = False,
    ) -> RecordData:
        """Create (``record_id=None``) or update a record in one transaction."""
        clean_values = self.validate(values, creating=record_id is None)
        model = self.spec.model
        with self._sessions() as session:
            if record_id is None:
                obj = model()
                for f in self.spec.fields:
                    if f.kind is Kind.BOOL and f.name not in clean_values:
                        clean_values[f.name] = f.name == "is_public"
            else:
                found = session.get(model, record_id)
                if found is None:
                    raise NotFoundError(
                        _("{what} wurde inzwischen gelöscht.").format(what=self.spec.singular)
                    )
                obj = found
                if expected_version is not None and obj.version != expected_version:
                    raise ConflictError(
                        _(
                            "{what} „{title}“ wurde inzwischen an anderer Stelle geändert. "
                            "Bitte neu laden und die Änderung noch einmal eintragen."
                        ).format(what=self.spec.singular, title=self._title(obj))
                    )
            with session.no_autoflush:
                self._check_stored(session, obj, clean_values, updating=record_id is not None)
                if not confirm_duplicate:
                    self._warn_duplicate(session, obj, clean_values)
                self._write(session, obj, clean_values)
                if record_id is not None and session.is_modified(obj):
                    # Also a change of links only (target groups, members, partners) must
                    # bump the version, so that it is checked and seen by other editors.
                    obj.updated_at = self._clock.utcnow()
                    flag_modified(obj, "updated_at")  # an UPDATE even when the clock stands still
            session.add(obj)
            try:
                session.flush()
                data = self._data(obj)
                session.commit()
            except StaleDataError as err:
                session.rollback()
                raise ConflictError(
                    _("{what} wurde gerade an anderer Stelle geändert. Bitte neu laden.").format(
                        what=self.spec.singular
                    )
                ) from err
            except IntegrityError as err:
                session.rollback()
                raise self._integrity_error(err) from err
        self._changes.emit({self.spec.key}, [data.id], of=self.spec.key)
        return data

    def _check_stored(
        self, session: Session, obj: m.Record, values: Mapping[str, Any], updating: bool
    ) -> None:
        """What needs the database: linked records exist, and a partial update fits the
        stored other half of cross-checked fields. Raises ValidationError."""
        problems = self._check_links(session, values)
        if updating and any(n in values for n in _CROSS_FIELDS):
            merged = {n: getattr(obj, n) for n in _CROSS_FIELDS if hasattr(obj, n)}
            merged.update(values)
            problems.update(self._cross_checks(merged, problems))
        if problems:
            raise ValidationError(problems)

    def _write(self, session: Session, obj: m.Record, values: Mapping[str, Any]) -> None:
        """Set checked values on the record and run the save hooks (quarter placement …)."""
        before = {a.key: getattr(obj, a.key) for a in sa_inspect(self.spec.model).column_attrs}
        self._assign(session, obj, values)
        for hook in self._save_hooks:
            hook(session, obj, values, before)

    def apply_values(self, session: Session, obj: m.Record, values: Mapping[str, Any]) -> None:
        """Validate ``values`` and set them on a stored record inside the caller's
        transaction, exactly as :meth:`save` would (links checked, save hooks run);
        the version is always bumped. Raises ValidationError. Used by a merge."""
        clean_values = self.validate(values)
        with session.no_autoflush:
            self._check_stored(session, obj, clean_values, updating=True)
            self._write(session, obj, clean_values)
            obj.updated_at = self._clock.utcnow()
            flag_modified(obj, "updated_at")  # an UPDATE even when the clock stands still

    def _integrity_error(self, err: IntegrityError) -> ValidationError:
        text = str(err.orig).lower()
        if "unique" in text or "duplicate" in text:
            return ValidationError({self.spec.title_field: _("Dieser Name ist schon vergeben.")})
        return ValidationError(
            {self.spec.title_field: _("Ein verknüpfter Datensatz fehlt (vielleicht gelöscht).")}
        )

    def _check_links(self, session: Session, values: Mapping[str, Any]) -> dict[str, str]:
        """Referenced records must exist, and terms must come from the field's vocabulary."""
        problems: dict[str, str] = {}
        for f in self.spec.fields:
            value = values.get(f.name)
            if value is None or f.kind not in (Kind.TERM, Kind.TERMS, Kind.REF, Kind.REFS):
                continue
            wanted = set(value) if f.kind in (Kind.TERMS, Kind.REFS) else {value}
            if not wanted:
                continue
            if f.kind in (Kind.TERM, Kind.TERMS):
                vocabulary = f.vocabulary.value if f.vocabulary else ""
                stmt = select(m.Term.id).where(m.Term.id.in_(wanted), m.Term.vocabulary == vocabulary)
            else:
                ref_model = ENTITIES[f.ref or ""].model
                stmt = select(ref_model.id).where(ref_model.id.in_(wanted))
            if wanted - set(session.scalars(stmt)):
                problems[f.name] = _("{label}: Die Auswahl gibt es nicht (mehr).").format(label=f.label)
        return problems

    def _warn_duplicate(self, session: Session, obj: m.Record, values: Mapping[str, Any]) -> None:
        """Raise :class:`DuplicateWarning` when the rule of :mod:`atlas.records.duplicates` finds
        stored records that may be the same (on create, and on an update that changes
        a field the rule looks at)."""
        rule_fields = duplicates.RULE_FIELDS.get(self.spec.key, ())
        if self.spec.key not in ("institution", "contact"):
            return
        stored = {name: getattr(obj, name, None) for name in rule_fields}
        if obj.id is not None and all(values.get(n, stored[n]) == stored[n] for n in rule_fields):
            return
        found = duplicates.find_candidates(session, self.spec.key, {**stored, **values}, exclude_id=obj.id)
        if found:
            listed = "\n".join(f"• {c.describe()}" for c in found)
            intro = (
                _("Möglicherweise gibt es diese Einrichtung schon:")
                if self.spec.key == "institution"
                else _("Möglicherweise gibt es diesen Kontakt schon:")
            )
            raise DuplicateWarning(
                intro + "\n" + listed,
                [c.id for c in found],
                found,
            )

    def duplicate_candidates(self, record_id: int) -> list[duplicates.Candidate]:
        """Stored records the rule of :mod:`atlas.records.duplicates` calls possibly the same as
        this one (institutions and contacts; other kinds: none)."""
        with self._sessions() as session:
            obj = session.get(self.spec.model, record_id)
            if obj is None:
                raise NotFoundError(_("{what} ist schon gelöscht.").format(what=self.spec.singular))
            names = duplicates.RULE_FIELDS.get(self.spec.key, ())
            values = {n: getattr(obj, n, None) for n in names}
            return duplicates.find_candidates(session, self.spec.key, values, exclude_id=record_id)

    def _assign(self, session: Session, obj: m.Record, values: Mapping[str, Any]) -> None:
        for f in self.spec.fields:
            if f.name not in values:
                continue
            value = values[f.name]
            if f.kind is Kind.TERMS:
                terms = session.scalars(select(m.Term).where(m.Term.id.in_(value))).all()
                setattr(obj, f.name, list(terms))
            elif f.kind is Kind.REFS and isinstance(obj, m.Agreement) and f.name == "parties":
                self._assign_parties(obj, value)
            elif f.kind is Kind.REFS:
                ref_model = ENTITIES[f.ref or ""].model
                refs = session.scalars(select(ref_model).where(ref_model.id.in_(value))).all()
                setattr(obj, f.name, list(refs))
            else:
                setattr(obj, f.name, value)

    def _assign_parties(self, agreement: m.Agreement, actor_ids: Iterable[int]) -> None:
        wanted = set(actor_ids)
        current = {p.actor_id: p for p in agreement.parties}
        for actor_id, party in current.items():
            if actor_id not in wanted:
                agreement.parties.remove(party)
        for actor_id in sorted(wanted - set(current)):
            agreement.parties.append(m.AgreementParty(actor_id=actor_id))

    # -- delete and undo -----------------------------------------------------
    def deletion_impact(self, record_id: int) -> list[str]:
        """German lines saying what else a delete removes, e.g. '3 Angebote'."""
        return self.deletion_effects(record_id)[0]

    def deletion_effects(self, record_id: int) -> tuple[list[str], list[str]]:
        """German lines: what else a delete removes ('3 Angebote'), and what it keeps but
        unlinks ('Der Akteur „Jobcenter“ bleibt erhalten (ohne Einrichtung)'), from the
        foreign keys' ON DELETE rules."""
        with self._sessions() as session:
            conn = session.connection()
            snap = snapshot.collect(conn, self.spec.model.__tablename__, [record_id])
            kept = deletion.kept_lines(conn, snap)
        lines = []
        for spec in ENTITIES.values():
            n = snap.count(spec.model.__tablename__)
            if spec.key == self.spec.key:
                n -= 1
            if n > 0:
                lines.append(f"{n} {spec.singular if n == 1 else spec.plural}")
        n_att = snap.count("attendance")
        if n_att:
            lines.append(_("{n} Teilnahmeeinträge").format(n=n_att))
        return lines, kept

    def delete(self, record_id: int) -> DeletedRecord:
        """Delete the record and what depends on it, in one transaction."""
        table = self.spec.model.__tablename__
        with self._sessions() as session:
            obj = session.get(self.spec.model, record_id)
            if obj is None:
                raise NotFoundError(_("{what} ist schon gelöscht.").format(what=self.spec.singular))
            title = self._title(obj)
            conn = session.connection()
            snap = snapshot.collect(conn, table, [record_id])
            session.expunge_all()
            table_obj = m.Base.metadata.tables[table]
            conn.execute(sql_delete(table_obj).where(table_obj.c.id == record_id))
            _reindex_snapshot(conn, snap)
            session.commit()
        self._changes.emit(_touched(snap), [record_id])
        return DeletedRecord(self.spec.key, record_id, title, snap)

    def restore(self, deleted: DeletedRecord) -> None:
        """Undo :meth:`delete`: the same rows with the same ids come back."""
        with self._sessions() as session:
            conn = session.connection()
            try:
                snapshot.restore(conn, deleted.snapshot)
            except IntegrityError as err:
                session.rollback()
                raise ConflictError(
                    _(
                        "„{title}“ kann nicht wiederhergestellt werden: die Daten wurden inzwischen geändert."
                    ).format(title=deleted.title)
                ) from err
            _reindex_snapshot(conn, deleted.snapshot)
            session.commit()
        self._changes.emit(_touched(deleted.snapshot), [deleted.id])


def _reindex_snapshot(conn: Connection, snap: snapshot.Snapshot) -> None:
    """After a delete or its undo: the index rows of every record it removed, brought
    back or (un)linked, and of the records showing their names."""
    kinds = {spec.model.__tablename__: spec.key for spec in ENTITIES.values()}
    stale: dict[str, set[int]] = {}
    for table, rows in snap.rows.items():
        if table in kinds:
            stale.setdefault(kinds[table], set()).update(r["id"] for r in rows)
        elif table == m.AgreementParty.__tablename__:
            stale.setdefault("agreement", set()).update(r["agreement_id"] for r in rows)
    for table, row_id, _col, _ref in snap.unlinked:
        if table in kinds:
            stale.setdefault(kinds[table], set()).add(row_id)
    search.reindex_with_dependants(conn, stale)


def _touched(snap: snapshot.Snapshot) -> set[str]:
    tables = set(snap.rows) | {u[0] for u in snap.unlinked}
    return {spec.key for spec in ENTITIES.values() if spec.model.__tablename__ in tables}
