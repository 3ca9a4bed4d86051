"""``TravelService``: the offline copy's actions, each one transaction on the office."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from atlas.changes import ChangeBus
from atlas.clock import SYSTEM, Clock
from atlas.errors import NotFoundError
from atlas.i18n import _
from atlas.records import ENTITIES, Candidate, RecordService
from atlas.travel.apply import Applied, Choices, Undo, undo, write
from atlas.travel.checkin import Plan, plan
from atlas.travel.checkout import (
    CopyInfo,
    Scope,
    TravelError,
    copy_info,
    database_uuid,
    prepare_copy,
    register_copy,
)
from atlas.writelock import lock_for_writing

#: What a merge may touch: every record kind's section, the map and the overview refresh.
EVERYTHING = (*ENTITIES, "term", "follow_up", "attendance")


class TravelService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        changes: ChangeBus,
        clock: Clock = SYSTEM,
        records: Mapping[str, RecordService] | None = None,
    ) -> None:
        self._sessions = sessions
        self._changes = changes
        self._clock = clock
        self._records = records or {}

    def this_copy(self) -> CopyInfo | None:
        """What this database is if it is an offline copy (the title bar says so)."""
        with self._sessions() as session:
            return copy_info(session.connection())

    def prepare(self, copy: Engine, scope: Scope, taken_by: str | None) -> CopyInfo:
        """Make the freshly transferred ``copy`` an offline copy of this database and note
        it here. The copy's transaction first: if noting fails, the copy is not used."""
        with self._sessions() as session:
            office_uuid = database_uuid(session.connection())
            if copy_info(session.connection()) is not None:
                raise TravelError(_("Aus einer Unterwegs-Kopie kann keine weitere Kopie mitgenommen werden."))
        with copy.begin() as conn:
            info = prepare_copy(
                conn, office_uuid=office_uuid, scope=scope, taken_at=self._clock.now(), taken_by=taken_by
            )
        with self._sessions.begin() as session:
            register_copy(session.connection(), info)
        self._changes.emit({"setting"})
        return info

    def review(self, copy: Engine) -> Plan:
        """What bringing ``copy`` back would do (nothing is written)."""
        with self._sessions() as session, copy.connect() as conn:
            return plan(session.connection(), conn)

    def merge(self, copy: Engine, reviewed: Plan, choices: Choices) -> Applied:
        """Apply the reviewed plan in one transaction under the write lock. The plan is made
        again inside it; if the office or the copy changed since the review so that other
        questions arise, nothing is written (``TravelError``: look again)."""
        with self._sessions.begin() as session:
            lock_for_writing(session, "travel")
            with copy.connect() as conn:
                fresh = plan(session.connection(), conn, reviewed)
            if fresh.signature() != reviewed.signature():
                raise TravelError(
                    _(
                        "Seit der Vorschau hat sich im Büro oder in der Kopie etwas geändert. Es wurde "
                        "nichts übernommen; bitte die Änderungen noch einmal ansehen."
                    )
                )
            applied = write(session, fresh, choices, self._clock)
        self._emit(applied.touched)
        return applied

    def undo(self, done: Undo) -> None:
        """Take a merge back as one step (``ConflictError`` if rows changed since)."""
        with self._sessions.begin() as session:
            lock_for_writing(session, "travel")
            touched = undo(session, done)
        self._emit(touched)

    def possible_duplicates(self, applied: Applied) -> list[tuple[str, int, Candidate]]:
        """Institutions and contacts the merge brought in that the duplicate rule calls
        possibly the same as one already there (the same guest added at the event and in
        the office): (kind, the new record's id, the candidate), to be offered for merging."""
        found: list[tuple[str, int, Candidate]] = []
        for kind in ("institution", "contact"):
            service = self._records.get(kind)
            if service is None:
                continue
            for table, row_id, _values in applied.undo.inserted:
                if table != kind or row_id is None:
                    continue
                try:
                    candidates = service.duplicate_candidates(row_id)
                except NotFoundError:
                    continue
                found += [(kind, row_id, c) for c in candidates]
        return found

    def _emit(self, touched: dict[str, set[int]]) -> None:
        ids: Iterable[int] = ()
        self._changes.emit(EVERYTHING, ids)
