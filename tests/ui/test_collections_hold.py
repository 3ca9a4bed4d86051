"""Long jobs on a worker hold off full garbage collections (``ui.collector.hold_collections``):
a full collection on the worker holds the GIL for 70–350 ms at the 10k size and so stalls
the GUI thread. The report dialog's query and the import wizard's check and import run so;
the hold ends when the job ends, from the worker, also when nobody hears its result."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import event

from atlas.core import Atlas
from tests.import_support import GOOD, write_csv
from ui.collector import DEEP_EVERY, hold_collections, holding_collections
from ui.import_wizard import ImportWizard
from ui.printing import ReportDialog

HELD = 1_000_000


def held() -> bool:
    return gc.get_threshold()[2] >= HELD and gc.get_freeze_count() > 0


def test_holds_nest_end_once_and_restore_the_collector() -> None:
    before = gc.get_threshold()
    first = hold_collections()
    second = hold_collections()
    assert held()
    first()
    first()  # a second call does nothing
    assert held()  # the other hold still stands
    ended = threading.Thread(target=second)  # from a worker, as a job ends
    ended.start()
    ended.join()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_job_holds_until_it_returns_or_fails() -> None:
    seen: list[bool] = []
    assert holding_collections(lambda: seen.append(held()) or 7)() == 7
    assert seen == [True] and not held()

    def fails() -> None:
        raise ValueError("x")

    with pytest.raises(ValueError):
        holding_collections(fails)()
    assert not held()


class HeldDuringQueries:
    """Whether full collections were held off while SQL ran on a worker thread (a real
    SQLAlchemy event on the engine)."""

    def __init__(self, atlas: Atlas) -> None:
        self.engine = atlas.sessions.kw["bind"]
        self.gui = threading.get_ident()
        self.seen: list[bool] = []
        event.listen(self.engine, "before_cursor_execute", self._record)

    def _record(self, *_args: Any) -> None:
        if threading.get_ident() != self.gui:
            self.seen.append(held())

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture
def watch(atlas: Atlas) -> Iterator[HeldDuringQueries]:
    seen = HeldDuringQueries(atlas)
    yield seen
    seen.close()


def test_the_wizard_checks_and_imports_with_collections_held(  # type: ignore[no-untyped-def]
    qtbot, workers, atlas: Atlas, tmp_path: Path, watch: HeldDuringQueries
) -> None:
    wizard = ImportWizard(atlas, kind="institution", mapping_folder=tmp_path / "config", workers=workers)
    qtbot.addWidget(wizard)
    wizard.show()
    with qtbot.waitSignal(wizard.file_read, timeout=20000):
        wizard.load_file(write_csv(tmp_path / "liste.csv", GOOD))
    with qtbot.waitSignal(wizard.checked, timeout=30000):
        assert wizard.run_check()
    assert watch.seen and all(watch.seen)
    watch.seen.clear()
    with qtbot.waitSignal(wizard.imported, timeout=30000):
        assert wizard.run_import()
    assert watch.seen and all(watch.seen)
    assert atlas.institutions.count() == 3
    assert not held()  # over with the job


def test_a_report_is_queried_with_collections_held(  # type: ignore[no-untyped-def]
    qtbot, workers, demo: Atlas, settings: QSettings, tmp_path: Path
) -> None:
    watch = HeldDuringQueries(demo)
    try:
        dialog = ReportDialog("directory", demo, settings, None, {}, workers=workers)
        qtbot.addWidget(dialog)
        with qtbot.waitSignal(dialog.saved, timeout=60000):
            dialog.save(tmp_path / "wegweiser.pdf")
    finally:
        watch.close()
    assert watch.seen and all(watch.seen)
    assert not held()
    dialog.done(0)


def test_the_pages_are_read_back_off_the_gui_thread(  # type: ignore[no-untyped-def]
    qtbot, workers, demo: Atlas, settings: QSettings, tmp_path: Path, monkeypatch
) -> None:
    """The directory is printed twice: its pages' texts are read back from the first PDF to
    fill in the page numbers (at 10k, 277 pages: 2.6 s). That, and writing the HTML, runs on
    the background worker; the GUI thread only waits in its event loop."""
    from ui.printing import renderer

    gui = threading.get_ident()
    threads: list[int] = []
    real = renderer.pdf_page_texts

    def recorded(data: bytes, text: bool = True) -> list[str]:
        threads.append(threading.get_ident())
        return real(data, text)

    monkeypatch.setattr(renderer, "pdf_page_texts", recorded)
    dialog = ReportDialog("directory", demo, settings, None, {}, workers=workers)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.rendered, timeout=60000) as blocker:
        dialog.save(tmp_path / "wegweiser.pdf")
    qtbot.waitUntil(lambda: (tmp_path / "wegweiser.pdf").exists(), timeout=20000)
    assert len(threads) == 2 and gui not in threads  # the first print and the final one
    assert blocker.args[0].pages > 1
    assert real(blocker.args[0].data)[0]  # the saved PDF reads back
    dialog.done(0)


def test_a_geocoding_batch_runs_with_collections_held(qtbot, workers, demo: Atlas) -> None:  # type: ignore[no-untyped-def]
    """The batch runs for minutes (one address a second); a full collection on its worker
    held the GIL 100–400 ms at the 10k size. Its reads and its writes (on the database
    worker) all run while the hold stands; it ends with the batch."""
    from tests.fake_nominatim import found, running
    from tests.ui.test_geo_ui import use
    from ui.geo_dialogs import BatchDialog

    watch = HeldDuringQueries(demo)
    try:
        with running() as server:
            server.default = found((51.4801, 6.8605))
            use(demo, server.url, delay=0.0)
            dialog = BatchDialog(demo, workers=workers)
            qtbot.addWidget(dialog)
            with qtbot.waitSignal(dialog.finished_report, timeout=30000):
                dialog.start()
    finally:
        watch.close()
    assert dialog.report is not None and dialog.report.tried > 0
    assert len(watch.seen) > dialog.report.tried and all(watch.seen)
    assert not held()


class Node:
    """A class instance in a cycle: only the collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_a_held_job_ends_in_one_tidy_at_a_quiet_moment_not_in_an_unfrozen_heap(qtbot, workers) -> None:  # type: ignore[no-untyped-def]
    """The release keeps what existed before the job frozen (unfrozen, the collector's next
    full passes walked the whole window again: 90–160 ms at 10k instead of 0–30); the
    tidier collects what the job left and freezes the rest, on the GUI thread, a moment later."""
    tidier = workers.tidier
    passes = tidier.passes
    kept = [{"n": [i]} for i in range(20_000)]  # long-lived data of the window, made before the job
    release = hold_collections()
    left = Node()  # the job's garbage in a cycle
    gone = weakref.ref(left)
    del left
    finished = threading.Thread(target=release)  # the job ends on its worker
    finished.start()
    finished.join()
    assert not held() and gc.get_freeze_count() > len(kept)  # thresholds back, freeze kept
    assert tidier.passes == passes  # not at once: the request reaches the GUI thread queued
    qtbot.waitUntil(lambda: tidier.passes == passes + 1, timeout=5000)
    assert gone() is None  # the tidy collected it
    assert len(gc.get_objects()) < 5_000 < len(kept)  # what is left to walk: only what came since
    assert gc.get_freeze_count() > len(kept)


