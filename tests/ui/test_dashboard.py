"""The network overview page on the demo data, through the real widgets (offscreen)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QTreeWidget
from sqlalchemy import select

from atlas import models as m
from atlas.core import Atlas
from atlas.demo.build import TODAY
from atlas.errors import AtlasError
from atlas.network.service import ActivityRule
from tests.ui.conftest import lay_out
from ui.dashboard import DashboardPage

# Runs again with the system date moved (./dev test): nothing may depend on the real day.
pytestmark = pytest.mark.dates

TOTAL = len(m.ActorStatus)  # index of the "gesamt" column in the tables is TOTAL + 1


@pytest.fixture
def page(qtbot, workers, demo: Atlas) -> Iterator[DashboardPage]:  # type: ignore[no-untyped-def]
    widget = DashboardPage(demo, workers=workers)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.runner.wait()


def show_day(qtbot, page: DashboardPage, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    page.set_day(day)
    assert page.status.text() == "wird berechnet …"
    qtbot.waitUntil(
        lambda: not page.busy and page.data is not None and page.data.funnel.at == day, timeout=15000
    )


def tile(page: DashboardPage, key: str) -> int:
    return int(page.tiles[key].value.text())


def click_item(qtbot, tree: QTreeWidget, row: int, double: bool = True) -> None:  # type: ignore[no-untyped-def]
    item = tree.topLevelItem(row)
    assert item is not None
    centre = tree.visualItemRect(item).center()
    # A real double-click starts with a click; QTest's mouseDClick alone sends no first
    # press, and an item view opens only what the first press hit.
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    if double:
        qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)


def test_the_funnel_on_the_demo_day_says_60_of_100_active(qtbot, page: DashboardPage) -> None:  # type: ignore[no-untyped-def]
    show_day(qtbot, page, TODAY)
    assert page.status.text() == ""
    assert tile(page, "aktiv") == 60
    assert int(page.total_tile.value.text()) == 100
    assert sum(tile(page, key) for key in page.tiles) == 100
    assert page.tiles["aktiv"].share.text() == "60 % von 100"
    assert page.sentence.text().startswith(
        "100 Akteure angesprochen und informiert, davon 60 regelmäßig aktiv"
    )
    assert page.rule_label.text() == "aktiv = mindestens 2 Treffen in den letzten 6 Monaten"
    assert page.day_edit.displayFormat() == "dd.MM.yyyy"
    assert page.day_edit.calendarPopup()


def test_sector_and_quarter_tables_add_up_to_the_total(qtbot, page: DashboardPage) -> None:  # type: ignore[no-untyped-def]
    show_day(qtbot, page, TODAY)
    for table in (page.by_sector, page.by_quarter):
        assert table.columnCount() == TOTAL + 2
        assert sum(table.column_values(TOTAL + 1)) == 100
        for column, key in enumerate(("angesprochen", "informiert", "aktiv", "ruhend"), start=1):
            assert sum(table.column_values(column)) == tile(page, key)
        assert table.editTriggers() == table.EditTrigger.NoEditTriggers
    assert page.by_sector.rowCount() == 9
    names = [page.by_quarter.item(row, 0).text() for row in range(page.by_quarter.rowCount())]
    assert "Styrum" in names and "Alt-Oberhausen" in names
    # sortable, numbers as numbers: the largest group first when sorted by total, descending
    page.by_sector.sortByColumn(TOTAL + 1, Qt.SortOrder.DescendingOrder)
    totals = page.by_sector.column_values(TOTAL + 1)
    assert totals == sorted(totals, reverse=True)
    assert page.by_sector.item(0, 0).text() == "Soziale Einrichtung / Träger"


def test_the_chart_shows_twelve_months_per_status(qtbot, page: DashboardPage) -> None:  # type: ignore[no-untyped-def]
    show_day(qtbot, page, TODAY)
    series = page.trend.series_points()
    assert set(series) == {"angesprochen", "informiert", "aktiv", "ruhend"}
    assert all(len(values) == 12 for values in series.values())
    assert page.trend.categories[0] == "Dez 25"
    assert page.trend.categories[-1] == "Nov 26"
    assert series["aktiv"][-1] == 60
    from PySide6.QtCharts import QBarCategoryAxis, QChart

    chart = page.trend.chart()
    assert chart.animationOptions() == QChart.AnimationOption.NoAnimation
    assert chart.legend().isVisible()
    (axis,) = [a for a in chart.axes(Qt.Orientation.Horizontal) if isinstance(a, QBarCategoryAxis)]
    assert axis.count() == 12


def test_month_labels_are_whole_at_the_width_of_a_1366_window(qtbot, page: DashboardPage) -> None:  # type: ignore[no-untyped-def]
    """At 1366×768 the window gives the page about 740 pixels (list pane, map pane); QtCharts
    cut "Dez 25" to "Dez …" there. Two short lines fit the month's slot whole."""
    from PySide6.QtCharts import QBarCategoryAxis
    from PySide6.QtGui import QFontMetricsF

    page.resize(740, 700)
    show_day(qtbot, page, TODAY)
    chart = page.trend.chart()
    (axis,) = [a for a in chart.axes(Qt.Orientation.Horizontal) if isinstance(a, QBarCategoryAxis)]
    lay_out()
    qtbot.waitUntil(lambda: len(axis.categories()) == 12 and chart.plotArea().width() > 0)
    labels = axis.categories()
    assert labels[0] == "Dez<br>2025" and labels[-1] == "Nov<br>2026"
    assert not axis.truncateLabels()  # never "…"
    slot = chart.plotArea().width() / len(labels)
    metrics = QFontMetricsF(axis.labelsFont())
    widest = max(metrics.horizontalAdvance(line) for label in labels for line in label.split("<br>"))
    assert widest + 4 <= slot, (widest, slot)  # so neighbours do not touch either


