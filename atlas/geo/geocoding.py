"""Addresses to places: geocoding with geopy, within Nominatim's usage policy.

The rules this module keeps (https://operations.osmfoundation.org/policies/nominatim/):

- **At most one request per second, one at a time, in the whole program.** Every
  request of every :class:`Geocoder` goes through one process-wide limiter: a lock
  held for the whole request, and at least ``min_delay`` (plus a small margin for
  network jitter) between the starts of two requests, on the monotonic clock. The
  public servers never get less than one second, whatever the settings say.
- **An identifying User-Agent** (a setting; geopy's own default is refused).
- **Every answer is cached** in the database (``geocode_cache``: normalised address →
  result, with date and provider), so the same address is never asked twice. Only
  definitive answers are cached: found, and not found.
- **No personal data leaves the program**: the query is built from an institution's
  street, postcode and town only (:func:`address_of`), never from a contact, and
  not even from the institution's name.
- **Errors are told apart**, per address: not found, no network, rate-limited (HTTP
  429), refused (403), timeout, a malformed answer, a server error. After a 429 or
  403 the program backs off: that server is not asked again until ``Retry-After`` (or
  a pause) has passed, and a batch stops at once. geopy's own ``RateLimiter`` is not
  used: it is per instance and swallows errors by default.

The network is used without a database transaction open; each result is applied in
its own short transaction, so a cancelled batch keeps what it did. The window runs the
batch on its background worker (the network) and its writes on its database worker
(``write``), in order with every other read and write there.

Threading: :meth:`GeocodingService.geocode_missing` and ``place_institution`` are
meant to run on a worker thread. Each answer that changes an institution is announced on
``atlas.changes`` right after its transaction, from the thread that wrote it (the
window's listener hands it to the GUI thread; the command line has none).

The client side (settings, limiter, :class:`Geocoder`, result types) lives in
:mod:`atlas.geo.geocoder`; what a result says to a person (a pin's state in words, an
address's outcome, a batch's report) in :mod:`atlas.geo.results`. Their public names are
re-exported here.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Protocol, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from atlas import models as m
from atlas.changes import ChangeBus
from atlas.clock import SYSTEM, Clock
from atlas.errors import ConflictError, NotFoundError, ValidationError
from atlas.geo.geocoder import (
    CANDIDATES,
    DEFAULT_URL,
    DEFAULT_USER_AGENT,
    LIMITER,
    MESSAGES,
    PROVIDERS,
    PUBLIC_SERVERS,
    RATE_LIMIT_PAUSE_S,
    REFUSED_PAUSE_S,
    SPACING_MARGIN,
    Candidate,
    Geocoder,
    GeocodeResult,
    GeocoderSettings,
    GeocodeStatus,
)
from atlas.geo.quarters import QuarterService
from atlas.geo.results import (
    AMBIGUOUS_M,
    NEW_PLACE_DESCRIPTION,
    NOT_TRIED,
    OUTSIDE_M,
    STATE_DESCRIPTIONS,
    STATE_LABELS,
    STOP_AFTER_FAILURES,
    BatchReport,
    Outcome,
    PlaceState,
    address_of,
    describe_place,
    distance_m,
    eta_text,
    normalise,
    summary_lines,
)
from atlas.i18n import _
from atlas.text import address_line, check_lat, check_lon

if TYPE_CHECKING:
    from atlas.geo.quarter_index import QuarterIndex

__all__ = [
    "AMBIGUOUS_M",
    "CANDIDATES",
    "DEFAULT_URL",
    "DEFAULT_USER_AGENT",
    "LIMITER",
    "MESSAGES",
    "NEW_PLACE_DESCRIPTION",
    "OUTSIDE_M",
    "PROVIDERS",
    "PUBLIC_SERVERS",
    "RATE_LIMIT_PAUSE_S",
    "REFUSED_PAUSE_S",
    "SPACING_MARGIN",
    "STATE_DESCRIPTIONS",
    "STATE_LABELS",
    "STOP_AFTER_FAILURES",
    "BatchReport",
    "Candidate",
    "GeocodeResult",
    "GeocodeStatus",
    "Geocoder",
    "GeocoderSettings",
    "GeocodingService",
    "Outcome",
    "PlaceState",
    "Progress",
    "address_of",
    "describe_place",
    "distance_m",
    "eta_text",
    "normalise",
    "summary_lines",
]


Progress = Callable[[int, int, float], None]  # (tried, total, seconds left)
T = TypeVar("T")


class Writer(Protocol):
    """Runs a write and returns its result: ``write(fn) -> fn()``, perhaps on another thread."""

    def __call__(self, fn: Callable[[], T]) -> T: ...


def _no_progress(_done: int, _total: int, _eta: float) -> None:
    return None


def _here(fn: Callable[[], T]) -> T:
    return fn()


def _never() -> bool:
    return False


# -- the service -----------------------------------------------------------------------------


class GeocodingService:
    """Geocoding with the cache, applied to institutions. Exposed as ``atlas.geo.geocoding``."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        changes: ChangeBus,
        boundaries: QuarterService,
        clock: Clock = SYSTEM,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._changes = changes
        self._boundaries = boundaries
        self._settings = GeocoderSettings()
        self._geocoder: Geocoder | None = None
        self._lock = threading.Lock()

    # -- settings --------------------------------------------------------------------------
    @property
    def settings(self) -> GeocoderSettings:
        return self._settings

    def configure(self, settings: GeocoderSettings) -> GeocoderSettings:
        """Use these settings from now on; raises ValidationError (German, by field)."""
        checked = settings.checked()
        with self._lock:
            self._settings = checked
            self._geocoder = None
        return checked

    def geocoder(self) -> Geocoder:
        with self._lock:
            if self._geocoder is None:
                self._geocoder = Geocoder(self._settings)
            return self._geocoder

    # -- one address -------------------------------------------------------------------------
    def geocode(self, query: str, write: Writer | None = None) -> GeocodeResult:
        """From the cache, or from the server (and then cached if definitive; the cache row
        written through ``write``, see :meth:`geocode_missing`)."""
        key = normalise(query)
        cached = self._from_cache(key)
        if cached is not None:
            return cached
        geocoder = self.geocoder()
        result = geocoder.lookup(query)
        if result.status in (GeocodeStatus.FOUND, GeocodeStatus.NOT_FOUND):
            (write or _here)(partial(self._store, key, result, geocoder.settings))
        return result

    def _from_cache(self, key: str) -> GeocodeResult | None:
        with self._sessions() as session:
            row = session.scalar(select(m.GeocodeCache).where(m.GeocodeCache.key == key))
            if row is None:
                return None
            host = urlsplit(row.provider.partition(" ")[2]).netloc
            if row.status != GeocodeStatus.FOUND.value:
                return GeocodeResult(row.query, GeocodeStatus.NOT_FOUND, from_cache=True, host=host)
            candidates = tuple(
                Candidate(float(c["lat"]), float(c["lon"]), str(c.get("display_name", "")))
                for c in json.loads(row.candidates_json or "[]")
            )
            if not candidates and row.lat is not None and row.lon is not None:
                candidates = (Candidate(row.lat, row.lon, row.display_name or ""),)
            return GeocodeResult(row.query, GeocodeStatus.FOUND, candidates, from_cache=True, host=host)

    def _store(self, key: str, result: GeocodeResult, settings: GeocoderSettings) -> None:
        best = result.best
        row = m.GeocodeCache(
            key=key,
            query=result.query[:400],
            status=result.status.value,
            lat=best.lat if best else None,
            lon=best.lon if best else None,
            display_name=best.display_name if best else None,
            candidates_json=json.dumps(
                [{"lat": c.lat, "lon": c.lon, "display_name": c.display_name} for c in result.candidates],
                ensure_ascii=False,
            ),
            fetched_at=self._clock.utcnow(),
            provider=settings.provider_label[:300],
        )
        with self._sessions() as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError:  # stored by another thread meanwhile: the same answer
                session.rollback()

    def cache_size(self) -> int:
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(m.GeocodeCache)) or 0

    def clear_cache(self, only_not_found: bool = True) -> int:
        """Forget cached answers (by default only 'not found', e.g. after the server was
        updated); returns how many."""
        with self._sessions() as session:
            stmt = select(m.GeocodeCache)
            if only_not_found:
                stmt = stmt.where(m.GeocodeCache.status == GeocodeStatus.NOT_FOUND.value)
            rows = list(session.scalars(stmt))
            for row in rows:
                session.delete(row)
            session.commit()
        return len(rows)

    # -- judging ------------------------------------------------------------------------------
    @staticmethod
    def judge(result: GeocodeResult, index: QuarterIndex) -> GeocodeResult:
        """A found result that is ambiguous, or far outside every quarter, becomes a question."""
        best = result.best
        if result.status is not GeocodeStatus.FOUND or best is None:
            return result
        spread = max(
            (distance_m((best.lat, best.lon), (c.lat, c.lon)) for c in result.candidates), default=0.0
        )
        if spread > AMBIGUOUS_M:
            return replace(result, status=GeocodeStatus.AMBIGUOUS, km=spread / 1000)
        outside = index.distance_m(best.lat, best.lon)
        if outside is not None and outside > OUTSIDE_M:
            return replace(result, status=GeocodeStatus.OUTSIDE, km=outside / 1000)
        return result

    # -- institutions -------------------------------------------------------------------------
    def place_institution(self, institution_id: int) -> Outcome:
        """Geocode one institution right after it was saved (on a worker thread).

        Found: coordinates, quarter (unless chosen by hand) and status "ok". Without
        network or with any other failure nothing is lost: it stays "pending" (noch nicht
        verortet) and ``geocode_missing`` tries again later. An ambiguous or far answer is
        kept for confirmation (status "confirm"), the coordinates are not touched.
        A pin set by hand is never overwritten: call this only for "pending" institutions
        (it returns SKIPPED for others).
        """
        with self._sessions() as session:
            obj = session.get(m.Institution, institution_id)
            if obj is None:
                raise NotFoundError(_("Die Einrichtung wurde inzwischen gelöscht."))
            name, query, status = obj.name, address_of(obj), obj.geocode_status
        if status == m.GeocodeState.MANUAL.value:
            return Outcome(institution_id, name, query, GeocodeStatus.SKIPPED, _("Von Hand gesetzt."))
        if query is None:
            return self._apply(institution_id, name, None, GeocodeResult("", GeocodeStatus.NO_ADDRESS))
        result = self.judge(self.geocode(query), self._boundaries.index())
        return self._apply(institution_id, name, query, result)

    def confirm(
        self, institution_id: int, lat: float, lon: float, expected_version: int | None = None
    ) -> Outcome:
        """The user confirmed a candidate (or any point): apply it as the geocoder's answer.

        Raises ValidationError for coordinates out of range, NotFoundError, ConflictError.
        """
        try:
            lat, lon = check_lat(float(lat)), check_lon(float(lon))
        except ValueError as err:
            raise ValidationError({"lat": str(err)}) from err
        with self._sessions() as session:
            obj = session.get(m.Institution, institution_id)
            if obj is None:
                raise NotFoundError(_("Die Einrichtung wurde inzwischen gelöscht."))
            if expected_version is not None and obj.version != expected_version:
                raise ConflictError(_("Die Einrichtung wurde inzwischen geändert. Bitte neu laden."))
            query = address_of(obj)
            name = obj.name
        result = GeocodeResult(query or "", GeocodeStatus.FOUND, (Candidate(lat, lon, ""),))
        return self._apply(institution_id, name, query, result, check_query=False)

    def place_of(self, institution_id: int) -> PlaceState:
        """Where an institution stands with its pin, for the form and the map."""
        with self._sessions() as session:
            obj = session.get(m.Institution, institution_id)
            if obj is None:
                raise NotFoundError(_("Die Einrichtung wurde inzwischen gelöscht."))
            return PlaceState(
                institution_id=obj.id,
                status=obj.geocode_status,
                label=STATE_LABELS.get(obj.geocode_status or "", _("ohne Adresse")),
                lat=obj.lat,
                lon=obj.lon,
                geocoded_at=obj.geocoded_at,
                needs_geocoding=obj.geocode_status == m.GeocodeState.PENDING.value,
                needs_confirmation=obj.geocode_status == m.GeocodeState.CONFIRM.value,
                description=describe_place(obj.geocode_status, obj.lat is not None and obj.lon is not None),
            )

    def waiting_for_confirmation(self) -> list[tuple[int, str, str | None]]:
        """(id, name, address) of the institutions whose geocoding result a person must confirm."""
        inst = m.Institution
        stmt = (
            select(inst.id, inst.name, inst.street, inst.postcode, inst.city)
            .where(inst.geocode_status == m.GeocodeState.CONFIRM.value)
            .order_by(inst.id)
        )
        with self._sessions() as session:
            return [(i, n, address_line(s, p, c)) for i, n, s, p, c in session.execute(stmt)]

    def candidates_for(self, institution_id: int) -> tuple[Candidate, ...]:
        """The cached candidates of an institution's address (for the confirmation dialog)."""
        with self._sessions() as session:
            obj = session.get(m.Institution, institution_id)
            query = address_of(obj) if obj is not None else None
        if query is None:
            return ()
        cached = self._from_cache(normalise(query))
        return cached.candidates if cached is not None else ()

    def _apply(
        self,
        institution_id: int,
        name: str,
        query: str | None,
        result: GeocodeResult,
        dry_run: bool = False,
        check_query: bool = True,
    ) -> Outcome:
        status = result.status
        best = result.best
        outcome = Outcome(
            institution_id,
            name,
            query,
            status,
            result.message,
            result.candidates,
            best.lat if best and status is GeocodeStatus.FOUND else None,
            best.lon if best and status is GeocodeStatus.FOUND else None,
            from_cache=result.from_cache,
        )
        if dry_run or status is GeocodeStatus.SKIPPED:
            return outcome
        try:
            return self._write(institution_id, query, result, outcome, check_query)
        except StaleDataError:
            # saved meanwhile (a pin set by hand, a new address): the version check kept
            # that change, and this answer is not applied
            return replace(outcome, status=GeocodeStatus.CHANGED, message=MESSAGES[GeocodeStatus.CHANGED])

    def _write(
        self,
        institution_id: int,
        query: str | None,
        result: GeocodeResult,
        outcome: Outcome,
        check_query: bool,
    ) -> Outcome:
        status, best = result.status, result.best
        with self._sessions() as session:
            obj = session.get(m.Institution, institution_id)
            if obj is None or (check_query and address_of(obj) != query):
                return replace(outcome, status=GeocodeStatus.CHANGED, message=MESSAGES[GeocodeStatus.CHANGED])
            if check_query and obj.geocode_status == m.GeocodeState.MANUAL.value:
                return replace(outcome, status=GeocodeStatus.CHANGED, message=MESSAGES[GeocodeStatus.CHANGED])
            quarter_id = obj.quarter_id
            before = (obj.lat, obj.lon, obj.quarter_id, obj.quarter_manual, obj.geocode_status)
            if status is GeocodeStatus.FOUND and best is not None:
                obj.lat, obj.lon = round(best.lat, 6), round(best.lon, 6)
                obj.geocode_status = m.GeocodeState.OK.value
                obj.geocoded_at = self._clock.utcnow()
                if not (obj.quarter_manual and obj.quarter_id is not None):
                    obj.quarter_manual = False
                    obj.quarter_id = self._boundaries.index(session).quarter_at(obj.lat, obj.lon)
                quarter_id = obj.quarter_id
            elif status.needs_confirmation:
                obj.geocode_status = m.GeocodeState.CONFIRM.value
            elif status is GeocodeStatus.NOT_FOUND:
                obj.geocode_status = m.GeocodeState.NOT_FOUND.value
            elif status in (GeocodeStatus.MALFORMED, GeocodeStatus.SERVER_ERROR):
                obj.geocode_status = m.GeocodeState.FAILED.value
            elif status is GeocodeStatus.NO_ADDRESS:
                if obj.lat is None:
                    obj.geocode_status = None
            elif obj.lat is None or obj.geocode_status is None:
                obj.geocode_status = m.GeocodeState.PENDING.value  # no network etc.: later
            changed = before != (obj.lat, obj.lon, obj.quarter_id, obj.quarter_manual, obj.geocode_status)
            session.commit()
        if changed:  # lists, map and an open form reload (the window hears it on the GUI thread)
            self._changes.emit({"institution", "offer"}, [institution_id], of="institution")
        return replace(outcome, quarter_id=quarter_id, applied=changed)

    def selection(self, only_missing: bool = True) -> list[tuple[int, str, str | None]]:
        """(id, name, query) of the institutions a batch would look up, by id.

        ``only_missing``: those without a pin, or whose address changed ("pending").
        Otherwise: every institution with an address whose pin was not set by hand.
        """
        inst = m.Institution
        stmt = select(inst.id, inst.name, inst.street, inst.postcode, inst.city).order_by(inst.id)
        manual = m.GeocodeState.MANUAL.value
        if only_missing:
            stmt = stmt.where(
                inst.lat.is_(None)
                | inst.lon.is_(None)
                | (inst.geocode_status == m.GeocodeState.PENDING.value)
            )
        stmt = stmt.where(inst.geocode_status.is_(None) | (inst.geocode_status != manual))
        with self._sessions() as session:
            rows = session.execute(stmt).all()
        out = [(i, n, address_line(s, p, c)) for i, n, s, p, c in rows]
        return out if only_missing else [r for r in out if r[2] is not None]

    def missing_count(self) -> int:
        return len(self.selection(only_missing=True))

    def geocode_missing(
        self,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
        dry_run: bool = False,
        only_missing: bool = True,
        write: Writer | None = None,
    ) -> BatchReport:
        """'Fehlende Koordinaten ermitteln': geocode every institution of :meth:`selection`.

        ``progress(tried, total, seconds_left)`` is called after each institution (on this
        thread), ``tried`` as in :attr:`BatchReport.tried`: an address the server could not be
        reached for does not move the bar. ``cancelled()`` is asked before each one. Each institution is applied in
        its own transaction, so a cancel keeps what was done. Stops at once on 429/403 and
        after :data:`STOP_AFTER_FAILURES` network failures in a row; the rest is SKIPPED.
        ``dry_run`` asks the server (and caches its answers) but changes no institution.
        ``write(fn)`` runs each write (an answer applied, a cache row) and returns its result:
        the window passes its database worker's, so the batch's writes come in order with
        the lists' and the map's reads instead of beside them (default: on this thread).
        """
        run = write or _here
        report_progress = progress or _no_progress
        is_cancelled = cancelled or _never
        started = time.monotonic()
        items = self.selection(only_missing)
        total = len(items)
        keys = {normalise(q) for _i, _n, q in items if q}
        uncached = keys - self._cached_keys(keys)
        order = _interleaved(items, uncached)
        geocoder = self.geocoder()
        index = self._boundaries.index()
        requests_before = geocoder.requests
        request_time = 0.0
        outcomes: dict[int, Outcome] = {}
        stopped: str | None = None
        was_cancelled = False
        failures_in_row = 0
        cached_answers = 0
        spacing = geocoder.settings.effective_min_delay + SPACING_MARGIN
        report_progress(0, total, len(uncached) * spacing)
        tried = 0
        for position in order:
            inst_id, name, query = items[position]
            if stopped is None and not was_cancelled and is_cancelled():
                was_cancelled = True
            if stopped is not None or was_cancelled:
                outcomes[position] = Outcome(
                    inst_id, name, query, GeocodeStatus.SKIPPED, MESSAGES[GeocodeStatus.SKIPPED]
                )
                continue
            if query is None:
                result = GeocodeResult("", GeocodeStatus.NO_ADDRESS)
            else:
                asked = time.monotonic()
                sent_before = geocoder.requests
                result = self.judge(self.geocode(query, write), index)
                if geocoder.requests > sent_before:
                    request_time += time.monotonic() - asked
                if result.from_cache:
                    cached_answers += 1
                uncached.discard(normalise(query))
            outcomes[position] = run(partial(self._apply, inst_id, name, query, result, dry_run=dry_run))
            status = result.status
            if status not in NOT_TRIED:
                tried += 1
            if status in (GeocodeStatus.RATE_LIMITED, GeocodeStatus.REFUSED):
                stopped = _("Angehalten: {reason}").format(reason=result.message)
            elif status in (GeocodeStatus.NO_NETWORK, GeocodeStatus.TIMEOUT, GeocodeStatus.SERVER_ERROR):
                failures_in_row += 1
                if failures_in_row >= STOP_AFTER_FAILURES and status is GeocodeStatus.NO_NETWORK:
                    stopped = _(
                        "Keine Verbindung zum Geokodierungsdienst {host}; angehalten nach {n} Versuchen in Folge"
                    ).format(host=geocoder.settings.host, n=failures_in_row)
                elif failures_in_row >= STOP_AFTER_FAILURES:
                    stopped = _("Angehalten nach {n} Fehlern in Folge: {reason}").format(
                        n=failures_in_row, reason=result.message
                    )
            elif query is not None and not result.from_cache:
                failures_in_row = 0
            sent = geocoder.requests - requests_before
            per_request = max(spacing, request_time / sent if sent else 0.0)
            report_progress(tried, total, 0.0 if stopped else len(uncached) * per_request)
        return BatchReport(
            outcomes=tuple(outcomes[p] for p in range(total)),
            requests=geocoder.requests - requests_before,
            cached=cached_answers,
            seconds=time.monotonic() - started,
            stopped=stopped,
            cancelled=was_cancelled,
            dry_run=dry_run,
            host=geocoder.settings.host,
        )

    def _cached_keys(self, keys: set[str]) -> set[str]:
        found: set[str] = set()
        ordered = sorted(keys)
        with self._sessions() as session:
            for start in range(0, len(ordered), 500):
                chunk = ordered[start : start + 500]
                found.update(session.scalars(select(m.GeocodeCache.key).where(m.GeocodeCache.key.in_(chunk))))
        return found


def _interleaved(items: Sequence[tuple[int, str, str | None]], uncached: set[str]) -> list[int]:
    """The order to work in: each address the server must be asked is followed by an
    even share of the others (cached, duplicates, without address). Their database work
    then happens while the limiter waits anyway, so a batch with many cached addresses
    takes no longer than its requests."""
    asking: list[int] = []
    others: list[int] = []
    first_seen: set[str] = set()
    for position, (_id, _name, query) in enumerate(items):
        key = normalise(query) if query else None
        if key is not None and key in uncached and key not in first_seen:
            first_seen.add(key)
            asking.append(position)
        else:
            others.append(position)
    if not asking:
        return others
    share = math.ceil(len(others) / len(asking))
    order: list[int] = []
    for n, position in enumerate(asking):
        order.append(position)
        order.extend(others[n * share : (n + 1) * share])
    return order
