"""Taxonomy editing and the refusal of a broken database, through the real widgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from atlas.core import Atlas
from atlas.models import Vocabulary
from atlas.records.schema import FilterKind
from main import bootstrap
from tests.ui.conftest import Answers
from ui.app import open_asking, run_gui
from ui.main_window import MainWindow
from ui.taxonomy_dialog import VocabularyPage


def test_a_new_target_group_appears_in_filters_and_forms(
    qtbot, window: MainWindow, atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    page = VocabularyPage(atlas, Vocabulary.TARGET_GROUP)
    qtbot.addWidget(page)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Wohnungslose Menschen", True))
    page.add()
    assert any(page.list.item(i).text().startswith("Wohnungslose Menschen") for i in range(page.list.count()))
    offers = window.section("offer")
    combo = offers.filters[FilterKind.TARGET_GROUP]
    qtbot.waitUntil(lambda: "Wohnungslose Menschen" in [combo.itemText(i) for i in range(combo.count())])
    picker = offers.form.editors["target_groups"]
    assert "Wohnungslose Menschen" in [picker.list.item(i).text() for i in range(picker.list.count())]


def test_a_duplicate_term_is_refused_with_a_message(
    qtbot, atlas: Atlas, monkeypatch: pytest.MonkeyPatch, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    page = VocabularyPage(atlas, Vocabulary.SECTOR)
    qtbot.addWidget(page)
    before = page.list.count()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Jobcenter", True))
    page.add()
    assert page.list.count() == before
    assert "gibt es schon" in answers.warnings[0]
    assert answers.formats == [Qt.TextFormat.PlainText]


def test_the_window_refuses_a_broken_database_with_a_german_message(
    qapp, tmp_path: Path, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "kaputt.sqlite"
    broken.write_bytes(b"\x00garbage" * 500)
    before = broken.read_bytes()
    assert run_gui(str(broken), bootstrap) == 2
    assert "nicht verändert" in answers.warnings[0]
    assert broken.read_bytes() == before


def _answer_next_question(button: QMessageBox.StandardButton, seen: list[str]) -> None:
    """Click ``button`` of the question box once it is up, as a person would."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        box.button(button).click()

    QTimer.singleShot(0, click)


@pytest.mark.parametrize("answer", [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes])
def test_the_window_asks_before_making_an_empty_file_a_database(
    qapp, tmp_path: Path, answer: QMessageBox.StandardButton
) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "leer.sqlite"
    empty.write_bytes(b"")
    seen: list[str] = []
    _answer_next_question(answer, seen)
    opened = open_asking(str(empty), bootstrap)
    assert seen == [f"Die Datei {empty} ist leer. Eine neue Datenbank darin anlegen?"]
    if answer == QMessageBox.StandardButton.Cancel:
        assert opened is None
        assert empty.read_bytes() == b""  # left as it was
        return
    assert opened is not None
    atlas, result = opened
    try:
        assert atlas.institutions.count() == 0
    finally:
        result.engine.dispose()
    assert empty.stat().st_size > 0


def test_qt_standard_buttons_speak_german(qapp) -> None:  # type: ignore[no-untyped-def]
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "x",
        "y",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
    )
    texts = {b.text().replace("&", "") for b in box.buttons()}
    assert texts == {"Ja", "Abbrechen"}