def test_a_past_day_shows_fewer_active_actors(qtbot, page: DashboardPage) -> None:  # type: ignore[no-untyped-def]
    show_day(qtbot, page, TODAY)
    show_day(qtbot, page, dt.date(2026, 3, 31))
    assert page.day_edit.date().toString("dd.MM.yyyy") == "31.03.2026"
    assert tile(page, "aktiv") < 60
    assert page.trend.categories[-1] == "Mär 26"
    assert "31.03.2026" in page.total_tile.share.text()


def test_typing_a_day_into_the_field_recomputes_once(
    qtbot, page: DashboardPage, demo: Atlas, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    show_day(qtbot, page, TODAY)
    days: list[dt.date] = []
    real = demo.network.dashboard

    def counted(at: dt.date | None = None, months: int = 12):  # type: ignore[no-untyped-def]
        assert at is not None
        days.append(at)
        return real(at, months)

    monkeypatch.setattr(demo.network, "dashboard", counted)
    page.day_edit.setDate(page.day_edit.date().addDays(-1))
    page.day_edit.setDate(page.day_edit.date().addDays(-1))
    qtbot.waitUntil(lambda: bool(days) and not page.busy and page.data is not None)
    assert not page.pending()  # nothing more is coming: the two steps were one computation
    assert days == [TODAY - dt.timedelta(days=2)]


def test_the_rule_dialog_refuses_zero_and_saves_one_in_three(qtbot, page: DashboardPage, demo: Atlas) -> None:  # type: ignore[no-untyped-def]
    show_day(qtbot, page, TODAY)
    dialog = page.edit_rule()
    assert dialog.isVisible()
    assert (dialog.meetings.value(), dialog.months.value()) == (2, 6)
    assert (dialog.meetings.minimum(), dialog.meetings.maximum()) == (1, 52)
    assert (dialog.months.minimum(), dialog.months.maximum()) == (1, 36)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)

    dialog.meetings.lineEdit().selectAll()
    qtbot.keyClicks(dialog.meetings.lineEdit(), "0")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.errors["min_meetings"].isVisible()
    assert dialog.errors["min_meetings"].text() == "Bitte eine Zahl von 1 bis 52 Treffen angeben."
    assert dialog.meetings.text() == "0"  # what was refused stays in sight
    assert demo.network.rule() == ActivityRule(2, 6)  # nothing saved

    dialog.meetings.lineEdit().selectAll()
    qtbot.keyClicks(dialog.meetings.lineEdit(), "1")
    dialog.months.lineEdit().selectAll()
    qtbot.keyClicks(dialog.months.lineEdit(), "3")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert demo.network.rule() == ActivityRule(1, 3)
    qtbot.waitUntil(
        lambda: page.rule_label.text() == "aktiv = mindestens 1 Treffen in den letzten 3 Monaten",
        timeout=15000,
    )
    qtbot.waitUntil(lambda: not page.busy)
    assert tile(page, "aktiv") != 60
    assert page.dropping.caption.text().startswith("Drohen auszusteigen (zuletzt vor 1–3 Monaten dabei)")


