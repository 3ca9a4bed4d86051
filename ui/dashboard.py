"""The network overview: the funnel on a day, by sector and quarter, the trend, what needs doing.

``DashboardPage(atlas)`` computes ``atlas.network.dashboard(day, 12)`` on a database
worker (``TaskRunner(1)``) and shows the plain result when it arrives; meanwhile the
header says "wird berechnet …". Database text is only ever shown in plain-text widgets
(table and tree items, ``QLabel`` with ``Qt.PlainText``), never as rich text or tooltips.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, QLocale, QMargins, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from atlas.core import Atlas
from atlas.errors import AtlasError, ValidationError
from atlas.network import FUNNEL, STATUS_LABELS, ActivityRule, Dashboard, TrendPoint
from ui.plain import plain_label
from ui.tasks import TaskRunner

try:
    from PySide6.QtCharts import QBarCategoryAxis, QChart, QChartView, QLineSeries, QValueAxis

    HAVE_CHARTS = True
except ImportError:  # PySide6-Essentials without the add-ons: a painted chart instead
    HAVE_CHARTS = False

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


def _day(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value is not None else ""


def _plain(text: str = "", *, bold: bool = False, scale: float = 1.0, wrap: bool = False) -> QLabel:
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


def _color(status: str) -> QColor:
    return QColor(STATUS_COLORS.get(status, "#666666"))


def _axis(value: int) -> tuple[int, int]:
    """A round top for the y axis a little above ``value``, and its grid step."""
    wanted = max(value * 1.05, 4)
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if wanted / step <= 8:
            break
    top = int(-(-wanted // step) * step)
    return top, step


# -- pieces ------------------------------------------------------------------------
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
        self.value = _plain("–", bold=True, scale=2.2)
        self.value.setObjectName("value")
        self.caption = _plain(caption, scale=1.1)
        self.share = _plain("")
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
        self.caption = _plain("", bold=True, wrap=True)
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
        self.empty = _plain(empty)
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


if HAVE_CHARTS:

    class TrendChart(QChartView):
        """One line per status over the months (QtCharts, no animation)."""

        def __init__(self, parent: QWidget | None = None) -> None:
            super().__init__(parent)
            self.chart_ = QChart()
            self.setChart(self.chart_)
            self.setObjectName("trend")
            self.setRenderHint(QPainter.RenderHint.Antialiasing)
            self.chart_.setAnimationOptions(QChart.AnimationOption.NoAnimation)
            self.chart_.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
            self.chart_.setMargins(QMargins(4, 4, 4, 4))
            self.chart_.setBackgroundRoundness(0)
            self.setMinimumHeight(250)
            self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            # Taller with a larger font (125 %), or the axis labels shrink to "…".
            self.setFixedHeight(max(270, self.fontMetrics().height() * 21))
            self.categories: list[str] = []

        def set_points(self, points: list[TrendPoint]) -> None:
            chart = self.chart_
            chart.removeAllSeries()
            for axis in chart.axes():
                chart.removeAxis(axis)
            self.categories = [p.label for p in points]
            x_axis = QBarCategoryAxis()
            # Month over year, on two lines: "Dez 25" in one line is cut to "Dez …" at the
            # width the window gives the chart at 1366×768; two short lines fit, uncut.
            x_axis.append([two_lines(p) for p in points])
            x_axis.setTruncateLabels(False)
            y_axis = QValueAxis()
            top, step = _axis(max((max(p.counts.values(), default=0) for p in points), default=0))
            y_axis.setRange(0, top)
            y_axis.setTickCount(top // step + 1)
            y_axis.setLabelFormat("%d")
            chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
            chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
            for status in FUNNEL:
                series = QLineSeries()
                series.setName(str(STATUS_LABELS[status]))
                pen = QPen(_color(status.value))
                pen.setWidthF(3.0 if status.value == ACTIVE else 2.0)
                series.setPen(pen)
                series.setPointsVisible(True)
                for index, point in enumerate(points):
                    series.append(float(index), float(point.counts.get(status.value, 0)))
                chart.addSeries(series)
                series.attachAxis(x_axis)
                series.attachAxis(y_axis)

        def series_points(self) -> dict[str, list[int]]:
            return {
                s.name(): [round(p.y()) for p in s.points()]
                for s in self.chart_.series()
                if isinstance(s, QLineSeries)
            }


def two_lines(point: TrendPoint) -> str:
    """'Dez<br>2025': the chart axis's label of a month (the axis draws it as rich text)."""
    month = point.label.split(" ", 1)[0]
    return f"{month}<br>{point.month[:4]}"


