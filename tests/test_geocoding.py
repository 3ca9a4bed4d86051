"""Geocoding against a real HTTP server on 127.0.0.1 standing in for Nominatim (the rate
limit and the errors: tests/test_geocoding_errors.py).

No mock of geopy or of the network: the rate limit is asserted from the server's own
request timestamps, the cache from its request count, privacy from what it received.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from sqlalchemy import select

from atlas import models as m
from atlas.core import Atlas
from atlas.errors import ValidationError
from atlas.geo.geocoding import (
    SPACING_MARGIN,
    GeocodeStatus,
    eta_text,
    normalise,
    summary_lines,
)
from tests.fake_nominatim import NOT_FOUND, FakeNominatim, Reply, found
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

# -- one institution -------------------------------------------------------------------------


def test_saving_an_address_places_it_in_its_quarter(geo: Atlas, server: FakeNominatim) -> None:
    _west, east = quarters(geo)
    inst = add(geo, "Beratungsstelle Mitte", "Marktstraße 12")
    assert row(geo, inst).geocode_status == "pending"  # saved at once, placed after
    state = geo.geocoding.place_of(inst)
    assert state.needs_geocoding and state.label == "noch nicht verortet" and state.lat is None
    server.by_query["Marktstraße 12, 46045 Oberhausen"] = found(IN_EAST)
    outcome = geo.geocoding.place_institution(inst)
    assert outcome.status is GeocodeStatus.FOUND and outcome.applied
    assert outcome.message == "Gefunden und verortet."
    placed = row(geo, inst)
    assert (placed.lat, placed.lon, placed.quarter_id) == (*IN_EAST, east)
    assert placed.geocode_status == "ok" and placed.geocoded_at is not None
    # What the server saw: the address, JSON, three candidates, our User-Agent.
    (request,) = server.requests
    assert request.path == "/search"
    assert request.q == "Marktstraße 12, 46045 Oberhausen"
    assert request.params["format"] == "json" and request.params["limit"] == "3"
    assert request.params["countrycodes"] == "de"
    assert request.headers["User-Agent"] == AGENT


def test_a_quarter_chosen_by_hand_survives_geocoding(geo: Atlas, server: FakeNominatim) -> None:
    west, _east = quarters(geo)
    inst = add(geo, "Kita", "Marktstraße 1", quarter_id=west)
    server.default = found(IN_EAST)
    geo.geocoding.place_institution(inst)
    assert row(geo, inst).quarter_id == west
    assert row(geo, inst).lat == IN_EAST[0]


def test_not_found_is_cached_and_not_asked_again(geo: Atlas, server: FakeNominatim) -> None:
    inst = add(geo, "Verein", "Gibtsnichtweg 99")
    server.default = NOT_FOUND
    assert geo.geocoding.place_institution(inst).status is GeocodeStatus.NOT_FOUND
    assert row(geo, inst).geocode_status == "not_found"
    again = geo.geocoding.place_institution(inst)
    assert again.status is GeocodeStatus.NOT_FOUND and again.from_cache
    assert server.count == 1
    assert "nicht gefunden" in again.message


def test_the_same_address_is_never_asked_twice(geo: Atlas, server: FakeNominatim) -> None:
    server.default = found(IN_WEST)
    a = add(geo, "A", "Marktstraße 12")
    b = add(geo, "B", "  marktstr.  12 ", city="OBERHAUSEN")  # the same address, typed differently
    c = add(geo, "C", "Bahnhofstraße 3")
    report = geo.geocoding.geocode_missing()
    assert report.count(GeocodeStatus.FOUND) == 3
    assert server.count == 2 and report.requests == 2 and report.cached == 1
    assert sorted(r.q for r in server.requests) == [
        "Bahnhofstraße 3, 46045 Oberhausen",
        "Marktstraße 12, 46045 Oberhausen",
    ]
    # All of them again (not only the missing): everything from the cache.
    again = geo.geocoding.geocode_missing(only_missing=False)
    assert again.total == 3 and again.requests == 0 and again.cached == 3
    assert server.count == 2
    with geo.sessions() as session:
        cached = session.scalars(select(m.GeocodeCache).order_by(m.GeocodeCache.key)).all()
        assert [c.key for c in cached] == [
            "bahnhofstrasse 3, 46045 oberhausen",
            "marktstrasse 12, 46045 oberhausen",
        ]
        assert all(
            c.status == "found" and c.fetched_at and c.provider == f"nominatim {server.url}" for c in cached
        )
        assert json.loads(cached[0].candidates_json or "")[0]["display_name"] == "Treffer 1"
    assert geo.geocoding.cache_size() == 2
    assert {row(geo, i).geocode_status for i in (a, b, c)} == {"ok"}


def test_normalised_keys() -> None:
    assert normalise("Marktstr. 12 ,46045  Oberhausen") == normalise("marktstraße 12, 46045 oberhausen")
    assert normalise("Mühlenweg 1, 46045 Oberhausen") != normalise("Mühlenweg 11, 46045 Oberhausen")


# -- privacy ---------------------------------------------------------------------------------


def test_no_personal_data_reaches_the_server(geo: Atlas, server: FakeNominatim) -> None:
    server.default = found(IN_WEST)
    inst = add(
        geo,
        "Beratungsstelle Vertraulich",
        "Marktstraße 7",
        phone="0208 123456",
        email="info@vertraulich.example.org",
    )
    geo.contacts.save(
        None,
        {
            "first_name": "Erika",
            "last_name": "Mustermann",
            "email": "erika.mustermann@example.org",
            "phone": "0208 654321",
            "institution_id": inst,
        },
    )
    geo.geocoding.place_institution(inst)
    geo.geocoding.geocode_missing(only_missing=False)
    geo.geocoding.clear_cache(only_not_found=False)
    geo.geocoding.geocode_missing(only_missing=False)
    assert server.count == 2
    for request in server.requests:
        assert request.q == "Marktstraße 7, 46045 Oberhausen"
        sent = request.raw.lower()
        for secret in ("erika", "mustermann", "654321", "123456", "vertraulich", "beratungsstelle"):
            assert secret not in sent, (secret, request.raw)


# -- asking the user -----------------------------------------------------------------------------


def test_ambiguous_results_are_shown_for_confirmation(geo: Atlas, server: FakeNominatim) -> None:
    _west, east = quarters(geo)
    inst = add(geo, "E", "Hauptstraße 1")
    server.default = found(IN_WEST, (51.52, 6.95), (51.40, 6.70))  # kilometres apart
    outcome = geo.geocoding.place_institution(inst)
    assert outcome.status is GeocodeStatus.AMBIGUOUS and outcome.status.needs_confirmation
    assert "Mehrdeutig" in outcome.message and "bestätigen" in outcome.message
    assert len(outcome.candidates) == 3
    assert row(geo, inst).geocode_status == "confirm" and row(geo, inst).lat is None
    assert len(geo.geocoding.candidates_for(inst)) == 3
    seen: list[Any] = []
    geo.changes.subscribe(seen.append)
    assert [i for i, _n, _a in geo.geocoding.waiting_for_confirmation()] == [inst]
    state = geo.geocoding.place_of(inst)
    assert state.needs_confirmation and state.label == "bitte Treffer bestätigen"
    assert state.description.startswith("mehrere mögliche Orte")
    with pytest.raises(ValidationError):
        geo.geocoding.confirm(inst, 95.0, 6.8)
    geo.geocoding.confirm(inst, *IN_EAST)
    assert geo.geocoding.waiting_for_confirmation() == []
    assert geo.geocoding.place_of(inst).label == "verortet"
    assert geo.geocoding.place_of(inst).description == "verortet (aus der Adresse)"
    confirmed = row(geo, inst)
    assert (confirmed.lat, confirmed.lon, confirmed.quarter_id, confirmed.geocode_status) == (
        *IN_EAST,
        east,
        "ok",
    )
    assert seen
    # Close candidates (the same building twice) are not a question.
    other = add(geo, "F", "Marktstraße 2")
    server.default = found(IN_WEST, (IN_WEST[0] + 0.001, IN_WEST[1]))
    assert geo.geocoding.place_institution(other).status is GeocodeStatus.FOUND


def test_a_result_far_outside_the_quarters_is_shown_for_confirmation(
    geo: Atlas, server: FakeNominatim
) -> None:
    inst = add(geo, "E", "Marktstraße 1")
    server.default = found((52.52, 13.40))  # Berlin
    # Without quarters there is nothing to be outside of.
    assert geo.geocoding.place_institution(inst).status is GeocodeStatus.FOUND
    other = add(geo, "F", "Marktstraße 2")
    quarters(geo)
    outcome = geo.geocoding.place_institution(other)
    assert outcome.status is GeocodeStatus.OUTSIDE
    assert "außerhalb aller Quartiere" in outcome.message
    assert row(geo, other).geocode_status == "confirm"


# -- the batch -----------------------------------------------------------------------------------


def test_cancel_keeps_what_was_done(geo: Atlas, server: FakeNominatim) -> None:
    server.default = found(IN_WEST)
    ids = [add(geo, f"E{i}", f"Marktstraße {i + 1}") for i in range(5)]
    done: list[tuple[int, int, float]] = []
    report = geo.geocoding.geocode_missing(
        progress=lambda d, t, eta: done.append((d, t, eta)), cancelled=lambda: len(done) > 2
    )
    assert report.cancelled and "Abgebrochen" in report.summary()
    assert [o.status for o in report.outcomes] == [GeocodeStatus.FOUND] * 2 + [GeocodeStatus.SKIPPED] * 3
    assert [row(geo, i).geocode_status for i in ids] == ["ok", "ok", "pending", "pending", "pending"]
    assert server.count == 2
    assert report.changed_ids == tuple(ids[:2])


def test_the_service_announces_each_answer_it_applies_from_the_thread_that_wrote_it(
    geo: Atlas, server: FakeNominatim
) -> None:
    """No caller has to announce: each applied answer is one change, emitted by the service
    on the thread that wrote it (the window's relay takes it to the GUI thread)."""

    server.default = found(IN_WEST)
    ids = [add(geo, f"E{i}", f"Marktstraße {i + 1}") for i in range(3)]
    seen: list[tuple[Any, str]] = []
    geo.changes.subscribe(lambda change: seen.append((change, threading.current_thread().name)))
    worker = threading.Thread(target=geo.geocoding.geocode_missing, kwargs={"dry_run": True}, name="dry")
    worker.start()
    worker.join()
    assert seen == []  # a dry run writes nothing, so it says nothing
    worker = threading.Thread(target=geo.geocoding.geocode_missing, name="batch")
    worker.start()
    worker.join()
    assert [(set(c.entities), c.ids, thread) for c, thread in seen] == [
        ({"institution", "offer"}, (i,), "batch") for i in ids
    ]
    seen.clear()
    geo.geocoding.geocode_missing()  # nothing missing any more: nothing changes
    assert seen == []
    other = add(geo, "F", "Bahnhofstraße 1")
    seen.clear()  # the record service announced the new record
    geo.geocoding.place_institution(other)
    assert [(c.ids, thread) for c, thread in seen] == [((other,), "MainThread")]
    seen.clear()
    assert geo.geocoding.place_institution(other).status is GeocodeStatus.FOUND  # the same answer again
    assert seen == []  # it changed nothing


def test_progress_reports_an_estimate_from_the_uncached_addresses(geo: Atlas, server: FakeNominatim) -> None:
    geo.geocoding.configure(settings(server.url, min_delay=0.2))
    server.default = found(IN_WEST)
    add(geo, "Schon gefragt", "Marktstraße 1")
    geo.geocoding.geocode("Marktstraße 1, 46045 Oberhausen")
    for i in range(3):
        add(geo, f"Neu {i}", f"Bahnhofstraße {i + 1}")
    calls: list[tuple[int, int, float]] = []
    geo.geocoding.geocode_missing(progress=lambda d, t, eta: calls.append((d, t, eta)))
    assert [(d, t) for d, t, _e in calls] == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    etas = [e for _d, _t, e in calls]
    assert etas[0] == pytest.approx(3 * (0.2 + SPACING_MARGIN))  # three to ask, the fourth is cached
    assert etas == sorted(etas, reverse=True) and etas[-1] == 0
    assert eta_text(0) == "" and eta_text(42) == "noch etwa 42 s" and eta_text(600) == "noch etwa 10 min"


def test_dry_run_changes_no_institution(geo: Atlas, server: FakeNominatim) -> None:
    server.default = found(IN_WEST)
    inst = add(geo, "E", "Marktstraße 1")
    report = geo.geocoding.geocode_missing(dry_run=True)
    assert report.dry_run and report.count(GeocodeStatus.FOUND) == 1 and report.changed_ids == ()
    assert "Probelauf" in report.summary()
    assert row(geo, inst).lat is None and row(geo, inst).geocode_status == "pending"
    assert geo.geocoding.cache_size() == 1  # the answer is kept: the real run asks nothing
    geo.geocoding.geocode_missing()
    assert server.count == 1 and row(geo, inst).geocode_status == "ok"


def test_a_pin_set_by_hand_is_left_alone(geo: Atlas, server: FakeNominatim) -> None:
    server.default = found(IN_EAST)
    inst = add(geo, "E", "Marktstraße 1", lat=51.48, lon=6.81)
    assert row(geo, inst).geocode_status == "manual"
    assert geo.geocoding.selection(only_missing=False) == []
    assert geo.geocoding.place_institution(inst).status is GeocodeStatus.SKIPPED
    assert server.count == 0
    assert (row(geo, inst).lat, row(geo, inst).lon) == (51.48, 6.81)


def test_an_address_edited_during_the_request_is_not_overwritten(geo: Atlas, server: FakeNominatim) -> None:
    inst = add(geo, "E", "Marktstraße 1")

    def edit_meanwhile(_request: Any) -> None:
        server.on_request = None
        geo.institutions.save(inst, {"street": "Bahnhofstraße 9"})

    server.on_request = edit_meanwhile
    server.default = found(IN_WEST)
    outcome = geo.geocoding.place_institution(inst)
    assert outcome.status is GeocodeStatus.CHANGED and not outcome.applied
    assert row(geo, inst).lat is None and row(geo, inst).geocode_status == "pending"


def test_without_an_address_there_is_nothing_to_ask(geo: Atlas, server: FakeNominatim) -> None:
    inst = geo.institutions.save(None, {"name": "Nur Ort", "city": "Oberhausen"}).id
    assert row(geo, inst).geocode_status is None
    assert geo.geocoding.place_institution(inst).status is GeocodeStatus.NO_ADDRESS
    report = geo.geocoding.geocode_missing()
    assert [o.status for o in report.outcomes] == [GeocodeStatus.NO_ADDRESS]
    assert server.count == 0
    assert not report.failures


def test_summary_lines_name_each_problem(geo: Atlas, server: FakeNominatim) -> None:
    add(geo, "Gibt es", "Marktstraße 1")
    add(geo, "Gibt es nicht", "Nirgendweg 1")
    server.by_query["Marktstraße 1, 46045 Oberhausen"] = found(IN_WEST)
    report = geo.geocoding.geocode_missing()
    lines = summary_lines(report)
    assert lines[0].startswith("Gibt es nicht (Nirgendweg 1, 46045 Oberhausen): Adresse nicht gefunden")
    assert lines[-1].startswith(
        "2 Adressen: 1 verortet, 0 zur Bestätigung, 1 nicht gefunden, 0 fehlgeschlagen"
    )


def test_photon_is_spoken_too(atlas: Atlas, server: FakeNominatim) -> None:
    atlas.geocoding.configure(settings(server.url, provider="photon"))
    server.default = Reply(
        body={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [IN_WEST[1], IN_WEST[0]]},
                    "properties": {"name": "Marktstraße", "city": "Oberhausen"},
                }
            ],
        }
    )
    inst = add(atlas, "E", "Marktstraße 1")
    assert atlas.geocoding.place_institution(inst).status is GeocodeStatus.FOUND
    assert server.requests[0].path == "/api" and server.requests[0].q == "Marktstraße 1, 46045 Oberhausen"
    assert row(atlas, inst).lat == IN_WEST[0]


