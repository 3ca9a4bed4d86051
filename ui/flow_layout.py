"""A layout that puts its widgets side by side and wraps to a new line when they do not fit.

Used where a row of controls must stay whole in a narrow pane: the filters above a list and
the map's controls. Its minimum width is that of its widest item, so it never widens the
window; its height follows the width (``heightForWidth``).
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QSizePolicy, QWidget


class FlowLayout(QLayout):
    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    # -- QLayout -------------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        """All items on one line."""
        width = sum(i.sizeHint().width() for i in self._visible()) + self._spacing * max(
            0, len(self._visible()) - 1
        )
        height = max((i.sizeHint().height() for i in self._visible()), default=0)
        return QSize(width, height).grownBy(self.contentsMargins())

    def minimumSize(self) -> QSize:
        """The widest item alone on a line."""
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        return size.grownBy(self.contentsMargins())

    # -- arranging -----------------------------------------------------------------
    def _visible(self) -> list[QLayoutItem]:
        return [i for i in self._items if not ((w := i.widget()) is not None and w.isHidden())]

    def _arrange(self, rect: QRect, apply: bool) -> int:
        margins: QMargins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        x, y, line_height = area.x(), area.y(), 0
        line: list[tuple[QLayoutItem, int]] = []
        lines: list[tuple[list[tuple[QLayoutItem, int]], int, int]] = []
        for item in self._visible():
            width = min(item.sizeHint().width(), area.width())
            width = max(width, item.minimumSize().width())
            if line and x + width > area.right() + 1:
                lines.append((line, y, line_height))
                x, y = area.x(), y + line_height + self._spacing
                line, line_height = [], 0
            line.append((item, width))
            x += width + self._spacing
            line_height = max(line_height, item.sizeHint().height())
        if line:
            lines.append((line, y, line_height))
        if apply:
            for items, top, height in lines:
                # Items that may grow share what is left of the line.
                used = sum(w for _i, w in items) + self._spacing * (len(items) - 1)
                growing = [
                    i
                    for i, _w in items
                    if (w := i.widget()) is not None
                    and w.sizePolicy().horizontalPolicy().value & QSizePolicy.PolicyFlag.GrowFlag.value
                ]
                extra = max(0, area.width() - used)
                share = extra // len(growing) if growing else 0
                left = area.x()
                for item, width in items:
                    if item in growing:
                        width += share
                    item.setGeometry(QRect(QPoint(left, top), QSize(width, height)))
                    left += width + self._spacing
        return (lines[-1][1] + lines[-1][2] - area.y() if lines else 0) + margins.top() + margins.bottom()
