"""First start: an empty database opens on the first-steps page; Hilfe → Handbuch works offline."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from atlas.core import Atlas
from main import DEMO_DB, bootstrap
from tests.ui.conftest import Answers, changes_applied, office_window
from tests.ui.test_layout import layout_problems
from ui.app import demo_opener
from ui.geo_dialogs import QuarterImportDialog
from ui.import_wizard import ImportWizard
from ui.main_window import MainWindow
from ui.manual import MANUAL, ManualDialog

open_window = office_window


def click(qtbot, window: MainWindow, name: str) -> None:  # type: ignore[no-untyped-def]
    button = window.first_steps.page.buttons[name]
    assert button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def help_action(window: MainWindow, text: str):  # type: ignore[no-untyped-def]
    """An entry of the Hilfe menu, found by its text as a person reads it."""
    menu = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Hilfe")
    assert isinstance(menu, QMenu)
    return next(a for a in menu.actions() if a.text().replace("&", "").startswith(text))


def test_an_empty_database_opens_on_the_first_steps_page(
    qtbot, workers, atlas: Atlas, settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, atlas, settings)
    page = window.first_steps.page
    assert window.stack.currentWidget() is page
    assert window.nav.currentRow() == -1 and window.current_section() is None
    assert not window.map_dock.isVisible()  # no blank map beside it
    texts = [b.text() for b in page.buttons.values()]
    assert texts == [
        "Eigene Liste importieren …",
        "Quartiersgrenzen laden …",
        "Demo ansehen",
        "Handbuch lesen",
    ]
    assert all(b.height() >= 40 for b in page.buttons.values())  # big buttons
    assert layout_problems(window) == []
    # A section chosen on the left leaves the page.
    window.show_section(2)
    assert window.current_section() is window.section("contact")


def test_the_first_institutions_show_the_normal_section(
    qtbot, workers, atlas: Atlas, settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, atlas, settings)
    assert window.first_steps.is_shown()
    with changes_applied(qtbot, window, "quarter"):  # boundaries alone do not leave the page
        atlas.quarters.save(None, {"name": "Styrum"})
    assert window.first_steps.is_shown()
    atlas.institutions.save(None, {"name": "Familienzentrum Styrum"})
    qtbot.waitUntil(lambda: window.current_section() is not None)
    assert window.current_section() is window.section("institution")
    assert window.nav.currentRow() == 0
    assert window.map_dock.isVisible()
    assert window.section("institution").model.rowCount() == 1


def test_a_database_with_institutions_opens_on_its_last_section(
    qtbot, workers, atlas: Atlas, settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    atlas.institutions.save(None, {"name": "Stadtteilbüro"})
    window = open_window(qtbot, workers, atlas, settings)
    assert not window.first_steps.is_shown()
    assert window.current_section() is window.section("institution")
    # … and the page is still there under Hilfe, and stays while data changes.
    help_action(window, "Erste Schritte").trigger()
    assert window.first_steps.is_shown()
    with changes_applied(qtbot, window, "institution"):
        atlas.institutions.save(None, {"name": "Jobcenter"})
    assert window.first_steps.is_shown()


def test_import_button_opens_the_import_wizard(qtbot, workers, atlas: Atlas, settings: QSettings) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, atlas, settings)
    click(qtbot, window, "importButton")
    wizards = [w for w in window.findChildren(ImportWizard) if w.isVisible()]
    assert len(wizards) == 1
    wizards[0].reject()
    qtbot.waitUntil(lambda: not [w for w in window.findChildren(ImportWizard) if w.isVisible()])


def test_quarters_button_opens_the_boundary_dialog(qtbot, workers, atlas: Atlas, settings: QSettings) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, atlas, settings)
    seen: list[str] = []

    def close_it() -> None:  # the dialog is modal: answer it from inside its own loop
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QuarterImportDialog):
            seen.append(dialog.windowTitle())
            dialog.reject()
        else:
            QTimer.singleShot(20, close_it)

    QTimer.singleShot(20, close_it)
    click(qtbot, window, "quartersButton")
    assert seen == ["Quartiersgrenzen importieren"]


def test_demo_button_explains_the_demo_start_without_an_opener(
    qtbot, workers, atlas: Atlas, settings: QSettings, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, atlas, settings)
    assert window.open_demo is None
    click(qtbot, window, "demoButton")
    assert len(answers.warnings) == 1 and "--demo" in answers.warnings[0]


def test_demo_button_opens_a_fresh_demo_copy_in_a_second_window(
    qtbot, workers, atlas: Atlas, settings: QSettings, answers: Answers, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, atlas, settings)
    copies: list[Path] = []

    def demo_copy() -> Path:
        target = tmp_path / f"demo-{len(copies)}.sqlite"
        shutil.copyfile(DEMO_DB, target)
        copies.append(target)
        return target

    window.open_demo = demo_opener(window, bootstrap, demo_copy, workers)
    before = set(QApplication.topLevelWidgets())
    answers.next = [QMessageBox.StandardButton.Open]
    click(qtbot, window, "demoButton")
    assert len(answers.questions) == 1 and "unverändert" in answers.questions[0]
    opened = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w not in before]
    assert len(opened) == 1
    demo = opened[0]
    assert demo.windowTitle() == "Stadtteil-Atlas – Demo"
    assert demo.atlas.institutions.count() >= 90
    assert not demo.first_steps.is_shown()
    assert atlas.institutions.count() == 0  # this window's own database is untouched
    assert len(copies) == 1 and DEMO_DB.read_bytes()[:16] == copies[0].read_bytes()[:16]
    qtbot.waitUntil(lambda: demo.map is not None and demo.map.view.ready, timeout=15000)  # its map started
    demo.close()
    qtbot.waitUntil(lambda: demo not in QApplication.topLevelWidgets() or not demo.isVisible())


def test_manual_opens_from_the_page_and_the_help_menu_and_stays_offline(
    qtbot, workers, atlas: Atlas, settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, atlas, settings)
    click(qtbot, window, "manualButton")
    dialog = window.findChild(ManualDialog, "manual")
    assert dialog is not None and dialog.isVisible()
    dialog.close()
    assert not dialog.isVisible()

    action = help_action(window, "Handbuch")
    assert action.shortcut() == QKeySequence(QKeySequence.StandardKey.HelpContents)
    action.trigger()
    assert dialog.isVisible()  # the same window, raised again
    browser = dialog.browser
    text = browser.toPlainText()
    for topic in (
        "Das Fenster",
        "Suchen und Filtern",
        "Eine Einrichtung anlegen und verorten",
        "Eine Liste importieren",
        "Quartiersgrenzen",
        "Treffen und Anwesenheit",
        "Was „aktiv“ bedeutet",
        "mindestens 2 Treffen in den letzten 6 Monaten",
        "Drucken",
        "Exportieren",
        "Art. 15",
        "Art. 17",
        "Tastenkürzel",
    ):
        assert topic in text, topic
    # Nothing from the network: no remote address in the file, nothing refused while showing it.
    html = MANUAL.read_text(encoding="utf-8")
    assert not re.search(r"(https?:|ftp:|//[a-z0-9])", html, re.IGNORECASE)
    assert browser.refused == []
    assert not browser.openExternalLinks()
    # The table of contents leads to its chapters.
    for target in re.findall(r'href="#([^"]+)"', html):
        assert f'name="{target}"' in html, target
    browser.scrollToAnchor("datenschutz")
    assert browser.verticalScrollBar().value() > 0
    dialog.close()


def test_the_manual_lists_every_keyboard_shortcut_of_the_window(
    qtbot, workers, atlas: Atlas, settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, atlas, settings)
    text = ManualDialog(window).browser.toPlainText()
    german = {"Ctrl": "Strg", "Shift": "Umschalt", "Del": "Entf"}
    shortcuts = {
        action.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
        for action in window.actions_by_name.values()
        if not action.shortcut().isEmpty()
    }
    assert {"Ctrl+N", "Ctrl+F", "Ctrl+M", "F1"} <= shortcuts
    for shortcut in shortcuts:
        words = "+".join(german.get(part, part) for part in shortcut.split("+"))
        assert words in text, shortcut
    assert "Strg+S" in text and "Strg+1" in text
