"""Undoable deletes: the record and everything that went with it come back."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from atlas.errors import AtlasError
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
