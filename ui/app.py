"""Start the Qt application around an opened database."""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, Qt, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from atlas.errors import DatabaseOpenError, EmptyDatabaseError
from atlas.i18n import _
from ui.plain import ask, critical

if TYPE_CHECKING:
    from atlas.core import Atlas
    from atlas.team import CheckResult, ServerAddress
    from db.migrate import OpenResult
    from ui.flows.travel import TravelFiles
    from ui.workers import Workers

APP_NAME = "Stadtteil-Atlas"
ORG_NAME = "Stadtteil-Atlas"


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QCoreApplication.setOrganizationName(ORG_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    from PySide6 import QtWebEngineWidgets  # noqa: F401  (must load before the QApplication exists)

    from ui.map.scheme import register_scheme

    register_scheme()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationDisplayName(APP_NAME)
    install_qt_translations(app)
    return app


def install_qt_translations(app: QApplication) -> bool:
    """German for Qt's own texts (Ja/Abbrechen, context menus of text fields)."""
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(QLocale(QLocale.Language.German, QLocale.Country.Germany), "qtbase", "_", folder):
        app.installTranslator(translator)
        return True
    return False


def demo_opener(
    parent: QWidget,
    bootstrap: Callable[..., tuple[Atlas, OpenResult]],
    demo_copy: Callable[[], Path],
    workers: Workers,
) -> Callable[[], QWidget | None]:
    """Opens a fresh copy of the demo database in a second window (Erste Schritte → Demo ansehen),
    working on the program's one pair of runners."""

    def open_demo() -> QWidget | None:
        from ui.main_window import MainWindow

        try:
            atlas, result = bootstrap(str(demo_copy()))
        except DatabaseOpenError as err:
            critical(parent, APP_NAME, str(err))
            return None
        window = MainWindow(atlas, result.shown, QSettings(), workers=workers, demo=True)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.destroyed.connect(lambda _obj=None: result.engine.dispose())
        window.show()
        QTimer.singleShot(10, window.start_map)
        return window

    return open_demo


def team_opener(
    parent: QWidget,
    bootstrap: Callable[..., tuple[Atlas, OpenResult]],
    check: Callable[[ServerAddress, str], CheckResult],
    workers: Workers,
    settings: QSettings,
) -> Callable[[], QWidget | None]:
    """Datei → "Mit Teamserver verbinden …": the dialog (``ui.team_dialog``); "Verbinden"
    opens the server through the same path as any database (``bootstrap``: ``open_database``
    and the ``Atlas``), on a worker, in a second window on the program's one pair of runners;
    the current window stays."""
    from ui.team_dialog import TeamDialog

    def connect(address: ServerAddress, password: str) -> tuple[Atlas, OpenResult]:
        check(address, password)  # the refusals in the dialog's words (wrong password …)
        return bootstrap(address.url(password))

    def show(opened: tuple[Atlas, OpenResult], address: ServerAddress, note: str) -> QWidget | None:
        from ui.main_window import MainWindow

        atlas, result = opened
        # The label is the address without the password (result.url holds it: memory only).
        window = MainWindow(atlas, address.label(), settings, workers=workers)
        window.setWindowTitle(_("Stadtteil-Atlas – Teamserver {server}").format(server=address.host))
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.destroyed.connect(lambda _obj=None: result.engine.dispose())
        window.show()
        if note:
            window.statusBar().showMessage(note, 20000)
        QTimer.singleShot(10, window.start_map)
        return window

    def open_team() -> QWidget | None:
        dialog = TeamDialog(parent, settings, workers, check, connect, show)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    return open_team


def open_asking(
    database: str,
    bootstrap: Callable[..., tuple[Atlas, OpenResult]],
    parent: QWidget | None = None,
    create: bool = False,
) -> tuple[Atlas, OpenResult] | None:
    """Open the database; an empty (0 byte) file is made into a new database only when the
    user says yes. Any refusal is shown in German; None = not opened."""
    try:
        return bootstrap(database, create=create)
    except EmptyDatabaseError as err:
        answer = ask(
            parent,
            APP_NAME,
            _("Die Datei {path} ist leer. Eine neue Datenbank darin anlegen?").format(path=err.path),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
        try:
            return bootstrap(database, create=True)
        except DatabaseOpenError as again:
            critical(parent, APP_NAME, str(again))
            return None
    except DatabaseOpenError as err:
        critical(parent, APP_NAME, str(err))
        return None


def run_gui(
    database: str,
    bootstrap: Callable[..., tuple[Atlas, OpenResult]],
    *,
    demo: bool = False,
    started: float | None = None,
    demo_copy: Callable[[], Path] | None = None,
    create: bool = False,
    check_server: Callable[[ServerAddress, str], CheckResult] | None = None,
    travel_files: TravelFiles | None = None,
) -> int:
    """Show the window on ``database``; ``bootstrap`` opens it (main.py wires this).

    The program's worker layer is built here, once (``ui.workers.Workers``: the database
    runner and the background pool), handed to every window, and waited for at the end.
    """
    from ui.main_window import MainWindow
    from ui.workers import Workers

    started = started if started is not None else time.perf_counter()
    app = make_application()
    opened = open_asking(database, bootstrap, create=create)
    if opened is None:
        return 2
    atlas, result = opened
    workers = Workers(app)
    window = MainWindow(atlas, result.shown, QSettings(), workers=workers, demo=demo, backup=result.backup)
    if demo_copy is not None:
        window.open_demo = demo_opener(window, bootstrap, demo_copy, workers)
    if travel_files is not None:  # the offline copy (ui.flows.travel) of the database opened here
        window.travel_files = replace(travel_files, source=result.url)
    if check_server is not None:
        window.open_team = team_opener(window, bootstrap, check_server, workers, QSettings())
    window.show()
    # What exists now (Qt's wrappers, SQLAlchemy, the modules) lives as long as the program:
    # the garbage collector's full passes skip it from here on. A full pass over it took
    # 90-220 ms and stalls every thread, also when a worker's allocations set it off.
    gc.freeze()
    # The map (QtWebEngine) starts right after the window's first paint, so the lists
    # are usable at once and the map fills in a moment later.
    QTimer.singleShot(10, window.start_map)
    probe = os.environ.get("STADTTEIL_ATLAS_STARTUP_PROBE")
    if probe == "map":
        # benchmarks/bench_map.py: report when the map has painted the data for the first time.
        def painted(_ms: float) -> None:
            print(f"STARTUP_PROBE shown=True map_painted={time.perf_counter() - started:.3f}", flush=True)
            window.close()
            app.quit()

        QTimer.singleShot(11, lambda: window.start_map().view.bridge.paintedMs.connect(painted))
    elif probe:
        # Used by tests and benchmarks/bench_startup.py: report and leave once the window is up.
        def report() -> None:
            shown = window.isVisible()
            print(
                f"STARTUP_PROBE shown={shown} frozen={gc.get_freeze_count() > 0}"
                f" seconds={time.perf_counter() - started:.3f}",  # last: bench_startup reads it so
                flush=True,
            )
            window.close()
            app.quit()

        QTimer.singleShot(0, report)
    code = app.exec()
    workers.shutdown()  # no job left that writes or answers once the windows are gone
    result.engine.dispose()
    return code
