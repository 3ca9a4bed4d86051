"""Datenschutz from the window: Art. 15 information, Art. 17 erasure, the consent and retention review."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtWidgets import QFileDialog

from atlas.errors import AtlasError
from ui.consent_dialog import ConsentReviewDialog
from ui.plain import inform, warn
from ui.privacy_dialog import ErasureDialog
from ui.tasks import wait_for
from ui.undo import purge as purge_undo

T = TypeVar("T")

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def selected_person(window: MainWindow) -> int | None:
    section = window.current_section()
    record_id = section.shown_id() if section is not None and section.spec.key == "contact" else None
    if record_id is None:
        inform(
            window,
            window.tr("Datenschutz"),
            window.tr("Bitte zuerst im Bereich „Kontakte“ eine Person auswählen."),
        )
    return record_id


def privacy_export(window: MainWindow, path: str | None = None) -> str | None:
    """Art. 15: what is stored about the person in the form, into a file to hand over."""
    contact_id = selected_person(window)
    if contact_id is None:
        return None
    try:
        name = window.atlas.contacts.get(contact_id).title
    except AtlasError as err:
        warn(window, window.tr("Datenschutz"), str(err))
        return None
    target = (
        path
        or QFileDialog.getSaveFileName(
            window,
            window.tr("Auskunft über „{name}“ speichern").format(name=name),
            "auskunft.txt",
            window.tr("Text (*.txt);;JSON (*.json)"),
        )[0]
    )
    if not target:
        return None
    try:
        written = window.atlas.privacy.export(contact_id, target)
    except AtlasError as err:
        warn(window, window.tr("Datenschutz"), str(err))
        return None
    window.statusBar().showMessage(
        window.tr("Auskunft über „{name}“ gespeichert: {path}").format(name=name, path=written), 10000
    )
    return str(written)


def privacy_erase(window: MainWindow) -> str | None:
    """Art. 17: erase the person in the form for good (asked by name first, no undo)."""
    contact_id = selected_person(window)
    if contact_id is None:
        return None
    try:
        title = window.atlas.contacts.get(contact_id).title
    except AtlasError as err:
        warn(window, window.tr("Datenschutz"), str(err))
        return None
    privacy = window.atlas.privacy

    def off_the_gui_thread(fn: Callable[[], T], label: str) -> T | None:
        """Both steps read the whole file (seconds at 10,000 records); None after a warning."""
        try:
            result: T = wait_for(window.tasks, fn, window, window.tr("Datenschutz"), label)
        except AtlasError as err:
            warn(window, window.tr("Datenschutz"), str(err))
            return None
        return result

    mentions = off_the_gui_thread(
        lambda: privacy.mentions(contact_id),
        window.tr("Suche Erwähnungen von „{name}“ …").format(name=title),
    )
    if mentions is None or not ErasureDialog(window, title, mentions).ask():
        return None
    report = off_the_gui_thread(
        lambda: privacy.erase(contact_id),
        window.tr("Lösche „{name}“ und bereinige die Datenbank …").format(name=title),
    )
    if report is None:
        return None
    window.section("contact").form.clear()
    summary: str = report.summary()
    if report.person is not None and purge_undo(window.undo_stack, report.person):
        summary += " " + window.tr("Rückgängig bringt sie nicht zurück: der Verlauf wurde bereinigt.")
    inform(window, window.tr("Datenschutz"), summary)
    return summary


def review_consent(window: MainWindow, kind: str = "consent") -> ConsentReviewDialog:
    """Datenschutz → Einwilligungen / Löschfristen prüfen (ui.consent_dialog), beside the window."""
    dialog = window.consent_dialog
    if dialog is None:
        dialog = ConsentReviewDialog(window.atlas, lambda: window.atlas.network.user, kind, window)
        dialog.openContact.connect(lambda cid: window.open_record("contact", cid))
        dialog.eraseContact.connect(partial(erase_from_review, window))
        window.consent_dialog = dialog
    else:
        dialog.refresh()
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    dialog.show_list(kind)  # the list has the keyboard: arrows, Enter opens
    return dialog


def erase_from_review(window: MainWindow, contact_id: int) -> None:
    window.open_record("contact", contact_id)
    if window.section("contact").shown_id() == contact_id:
        privacy_erase(window)
