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
its own short transaction, so a cancelled batch keeps what it did.

Threading: :meth:`GeocodingService.geocode_missing` and ``place_institution`` are
meant to run on a worker thread. They do not emit on ``atlas.changes`` (whose
listeners live on the GUI thread); the ids they changed are in their results, and
:meth:`GeocodingService.announce` emits them when called on the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import socket
import threading
import time
import urllib.error
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from atlas import models as m
from atlas.changes import ChangeBus
from atlas.errors import ConflictError, NotFoundError, ValidationError
from atlas.i18n import _
from atlas.quarters import QuarterService
from atlas.text import address_line, check_lat, check_lon, fold

if TYPE_CHECKING:
    from atlas.geometry import QuarterIndex

DEFAULT_URL = "https://nominatim.openstreetmap.org"
DEFAULT_USER_AGENT = "Stadtteil-Atlas/0.1 (Desktop-Programm fuer Netzwerkcoaches im Quartier)"
PROVIDERS = ("nominatim", "photon")
#: Public servers and the least pause between two requests they accept (seconds).
PUBLIC_SERVERS = {"nominatim.openstreetmap.org": 1.0, "photon.komoot.io": 1.0}
#: Added to every pause, so that network jitter never brings two requests closer.
SPACING_MARGIN = 0.02
#: How many results are asked for: enough to see an ambiguous address.
CANDIDATES = 3
#: Candidates farther apart than this (metres) make an address ambiguous.
AMBIGUOUS_M = 300.0
#: A result farther than this (metres) outside all quarters is shown for confirmation.
OUTSIDE_M = 2000.0
#: After a 429 without Retry-After, and after a 403: pause before that server is asked again.
RATE_LIMIT_PAUSE_S = 60.0
REFUSED_PAUSE_S = 3600.0
#: A batch stops after this many network failures in a row (no network, timeout, server error).
STOP_AFTER_FAILURES = 3


