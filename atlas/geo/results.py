"""What geocoding tells a person: a pin's state in words, one address's outcome, a
batch's report and its progress text; the address query and distances it is judged by.

Plain data and text, no network and no database session: :mod:`atlas.geo.geocoding` (the
service) fills them; the window and the command line show them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from atlas import models as m
from atlas.geo.geocoder import Candidate, GeocodeStatus
from atlas.i18n import _
from atlas.text import address_line, fold

#: Candidates farther apart than this (metres) make an address ambiguous.
AMBIGUOUS_M = 300.0
#: A result farther than this (metres) outside all quarters is shown for confirmation.
OUTSIDE_M = 2000.0
#: A batch stops after this many network failures in a row (no network, timeout, server error).
STOP_AFTER_FAILURES = 3


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


#: German labels of ``institution.geocode_status`` (models.GeocodeState).
STATE_LABELS: dict[str, str] = {
    m.GeocodeState.OK.value: _("verortet"),
    m.GeocodeState.PENDING.value: _("noch nicht verortet"),
    m.GeocodeState.NOT_FOUND.value: _("Adresse nicht gefunden"),
    m.GeocodeState.FAILED.value: _("Verortung fehlgeschlagen"),
    m.GeocodeState.MANUAL.value: _("von Hand gesetzt"),
    m.GeocodeState.CONFIRM.value: _("bitte Treffer bestätigen"),
}


#: What an institution's form says about its pin, as a sentence (models.GeocodeState).
STATE_DESCRIPTIONS: dict[str, str] = {
    m.GeocodeState.OK.value: _("verortet (aus der Adresse)"),
    m.GeocodeState.PENDING.value: _("noch nicht verortet – wird ermittelt, sobald eine Verbindung besteht"),
    m.GeocodeState.NOT_FOUND.value: _(
        "Adresse nicht gefunden – bitte die Schreibweise prüfen oder den Standort von Hand setzen"
    ),
    m.GeocodeState.FAILED.value: _(
        "noch nicht verortet – der Geokodierungsdienst hat mit einem Fehler geantwortet; "
        "„Orte → Fehlende Koordinaten ermitteln“ versucht es erneut"
    ),
    m.GeocodeState.MANUAL.value: _("Standort von Hand gesetzt"),
    m.GeocodeState.CONFIRM.value: _(
        "mehrere mögliche Orte – bitte unter „Orte → Fehlende Koordinaten ermitteln“ bestätigen"
    ),
}
#: The form's sentence for an institution that is not saved yet.
NEW_PLACE_DESCRIPTION = _("noch nicht verortet – wird nach dem Speichern aus der Adresse ermittelt")


def describe_place(status: str | None, has_pin: bool) -> str:
    """The form's sentence for a pin's state (``status``: a models.GeocodeState value or None)."""
    if status in STATE_DESCRIPTIONS:
        return STATE_DESCRIPTIONS[status]
    return _("Standort gesetzt") if has_pin else _("nicht verortet – ohne Adresse")


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
    description: str = ""  # German sentence for the form (describe_place)


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
    host: str = ""  # the geocoding server asked (for the messages)

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def tried(self) -> int:
        """Addresses dealt with: answered by the server (even with an error) or the cache, or
        without an address. Not tried: skipped, and those the server could not be reached for."""
        return sum(1 for o in self.outcomes if o.status not in NOT_TRIED)

    @property
    def unreachable(self) -> int:
        return self.count(GeocodeStatus.NO_NETWORK)

    def headline(self) -> str:
        """'keine Verbindung – 0 von 2 versucht': how far the batch got, and why it ended there."""
        progress = _("{tried} von {total} versucht").format(tried=self.tried, total=self.total)
        if self.cancelled:
            reason = _("Abgebrochen")
        elif self.stopped:
            reason = self.stopped
        elif self.unreachable:
            reason = _("Keine Verbindung zum Geokodierungsdienst {host}").format(host=self.host or "–")
        else:
            return _("Fertig – {progress}.").format(progress=progress)
        return f"{reason} – {progress}."

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
        """The headline, what was not tried and what happens to it, then the counts."""
        lines = [self.headline()]
        left = self.total - self.tried
        if left and not self.dry_run:
            lines.append(
                _(
                    "{n} Einrichtungen bleiben unverändert und werden beim nächsten Lauf erneut versucht."
                ).format(n=left)
            )
        lines.append(self.counts())
        return "\n".join(lines)

    def counts(self) -> str:
        text = _(
            "{total} Adressen: {found} verortet, {confirm} zur Bestätigung, {not_found} nicht gefunden, "
            "{failed} fehlgeschlagen, {unreachable} ohne Verbindung, {skipped} übersprungen ({cached} aus dem "
            "Cache, {requests} Anfragen, {seconds} s)."
        ).format(
            total=self.total,
            found=self.count(GeocodeStatus.FOUND),
            confirm=len(self.to_confirm),
            not_found=self.count(GeocodeStatus.NOT_FOUND),
            failed=len(self.failures) - self.unreachable,
            unreachable=self.unreachable,
            skipped=self.count(GeocodeStatus.SKIPPED, GeocodeStatus.NO_ADDRESS, GeocodeStatus.CHANGED),
            cached=self.cached,
            requests=self.requests,
            seconds=f"{self.seconds:.1f}".replace(".", ","),
        )
        if self.dry_run:
            text = _("Probelauf (nichts gespeichert): ") + text
        return text


#: Outcomes that do not count as tried: the batch never got to them, or never reached the server.
NOT_TRIED = frozenset({GeocodeStatus.SKIPPED, GeocodeStatus.NO_NETWORK})


def eta_text(seconds: float) -> str:
    """'noch etwa 3 min' for a progress bar."""
    if seconds < 1:
        return ""
    if seconds < 90:
        return _("noch etwa {n} s").format(n=math.ceil(seconds))
    return _("noch etwa {n} min").format(n=math.ceil(seconds / 60))


def summary_lines(report: BatchReport, limit: int = 50) -> list[str]:
    """One German line per address that did not simply work, then the summary's lines."""
    lines = []
    for outcome in report.outcomes:
        if outcome.status in (GeocodeStatus.FOUND, GeocodeStatus.SKIPPED):
            continue
        lines.append(f"{outcome.name} ({outcome.query or '–'}): {outcome.message}")
    if len(lines) > limit:
        lines = [*lines[:limit], _("… und {n} weitere.").format(n=len(lines) - limit)]
    return [*lines, *report.summary().splitlines()]
