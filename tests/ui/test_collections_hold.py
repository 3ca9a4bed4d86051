"""Long jobs on a worker hold off full garbage collections (``ui.progress.hold_collections``):
a full collection on the worker holds the GIL for 70–350 ms at the 10k size and so stalls
the GUI thread. The report dialog's query and the import wizard's check and import run so;
the hold ends when the job ends, from the worker, also when nobody hears its result."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import event

from atlas.core import Atlas
from tests.test_importing import GOOD, write_csv
from ui.import_wizard import ImportWizard
from ui.printing import ReportDialog
from ui.progress import hold_collections, holding_collections

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
