"""The window fits small screens (1366×768, 1280×720, and with a 125 % font) on the demo data.

Every section is walked with a record selected; no visible field, button or label may be
narrower than it needs or lie outside the window, and every map control stays reachable.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QTabBar,
    QTabWidget,
    QWidget,
)

from atlas.core import Atlas
from tests.ui.conftest import changes_applied, lay_out, office_window
from ui.editors import ChoiceEditor, LineEditor
from ui.main_window import SECTIONS, MainWindow
from ui.widgets import ElidedLabel
from ui.window_layout import MAP_SECTIONS, default_size

SIZES = [(1366, 768, 1.0), (1280, 720, 1.0), (1366, 768, 1.25), (1280, 720, 1.25)]
CHECKED = (QLineEdit, QComboBox, QAbstractButton, QLabel, QPlainTextEdit, QAbstractSpinBox)


@pytest.fixture
def scaled_font(request: pytest.FixtureRequest) -> Iterator[float]:
    """The application font made larger, as a 125 % font setting would."""
    scale: float = request.param
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = app.font()
    if scale != 1.0:
        larger = app.font()
        larger.setPointSizeF(original.pointSizeF() * scale)
        app.setFont(larger)
    yield scale
    app.setFont(original)


def _rect_in(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _scroll_area_of(viewport: QWidget) -> QAbstractScrollArea | None:
    parent = viewport.parentWidget()
    if isinstance(parent, QAbstractScrollArea) and parent.viewport() is viewport:
        return parent
    return None


def layout_problems(window: QWidget) -> list[str]:
    """Visible inputs, buttons and labels that are squeezed or cut off."""
    problems: list[str] = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, CHECKED) or not widget.isVisible():
            continue
        ancestors: list[QWidget] = []
        parent = widget.parentWidget()
        while parent is not None and parent is not window:
            ancestors.append(parent)
            parent = parent.parentWidget()
        # Qt's own parts (the line edit in a combo box, tab scroll buttons, scroll bars) and
        # widgets in the cells of a list scroll with it.
        if any(
            isinstance(a, (QComboBox, QAbstractSpinBox, QTabBar, QScrollBar, QAbstractItemView))
            for a in ancestors
        ):
            continue
        if widget.objectName().startswith("qt_"):
            continue
        name = f"{type(widget).__name__} {widget.objectName()!r} {getattr(widget, 'text', lambda: '')()!r}"
        needed = widget.sizeHint() if isinstance(widget, QAbstractButton) else widget.minimumSizeHint()
        if widget.width() < needed.width():
            problems.append(f"{name}: {widget.width()} px wide, needs {needed.width()}")
        rect = _rect_in(widget, window)
        # Inside a scroll area a widget may lie beyond the edge in the direction it scrolls.
        areas = [a for a in map(_scroll_area_of, ancestors) if a is not None]
        off = Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        sideways = not any(a.horizontalScrollBarPolicy() != off for a in areas)
        upright = not any(a.verticalScrollBarPolicy() != off for a in areas)
        for bounds, what in [(window.rect(), "the window")] + [
            (_rect_in(a, window), type(a).__name__) for a in ancestors
        ]:
            if sideways and (rect.left() < bounds.left() or rect.right() > bounds.right()):
                problems.append(f"{name}: at {rect.getRect()}, cut off on the side by {what}")
                break
            if upright and (rect.top() < bounds.top() or rect.bottom() > bounds.bottom()):
                problems.append(f"{name}: at {rect.getRect()}, cut off at the top or bottom by {what}")
                break
    return problems


def walk_sections(qtbot, window: MainWindow) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Every section (and tab) on screen in turn, with its first record in the form."""
    for index, (label, keys) in enumerate(SECTIONS):
        window.show_section(index)
        page = window.stack.currentWidget()
        for tab, key in enumerate(keys):
            if isinstance(page, QTabWidget):
                page.setCurrentIndex(tab)
            if key != "dashboard":
                section = window.section(key)
                assert section.model.rowCount() > 0, key
                section.select(section.model.id_at(0))
                assert section.form.record is not None
                qtbot.waitUntil(section.form.isVisible)
            else:
                qtbot.waitUntil(page.isVisible)
            lay_out()
            yield f"{label} / {key}"


@pytest.mark.parametrize(
    ("width", "height", "scaled_font"),
    SIZES,
    indirect=["scaled_font"],
    ids=[f"{w}x{h}-font{int(s * 100)}" for w, h, s in SIZES],
)
def test_every_section_fits_the_small_screen(
    qtbot, workers, demo: Atlas, settings: QSettings, width: int, height: int, scaled_font: float
) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(demo, "demo.sqlite", settings, workers=workers)
    qtbot.addWidget(window)
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    pane = window.start_map()
    controls = [pane.base, pane.density, pane.move_button, pane.place_button, pane.export_button]
    seen = []
    for where in walk_sections(qtbot, window):
        seen.append(where)
        assert window.size() == QSize(width, height), f"{where}: the window grew to {window.size()}"
        assert layout_problems(window) == [], where
        if window.map_dock.isVisible():
            toolbar = pane.findChild(QWidget, "mapToolbar")
            assert toolbar is not None
            for control in controls:  # all reachable, none folded into a » menu
                assert control.isVisible(), control.objectName()
                assert pane.rect().contains(_rect_in(control, pane)), control.objectName()
    assert len(seen) == sum(len(keys) for _label, keys in SECTIONS)