def test_a_batch_writes_through_the_writer_it_is_given(geo: Atlas, server: FakeNominatim) -> None:
    """The window hands the batch its database worker's ``call``: every write (an answer
    applied, a cache row stored) runs there, in order with the lists' reads, while the
    batch waits for the network on its own thread. Here the writer is a real second thread."""
    import queue

    server.default = found(IN_WEST)
    ids = [add(geo, f"W{i}", f"Marktstraße {i + 10}") for i in range(3)]
    jobs: queue.Queue[Any] = queue.Queue()
    written_on: list[str] = []

    def database() -> None:
        while (job := jobs.get()) is not None:
            fn, box, done = job
            written_on.append(threading.current_thread().name)
            try:
                box.append(fn())
            finally:
                done.set()

    def write(fn: Any) -> Any:
        box: list[Any] = []
        done = threading.Event()
        jobs.put((fn, box, done))
        done.wait()
        return box[0]

    writer = threading.Thread(target=database, name="database")
    writer.start()
    seen: list[str] = []
    geo.changes.subscribe(lambda change: seen.append(threading.current_thread().name))
    try:
        report = geo.geocoding.geocode_missing(write=write)
    finally:
        jobs.put(None)
        writer.join()
    assert report.tried == 3 and all(o.applied for o in report.outcomes)
    # three answers stored in the cache, three applied: six writes, all on the writer's thread
    assert written_on == ["database"] * 6
    assert seen == ["database"] * 3  # announced by the thread that wrote
    assert all(row(geo, i).lat is not None for i in ids)
    assert geo.geocoding.cache_size() == 3
