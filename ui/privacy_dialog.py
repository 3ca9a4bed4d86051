"""The question before an erasure under Art. 17: who, what cannot be undone, and every
place in other records that names the person (replaced by "[gelöscht]")."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atlas.core import Atlas
from atlas.errors import AtlasError
from atlas.i18n import _
from atlas.records import PLACEHOLDER, Mention
from ui.plain import warn


def _plain_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names are user data
    label.setWordWrap(True)
    return label


class ErasureDialog(QDialog):
    """Asks before erasing; lists the mentions (where, record, field, excerpt)."""

    COLUMNS = (_("Bereich"), _("Eintrag"), _("Feld"), _("Auszug"))

    def __init__(self, parent: QWidget | None, name: str, mentions: Sequence[Mention]) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Person endgültig löschen"))
        layout = QVBoxLayout(self)
        self.question = _plain_label(
            _(
                "„{name}“ nach Art. 17 DSGVO endgültig löschen?\n\nDas kann nicht rückgängig gemacht werden. "
                "Teilnahmen an Treffen bleiben ohne Namen in den Zahlen; ältere Sicherungskopien der "
                "Datenbank werden ebenfalls gelöscht."
            ).format(name=name)
        )
        layout.addWidget(self.question)
        if len(mentions) == 1:
            intro = _(
                "Die Person wird an einer Stelle in einem anderen Eintrag genannt. Sie wird durch „{marker}“ ersetzt:"
            ).format(marker=PLACEHOLDER)
        elif mentions:
            intro = _(
                "Die Person wird an {n} Stellen in anderen Einträgen genannt. Diese Stellen werden durch "
                "„{marker}“ ersetzt:"
            ).format(n=len(mentions), marker=PLACEHOLDER)
        else:
            intro = _("In anderen Einträgen wird die Person nicht genannt.")
        self.intro = _plain_label(intro)
        layout.addWidget(self.intro)
        self.table = QTableWidget(len(mentions), len(self.COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        for row, mention in enumerate(mentions):
            for col, value in enumerate((mention.where, mention.title, mention.field, mention.excerpt)):
                item = QTableWidgetItem(value)  # item text is plain text
                self.table.setItem(row, col, item)
        header = self.table.horizontalHeader()
        for col in range(3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setVisible(bool(mentions))
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(self)
        self.erase_button = QPushButton(_("Endgültig löschen"))
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.erase_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.erase_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)  # Enter does not erase
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(900, 480 if mentions else 200)

    def ask(self) -> bool:
        """Show it; True if the user chose to erase."""
        return self.exec() == QDialog.DialogCode.Accepted.value


def edit_controller(parent: QWidget, atlas: Atlas) -> bool:
    """Enter who is responsible for the data (Art. 4 Nr. 7 DSGVO); every Art. 15 report
    names it. True if it was saved."""
    text, ok = QInputDialog.getMultiLineText(
        parent,
        _("Verantwortliche Stelle"),
        _(
            "Verantwortlich für die Daten (Art. 4 Nr. 7 DSGVO): Name und Anschrift der Organisation, "
            "Kontakt, ggf. Datenschutzbeauftragte/r. Steht in jeder Auskunft nach Art. 15."
        ),
        atlas.privacy.controller(),
    )
    if not ok:
        return False
    try:
        atlas.privacy.set_controller(text)
    except AtlasError as err:
        warn(parent, _("Datenschutz"), str(err))
        return False
    return True
