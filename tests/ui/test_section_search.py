"""A list's typed search runs on a worker: the GUI thread never waits for the query."""

from __future__ import annotations

import threading

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from atlas.core import Atlas
from atlas.records.schema import FilterKind
from ui.main_window import MainWindow


def test_typed_search_runs_off_the_gui_thread_and_drops_older_answers(
    qtbot, window: MainWindow, atlas: Atlas
) -> None:  # type: ignore[no-untyped-def]
    names = ["Kita Sonne", "Kita Mond", "Jugendtreff Nord", "Stadtteilbüro"]
    created = {n: atlas.institutions.save(None, {"name": n}).id for n in names}
    window.show_section(0)
    section = window.section("institution")
    qtbot.waitUntil(lambda: len(section.model.ids()) == 4)
    everyone = section.model.ids()

    # The worker's query for "kit" is held until the test lets it go; any other query runs.
    service = section.service
    real = service.matching_ids
    held = threading.Event()
    release = threading.Event()
    threads: list[str] = []

    def matching_ids(text: str) -> set[int] | None:
        threads.append(threading.current_thread().name)
        if text == "kit":
            held.set()
            assert release.wait(10)
        return real(text)

    service.matching_ids = matching_ids  # type: ignore[method-assign]
    try:
        section.search.setFocus()
        QTest.keyClicks(section.search, "kit")
        qtbot.waitUntil(held.is_set)
        assert threading.current_thread().name not in threads  # not the GUI thread
        # While the query runs the list keeps the previous answer (no flicker), and after
        # 150 ms the count says that it searches.
        qtbot.waitUntil(lambda: section.count_label.text() == "sucht …")
        assert section.model.ids() == everyone
        assert section.is_searching()

        # Two more letters while "kit" is still held: one more search after it, for "kita m".
        QTest.keyClicks(section.search, "a m")
        with qtbot.waitSignal(section.listed, timeout=5000) as listed:
            release.set()
        assert listed.args == ["kita m"]  # the answer to "kit" was dropped, never shown
        assert section.model.ids() == [created["Kita Mond"]]
        assert section.count_label.text() == "1 von 4 Einrichtungen"
        assert not section.is_searching()
    finally:
        release.set()
        service.matching_ids = real  # type: ignore[method-assign]


def test_a_refresh_while_a_search_runs_wins(qtbot, window: MainWindow, atlas: Atlas) -> None:  # type: ignore[no-untyped-def]
    """Code that needs the ids at once (after a save or undo) refreshes on the GUI thread; a
    typed search still on the worker is older and its answer is dropped."""
    for name in ["Kita Sonne", "Kita Mond", "Jugendtreff Nord"]:
        atlas.institutions.save(None, {"name": name})
    window.show_section(0)
    section = window.section("institution")
    qtbot.waitUntil(lambda: len(section.model.ids()) == 3)
    service = section.service
    real = service.matching_ids
    held = threading.Event()
    release = threading.Event()

    def matching_ids(text: str) -> set[int] | None:
        if text == "jugend" and threading.current_thread() is not threading.main_thread():
            held.set()
            assert release.wait(10)
        return real(text)

    service.matching_ids = matching_ids  # type: ignore[method-assign]
    try:
        section.search.setText("jugend")
        qtbot.waitUntil(held.is_set)
        section.search.blockSignals(True)
        section.search.setText("kita")  # as a restore of the box would, without typing
        section.search.blockSignals(False)
        section.refresh()
        assert len(section.model.ids()) == 2
        release.set()
        qtbot.waitUntil(lambda: not section.is_searching())
        assert len(section.model.ids()) == 2  # the held "jugend" answer came and was dropped
        assert section.count_label.text() == "2 von 3 Einrichtungen"
    finally:
        release.set()
        service.matching_ids = real  # type: ignore[method-assign]


