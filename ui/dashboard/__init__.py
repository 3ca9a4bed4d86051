"""The network overview: the funnel on a day, by sector and quarter, the trend, what needs doing.

``DashboardPage(atlas, workers=…)`` computes ``atlas.network.service.dashboard(day, 12)`` on the
database worker (``Workers.database``) and shows the plain result when it arrives; meanwhile the
header says "wird berechnet …". Database text is only ever shown in plain-text widgets
(table and tree items, ``QLabel`` with ``Qt.PlainText``), never as rich text or tooltips.
"""

from ui.dashboard.page import DashboardPage

__all__ = ["DashboardPage"]