class PaintedTrend(QWidget):
    """The same chart drawn with QPainter, for an installation without QtCharts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trend")
        self.setFixedHeight(270)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.points: list[TrendPoint] = []
        self.categories: list[str] = []

    def set_points(self, points: list[TrendPoint]) -> None:
        self.points = list(points)
        self.categories = [p.label for p in points]
        self.update()

    def series_points(self) -> dict[str, list[int]]:
        return {str(STATUS_LABELS[s]): [p.counts.get(s.value, 0) for p in self.points] for s in FUNNEL}

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        metrics = painter.fontMetrics()
        line = metrics.height()
        plot = QRectF(
            metrics.horizontalAdvance("0000") + 8, 8, self.width() - metrics.horizontalAdvance("0000") - 20, 0
        )
        plot.setBottom(self.height() - 3 * line - 16)  # month and year below, then the legend
        top, step = _axis(max((max(p.counts.values(), default=0) for p in self.points), default=0))
        grid = QPen(self.palette().mid().color())
        text_pen = QPen(self.palette().text().color())
        for value in range(0, top + 1, step):
            y = plot.bottom() - plot.height() * value / top
            painter.setPen(grid)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text_pen)
            painter.drawText(
                QRectF(0, y - line / 2, plot.left() - 6, line),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                str(value),
            )
        n = len(self.points)
        if n:
            slot = plot.width() / n

            def x_of(index: int) -> float:
                return plot.left() + slot * (index + 0.5)

            for index, point in enumerate(self.points):
                painter.drawText(
                    QRectF(x_of(index) - slot / 2, plot.bottom() + 4, slot, 2 * line),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                    two_lines(point).replace("<br>", "\n"),
                )
            for status in FUNNEL:
                pen = QPen(_color(status.value))
                pen.setWidthF(3.0 if status.value == ACTIVE else 2.0)
                painter.setPen(pen)
                path = QPainterPath()
                for index, point in enumerate(self.points):
                    at = QPointF(
                        x_of(index), plot.bottom() - plot.height() * point.counts.get(status.value, 0) / top
                    )
                    if index == 0:
                        path.moveTo(at)
                    else:
                        path.lineTo(at)
                    painter.drawEllipse(at, 2.5, 2.5)
                painter.drawPath(path)
        # legend
        x = plot.left()
        y = self.height() - line - 4
        for status in FUNNEL:
            name = str(STATUS_LABELS[status])
            painter.fillRect(QRectF(x, y + line / 2 - 2, 16, 4), _color(status.value))
            painter.setPen(text_pen)
            painter.drawText(QPointF(x + 20, y + metrics.ascent()), name)
            x += 20 + metrics.horizontalAdvance(name) + 18
        painter.end()


# -- the rule ----------------------------------------------------------------------
class RuleSpin(QSpinBox):
    """A spin box that remembers what was typed even when Qt falls back to the old value.

    The service decides what is valid; a refused entry ("0") is sent to it as typed so
    the coach reads its German reason instead of seeing the old value come back silently.
    """

    def __init__(self, low: int, high: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(low, high)
        self.typed: str | None = None
        self.lineEdit().textEdited.connect(self._edited)
        self.valueChanged.connect(self._stepped)

    def _edited(self, text: str) -> None:
        self.typed = None if self.hasAcceptableInput() else text

    def _stepped(self, _value: int) -> None:
        if self.hasAcceptableInput():
            self.typed = None

    def entered(self) -> int | str:
        return self.typed if self.typed is not None else self.value()

    def show_typed(self) -> None:
        if self.typed is not None:
            self.lineEdit().setText(self.typed)


class RuleDialog(QDialog):
    """Change when an actor counts as "regelmäßig aktiv" (shared by the whole team)."""

    def __init__(self, atlas: Atlas, rule: ActivityRule, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.setObjectName("ruleDialog")
        self.shown_rule = rule
        self.setWindowTitle(self.tr("Regel für „aktiv“"))
        intro = _plain(
            self.tr(
                "Ein Akteur gilt als regelmäßig aktiv, wenn er in einem Zeitraum an einer "
                "Mindestzahl von Treffen teilgenommen hat. Die Regel gilt für alle im Team."
            ),
            wrap=True,
        )
        self.meetings = RuleSpin(1, 52)
        self.meetings.setObjectName("min_meetings")
        self.meetings.setValue(rule.min_meetings)
        self.months = RuleSpin(1, 36)
        self.months.setObjectName("window_months")
        self.months.setValue(rule.window_months)
        self.errors = {"min_meetings": _plain(wrap=True), "window_months": _plain(wrap=True)}
        self.general = _plain(wrap=True)
        for label in (*self.errors.values(), self.general):
            label.setStyleSheet("color: #b3261e;")
            label.hide()
        form = QFormLayout()
        for caption, spin, key in (
            (self.tr("Mindestens &Treffen:"), self.meetings, "min_meetings"),
            (self.tr("in den letzten &Monaten:"), self.months, "window_months"),
        ):
            label = _plain(caption)
            label.setBuddy(spin)
            form.addRow(label, spin)
            form.addRow(_plain(), self.errors[key])
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.general)
        layout.addWidget(buttons)
        self.setMinimumWidth(380)

    def save(self) -> None:
        for label in (*self.errors.values(), self.general):
            label.hide()
        try:
            # over the rule shown when the dialog opened: a change made meanwhile is not lost
            self.atlas.network.set_rule(
                self.meetings.entered(), self.months.entered(), expected=self.shown_rule
            )
        except ValidationError as err:
            for key, message in err.errors.items():
                label = self.errors.get(key, self.general)
                label.setText(message)
                label.show()
            first = self.meetings if "min_meetings" in err.errors else self.months
            first.show_typed()
            first.setFocus()
            first.selectAll()
            return
        except AtlasError as err:
            self.general.setText(str(err))
            self.general.show()
            return
        self.accept()


# -- the page ----------------------------------------------------------------------
class DashboardPage(QWidget):
    """Netzwerk-Übersicht: the funnel on a day, its breakdown and trend, and the to-dos.

    Call :meth:`on_change` with the changed entities (the main window's coalesced
    broadcast); a hidden page only remembers that it is stale and recomputes when shown.
    """

    openRecord = Signal(str, int)  # entity key ("actor", "meeting", "agreement"), id
    computed = Signal()  # a result is on screen (tests and status bars may listen)

    def __init__(self, atlas: Atlas, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.setObjectName("dashboard")
        self.runner = TaskRunner(1, self)
        self.data: Dashboard | None = None
        self.rule: ActivityRule | None = None
        self.busy = False
        self._again = False
        self._stale = True
        self._rule_dialog: RuleDialog | None = None

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self._scheduled)

        # header
        title = _plain(self.tr("Netzwerk-Übersicht"), bold=True, scale=1.6)
        self.day_edit = QDateEdit()
        self.day_edit.setObjectName("day")
        self.day_edit.setLocale(QLocale(QLocale.Language.German, QLocale.Country.Germany))
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("dd.MM.yyyy")
        self.day_edit.setMinimumDate(QDate(2000, 1, 1))
        self.day_edit.setDate(QDate(self.atlas.clock.today()))
        self.day_edit.setAccessibleName(self.tr("Stand am"))
        self.day_edit.dateChanged.connect(lambda _d: self._timer.start())
        day_label = _plain(self.tr("&Stand am"))
        day_label.setBuddy(self.day_edit)
        self.status = _plain("")
        self.status.setObjectName("status")
        self.status.setStyleSheet("color: palette(placeholder-text);")
        self.rule_label = _plain("")
        self.rule_label.setObjectName("rule")
        self.rule_button = QPushButton(self.tr("Regel ändern …"))
        self.rule_button.setObjectName("changeRule")
        self.rule_button.clicked.connect(self.edit_rule)

        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.status)
        top.addSpacing(12)
        top.addWidget(day_label)
        top.addWidget(self.day_edit)
        rule_row = QHBoxLayout()
        rule_row.addWidget(self.rule_label)
        rule_row.addSpacing(8)
        rule_row.addWidget(self.rule_button)
        rule_row.addStretch(1)

        # the funnel now
        self.tiles = {
            key: FigureTile(key, str(STATUS_LABELS[s]), STATUS_COLORS[key])
            for s, key in zip(FUNNEL, STATUS_KEYS, strict=True)
        }
        self.total_tile = FigureTile("gesamt", self.tr("Akteure gesamt"), "palette(dark)")
        tiles = QHBoxLayout()
        tiles.setSpacing(8)
        for tile in self.tiles.values():
            tiles.addWidget(tile, 1)
        tiles.addWidget(self.total_tile, 1)
        self.sentence = _plain("", scale=1.15, wrap=True)
        self.sentence.setObjectName("sentence")

        # breakdown
        self.by_sector = BreakdownTable("bySector", self.tr("Sektor"))
        self.by_quarter = BreakdownTable("byQuarter", self.tr("Quartier"))
        self.sector_caption = _plain(self.tr("Nach Sektor"), bold=True)
        self.quarter_caption = _plain(self.tr("Nach Quartier"), bold=True)
        self.breakdown = QGridLayout()
        self.breakdown.setHorizontalSpacing(16)
        self.breakdown.setVerticalSpacing(6)
        self._side_by_side: bool | None = None
        self._arrange_tables(False)

        # trend
        self.trend_caption = _plain(
            self.tr("Entwicklung der letzten 12 Monate (Stand am Monatsende)"), bold=True
        )
        self.trend: TrendChart | PaintedTrend = TrendChart() if HAVE_CHARTS else PaintedTrend()

        # what needs doing
        self.dropping = ListPanel(
            "droppingOut", [self.tr("Akteur"), self.tr("zuletzt dabei")], self.tr("Niemand – gut so.")
        )
        self.follow_ups = ListPanel(
            "followUps",
            [self.tr("Aufgabe"), self.tr("Wer"), self.tr("fällig")],
            self.tr("Keine offenen Aufgaben – alles erledigt."),
        )
        self.agreements = ListPanel(
            "agreementsDue",
            [self.tr("Vereinbarung"), self.tr("Abstimmung am")],
            self.tr("In den nächsten 30 Tagen ist keine Abstimmung fällig."),
        )
        for panel in (self.dropping, self.follow_ups, self.agreements):
            panel.tree.itemActivated.connect(self._activated)  # double-click or Enter
        todo = QVBoxLayout()
        todo.setSpacing(10)
        todo.addWidget(self.follow_ups)
        todo.addWidget(self.dropping)
        todo.addWidget(self.agreements)

        content = QWidget()
        content.setObjectName("dashboardContent")
        body = QVBoxLayout(content)
        self.body = body
        body.setContentsMargins(12, 10, 12, 12)
        body.setSpacing(8)
        body.addLayout(top)
        body.addLayout(rule_row)
        body.addSpacing(4)
        body.addLayout(tiles)
        body.addWidget(self.sentence)
        body.addSpacing(8)
        body.addLayout(todo)
        body.addSpacing(8)
        body.addWidget(self.trend_caption)
        body.addWidget(self.trend)
        body.addSpacing(8)
        body.addLayout(self.breakdown)
        body.addStretch(1)
        self.content = content

        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("dashboardScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.scroll_area.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)
        self.status.setText(self.tr("wird berechnet …"))  # until the first result arrives

    # -- public --------------------------------------------------------------------
    def day(self) -> dt.date:
        qdate = self.day_edit.date()
        return dt.date(qdate.year(), qdate.month(), qdate.day())

    def set_day(self, day: dt.date) -> None:
        """Show the network as it was on ``day`` (recomputed at once)."""
        self.day_edit.blockSignals(True)
        self.day_edit.setDate(QDate(day.year, day.month, day.day))
        self.day_edit.blockSignals(False)
        self.refresh()

    def on_change(self, entities: frozenset[str]) -> None:
        """Data changed somewhere: recompute shortly if a figure can depend on it."""
        if entities & RELEVANT:
            self._timer.start()

    def refresh(self) -> None:
        """Recompute on the database worker; the result is shown when it arrives."""
        self._timer.stop()
        self._stale = False
        if self.busy:
            self._again = True  # one more round after the running one, not a queue
            return
        self._set_busy(True)
        day = self.day()
        network = self.atlas.network

        def compute() -> tuple[ActivityRule, Dashboard]:
            return network.rule(), network.dashboard(day, MONTHS)

        self.runner.run(compute, self._arrived, self._failed)

    def edit_rule(self) -> RuleDialog:
        """Open the rule dialog (window-modal, not blocking); a saved rule recomputes the page."""
        rule = self.rule or self.atlas.network.rule()
        dialog = RuleDialog(self.atlas, rule, self)
        dialog.accepted.connect(lambda: self.on_change(frozenset({"setting"})))
        dialog.finished.connect(dialog.deleteLater)
        self._rule_dialog = dialog
        dialog.open()
        return dialog

    # -- internals -----------------------------------------------------------------
    def _arrange_tables(self, side_by_side: bool) -> None:
        """Sector and quarter tables next to each other on a wide page, else one below the other."""
        if side_by_side == self._side_by_side:
            return
        self._side_by_side = side_by_side
        grid = self.breakdown
        for widget in (self.sector_caption, self.by_sector, self.quarter_caption, self.by_quarter):
            grid.removeWidget(widget)
        top = Qt.AlignmentFlag.AlignTop
        left = top | Qt.AlignmentFlag.AlignLeft
        grid.addWidget(self.sector_caption, 0, 0)
        grid.addWidget(self.by_sector, 1, 0, left)
        if side_by_side:
            grid.addWidget(self.quarter_caption, 0, 1)
            grid.addWidget(self.by_quarter, 1, 1, left)
        else:
            grid.addWidget(self.quarter_caption, 2, 0)
            grid.addWidget(self.by_quarter, 3, 0, left)
        grid.setColumnStretch(0, 0)
        grid.setColumnStretch(1, 0)
        grid.setColumnStretch(2, 1)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_tables()

    def _fit_tables(self) -> None:
        margins = self.body.contentsMargins()
        room = self.scroll_area.viewport().width() - margins.left() - margins.right()
        needed = self.by_sector.width() + self.by_quarter.width() + self.breakdown.horizontalSpacing()
        self._arrange_tables(needed <= room)

    def _scheduled(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True  # recomputed when the page is shown again

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        if busy:
            self.status.setText(self.tr("wird berechnet …"))
            self.status.setStyleSheet("color: palette(placeholder-text);")
        else:
            self.status.setText("")

    def _arrived(self, result: tuple[ActivityRule, Dashboard]) -> None:
        if not Shiboken.isValid(self):
            return  # the page went away while the worker was busy
        self._set_busy(False)
        if self._again:
            self._again = False
            self.refresh()
            return
        self.rule, self.data = result
        self._show(result[1])
        self.computed.emit()

    def _failed(self, error: BaseException) -> None:
        if not Shiboken.isValid(self):
            return
        self._set_busy(False)
        if self._again:
            self._again = False
            self.refresh()
            return
        message = (
            str(error)
            if isinstance(error, AtlasError)
            else self.tr("unerwarteter Fehler: {e}").format(e=error)
        )
        self.status.setText(self.tr("Die Übersicht konnte nicht berechnet werden: {m}").format(m=message))
        self.status.setStyleSheet("color: #b3261e;")

    def _show(self, data: Dashboard) -> None:
        funnel = data.funnel
        day = funnel.at
        total = funnel.total
        self.rule_label.setText(funnel.rule)
        for key, tile in self.tiles.items():
            count = funnel.counts.get(key, 0)
            share = round(100 * count / total) if total else 0
            tile.show_figure(count, self.tr("{p} % von {t}").format(p=share, t=total))
        self.total_tile.show_figure(total, self.tr("am {day}").format(day=_day(day)))
        active = funnel.counts.get(ACTIVE, 0)
        if total:
            self.sentence.setText(
                self.tr(
                    "{t} Akteure angesprochen und informiert, davon {a} regelmäßig aktiv ({p} %)."
                ).format(t=total, a=active, p=round(100 * active / total))
                if total != 1
                else self.tr("1 Akteur angesprochen und informiert, davon {a} regelmäßig aktiv.").format(
                    a=active
                )
            )
        else:
            self.sentence.setText(self.tr("Am {day} war noch kein Akteur im Netzwerk.").format(day=_day(day)))

        self.by_sector.fill(funnel.by_sector)
        self.by_quarter.fill(funnel.by_quarter)
        names = max(self.by_sector.name_width(), self.by_quarter.name_width())
        for table in (self.by_sector, self.by_quarter):  # columns line up when stacked
            table.set_name_width(names)
        self._fit_tables()
        self.trend.set_points(data.trend)

        window = self.rule.window_months if self.rule else 6
        newest = max(window - 2, 1)
        if newest < window:
            span = self.tr("zuletzt vor {a}–{b} Monaten dabei").format(a=newest, b=window)
        else:
            span = self.tr("zuletzt vor {b} Monaten dabei").format(b=window)
        self.dropping.fill(
            self.tr("Drohen auszusteigen ({span})").format(span=span)
            + (f" · {len(data.dropping_out)}" if data.dropping_out else ""),
            [([name, _day(seen)], ("actor", actor), False) for actor, name, seen in data.dropping_out],
        )
        rows = []
        for _fid, task, who, due, meeting_id, _meeting in data.follow_ups:
            overdue = due is not None and due < day
            if due is None:
                when = self.tr("ohne Termin")
            else:
                when = self.tr("{d} – überfällig").format(d=_day(due)) if overdue else _day(due)
            rows.append(([task, who, when], ("meeting", meeting_id), overdue))
        overdue_count = sum(1 for r in rows if r[2])
        caption = self.tr("Offene Aufgaben aus Treffen")
        if rows:
            caption += f" · {len(rows)}"
            if overdue_count:
                caption += self.tr(" (davon {n} überfällig)").format(n=overdue_count)
        self.follow_ups.fill(caption, rows)
        self.agreements.fill(
            self.tr("Vereinbarungen: Abstimmung fällig")
            + (f" · {len(data.agreements_due)}" if data.agreements_due else ""),
            [
                (
                    [title, self.tr("{d} – überfällig").format(d=_day(when)) if when < day else _day(when)],
                    ("agreement", agreement),
                    when < day,
                )
                for agreement, title, when in data.agreements_due
            ],
        )

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        target = item.data(0, ROLE_TARGET)
        if target:
            entity, record_id = target
            self.openRecord.emit(str(entity), int(record_id))


__all__ = ["DashboardPage", "RuleDialog"]
