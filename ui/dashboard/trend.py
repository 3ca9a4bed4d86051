"""The trend chart: one line per status over the months (QtCharts)."""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from atlas.network import FUNNEL, STATUS_LABELS, TrendPoint
from ui.dashboard.common import ACTIVE, axis_range, status_color


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
        top, step = axis_range(max((max(p.counts.values(), default=0) for p in points), default=0))
        y_axis.setRange(0, top)
        y_axis.setTickCount(top // step + 1)
        y_axis.setLabelFormat("%d")
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        for status in FUNNEL:
            series = QLineSeries()
            series.setName(str(STATUS_LABELS[status]))
            pen = QPen(status_color(status.value))
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
