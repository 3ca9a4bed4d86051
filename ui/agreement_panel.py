"""Under an agreement's form: the named contact person of each side, and reviews held."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atlas.core import Atlas
from atlas.errors import AtlasError
from atlas.text import format_date
from ui.plain import plain_label, warn


class AgreementPanel(QWidget):
    def __init__(self, atlas: Atlas, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.agreement_id: int | None = None
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("parties")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Partner"), self.tr("Ansprechperson"), self.tr("Rolle")]
        )
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.hint = plain_label()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555;")
        self.review = QPushButton(self.tr("Abstimmung heute gehalten"))
        self.review.setToolTip(self.tr("Setzt die nächste Abstimmung nach dem Rhythmus der Vereinbarung"))
        self.review.clicked.connect(self.review_done)
        row = QHBoxLayout()
        row.addWidget(self.hint, 1)
        row.addWidget(self.review)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        title = plain_label(self.tr("Benannte Ansprechpersonen der Partner"))
        title.setStyleSheet("color: #555;")
        layout.addWidget(title)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.show_record(None)

    def is_dirty(self) -> bool:
        return False

    def show_record(self, record_id: object) -> None:
        self.agreement_id = record_id if isinstance(record_id, int) else None
        self.reload()

    def reload(self) -> None:
        self.table.setRowCount(0)
        self.review.setEnabled(self.agreement_id is not None)
        if self.agreement_id is None:
            self.hint.setText(self.tr("Partner werden oben im Formular gewählt und gespeichert."))
            return
        try:
            rows = self.atlas.network.parties(self.agreement_id)
        except AtlasError as err:
            self.hint.setText(str(err))
            return
        self.table.setRowCount(len(rows))
        for r, party in enumerate(rows):
            name = QTableWidgetItem(party.actor)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(r, 0, name)
            people = QComboBox()
            people.addItem(self.tr("— noch niemand benannt —"), None)
            for contact_id, person in party.people:
                people.addItem(person, contact_id)
            people.setCurrentIndex(max(people.findData(party.contact_id), 0))
            people.activated.connect(lambda _i, a=party.actor_id, row=r: self._save(a, row))
            self.table.setCellWidget(r, 1, people)
            role = QLineEdit(party.role)
            role.setPlaceholderText(self.tr("z. B. Referentenebene"))
            role.editingFinished.connect(lambda a=party.actor_id, row=r: self._save(a, row))
            self.table.setCellWidget(r, 2, role)
        record = self.atlas.records["agreement"].get(self.agreement_id)
        due = record.values.get("next_review")
        self.hint.setText(
            self.tr("Nächste Abstimmung: {d}").format(d=format_date(due))
            if due
            else self.tr("Keine Abstimmung geplant.")
        )

    def _save(self, actor_id: int, row: int) -> None:
        if self.agreement_id is None:
            return
        people = self.table.cellWidget(row, 1)
        role = self.table.cellWidget(row, 2)
        assert isinstance(people, QComboBox) and isinstance(role, QLineEdit)
        try:
            self.atlas.network.set_party(self.agreement_id, actor_id, people.currentData(), role.text())
        except AtlasError as err:
            warn(self, self.tr("Vereinbarung"), str(err))
            self.reload()

    def review_done(self) -> None:
        if self.agreement_id is None:
            return
        try:
            self.atlas.network.review_done(self.agreement_id)
        except AtlasError as err:
            warn(self, self.tr("Vereinbarung"), str(err))
        self.reload()
