"""The geocoder client: one server asked through geopy, within Nominatim's usage policy.

The rules this module keeps (https://operations.osmfoundation.org/policies/nominatim/):

- **At most one request per second, one at a time, in the whole program.** Every
  request of every :class:`Geocoder` goes through one process-wide limiter: a lock
  held for the whole request, and at least ``min_delay`` (plus a small margin for
  network jitter) between the starts of two requests, on the monotonic clock. The
  public servers never get less than one second, whatever the settings say.
- **An identifying User-Agent** (a setting; geopy's own default is refused).
- **Errors are told apart**, per address: not found, no network, rate-limited (HTTP
  429), refused (403), timeout, a malformed answer, a server error. After a 429 or
  403 the program backs off: that server is not asked again until ``Retry-After`` (or
  a pause) has passed. geopy's own ``RateLimiter`` is not used: it is per instance and
  swallows errors by default.

The cache, the institutions and the batch are in :mod:`atlas.geo.geocoding`, which also
re-exports every public name of this module.
"""

from __future__ import annotations

import math
import socket
import threading
import time
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from atlas.errors import ValidationError
from atlas.i18n import _
from atlas.text import fold

DEFAULT_URL = "https://nominatim.openstreetmap.org"
DEFAULT_USER_AGENT = "Stadtteil-Atlas/0.1 (Desktop-Programm fuer Netzwerkcoaches im Quartier)"
PROVIDERS = ("nominatim", "photon")
#: Public servers and the least pause between two requests they accept (seconds).
PUBLIC_SERVERS = {"nominatim.openstreetmap.org": 1.0, "photon.komoot.io": 1.0}
#: Added to every pause, so that network jitter never brings two requests closer.
SPACING_MARGIN = 0.02
#: How many results are asked for: enough to see an ambiguous address.
CANDIDATES = 3
#: After a 429 without Retry-After, and after a 403: pause before that server is asked again.
RATE_LIMIT_PAUSE_S = 60.0
REFUSED_PAUSE_S = 3600.0


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
