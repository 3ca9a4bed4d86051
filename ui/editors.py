"""One editor widget per field kind, each with ``value()`` / ``set_value()``."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from atlas.records import Field, Kind
from atlas.text import format_date, format_datetime

NONE_LABEL = "—"


class Editor(QWidget):
    """Base: a widget that edits one field and says when it changed."""

    edited = Signal()

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def focus_widget(self) -> QWidget:
        return self

    def set_choices(self, choices: list[tuple[Any, str]]) -> None:
        """Only pickers have choices."""


class LineEditor(Editor):
    PLACEHOLDERS: ClassVar[dict[Kind, str]] = {
        Kind.DATE: "TT.MM.JJJJ",
        Kind.DATETIME: "TT.MM.JJJJ HH:MM",
        Kind.POSTCODE: "z. B. 46045",
        Kind.EMAIL: "name@beispiel.de",
        Kind.PHONE: "z. B. 0208 12345-0",
        Kind.LAT: "z. B. 51,4700",
        Kind.LON: "z. B. 6,8500",
        Kind.COLOR: "#RRGGBB",
        Kind.URL: "www.beispiel.de",
    }

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(field.hint or self.PLACEHOLDERS.get(field.kind, ""))
        if field.max_len:
            self.edit.setMaxLength(field.max_len + 50)  # over-long input gets a message, not a cut
        self.edit.textEdited.connect(self.edited)
        self._layout.addWidget(self.edit)

    def value(self) -> Any:
        return self.edit.text()

    def set_value(self, value: Any) -> None:
        if value is None:
            text = ""
        elif isinstance(value, dt.datetime):
            text = format_datetime(value)
        elif isinstance(value, dt.date):
            text = format_date(value)
        elif isinstance(value, float):
            text = f"{value:.6f}".rstrip("0").rstrip(".").replace(".", ",")
        else:
            text = str(value)
        self.edit.setText(text)
        self.edit.setCursorPosition(0)  # a long value shows its beginning, not its end

    def focus_widget(self) -> QWidget:
        return self.edit


class TextEditor(Editor):
    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit = QPlainTextEdit()
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(72 if field.kind is Kind.MULTILINE else 96)
        if field.hint:
            self.edit.setPlaceholderText(field.hint)
        self.edit.textChanged.connect(self.edited)
        self._layout.addWidget(self.edit)

    def value(self) -> Any:
        return self.edit.toPlainText()

    def set_value(self, value: Any) -> None:
        self.edit.blockSignals(True)
        self.edit.setPlainText("" if value is None else str(value))
        self.edit.blockSignals(False)

    def focus_widget(self) -> QWidget:
        return self.edit


class BoolEditor(Editor):
    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.box = QCheckBox(field.label)
        self.box.toggled.connect(self.edited)
        self._layout.addWidget(self.box)

    def value(self) -> Any:
        return self.box.isChecked()

    def set_value(self, value: Any) -> None:
        self.box.blockSignals(True)
        self.box.setChecked(bool(value))
        self.box.blockSignals(False)

    def focus_widget(self) -> QWidget:
        return self.box


class ChoiceEditor(Editor):
    """A combo box over (value, label) pairs; searchable when the list is long."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.combo = QComboBox()
        self.combo.setEditable(field.kind is Kind.REF)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.setMinimumContentsLength(8)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        if self.combo.isEditable():
            completer = self.combo.completer()
            assert completer is not None  # an editable combo box has one
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.combo.currentIndexChanged.connect(self._changed)
        self._layout.addWidget(self.combo)
        self._loading = False
        if field.choices:
            self.set_choices(list(field.choices))

    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    def set_choices(self, choices: list[tuple[Any, str]]) -> None:
        current = self.value()
        self._loading = True
        self.combo.clear()
        if not self.field.required or self.field.kind is not Kind.CHOICE:
            self.combo.addItem(NONE_LABEL, None)
        for value, label in choices:
            self.combo.addItem(label, value)
        self._loading = False
        self.set_value(current)

    def value(self) -> Any:
        if self.combo.isEditable() and self.combo.currentText() != self.combo.itemText(
            self.combo.currentIndex()
        ):
            text = self.combo.currentText().strip()
            if not text:
                return None
            found = self.combo.findText(text, Qt.MatchFlag.MatchFixedString)
            return self.combo.itemData(found) if found >= 0 else ValueError(text)
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        self._loading = True
        index = self.combo.findData(value) if value is not None else 0
        self.combo.setCurrentIndex(max(index, 0))
        line_edit = self.combo.lineEdit()
        if line_edit is not None:
            line_edit.setCursorPosition(0)  # "Gesamtschule am …", not "… am Förderturm"
        self._loading = False

    def focus_widget(self) -> QWidget:
        return self.combo


class MultiEditor(Editor):
    """A list of check boxes with a filter line: target groups, members, partners."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filtern …")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.list = QListWidget()
        self.list.setFixedHeight(110)
        self.list.itemChanged.connect(self._changed)
        self._layout.addWidget(self.filter)
        self._layout.addWidget(self.list)
        self._loading = False

    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    def _apply_filter(self, text: str) -> None:
        needle = text.casefold()
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setHidden(bool(needle) and needle not in item.text().casefold())

    def set_choices(self, choices: list[tuple[Any, str]]) -> None:
        current = set(self.value())
        self._loading = True
        self.list.clear()
        for value, label in choices:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if value in current else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self._loading = False
        self._apply_filter(self.filter.text())

    def value(self) -> Any:
        return [
            self.list.item(r).data(Qt.ItemDataRole.UserRole)
            for r in range(self.list.count())
            if self.list.item(r).checkState() == Qt.CheckState.Checked
        ]

    def set_value(self, value: Any) -> None:
        wanted = set(value or [])
        self._loading = True
        for r in range(self.list.count()):
            item = self.list.item(r)
            checked = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self._loading = False

    def focus_widget(self) -> QWidget:
        return self.list


def make_editor(field: Field) -> Editor:
    if field.kind in (Kind.MULTILINE, Kind.GEOJSON):
        return TextEditor(field)
    if field.kind is Kind.BOOL:
        return BoolEditor(field)
    if field.kind in (Kind.CHOICE, Kind.TERM, Kind.REF):
        return ChoiceEditor(field)
    if field.kind in (Kind.TERMS, Kind.REFS):
        return MultiEditor(field)
    return LineEditor(field)
