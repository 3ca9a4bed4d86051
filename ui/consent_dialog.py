"""Datenschutz → Einwilligungen prüfen / Löschfristen prüfen: the two review lists of
:mod:`atlas.records.consent`, with their shared periods. A row opens its contact (click, Enter or
"Öffnen"); the retention list also keeps a record (a dated note) or hands it to the Art. 17
erasure of the main window. Nothing is deleted here without that question."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from atlas.core import Atlas
from atlas.errors import AtlasError
from atlas.records import ReviewRow
from atlas.text import format_date
from ui.plain import warn

CONSENT, RETENTION = "consent", "retention"


class ReviewPage(QWidget):
    """One list: the period, the contacts, and what can be done with the selected one."""

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.rows: list[ReviewRow] = []
        self.period = QSpinBox()
        self.period.setObjectName(f"{kind}Period")
        self.period.setRange(1, 240)
        self.period.setSuffix(self.tr(" Monate"))
        self.period.setKeyboardTracking(False)  # typed "36" is one change, not "3" then "36"
        intro = QLabel(
            self.tr("Einwilligung fehlt (unbekannt, abgelehnt) oder ist älter als")
            if kind == CONSENT
            else self.tr("Keine Teilnahme, keine Änderung und keine gültige Vereinbarung seit")
        )
        intro.setBuddy(self.period)
        top = QHBoxLayout()
        top.addWidget(intro)
        top.addWidget(self.period)
        top.addStretch(1)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName(f"{kind}List")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Name"),
                self.tr("Einrichtung"),
                self.tr("Einwilligung"),
                self.tr("Einwilligung am") if kind == CONSENT else self.tr("Zuletzt aktiv"),
                self.tr("Grund"),
            ]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.count = QLabel()
        self.count.setObjectName(f"{kind}Count")
        self.open_button = QPushButton(self.tr("Kontakt &öffnen"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        self.keep_button: QPushButton | None = None
        self.erase_button: QPushButton | None = None
        if kind == RETENTION:
            self.keep_button = QPushButton(self.tr("&Behalten (geprüft)"))
            self.keep_button.setToolTip(
                self.tr(
                    "Vermerkt in den Notizen, dass die Daten weiter gebraucht werden (mit Datum und Namen)."
                )
            )
            self.erase_button = QPushButton(self.tr("Löschen nach Art. &17 …"))
            buttons.addWidget(self.keep_button)
            buttons.addWidget(self.erase_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def fill(self, rows: list[ReviewRow]) -> None:
        keep = self.selected()
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(
                (
                    row.name,
                    row.institution,
                    row.state,
                    format_date(row.since) if row.since else "",
                    row.reason,
                )
            ):
                item = QTableWidgetItem(text)  # plain text: names are data, never markup
                item.setToolTip(text)
                item.setData(Qt.ItemDataRole.UserRole, row.contact_id)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        for c in range(4):
            self.table.setColumnWidth(c, min(self.table.columnWidth(c) + 12, 220))
        self.count.setText(self.tr("{n} Kontakt(e)").format(n=len(rows)))
        if rows:
            index = next((i for i, row in enumerate(rows) if keep and row.contact_id == keep.contact_id), 0)
            self.table.selectRow(index)
        for button in (self.open_button, self.keep_button, self.erase_button):
            if button is not None:
                button.setEnabled(bool(rows))

    def selected(self) -> ReviewRow | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            return None
        return self.rows[index.row()] if index.row() < len(self.rows) else None


class ConsentReviewDialog(QDialog):
    """Both review lists in tabs; ``openContact``/``eraseContact`` go to the main window."""

    openContact = Signal(int)
    eraseContact = Signal(int)

    def __init__(
        self, atlas: Atlas, user: Callable[[], str], start: str = CONSENT, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("consentReview")
        self.setWindowTitle(self.tr("Datenschutz: Einwilligungen und Löschfristen prüfen"))
        self.atlas = atlas
        self.user = user
        self.tabs = QTabWidget()
        self.pages = {CONSENT: ReviewPage(CONSENT), RETENTION: ReviewPage(RETENTION)}
        self.tabs.addTab(self.pages[CONSENT], self.tr("Einwilligungen prüfen"))
        self.tabs.addTab(self.pages[RETENTION], self.tr("Löschfristen"))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(close)
        for page in self.pages.values():
            page.open_button.clicked.connect(lambda _c=False, p=page: self._open(p))
            page.table.activated.connect(lambda _i, p=page: self._open(p))  # Enter, double-click
            page.period.valueChanged.connect(self._period_changed)
        keep, erase = self.pages[RETENTION].keep_button, self.pages[RETENTION].erase_button
        assert keep is not None and erase is not None
        keep.clicked.connect(self.keep)
        erase.clicked.connect(self.erase)
        self.resize(900, 480)
        self.refresh()
        self.show_list(start)

    def show_list(self, kind: str) -> None:
        self.tabs.setCurrentWidget(self.pages[kind])
        self.pages[kind].table.setFocus()

    def refresh(self) -> None:
        periods = self.atlas.consent.periods()
        for kind, months in ((CONSENT, periods.review_months), (RETENTION, periods.retention_months)):
            spin = self.pages[kind].period
            spin.blockSignals(True)
            spin.setValue(months)
            spin.blockSignals(False)
        self.pages[CONSENT].fill(self.atlas.consent.to_review())
        self.pages[RETENTION].fill(self.atlas.consent.retention_due())

    def _period_changed(self) -> None:
        try:
            self.atlas.consent.set_periods(
                self.pages[CONSENT].period.value(), self.pages[RETENTION].period.value()
            )
        except AtlasError as err:
            warn(self, self.windowTitle(), str(err))
        self.refresh()

    def _open(self, page: ReviewPage) -> None:
        row = page.selected()
        if row is not None:
            self.openContact.emit(row.contact_id)

    def keep(self) -> bool:
        row = self.pages[RETENTION].selected()
        if row is None:
            return False
        try:
            self.atlas.consent.keep(row.contact_id, self.user(), expected_version=row.version)
        except AtlasError as err:
            warn(self, self.windowTitle(), str(err))
            self.refresh()
            return False
        self.refresh()
        return True

    def erase(self) -> None:
        row = self.pages[RETENTION].selected()
        if row is not None:
            self.eraseContact.emit(row.contact_id)
            self.refresh()