def test_the_map_shows_only_on_sections_with_places_and_remembers_the_choice(
    qtbot, workers, demo: Atlas, settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    window = office_window(qtbot, workers, demo, settings, "demo.sqlite")
    shown = {}
    for index, (_label, keys) in enumerate(SECTIONS):
        window.show_section(index)
        shown[keys[0]] = window.map_dock.isVisible()
    assert {key for key, visible in shown.items() if visible} == MAP_SECTIONS
    assert {"institution", "offer", "contact", "actor", "quarter"} == MAP_SECTIONS

    # On the meetings the user wants the map after all (Ansicht → Karte); on institutions
    # she closes it with the pane's ✕.
    meetings = next(i for i, (_l, keys) in enumerate(SECTIONS) if "meeting" in keys)
    window.show_section(meetings)
    toggle = window.actions_by_name["map"]
    assert toggle.shortcut().toString() == "Ctrl+M"
    assert not toggle.isChecked()
    toggle.trigger()
    assert window.map_dock.isVisible()
    window.show_section(0)
    assert window.map_dock.isVisible() and toggle.isChecked()
    close = window.map_dock.findChild(QAbstractButton, "qt_dockwidget_closebutton")
    assert close is not None and close.isVisible()
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert not window.map_dock.isVisible() and not toggle.isChecked()
    window.show_section(meetings)
    assert window.map_dock.isVisible()
    window.show_section(0)
    assert not window.map_dock.isVisible()
    window.close()

    # The next start remembers both choices.
    again = MainWindow(demo, "demo.sqlite", settings, workers=workers)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    again.show_section(0)
    assert not again.map_dock.isVisible()
    again.show_section(meetings)
    assert again.map_dock.isVisible()
    again.show_section(again._index_of("agreement"))
    assert not again.map_dock.isVisible()


def test_the_first_size_fits_the_free_area_of_the_screen() -> None:
    assert default_size(QRect(0, 0, 1920, 1040)) == QSize(1280, 800)
    small = default_size(QRect(0, 0, 1366, 728))  # 1366×768 with a task bar
    assert small.width() <= 1366 - 16 and small.height() <= 728 - 40
    tiny = default_size(QRect(0, 0, 1280, 680))
    assert tiny.height() + 40 <= 680


def test_a_new_window_is_no_larger_than_its_screen(qtbot, workers, demo: Atlas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat)
    window = MainWindow(demo, "demo.sqlite", settings, workers=workers)
    qtbot.addWidget(window)
    available = window.screen().availableGeometry()
    assert window.width() <= max(available.width(), window.minimumSizeHint().width())
    assert window.height() <= available.height()


def test_long_values_and_titles_show_their_beginning_and_do_not_widen_the_window(
    qtbot, workers, demo: Atlas, settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    window = office_window(qtbot, workers, demo, settings, "demo.sqlite")
    long_name = "Schuldnerberatung für Alleinerziehende und Familien in besonderen Lebenslagen " * 2
    with changes_applied(qtbot, window, "institution"):
        record = demo.institutions.save(None, {"name": long_name.strip()})
    meetings = demo.records["meeting"]
    title = "Stadtteilkonferenz mit allen Trägern, Schulen, Kitas und Beratungsstellen – " * 2
    with changes_applied(qtbot, window, "meeting"):
        meeting = meetings.save(
            None, {"title": title.strip(), "kind": "runder_tisch", "starts_at": "01.10.2026 10:00"}
        )

    section = window.section("institution")
    window.show_section(0)
    assert section.select(record.id)
    editor = section.form.editors["name"]
    assert isinstance(editor, LineEditor)
    assert editor.edit.cursorPosition() == 0  # "Schuldnerberatung …", not "… Lebenslagen"
    assert window.width() == 1366
    # The same in a picker one can type into: a contact's institution.
    with changes_applied(qtbot, window, "contact"):
        contact = demo.contacts.save(None, {"last_name": "Lang", "institution_id": record.id})
    window.show_section(window._index_of("contact"))
    contacts = window.section("contact")
    assert contacts.select(contact.id)
    picker = contacts.form.editors["institution_id"]
    assert isinstance(picker, ChoiceEditor)
    line = picker.combo.lineEdit()
    assert line is not None and line.text() == long_name.strip()
    assert line.cursorPosition() == 0

    window.show_section(window._index_of("meeting"))
    page = window.stack.currentWidget()
    assert isinstance(page, QTabWidget)
    page.setCurrentIndex(1)
    meeting_section = window.section("meeting")
    assert meeting_section.select(meeting.id)
    heading = meeting_section.form.heading
    assert isinstance(heading, ElidedLabel)
    assert heading.text() == title.strip()
    assert heading.is_elided() and heading.elided_text().endswith("…")
    lay_out()
    assert window.width() == 1366
    assert layout_problems(window) == []
