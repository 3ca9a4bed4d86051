"""Geocoding's rate limit and its errors told apart (429, 403, server errors, timeouts,
malformed answers, no network), against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading

import pytest

from atlas import models as m
from atlas.core import Atlas
from atlas.errors import ValidationError
from atlas.geo.geocoding import (
    DEFAULT_USER_AGENT,
    STATE_DESCRIPTIONS,
    Geocoder,
    GeocoderSettings,
    GeocodeStatus,
    describe_place,
)
from tests.fake_nominatim import FakeNominatim, Reply, closed_url, found, place
from tests.geocoding_support import (  # noqa: F401  (the fixtures server and geo)
    AGENT,
    EAST,
    IN_EAST,
    IN_WEST,
    WEST,
    add,
    geo_fixture,
    quarters,
    row,
    server_fixture,
    settings,
)

# -- the rate limit ------------------------------------------------------------------------------


def test_at_most_one_request_per_second_by_the_servers_clock(atlas: Atlas, server: FakeNominatim) -> None:
    atlas.geocoding.configure(settings(server.url, min_delay=1.0))
    server.default = found(IN_WEST)
    for i in range(4):
        add(atlas, f"E{i}", f"Marktstraße {i + 1}")
    report = atlas.geocoding.geocode_missing()
    assert report.requests == 4 == server.count
    assert min(server.gaps()) >= 1.0, server.gaps()


def test_the_limit_holds_across_geocoders_and_threads(server: FakeNominatim) -> None:
    server.default = found(IN_WEST)
    one = Geocoder(settings(server.url, min_delay=1.0))
    two = Geocoder(settings(server.url, min_delay=1.0, user_agent=AGENT + " zwei"))
    threads = [
        threading.Thread(target=lambda: [one.lookup(f"Weg {i}, Oberhausen") for i in range(2)]),
        threading.Thread(target=lambda: two.lookup("Platz 1, Oberhausen")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert server.count == 3
    assert min(server.gaps()) >= 1.0, server.gaps()


def test_public_servers_get_at_least_one_second() -> None:
    assert GeocoderSettings(min_delay=0.1).effective_min_delay == 1.0
    assert (
        GeocoderSettings(url="https://photon.komoot.io", provider="photon", min_delay=0).effective_min_delay
        == 1.0
    )
    assert GeocoderSettings(url="http://geo.stadt.example", min_delay=0.2).effective_min_delay == 0.2


def test_settings_are_checked() -> None:
    with pytest.raises(ValidationError) as info:
        GeocoderSettings(
            url="ftp://x", user_agent="geopy/2.4", provider="google", min_delay=-1, timeout=0
        ).checked()
    assert set(info.value.errors) == {"url", "user_agent", "provider", "min_delay", "timeout"}
    assert GeocoderSettings(url=" https://geo.stadt.example/nominatim/ ").checked().url == (
        "https://geo.stadt.example/nominatim"
    )
    assert "Stadtteil-Atlas" in DEFAULT_USER_AGENT


# -- errors, told apart ------------------------------------------------------------------------


def test_429_stops_the_batch_and_backs_off(geo: Atlas, server: FakeNominatim) -> None:
    ids = [add(geo, f"E{i}", f"Marktstraße {i + 1}") for i in range(4)]
    server.queue = [found(IN_WEST), Reply(429, b"Too many", headers={"Retry-After": "30"})]
    server.default = found(IN_WEST)
    report = geo.geocoding.geocode_missing()
    assert [o.status for o in report.outcomes] == [
        GeocodeStatus.FOUND,
        GeocodeStatus.RATE_LIMITED,
        GeocodeStatus.SKIPPED,
        GeocodeStatus.SKIPPED,
    ]
    assert server.count == 2
    assert report.stopped and "HTTP 429" in report.stopped and "30 s" in report.stopped
    assert report.failures and report.failures[0].institution_id == ids[1]
    assert [row(geo, i).geocode_status for i in ids] == ["ok", "pending", "pending", "pending"]
    # Backing off: the server is not asked again before Retry-After has passed.
    again = geo.geocoding.geocode_missing()
    assert again.outcomes[0].status is GeocodeStatus.RATE_LIMITED
    assert server.count == 2


def test_403_is_refused_and_not_hammered(geo: Atlas, server: FakeNominatim) -> None:
    inst = add(geo, "E", "Marktstraße 1")
    server.default = Reply(403, b"<html>Forbidden</html>")
    outcome = geo.geocoding.place_institution(inst)
    assert outcome.status is GeocodeStatus.REFUSED
    assert "HTTP 403" in outcome.message and "User-Agent" in outcome.message
    assert geo.geocoding.place_institution(inst).status is GeocodeStatus.REFUSED
    assert server.count == 1
    assert row(geo, inst).geocode_status == "pending"
    # With another identification the server may be asked again.
    geo.geocoding.configure(settings(server.url, user_agent=AGENT + " neu"))
    server.default = found(IN_WEST)
    assert geo.geocoding.place_institution(inst).status is GeocodeStatus.FOUND
    assert server.count == 2


def test_a_server_error_is_not_cached(geo: Atlas, server: FakeNominatim) -> None:
    inst = add(geo, "E", "Marktstraße 1")
    server.queue = [Reply(500, b"Internal Server Error")]
    outcome = geo.geocoding.place_institution(inst)
    assert outcome.status is GeocodeStatus.SERVER_ERROR and "HTTP 500" in outcome.message
    assert row(geo, inst).geocode_status == "failed"
    server.default = found(IN_WEST)
    assert geo.geocoding.place_institution(inst).status is GeocodeStatus.FOUND
    assert server.count == 2


def test_a_slow_answer_times_out_and_stays_pending(atlas: Atlas, server: FakeNominatim) -> None:
    atlas.geocoding.configure(settings(server.url, timeout=0.3))
    inst = add(atlas, "E", "Marktstraße 1")
    server.default = Reply(body=[place(*IN_WEST)], delay=1.0)
    outcome = atlas.geocoding.place_institution(inst)
    assert outcome.status is GeocodeStatus.TIMEOUT
    assert "nicht rechtzeitig" in outcome.message
    assert row(atlas, inst).geocode_status == "pending" and row(atlas, inst).lat is None
    assert atlas.geocoding.cache_size() == 0


@pytest.mark.filterwarnings("ignore:Latitude normalization:UserWarning")
@pytest.mark.parametrize(
    "body",
    [
        b"das ist kein JSON{",
        b'[{"lat": "51.47", "lon": "6.82"}]',  # no display_name: geopy raises TypeError
        b'[{"lat": "abc", "lon": "6.82", "display_name": "x"}]',
        b'[{"lat": "95.5", "lon": "6.82", "display_name": "x"}]',
        b'"nur ein Text"',
        b'{"error": "kaputt"}',
    ],
    ids=["not-json", "no-display-name", "lat-not-a-number", "lat-out-of-range", "a-string", "error-object"],
)
def test_a_malformed_answer_is_told_apart(geo: Atlas, server: FakeNominatim, body: bytes) -> None:
    inst = add(geo, "E", "Marktstraße 1")
    server.default = Reply(body=body)
    outcome = geo.geocoding.place_institution(inst)
    assert outcome.status in (GeocodeStatus.MALFORMED, GeocodeStatus.SERVER_ERROR), outcome
    assert outcome.status.is_failure
    assert row(geo, inst).geocode_status == "failed" and row(geo, inst).lat is None
    assert geo.geocoding.cache_size() == 0


def test_no_network_keeps_the_institution_pending_and_the_batch_stops(atlas: Atlas) -> None:
    atlas.geocoding.configure(settings(closed_url()))
    ids = [add(atlas, f"E{i}", f"Marktstraße {i + 1}") for i in range(5)]
    outcome = atlas.geocoding.place_institution(ids[0])
    assert outcome.status is GeocodeStatus.NO_NETWORK
    assert "Keine Verbindung" in outcome.message and "später verortet" in outcome.message
    assert row(atlas, ids[0]).geocode_status == "pending"
    report = atlas.geocoding.geocode_missing()
    statuses = [o.status for o in report.outcomes]
    assert statuses == [GeocodeStatus.NO_NETWORK] * 3 + [GeocodeStatus.SKIPPED] * 2
    assert (
        report.stopped and "Keine Verbindung" in report.stopped and "3 Versuchen in Folge" in report.stopped
    )
    assert report.tried == 0
    assert report.summary().startswith(
        f"Keine Verbindung zum Geokodierungsdienst {atlas.geocoding.settings.host}; angehalten nach 3 Versuchen "
        "in Folge – 0 von 5 versucht."
    )
    assert {row(atlas, i).geocode_status for i in ids} == {"pending"}
    assert atlas.stats()["institutions"] == 5  # nothing lost


def test_a_batch_without_network_says_nothing_was_tried(atlas: Atlas) -> None:
    """Offline, two addresses: the progress never moves and the report says why it ended."""
    atlas.geocoding.configure(settings(closed_url()))
    ids = [add(atlas, f"E{i}", f"Marktstraße {i + 1}") for i in range(2)]
    steps: list[tuple[int, int]] = []
    report = atlas.geocoding.geocode_missing(progress=lambda done, total, _left: steps.append((done, total)))
    assert [o.status for o in report.outcomes] == [GeocodeStatus.NO_NETWORK] * 2
    assert steps == [(0, 2), (0, 2), (0, 2)]  # tried / total: nothing was tried
    assert (report.tried, report.total) == (0, 2)
    host = atlas.geocoding.settings.host
    assert report.headline() == f"Keine Verbindung zum Geokodierungsdienst {host} – 0 von 2 versucht."
    lines = report.summary().splitlines()
    assert lines[0] == report.headline()
    assert lines[1] == "2 Einrichtungen bleiben unverändert und werden beim nächsten Lauf erneut versucht."
    assert lines[2].startswith(
        "2 Adressen: 0 verortet, 0 zur Bestätigung, 0 nicht gefunden, 0 fehlgeschlagen, 2 ohne"
    )
    assert {row(atlas, i).geocode_status for i in ids} == {"pending"}


def test_a_batch_that_ran_through_says_so(geo: Atlas, server: FakeNominatim) -> None:
    server.default = found(IN_WEST)
    add(geo, "A", "Marktstraße 1")
    add(geo, "B", "Marktstraße 2")
    steps: list[int] = []
    report = geo.geocoding.geocode_missing(progress=lambda done, _total, _left: steps.append(done))
    assert steps == [0, 1, 2]
    assert report.tried == 2 and report.summary().startswith("Fertig – 2 von 2 versucht.")


def test_every_pin_state_has_a_sentence_for_the_form() -> None:
    assert set(STATE_DESCRIPTIONS) == {s.value for s in m.GeocodeState}
    assert describe_place("pending", False) == (
        "noch nicht verortet – wird ermittelt, sobald eine Verbindung besteht"
    )
    assert describe_place("manual", True) == "Standort von Hand gesetzt"
    assert describe_place(None, False) == "nicht verortet – ohne Adresse"
