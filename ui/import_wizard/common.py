"""Page ids, limits and small widgets shared by the pages of the import wizard."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ui.plain import plain_label, tooltip_text

FILE, COLUMNS, CHECK, IMPORT, TERMS = range(5)  # TERMS comes between CHECK and IMPORT
PREVIEW_ROWS = 20
SHOWN_ERRORS = 500  # rows in the error list; the report has them all
SHOWN_DUPLICATES = 500  # rows with their own choice; the rest follow "Für alle"
ERROR_STYLE = "color: #b00020;"


def thousands(number: int) -> str:
    """12345 -> '12.345' (German thousands)."""
    return f"{number:,}".replace(",", ".")


def plain(text: str = "", wrap: bool = True) -> QLabel:
    """A label that never interprets HTML: file names and cells are user data."""
    label = plain_label(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    return label


def cell(text: str, tooltip: str | None = None) -> QTableWidgetItem:
    shown = text if len(text) <= 600 else text[:599] + "…"
    item = QTableWidgetItem(shown.replace("\n", " ⏎ "))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if tooltip is not None or shown != text:
        item.setToolTip(tooltip_text(tooltip if tooltip is not None else text[:2000]))
    return item


class ElidedLabel(QLabel):
    """One line of text, cut with '…' when the column is narrow (the full text as tooltip)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._full = text
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setToolTip(tooltip_text(text))
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(60)
        self.setText(text)

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), shown)


class ChoiceCombo(QComboBox):
    """A combo in a scrolling list: the wheel scrolls the list unless the combo has focus."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # goes on to the scroll area


def select_data(combo: QComboBox, value: str) -> None:
    """Select the entry whose data is ``value`` (added when the combo lacks it)."""
    index = combo.findData(value)
    if index < 0:
        combo.addItem(value, value)
        index = combo.count() - 1
    combo.setCurrentIndex(index)


def table_style(table: QTableWidget) -> None:
    """A read-only list of rows (errors, duplicates, new terms)."""
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setTabKeyNavigation(False)
    table.verticalHeader().hide()
    table.setWordWrap(True)
