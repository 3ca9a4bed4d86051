"""Undoable deletes and merges: the records and everything that went with them come back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Protocol, runtime_checkable

from PySide6.QtGui import QUndoCommand, QUndoStack

from atlas.errors import AtlasError
from atlas.records import DeletedRecord, Matcher, MergedRecords, MergeService, Person, RecordService, snapshot


class _AfterTheFact(QUndoCommand):
    """A command pushed after its action already happened: the first redo does nothing.

    Errors cannot leave a Qt virtual call, so they go to ``on_error`` and the command
    marks itself obsolete (the stack then drops it).
    """

    def __init__(self, text: str, on_error: Callable[[str], None]) -> None:
        super().__init__(text)
        self.on_error = on_error
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._guarded(self.do_again)

    def undo(self) -> None:
        if self._guarded(self.take_back):
            self.taken_back()

    def _guarded(self, step: Callable[[], None]) -> bool:
        try:
            step()
        except AtlasError as err:
            self.setObsolete(True)
            self.on_error(str(err))
            return False
        return True

    def do_again(self) -> None:
        raise NotImplementedError

    def take_back(self) -> None:
        raise NotImplementedError

    def taken_back(self) -> None:
        """After a successful undo."""


class DeleteCommand(_AfterTheFact):
    """Pushed after a successful delete; undo restores the same rows with the same ids."""

    def __init__(
        self,
        service: RecordService,
        deleted: DeletedRecord,
        on_error: Callable[[str], None],
        on_restored: Callable[[DeletedRecord], None] | None = None,
    ) -> None:
        super().__init__(f"„{deleted.title}“ löschen", on_error)
        self.service = service
        self.deleted = deleted
        self.on_restored = on_restored

    def do_again(self) -> None:
        self.deleted = self.service.delete(self.deleted.id)

    def take_back(self) -> None:
        self.service.restore(self.deleted)

    def taken_back(self) -> None:
        if self.on_restored is not None:
            self.on_restored(self.deleted)

    def purge(self, person: Person) -> bool:
        """Forget an erased person (Art. 17): undo brings the rest back without her."""
        cleaned = snapshot.purge(self.deleted.snapshot, person)
        changed = cleaned != self.deleted.snapshot
        title = Matcher(person).scrub(self.deleted.title)
        self.deleted = replace(self.deleted, title=title, snapshot=cleaned)
        self.setText(f"„{title}“ löschen")
        return changed


class MergeCommand(_AfterTheFact):
    """Pushed after a merge (``atlas.records.merging``); undo brings the merged-away record and its
    references back and the kept record's old values; redo merges again with the same
    choices."""

    def __init__(
        self,
        service: MergeService,
        records: RecordService,
        merged: MergedRecords,
        values: dict[str, object],
        on_error: Callable[[str], None],
    ) -> None:
        super().__init__(f"„{merged.title}“ zusammenführen", on_error)
        self.service = service
        self.records = records
        self.merged = merged
        self.values = values

    def do_again(self) -> None:
        keep = self.records.get(self.merged.kept_id)
        other = self.records.get(self.merged.dropped_id) if self.merged.dropped_id is not None else None
        self.merged = self.service.merge(self.merged.entity, keep, other, self.values)

    def take_back(self) -> None:
        self.service.unmerge(self.merged)

    def purge(self, person: Person) -> bool:
        """Forget an erased person (Art. 17) in what an undo or redo would write back."""
        matcher = Matcher(person)

        def clean(values: dict[str, object]) -> dict[str, object]:
            out = {k: matcher.scrub(v) if isinstance(v, str) else v for k, v in values.items()}
            if person.contact_id is not None and out.get("contact_id") == person.contact_id:
                out["contact_id"] = None
            return out

        merged = replace(
            self.merged,
            title=matcher.scrub(self.merged.title),
            kept_row=clean(dict(self.merged.kept_row)),
            removed=snapshot.purge(self.merged.removed, person),
        )
        values = clean(self.values)
        changed = merged != self.merged or values != self.values
        self.merged, self.values = merged, values
        self.setText(f"„{merged.title}“ zusammenführen")
        return changed


@runtime_checkable
class Purgeable(Protocol):
    """A step of the undo history that can forget an erased person (``DeleteCommand``,
    ``MergeCommand``, the offline copy's ``ui.flows.travel.MergeBackCommand``)."""

    def purge(self, person: Person) -> bool: ...


def purge(stack: QUndoStack, person: Person) -> int:
    """After an erasure: no step of the window's undo history can bring the person back,
    nor a text naming her; the number of steps that held her."""
    held = 0
    for index in range(stack.count()):
        command = stack.command(index)
        if isinstance(command, Purgeable) and command.purge(person):
            held += 1
    return held
