"""The network overview: the funnel on a day, by sector and quarter, the trend, what needs doing.

``DashboardPage(atlas, workers=…)`` computes ``atlas.network.service.dashboard(day, 12)`` on the
database worker (``Workers.database``) and shows the plain result when it arrives; meanwhile the
header says "wird berechnet …". Database text is only ever shown in plain-text widgets
(table and tree items, ``QLabel`` with ``Qt.PlainText``), never as rich text or tooltips."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, QLocale, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from atlas.core import Atlas
from atlas.errors import AtlasError, ServerGoneError
from atlas.network import FUNNEL, STATUS_LABELS, ActivityRule, Dashboard
from ui.dashboard.common import (
    ACTIVE,
    MONTHS,
    RELEVANT,
    ROLE_TARGET,
    STATUS_COLORS,
    STATUS_KEYS,
    day_text,
    plain,
)
from ui.dashboard.rule import RuleDialog
from ui.dashboard.tables import BreakdownTable, FigureTile, ListPanel
from ui.dashboard.trend import TrendChart
from ui.rights import apply_to_button
from ui.workers import Workers


class DashboardPage(QWidget):
    """Netzwerk-Übersicht: the funnel on a day, its breakdown and trend, and the to-dos.

    Call :meth:`on_change` with the changed entities (the main window's coalesced
    broadcast); a hidden page only remembers that it is stale and recomputes when shown.
    """

    openRecord = Signal(str, int)  # entity key ("actor", "meeting", "agreement"), id
    computed = Signal()  # a result is on screen (tests and status bars may listen)

    def __init__(self, atlas: Atlas, parent: QWidget | None = None, *, workers: Workers) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.setObjectName("dashboard")
        self.runner = workers.database
        self.data: Dashboard | None = None
        self.rule: ActivityRule | None = None
        self.busy = False
        self._again = False
        self._stale = True

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self._scheduled)

        # header
        title = plain(self.tr("Netzwerk-Übersicht"), bold=True, scale=1.6)
        self.day_edit = QDateEdit()
        self.day_edit.setObjectName("day")
        self.day_edit.setLocale(QLocale(QLocale.Language.German, QLocale.Country.Germany))
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("dd.MM.yyyy")
        self.day_edit.setMinimumDate(QDate(2000, 1, 1))
        today = self.atlas.clock.today()
        self.day_edit.setDate(QDate(today.year, today.month, today.day))
        self.day_edit.setAccessibleName(self.tr("Stand am"))
        self.day_edit.dateChanged.connect(lambda _d: self._timer.start())
        day_label = plain(self.tr("&Stand am"))
        day_label.setBuddy(self.day_edit)
        self.status = plain("")
        self.status.setObjectName("status")
        self.status.setStyleSheet("color: palette(placeholder-text);")
        self.rule_label = plain("")
        self.rule_label.setObjectName("rule")
        self.rule_button = QPushButton(self.tr("Regel ändern …"))
        self.rule_button.setObjectName("changeRule")
        self.rule_button.clicked.connect(self.edit_rule)
        apply_to_button(self.rule_button, atlas.rights, "can_change_rule")  # the lead's (ui.rights)

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
        self.sentence = plain("", scale=1.15, wrap=True)
        self.sentence.setObjectName("sentence")

        # breakdown
        self.by_sector = BreakdownTable("bySector", self.tr("Sektor"))
        self.by_quarter = BreakdownTable("byQuarter", self.tr("Quartier"))
        self.sector_caption = plain(self.tr("Nach Sektor"), bold=True)
        self.quarter_caption = plain(self.tr("Nach Quartier"), bold=True)
        self.breakdown = QGridLayout()
        self.breakdown.setHorizontalSpacing(16)
        self.breakdown.setVerticalSpacing(6)
        self._side_by_side: bool | None = None
        self._arrange_tables(False)

        # trend
        self.trend_caption = plain(
            self.tr("Entwicklung der letzten 12 Monate (Stand am Monatsende)"), bold=True
        )
        self.trend = TrendChart()

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

    def pending(self) -> bool:
        """A recomputation is due: scheduled by a change or the day, or queued behind the
        running one (tests wait on this instead of sleeping)."""
        return self._timer.isActive() or self._again

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

        self.runner.run(compute, self._arrived, self._failed, owner=self)

    def edit_rule(self) -> RuleDialog:
        """Open the rule dialog (window-modal, not blocking); a saved rule recomputes the page."""
        rule = self.rule or self.atlas.network.rule()
        dialog = RuleDialog(self.atlas, rule, self)
        dialog.accepted.connect(lambda: self.on_change(frozenset({"setting"})))
        dialog.finished.connect(dialog.deleteLater)
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
        if isinstance(error, ServerGoneError):  # recomputed when the server is back (a change of all)
            self.status.setText(self.tr("Übersicht nicht aktuell – Teamserver nicht erreichbar"))
            self.status.setStyleSheet("color: #b3261e;")
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
        self.total_tile.show_figure(total, self.tr("am {day}").format(day=day_text(day)))
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
            self.sentence.setText(
                self.tr("Am {day} war noch kein Akteur im Netzwerk.").format(day=day_text(day))
            )

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
            [([name, day_text(seen)], ("actor", actor), False) for actor, name, seen in data.dropping_out],
        )
        rows = []
        for _fid, task, who, due, meeting_id, _meeting in data.follow_ups:
            overdue = due is not None and due < day
            if due is None:
                when = self.tr("ohne Termin")
            else:
                when = self.tr("{d} – überfällig").format(d=day_text(due)) if overdue else day_text(due)
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
                    [
                        title,
                        self.tr("{d} – überfällig").format(d=day_text(when))
                        if when < day
                        else day_text(when),
                    ],
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
