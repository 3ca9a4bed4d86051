"""Deleting and merging from the window: the question, the undo stack, the status line."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from atlas.errors import AtlasError
from atlas.records import DeletedRecord, MergedRecords
from ui.plain import ask, inform, warn
from ui.section import SectionWidget
from ui.undo import DeleteCommand, MergeCommand

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def delete_current(window: MainWindow) -> None:
    section = window.current_section()
    if section is None:
        return
    record_id = section.shown_id()  # exactly the record the form shows, named in the question
    if record_id is None:
        window.statusBar().showMessage(window.tr("Bitte zuerst einen Eintrag in der Liste auswählen."), 5000)
        return
    service = section.service
    try:
        record = service.get(record_id)
        impact, kept = service.deletion_effects(record_id)
    except AtlasError as err:
        warn(window, window.tr("Löschen"), str(err))
        return
    text = window.tr("{what} „{title}“ löschen?").format(what=section.spec.singular, title=record.title)
    if impact:
        text += "\n\n" + window.tr("Damit werden auch gelöscht:") + "\n• " + "\n• ".join(impact)
    if kept:
        text += "\n\n" + window.tr("Erhalten bleibt:") + "\n• " + "\n• ".join(kept)
    text += "\n\n" + window.tr(
        "Sie können das Löschen mit Strg+Z rückgängig machen, solange das Programm offen ist."
    )
    answer = ask(
        window,
        window.tr("Löschen bestätigen"),
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    if answer != QMessageBox.StandardButton.Yes:
        return
    try:
        deleted = service.delete(record_id)
    except AtlasError as err:
        warn(window, window.tr("Löschen"), str(err))
        return
    section.form.clear()

    def on_restored(undone: DeletedRecord) -> None:
        restored(window, section, undone)

    window.undo_stack.push(DeleteCommand(service, deleted, partial(undo_failed, window), on_restored))
    window.statusBar().showMessage(
        window.tr("„{title}“ gelöscht – Rückgängig mit Strg+Z.").format(title=deleted.title), 10000
    )


def restored(window: MainWindow, section: SectionWidget, deleted: DeletedRecord) -> None:
    """A delete was undone: say so, and show the record again where it was deleted."""
    window.statusBar().showMessage(
        window.tr("„{title}“ wiederhergestellt.").format(title=deleted.title), 10000
    )
    if section.form.record is None and not section.form.is_dirty():
        section.refresh()
        section.open(deleted.id)


def find_duplicates(window: MainWindow) -> None:
    """Stored records the duplicate rule calls the same as the selected one."""
    section = window.current_section()
    if section is None or section.spec.key not in ("institution", "contact"):
        inform(
            window,
            window.tr("Mögliche Duplikate"),
            window.tr("Duplikate lassen sich für Einrichtungen und Kontakte suchen."),
        )
        return
    if section.current_id() is None:
        window.statusBar().showMessage(window.tr("Bitte zuerst einen Eintrag in der Liste auswählen."), 5000)
        return
    if not section.form.find_duplicates():
        window.statusBar().showMessage(window.tr("Keine möglichen Duplikate gefunden."), 8000)


def merged(
    window: MainWindow, section: SectionWidget, merged: MergedRecords, values: dict[str, object]
) -> None:
    """A merge from the duplicate question: on the undo stack like a delete."""
    window.undo_stack.push(
        MergeCommand(window.atlas.merging, section.service, merged, values, partial(undo_failed, window))
    )
    window.statusBar().showMessage(
        window.tr("„{title}“ zusammengeführt – Rückgängig mit Strg+Z.").format(title=merged.title), 10000
    )


def undo_failed(window: MainWindow, message: str) -> None:
    warn(window, window.tr("Rückgängig"), message)
