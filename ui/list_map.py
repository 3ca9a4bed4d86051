"""The map follows the list on screen: shortly after the list settles, off the GUI thread.

A typed search changes the list with every key; the map shows the institutions the list
stands for (an offer's or a contact's institution), which for 40,000 contacts is a query
of 100 ms or more. Done on the GUI thread after every key it stalled typing; so the map
waits until the list has been still for ``SETTLE_MS`` and looks the institutions up on the
worker. An answer for an older list is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, QTimer

from atlas.core import Atlas
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from ui.map.pane import MapPane

SETTLE_MS = 400  # longer than a pause between two keys: the map waits for the word


class ListMapFollower(QObject):
    def __init__(self, atlas: Atlas, tasks: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.tasks = tasks
        self._generation = 0
        self._pending: tuple[MapPane, str, list[int] | None] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self._go)

    def follow(self, pane: MapPane, entity: str, ids: Sequence[int] | None) -> None:
        """Show the places of these records of ``entity`` (None: all) once the list is still."""
        self._generation += 1  # an answer still on the worker is for an older list
        self._pending = (pane, entity, None if ids is None else list(ids))
        self._timer.start()

    def is_following(self) -> bool:
        """The map is still to be told (waits for the list to settle or for its answer)."""
        return self._timer.isActive() or self._pending is not None

    def _go(self) -> None:
        if self._pending is None:
            return
        pane, entity, ids = self._pending
        generation = self._generation
        if ids is None or entity == "institution":
            self._show(generation, pane, ids)
            return
        maps = self.atlas.maps
        self.tasks.run(
            lambda: maps.institution_ids(entity, ids),
            lambda found: self._show(generation, pane, found),
            lambda _error: self._show(generation, pane, None),  # the map shows all, as before a filter
            owner=self,
        )

    def _show(self, generation: int, pane: MapPane, ids: list[int] | None) -> None:
        if generation != self._generation or not shiboken6.isValid(pane):
            return
        self._pending = None
        pane.view.show_only(ids)