def test_a_cancelled_rule_dialog_saves_nothing(qtbot, page: DashboardPage, demo: Atlas) -> None:  # type: ignore[no-untyped-def]
    show_day(qtbot, page, TODAY)
    dialog = page.edit_rule()
    dialog.meetings.setValue(5)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert demo.network.rule() == ActivityRule(2, 6)


def test_double_click_on_an_agreement_opens_it(qtbot, page: DashboardPage) -> None:  # type: ignore[no-untyped-def]
    show_day(qtbot, page, TODAY)
    panel = page.agreements
    assert panel.stack.currentWidget() is panel.tree
    assert panel.tree.topLevelItemCount() == 2
    assert panel.tree.topLevelItem(0).text(1) == "02.12.2026"
    assert panel.caption.text() == "Vereinbarungen: Abstimmung fällig · 2"
    panel.tree.setCurrentItem(None)
    with qtbot.assertNotEmitted(page.openRecord):
        click_item(qtbot, panel.tree, 0, double=False)  # a single click only selects …
        qtbot.waitUntil(lambda: panel.tree.currentItem() is panel.tree.topLevelItem(0))  # … and it did
    with qtbot.waitSignal(page.openRecord, timeout=2000) as blocker:
        click_item(qtbot, panel.tree, 0)
    assert blocker.args == ["agreement", 1]


def test_empty_lists_say_so_in_a_friendly_line(qtbot, page: DashboardPage) -> None:  # type: ignore[no-untyped-def]
    show_day(qtbot, page, TODAY)
    for panel, text in (
        (page.dropping, "Niemand – gut so."),
        (page.follow_ups, "Keine offenen Aufgaben – alles erledigt."),
    ):
        assert panel.stack.currentWidget() is panel.empty
        assert panel.empty.text() == text
        assert panel.empty.isVisible() and not panel.tree.isVisible()


def test_drop_outs_and_overdue_follow_ups_open_their_records(qtbot, page: DashboardPage, demo: Atlas) -> None:  # type: ignore[no-untyped-def]
    with demo.sessions.begin() as session:
        meeting_id = session.scalar(select(m.Meeting.id).order_by(m.Meeting.id).limit(1))
        session.add_all(
            [
                m.FollowUp(
                    meeting_id=meeting_id, task="Flyer drucken", who="A. Muster", due=dt.date(2026, 7, 1)
                ),
                m.FollowUp(meeting_id=meeting_id, task="Raum buchen", who="", due=dt.date(2026, 8, 30)),
                m.FollowUp(meeting_id=meeting_id, task="Protokoll verschicken", who="", due=None),
            ]
        )
    day = dt.date(2026, 7, 28)
    show_day(qtbot, page, day)
    tasks = page.follow_ups.tree
    assert tasks.topLevelItemCount() == 3
    assert tasks.topLevelItem(0).text(2) == "01.07.2026 – überfällig"
    assert tasks.topLevelItem(1).text(2) == "30.08.2026"
    assert tasks.topLevelItem(2).text(2) == "ohne Termin"
    assert "davon 1 überfällig" in page.follow_ups.caption.text()
    with qtbot.waitSignal(page.openRecord, timeout=2000) as blocker:
        click_item(qtbot, tasks, 0)
    assert blocker.args == ["meeting", meeting_id]

    dropping = page.dropping
    assert dropping.stack.currentWidget() is dropping.tree
    assert dropping.tree.topLevelItemCount() == len(page.data.dropping_out) > 0  # type: ignore[union-attr]
    first_id = page.data.dropping_out[0][0]  # type: ignore[union-attr]
    dropping.tree.setCurrentItem(dropping.tree.topLevelItem(0))
    dropping.tree.setFocus()
    with qtbot.waitSignal(page.openRecord, timeout=2000) as blocker:
        qtbot.keyClick(dropping.tree, Qt.Key.Key_Return)  # the keyboard opens it too
    assert blocker.args == ["actor", first_id]


