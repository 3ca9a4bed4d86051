"""The check page's two lists as models and views: the rows with errors, and the possible
duplicates with the choice per row.

Both were ``QTableWidget``\\ s with an item per cell and, for every duplicate, a ``QComboBox``
of its own: at 10,000 rows (500 shown duplicates) building the items, the 500 boxes and
every row's height stalled the window 135–150 ms even a slice per turn. Here a model hands
out a row's texts only when the view paints it (made once, then kept), the choice column is
painted like a closed drop-down list by :class:`ChoiceDelegate`, and the one real box is
the editor opened when the person clicks the cell, presses F2, the space bar, Alt+↓ or the
first letter of a choice (``ü``, ``z``, ``t``) on a row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionComboBox,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from atlas.io import Duplicate, RowError
from ui.import_wizard.common import ChoiceCombo
from ui.plain import tooltip_text

Index = QModelIndex | QPersistentModelIndex

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_EDIT = int(Qt.ItemDataRole.EditRole)
_TIP = int(Qt.ItemDataRole.ToolTipRole)
_USER = int(Qt.ItemDataRole.UserRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_TOP_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_SHOWN = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable  # made once: the view asks per cell
_CHOSEN = _SHOWN | Qt.ItemFlag.ItemIsEditable
#: A cell shows at most this many characters (the tool tip holds the rest).
CELL_CHARS = 600


def shown(text: str) -> str:
    """One line of a cell: long texts cut, line breaks as ⏎ (as the import's lists show them)."""
    cut = text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"
    return cut.replace("\n", " ⏎ ")


class TextRows(QAbstractTableModel):
    """A read-only table of plain-text rows, each made when it is first shown.

    ``make(i)`` gives the i-th row as (cells, tool tips per cell or None, user data of the
    first cell); rows are made on demand and kept, so filling 500 rows costs nothing until
    they are painted."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._count = 0
        self._make: Callable[[int], tuple[tuple[str, ...], tuple[str | None, ...], Any]] | None = None
        self._rows: dict[int, tuple[tuple[str, ...], tuple[str | None, ...], Any]] = {}

    def set_rows(
        self, count: int, make: Callable[[int], tuple[tuple[str, ...], tuple[str | None, ...], Any]]
    ) -> None:
        self.beginResetModel()
        self._count, self._make, self._rows = count, make, {}
        self.endResetModel()

    def row(self, i: int) -> tuple[tuple[str, ...], tuple[str | None, ...], Any]:
        made = self._rows.get(i)
        if made is None:
            assert self._make is not None
            made = self._rows[i] = self._make(i)
        return made

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and int(role) == _DISPLAY
            and section < len(self._headers)
        ):
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        role = int(role)
        if role not in (_DISPLAY, _TIP, _USER, _EDIT, _ALIGN) or not index.isValid():
            return None
        column = index.column()
        if role == _ALIGN:
            return _TOP_LEFT
        cells, tips, user = self.row(index.row())
        if column >= len(cells):
            return None
        if role in (_DISPLAY, _EDIT):
            return cells[column]
        if role == _TIP:
            return tips[column]
        return user if column == 0 else None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _SHOWN if index.isValid() else Qt.ItemFlag.NoItemFlags


def error_rows(
    errors: Sequence[RowError],
) -> Callable[[int], tuple[tuple[str, ...], tuple[str | None, ...], Any]]:
    """The rows of the error list: line of the file, column, message (whole in the tool tip)."""

    def make(i: int) -> tuple[tuple[str, ...], tuple[str | None, ...], Any]:
        error = errors[i]
        tip_column = tooltip_text(error.column[:2000]) if len(error.column) > CELL_CHARS else None
        return (
            (str(error.row), shown(error.column), shown(error.message)),
            (None, tip_column, tooltip_text(str(error))),
            error.row,
        )

    return make


#: The columns of the duplicates' list.
ROW, TITLE, LIKE, CHOICE = range(4)


class DuplicatesModel(TextRows):
    """The shown duplicates; the fourth column is the choice for the row of the file
    (``choice_of(row)``; an edit calls ``choose(row, choice)``)."""

    def __init__(
        self,
        headers: Sequence[str],
        labels: Sequence[tuple[str, str]],
        choice_of: Callable[[int], str],
        choose: Callable[[int, str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(headers, parent)
        self.labels = dict(labels)
        self._choice_of = choice_of
        self._choose = choose
        self.duplicates: Sequence[Duplicate] = ()

    def set_duplicates(self, duplicates: Sequence[Duplicate], like: Callable[[Duplicate], str]) -> None:
        self.duplicates = duplicates

        def make(i: int) -> tuple[tuple[str, ...], tuple[str | None, ...], Any]:
            dup = duplicates[i]
            tip_title = tooltip_text(dup.title[:2000]) if len(dup.title) > CELL_CHARS else None
            return (
                (str(dup.row), shown(dup.title), shown(like(dup))),
                (None, tip_title, tooltip_text(dup.describe())),
                dup.row,
            )

        self.set_rows(len(duplicates), make)

    def file_row(self, i: int) -> int:
        return self.duplicates[i].row

    def table_row(self, file_row: int) -> int | None:
        for i, dup in enumerate(self.duplicates):
            if dup.row == file_row:
                return i
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if index.isValid() and index.column() == CHOICE:
            role = int(role)
            if role == _EDIT:
                return self._choice_of(self.duplicates[index.row()].row)
            if role == _DISPLAY:
                choice = self._choice_of(self.duplicates[index.row()].row)
                return self.labels.get(choice, choice)
            if role == _ALIGN:
                return _TOP_LEFT
            return None
        return super().data(index, role)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _CHOSEN if index.column() == CHOICE else _SHOWN

    def setData(self, index: Index, value: Any, role: int = _EDIT) -> bool:
        if not index.isValid() or index.column() != CHOICE or int(role) != _EDIT:
            return False
        if value not in self.labels:
            return False
        row = self.duplicates[index.row()].row
        if self._choice_of(row) != value:
            self._choose(row, str(value))  # the wizard calls choice_changed
        return True

    def choice_changed(self, file_row: int | None = None) -> None:
        """The choice of one row of the file (or of all, ``None``) changed: repaint it."""
        if not self._count:
            return
        if file_row is None:
            self.dataChanged.emit(self.index(0, CHOICE), self.index(self._count - 1, CHOICE))
            return
        i = self.table_row(file_row)
        if i is not None:
            at = self.index(i, CHOICE)
            self.dataChanged.emit(at, at)


class ChoiceDelegate(QStyledItemDelegate):
    """The choice column: painted like a closed drop-down list; edited in a combo box made
    when the person edits (and then the only widget in the list). Every change is written
    at once, as the boxes did before."""

    def __init__(self, labels: Sequence[tuple[str, str]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.labels = tuple(labels)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        if index.column() != CHOICE:
            super().paint(painter, option, index)
            return
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        widget = item.widget  # type: ignore[attr-defined]
        style = widget.style() if widget is not None else QApplication.style()
        item.text = ""  # type: ignore[attr-defined]
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, item, painter, widget)
        box = QStyleOptionComboBox()
        if widget is not None:
            box.initFrom(widget)  # palette, direction, font
        box.rect = option.rect.adjusted(2, 2, -2, -2)  # type: ignore[attr-defined]
        box.currentText = str(index.data(_DISPLAY) or "")  # type: ignore[attr-defined]
        box.editable = False  # type: ignore[attr-defined]
        box.frame = True  # type: ignore[attr-defined]
        box.state = option.state | QStyle.StateFlag.State_Enabled  # type: ignore[attr-defined]
        box.state &= ~QStyle.StateFlag.State_HasFocus  # type: ignore[attr-defined]
        painter.save()
        style.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, box, painter, widget)
        style.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, box, painter, widget)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        if index.column() != CHOICE:
            return super().sizeHint(option, index)
        return self.box_size(option.widget)  # type: ignore[attr-defined]

    def box_size(self, widget: QWidget | None) -> QSize:
        """A combo box with the longest choice (the column's width, the rows' height)."""
        style = widget.style() if widget is not None else QApplication.style()
        metrics = widget.fontMetrics() if widget is not None else QApplication.fontMetrics()
        text = QSize(max(metrics.horizontalAdvance(label) for _v, label in self.labels), metrics.height())
        box = QStyleOptionComboBox()
        if widget is not None:
            box.initFrom(widget)
        size = style.sizeFromContents(QStyle.ContentsType.CT_ComboBox, box, text, widget)
        return size + QSize(8, 4)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        combo = ChoiceCombo(parent)
        for value, label in self.labels:
            combo.addItem(label, value)
        model = index.model()
        if isinstance(model, DuplicatesModel):
            combo.setAccessibleName(self.tr("Zeile {row}: Übernahme").format(row=model.file_row(index.row())))
        combo.currentIndexChanged.connect(lambda _i, c=combo: self.commitData.emit(c))
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if not isinstance(editor, QComboBox):
            return
        at = max(editor.findData(index.data(_EDIT)), 0)
        if editor.currentIndex() != at:
            editor.blockSignals(True)
            editor.setCurrentIndex(at)
            editor.blockSignals(False)

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), _EDIT)

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem, index: Index) -> None:
        editor.setGeometry(option.rect.adjusted(1, 1, -1, -1))  # type: ignore[attr-defined]


class DuplicatesView(QTableView):
    """The duplicates' list: a click on a choice opens its list; on a row, F2, the space bar
    or Alt+↓ (opening the list) edit its choice, as does typing a choice's first letter."""

    def __init__(
        self, model: DuplicatesModel, delegate: ChoiceDelegate, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setItemDelegateForColumn(CHOICE, delegate)  # the texts: Qt's own delegate, no Python per cell
        self.delegate = delegate
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.clicked.connect(self._clicked)
        self.fit()

    def fit(self) -> None:
        """Rows as high as a combo box, the choice column as wide as the longest choice."""
        size = self.delegate.box_size(self)
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(max(size.height(), rows.minimumSectionSize()))
        header = self.horizontalHeader()
        header.setSectionResizeMode(ROW, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(LIKE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(CHOICE, QHeaderView.ResizeMode.Fixed)
        metrics = self.fontMetrics()
        header.resizeSection(CHOICE, max(size.width(), metrics.horizontalAdvance(self._header(CHOICE)) + 24))
        self.fit_row_column()

    def fit_row_column(self) -> None:
        """The line numbers' column as wide as the longest number (and its heading)."""
        model = self.model()
        widest = max(
            (
                len(str(model.index(i, ROW).data(_USER)))
                for i in (0, model.rowCount() - 1)
                if 0 <= i < model.rowCount()
            ),
            default=1,
        )
        metrics = self.fontMetrics()
        self.horizontalHeader().resizeSection(
            ROW,
            max(metrics.horizontalAdvance("9" * widest), metrics.horizontalAdvance(self._header(ROW))) + 24,
        )

    def _header(self, column: int) -> str:
        return str(self.model().headerData(column, Qt.Orientation.Horizontal) or "")

    def editor(self) -> QComboBox | None:
        """The open choice box (at most one: the person edits one row at a time)."""
        current = self.currentIndex()
        if not current.isValid():
            return None
        widget = self.indexWidget(current.siblingAtColumn(CHOICE))
        return widget if isinstance(widget, QComboBox) else None

    def edit_choice(self, row: int, popup: bool = False) -> QComboBox | None:
        index = self.model().index(row, CHOICE)
        if not index.isValid():
            return None
        self.setCurrentIndex(index)
        if self.editor() is None:
            self.edit(index)
        editor = self.editor()
        if editor is not None and popup:
            editor.showPopup()
        return editor

    def _clicked(self, index: QModelIndex) -> None:
        if index.column() == CHOICE:
            self.edit_choice(index.row(), popup=True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        current = self.currentIndex()
        if current.isValid() and self.state() != QAbstractItemView.State.EditingState:
            key = event.key()
            alt = event.modifiers() & Qt.KeyboardModifier.AltModifier
            if (
                key in (Qt.Key.Key_F2, Qt.Key.Key_Space)
                or (key == Qt.Key.Key_Down and alt)
                or key == Qt.Key.Key_F4
            ):
                self.edit_choice(current.row(), popup=key != Qt.Key.Key_F2 and key != Qt.Key.Key_Space)
                event.accept()
                return
            if event.text().isalpha() and not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier:
                # the first letter of a choice: the box opens on it and takes the letter
                self.setCurrentIndex(current.siblingAtColumn(CHOICE))
        super().keyPressEvent(event)