def test_the_selection_and_the_map_filter_follow_a_typed_search(
    qtbot, window: MainWindow, atlas: Atlas
) -> None:  # type: ignore[no-untyped-def]
    ids = {
        n: atlas.institutions.save(None, {"name": n}).id for n in ["Kita Sonne", "Kita Mond", "Jugendtreff"]
    }
    window.show_section(0)
    section = window.section("institution")
    qtbot.waitUntil(lambda: len(section.model.ids()) == 3)
    section.select(ids["Kita Mond"])
    assert section.shown_id() == ids["Kita Mond"]
    changed: list[list[int]] = []
    section.listChanged.connect(lambda: changed.append(section.model.ids()))
    section.search.setFocus()
    with qtbot.waitSignal(section.listed, check_params_cb=lambda text: text == "kita", timeout=5000):
        QTest.keyClicks(section.search, "kita")
    assert sorted(section.model.ids()) == sorted([ids["Kita Sonne"], ids["Kita Mond"]])
    assert changed[-1] == section.model.ids()  # what the map pane hears
    assert section.current_id() == ids["Kita Mond"]  # the record stays selected
    assert section.shown_id() == ids["Kita Mond"]
    with qtbot.waitSignal(section.listed, check_params_cb=lambda text: text == "kit", timeout=5000):
        QTest.keyClick(section.search, Qt.Key.Key_Backspace)
    assert section.count_label.text() == "2 von 3 Einrichtungen"


def test_short_words_are_matched_in_the_whole_list_and_a_change_is_seen(
    qtbot, window: MainWindow, atlas: Atlas
) -> None:  # type: ignore[no-untyped-def]
    """A query of short words keeps the matching ids of the whole list (kept from the last
    refresh) in its order; a record saved meanwhile is found by the next keystroke."""
    for name in ["Kita Sonne", "Kita Mond", "Jugendtreff Nord", "Stadtteilbüro"]:
        atlas.institutions.save(None, {"name": name})
    window.show_section(0)
    section = window.section("institution")
    qtbot.waitUntil(lambda: len(section.model.ids()) == 4)
    section.search.setFocus()
    with qtbot.waitSignal(section.listed, check_params_cb=lambda text: text == "k", timeout=5000):
        QTest.keyClicks(section.search, "k")
    assert section.model.ids() == atlas.institutions.list_ids("k")
    assert len(section.model.ids()) == 2
    kiosk = atlas.institutions.save(None, {"name": "Kiosk am Markt"}).id  # the window hears it
    qtbot.waitUntil(lambda: kiosk in section.model.ids())
    with qtbot.waitSignal(section.listed, check_params_cb=lambda text: text == "ki", timeout=5000):
        QTest.keyClicks(section.search, "i")
    assert section.model.ids() == atlas.institutions.list_ids("ki")
    assert kiosk in section.model.ids() and len(section.model.ids()) == 3
    with qtbot.waitSignal(section.listed, check_params_cb=lambda text: text == "ki m", timeout=5000):
        QTest.keyClicks(section.search, " m")
    assert sorted(section.model.ids()) == sorted(atlas.institutions.list_ids("ki m"))
    assert section.count_label.text() == "2 von 5 Einrichtungen"


def test_a_filter_and_a_sort_are_queried_on_the_worker(qtbot, window: MainWindow, atlas: Atlas) -> None:  # type: ignore[no-untyped-def]
    north = atlas.quarters.save(None, {"name": "Lirich"})
    sonne = atlas.institutions.save(None, {"name": "Kita Sonne", "quarter_id": north.id}).id
    mond = atlas.institutions.save(None, {"name": "Kita Mond", "quarter_id": north.id}).id
    atlas.institutions.save(None, {"name": "Jugendtreff"})
    window.show_section(0)
    section = window.section("institution")
    qtbot.waitUntil(lambda: len(section.model.ids()) == 3)
    before = section.model.ids()
    combo = section.filters[FilterKind.QUARTER]
    with qtbot.waitSignal(section.listed, timeout=5000):
        combo.setCurrentIndex(combo.findData(north.id))
        assert section.model.ids() == before  # nothing queried on the GUI thread
        assert section.is_searching()
    assert section.model.ids() == [mond, sonne]
    assert section.count_label.text() == "2 von 3 Einrichtungen"
    # A click on the name column's header sorts the other way round, also on the worker.
    header = section.table.horizontalHeader()
    with qtbot.waitSignal(section.listed, timeout=5000):
        QTest.mouseClick(
            header.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(header.sectionViewportPosition(0) + 20, header.height() // 2),
        )
        assert section.model.ids() == [mond, sonne]
    assert section.model.ids() == [sonne, mond]
