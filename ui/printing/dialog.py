"""The options dialog of one kind of document, then 'Vorschau …' or 'Als PDF speichern …'.

Before anything is built, the document's size is estimated (:func:`atlas.reports.estimate_document`,
counting queries on the database worker): over ``MAX_PAGES`` the dialog says so and what
to choose instead and makes nothing, the choices kept; over ``ASK_PAGES`` it asks first
with the estimate and the time it takes.

Building the document (database queries, the template) runs on the database worker, writing
the PDF file on the background worker (``ui.workers.Workers``); printing the HTML to PDF
stays on the GUI thread: QtWebEngine's page belongs there, and Chromium lays out and
prints in its own process, so the GUI thread only waits for a signal.
:func:`open_report_dialog` is what the main window calls."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from atlas import reports
from atlas.errors import AtlasError
from atlas.models import Vocabulary
from atlas.reports import ReportDocument
from ui.plain import Button, ask, plain_label, tooltip_text, warn

if TYPE_CHECKING:
    from atlas.core import Atlas
from ui import settings as prefs
from ui.collector import holding_collections
from ui.printing.documents import build_document, tile_source
from ui.printing.preview import PdfPreviewDialog
from ui.printing.renderer import PdfRenderer, RenderedPdf, save_pdf
from ui.workers import Workers


class ReportDialog(QDialog):
    """Options of one document, then 'Vorschau …' or 'Als PDF speichern …'."""

    saved = Signal(str)  # the path written
    rendered = Signal(object)  # RenderedPdf (for the preview and for tests)
    problem = Signal(str)  # a German message, also shown in a message box

    def __init__(
        self,
        kind: str,
        atlas: Atlas,
        settings: QSettings,
        parent: QWidget | None = None,
        preset: Mapping[str, Any] | None = None,
        *,
        workers: Workers,
    ) -> None:
        super().__init__(parent)
        if kind not in reports.KINDS:
            raise ValueError(kind)
        self.kind = kind
        self.atlas = atlas
        self.settings = settings
        self.preset = dict(preset or {})
        self.workers = workers
        self.renderer = PdfRenderer(self, workers.background)  # its file work off the GUI thread
        self.renderer.finished.connect(self._rendered)
        self.renderer.failed.connect(self._failed)
        self.preview_dialog: PdfPreviewDialog | None = None
        self._target: Path | None = None
        self.setObjectName(f"report-{kind}")
        self.setWindowTitle(reports.KINDS[kind])
        self.setMinimumWidth(600)

        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        builder = {
            "contact-list": self._build_contacts,
            "sign-in": self._build_sign_in,
            "directory": self._build_directory,
            "network": self._build_network,
        }[kind]
        builder()
        self._build_logo()
        self.status = plain_label()
        self.status.setWordWrap(True)
        self.status.setObjectName("status")
        layout.addWidget(self.status)
        buttons = QDialogButtonBox()
        self.preview_button = QPushButton(self.tr("Vorschau …"))
        self.save_button = QPushButton(self.tr("Als PDF speichern …"))
        self.save_button.setDefault(True)
        buttons.addButton(self.preview_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.preview_button.clicked.connect(lambda: self.preview())
        self.save_button.clicked.connect(lambda: self.save())
        layout.addWidget(buttons)

    # -- per kind --------------------------------------------------------------------
    def _combo(self, items: list[tuple[Any, str]], selected: Any = None) -> QComboBox:
        combo = QComboBox()
        for value, label in items:
            combo.addItem(label, value)
        if selected is not None:
            index = combo.findData(selected)
            if index >= 0:
                combo.setCurrentIndex(index)
        combo.setMaxVisibleItems(20)
        return combo

    def _categories(self) -> list[tuple[Any, str]]:
        return [(t.id, t.name) for t in self.atlas.taxonomy.terms(Vocabulary.CATEGORY)]

    def _build_contacts(self) -> None:
        sources: list[tuple[Any, str]] = [
            ("round_table", self.tr("Runder Tisch")),
            ("quarter", self.tr("Quartier")),
            ("category", self.tr("Kategorie")),
        ]
        ids = self.preset.get("contact_ids")
        if ids is not None:
            sources.append(("list", self.tr("aktuelle Liste ({n} Kontakte)").format(n=len(ids))))
        wanted = self.preset.get("source") or (
            "list"
            if ids is not None
            else "quarter"
            if self.preset.get("quarter_id")
            else "category"
            if self.preset.get("category_id")
            else "round_table"
        )
        self.source = self._combo(sources, wanted)
        self.target = QComboBox()
        self.target.setMaxVisibleItems(20)
        self.source.currentIndexChanged.connect(self._fill_targets)
        self.form.addRow(self.tr("Kontakte von"), self.source)
        self.form.addRow(self.tr("Auswahl"), self.target)
        self._fill_targets()
        grid = QGridLayout()
        self.columns: dict[str, QCheckBox] = {}
        chosen = set(self.preset.get("columns") or reports.DEFAULT_CONTACT_COLUMNS)
        for n, (key, label) in enumerate(reports.CONTACT_COLUMNS.items()):
            box = QCheckBox(label)
            box.setChecked(key in chosen)
            self.columns[key] = box
            grid.addWidget(box, n // 3, n % 3)
        holder = QWidget()
        holder.setLayout(grid)
        grid.setContentsMargins(0, 0, 0, 0)
        self.form.addRow(self.tr("Spalten"), holder)
        self.sort = self._combo(list(reports.CONTACT_SORTS.items()), self.preset.get("sort", "name"))
        self.form.addRow(self.tr("Sortiert nach"), self.sort)
        self.group = QCheckBox(self.tr("nach Einrichtung gruppieren"))
        self.group.setChecked(bool(self.preset.get("group")))
        self.form.addRow("", self.group)

    def _fill_targets(self) -> None:
        source = self.source.currentData()
        self.target.clear()
        preset: Any = None
        items: list[tuple[Any, str]]
        if source == "round_table":
            items = list(self.atlas.records["round_table"].choices())
            preset = self.preset.get("round_table_id")
        elif source == "quarter":
            items = list(self.atlas.quarters.choices())
            preset = self.preset.get("quarter_id")
        elif source == "category":
            items = self._categories()
            preset = self.preset.get("category_id")
        else:
            label = str(self.preset.get("selection_label") or self.tr("die Kontakte der aktuellen Liste"))
            items = [(None, label)]
        for value, label in items:
            self.target.addItem(label, value)
        index = self.target.findData(preset) if preset is not None else -1
        if index >= 0:
            self.target.setCurrentIndex(index)
        self.target.setEnabled(source != "list")

    def _build_sign_in(self) -> None:
        self.meeting = self._combo(reports.meetings_for_choice(self.atlas), self.preset.get("meeting_id"))
        self.form.addRow(self.tr("Treffen"), self.meeting)
        self.funding = QLineEdit(str(self.preset.get("funding") or prefs.REPORTS_FUNDING.get(self.settings)))
        self.funding.setPlaceholderText(
            self.tr("z. B. gefördert durch den Europäischen Sozialfonds (ESF Plus)")
        )
        self.form.addRow(self.tr("Förderhinweis"), self.funding)
        self.blank_rows = QSpinBox()
        self.blank_rows.setRange(0, 200)
        self.blank_rows.setValue(int(self.preset.get("blank_rows", 8)))
        self.form.addRow(self.tr("Leerzeilen für weitere Gäste"), self.blank_rows)
        self.consent = QCheckBox(self.tr("Einwilligungsspalten (Fotos, Kontakte)"))
        self.consent.setChecked(bool(self.preset.get("consent", True)))
        self.form.addRow("", self.consent)

    def _build_directory(self) -> None:
        everything = self.tr("alle")
        self.quarter = self._combo(
            [(None, self.tr("alle Quartiere")), *self.atlas.quarters.choices()], self.preset.get("quarter_id")
        )
        self.form.addRow(self.tr("Quartier"), self.quarter)
        self.category = self._combo(
            [(None, everything + " " + self.tr("Kategorien")), *self._categories()],
            self.preset.get("category_id"),
        )
        self.form.addRow(self.tr("Kategorie"), self.category)

    def _build_network(self) -> None:
        start, end = reports.default_period(self.atlas.clock.today())
        start = self.preset.get("start") or start
        end = self.preset.get("end") or end
        self.start = QDateEdit(QDate(start.year, start.month, start.day))
        self.end = QDateEdit(QDate(end.year, end.month, end.day))
        row = QHBoxLayout()
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd.MM.yyyy")
        row.addWidget(self.start)
        row.addWidget(plain_label(self.tr("bis")))
        row.addWidget(self.end)
        row.addStretch(1)
        holder = QWidget()
        holder.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self.form.addRow(self.tr("Zeitraum"), holder)

    def _build_logo(self) -> None:
        row = QHBoxLayout()
        self.logo_label = plain_label()
        self.logo_label.setObjectName("logo")
        choose = QPushButton(self.tr("Wählen …"))
        remove = QPushButton(self.tr("Entfernen"))
        choose.clicked.connect(self.choose_logo)
        remove.clicked.connect(lambda: self.set_logo(""))
        row.addWidget(self.logo_label, 1)
        row.addWidget(choose)
        row.addWidget(remove)
        row.setContentsMargins(0, 0, 0, 0)
        holder = QWidget()
        holder.setLayout(row)
        self.form.addRow(self.tr("Logo (alle Dokumente)"), holder)
        self._show_logo()

    def _show_logo(self) -> None:
        path = self.logo_path()
        self.logo_label.setText(Path(path).name if path else self.tr("kein Logo"))
        self.logo_label.setToolTip(tooltip_text(path))

    def logo_path(self) -> str:
        return prefs.REPORTS_LOGO.get(self.settings)

    def choose_logo(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Logo wählen"), self.logo_path(), self.tr("Bilder (*.png *.jpg *.jpeg *.svg)")
        )
        if path:
            self.set_logo(path)

    def set_logo(self, path: str) -> bool:
        """Remember the logo for every document (checked first); '' removes it."""
        if path:
            try:
                reports.load_logo(path)
            except AtlasError as err:
                self._tell(str(err))
                return False
        prefs.REPORTS_LOGO.set(self.settings, path)
        self._show_logo()
        return True

    # -- options ---------------------------------------------------------------------
    def options(self) -> dict[str, Any]:
        """Plain values for :func:`build_document` (read on the GUI thread)."""
        out: dict[str, Any] = {"logo": self.logo_path()}
        if self.kind == "contact-list":
            source = self.source.currentData()
            key = {"round_table": "round_table_id", "quarter": "quarter_id", "category": "category_id"}.get(
                source
            )
            if key:
                out[key] = self.target.currentData()
            else:
                out["contact_ids"] = list(self.preset.get("contact_ids") or [])
                out["selection_label"] = str(self.preset.get("selection_label") or "")
            out["columns"] = [k for k, box in self.columns.items() if box.isChecked()]
            out["sort"] = self.sort.currentData()
            out["group"] = self.group.isChecked()
        elif self.kind == "sign-in":
            out["meeting_id"] = self.meeting.currentData()
            out["funding"] = self.funding.text()
            out["blank_rows"] = self.blank_rows.value()
            out["consent"] = self.consent.isChecked()
        elif self.kind == "directory":
            out["quarter_id"] = self.quarter.currentData()
            out["category_id"] = self.category.currentData()
        else:
            out["start"] = self.start.date().toPython()
            out["end"] = self.end.date().toPython()
        if "today" in self.preset:
            out["today"] = self.preset["today"]
        return out

    # -- actions ---------------------------------------------------------------------
    def preview(self) -> None:
        self._start(None)

    def save(self, path: str | Path | None = None) -> None:
        """'Als PDF speichern': asks for the file unless ``path`` is given."""
        if path is None:
            folder = prefs.REPORTS_FOLDER.get(self.settings) or str(Path.home())
            suggestion = str(Path(folder) / f"{reports.KINDS[self.kind]}.pdf")
            chosen, _filter = QFileDialog.getSaveFileName(
                self, self.tr("Als PDF speichern"), suggestion, self.tr("PDF (*.pdf)")
            )
            if not chosen:
                return
            path = chosen
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        self._start(target)

    def _start(self, target: Path | None) -> None:
        if self.renderer.busy or not self.preview_button.isEnabled():
            return
        if self.kind == "contact-list" and not any(box.isChecked() for box in self.columns.values()):
            self._tell(self.tr("Bitte mindestens eine Spalte wählen."))
            return
        if self.kind == "network" and self.start.date() > self.end.date():
            self._tell(self.tr("Der Zeitraum beginnt nach seinem Ende."))
            return
        self._target = target
        options = self.options()
        if self.kind == "sign-in":
            prefs.REPORTS_FUNDING.set(self.settings, options["funding"])
        self._busy(True, self.tr("Der Umfang wird geschätzt …"))
        kind, atlas = self.kind, self.atlas

        def estimate() -> reports.SizeEstimate:
            return reports.estimate_document(kind, atlas, options)

        self.workers.database.run(
            holding_collections(estimate),  # the query's first step: held like the rest of it
            lambda size: self._estimated(size, options),
            self._worker_failed,
            owner=self,
        )

    def _estimated(self, size: reports.SizeEstimate, options: dict[str, Any]) -> None:
        """Over the limit: say so and what to choose instead, and make nothing (the choices
        stay as they are). Long: ask first, with the estimate and the time it takes."""
        if size.too_long:
            self._busy(False, "")
            self._tell(reports.too_long_message(size))
            self.status.setText(reports.too_long_status(size))  # the short form stays
            return
        if size.long:
            answer = ask(
                self,
                reports.KINDS[self.kind],
                reports.long_question(size),
                Button.Yes | Button.No,
                Button.Yes,
            )
            if answer != Button.Yes:
                self._busy(False, "")
                return
        self._build(options)

    def _build(self, options: dict[str, Any]) -> None:
        close_tiles = _nothing
        if self.kind == "directory":
            options["tiles"], close_tiles = tile_source(self.settings)
        self._busy(True, self.tr("Das Dokument wird zusammengestellt …"))
        kind, atlas = self.kind, self.atlas

        def build() -> ReportDocument:
            try:
                return build_document(kind, atlas, options)
            finally:
                close_tiles()  # here, also when the dialog was closed meanwhile

        # holding off full collections: one on the worker would stall the window (100+ ms)
        self.workers.database.run(holding_collections(build), self._built, self._worker_failed, owner=self)

    def _built(self, doc: ReportDocument) -> None:
        self.status.setText(self.tr("Das PDF wird gesetzt ({what}) …").format(what=doc.summary))
        try:
            self.renderer.render(doc)
        except AtlasError as err:
            self._failed(str(err))

    def _worker_failed(self, error: BaseException) -> None:
        if isinstance(error, AtlasError):
            self._failed(str(error))
        else:
            self._failed(self.tr("Das Dokument konnte nicht erstellt werden: {error}").format(error=error))

    def _rendered(self, result: RenderedPdf) -> None:
        self.rendered.emit(result)
        target = self._target
        if target is None:
            self._busy(
                False,
                self.tr("{pages} Seiten · {what}").format(pages=result.pages, what=result.document.summary),
            )
            self.preview_dialog = PdfPreviewDialog(result, self)
            self.preview_dialog.open()
            return
        self.status.setText(self.tr("Wird gespeichert …"))
        data = result.data

        def write() -> Path:
            return save_pdf(data, target)

        def written(path: Path) -> None:
            prefs.REPORTS_FOLDER.set(self.settings, str(path.parent))
            self._busy(
                False,
                self.tr("Gespeichert: {path} ({pages} Seiten · {what})").format(
                    path=path, pages=result.pages, what=result.document.summary
                ),
            )
            self.saved.emit(str(path))

        self.workers.background.run(write, written, self._worker_failed, owner=self)

    def _failed(self, message: str) -> None:
        self._busy(False, "")
        self._tell(message)

    def _tell(self, message: str) -> None:
        self.status.setText(message)
        self.problem.emit(message)
        warn(self, reports.KINDS[self.kind], message)

    def _busy(self, on: bool, text: str) -> None:
        self.preview_button.setEnabled(not on)
        self.save_button.setEnabled(not on)
        self.status.setText(text)
        if on:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()


def _nothing() -> None:
    pass


def open_report_dialog(
    kind: str,
    atlas: Atlas,
    settings: QSettings,
    parent: QWidget | None = None,
    preset: Mapping[str, Any] | None = None,
    *,
    workers: Workers,
) -> ReportDialog:
    """Open the dialog of one document (non-blocking) and return it.

    ``kind``: ``contact-list``, ``sign-in``, ``directory`` or ``network``. ``preset`` fills
    the options, e.g. ``{"round_table_id": 3}``, ``{"quarter_id": 2}``,
    ``{"contact_ids": [...], "selection_label": "Suche „Kita“"}``, ``{"meeting_id": 12}``,
    ``{"start": date, "end": date}``.
    """
    dialog = ReportDialog(kind, atlas, settings, parent, preset, workers=workers)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
