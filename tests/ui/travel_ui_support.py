"""The offline copy's window tests, their shared set-up: the office window with the program's
own copy files, the menu's file dialogs answered, and the helpers both test files use.

Import the ``scene`` fixture (the function ``scene_fixture``) into a test module, as other
fixtures are shared between the modules of tests/ui; its own name keeps a test's ``scene``
parameter from shadowing the import."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QRadioButton, QWidget

from atlas.core import Atlas
from db.travel import make_copy, open_copy
from tests.travel_support import take
from tests.ui.conftest import office_window
from ui.flows.travel import TravelFiles
from ui.main_window import MainWindow
from ui.travel_dialog import TakeDialog
from ui.travel_review import ReviewDialog
from ui.workers import Workers

SHOTS = Path("/tmp")


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def edit(atlas: Atlas, inst_id: int, **values: Any) -> None:
    """The institution ``inst_id`` changed in ``atlas`` (the office's or the laptop's)."""
    record = atlas.institutions.get(inst_id)
    atlas.institutions.save(inst_id, {**record.values, **values}, expected_version=record.version)


def radio(dialog: ReviewDialog, row: int, text: str) -> QRadioButton:
    """The choice ``text`` ("Büro", "Unterwegs", …) in the review's conflict ``row``."""
    holder = dialog.conflicts.cellWidget(row, 5)
    return next(b for b in holder.findChildren(QRadioButton) if b.text() == text)


class Scene:
    """The office window (with ``network``), and what a coach does with a copy in it."""

    def __init__(
        self,
        qtbot: Any,
        office: MainWindow,
        atlas: Atlas,
        network: dict[str, Any],
        db_url: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        self.qtbot = qtbot
        self.office = office
        self.atlas = atlas
        self.network = network
        self.db_url = db_url
        self.tmp_path = tmp_path
        self.monkeypatch = monkeypatch

    def take(self, name: str = "fest.sqlite") -> Path:
        """A copy of the office taken (the program's own path, not the menu) into ``name``."""
        copy = self.tmp_path / name
        take(self.atlas, self.db_url, copy)
        return copy

    def dialog(self, kind: type[Any]) -> Any:
        """The visible dialog of ``kind`` in the office window, once it is up."""
        window = self.office
        self.qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(kind)), timeout=15000)
        return next(d for d in window.findChildren(kind) if d.isVisible())

    def status_says(self, words: str, timeout: int = 15000) -> None:
        self.qtbot.waitUntil(lambda: words in self.office.statusBar().currentMessage(), timeout=timeout)

    def take_through_menu(self, target: Path) -> None:
        """``Für unterwegs mitnehmen`` from the menu, everything, saved at ``target``."""
        self.monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
        self.office.actions_by_name["travel_take"].trigger()
        dialog: TakeDialog = self.dialog(TakeDialog)
        assert dialog.everything.isChecked()  # "alles" by default
        assert dialog.target.text().endswith("Unterwegs-Kopie-2026-11-16.sqlite")
        click(dialog.choose)  # the operating system's save dialog (answered above)
        assert dialog.target.text() == str(target)
        dialog.grab().save(str(SHOTS / "travel_take.png"))
        click(dialog.ok)
        self.status_says("gespeichert", timeout=30000)
        assert target.is_file()

    def bring_back(self, path: Path) -> ReviewDialog:
        """``Unterwegs-Kopie zurückführen`` from the menu, ``path`` chosen: its review."""
        self.monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
        self.office.actions_by_name["travel_bring_back"].trigger()
        return self.dialog(ReviewDialog)  # type: ignore[no-any-return]

    def merged(self, dialog: ReviewDialog) -> None:
        """``Übernehmen`` clicked in the review, waited for until it is one undo step."""
        window = self.office
        before = window.undo_stack.count()
        click(dialog.apply_button)
        self.qtbot.waitUntil(lambda: window.undo_stack.count() == before + 1, timeout=15000)
        self.qtbot.waitUntil(
            lambda: not any(d.isVisible() for d in window.findChildren(ReviewDialog)), timeout=15000
        )

    def keys_to_window(self) -> Any:
        """The dialogs are gone: the window has the keys again; the list has the focus."""
        window = self.office
        window.activateWindow()
        self.qtbot.waitUntil(window.isActiveWindow)
        table = window.current_section().table  # type: ignore[union-attr]
        table.setFocus()
        return table


@pytest.fixture(name="scene")
def scene_fixture(  # type: ignore[no-untyped-def]
    qtbot,
    atlas: Atlas,
    settings: QSettings,
    workers: Workers,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[Scene]:
    """The office window, then the ``network`` written into its database behind its back
    (in this order, as the tests had it before they shared this fixture)."""
    office = office_window(qtbot, workers, atlas, settings)
    office.travel_files = TravelFiles(make_copy, open_copy, source=db_url)
    network: dict[str, Any] = request.getfixturevalue("network")
    yield Scene(qtbot, office, atlas, network, db_url, tmp_path, monkeypatch)
