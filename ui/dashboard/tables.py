"""The pieces of the overview that show numbers and names: the figure tiles, the to-do lists, the breakdown tables."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atlas.network import FUNNEL, STATUS_LABELS
from ui.dashboard.common import NAME_WIDTH, ROLE_TARGET, STATUS_KEYS, plain


class FigureTile(QFrame):
    """One big number of the funnel, with its share of the whole."""

    def __init__(self, key: str, caption: str, color: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"tile_{key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            f"QFrame#tile_{key} {{ border: 1px solid palette(mid); border-left: 5px solid {color};"
            " border-radius: 3px; background: palette(base); }"
        )
        self.value = plain("–", bold=True, scale=2.2)
        self.value.setObjectName("value")
        self.caption = plain(caption, scale=1.1)
        self.share = plain("")
        self.share.setObjectName("share")
        self.share.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 8, 8)
        layout.setSpacing(0)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        layout.addWidget(self.share)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(120)

    def show_figure(self, count: int, share: str) -> None:
        self.value.setText(str(count))
        self.share.setText(share)


class ListPanel(QWidget):
    """A caption over a read-only list, or a friendly line when there is nothing to show."""

    def __init__(self, name: str, columns: list[str], empty: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.caption = plain("", bold=True, wrap=True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("list")
        self.tree.setAccessibleName(name)
        self.tree.setColumnCount(len(columns))
        self.tree.setHeaderLabels(columns)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(False)
        self.tree.setWordWrap(True)  # whole names instead of "…" (and no tooltips with database text)
        self.tree.setAlternatingRowColors(True)
        self.tree.setStyleSheet("QTreeView::item { padding: 2px 0px; }")
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(columns)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.empty = plain(empty)
        self.empty.setObjectName("empty")
        self.empty.setContentsMargins(4, 4, 4, 4)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.empty.setStyleSheet("color: palette(placeholder-text);")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tree)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.caption)
        layout.addWidget(self.stack)
        layout.addStretch(1)

    def fill(self, caption: str, rows: list[tuple[list[str], tuple[str, int], bool]]) -> None:
        """``rows``: (cell texts, (entity, id) to open, marked as overdue)."""
        self.caption.setText(caption)
        self.tree.clear()
        for texts, target, overdue in rows:
            item = QTreeWidgetItem(texts)
            item.setData(0, ROLE_TARGET, target)
            if overdue:
                for column in range(len(texts)):
                    item.setForeground(column, QBrush(QColor("#b3261e")))
                font = QFont(self.tree.font())
                font.setBold(True)
                item.setFont(len(texts) - 1, font)
            self.tree.addTopLevelItem(item)
        self.stack.setCurrentWidget(self.tree if rows else self.empty)
        self._fit()

    def _fit(self) -> None:
        """As tall as its rows (at most eight; then the list scrolls), no empty box."""
        if self.tree.topLevelItemCount() == 0:
            self.stack.setFixedHeight(self.empty.sizeHint().height() + 8)
            return
        self.tree.doItemsLayout()
        height = self.tree.header().sizeHint().height() + 2 * self.tree.frameWidth() + 2
        for row in range(min(self.tree.topLevelItemCount(), 8)):
            item = self.tree.topLevelItem(row)
            rect_height = self.tree.visualItemRect(item).height() if item is not None else 0
            height += rect_height or self.tree.fontMetrics().height() + 6
        self.stack.setFixedHeight(height)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.tree.topLevelItemCount():
            QTimer.singleShot(0, self._fit)  # wrapped rows change height with the width


class BreakdownTable(QTableWidget):
    """The funnel by sector or by quarter: rows = groups, columns = statuses + total."""

    def __init__(self, name: str, first: str, parent: QWidget | None = None) -> None:
        super().__init__(0, len(STATUS_KEYS) + 2, parent)
        self.setObjectName(name)
        self.setAccessibleName(first)
        self.setHorizontalHeaderLabels([first, *(str(STATUS_LABELS[s]) for s in FUNNEL), self.tr("gesamt")])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def fill(self, groups: dict[str, dict[str, int]]) -> None:
        self.setSortingEnabled(False)
        self.setRowCount(len(groups))
        for row, (group, counts) in enumerate(groups.items()):
            self.setItem(row, 0, QTableWidgetItem(group))
            values = [counts.get(key, 0) for key in STATUS_KEYS]
            for column, value in enumerate([*values, sum(values)], start=1):
                item = QTableWidgetItem()
                item.setData(Qt.ItemDataRole.DisplayRole, value)  # sorts as a number
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == len(STATUS_KEYS) + 1:
                    font = QFont(self.font())
                    font.setBold(True)
                    item.setFont(font)
                self.setItem(row, column, item)
        self.setSortingEnabled(True)
        # As wide as its content (names capped, then elided), so figures stay next to their names.
        header = self.horizontalHeader()
        for column in range(self.columnCount()):
            size = max(header.sectionSizeHint(column), self.sizeHintForColumn(column)) + 8
            header.resizeSection(column, min(size, NAME_WIDTH) if column == 0 else max(size, 56))
        self._fix_width()
        self.setFixedHeight(
            header.sizeHint().height()
            + self.verticalHeader().defaultSectionSize() * max(len(groups), 1)
            + 2 * self.frameWidth()
        )

    def name_width(self) -> int:
        return self.horizontalHeader().sectionSize(0)

    def set_name_width(self, width: int) -> None:
        self.horizontalHeader().resizeSection(0, width)
        self._fix_width()

    def _fix_width(self) -> None:
        header = self.horizontalHeader()
        self.setFixedWidth(
            sum(header.sectionSize(c) for c in range(self.columnCount())) + 2 * self.frameWidth()
        )

    def column_values(self, column: int) -> list[int]:
        """The numbers of one column, top to bottom as shown."""
        values = []
        for row in range(self.rowCount()):
            item = self.item(row, column)
            values.append(int(item.text()) if item is not None else 0)
        return values
