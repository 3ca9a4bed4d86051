"""Undoable deletes and merges: the records and everything that went with them come back."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from atlas.errors import AtlasError
from atlas.merging import MergedRecords, MergeService
from atlas.records import DeletedRecord, RecordService


class DeleteCommand(QUndoCommand):
    """Pushed after a successful delete; undo restores the same rows with the same ids.

    Errors cannot leave a Qt virtual call, so they go to ``on_error`` and the
    command marks itself obsolete (the stack then drops it).
    """

    def __init__(
        self,
        service: RecordService,
        deleted: DeletedRecord,
        on_error: Callable[[str], None],
        on_restored: Callable[[DeletedRecord], None] | None = None,
    ) -> None:
        super().__init__(f"„{deleted.title}“ löschen")
        self.service = service
        self.deleted = deleted
        self.on_error = on_error
        self.on_restored = on_restored
        self._first = True

    def redo(self) -> None:
        if self._first:  # the delete already happened when the command was pushed
            self._first = False
            return
        try:
            self.deleted = self.service.delete(self.deleted.id)
        except AtlasError as err:
            self.setObsolete(True)
            self.on_error(str(err))

    def undo(self) -> None:
        try:
            self.service.restore(self.deleted)
        except AtlasError as err:
            self.setObsolete(True)
            self.on_error(str(err))
            return
        if self.on_restored is not None:
            self.on_restored(self.deleted)


class MergeCommand(QUndoCommand):
    """Pushed after a merge (``atlas.merging``); undo brings the merged-away record and its
    references back and the kept record's old values; redo merges again with the same
    choices. Errors go to ``on_error`` and make the command obsolete, as above."""

    def __init__(
        self,
        service: MergeService,
        records: RecordService,
        merged: MergedRecords,
        values: dict[str, object],
        on_error: Callable[[str], None],
    ) -> None:
        super().__init__(f"„{merged.title}“ zusammenführen")
        self.service = service
        self.records = records
        self.merged = merged
        self.values = values
        self.on_error = on_error
        self._first = True

    def redo(self) -> None:
        if self._first:  # the merge already happened when the command was pushed
            self._first = False
            return
        try:
            keep = self.records.get(self.merged.kept_id)
            other = self.records.get(self.merged.dropped_id) if self.merged.dropped_id is not None else None
            self.merged = self.service.merge(self.merged.entity, keep, other, self.values)
        except AtlasError as err:
            self.setObsolete(True)
            self.on_error(str(err))

    def undo(self) -> None:
        try:
            self.service.unmerge(self.merged)
        except AtlasError as err:
            self.setObsolete(True)
            self.on_error(str(err))
