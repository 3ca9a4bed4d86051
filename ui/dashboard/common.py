"""What the pieces of the network overview share: statuses, colours, sizes, plain labels."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel

from atlas.network import FUNNEL
from ui.plain import plain_label

#: Changes that can move a figure: attendance and actors, agreements, the shared rule,
#: and what the tables group by (an institution's quarter, a sector's name).
RELEVANT = frozenset({"actor", "meeting", "agreement", "setting", "institution", "quarter", "term"})
STATUS_KEYS = tuple(s.value for s in FUNNEL)
STATUS_COLORS = {
    "angesprochen": "#7b8794",
    "informiert": "#3b82c4",
    "aktiv": "#2f9155",
    "ruhend": "#c9822b",
}
ACTIVE = "aktiv"
MONTHS = 12
NAME_WIDTH = 280  # widest name column of the tables (longer names are elided)
ROLE_TARGET = Qt.ItemDataRole.UserRole


def day_text(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value is not None else ""


def plain(text: str = "", *, bold: bool = False, scale: float = 1.0, wrap: bool = False) -> QLabel:
    """A label that never interprets its text as HTML."""
    label = plain_label()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(wrap)
    if bold or scale != 1.0:
        font = QFont(label.font())
        font.setBold(bold)
        font.setPointSizeF(font.pointSizeF() * scale)
        label.setFont(font)
    return label


def status_color(status: str) -> QColor:
    return QColor(STATUS_COLORS.get(status, "#666666"))


def axis_range(value: int) -> tuple[int, int]:
    """A round top for the y axis a little above ``value``, and its grid step."""
    wanted = max(value * 1.05, 4)
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if wanted / step <= 8:
            break
    top = int(-(-wanted // step) * step)
    return top, step