class GeocodeStatus(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    AMBIGUOUS = "ambiguous"  # found, but the candidates lie far apart: a person decides
    OUTSIDE = "outside"  # found, but far outside all quarters: a person decides
    NO_NETWORK = "no_network"
    RATE_LIMITED = "rate_limited"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    MALFORMED = "malformed"
    SERVER_ERROR = "server_error"
    NO_ADDRESS = "no_address"  # nothing to look up
    SKIPPED = "skipped"  # not tried: the batch was cancelled or stopped before
    CHANGED = "changed"  # the institution was edited (or deleted) meanwhile: result not applied

    @property
    def is_failure(self) -> bool:
        """A failure to get an answer (not 'not found', not a question to the user)."""
        return self in _FAILURES

    @property
    def needs_confirmation(self) -> bool:
        return self in (GeocodeStatus.AMBIGUOUS, GeocodeStatus.OUTSIDE)


_FAILURES = frozenset(
    {
        GeocodeStatus.NO_NETWORK,
        GeocodeStatus.RATE_LIMITED,
        GeocodeStatus.REFUSED,
        GeocodeStatus.TIMEOUT,
        GeocodeStatus.MALFORMED,
        GeocodeStatus.SERVER_ERROR,
    }
)

#: A German message per status; ``{host}``, ``{detail}``, ``{seconds}``, ``{km}`` are filled in.
MESSAGES: dict[GeocodeStatus, str] = {
    GeocodeStatus.FOUND: _("Gefunden und verortet."),
    GeocodeStatus.NOT_FOUND: _(
        "Adresse nicht gefunden. Bitte die Schreibweise prüfen oder die Stecknadel auf der Karte setzen."
    ),
    GeocodeStatus.AMBIGUOUS: _(
        "Mehrdeutig: die Treffer liegen bis zu {km} km auseinander. Bitte den richtigen bestätigen."
    ),
    GeocodeStatus.OUTSIDE: _("Der Treffer liegt {km} km außerhalb aller Quartiere. Bitte bestätigen."),
    GeocodeStatus.NO_NETWORK: _(
        "Keine Verbindung zum Geokodierungsdienst {host}. Die Einrichtung ist gespeichert und wird "
        "später verortet."
    ),
    GeocodeStatus.RATE_LIMITED: _(
        "Der Geokodierungsdienst {host} meldet zu viele Anfragen (HTTP 429). Angehalten; bitte in "
        "{seconds} s erneut versuchen."
    ),
    GeocodeStatus.REFUSED: _(
        "Der Geokodierungsdienst {host} verweigert den Zugriff (HTTP 403). Bitte in den Einstellungen "
        "Adresse und Kennung (User-Agent) prüfen."
    ),
    GeocodeStatus.TIMEOUT: _(
        "Der Geokodierungsdienst {host} hat nicht rechtzeitig geantwortet ({seconds} s)."
    ),
    GeocodeStatus.MALFORMED: _("Die Antwort des Geokodierungsdienstes {host} ist unbrauchbar ({detail})."),
    GeocodeStatus.SERVER_ERROR: _("Der Geokodierungsdienst {host} meldet einen Fehler ({detail})."),
    GeocodeStatus.NO_ADDRESS: _("Keine Adresse: Straße und PLZ oder Ort fehlen."),
    GeocodeStatus.SKIPPED: _("Nicht versucht."),
    GeocodeStatus.CHANGED: _("Inzwischen geändert oder gelöscht; das Ergebnis wurde nicht übernommen."),
}


# -- settings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeocoderSettings:
    """Which server to ask and how. The UI keeps these; the command line takes ``--geocoder-url``."""

    url: str = DEFAULT_URL
    user_agent: str = DEFAULT_USER_AGENT
    provider: str = "nominatim"  # "nominatim" or "photon"
    min_delay: float = 1.0  # seconds between two requests (at least 1 for the public servers)
    timeout: float = 10.0  # seconds for one answer
    country_codes: str = "de"  # Nominatim only: search in these countries

    def checked(self) -> GeocoderSettings:
        """The settings, cleaned; ValidationError (German, by field) if unusable."""
        problems: dict[str, str] = {}
        url = self.url.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems["url"] = _(
                "Bitte die Adresse des Geokodierungsdienstes mit http:// oder https:// angeben "
                "(z. B. {default})."
            ).format(default=DEFAULT_URL)
        elif parts.query or parts.fragment:
            problems["url"] = _("Die Adresse des Dienstes darf kein ? oder # enthalten.")
        agent = " ".join(self.user_agent.split())
        if len(agent) < 8 or fold(agent).startswith("geopy") or fold(agent).startswith("python"):
            problems["user_agent"] = _(
                "Bitte eine Kennung angeben, die das Programm erkennen lässt (z. B. „{default}“)."
            ).format(default=DEFAULT_USER_AGENT)
        if self.provider not in PROVIDERS:
            problems["provider"] = _("Unbekannter Dienst „{p}“ (nominatim oder photon).").format(
                p=self.provider
            )
        if not (math.isfinite(self.min_delay) and 0 <= self.min_delay <= 60):
            problems["min_delay"] = _("Der Abstand zwischen Anfragen muss zwischen 0 und 60 Sekunden liegen.")
        if not (math.isfinite(self.timeout) and 0 < self.timeout <= 120):
            problems["timeout"] = _("Die Wartezeit muss zwischen 0 und 120 Sekunden liegen.")
        if problems:
            raise ValidationError(problems)
        return replace(self, url=url, user_agent=agent)

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc or self.url

    @property
    def effective_min_delay(self) -> float:
        """The pause kept between requests: the public servers get at least their minimum."""
        floor = PUBLIC_SERVERS.get((urlsplit(self.url).hostname or "").lower(), 0.0)
        return max(self.min_delay, floor)

    @property
    def provider_label(self) -> str:
        return f"{self.provider} {self.url}"


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    lat: float
    lon: float
    display_name: str


@dataclass(frozen=True)
class GeocodeResult:
    """One address looked up (or found in the cache)."""

    query: str
    status: GeocodeStatus
    candidates: tuple[Candidate, ...] = ()
    from_cache: bool = False
    host: str = ""
    detail: str = ""  # HTTP status, the technical reason, or the distance for confirmations
    seconds: float = 0.0  # the timeout, or how long to wait after a 429
    km: float = 0.0  # for AMBIGUOUS / OUTSIDE

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def message(self) -> str:
        return MESSAGES[self.status].format(
            host=self.host,
            detail=self.detail,
            seconds=f"{self.seconds:.0f}",
            km=f"{self.km:.1f}".replace(".", ","),
        )


def normalise(query: str) -> str:
    """The cache key of an address: case, accents, spacing and 'str.' do not matter."""
    key = fold(" ".join(query.split()))
    key = re.sub(r"\s*,\s*", ", ", key)
    return re.sub(r"str\.(?=\s|,|$)", "strasse", key)


def address_of(institution: m.Institution) -> str | None:
    """The query for an institution: street, postcode and town. Nothing else, ever."""
    return address_line(institution.street, institution.postcode, institution.city)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance of two (lat, lon) points in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


# -- the process-wide limiter ------------------------------------------------------------------


class _Limiter:
    """One request at a time in the whole process, with a pause between the starts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_start = -math.inf
        self._blocked: dict[tuple[str, str], tuple[float, GeocodeStatus]] = {}
        self._state = threading.Lock()

    @contextmanager
    def slot(self, min_delay: float) -> Iterator[None]:
        with self._lock:
            wait = self._last_start + min_delay + SPACING_MARGIN - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_start = time.monotonic()
            yield

    def blocked(self, key: tuple[str, str]) -> tuple[float, GeocodeStatus] | None:
        """(seconds left, status) while a server that said 429/403 must not be asked."""
        with self._state:
            found = self._blocked.get(key)
            if found is None:
                return None
            left = found[0] - time.monotonic()
            if left <= 0:
                del self._blocked[key]
                return None
            return left, found[1]

    def block(self, key: tuple[str, str], seconds: float, status: GeocodeStatus) -> None:
        with self._state:
            self._blocked[key] = (time.monotonic() + seconds, status)


LIMITER = _Limiter()


# -- one geocoder ----------------------------------------------------------------------------


def _urllib_adapter(*, proxies: Any, ssl_context: Any) -> Any:
    # urllib: no retries behind our back (requests' adapter retries twice, which would
    # bypass the limiter), no connection pool; the system's proxy settings are used.
    from geopy.adapters import URLLibAdapter

    return URLLibAdapter(proxies=proxies, ssl_context=ssl_context)


def _chain(err: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


class Geocoder:
    """Looks addresses up on one server; every request goes through :data:`LIMITER`."""

    def __init__(self, settings: GeocoderSettings) -> None:
        self.settings = settings.checked()
        self.requests = 0  # sent by this geocoder
        self._client: Any = None

    def _geopy(self) -> Any:
        if self._client is None:
            parts = urlsplit(self.settings.url)
            domain = parts.netloc + parts.path
            options: dict[str, Any] = {
                "domain": domain,
                "scheme": parts.scheme,
                "user_agent": self.settings.user_agent,
                "timeout": self.settings.timeout,
                "adapter_factory": _urllib_adapter,
            }
            if self.settings.provider == "photon":
                from geopy.geocoders import Photon

                self._client = Photon(**options)
            else:
                from geopy.geocoders import Nominatim

                self._client = Nominatim(**options)
        return self._client

    @property
    def _key(self) -> tuple[str, str]:
        return (self.settings.provider_label, self.settings.user_agent)

    def lookup(self, query: str) -> GeocodeResult:
        """Ask the server (no cache). Never raises for network or server trouble."""
        host = self.settings.host
        blocked = LIMITER.blocked(self._key)
        if blocked is not None:
            left, status = blocked
            return GeocodeResult(query, status, host=host, seconds=left, detail=_("Pause nach HTTP-Fehler"))
        client = self._geopy()
        try:
            with LIMITER.slot(self.settings.effective_min_delay):
                self.requests += 1
                if self.settings.provider == "photon":
                    found = client.geocode(query, exactly_one=False, limit=CANDIDATES, language="de")
                else:
                    found = client.geocode(
                        query,
                        exactly_one=False,
                        limit=CANDIDATES,
                        country_codes=self.settings.country_codes or None,
                        language="de",
                    )
        except Exception as err:  # every failure becomes a status; nothing is swallowed silently
            result = self._failure(query, err)
            if result.status is GeocodeStatus.RATE_LIMITED:
                LIMITER.block(self._key, result.seconds, result.status)
            elif result.status is GeocodeStatus.REFUSED:
                LIMITER.block(self._key, REFUSED_PAUSE_S, result.status)
            return result
        return self._parse(query, found)

    def _parse(self, query: str, found: Any) -> GeocodeResult:
        host = self.settings.host
        if not found:
            return GeocodeResult(query, GeocodeStatus.NOT_FOUND, host=host)
        candidates = []
        try:
            for location in found:
                lat, lon = float(location.latitude), float(location.longitude)
                if not (
                    math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
                ):
                    raise ValueError(f"coordinates out of range: {lat}, {lon}")
                candidates.append(Candidate(round(lat, 7), round(lon, 7), str(location.address or "")))
        except (TypeError, ValueError, AttributeError) as err:
            return GeocodeResult(query, GeocodeStatus.MALFORMED, host=host, detail=str(err)[:120])
        return GeocodeResult(query, GeocodeStatus.FOUND, tuple(candidates), host=host)

    def _failure(self, query: str, err: Exception) -> GeocodeResult:
        from geopy.adapters import AdapterHTTPError
        from geopy.exc import (
            GeocoderAuthenticationFailure,
            GeocoderInsufficientPrivileges,
            GeocoderParseError,
            GeocoderQuotaExceeded,
            GeocoderRateLimited,
            GeocoderTimedOut,
            GeocoderUnavailable,
        )

        host, timeout = self.settings.host, self.settings.timeout
        chain = list(_chain(err))
        http = next((e for e in chain if isinstance(e, AdapterHTTPError)), None)
        code = getattr(http, "status_code", None)

        def result(status: GeocodeStatus, detail: str = "", seconds: float = 0.0) -> GeocodeResult:
            return GeocodeResult(query, status, host=host, detail=detail, seconds=seconds)

        if isinstance(err, GeocoderRateLimited) or code == 429:
            retry = getattr(err, "retry_after", None)
            pause = min(float(retry), REFUSED_PAUSE_S) if retry else RATE_LIMIT_PAUSE_S
            return result(GeocodeStatus.RATE_LIMITED, "HTTP 429", pause)
        if isinstance(err, GeocoderQuotaExceeded):
            return result(GeocodeStatus.RATE_LIMITED, f"HTTP {code}", RATE_LIMIT_PAUSE_S)
        if isinstance(err, (GeocoderInsufficientPrivileges, GeocoderAuthenticationFailure)) or code in (
            401,
            403,
        ):
            return result(GeocodeStatus.REFUSED, f"HTTP {code}")
        if code is not None:
            return result(GeocodeStatus.SERVER_ERROR, f"HTTP {code}")
        if any(isinstance(e, (TimeoutError, socket.timeout)) for e in chain) or isinstance(
            err, GeocoderTimedOut
        ):
            return result(GeocodeStatus.TIMEOUT, seconds=timeout)
        if isinstance(err, GeocoderUnavailable) or any(
            isinstance(e, urllib.error.URLError) and isinstance(e.reason, OSError) for e in chain
        ):
            return result(GeocodeStatus.NO_NETWORK, str(err)[:120])
        if isinstance(err, (GeocoderParseError, TypeError, KeyError, ValueError, IndexError)):
            return result(GeocodeStatus.MALFORMED, _("kein gültiges Ergebnis"))
        if any(isinstance(e, OSError) for e in chain):
            return result(GeocodeStatus.NO_NETWORK, str(err)[:120])
        return result(GeocodeStatus.SERVER_ERROR, str(err)[:120] or type(err).__name__)


#: German labels of ``institution.geocode_status`` (models.GeocodeState).
STATE_LABELS: dict[str, str] = {
    m.GeocodeState.OK.value: _("verortet"),
    m.GeocodeState.PENDING.value: _("noch nicht verortet"),
    m.GeocodeState.NOT_FOUND.value: _("Adresse nicht gefunden"),
    m.GeocodeState.FAILED.value: _("Verortung fehlgeschlagen"),
    m.GeocodeState.MANUAL.value: _("von Hand gesetzt"),
    m.GeocodeState.CONFIRM.value: _("bitte Treffer bestätigen"),
}


@dataclass(frozen=True)
class PlaceState:
    """An institution's pin and geocoding state (:meth:`GeocodingService.place_of`)."""

    institution_id: int
    status: str | None  # a models.GeocodeState value, or None without an address
    label: str  # German, for the form or a tooltip
    lat: float | None
    lon: float | None
    geocoded_at: dt.datetime | None
    needs_geocoding: bool  # "pending": run place_institution (or the batch) when online
    needs_confirmation: bool  # "confirm": show candidates_for() and call confirm()


# -- batch results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What happened to one institution."""

    institution_id: int
    name: str
    query: str | None
    status: GeocodeStatus
    message: str
    candidates: tuple[Candidate, ...] = ()
    lat: float | None = None
    lon: float | None = None
    quarter_id: int | None = None
    from_cache: bool = False
    applied: bool = False  # the database was changed


@dataclass(frozen=True)
class BatchReport:
    outcomes: tuple[Outcome, ...]
    requests: int  # sent to the server
    cached: int  # answered from the cache
    seconds: float
    stopped: str | None = None  # German reason when the batch stopped early
    cancelled: bool = False
    dry_run: bool = False

    @property
    def total(self) -> int:
        return len(self.outcomes)

    def count(self, *statuses: GeocodeStatus) -> int:
        return sum(1 for o in self.outcomes if o.status in statuses)

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status.is_failure)

    @property
    def to_confirm(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status.needs_confirmation)

    @property
    def changed_ids(self) -> tuple[int, ...]:
        return tuple(o.institution_id for o in self.outcomes if o.applied)

    def summary(self) -> str:
        text = _(
            "{total} Adressen: {found} verortet, {confirm} zur Bestätigung, {not_found} nicht gefunden, "
            "{failed} fehlgeschlagen, {skipped} nicht versucht ({cached} aus dem Cache, {requests} Anfragen, "
            "{seconds} s)."
        ).format(
            total=self.total,
            found=self.count(GeocodeStatus.FOUND),
            confirm=len(self.to_confirm),
            not_found=self.count(GeocodeStatus.NOT_FOUND),
            failed=len(self.failures),
            skipped=self.count(GeocodeStatus.SKIPPED, GeocodeStatus.NO_ADDRESS, GeocodeStatus.CHANGED),
            cached=self.cached,
            requests=self.requests,
            seconds=f"{self.seconds:.1f}".replace(".", ","),
        )
        if self.dry_run:
            text = _("Probelauf (nichts gespeichert): ") + text
        if self.cancelled:
            text += " " + _("Abgebrochen.")
        if self.stopped:
            text += " " + self.stopped
        return text


