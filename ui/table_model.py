"""A list model that holds ids and fetches display rows lazily, a block at a time."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from atlas.errors import ServerGoneError
from atlas.records import RecordService
from ui.plain import tooltip_text

BLOCK = 120
# The roles asked for as plain ints: a view asks ``data`` about a dozen roles per cell on
# every paint, and comparing Qt's enum objects each time cost more than the paint itself.
_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
Index = QModelIndex | QPersistentModelIndex


class RecordTableModel(QAbstractTableModel):
    sortChanged = Signal()  # the view asked for another order; the owner re-queries

    def __init__(self, service: RecordService, parent: Any = None) -> None:
        super().__init__(parent)
        self._service = service
        self._columns = service.spec.columns
        self._ids: list[int] = []
        self._rows: dict[int, tuple[str, ...]] = {}
        #: A fetch met a lost team server: no more until the next ``set_ids``/``invalidate_rows``.
        self._gone = False
        self.sort_key: str | None = None
        self.descending = False

    # -- content ---------------------------------------------------------------
    def set_ids(self, ids: list[int], rows: dict[int, tuple[str, ...]] | None = None) -> None:
        """Show these ids; ``rows`` are display rows already fetched (the first screenful)."""
        self.beginResetModel()
        self._ids = ids
        self._rows = dict(rows or {})
        self._gone = False
        self.endResetModel()

    def ids(self) -> list[int]:
        return list(self._ids)

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, record_id: int) -> int | None:
        try:
            return self._ids.index(record_id)
        except ValueError:
            return None

    def cached_rows(self, count: int) -> list[tuple[str, ...]]:
        """The display rows of the first ``count`` ids that are fetched already (none is
        fetched for this)."""
        rows = self._rows
        return [rows[i] for i in self._ids[:count] if i in rows]

    def invalidate_rows(self) -> None:
        """Forget cached display rows (after an edit) but keep the order."""
        self._rows = {}
        self._gone = False
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(self._columns) - 1))

    def forget_rows(self, ids: list[int]) -> None:
        """Forget these records' display rows (one was saved here): fetched again when
        painted, while a long list's new order is still on its way from the worker."""
        last = len(self._columns) - 1
        for record_id in ids:
            if self._rows.pop(record_id, None) is not None:
                row = self.row_of(record_id)
                if row is not None:
                    self.dataChanged.emit(self.index(row, 0), self.index(row, last))

    def _fetch_around(self, row: int) -> None:
        if self._gone:
            return
        start = max(0, row - BLOCK // 4)
        block = [i for i in self._ids[start : start + BLOCK] if i not in self._rows]
        try:
            self._rows.update(self._service.rows(block))
        except ServerGoneError:  # empty cells, not one connect per cell: asked at the next refresh
            self._gone = True

    # -- Qt model API ------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.row() >= 0 else len(self._ids)  # a valid parent has a row

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if role != _DISPLAY and role != _TOOLTIP:  # two int compares: the fastest test
            return None
        text = self._text(index)
        # A tool tip is rich text when Qt guesses so: escaped, it shows the text letter for letter.
        return tooltip_text(text) if role == _TOOLTIP and isinstance(text, str) else text

    def multiData(self, index: Index, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        """All the roles a view asks of a cell, in one call: Qt's delegate asks seven per
        cell and paint. Each call from Qt into Python must take the interpreter back from a
        worker that computes (up to 0.5 ms each, ``ui.workers.SWITCH_INTERVAL_S``): a
        repaint of the list was 336 calls, now 48."""
        text: Any = None
        # PySide's span iterates its items (its type hints do not say so)
        asked = (
            [roleDataSpan]
            if isinstance(roleDataSpan, QModelRoleData)
            else cast(Iterable[QModelRoleData], roleDataSpan)
        )
        for wanted in asked:
            role = wanted.role()
            if role in (_DISPLAY, _TOOLTIP):
                if text is None:
                    text = self._text(index)
                wanted.setData(tooltip_text(text) if role == _TOOLTIP and isinstance(text, str) else text)

    def _text(self, index: Index) -> Any:
        r = index.row()
        if r < 0 or r >= len(self._ids):  # an invalid index has row -1
            return None
        record_id = self._ids[r]
        row = self._rows.get(record_id)
        if row is None:
            self._fetch_around(r)
            row = self._rows.get(record_id)
            if row is None:
                return None
        return row[index.column()]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section].label
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Remember the sort; the section re-queries the ids in that order."""
        self.sort_key = self._columns[column].key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.sortChanged.emit()
