"""One section of the main window: search and filters, the list, the detail form."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from atlas.core import Atlas
from atlas.errors import NotFoundError
from atlas.models import Vocabulary
from atlas.schema import FILTER_LABELS, STATUS_CHOICES, EntitySpec, FilterKind
from ui.form import RecordForm
from ui.table_model import RecordTableModel

ALL_LABEL = "Alle"


class SectionWidget(QWidget):
    """List + details for one entity."""

    selectionChanged = Signal(object)  # record id or None
    listChanged = Signal()  # the ids shown changed (search, filter, data)

    def __init__(self, atlas: Atlas, spec: EntitySpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.spec = spec
        self.service = atlas.records[spec.key]

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self.refresh)
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("{what} durchsuchen …").format(what=spec.plural))
        self.search.textChanged.connect(self._schedule_refresh)

        self.filters: dict[FilterKind, QComboBox] = {}
        filter_row = QHBoxLayout()
        filter_row.setContentsMargins(0, 0, 0, 0)
        for kind in spec.filters:
            combo = QComboBox()
            combo.setObjectName(f"filter_{kind.value}")
            combo.setToolTip(FILTER_LABELS[kind])
            combo.setMinimumContentsLength(6)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.currentIndexChanged.connect(self.refresh)
            combo.setAccessibleName(FILTER_LABELS[kind])
            filter_row.addWidget(combo, 1)
            self.filters[kind] = combo
        self._fill_filters()

        self.model = RecordTableModel(self.service, self)
        self.table = QTableView()
        self.table.setObjectName("list")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(
            0, Qt.SortOrder.DescendingOrder if spec.newest_first else Qt.SortOrder.AscendingOrder
        )
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setDefaultSectionSize(170)
        header.setResizeContentsPrecision(80)  # size columns from the first rows, not all 10,000
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        # A mouse click makes the row current before it selects it: show it once selected.
        self.table.selectionModel().selectionChanged.connect(self._on_current_changed)

        self.count_label = QLabel()
        self.count_label.setObjectName("count")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        if self.filters:
            left_layout.addLayout(filter_row)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count_label)

        self.form = RecordForm(atlas, spec)
        self.form.saved.connect(self._on_saved)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.form)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([640, 460])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.model.sortChanged.connect(self.refresh)

        self.refresh()

    # -- filters -----------------------------------------------------------------
    def _filter_choices(self, kind: FilterKind) -> list[tuple[Any, str]]:
        if kind is FilterKind.QUARTER:
            return list(self.atlas.quarters.choices())
        if kind is FilterKind.ROUND_TABLE:
            return list(self.atlas.records["round_table"].choices())
        if kind is FilterKind.STATUS:
            return list(STATUS_CHOICES)
        vocabulary = {
            FilterKind.CATEGORY: Vocabulary.CATEGORY,
            FilterKind.TARGET_GROUP: Vocabulary.TARGET_GROUP,
            FilterKind.SECTOR: Vocabulary.SECTOR,
        }[kind]
        return [(t.id, t.name) for t in self.atlas.taxonomy.terms(vocabulary)]

    def _fill_filters(self) -> None:
        for kind, combo in self.filters.items():
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("{label}: alle").format(label=FILTER_LABELS[kind]), None)
            for value, label in self._filter_choices(kind):
                combo.addItem(label, value)
            index = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def set_filter(self, kind: FilterKind, value: Any) -> None:
        combo = self.filters[kind]
        combo.setCurrentIndex(max(combo.findData(value), 0))

    def active_filters(self) -> dict[FilterKind, Any]:
        return {k: c.currentData() for k, c in self.filters.items() if c.currentData() is not None}

    # -- list --------------------------------------------------------------------
    def _schedule_refresh(self) -> None:
        self._timer.start()

    def refresh(self) -> None:
        """Query the ids again with the current text, filters and order; keep the selection."""
        self._timer.stop()
        keep = self.current_id()
        ids = self.service.list_ids(
            self.search.text(), self.active_filters(), self.model.sort_key, self.model.descending
        )
        self.model.set_ids(ids)
        total = self.service.count()
        shown = len(ids)
        self.count_label.setText(
            self.tr("{shown} von {total} {what}").format(shown=shown, total=total, what=self.spec.plural)
            if shown != total
            else self.tr("{total} {what}").format(
                total=total, what=self.spec.singular if total == 1 else self.spec.plural
            )
        )
        if keep is not None:
            self.select(keep, scroll=False)
        self.listChanged.emit()

    def add_detail_panel(self, panel: QWidget, stretch: int = 1) -> None:
        """Put a panel under the form (attendance of a meeting, status of an actor).

        The panel follows the form: it needs a ``show_record(record_id | None)`` method.
        """
        column = QSplitter(Qt.Orientation.Vertical)
        column.setChildrenCollapsible(False)
        index = self.splitter.indexOf(self.form)
        column.addWidget(self.form)
        column.addWidget(panel)
        column.setStretchFactor(0, 3)
        column.setStretchFactor(1, stretch)
        self.splitter.insertWidget(index, column)
        self.detail_splitter = column
        self.form.recordShown.connect(panel.show_record)  # type: ignore[attr-defined]
        panel.show_record(self.form.record.id if self.form.record else None)  # type: ignore[attr-defined]

    def is_filtered(self) -> bool:
        return bool(self.search.text().strip()) or bool(self.active_filters())

    def current_id(self) -> int | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            return None
        return self.model.id_at(index.row())

    def select(self, record_id: int, scroll: bool = True) -> bool:
        row = self.model.row_of(record_id)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        if scroll:
            self.table.scrollTo(index)
        return True

    def _on_current_changed(self) -> None:
        record_id = self.current_id()
        if record_id is None:
            return
        if self.form.record is None or self.form.record.id != record_id:
            if not self.form.confirm_leave():
                if self.form.record is not None:
                    self.table.selectionModel().blockSignals(True)
                    self.select(self.form.record.id)
                    self.table.selectionModel().blockSignals(False)
                return
            self.form.show_record(record_id)
        self.selectionChanged.emit(record_id)

    def _on_saved(self, record_id: int) -> None:
        self.refresh()
        self.select(record_id)

    def new_record(self) -> None:
        if not self.form.confirm_leave():
            return
        self.table.selectionModel().clearSelection()
        self.form.clear()
        first = next(iter(self.form.editors.values()))
        first.focus_widget().setFocus()

    def on_change(self, entities: frozenset[str]) -> None:
        """Another part of the program changed data: refresh what depends on it."""
        if entities & {"quarter", "term", "round_table"}:
            self._fill_filters()
        self.form.reload_choices(frozenset(entities))
        self.refresh()
        self.model.invalidate_rows()
        if self.form.record is not None and not self.form.is_dirty():
            record_id = self.form.record.id
            if self.model.row_of(record_id) is None and self.spec.key in entities:
                try:
                    self.service.get(record_id)
                except NotFoundError:
                    self.form.clear()
                    return
            self.form.show_record(record_id)

    # -- settings ----------------------------------------------------------------
    def save_state(self, settings: QSettings) -> None:
        settings.setValue(f"section/{self.spec.key}/splitter", self.splitter.saveState())
        settings.setValue(f"section/{self.spec.key}/header", self.table.horizontalHeader().saveState())

    def fit_columns(self) -> None:
        """Size the columns to their content once, within sensible limits."""
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount()):
            width = self.table.columnWidth(column)
            self.table.setColumnWidth(column, max(90, min(width + 12, 320)))

    def restore_state(self, settings: QSettings) -> None:
        splitter = settings.value(f"section/{self.spec.key}/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        header = settings.value(f"section/{self.spec.key}/header")
        if header is None or not self.table.horizontalHeader().restoreState(header):
            self.fit_columns()
