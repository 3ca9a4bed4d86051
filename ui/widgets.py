"""Small widgets that keep the window within a small screen."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOption,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ui.plain import tooltip_text


def cell(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    """The item of a cell the code filled itself, so it must be there."""
    item = table.item(row, column)
    assert item is not None, f"{table.objectName()}: no item at ({row}, {column})"
    return item


class ElidedLabel(QLabel):
    """One line of plain text that ends in "…" when it is too long, instead of widening its window.

    ``text()`` keeps the whole text, and so does the tool tip when the text is cut.
    """

    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
    ) -> None:
        super().__init__(text, parent)
        self.mode = mode
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        # Prefers the whole text, makes do with a few letters.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(self.fontMetrics().horizontalAdvance("…") * 4, hint.height())

    def elided_text(self) -> str:
        rect = self.contentsRect()
        return self.fontMetrics().elidedText(self.text(), self.mode, rect.width())

    def is_elided(self) -> bool:
        return self.elided_text() != self.text()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            int(self.alignment()),
            option.palette,
            self.isEnabled(),
            self.elided_text(),
            self.foregroundRole(),
        )
        tip = tooltip_text(self.text()) if self.is_elided() else ""  # literal, never rich text
        if self.toolTip() != tip:
            self.setToolTip(tip)


class FittingScrollArea(QScrollArea):
    """A vertical scroll area that is never narrower than its content.

    With the horizontal scroll bar off, a content wider than the viewport is simply cut off
    on the right; asking for the content's minimum width (plus the scroll bar's) lets the
    surrounding splitter and layouts keep it whole.
    """

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        inner = self.widget()
        if inner is None:
            return hint
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        width = inner.minimumSizeHint().width() + bar + 2 * self.frameWidth()
        return QSize(max(width, hint.width()), hint.height())
