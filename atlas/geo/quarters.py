"""Quarters as areas: re-assigning institutions, importing boundaries, and what a save
of an institution means for its pin, its quarter and its geocoding state.

The geometry itself (shapely, STRtree, GeoJSON checks) is in :mod:`atlas.geo.geometry`,
imported only when a boundary is needed, so shapely stays off the start path.

Importing a GeoJSON file is all or nothing: every check runs before the first row
is written, and the writes (quarters, then the re-assignment of the institutions)
are one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from atlas import models as m
from atlas.changes import ChangeBus
from atlas.i18n import _
from atlas.progress import IsCancelled, Progress, Steps
from atlas.text import address_line, fold

if TYPE_CHECKING:
    from atlas.geo.name_property import PropertyInfo
    from atlas.geo.quarter_index import QuarterIndex

_PALETTE = (
    "#1f78b4",
    "#33a02c",
    "#ff7f00",
    "#6a3d9a",
    "#e31a1c",
    "#b15928",
    "#a6cee3",
    "#b2df8a",
    "#fb9a99",
    "#fdbf6f",
    "#cab2d6",
    "#8dd3c7",
)


# -- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReassignReport:
    """What re-assigning the institutions to the quarters changed."""

    moved: int  # quarter changed (to another quarter, or to none because outside all)
    unchanged: int
    outside: int  # with coordinates, but inside no quarter (after the re-assignment)
    manual: int  # quarter chosen by hand: left alone
    without_coordinates: int  # cannot be assigned
    moved_ids: tuple[int, ...] = ()

    def summary(self) -> str:
        return _(
            "{moved} Einrichtungen neu zugeordnet, {unchanged} unverändert, {outside} außerhalb aller "
            "Quartiere, {manual} von Hand zugeordnet, {without} ohne Koordinaten."
        ).format(
            moved=self.moved,
            unchanged=self.unchanged,
            outside=self.outside,
            manual=self.manual,
            without=self.without_coordinates,
        )


@dataclass(frozen=True)
class ImportReport:
    created: tuple[str, ...]
    updated: tuple[str, ...]
    deleted: tuple[str, ...]
    repaired: tuple[str, ...]  # German lines: which boundary was repaired and why
    warnings: tuple[str, ...]  # German lines, e.g. overlapping quarters
    reassigned: ReassignReport

    def summary(self) -> str:
        return _("Quartiere importiert: {c} neu, {u} aktualisiert, {d} gelöscht. {r}").format(
            c=len(self.created), u=len(self.updated), d=len(self.deleted), r=self.reassigned.summary()
        )


# -- the service ----------------------------------------------------------------------------


class QuarterService:
    """Quarter boundaries: the index, re-assignment and GeoJSON import."""

    def __init__(self, sessions: sessionmaker[Session], changes: ChangeBus) -> None:
        self._sessions = sessions
        self._changes = changes
        self._cached: tuple[tuple[Any, ...], QuarterIndex] | None = None

    def index(self, session: Session | None = None) -> QuarterIndex:
        """The quarters as they are stored now (rebuilt only when a quarter changed)."""
        if session is None:
            with self._sessions() as own:
                return self.index(own)
        rows = session.execute(
            select(m.Quarter.id, m.Quarter.version, m.Quarter.updated_at).order_by(m.Quarter.id)
        ).all()
        key = tuple(tuple(r) for r in rows)
        if self._cached is not None and self._cached[0] == key:
            return self._cached[1]
        from atlas.geo.quarter_index import QuarterIndex

        built = QuarterIndex.from_rows(_boundary_rows(session))
        self._cached = (key, built)
        return built

    def quarter_at(self, lat: float, lon: float) -> int | None:
        return self.index().quarter_at(lat, lon)

    # -- re-assignment -------------------------------------------------------------------------
    def reassign_all(self) -> ReassignReport:
        """Put every institution with coordinates into the quarter containing it, except where
        the quarter was chosen by hand. One transaction."""
        with self._sessions() as session:
            report = _reassign(session, self.index(session))
            session.commit()
        if report.moved:
            self._changes.emit({"institution", "offer", "quarter"}, report.moved_ids)
        return report

    # -- the save hook for institutions --------------------------------------------------------
    def institution_saved(
        self, session: Session, obj: m.Record, values: Mapping[str, Any], before: Mapping[str, Any]
    ) -> None:
        """Runs inside ``RecordService.save`` for institutions, before the flush."""
        if not isinstance(obj, m.Institution):
            return
        place_after_save(obj, values, before, lambda lat, lon: self.index(session).quarter_at(lat, lon))

    # -- import ---------------------------------------------------------------------------------
    def import_geojson(
        self,
        source: str | Path | bytes,
        name_property: str,
        replace: bool = False,
        progress: Progress | None = None,
        cancelled: IsCancelled | None = None,
    ) -> ImportReport:
        """Import quarter boundaries: each feature a quarter named by ``name_property``.

        A quarter whose name exists already (case and umlauts ignored) gets the new
        boundary and keeps its id, colour and notes. With ``replace``, quarters not in the
        file are deleted (their institutions and round tables lose the link). Afterwards
        every institution is re-assigned. All or nothing: raises GeoJSONImportError
        listing every problem, and then nothing was changed.

        ``progress(done, total)`` and ``cancelled()`` as in :mod:`atlas.progress`: a
        cancelled import raises :class:`atlas.progress.Cancelled` after rolling back.
        """
        from atlas.geo.boundary_checks import boundary_json, overlaps, parse
        from atlas.geo.quarter_index import QuarterIndex

        steps = Steps(progress, cancelled, total=4, every=1)
        steps.check()
        candidates, _problems = parse(source, name_property)
        steps.expect(2 + len(candidates) + 2)
        steps.advance()
        warnings = overlaps(candidates)
        steps.advance()
        created: list[str] = []
        updated: list[str] = []
        deleted: list[str] = []
        with self._sessions() as session:
            existing = {fold(q.name): q for q in session.scalars(select(m.Quarter))}
            used_colors = {q.color for q in existing.values()}
            palette = [c for c in _PALETTE if c not in used_colors] or list(_PALETTE)
            in_file: set[str] = set()
            for cand in candidates:
                assert cand.name is not None and cand.geometry is not None
                key = fold(cand.name)
                in_file.add(key)
                boundary = boundary_json(cand.geometry)
                quarter = existing.get(key)
                if quarter is None:
                    color = palette[len(created) % len(palette)]
                    session.add(m.Quarter(name=cand.name, boundary_geojson=boundary, color=color))
                    created.append(cand.name)
                else:
                    if quarter.boundary_geojson != boundary:
                        quarter.boundary_geojson = boundary
                    updated.append(quarter.name)
                steps.advance()
            if replace:
                for key, quarter in existing.items():
                    if key not in in_file:
                        deleted.append(quarter.name)
                        session.delete(quarter)
            session.flush()
            index = QuarterIndex.from_rows(_boundary_rows(session))
            steps.advance()
            reassigned = _reassign(session, index, steps)
            steps.finish_phase()  # the last chance: after this the import is committed
            session.commit()
        self._changes.emit({"quarter", "institution", "offer", "round_table"}, reassigned.moved_ids)
        return ImportReport(
            created=tuple(created),
            updated=tuple(updated),
            deleted=tuple(deleted),
            repaired=tuple(c.repaired for c in candidates if c.repaired),
            warnings=tuple(warnings),
            reassigned=reassigned,
        )

    def property_names(self, source: str | Path | bytes) -> list[PropertyInfo]:
        """The properties of the file's features, best name candidates first (for the UI's choice).

        Raises GeoJSONImportError if the file cannot be read as GeoJSON at all.
        """
        from atlas.geo.name_property import property_names

        return property_names(source)


def _boundary_rows(session: Session) -> list[tuple[int, str, str | None]]:
    stmt = select(m.Quarter.id, m.Quarter.name, m.Quarter.boundary_geojson)
    return [(i, n, b) for i, n, b in session.execute(stmt)]


def _reassign(session: Session, index: QuarterIndex, steps: Steps | None = None) -> ReassignReport:
    """Put the institutions into the quarters of ``index`` (flushed, not committed);
    ``steps`` counts the assignment and every 500 rows rewritten."""
    steps = steps or Steps()
    inst = m.Institution
    rows = session.execute(select(inst.id, inst.lat, inst.lon, inst.quarter_id, inst.quarter_manual)).all()
    manual = 0
    without = 0
    todo: list[tuple[int, float, float, int | None]] = []
    stale_manual: list[int] = []
    for inst_id, lat, lon, quarter_id, quarter_manual in rows:
        if quarter_manual and quarter_id is not None:
            manual += 1
            continue
        if quarter_manual:
            stale_manual.append(inst_id)  # its quarter was deleted: assign it again
        if lat is None or lon is None:
            without += 1
            continue
        todo.append((inst_id, lat, lon, quarter_id))
    steps.check()
    targets = index.assign([(lat, lon) for _i, lat, lon, _q in todo])
    changes = {i: new for (i, _lat, _lon, old), new in zip(todo, targets, strict=True) if new != old}
    outside = sum(1 for t in targets if t is None)
    touched = sorted(set(changes) | set(stale_manual))
    steps.advance()
    steps.expect(steps.done + (len(touched) + 499) // 500)
    for start in range(0, len(touched), 500):
        steps.advance()
        chunk = touched[start : start + 500]
        for obj in session.scalars(select(inst).where(inst.id.in_(chunk))):
            if obj.id in changes:
                obj.quarter_id = changes[obj.id]
            obj.quarter_manual = False
        session.flush()  # 500 rows at a time: one executemany of all would hold the GIL long
    return ReassignReport(
        moved=len(changes),
        unchanged=len(todo) - len(changes),
        outside=outside,
        manual=manual,
        without_coordinates=without,
        moved_ids=tuple(sorted(changes)),
    )


# -- what a save of an institution means for its place ----------------------------------------

_ADDRESS = ("street", "postcode", "city")
#: Coordinates closer than this (degrees, ~0.1 m) are the same: the form shows six decimals.
COORD_EPSILON = 1e-6


def has_address(obj: m.Institution) -> bool:
    """Whether the institution has an address the geocoder can look up."""
    return address_line(obj.street, obj.postcode, obj.city) is not None


def place_after_save(
    obj: m.Institution,
    values: Mapping[str, Any],
    before: Mapping[str, Any],
    quarter_at: Callable[[float, float], int | None],
) -> None:
    """Keep pin, quarter and geocoding state consistent after the user saved ``values``.

    - A quarter chosen (changed) by the user is kept (``quarter_manual``); clearing it
      hands the choice back to the coordinates.
    - Coordinates changed by the user are a pin set by hand (``manual``); cleared ones
      wait for the geocoder if there is an address.
    - A changed address without new coordinates waits for the geocoder (``pending``).
    - When the coordinates changed and the quarter is not chosen by hand, the quarter
      follows the coordinates.
    """
    new = before.get("id") is None
    if "quarter_id" in values and values["quarter_id"] != before.get("quarter_id"):
        obj.quarter_manual = values["quarter_id"] is not None
    elif obj.quarter_manual and obj.quarter_id is None:
        obj.quarter_manual = False
    old_lat, old_lon = before.get("lat"), before.get("lon")
    if (
        obj.lat is not None
        and obj.lon is not None
        and old_lat is not None
        and old_lon is not None
        and abs(obj.lat - old_lat) <= COORD_EPSILON
        and abs(obj.lon - old_lon) <= COORD_EPSILON
    ):
        obj.lat, obj.lon = old_lat, old_lon  # the form's rounding is no move
    coords_changed = (obj.lat, obj.lon) != (old_lat, old_lon)
    address_changed = any(getattr(obj, f) != before.get(f) for f in _ADDRESS)
    placed = obj.lat is not None and obj.lon is not None
    if coords_changed:
        if placed:
            obj.geocode_status = m.GeocodeState.MANUAL.value
            obj.geocoded_at = None
        else:
            obj.geocode_status = m.GeocodeState.PENDING.value if has_address(obj) else None
    elif address_changed or new:
        if has_address(obj):
            obj.geocode_status = m.GeocodeState.PENDING.value
        elif not placed:
            obj.geocode_status = None
    quarter_released = "quarter_id" in values and values["quarter_id"] is None and not obj.quarter_manual
    if placed and not obj.quarter_manual and (coords_changed or quarter_released):
        assert obj.lat is not None and obj.lon is not None
        obj.quarter_id = quarter_at(obj.lat, obj.lon)