Progress = Callable[[int, int, float], None]  # (done, total, seconds left)


def _no_progress(_done: int, _total: int, _eta: float) -> None:
    return None


def _never() -> bool:
    return False


# -- the service -----------------------------------------------------------------------------


class GeocodingService:
    """Geocoding with the cache, applied to institutions. Exposed as ``atlas.geocoding``."""

    def __init__(
        self, sessions: sessionmaker[Session], changes: ChangeBus, boundaries: QuarterService
    ) -> None:
        self._sessions = sessions
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
    def geocode(self, query: str) -> GeocodeResult:
        """From the cache, or from the server (and then cached if definitive)."""
        key = normalise(query)
        cached = self._from_cache(key)
        if cached is not None:
            return cached
        geocoder = self.geocoder()
        result = geocoder.lookup(query)
        if result.status in (GeocodeStatus.FOUND, GeocodeStatus.NOT_FOUND):
            self._store(key, result, geocoder.settings)
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
            fetched_at=m.utcnow(),
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
        outcome = self._apply(institution_id, name, query, result, check_query=False)
        self._changes.emit({"institution", "offer"}, [institution_id])
        return outcome

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
                obj.geocoded_at = m.utcnow()
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
        return replace(outcome, quarter_id=quarter_id, applied=changed)

    def announce(self, outcomes: BatchReport | Outcome) -> None:
        """Emit the changes of a batch or a placement on ``atlas.changes`` (call on the GUI thread)."""
        ids = (
            outcomes.changed_ids
            if isinstance(outcomes, BatchReport)
            else ((outcomes.institution_id,) if outcomes.applied else ())
        )
        if ids:
            self._changes.emit({"institution", "offer"}, ids)

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
    ) -> BatchReport:
        """'Fehlende Koordinaten ermitteln': geocode every institution of :meth:`selection`.

        ``progress(done, total, seconds_left)`` is called after each institution (on this
        thread); ``cancelled()`` is asked before each one. Each institution is applied in
        its own transaction, so a cancel keeps what was done. Stops at once on 429/403 and
        after :data:`STOP_AFTER_FAILURES` network failures in a row; the rest is SKIPPED.
        ``dry_run`` asks the server (and caches its answers) but changes no institution.
        """
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
        for done, position in enumerate(order, start=1):
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
                result = self.judge(self.geocode(query), index)
                if geocoder.requests > sent_before:
                    request_time += time.monotonic() - asked
                if result.from_cache:
                    cached_answers += 1
                uncached.discard(normalise(query))
            outcomes[position] = self._apply(inst_id, name, query, result, dry_run=dry_run)
            status = result.status
            if status in (GeocodeStatus.RATE_LIMITED, GeocodeStatus.REFUSED):
                stopped = _("Angehalten: {reason}").format(reason=result.message)
            elif status in (GeocodeStatus.NO_NETWORK, GeocodeStatus.TIMEOUT, GeocodeStatus.SERVER_ERROR):
                failures_in_row += 1
                if failures_in_row >= STOP_AFTER_FAILURES:
                    stopped = _("Angehalten nach {n} Fehlern in Folge: {reason}").format(
                        n=failures_in_row, reason=result.message
                    )
            elif query is not None and not result.from_cache:
                failures_in_row = 0
            sent = geocoder.requests - requests_before
            per_request = max(spacing, request_time / sent if sent else 0.0)
            report_progress(done, total, 0.0 if stopped else len(uncached) * per_request)
        return BatchReport(
            outcomes=tuple(outcomes[p] for p in range(total)),
            requests=geocoder.requests - requests_before,
            cached=cached_answers,
            seconds=time.monotonic() - started,
            stopped=stopped,
            cancelled=was_cancelled,
            dry_run=dry_run,
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


def eta_text(seconds: float) -> str:
    """'noch etwa 3 min' for a progress bar."""
    if seconds < 1:
        return ""
    if seconds < 90:
        return _("noch etwa {n} s").format(n=math.ceil(seconds))
    return _("noch etwa {n} min").format(n=math.ceil(seconds / 60))


def summary_lines(report: BatchReport, limit: int = 50) -> list[str]:
    """One German line per address that did not simply work, then the summary."""
    lines = []
    for outcome in report.outcomes:
        if outcome.status in (GeocodeStatus.FOUND, GeocodeStatus.SKIPPED):
            continue
        lines.append(f"{outcome.name} ({outcome.query or '–'}): {outcome.message}")
    if len(lines) > limit:
        lines = [*lines[:limit], _("… und {n} weitere.").format(n=len(lines) - limit)]
    return [*lines, report.summary()]
