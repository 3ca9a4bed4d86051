"""What the map shows, as plain JSON-ready data: quarters, places, legend, densities.

No Qt and no HTML here; the map page turns this into Leaflet layers, escaping
nothing because it only ever sets text (``textContent``), never markup.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from atlas import models as m
from atlas.clock import SYSTEM, Clock
from atlas.i18n import _
from atlas.text import fold

DEFAULT_COLOR = "#607d8b"
#: Used when a database has no quarters with boundaries yet (the demo city).
FALLBACK_CENTER = (51.4963, 6.8636)

#: From this many ids ``institution_ids`` reads all (id, institution) pairs once.
SCAN_FROM = 2000


@dataclass(frozen=True)
class MapData:
    quarters: dict[str, Any]  # GeoJSON FeatureCollection
    places: list[dict[str, Any]]
    legend: list[dict[str, Any]]
    without_coordinates: int
    notes: list[str] = field(default_factory=list)  # German lines under the legend

    def to_json(self) -> str:
        """The same text as one ``json.dumps`` of the whole, written a place and a quarter at
        a time: one call for 10,000 places held the GIL for 170 ms, stalling the GUI thread
        while a worker built the map."""

        def dumps(value: Any) -> str:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

        quarters = {k: v for k, v in self.quarters.items() if k != "features"}
        features = self.quarters.get("features")
        if isinstance(features, list):
            inner = dumps(quarters)[:-1]
            quarters_json = (
                inner + ("," if quarters else "") + '"features":[' + ",".join(map(dumps, features)) + "]}"
            )
        else:
            quarters_json = dumps(self.quarters)
        return (
            '{"quarters":' + quarters_json
            + ',"places":[' + ",".join(map(dumps, self.places)) + "]"
            + ',"legend":' + dumps(self.legend)
            + ',"withoutCoordinates":' + dumps(self.without_coordinates)
            + ',"notes":' + dumps(self.notes) + "}"
        )  # fmt: skip


@dataclass(frozen=True)
class PlacesUpdate:
    """A few institutions again (after a change that named them): their places now, the
    ones no longer on the map (no coordinates, or gone), and what sums over all places."""

    places: list[dict[str, Any]]
    gone: list[int]
    legend: list[dict[str, Any]]
    without_coordinates: int

    def to_json(self) -> str:
        return json.dumps(
            {
                "places": self.places,
                "gone": self.gone,
                "legend": self.legend,
                "withoutCoordinates": self.without_coordinates,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )


def json_for_script(payload: str) -> str:
    """JSON that is safe inside an HTML <script> element (no '</script>', no '<!--')."""
    return payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class MapService:
    """Read-only queries for the map."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock = SYSTEM) -> None:
        self._clock = clock
        self._sessions = sessions

    def data(
        self,
        today: dt.date | None = None,
        quarter_id: int | None = None,
        category_id: int | None = None,
    ) -> MapData:
        """Everything the map shows; optionally only one quarter and/or one category."""
        with self._sessions() as session:
            places = self._places(session, today or self._clock.today())
            quarters = self._quarters(session)
            unbounded = self._without_boundary(session, quarter_id)
            if quarter_id is not None:
                places = [p for p in places if p["quarter"] == quarter_id]
                quarters["features"] = [f for f in quarters["features"] if f["id"] == quarter_id]
            if category_id is not None:
                places = [p for p in places if p["category"] == category_id]
            return MapData(
                quarters=quarters,
                places=places,
                legend=legend_of(places),
                without_coordinates=self._without_coordinates(session),
                notes=boundary_notes(unbounded),
            )

    def places_update(self, ids: Iterable[int], today: dt.date | None = None) -> PlacesUpdate:
        """The places of these institutions as :meth:`data` has them, for a map that shows
        the rest already (a geocoding batch changes one institution per answer: the map
        gets that one, not 10,000 again)."""
        wanted = sorted(set(ids))
        with self._sessions() as session:
            places: list[dict[str, Any]] = []
            for start in range(0, len(wanted), 900):
                places += self._places(session, today or self._clock.today(), wanted[start : start + 900])
            placed = {p["id"] for p in places}
            return PlacesUpdate(
                places=places,
                gone=[i for i in wanted if i not in placed],
                legend=self._legend(session),
                without_coordinates=self._without_coordinates(session),
            )

    @staticmethod
    def _without_coordinates(session: Session) -> int:
        stmt = select(func.count()).select_from(m.Institution).where(m.Institution.lat.is_(None))
        return session.scalar(stmt) or 0

    @staticmethod
    def _legend(session: Session) -> list[dict[str, Any]]:
        """``legend_of`` all places, counted by the database."""
        inst, cat = m.Institution, m.Term
        rows = session.execute(
            select(inst.category_id, cat.name, cat.color, func.count())
            .outerjoin(cat, cat.id == inst.category_id)
            .where(inst.lat.is_not(None), inst.lon.is_not(None))
            .group_by(inst.category_id, cat.name, cat.color)
        ).all()
        legend = [
            {"id": c_id, "name": c_name or _("ohne Kategorie"), "color": c_color or DEFAULT_COLOR, "count": n}
            for c_id, c_name, c_color, n in rows
        ]
        return sorted(legend, key=lambda r: (r["id"] is None, fold(r["name"])))

    def _without_boundary(self, session: Session, quarter_id: int | None) -> list[str]:
        """Quarters with no boundary yet (made from a name in a list, or typed in the form)."""
        stmt = select(m.Quarter.name).where(
            (m.Quarter.boundary_geojson.is_(None)) | (func.trim(m.Quarter.boundary_geojson) == "")
        )
        if quarter_id is not None:
            stmt = stmt.where(m.Quarter.id == quarter_id)
        return sorted(session.scalars(stmt), key=fold)

    def _quarters(self, session: Session) -> dict[str, Any]:
        counts = dict(
            session.execute(
                select(m.Institution.quarter_id, func.count())
                .join(m.Offer, m.Offer.institution_id == m.Institution.id)
                .group_by(m.Institution.quarter_id)
            ).all()
        )
        features = []
        for q in session.scalars(select(m.Quarter).order_by(m.Quarter.name)):
            if not q.boundary_geojson:
                continue
            try:
                geometry = json.loads(q.boundary_geojson)
            except ValueError:
                continue
            features.append(
                {
                    "type": "Feature",
                    "id": q.id,
                    "geometry": geometry,
                    "properties": {
                        "id": q.id,
                        "name": q.name,
                        "color": q.color or DEFAULT_COLOR,
                        "offers": counts.get(q.id, 0),
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features}

    def _places(
        self, session: Session, today: dt.date, ids: Sequence[int] | None = None
    ) -> list[dict[str, Any]]:
        """The places of all institutions with coordinates, or of those of ``ids``."""
        inst = m.Institution
        cat = m.Term
        only = (inst.id.in_(ids),) if ids is not None else ()
        rows = session.execute(
            select(
                inst.id,
                inst.name,
                inst.lat,
                inst.lon,
                inst.street,
                inst.postcode,
                inst.city,
                inst.phone,
                inst.opening_hours,
                inst.quarter_id,
                inst.category_id,
                cat.name,
                cat.color,
            )
            .outerjoin(cat, cat.id == inst.category_id)
            .where(inst.lat.is_not(None), inst.lon.is_not(None), *only)
            .order_by(inst.id)
        ).all()
        offers: dict[int, list[str]] = {}
        current = (m.Offer.valid_to.is_(None) | (m.Offer.valid_to >= today)) & (
            m.Offer.valid_from.is_(None) | (m.Offer.valid_from <= today)
        )
        for inst_id, title in session.execute(
            select(m.Offer.institution_id, m.Offer.title)
            .where(current, *((m.Offer.institution_id.in_(ids),) if ids is not None else ()))
            .order_by(m.Offer.title)
        ):
            offers.setdefault(inst_id, []).append(title)
        places = []
        for i, name, lat, lon, street, postcode, city, phone, hours, q_id, c_id, c_name, c_color in rows:
            if lat is None or lon is None:  # excluded by the query; keeps the types honest
                continue
            place_line = " ".join(p for p in (postcode, city) if p)
            places.append(
                {
                    "id": i,
                    "name": name,
                    "lat": round(lat, 6),
                    "lon": round(lon, 6),
                    "address": ", ".join(p for p in (street, place_line) if p),
                    "phone": phone or "",
                    "hours": hours or "",
                    "quarter": q_id,
                    "category": c_id,
                    "categoryName": c_name or _("ohne Kategorie"),
                    "color": c_color or DEFAULT_COLOR,
                    "offers": offers.get(i, []),
                }
            )
        return places

    def institution_ids(self, entity: str, ids: Sequence[int] | None) -> list[int] | None:
        """Which institutions a list of ``entity`` records stands for on the map.

        ``None`` means "no restriction" (show all).
        """
        if ids is None:
            return None
        if entity == "institution":
            return list(ids)
        column = {
            "offer": (m.Offer.id, m.Offer.institution_id),
            "contact": (m.Contact.id, m.Contact.institution_id),
            "actor": (m.Actor.id, m.Actor.institution_id),
        }.get(entity)
        if column is None:
            return None
        key, inst = column
        found: set[int] = set()
        if len(ids) >= SCAN_FROM:  # most of the list: one pass over all pairs beats 45 IN queries
            wanted = set(ids)
            with self._sessions() as session:
                pairs = session.execute(select(key, inst).where(inst.is_not(None))).all()
            return sorted({i for k, i in pairs if k in wanted and i is not None})
        with self._sessions() as session:
            for start in range(0, len(ids), 900):
                chunk = list(ids[start : start + 900])
                found.update(i for i in session.scalars(select(inst).where(key.in_(chunk))) if i is not None)
        return sorted(found)

    def offer_density(
        self, category_id: int | None = None, target_group_id: int | None = None, today: dt.date | None = None
    ) -> dict[int, int]:
        """Number of current offers per quarter, optionally of one category or target group."""
        day = today or self._clock.today()
        stmt = (
            select(m.Institution.quarter_id, func.count(func.distinct(m.Offer.id)))
            .join(m.Offer, m.Offer.institution_id == m.Institution.id)
            .where(m.Institution.quarter_id.is_not(None))
            .where(m.Offer.valid_to.is_(None) | (m.Offer.valid_to >= day))
            .group_by(m.Institution.quarter_id)
        )
        if category_id is not None:
            stmt = stmt.where(m.Offer.category_id == category_id)
        if target_group_id is not None:
            stmt = stmt.join(m.offer_target_group, m.offer_target_group.c.offer_id == m.Offer.id).where(
                m.offer_target_group.c.term_id == target_group_id
            )
        with self._sessions() as session:
            counts = {int(q): int(n) for q, n in session.execute(stmt).all() if q is not None}
            for q in session.scalars(select(m.Quarter.id)):
                counts.setdefault(q, 0)
        return counts


def boundary_notes(names: Sequence[str]) -> list[str]:
    """The legend's lines for quarters that cannot be drawn: 'Quartier X: noch keine Grenze –
    Orte → Quartiersgrenzen importieren' (a short summary when there are many)."""
    where = _("Orte → Quartiersgrenzen importieren")
    if len(names) <= 3:
        return [_("Quartier {name}: noch keine Grenze – {where}").format(name=n, where=where) for n in names]
    shown = ", ".join(names[:3]) + " …"
    return [
        _("{n} Quartiere noch ohne Grenze ({names}) – {where}").format(n=len(names), names=shown, where=where)
    ]


def legend_of(places: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One legend row per category shown, with its colour and count."""
    rows: dict[Any, dict[str, Any]] = {}
    for p in places:
        row = rows.setdefault(
            p["category"], {"id": p["category"], "name": p["categoryName"], "color": p["color"], "count": 0}
        )
        row["count"] += 1
    return sorted(rows.values(), key=lambda r: (r["id"] is None, fold(r["name"])))


def bounds(points: Iterable[tuple[float, float]]) -> tuple[tuple[float, float], tuple[float, float]] | None:
    pts = list(points)
    if not pts:
        return None
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    return (min(lats), min(lons)), (max(lats), max(lons))
