"""Live refresh on a team server: a change one program makes reaches the others.

PostgreSQL only (``Atlas.live`` is ``None`` on an SQLite file). Two halves:

- **Sending.** :class:`Live` listens to the program's own :class:`~atlas.changes.ChangeBus`.
  Every service emits its change there right after its commit (never before, never for a
  rolled-back write), so the sender runs ``SELECT pg_notify('atlas_changes', payload)`` on
  a pooled connection of its own at that moment: the others hear exactly the ``Change``
  the program's own window applies (entities, ids, ``of``), also for writes that are Core
  statements (delete, undo, erasure), the command line's imports and the geocoder's answers.
  The payload is JSON (``src``: this program's id, ``e``, ``ids``, ``of``, ``by``: the login
  name, ``at``: its clock's time) and stays under PostgreSQL's 8,000 bytes: many ids are
  left out (then ``of`` too: the others refresh the whole kind). A failed send is
  logged and never raised: the write it announces is committed already.
- **Receiving.** :meth:`Live.listen` runs on a thread of its own (``ui.workers.Workers``
  owns it): a psycopg connection of its own (autocommit) says ``LISTEN atlas_changes``
  and waits for notifications; each one from another program becomes a ``Change`` with
  its :class:`~atlas.changes.Origin` published on the same bus, so the window, the core's
  caches (the actors' computed status) and everything else hear it like a change of their
  own. Its own notifications (``src`` is this program's) are skipped. A dropped connection
  is reported (``reachable(False)``), retried with a growing pause (0.5 s … 5 s), and
  reported back (``reachable(True)``); as notifications sent meanwhile are lost, a change
  of everything is published then.

Why not a trigger per table (every writer, even other tools, would notify): it needs a
migration and a mapping from tables to the program's entities (a round table's members,
the search index tables, the taxonomy's effect on institutions); the change bus already
says what the window needs. Why not a flush hook inside the writing transaction: Core
statements (delete, restore, erasure) bypass it, and the kinds it would see are tables,
not the entities the UI refreshes. The price of sending after the commit: a program that
dies between its commit and its ``pg_notify`` leaves the others unaware until the next change.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from atlas.changes import Change, ChangeBus, Origin
from atlas.clock import Clock
from atlas.errors import ServerGoneError

_log = logging.getLogger(__name__)

CHANNEL = "atlas_changes"
#: PostgreSQL refuses payloads of 8,000 bytes and more; this leaves room for the rest.
MAX_PAYLOAD = 7000
#: How long one wait for notifications lasts before the loop looks at ``stopping`` again.
WAIT_S = 0.25
#: Pauses between attempts to reach a server that is gone, then the last one again.
BACKOFF_S = (0.5, 1.0, 2.0, 5.0)
#: How many (kind, id) the receiver remembers who changed them (for a form's note).
REMEMBERED = 1000


def encode(change: Change, source: str, by: str, at: dt.datetime) -> str:
    """The JSON payload of one change (under :data:`MAX_PAYLOAD` bytes)."""
    message: dict[str, Any] = {
        "src": source,
        "e": sorted(change.entities),
        "ids": list(change.ids),
        "of": change.of,
        "by": by[:100],
        "at": at.isoformat(timespec="seconds"),
    }
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode()) > MAX_PAYLOAD:  # too many ids: the others refresh the whole kinds
        message["ids"], message["of"] = [], None
        text = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    return text


def decode(payload: str) -> tuple[str, Change] | None:
    """(source, change) of a payload; None for anything this program did not send."""
    try:
        message = json.loads(payload)
        source = str(message["src"])
        entities = frozenset(str(e) for e in message["e"])
        ids = tuple(int(i) for i in message.get("ids") or ())
        of = message.get("of")
        at_text = message.get("at")
        at = dt.datetime.fromisoformat(at_text) if isinstance(at_text, str) else None
        origin = Origin(str(message.get("by") or ""), at)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return source, Change(entities, ids, of if isinstance(of, str) else None, origin)


class Live:
    """Sender and receiver of one program (one :class:`~atlas.core.Atlas`) on a server."""

    def __init__(
        self, engine: Engine, changes: ChangeBus, user: str, clock: Clock, everything: Iterable[str]
    ) -> None:
        self._engine = engine
        self._changes = changes
        self._user = user
        self._clock = clock
        #: A change of these: what a program that was cut off must assume changed.
        self.everything = frozenset(everything)
        #: This program's id in the payloads: its own notifications are not heard again.
        self.source = uuid.uuid4().hex
        self._heard: OrderedDict[tuple[str | None, int], Origin] = OrderedDict()
        self._lock = threading.Lock()
        changes.subscribe(self._send)

    # -- sending -------------------------------------------------------------------
    def _send(self, change: Change) -> None:
        if change.origin is not None:  # heard from another program: not sent on again
            return
        payload = encode(change, self.source, self._user, self._clock.now())
        try:
            with self._engine.begin() as conn:
                conn.execute(select(func.pg_notify(CHANNEL, payload)))
        except (SQLAlchemyError, ServerGoneError) as err:  # the write is committed; the others
            # refresh later (a server gone right after the commit: all of it, once it is back)
            _log.warning("Änderung nicht an den Teamserver gemeldet: %s", err)

    # -- receiving -----------------------------------------------------------------
    def heard(self, kind: str, record_id: int) -> Origin | None:
        """Who changed this record in another program, as last heard; None if nothing was
        heard of it (a change made in this program, or one whose ids were left out)."""
        with self._lock:
            return self._heard.get((kind, record_id))

    def hear(self, payload: str) -> Change | None:
        """One notification's payload: its change published on the bus (None: skipped)."""
        decoded = decode(payload)
        if decoded is None or decoded[0] == self.source:
            return None
        change = decoded[1]
        assert change.origin is not None
        with self._lock:
            for record_id in change.ids:
                key = (change.of, record_id)
                self._heard.pop(key, None)
                self._heard[key] = change.origin
                if change.of is None:  # a hint: may name any of the kinds
                    for kind in change.entities:
                        self._heard.pop((kind, record_id), None)
                        self._heard[(kind, record_id)] = change.origin
            while len(self._heard) > REMEMBERED:
                self._heard.popitem(last=False)
        self._changes.publish(change)
        return change

    def connect(self) -> Any:
        """A psycopg connection of its own to the same server (autocommit, not pooled)."""
        import psycopg

        args, kwargs = self._engine.dialect.create_connect_args(self._engine.url)
        kwargs.pop("context", None)
        kwargs.setdefault("connect_timeout", 5)
        # a server that vanishes without closing the connection (a cable, a sleeping
        # laptop) is noticed after about half a minute instead of never
        kwargs.setdefault("keepalives", 1)
        kwargs.setdefault("keepalives_idle", 10)
        kwargs.setdefault("keepalives_interval", 5)
        kwargs.setdefault("keepalives_count", 3)
        kwargs.setdefault("application_name", "stadtteil-atlas live")
        return psycopg.connect(*args, autocommit=True, **kwargs)

    def listen(self, stopping: threading.Event, reachable: Callable[[bool], None]) -> None:
        """Hear the other programs until ``stopping`` is set (the loop of the listener
        thread). ``reachable(bool)`` is called from this thread when the connection is
        made, lost, and made again."""
        import psycopg

        failures = 0
        was_reachable: bool | None = None
        while not stopping.is_set():
            try:
                conn = self.connect()
            except psycopg.Error as err:
                if was_reachable is not False:
                    _log.warning("Teamserver nicht erreichbar: %s", err)
                    reachable(False)
                was_reachable = False
                stopping.wait(BACKOFF_S[min(failures, len(BACKOFF_S) - 1)])
                failures += 1
                continue
            try:
                with conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    if was_reachable is False:  # what was sent meanwhile is lost
                        self._changes.publish(Change(self.everything, origin=Origin("", None)))
                    if was_reachable is not True:
                        reachable(True)
                    was_reachable, failures = True, 0
                    while not stopping.is_set():
                        for notify in conn.notifies(timeout=WAIT_S):
                            self.hear(notify.payload)
            except psycopg.Error as err:
                _log.warning("Verbindung zum Teamserver verloren: %s", err)
                reachable(False)
                was_reachable = False
                stopping.wait(BACKOFF_S[0])
                failures = 1
