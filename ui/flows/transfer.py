"""Lists and packages in and out: list export, the import wizard, Open Referral, the report dialogs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QWidget

from atlas.errors import AtlasError
from atlas.progress import Cancelled
from atlas.records import FilterKind
from ui.plain import inform, warn
from ui.progress import Ticket, run_with_progress

if TYPE_CHECKING:
    from ui.main_window import MainWindow

T = TypeVar("T")


def long_action(window: MainWindow, title: str, label: str, fn: Callable[[Ticket], T]) -> T | None:
    """``fn(ticket)`` on the window's database worker behind a progress dialog with
    "Abbrechen"; its result, or None after a German warning (an error) or a cancel (said
    in the status bar: "Abgebrochen – nichts wurde geändert.")."""
    try:
        return run_with_progress(window.tasks, fn, window, title, label)
    except Cancelled as err:
        window.statusBar().showMessage(str(err), 10000)
    except AtlasError as err:
        warn(window, title, str(err))
    return None


def export_list(window: MainWindow, path: str | None = None) -> str | None:
    """The list on screen, as filtered and sorted, to CSV/XLSX/GeoJSON/vCard."""
    from atlas.io import KINDS, export

    section = window.current_section()
    if section is None or section.spec.key not in KINDS:
        inform(
            window,
            window.tr("Exportieren"),
            window.tr("Exportieren lassen sich Einrichtungen, Angebote, Kontakte und Akteure."),
        )
        return None
    ids = section.model.ids()
    if not ids:
        inform(
            window, window.tr("Exportieren"), window.tr("Die Liste ist leer: es gibt nichts zu exportieren.")
        )
        return None
    patterns = [window.tr("CSV für Excel (*.csv)"), window.tr("Excel (*.xlsx)")]
    if section.spec.key == "institution":
        patterns.append(window.tr("GeoJSON (*.geojson)"))
    if section.spec.key == "contact":
        patterns.append(window.tr("vCard (*.vcf)"))
    target = (
        path
        or QFileDialog.getSaveFileName(
            window,
            window.tr("{what} exportieren").format(what=section.spec.plural),
            f"{section.spec.plural}.csv",
            ";;".join(patterns),
        )[0]
    )
    if not target:
        return None
    atlas, kind = window.atlas, section.spec.key
    result = long_action(
        window,
        window.tr("Exportieren"),
        window.tr("{n} Einträge werden nach „{file}“ geschrieben …").format(
            n=len(ids), file=Path(target).name
        ),
        lambda ticket: export(atlas, kind, ids, target, ticket.progress, ticket.cancelled),
    )
    if result is None:
        return None
    window.statusBar().showMessage(result.summary(), 10000)
    return result.summary()


def import_list(window: MainWindow, path: str | None = None) -> QWidget:
    """The import wizard, preset to the section on screen."""
    from ui.import_wizard import ImportWizard

    section = window.current_section()
    kind = (
        section.spec.key
        if section is not None and section.spec.key in ("institution", "offer", "contact", "actor")
        else None
    )
    wizard = ImportWizard(window.atlas, kind=kind, path=path, parent=window, workers=window.workers)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    wizard.imported.connect(lambda result: window.statusBar().showMessage(result.summary(), 10000))
    wizard.setModal(True)
    wizard.show()
    return wizard


def export_hsds(window: MainWindow, path: str | None = None, include_contacts: bool = False) -> str | None:
    from atlas.io import export_package

    target = (
        path
        or QFileDialog.getSaveFileName(
            window,
            window.tr("Öffentliches Verzeichnis exportieren"),
            "verzeichnis-hsds.zip",
            window.tr("Datenpaket (*.zip)"),
        )[0]
    )
    if not target:
        return None
    atlas = window.atlas
    result = long_action(
        window,
        window.tr("Open Referral"),
        window.tr("Das Verzeichnis wird nach „{file}“ geschrieben …").format(file=Path(target).name),
        lambda ticket: export_package(atlas, target, include_contacts, ticket.progress, ticket.cancelled),
    )
    if result is None:
        return None
    message = result.summary()
    inform(window, window.tr("Open Referral"), message)
    return message


def import_hsds(window: MainWindow, path: str | None = None) -> str | None:
    from atlas.io import import_package

    source = (
        path
        or QFileDialog.getOpenFileName(
            window,
            window.tr("Open-Referral-Paket importieren"),
            "",
            window.tr("Datenpaket (*.zip);;Alle Dateien (*)"),
        )[0]
    )
    if not source:
        return None
    atlas = window.atlas
    result = long_action(
        window,
        window.tr("Open Referral"),
        window.tr("„{file}“ wird importiert …").format(file=Path(source).name),
        lambda ticket: import_package(atlas, source, progress=ticket.progress, cancelled=ticket.cancelled),
    )
    if result is None:
        return None
    message = result.summary()
    inform(window, window.tr("Open Referral"), message)
    return message


def report_preset(window: MainWindow, kind: str) -> dict[str, object]:
    """What the document starts with: the list on screen, the record selected."""
    section = window.current_section()
    preset: dict[str, object] = {}
    if section is None:
        return preset
    key, record_id = section.spec.key, section.shown_id()
    quarter = section.active_filters().get(FilterKind.QUARTER)
    if quarter is not None:
        preset["quarter_id"] = quarter
    category = section.active_filters().get(FilterKind.CATEGORY)
    if category is not None:
        preset["category_id"] = category
    if kind == "contact-list" and key == "contact" and section.is_filtered():
        preset["contact_ids"] = section.model.ids()
        preset["selection_label"] = window.tr("aktuelle Auswahl der Kontaktliste")
    if key == "round_table" and record_id is not None:
        preset["round_table_id"] = record_id
    if key == "meeting" and record_id is not None:
        preset["meeting_id"] = record_id
    if key == "quarter" and record_id is not None:
        preset["quarter_id"] = record_id
    return preset


def open_report(window: MainWindow, kind: str) -> QWidget:
    from ui.printing import open_report_dialog

    dialog: QWidget = open_report_dialog(
        kind, window.atlas, window.settings, window, report_preset(window, kind), workers=window.workers
    )
    return dialog
