"""One editor widget per field kind, each with ``value()`` / ``set_value()``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from PySide6.QtCore import QCoreApplication, QStringListModel, Qt, Signal
from PySide6.QtGui import QStandardItemModel
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


@dataclass(frozen=True)
class LongChoices:
    """A long picker's items as plain data, made on a worker (``long_choices``): the labels
    go into a ``QStringListModel`` in one call, the values stay here (row → value)."""

    labels: list[str]
    values: list[Any]
    rows: dict[Any, int]
    # the labels already in a model (made where ``long_choices`` ran, handed to the GUI thread)
    model: QStringListModel | None = None


def long_choices(choices: list[tuple[Any, str]], none_label: bool) -> LongChoices:
    """The items of a long picker (50,000 people), the first "—" (no choice) if ``none_label``.

    The labels are put into their ``QStringListModel`` here too: 50,000 labels take
    15 ms to become Qt strings, on the worker rather than the GUI thread. The model is
    handed to the GUI thread, where the picker takes it (``set_long_choices``)."""
    pairs = ([(None, NONE_LABEL)] if none_label else []) + choices
    values = [v for v, _label in pairs]
    labels = [label for _v, label in pairs]
    model = QStringListModel(labels)
    app = QCoreApplication.instance()
    if app is not None:
        model.moveToThread(app.thread())  # pushed from the thread it was made on (else: no-op)
    return LongChoices(labels, values, {v: i for i, v in enumerate(values)}, model)


class ChoiceEditor(Editor):
    """A combo box over (value, label) pairs; searchable when the list is long.

    A long list of choices is made on a worker (``waiting_for_choices``, then
    ``set_long_choices``): meanwhile the picker is disabled and keeps the value it was
    given, so a record shown or saved in between keeps its reference. A long list is shown
    from a ``QStringListModel`` (one C++ call for 50,000 labels; items with data of their
    own took half a second to make), its values kept in ``_long``."""

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
        self._waiting = False  # choices are being made on a worker
        self._pending: Any = None  # the value while waiting
        self._long: LongChoices | None = None  # a long list's values (set_long_choices)
        if field.choices:
            self.set_choices(list(field.choices))

    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    def has_none(self) -> bool:
        """Whether the first item is "—" (no choice)."""
        return not self.field.required or self.field.kind is not Kind.CHOICE

    def set_choices(self, choices: list[tuple[Any, str]]) -> None:
        current = self.value()
        self._stop_waiting()
        self._loading = True
        if self._long is not None:  # back to items with data of their own
            self._long = None
            self.combo.setModel(QStandardItemModel(self.combo))
        self.combo.clear()
        if self.has_none():
            self.combo.addItem(NONE_LABEL, None)
        for value, label in choices:
            self.combo.addItem(label, value)
        self._loading = False
        self.set_value(current)

    def waiting_for_choices(self) -> None:
        """The choices are being made on a worker: keep the value, take no input meanwhile."""
        if not self._waiting:
            self._pending = self.value()
            self._waiting = True
            self.combo.setEnabled(False)

    def is_waiting(self) -> bool:
        return self._waiting

    def set_long_choices(self, choices: LongChoices) -> None:
        """Show the choices made by :func:`long_choices` (one call, however long the list)."""
        current = self.value()
        self._stop_waiting()
        self._loading = True
        self._long = choices
        model = choices.model if choices.model is not None else QStringListModel(choices.labels)
        model.setParent(self.combo)  # deleted with the picker
        self.combo.setModel(model)  # the old one is deleted
        self._loading = False
        self.set_value(current)

    def _stop_waiting(self) -> None:
        if self._waiting:
            self._waiting = False
            self._pending = None
            self.combo.setEnabled(True)

    def value(self) -> Any:
        if self._waiting:
            return self._pending
        if self.combo.isEditable() and self.combo.currentText() != self.combo.itemText(
            self.combo.currentIndex()
        ):
            text = self.combo.currentText().strip()
            if not text:
                return None
            found = self.combo.findText(text, Qt.MatchFlag.MatchFixedString)
            return self._value_at(found) if found >= 0 else ValueError(text)
        return self._value_at(self.combo.currentIndex())

    def _value_at(self, row: int) -> Any:
        if self._long is not None:
            return self._long.values[row] if 0 <= row < len(self._long.values) else None
        return self.combo.itemData(row)

    def set_value(self, value: Any) -> None:
        if self._waiting:
            self._pending = value
        self._loading = True
        if value is None:
            index = 0
        elif self._long is not None:
            index = self._long.rows.get(value, -1)
        else:
            index = self.combo.findData(value)
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
