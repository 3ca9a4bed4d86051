"""Possible duplicates: the question when saving ("Mögliches Duplikat") and the merge of two
records field by field. Both are window-modal and open with ``open()``: no nested event
loop, and a person (or a test) clicks their buttons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from atlas.core import Atlas
from atlas.errors import AtlasError, ValidationError
from atlas.i18n import _
from atlas.records import Candidate, EntitySpec, Field, Kind, MergedRecords, RecordData
from atlas.text import format_date, format_datetime
from ui.plain import menu_text, plain_label, tooltip_text, warn


def _plain(text: str = "") -> QLabel:
    label = plain_label(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # user data is never rich text
    label.setWordWrap(True)
    return label


class DuplicateDialog(QDialog):
    """'Mögliches Duplikat': the stored records the rule found, and what to do."""

    CREATE, OPEN, MERGE = "create", "open", "merge"
    chosen = Signal(str, object)  # one of CREATE/OPEN/MERGE, the chosen Candidate

    def __init__(
        self,
        spec: EntitySpec,
        candidates: Sequence[Candidate],
        new: bool,
        parent: QWidget | None = None,
        stored: bool = False,
    ) -> None:
        """``stored``: asked for a saved record (Bearbeiten → Mögliche Duplikate), so
        there is nothing to create; merging keeps the record shown."""
        super().__init__(parent)
        self.setObjectName("duplicateDialog")
        self.setWindowTitle(self.tr("Mögliches Duplikat"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.candidates = list(candidates)
        intro = _plain(
            self.tr("Diese Einträge könnten dieselben sein:")
            if stored
            else self.tr("Möglicherweise gibt es diese Einrichtung schon:")
            if spec.key == "institution"
            else self.tr("Möglicherweise gibt es diesen Kontakt schon:")
        )
        self.list = QListWidget()
        self.list.setObjectName("candidates")
        self.list.setAccessibleName(self.tr("Mögliche Duplikate"))
        for candidate in self.candidates:
            item = QListWidgetItem(candidate.describe())
            item.setToolTip(tooltip_text(candidate.describe()))
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.setMaximumHeight(max(60, min(6, len(self.candidates)) * 26 + 8))

        self.create_button = QPushButton(
            self.tr("Trotzdem anlegen") if new else self.tr("Trotzdem speichern")
        )
        self.create_button.setObjectName("createAnyway")
        self.open_button = QPushButton(self.tr("Vorhandenen öffnen"))
        self.open_button.setObjectName("openExisting")
        self.open_button.setToolTip(
            self.tr("Zeigt den vorhandenen Eintrag; die Eingaben hier werden verworfen.")
        )
        self.merge_button = QPushButton(self.tr("Zusammenführen …"))
        self.merge_button.setObjectName("merge")
        self.merge_button.setToolTip(self.tr("Beide Einträge Feld für Feld vergleichen und zu einem machen"))
        self.merge_button.setDefault(True)
        buttons = QDialogButtonBox()
        buttons.addButton(self.merge_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        if stored:  # a saved record: nothing to create
            self.create_button.setParent(self)
            self.create_button.hide()
        else:
            buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        self.create_button.clicked.connect(lambda: self._choose(self.CREATE))
        self.open_button.clicked.connect(lambda: self._choose(self.OPEN))
        self.merge_button.clicked.connect(lambda: self._choose(self.MERGE))

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def current(self) -> Candidate:
        return self.candidates[max(self.list.currentRow(), 0)]

    def _choose(self, what: str) -> None:
        candidate = self.current()
        self.accept()
        self.chosen.emit(what, candidate)


def shown_as_in_form(f: Field, value: Any, names: Mapping[str, Mapping[Any, str]]) -> str:
    """A stored value as the form shows it (plain text)."""
    if value is None or value == "" or value == []:
        return "—"
    if f.kind is Kind.BOOL:
        return _("ja") if value else _("nein")
    if f.kind in (Kind.TERM, Kind.REF, Kind.CHOICE):
        return names.get(f.name, {}).get(value, str(value))
    if f.kind in (Kind.TERMS, Kind.REFS):
        return ", ".join(names.get(f.name, {}).get(v, str(v)) for v in value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".").replace(".", ",")
    text = str(value)
    return text if len(text) <= 300 else text[:300] + " …"


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


class MergeDialog(QDialog):
    """Two records side by side; per differing field a choice; 'Zusammenführen' keeps the
    left one (the stored duplicate) with the chosen values and moves what points at the
    right one to it (``atlas.records.merging``)."""

    merged = Signal(object)  # MergedRecords

    def __init__(
        self,
        atlas: Atlas,
        spec: EntitySpec,
        keep: RecordData,
        other: RecordData,
        other_saved: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mergeDialog")
        self.setWindowTitle(self.tr("Zusammenführen: {what}").format(what=spec.singular))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.atlas = atlas
        self.spec = spec
        self.keep = keep
        self.other = other
        self.other_saved = other_saved
        self.groups: dict[str, QButtonGroup] = {}
        self.radios: dict[str, tuple[QRadioButton, QRadioButton]] = {}
        names = self._names()

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        left_title = _plain(self.tr("Behalten: {title}").format(title=keep.title or spec.singular))
        right_title = _plain(
            self.tr("Übernehmen aus: {title}").format(title=other.title or spec.singular)
            if other_saved
            else self.tr("Ihre Eingaben: {title}").format(title=other.title or spec.singular)
        )
        for label in (left_title, right_title):
            label.setStyleSheet("font-weight: 600;")
        grid.addWidget(left_title, 0, 1)
        grid.addWidget(right_title, 0, 2)
        row = 1
        for f in spec.fields:
            a, b = keep.values.get(f.name), other.values.get(f.name)
            if _empty(a) and _empty(b):
                continue
            label = _plain(f.label)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(label, row, 0)
            if a == b or (f.kind in (Kind.TERMS, Kind.REFS) and sorted(a or []) == sorted(b or [])):
                same = _plain(_("{value}   (gleich)").format(value=shown_as_in_form(f, a, names)))
                same.setStyleSheet("color: #444;")
                same.setContentsMargins(22, 0, 0, 0)  # under the texts of the radio buttons
                grid.addWidget(same, row, 1, 1, 2)
            else:
                group = QButtonGroup(self)
                shown = (shown_as_in_form(f, a, names), shown_as_in_form(f, b, names))
                left = QRadioButton(menu_text(shown[0]))
                right = QRadioButton(menu_text(shown[1]))
                for n, radio in enumerate((left, right)):
                    radio.setObjectName(f"{'keep' if n == 0 else 'other'}_{f.name}")
                    radio.setAccessibleName(f"{f.label}: {shown[n]}")
                    radio.setToolTip(tooltip_text(shown[n]))
                    group.addButton(radio, n)
                # The stored value, unless it is empty and the other one is not.
                (right if _empty(a) else left).setChecked(True)
                grid.addWidget(left, row, 1)
                grid.addWidget(right, row, 2)
                self.groups[f.name] = group
                self.radios[f.name] = (left, right)
            row += 1
        body = QWidget()
        body.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        note_text = self.tr("Bitte je Feld den Wert wählen, der bleiben soll.")
        if other_saved:
            moved = atlas.merging.references(spec.key, other.id)
            note_text += " " + self.tr("„{title}“ wird danach gelöscht.").format(title=other.title)
            if moved:
                note_text += " " + self.tr("Übernommen werden: {what}.").format(what=", ".join(moved))
        note_text += " " + self.tr("Rückgängig mit Strg+Z.")
        self.note = _plain(note_text)

        self.merge_button = QPushButton(self.tr("Zusammenführen"))
        self.merge_button.setObjectName("mergeNow")
        self.merge_button.setDefault(True)
        buttons = QDialogButtonBox()
        buttons.addButton(self.merge_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        self.merge_button.clicked.connect(self.merge)

        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.resize(760, min(620, 150 + 34 * row))

    def _names(self) -> dict[str, dict[Any, str]]:
        """Display names of term, reference and choice values, per field."""
        names: dict[str, dict[Any, str]] = {}
        for f in self.spec.fields:
            if f.vocabulary is not None:
                names[f.name] = {t.id: t.name for t in self.atlas.taxonomy.terms(f.vocabulary)}
            elif f.ref:
                names[f.name] = dict(self.atlas.records[f.ref].choices())
            elif f.choices:
                names[f.name] = dict(f.choices)
        return names

    def values(self) -> dict[str, Any]:
        """Every field's chosen value (the kept record's where both agree)."""
        chosen = dict(self.keep.values)
        for name, group in self.groups.items():
            if group.checkedId() == 1:
                chosen[name] = self.other.values.get(name)
        return chosen

    def merge(self) -> None:
        try:
            result: MergedRecords = self.atlas.merging.merge(
                self.spec.key, self.keep, self.other if self.other_saved else None, self.values()
            )
        except ValidationError as err:
            warn(self, self.windowTitle(), str(err))
            return
        except AtlasError as err:
            warn(self, self.windowTitle(), str(err))
            self.reject()
            return
        self.accept()
        self.merged.emit(result)
