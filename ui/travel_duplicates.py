"""After a copy was brought back: records it brought in that may already have been there
(issue 14: "the same guest added at the event and in the office is offered for merging").

``DuplicatesOffer`` lists the pairs ``TravelService.possible_duplicates`` found (the new
record from the copy, the one already in the office, the duplicate rule's reason) and
offers "Vergleichen und zusammenführen …" for the chosen pair: ``ui.flows.travel`` then
opens the office's record and the program's own duplicate question and merge dialog
(``ui.duplicate_dialog``), which keeps the office's record and puts the merge on the undo
stack. Every name is user data: list items and plain labels.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from atlas.i18n import _
from atlas.records import Candidate
from ui.plain import plain_label, tooltip_text

#: (kind, the new record's id, its title, the candidate already there)
Pair = tuple[str, int, str, Candidate]

_KIND = {"institution": _("Einrichtung"), "contact": _("Kontakt")}


def pair_text(kind: str, title: str, candidate: Candidate) -> str:
    """ "Kontakt „Aylin Yildirim“ aus der Kopie" and on a second line "vielleicht derselbe
    wie „Aylin Yıldırım“ (aylin@example.org) – gleiche E-Mail-Adresse"."""
    what = _KIND.get(kind, kind)
    same = _("vielleicht derselbe wie") if kind == "contact" else _("vielleicht dieselbe wie")
    return _("{what} „{title}“ aus der Kopie\n{same} {candidate}").format(
        what=what, title=title, same=same, candidate=candidate.describe()
    )


class DuplicatesOffer(QDialog):
    compare = Signal(str, int, int)  # kind, the new record's id, the office's record's id

    def __init__(self, pairs: Sequence[Pair], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("travelDuplicates")
        self.setWindowTitle(_("Mögliche Duplikate aus der Unterwegs-Kopie"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.pairs = list(pairs)
        intro = plain_label(
            _(
                "Die Kopie hat Einträge mitgebracht, die es im Büro vielleicht schon gibt (etwa "
                "dieselbe Person, unterwegs und im Büro neu eingetragen). Zum Vergleichen einen "
                "Eintrag wählen; beim Zusammenführen bleibt der Eintrag des Büros erhalten."
            ),
            wrap=True,
        )
        intro.setObjectName("travelDuplicatesIntro")
        self.list = QListWidget()
        self.list.setObjectName("travelDuplicatePairs")
        self.list.setAccessibleName(_("Mögliche Duplikate"))
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSpacing(2)
        for kind, _new_id, title, candidate in self.pairs:
            text = pair_text(kind, title, candidate)
            item = QListWidgetItem(text)  # plain text
            item.setToolTip(tooltip_text(text))
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _item: self._compare())
        self.compare_button = QPushButton(_("Vergleichen und zusammenführen …"))
        self.compare_button.setObjectName("compareDuplicate")
        self.compare_button.setDefault(True)
        self.compare_button.clicked.connect(self._compare)
        self.later_button = QPushButton(_("Später"))
        self.later_button.setObjectName("laterDuplicates")
        self.later_button.setAutoDefault(False)
        self.later_button.setToolTip(_("Später: „Bearbeiten → Mögliche Duplikate …“ beim Eintrag"))
        self.later_button.clicked.connect(self.reject)
        buttons = QDialogButtonBox()
        buttons.addButton(self.compare_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.later_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.setMinimumWidth(620)
        self.resize(720, min(480, 150 + 48 * len(self.pairs)))

    def _compare(self) -> None:
        kind, new_id, _title, candidate = self.pairs[max(self.list.currentRow(), 0)]
        self.accept()
        self.compare.emit(kind, new_id, candidate.id)
