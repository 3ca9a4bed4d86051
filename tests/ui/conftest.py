"""UI fixtures: one shared QApplication (pytest-qt), offscreen, settings in a temp file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6 import QtWebEngineWidgets  # noqa: F401  (must be imported before the QApplication)
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from atlas.core import Atlas
from ui.main_window import MainWindow
from ui.map.scheme import register_scheme
from ui.workers import Workers

register_scheme()  # before pytest-qt creates the QApplication

QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
QCoreApplication.setOrganizationName("Stadtteil-Atlas-Tests")
QCoreApplication.setApplicationName("Stadtteil-Atlas-Tests")


@pytest.fixture(autouse=True, scope="session")
def german_qt_texts(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    from ui.app import install_qt_translations

    assert install_qt_translations(qapp)
    yield
    # Web pages must be gone before QtWebEngine's profile is released at exit.
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(autouse=True, scope="session")
def _own_settings_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Windows opened by the program's own openers (``QSettings()``: the demo, a team server)
    keep their settings in a folder of this test process, not in the user's, and not in one
    that another test process (pytest-xdist) writes at the same time."""
    folder = str(tmp_path_factory.mktemp("qt-settings"))
    for kind in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(kind, QSettings.Scope.UserScope, folder)


#: How long a modal dialog may wait for a test to answer it.
UNANSWERED_MS = 20_000


@pytest.fixture(autouse=True)
def dialogs_are_answered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A modal dialog that no test answers fails that test after 20 s, naming the dialog,
    instead of hanging the whole suite (``QDialog.exec`` is what every dialog runs; the
    ``Answers`` fixture replaces ``QMessageBox.exec`` on top of this)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QDialog

    real = QDialog.exec
    unanswered: list[str] = []

    def exec_with_a_deadline(dialog: QDialog) -> int:
        def give_up() -> None:
            if dialog.isVisible():
                unanswered.append(f"{type(dialog).__name__} „{dialog.windowTitle()}“")
                dialog.reject()

        deadline = QTimer(dialog)
        deadline.setSingleShot(True)
        deadline.timeout.connect(give_up)
        deadline.start(UNANSWERED_MS)
        try:
            return real(dialog)
        finally:
            deadline.stop()

    monkeypatch.setattr(QDialog, "exec", exec_with_a_deadline)
    yield
    if unanswered:
        pytest.fail("Kein Test hat diesen Dialog beantwortet: " + ", ".join(unanswered))


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    values = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    # Tests never reach an outside server: the geocoder is a closed port on this machine.
    values.setValue("geocoder/url", "http://127.0.0.1:9")
    values.setValue("map/base", "none")
    return values


@pytest.fixture
def workers(qapp) -> Iterator[Workers]:  # type: ignore[no-untyped-def]
    """The program's worker layer, built once per test as ``ui.app`` builds it once per run:
    every window and widget of the test is handed this one. At the end the runners are
    waited for, so no job of this test writes or answers during the next."""
    built = Workers()
    yield built
    assert built.shutdown(60_000), "a job of this test did not end within a minute"


OFFICE_SCREEN = (1366, 768)


def office_window(
    qtbot, workers: Workers, atlas: Atlas, settings: QSettings, name: str = "test.sqlite"
) -> MainWindow:  # type: ignore[no-untyped-def]
    """The window as a coach has it on her office PC: 1366×768, shown."""
    win = MainWindow(atlas, name, settings, workers=workers)
    qtbot.addWidget(win)
    win.resize(*OFFICE_SCREEN)
    win.show()
    qtbot.waitExposed(win)
    return win


def changes_applied(qtbot, window: MainWindow, entity: str | None = None):  # type: ignore[no-untyped-def]
    """Wait (as a ``with`` block around a save) until the window's next batch of changes
    has reached its sections, panels and map — with ``entity``: a batch that names it.
    What the window did not do after that, it did not do because of the change."""

    def names(entities: frozenset[str]) -> bool:
        return entity is None or entity in entities

    return qtbot.waitSignal(window.changesApplied, timeout=5000, check_params_cb=names)


def lay_out() -> None:
    """Carry out the layout requests that are waiting (what the event loop does before it
    paints), so a check of sizes sees the laid-out window without sleeping for it."""
    for _round in range(5):  # a layout may ask its parent's layout again
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


@pytest.fixture
def window(qtbot, atlas: Atlas, settings: QSettings, workers: Workers) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    yield office_window(qtbot, workers, atlas, settings)


class Answers:
    """Scripted answers for the message boxes the window asks, recorded for assertions."""

    def __init__(self) -> None:
        self.questions: list[str] = []
        self.next: list[QMessageBox.StandardButton] = []
        self.warnings: list[str] = []
        self.boxes: list[str] = []  # the text of every box asked with exec(), in order
        self.formats: list[Qt.TextFormat] = []  # and its text format

    def question(self, _parent, _title, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.questions.append(text)
        return self.next.pop(0) if self.next else QMessageBox.StandardButton.Cancel

    def exec(self, box: QMessageBox) -> int:
        """A message box built as an object (plain text, ``ui.plain``), asked with ``exec()``.

        A box with only "OK" is a message (``warnings``), every other one a question.
        """
        self.formats.append(box.textFormat())
        self.boxes.append(box.text())
        if box.standardButtons() == QMessageBox.StandardButton.Ok and not box.buttons()[1:]:
            self.warnings.append(box.text())
            return int(QMessageBox.StandardButton.Ok.value)
        self.questions.append(box.text())
        return int((self.next.pop(0) if self.next else QMessageBox.StandardButton.Cancel).value)

    def warning(self, _parent, _title, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.warnings.append(text)
        return QMessageBox.StandardButton.Ok


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    """Modal dialogs cannot be clicked offscreen; answer them from the test."""
    a = Answers()
    monkeypatch.setattr(QMessageBox, "question", a.question)
    monkeypatch.setattr(QMessageBox, "warning", a.warning)
    monkeypatch.setattr(QMessageBox, "information", a.warning)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: a.exec(box))
    return a
