"""Edit the taxonomies: categories, target groups, sectors."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from atlas.core import Atlas
from atlas.errors import AtlasError
from atlas.models import Vocabulary
from atlas.records import VOCABULARY_LABELS
from ui.plain import ask, warn


class VocabularyPage(QWidget):
    def __init__(self, atlas: Atlas, vocabulary: Vocabulary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.vocabulary = vocabulary
        self.list = QListWidget()
        self.list.setObjectName(f"terms_{vocabulary.value}")
        add = QPushButton(self.tr("Hinzufügen …"))
        rename = QPushButton(self.tr("Umbenennen …"))
        remove = QPushButton(self.tr("Entfernen …"))
        add.clicked.connect(self.add)
        rename.clicked.connect(self.rename)
        remove.clicked.connect(self.remove)
        self.list.itemDoubleClicked.connect(lambda _item: self.rename())
        buttons = QVBoxLayout()
        for b in (add, rename, remove):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        for term in self.atlas.taxonomy.terms(self.vocabulary):
            item = QListWidgetItem(f"{term.name}  ({term.usage})")
            item.setData(Qt.ItemDataRole.UserRole, (term.id, term.name, term.color, term.usage, term.version))
            self.list.addItem(item)

    def _selected(self) -> tuple[int, str, str | None, int, int] | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def add(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("Neuer Eintrag"), self.tr("Name:"))
        if ok:
            self._save(None, name, None, None)

    def rename(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        name, ok = QInputDialog.getText(self, self.tr("Umbenennen"), self.tr("Neuer Name:"), text=selected[1])
        if ok:
            # saved over the version shown: a rename made meanwhile elsewhere is not overwritten
            self._save(selected[0], name, selected[2], selected[4])

    def _save(self, term_id: int | None, name: str, color: str | None, version: int | None) -> None:
        try:
            self.atlas.taxonomy.save(self.vocabulary, term_id, name, color, expected_version=version)
        except AtlasError as err:
            warn(self, self.tr("Nicht gespeichert"), str(err))
        self.reload()

    def remove(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        term_id, name, _color, usage, version = selected
        text = self.tr("„{name}“ entfernen?").format(name=name)
        if usage:
            text += "\n" + self.tr("{n} Einträge verwenden ihn; dort wird das Feld leer.").format(n=usage)
        if (
            ask(
                self,
                self.tr("Entfernen"),
                text,
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            )
            == QMessageBox.StandardButton.Yes
        ):
            try:
                self.atlas.taxonomy.delete(term_id, expected_version=version)
            except AtlasError as err:
                warn(self, self.tr("Nicht entfernt"), str(err))
            self.reload()


class TaxonomyDialog(QDialog):
    def __init__(self, atlas: Atlas, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Kategorien, Zielgruppen, Sektoren"))
        self.resize(560, 420)
        tabs = QTabWidget()
        for vocabulary in Vocabulary:
            tabs.addTab(VocabularyPage(atlas, vocabulary), VOCABULARY_LABELS[vocabulary])
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(box)
