"""Addresses to places in the window: geocoder settings, the batch with progress and
cancel, confirming ambiguous answers, importing quarter boundaries, re-assigning."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atlas.core import Atlas
from atlas.errors import AtlasError, ValidationError
from atlas.geo import BatchReport, GeocoderSettings, ImportReport, Outcome
from ui import settings as prefs
from ui.collector import holding_collections
from ui.plain import inform, plain_label, warn
from ui.progress import Ticket, run_with_progress
from ui.tasks import TaskRunner
from ui.widgets import cell
from ui.workers import Workers


def apply_saved_settings(atlas: Atlas, settings: QSettings) -> None:
    """At start: the geocoder the user chose (a broken entry falls back to the default)."""
    current = atlas.geocoding.settings
    chosen = GeocoderSettings(
        url=prefs.GEOCODER_URL.get(settings) or current.url,
        user_agent=prefs.GEOCODER_USER_AGENT.get(settings) or current.user_agent,
        provider=prefs.GEOCODER_PROVIDER.get(settings) or current.provider,
    )
    with contextlib.suppress(ValidationError):  # the defaults stay; the dialog shows what is wrong
        atlas.geocoding.configure(chosen)


class GeocoderSettingsDialog(QDialog):
    def __init__(self, atlas: Atlas, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.settings = settings
        self.setWindowTitle(self.tr("Geokodierung einstellen"))
        current = atlas.geocoding.settings
        self.url = QLineEdit(current.url)
        self.user_agent = QLineEdit(current.user_agent)
        self.provider = QComboBox()
        self.provider.addItem("Nominatim", "nominatim")
        self.provider.addItem("Photon", "photon")
        self.provider.setCurrentIndex(max(self.provider.findData(current.provider), 0))
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, label, widget in (
            ("url", self.tr("Adresse des Dienstes"), self.url),
            ("user_agent", self.tr("Kennung (User-Agent)"), self.user_agent),
            ("provider", self.tr("Art des Dienstes"), self.provider),
        ):
            error = plain_label()
            error.setStyleSheet("color: #b00020;")
            error.setWordWrap(True)
            error.hide()
            cell = QWidget()
            box = QVBoxLayout(cell)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(widget)
            box.addWidget(error)
            form.addRow(label, cell)
            self.errors[key] = error
        note = plain_label(
            self.tr(
                "Es werden nur Adressen von Einrichtungen gesendet, nie Daten von Personen. Öffentliche "
                "Nominatim-Server erlauben höchstens eine Anfrage pro Sekunde; das Programm hält sich daran "
                "und merkt sich jede Antwort."
            )
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def save(self) -> bool:
        chosen = GeocoderSettings(
            url=self.url.text(), user_agent=self.user_agent.text(), provider=str(self.provider.currentData())
        )
        for label in self.errors.values():
            label.hide()
        try:
            applied = self.atlas.geocoding.configure(chosen)
        except ValidationError as err:
            for key, message in err.errors.items():
                if key in self.errors:
                    self.errors[key].setText(message)
                    self.errors[key].show()
            return False
        prefs.GEOCODER_URL.set(self.settings, applied.url)
        prefs.GEOCODER_USER_AGENT.set(self.settings, applied.user_agent)
        prefs.GEOCODER_PROVIDER.set(self.settings, applied.provider)
        self.accept()
        return True


class BatchDialog(QDialog):
    """'Fehlende Koordinaten ermitteln': in the background, with progress, time left and cancel."""

    finished_report = Signal(object)

    def __init__(self, atlas: Atlas, parent: QWidget | None = None, *, workers: Workers) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.setWindowTitle(self.tr("Fehlende Koordinaten ermitteln"))
        self.report: BatchReport | None = None
        self._cancel = cancel = threading.Event()
        self.destroyed.connect(lambda _obj=None: cancel.set())  # a batch nobody can see stops
        self.workers = workers
        self.tasks = workers.background  # network: one request a second, the GUI never waits
        self._step = self.tasks.reporter(self._on_step, owner=self)
        missing = atlas.geocoding.missing_count()
        self.intro = plain_label(
            self.tr(
                "{n} Einrichtungen haben noch keine Koordinaten. Ihre Adressen werden nacheinander beim "
                "Geokodierungsdienst ({host}) nachgeschlagen – höchstens eine Anfrage pro Sekunde. "
                "Sie können währenddessen weiterarbeiten."
            ).format(n=missing, host=atlas.geocoding.settings.host)
        )
        self.intro.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, max(missing, 1))
        self.progress.setValue(0)
        self.eta = plain_label()
        self.summary = plain_label()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Einrichtung"), self.tr("Ergebnis"), self.tr("Adresse")]
        )
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.hide()
        self.start_button = QPushButton(self.tr("Starten"))
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.start_button.setEnabled(missing > 0)
        self.cancel_button = QPushButton(self.tr("Abbrechen"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.confirm_button = QPushButton(self.tr("Auswahl bestätigen …"))
        self.confirm_button.setToolTip(
            self.tr("Einen der gefundenen Orte für die markierte Einrichtung übernehmen")
        )
        self.confirm_button.clicked.connect(self.confirm_selected)
        self.confirm_button.hide()
        close = QPushButton(self.tr("Schließen"))
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.confirm_button)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.progress)
        layout.addWidget(self.eta)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(720, 420)

    def start(self) -> None:
        self._cancel.clear()
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.eta.setText(self.tr("Wird gestartet …"))
        geocoding = self.atlas.geocoding
        step = self._step
        cancelled = self.workers.cancelled(self._cancel)
        write = self.workers.database.call  # the answers are written in the database worker's order
        self.tasks.run(
            # a full collection on a worker holds the GIL 100-400 ms at 10k: none during the batch
            holding_collections(
                lambda: geocoding.geocode_missing(progress=step, cancelled=cancelled, write=write)
            ),
            self._done,
            self._failed,
            owner=self,
        )

    def cancel(self) -> None:
        self._cancel.set()
        self.cancel_button.setEnabled(False)
        self.eta.setText(self.tr("Wird abgebrochen … (die laufende Anfrage wird noch beendet)"))

    def _on_step(self, tried: int, total: int, left: float) -> None:
        """The bar shows the addresses tried (an unreachable server moves nothing)."""
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(tried)
        if tried < total and not self._cancel.is_set():
            minutes, seconds = divmod(round(left), 60)
            self.eta.setText(
                self.tr("{done} von {total} versucht · noch etwa {m} min {s} s").format(
                    done=tried, total=total, m=minutes, s=seconds
                )
            )

    def _done(self, report: BatchReport) -> None:
        self.report = report
        self.cancel_button.setEnabled(False)
        self.start_button.setEnabled(report.tried < report.total)  # e.g. once the network is back
        self.progress.setRange(0, max(report.total, 1))
        self.progress.setValue(report.tried)
        self.eta.setText("")
        self.summary.setText(report.summary())
        self._fill(report.outcomes)  # lists and map heard each applied answer from the service
        self.finished_report.emit(report)

    def _failed(self, error: BaseException) -> None:
        self.cancel_button.setEnabled(False)
        self.start_button.setEnabled(True)
        self.eta.setText("")
        warn(self, self.windowTitle(), str(error))

    def _fill(self, outcomes: tuple[Outcome, ...]) -> None:
        shown = [o for o in outcomes if o.status.value != "found"] or list(outcomes)
        self.table.setRowCount(len(shown))
        for r, outcome in enumerate(shown):
            for c, text in enumerate((outcome.name, outcome.message, outcome.query or "")):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setData(Qt.ItemDataRole.UserRole, outcome)
                self.table.setItem(r, c, item)
        self.table.resizeColumnToContents(0)
        self.table.setVisible(bool(shown))
        self.confirm_button.setVisible(any(o.status.needs_confirmation for o in shown))

    def confirm_selected(self, choice: int | None = None) -> bool:
        row = self.table.currentRow()
        if row < 0:
            inform(self, self.windowTitle(), self.tr("Bitte zuerst eine Zeile markieren."))
            return False
        outcome = cell(self.table, row, 0).data(Qt.ItemDataRole.UserRole)
        if not outcome.candidates:
            return False
        if choice is None:
            dialog = QDialog(self)
            dialog.setWindowTitle(self.tr("Ort bestätigen"))
            combo = QComboBox()
            for candidate in outcome.candidates:
                combo.addItem(candidate.display_name or f"{candidate.lat:.5f}, {candidate.lon:.5f}")
            box = QDialogButtonBox(
                QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
            )
            box.accepted.connect(dialog.accept)
            box.rejected.connect(dialog.reject)
            layout = QVBoxLayout(dialog)
            layout.addWidget(plain_label(self.tr("Welcher Ort ist „{name}“?").format(name=outcome.name)))
            layout.addWidget(combo)
            layout.addWidget(box)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            choice = combo.currentIndex()
        candidate = outcome.candidates[choice]
        try:
            result = self.atlas.geocoding.confirm(outcome.institution_id, candidate.lat, candidate.lon)
        except AtlasError as err:
            warn(self, self.windowTitle(), str(err))
            return False
        cell(self.table, row, 1).setText(result.message)
        return True


class QuarterImportDialog(QDialog):
    """Quarter boundaries from a GeoJSON file: choose the file and the name property.

    With a ``runner`` (the window's database worker) the import runs there behind a progress
    dialog with "Abbrechen"; without one (a script, a test of the dialog alone) it runs here."""

    def __init__(
        self,
        atlas: Atlas,
        parent: QWidget | None = None,
        path: str | None = None,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.runner = runner
        self.setWindowTitle(self.tr("Quartiersgrenzen importieren"))
        self.path = QLineEdit(path or "")
        self.path.setReadOnly(True)
        choose = QPushButton(self.tr("Datei wählen …"))
        choose.clicked.connect(self.choose)
        self.name_property = QComboBox()
        self.replace = QCheckBox(self.tr("Quartiere, die nicht in der Datei stehen, löschen"))
        self.message = plain_label()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(choose)
        form = QFormLayout()
        form.addRow(self.tr("GeoJSON-Datei"), row)
        form.addRow(self.tr("Name steht in"), self.name_property)
        form.addRow("", self.replace)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton(
            self.tr("Importieren"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setEnabled(False)
        self.buttons.accepted.connect(self.run_import)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(600, self.sizeHint().height())
        if path:
            self.load(path)

    def choose(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, self.windowTitle(), "", self.tr("GeoJSON (*.geojson *.json);;Alle Dateien (*)")
        )
        if chosen:
            self.load(chosen)

    def load(self, path: str) -> bool:
        self.path.setText(path)
        self.name_property.clear()
        try:
            properties = self.atlas.boundaries.property_names(Path(path))
        except AtlasError as err:
            self.message.setText(str(err))
            self.import_button.setEnabled(False)
            return False
        for info in properties:
            label = info.name + (f" (z. B. {', '.join(info.examples[:3])})" if info.examples else "")
            self.name_property.addItem(label, info.name)
        preferred = next((i for i, p in enumerate(properties) if p.complete and p.unique), 0)
        self.name_property.setCurrentIndex(preferred)
        self.message.setText(
            self.tr(
                "Die Datei wird vor dem Import vollständig geprüft; bei einem Fehler wird nichts übernommen."
            )
        )
        self.import_button.setEnabled(bool(properties))
        return bool(properties)

    def run_import(self) -> bool:
        boundaries, source = self.atlas.boundaries, Path(self.path.text())
        name_property, replace = str(self.name_property.currentData()), self.replace.isChecked()

        def work(ticket: Ticket) -> ImportReport:
            return boundaries.import_geojson(
                source, name_property, replace=replace, progress=ticket.progress, cancelled=ticket.cancelled
            )

        try:
            if self.runner is None:
                report = work(Ticket())
            else:
                report = run_with_progress(
                    self.runner,
                    work,
                    self,
                    self.windowTitle(),
                    self.tr("„{file}“ wird importiert …").format(file=source.name),
                )
        except AtlasError as err:  # also a cancel: "Abgebrochen – nichts wurde geändert."
            self.message.setText(str(err))
            return False
        self.message.setText(report.summary())
        inform(self, self.windowTitle(), report.summary())
        self.accept()
        return True


def reassign_all(atlas: Atlas, parent: QWidget) -> str:
    """Put every institution into the quarter its pin lies in; say how many moved."""
    try:
        report = atlas.boundaries.reassign_all()
    except AtlasError as err:
        warn(parent, parent.tr("Quartiere zuordnen"), str(err))
        return str(err)
    inform(parent, parent.tr("Quartiere zuordnen"), report.summary())
    return report.summary()
