"""UI fixtures: one shared QApplication (pytest-qt), offscreen, settings in a temp file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6 import QtWebEngineWidgets  # noqa: F401  (must be imported before the QApplication)
from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from atlas.core import Atlas
from ui.main_window import MainWindow
from ui.map.scheme import register_scheme

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
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    values = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    # Tests never reach an outside server: the geocoder is a closed port on this machine.
    values.setValue("geocoder/url", "http://127.0.0.1:9")
    values.setValue("map/base", "none")
    return values


OFFICE_SCREEN = (1366, 768)


def office_window(qtbot, atlas: Atlas, settings: QSettings, name: str = "test.sqlite") -> MainWindow:  # type: ignore[no-untyped-def]
    """The window as a coach has it on her office PC: 1366×768, shown."""
    win = MainWindow(atlas, name, settings)
    qtbot.addWidget(win)
    win.resize(*OFFICE_SCREEN)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def window(qtbot, atlas: Atlas, settings: QSettings) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    yield office_window(qtbot, atlas, settings)


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
