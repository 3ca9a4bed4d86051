"""Datei → "Für unterwegs mitnehmen …": which part travels and where the copy goes (issue 14).

The dialog only asks; ``ui.flows.travel`` writes the copy on a worker. "Alles" is the
default; "Nur ausgewählte" enables two checkable lists (quarters, round tables), whose
names the flow read on the database worker before the dialog opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from atlas.i18n import _
from atlas.travel import Scope
from ui.plain import plain_label

#: The suffix of a copy's file (an SQLite database, opened by the same program).
SUFFIX = ".sqlite"


class TakeDialog(QDialog):
    def __init__(
        self,
        quarters: Sequence[str],
        round_tables: Sequence[str],
        target: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("travelTake")
        self.setWindowTitle(_("Für unterwegs mitnehmen"))
        intro = plain_label(
            _(
                "Eine Kopie der Datenbank für den Laptop (eine Datei). Sie öffnet sich im selben "
                "Programm und funktioniert ohne Netz; zurück im Büro führt „Datei → Unterwegs-Kopie "
                "zurückführen …“ alles zusammen, was unterwegs geändert wurde."
            ),
            wrap=True,
        )
        self.everything = QRadioButton(_("Alles mitnehmen"))
        self.everything.setObjectName("takeEverything")
        self.some = QRadioButton(_("Nur ausgewählte Quartiere und Runde Tische (Personen nur von diesen):"))
        self.some.setObjectName("takeSome")
        group = QButtonGroup(self)
        group.addButton(self.everything)
        group.addButton(self.some)
        self.everything.setChecked(True)
        self.quarters = self._list("takeQuarters", quarters)
        self.round_tables = self._list("takeRoundTables", round_tables)
        lists = QGridLayout()
        lists.addWidget(plain_label(_("Quartiere")), 0, 0)
        lists.addWidget(plain_label(_("Runde Tische")), 0, 1)
        lists.addWidget(self.quarters, 1, 0)
        lists.addWidget(self.round_tables, 1, 1)
        lists.setContentsMargins(24, 0, 0, 0)
        self.some.toggled.connect(self._scope_changed)
        self._scope_changed(False)

        self.target = QLineEdit(str(target))
        self.target.setObjectName("takeTarget")
        self.target.setAccessibleName(_("Datei der Kopie"))
        self.target.textChanged.connect(self._check)
        self.choose = QPushButton(_("Datei wählen …"))
        self.choose.setObjectName("takeChoose")
        self.choose.setAutoDefault(False)
        self.choose.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(plain_label(_("Datei:")))
        file_row.addWidget(self.target, 1)
        file_row.addWidget(self.choose)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(_("Mitnehmen"))
        self.ok.setObjectName("takeOk")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Abbrechen"))
        self.buttons.accepted.connect(self._accept_if_chosen)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addWidget(self.everything)
        layout.addWidget(self.some)
        layout.addLayout(lists, 1)
        layout.addSpacing(6)
        layout.addLayout(file_row)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(620)
        self.resize(720, 460)
        self._check()

    def _list(self, name: str, names: Sequence[str]) -> QListWidget:
        widget = QListWidget()
        widget.setObjectName(name)
        for text in names:
            item = QListWidgetItem(text)  # a name is user data: an item shows it as plain text
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            widget.addItem(item)
        widget.itemChanged.connect(lambda _item: self._check())
        return widget

    def _scope_changed(self, some: bool) -> None:
        self.quarters.setEnabled(some)
        self.round_tables.setEnabled(some)
        if hasattr(self, "ok"):
            self._check()

    @staticmethod
    def _checked(widget: QListWidget) -> tuple[str, ...]:
        items = (widget.item(row) for row in range(widget.count()))
        return tuple(item.text() for item in items if item.checkState() == Qt.CheckState.Checked)

    def scope(self) -> Scope:
        if self.everything.isChecked():
            return Scope()
        return Scope(quarters=self._checked(self.quarters), round_tables=self._checked(self.round_tables))

    def path(self) -> Path:
        text = self.target.text().strip()
        path = Path(text)
        return path if path.suffix else path.with_name(path.name + SUFFIX)

    def choose_file(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self,
            _("Unterwegs-Kopie speichern"),
            self.target.text(),
            _("Stadtteil-Atlas-Datenbank (*.sqlite)"),
        )
        if chosen:
            self.target.setText(chosen)

    def _check(self) -> None:
        chosen = bool(self.target.text().strip())
        if self.some.isChecked():
            chosen = chosen and not self.scope().everything
        self.ok.setEnabled(chosen)

    def _accept_if_chosen(self) -> None:
        if self.ok.isEnabled():
            self.accept()