def test_markup_in_a_name_is_shown_as_literal_text(qtbot, page: DashboardPage, demo: Atlas) -> None:  # type: ignore[no-untyped-def]
    actors = demo.records["actor"]
    record = actors.get(21)  # last seen 23.02.2026: about to drop out on 28.07.2026
    actors.save(21, {**record.values, "name": "<b>Fett</b> & <i>Co</i>"}, record.version)
    show_day(qtbot, page, dt.date(2026, 7, 28))
    texts = [
        page.dropping.tree.topLevelItem(i).text(0) for i in range(page.dropping.tree.topLevelItemCount())
    ]
    assert "<b>Fett</b> & <i>Co</i>" in texts
    labels = page.findChildren(QLabel)
    assert labels and all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)
    dialog = page.edit_rule()
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in dialog.findChildren(QLabel))
    dialog.reject()


def test_changes_are_coalesced_and_irrelevant_ones_ignored(
    qtbot, page: DashboardPage, demo: Atlas, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    show_day(qtbot, page, TODAY)
    calls: list[dt.date] = []
    real = demo.network.dashboard

    def counted(at: dt.date | None = None, months: int = 12):  # type: ignore[no-untyped-def]
        calls.append(at or TODAY)
        return real(at, months)

    monkeypatch.setattr(demo.network, "dashboard", counted)
    page.on_change(frozenset({"offer"}))
    page.on_change(frozenset({"contact"}))
    assert not page.pending() and not page.busy and calls == []  # nothing scheduled at all
    page.on_change(frozenset({"meeting", "actor"}))
    assert page.pending()
    page.on_change(frozenset({"agreement"}))
    page.on_change(frozenset({"setting"}))
    qtbot.waitUntil(lambda: bool(calls) and not page.busy)
    assert not page.pending() and calls == [TODAY]  # three changes, one computation

    page.hide()  # a hidden page only notes that it is stale
    page.on_change(frozenset({"actor"}))
    assert page.pending()
    qtbot.waitUntil(lambda: not page.pending())  # the scheduled time has come …
    assert len(calls) == 1 and not page.busy  # … and nothing was computed
    page.show()
    qtbot.waitUntil(lambda: len(calls) == 2 and not page.busy)


def test_a_failure_is_reported_in_german_and_the_old_figures_stay(
    qtbot, page: DashboardPage, demo: Atlas, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    show_day(qtbot, page, TODAY)

    def broken(at: dt.date | None = None, months: int = 12):  # type: ignore[no-untyped-def]
        raise AtlasError("Die Datenbank ist gesperrt.")

    monkeypatch.setattr(demo.network, "dashboard", broken)
    page.refresh()
    qtbot.waitUntil(lambda: not page.busy)
    assert page.status.text() == "Die Übersicht konnte nicht berechnet werden: Die Datenbank ist gesperrt."
    assert tile(page, "aktiv") == 60


def test_a_page_closed_while_computing_ignores_the_late_result(
    qtbot, workers, demo: Atlas, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    finished: list[bool] = []
    real = demo.network.dashboard

    def computed_to_the_end(at: dt.date | None = None, months: int = 12):  # type: ignore[no-untyped-def]
        result = real(at, months)
        finished.append(True)
        return result

    monkeypatch.setattr(demo.network, "dashboard", computed_to_the_end)
    widget = DashboardPage(demo, workers=workers)
    shown: list[bool] = []
    widget.computed.connect(lambda: shown.append(True))
    widget.refresh()
    assert widget.busy
    widget.deleteLater()  # the shared database runner goes on; its answer finds the page gone
    qtbot.waitUntil(lambda: not shiboken6.isValid(widget))
    qtbot.waitUntil(lambda: workers.database.pending() == 0)  # the outcome arrived …
    assert finished == [True]  # … from a job that ran to its end after the page was gone …
    assert shown == []  # … and was dropped (a slot on a deleted page would raise)


def test_the_page_fits_the_content_area_without_sideways_scrolling(qtbot, page: DashboardPage) -> None:  # type: ignore[no-untyped-def]
    page.resize(900, 650)
    show_day(qtbot, page, dt.date(2026, 7, 28))
    lay_out()
    qtbot.waitUntil(lambda: page.scroll_area.verticalScrollBar().maximum() > 0)  # laid out: the rest scrolls
    assert page.scroll_area.horizontalScrollBar().maximum() == 0
    # narrow: the tables stand one below the other; wide: side by side
    assert page.breakdown.getItemPosition(page.breakdown.indexOf(page.by_quarter))[:2] == (3, 0)
    page.resize(1366, 700)
    qtbot.waitUntil(
        lambda: page.breakdown.getItemPosition(page.breakdown.indexOf(page.by_quarter))[:2] == (1, 1)
    )
    assert page.scroll_area.horizontalScrollBar().maximum() == 0
