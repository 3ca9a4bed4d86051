"""Live refresh on a team server (``atlas.live``): a change one program commits reaches
another program on the same PostgreSQL database as a ``Change`` with its origin; a
program does not hear itself; a listener whose connection the server ends comes back.
Two real programs (``atlas`` and ``other``: own engines, own connections) each time."""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from atlas.changes import Change, Origin
from atlas.core import Atlas
from atlas.live import MAX_PAYLOAD, decode, encode

pytestmark = pytest.mark.both_backends("postgresql")

#: The goal of issue 13: seen in the other program within 2 s.
WITHIN_S = 2.0


class Heard:
    """What one program's bus carries from other programs, and the listener's state."""

    def __init__(self, atlas: Atlas) -> None:
        self.changes: queue.Queue[Change] = queue.Queue()
        self.states: queue.Queue[bool] = queue.Queue()
        atlas.changes.subscribe(lambda c: self.changes.put(c) if c.origin is not None else None)

    def next(self, timeout: float = WITHIN_S) -> Change:
        return self.changes.get(timeout=timeout)

    def state(self, timeout: float = 10.0) -> bool:
        return self.states.get(timeout=timeout)


@contextmanager
def listening(atlas: Atlas) -> Iterator[Heard]:
    assert atlas.live is not None
    heard = Heard(atlas)
    stopping = threading.Event()
    thread = threading.Thread(target=atlas.live.listen, args=(stopping, heard.states.put), daemon=True)
    thread.start()
    try:
        assert heard.state() is True  # listening before anything is saved
        yield heard
    finally:
        stopping.set()
        thread.join(10)
        assert not thread.is_alive()


def test_sqlite_has_no_live_part(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from db.engine import make_sessions
    from db.migrate import open_database

    result = open_database(tmp_path / "eins.sqlite")
    try:
        assert Atlas(make_sessions(result.engine)).live is None
    finally:
        result.engine.dispose()


def test_a_save_there_arrives_here_as_the_same_change(atlas: Atlas, other: Atlas) -> None:
    with listening(atlas) as heard:
        saved = other.institutions.save(None, {"name": "Jugendzentrum Nord"})
        change = heard.next()
    assert change.entities == {"institution"}
    assert change.ids == (saved.id,) and change.of == "institution"
    assert change.origin == Origin(other.network.user, other.clock.now().replace(microsecond=0))
    assert atlas.live is not None
    assert atlas.live.heard("institution", saved.id) == change.origin
    assert atlas.institutions.get(saved.id).title == "Jugendzentrum Nord"  # committed when heard


def test_a_program_does_not_hear_itself(atlas: Atlas, other: Atlas) -> None:
    with listening(atlas) as heard:
        atlas.institutions.save(None, {"name": "Eigene Einrichtung"})
        theirs = other.contacts.save(None, {"last_name": "Yıldırım"})
        # notifications arrive in the order of the commits: ours would have come first
        change = heard.next()
        assert change.of == "contact" and change.ids == (theirs.id,)
        assert heard.changes.empty()


def test_deletes_and_undo_are_heard(atlas: Atlas, other: Atlas) -> None:
    saved = other.contacts.save(None, {"last_name": "Sprachcafé"})
    with listening(atlas) as heard:
        deleted = other.contacts.delete(saved.id)
        assert "contact" in heard.next().entities
        other.contacts.restore(deleted)
        assert saved.id in heard.next().ids


def test_a_rolled_back_write_is_not_announced(atlas: Atlas, other: Atlas) -> None:
    from atlas.errors import ValidationError

    with listening(atlas) as heard:
        with pytest.raises(ValidationError):
            other.institutions.save(None, {"name": ""})
        marker = other.quarters.save(None, {"name": "Marker"})
        assert heard.next().of == "quarter" and heard.changes.empty() and marker.id


def test_the_listener_comes_back_after_the_server_ended_its_connection(atlas: Atlas, other: Atlas) -> None:
    with listening(atlas) as heard:
        with other.sessions() as session:  # what an admin (or a restart) does to the connection
            ended = session.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'stadtteil-atlas live' AND datname = current_database()"
                )
            ).all()
        assert ended == [(True,)]
        assert heard.state() is False
        assert heard.state() is True
        # back: everything may have changed meanwhile, the window refreshes it all
        assert heard.next().entities >= {"institution", "offer", "contact", "actor", "term"}
        saved = other.institutions.save(None, {"name": "Nach der Pause"})
        assert heard.next().ids == (saved.id,)


def test_the_payload_stays_under_postgresqls_limit() -> None:
    at = dt.datetime(2026, 11, 16, 10, 0)
    few = encode(Change(frozenset({"contact"}), (1, 2), "contact"), "me", "erika", at)
    assert decode(few) == ("me", Change(frozenset({"contact"}), (1, 2), "contact", Origin("erika", at)))
    many = encode(Change(frozenset({"contact"}), tuple(range(100_000, 110_000)), "contact"), "me", "e", at)
    assert len(many.encode()) < MAX_PAYLOAD
    assert decode(many) == ("me", Change(frozenset({"contact"}), (), None, Origin("e", at)))
    assert decode("kein json") is None and decode('{"e": []}') is None