def test_no_tidy_while_a_hold_stands_the_release_asks_again(qtbot, workers) -> None:  # type: ignore[no-untyped-def]
    tidier = workers.tidier
    passes = tidier.passes
    first = hold_collections()
    second = hold_collections()
    first()
    assert not tidier.pending()  # the other hold stands: no request yet
    assert not tidier.tidy() and tidier.passes == passes  # and asked directly, it declines
    second()
    qtbot.waitUntil(lambda: tidier.passes == passes + 1, timeout=5000)


def test_every_few_tidies_walk_the_whole_heap_so_frozen_cycles_are_freed(workers) -> None:  # type: ignore[no-untyped-def]
    """Garbage in a cycle that was alive when frozen (a closed dialog's) is freed by the
    next deep tidy, not kept for the rest of the session."""
    tidier = workers.tidier
    alive = Node()
    gone = weakref.ref(alive)
    tidier.tidy()  # frozen while alive
    del alive
    deep = [tidier.tidy() for _ in range(DEEP_EVERY)]
    assert all(deep) and gone() is None


def test_closing_the_workers_unfreezes_and_the_last_release_unfreezes_without_a_tidier(workers) -> None:  # type: ignore[no-untyped-def]
    built = (
        workers  # shut down here, as at the program's end (the fixture's second shutdown does nothing new)
    )
    built.tidier.tidy()
    assert gc.get_freeze_count() > 0
    assert built.shutdown(10_000)
    assert gc.get_freeze_count() == 0 and not built.tidier.ask()
    release = hold_collections()
    release()
    assert gc.get_freeze_count() == 0


def test_the_map_data_and_a_long_list_ask_for_a_tidy(
    qtbot, workers, atlas: Atlas, settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    from tests.ui.conftest import office_window
    from ui import section_query as section

    asked: list[str] = []
    real = workers.tidier.ask
    workers.tidier.ask = lambda: asked.append("ask") or real()  # type: ignore[method-assign]
    for n in range(3):
        atlas.institutions.save(None, {"name": f"Haus {n}", "lat": 51.47, "lon": 6.85})
    section.PREFETCH_FROM, old = 2, section.PREFETCH_FROM
    try:
        window = office_window(qtbot, workers, atlas, settings)
        qtbot.waitUntil(lambda: len(asked) >= 1, timeout=10000)  # the list of three arrived
        listed = len(asked)
        pane = window.start_map()
        qtbot.waitUntil(lambda: pane.shown_data is not None, timeout=60000)
        assert len(asked) > listed
    finally:
        section.PREFETCH_FROM = old
