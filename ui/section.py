"""One section of the main window: search and filters, the list, the detail form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHeaderView,
    QLineEdit,
    QScrollArea,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from atlas.core import Atlas
from atlas.errors import NotFoundError, ServerGoneError
from atlas.models import Vocabulary
from atlas.records import (
    CONSENT_CHOICES,
    FILTER_LABELS,
    STATUS_CHOICES,
    EntitySpec,
    FilterKind,
    RecordData,
    query,
    search,
)
from ui import section_query as lists
from ui import settings as prefs
from ui.filter_bar import filter_bar, filter_combo
from ui.form import RecordForm
from ui.plain import plain_label
from ui.section_query import Everything, Listing, query_listing
from ui.table_model import RecordTableModel
from ui.workers import Workers

ALL_LABEL = "alle"
BUSY_AFTER_MS = 150  # a search that takes longer says "sucht …" under the list
# A list this long is re-queried on the worker (a refresh, the first fill): its query takes
# 100s of ms (1,000 actors with their computed status: 0.2 s). A shorter one is queried at
# once on the GUI thread (a few ms), so code that changed data sees the new list right away.
LARGE_FROM = 500
#: The index texts of a long list are fetched again this long after the last change.
PREFETCH_QUIET_MS = 2000
FIT_ROWS = 80  # the columns are sized to the first rows (see fit_columns)


class SectionWidget(QWidget):
    """List + details for one entity."""

    selectionChanged = Signal(object)  # record id or None
    listChanged = Signal()  # the ids shown changed (search, filter, data)
    listed = Signal(str)  # a query's ids were applied to the list: its search text

    def __init__(
        self,
        atlas: Atlas,
        spec: EntitySpec,
        parent: QWidget | None = None,
        *,
        workers: Workers,
    ) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.spec = spec
        self.service = atlas.records[spec.key]
        # Typed searches run on the database worker, off the GUI thread.
        self.tasks = workers.database
        self.tidier = workers.tidier
        self._generation = 0  # bumped by every query; an older query's answer is dropped
        self._running = False  # a typed search is on the worker
        self._wanted = False  # another keystroke came while it ran: search again after it
        self._everything: Everything | None = None  # the list without search text
        self._epoch = 0  # bumped when the data may have changed: older wholes are not kept
        # The index texts of this kind (see Everything), kept across refreshes until a
        # change touches them (``search.SHOWN_IN``); an answer fetched before is not kept.
        self._bodies: query.Texts | None = None
        self._bodies_epoch = 0
        self._after_listed: list[Callable[[], None]] = []  # refresh(then=…) waiting for the list
        self._large = False  # the list is long: refreshed on the worker (see LARGE_FROM)
        self._fit_when_filled = False  # size the columns to the first rows once they are there
        # Changes heard while the section is not the page shown: applied when it is shown
        # (a geocoding batch announces 200 changes; hidden lists need not follow each one).
        self._missed: frozenset[str] = frozenset()
        # After a change the index texts are fetched again once changes have stopped for
        # a while: a geocoding batch changes an institution a second, and fetching 10,000
        # texts after each answer kept the database busy (the window's reads waited).
        self._prefetch_quiet = QTimer(self)
        self._prefetch_quiet.setSingleShot(True)
        self._prefetch_quiet.setInterval(PREFETCH_QUIET_MS)
        self._prefetch_quiet.timeout.connect(self._prefetch_bodies)

        self._busy = QTimer(self)
        self._busy.setSingleShot(True)
        self._busy.setInterval(BUSY_AFTER_MS)
        self._busy.timeout.connect(self._show_busy)
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("{what} durchsuchen …").format(what=spec.plural))
        self.search.textChanged.connect(self.search_later)  # each key at once; see search_later

        self.filters: dict[FilterKind, QComboBox] = {}
        filter_row, flow = filter_bar()  # labels beside the boxes; wraps when the list is narrow
        for kind in spec.filters:
            combo = filter_combo(FILTER_LABELS[kind], flow)
            combo.setObjectName(f"filter_{kind.value}")
            combo.currentIndexChanged.connect(self.search_later)  # on the worker, as typing
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
        # Tab leaves the list (to the form, Shift+Tab back) instead of walking cell by cell.
        self.table.setTabKeyNavigation(False)
        self._syncing = False  # the list's selection is being set to match the form
        # A mouse press makes a row current *before* it selects it, so ``currentRowChanged``
        # came while no row was selected and a click opened nothing. The selection is what
        # the user sees turn blue: it is what opens a record, for clicks, keys and pins alike.
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)

        self.count_label = plain_label()
        self.count_label.setObjectName("count")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        if self.filters:
            left_layout.addWidget(filter_row)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count_label)

        self.form = RecordForm(atlas, spec, tasks=self.tasks)  # long pickers: filled on the worker
        self.panels: list[QWidget] = []  # under the form (add_detail_panel)
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
        self.model.sortChanged.connect(self.search_later)

        self._large = self.service.count() >= LARGE_FROM
        self.refresh()  # a long list is filled on the worker: the section opens at once

    # -- filters -----------------------------------------------------------------
    def _filter_choices(self, kind: FilterKind) -> list[tuple[Any, str]]:
        if kind is FilterKind.QUARTER:
            return list(self.atlas.quarters.choices())
        if kind is FilterKind.ROUND_TABLE:
            return list(self.atlas.records["round_table"].choices())
        if kind is FilterKind.STATUS:
            return list(STATUS_CHOICES)
        if kind is FilterKind.CONSENT:
            return list(CONSENT_CHOICES)
        vocabulary = {
            FilterKind.CATEGORY: Vocabulary.CATEGORY,
            FilterKind.TARGET_GROUP: Vocabulary.TARGET_GROUP,
            FilterKind.SECTOR: Vocabulary.SECTOR,
        }[kind]
        return self.atlas.taxonomy.choices(vocabulary)

    def _fill_filters(self) -> None:
        for kind, combo in self.filters.items():
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr(ALL_LABEL), None)
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
    def refresh(self, then: Callable[[], None] | None = None) -> None:
        """Query the ids again with the current text, filters and order; keep the record
        selected; then call ``then`` (once the new list is shown). For code that changed
        data (a save, an undo, a change elsewhere). A short list is queried now, on the GUI
        thread, so the new ids are there when this returns; a long one (``LARGE_FROM``) on
        the worker, and the list keeps its rows until the answer is there. A typed search
        still on its way is older either way: its answer is dropped."""
        self._wanted = False
        self._everything = None  # the data may have changed
        self._epoch += 1
        if then is not None:
            self._after_listed.append(then)
        if self._large:
            self.search_later()
        else:
            self._refresh_now()

    def _missed_growth(self) -> bool:
        """The list was short when last shown; is it long now? Asked when its records
        changed elsewhere, not on every refresh (one COUNT, a few ms: an Open Referral
        import of 10,000 institutions into an empty list was re-queried and shown on the GUI
        thread, 240-580 ms)."""
        return self.service.count() >= LARGE_FROM

    def _refresh_now(self) -> None:
        """The query of ``refresh`` on the GUI thread (a short list, or a failed worker query
        asked again so that its error is seen)."""
        self._generation += 1  # a typed search still on the worker is older: dropped
        text, key = self.search.text(), self._list_key()
        try:
            listing = self._query(text, key, None, self._bodies)
        except ServerGoneError:
            self._server_gone()
            return
        self._keep_bodies(listing, self._bodies_epoch)
        if listing.base is not None:
            self._everything = listing.base
        self._apply(listing)

    def search_later(self) -> None:
        """Query the ids on the worker; the list keeps its rows until the answer is there.

        Every key starts a search at once, without a debounce: one search per section runs
        at a time, and keystrokes while it runs are gathered into one more search after it,
        with the text then in the box. An answer to an older query (a refresh or another
        keystroke came in between) is dropped."""
        self._generation += 1
        if not self._busy.isActive():
            self._busy.start()
        if self._running:
            self._wanted = True
            return
        self._running = True
        generation, epoch, bodies_epoch = self._generation, self._epoch, self._bodies_epoch
        text, key, bodies = self.search.text(), self._list_key(), self._bodies
        everything = (
            self._everything if self._everything is not None and self._everything.key == key else None
        )
        self.tasks.run(
            lambda: self._query(text, key, everything, bodies),
            lambda listing: self._arrived(generation, epoch, bodies_epoch, listing),
            lambda error: self._failed(generation, error),
            owner=self,
        )

    def is_searching(self) -> bool:
        """A search or a refresh waits for its answer on the worker."""
        return self._running

    def _list_key(self) -> tuple[Any, ...]:
        filters = self.active_filters()
        return (
            tuple(sorted((k.value, v) for k, v in filters.items())),
            self.model.sort_key,
            self.model.descending,
        )

    def _query(
        self,
        text: str,
        key: tuple[Any, ...],
        everything: Everything | None,
        bodies: query.Texts | None,
    ) -> Listing:
        """The list's query (on a worker or the GUI thread): ``ui.section_query.query_listing``."""
        return query_listing(self.service, text, key, everything, bodies)

    def _keep_bodies(self, listing: Listing, bodies_epoch: int) -> None:
        """Keep index texts a query fetched, unless a change came since it started."""
        base = listing.base
        if base is not None and base.bodies is not None and bodies_epoch == self._bodies_epoch:
            self._bodies = base.bodies

    def _arrived(self, generation: int, epoch: int, bodies_epoch: int, listing: Listing) -> None:
        if not shiboken6.isValid(self):  # the section went while its search ran
            return
        self._running = False
        self._keep_bodies(listing, bodies_epoch)
        if epoch == self._epoch and listing.base is not None:
            if listing.base is not self._everything and len(listing.base.ids) >= lists.PREFETCH_FROM:
                self.tidier.ask()  # a new long list, long-lived now: out of the collector's walk
            self._everything = listing.base
        if generation == self._generation:
            self._apply(listing)
        if self._wanted:
            self._wanted = False
            self.search_later()

    def _failed(self, generation: int, error: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._running = False
        if self._wanted:
            self._wanted = False
            self.search_later()
        elif generation == self._generation:
            self._everything = None
            if isinstance(error, ServerGoneError):  # not asked again: the server is back first
                self._server_gone()
                return
            self._refresh_now()  # the same query on the GUI thread: its error is seen, not lost

    def _server_gone(self) -> None:
        """The list could not be read (the team server is gone): it keeps its rows and says
        so under them, once; the next refresh (the window's, when the server is back) fills it."""
        self._busy.stop()
        self.count_label.setText(self.tr("Liste nicht aktuell – Teamserver nicht erreichbar"))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.catch_up()
        self._prefetch_bodies()

    def catch_up(self) -> None:
        """Apply the changes heard while this section was not the page shown (the window
        calls this when it makes the section current; showing it does too)."""
        if self._missed and not self.isHidden():
            missed, self._missed = self._missed, frozenset()
            self.on_change(missed)

    def _prefetch_bodies(self) -> None:
        """Fetch the index texts of a long list on the worker while the person looks at it,
        so the first short word typed does not wait for them."""
        everything = self._everything
        if everything is None or everything.bodies is not None or len(everything.ids) < lists.PREFETCH_FROM:
            return
        if not self.isVisible() or everything.prefetching or self._prefetch_quiet.isActive():
            return
        everything.prefetching = True
        bodies_epoch = self._bodies_epoch

        def fetch() -> query.Texts:
            if everything.bodies is None:
                everything.bodies = query.Texts(self.service.search_bodies())
            everything.prepare()  # the bigrams and the list's places in them: the first key
            return everything.bodies

        def done(bodies: query.Texts) -> None:
            if bodies_epoch != self._bodies_epoch:  # a change came meanwhile: fetched again
                return
            if everything.bodies is None:
                everything.bodies = bodies
            if shiboken6.isValid(self):
                self._bodies = bodies
                self.tidier.ask()

        self.tasks.run(fetch, done, lambda _error: None, owner=self)  # failed: fetched when needed

    def _show_busy(self) -> None:
        self.count_label.setText(self.tr("sucht …"))

    def _apply(self, listing: Listing) -> None:
        self._busy.stop()
        keep = self.shown_id()
        self.model.set_ids(listing.ids, listing.rows)
        total, shown = listing.total, len(listing.ids)
        self.count_label.setText(
            self.tr("{shown} von {total} {what}").format(shown=shown, total=total, what=self.spec.plural)
            if shown != total
            else self.tr("{total} {what}").format(
                total=total, what=self.spec.singular if total == 1 else self.spec.plural
            )
        )
        if keep is not None:
            self.select(keep, scroll=False)
        self._large = total >= LARGE_FROM
        if self._fit_when_filled and listing.ids:
            self._fit_when_filled = False
            self.fit_columns()
        self.listChanged.emit()
        self.listed.emit(listing.text)
        waiting, self._after_listed = self._after_listed, []
        for then in waiting:
            then()
        self._prefetch_bodies()

    def add_detail_panel(self, panel: QWidget, stretch: int = 1) -> None:
        """Put a panel under the form (attendance of a meeting, status of an actor).

        The panel follows the form: it needs a ``show_record(record_id | None)`` method. A
        panel with unsaved input of its own (ticked attendance) has ``is_dirty()`` and
        ``confirm_leave()``, asked before another record is shown or the window closes.
        """
        self.panels.append(panel)
        column = QSplitter(Qt.Orientation.Vertical)
        column.setChildrenCollapsible(False)
        index = self.splitter.indexOf(self.form)
        column.addWidget(self.form)
        # In a scroll area: squeezed by a small screen the panel scrolls instead of drawing
        # its wrapped lines over each other (a word-wrapped label gets less height than it needs).
        holder = QScrollArea()
        holder.setObjectName("detailPanel")
        holder.setWidget(panel)
        holder.setWidgetResizable(True)
        holder.setFrameShape(QFrame.Shape.NoFrame)
        holder.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        holder.setMinimumHeight(min(panel.sizeHint().height(), 180))  # its first lines always show
        column.addWidget(holder)
        column.setStretchFactor(0, 3)
        column.setStretchFactor(1, stretch)
        self.splitter.insertWidget(index, column)
        self.detail_splitter = column
        self.form.recordShown.connect(panel.show_record)  # type: ignore[attr-defined]
        panel.show_record(self.form.record.id if self.form.record else None)  # type: ignore[attr-defined]

    def is_filtered(self) -> bool:
        return bool(self.search.text().strip()) or bool(self.active_filters())

    def current_id(self) -> int | None:
        """The record of the row selected in the list (it normally is the one in the form)."""
        index = self.table.selectionModel().currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            return None
        return self.model.id_at(index.row())

    def shown_id(self) -> int | None:
        """The record in the form: what Delete, DSGVO actions and reports act on."""
        return self.form.record.id if self.form.record is not None else None

    def select(self, record_id: int, scroll: bool = True) -> bool:
        """Select a record's row, which opens it (as a click would). False if it is not listed."""
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

    def open(self, record_id: int, scroll: bool = True) -> bool:
        """Show one record in the form: the one path for clicks, arrow keys, pins and overviews.

        Unsaved changes to another record are asked about first (save, discard, stay); when
        the user stays, the list goes back to the record still in the form. Afterwards the
        list's selection and the form always show the same record. True if it is shown.
        """
        if self.shown_id() != record_id:
            if not self.confirm_leave():
                self._sync_selection(scroll=True)
                return False
            self.form.show_record(record_id)  # a record gone meanwhile: a message, empty form
        self._sync_selection(scroll)
        if self.shown_id() != record_id:
            return False
        self.selectionChanged.emit(record_id)
        return True

    def _sync_selection(self, scroll: bool = False) -> None:
        """Select the row of the record in the form, or no row (new record, not listed)."""
        record_id = self.shown_id()
        row = self.model.row_of(record_id) if record_id is not None else None
        selection = self.table.selectionModel()
        self._syncing = True
        try:
            if row is None:
                selection.clearSelection()
            elif self.current_id() != record_id:
                index = self.model.index(row, 0)
                selection.setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
                if scroll:
                    self.table.scrollTo(index)
        finally:
            self._syncing = False

    def _on_selection_changed(self) -> None:
        if self._syncing:
            return
        record_id = self.current_id()
        if record_id is None:
            rows = self.table.selectionModel().selectedRows()
            record_id = self.model.id_at(rows[0].row()) if rows else None
        if record_id is not None:
            self.open(record_id, scroll=False)

    def _on_saved(self, record_id: int) -> None:
        self.model.forget_rows([record_id])  # the row shows what was saved at once, also in a long list
        self.refresh(then=lambda: self._select_saved(record_id))

    def _select_saved(self, record_id: int) -> None:
        """Select the saved record's row in the refreshed list, unless the person has opened
        another record meanwhile (a long list is refreshed on the worker, behind other work:
        selecting it then pulled the form back, and what was typed next went to it)."""
        if self.shown_id() == record_id:
            self.select(record_id)

    def is_dirty(self) -> bool:
        """Unsaved input in the form or in a panel under it."""
        return self.form.is_dirty() or any(_panel_dirty(p) for p in self.panels)

    def confirm_leave(self) -> bool:
        """Before the shown record changes: the form's unsaved changes, then each panel's
        (save, discard or stay). True = go on."""
        if not self.form.confirm_leave():
            return False
        return all(p.confirm_leave() for p in self.panels if _panel_dirty(p))  # type: ignore[attr-defined]

    def new_record(self) -> None:
        if not self.confirm_leave():
            return
        self.form.clear()
        self._sync_selection()
        first = next(iter(self.form.editors.values()))
        first.focus_widget().setFocus()

    def on_change(self, entities: frozenset[str]) -> None:
        """Another part of the program changed data: refresh what depends on it. A section
        that is not the page shown (hidden in the window's stack) catches up when it is shown."""
        if self.isHidden():
            self._missed |= entities
            return
        if entities & {"quarter", "term", "round_table"}:
            self._fill_filters()
        if entities & search.SHOWN_IN.get(self.spec.key, frozenset({self.spec.key})):
            self._bodies = None  # the index texts may say something else now
            self._bodies_epoch += 1
            self._prefetch_quiet.start()
        self.form.reload_choices(frozenset(entities))
        if not self._large and self.spec.key in entities and self._missed_growth():
            self._large = True  # grew long meanwhile (an import elsewhere): not on the GUI thread
        self.refresh()
        if not self._large:
            self.model.invalidate_rows()
        # A long list keeps its rows until the worker's answer brings the new ones: dropped
        # here, the repaint fetched them again on the GUI thread, in each round of changes
        # of a geocoding batch, competing with the worker for the interpreter. Its form's
        # record is read again on the worker too: on the GUI thread the read waited for the
        # batch's commits (SQLite lets no reader in while a commit writes; 100-130 ms).
        if self.form.record is not None and not self.form.is_dirty():
            if self._large:  # read behind the list's query: on the GUI thread it waited for a commit
                record_id = self.form.record.id
                self.tasks.run(
                    lambda: self.service.get(record_id),
                    lambda record: self._reload_form(record_id, record),
                    lambda error: self._reload_form(record_id, error),
                    owner=self,
                )
                return
            try:  # one record, now: a short list was queried on the GUI thread too
                record = self.service.get(self.form.record.id)
            except NotFoundError:
                self.form.clear()
                return
            except ServerGoneError:  # read again at the next change (the server back)
                return
            self.form.load(record)
        elif self.form.record is not None and self.spec.key in entities:
            self.form.note_changed_elsewhere()  # unsaved input is never overwritten

    def _reload_form(self, record_id: int, answer: RecordData | BaseException) -> None:
        """The record read again on the worker after a change: shown, unless the form has
        moved on (another record, or input typed meanwhile); gone: the form is cleared."""
        shown = self.form.record
        if shown is None or shown.id != record_id or self.form.is_dirty():
            return
        if isinstance(answer, NotFoundError):
            self.form.clear()
        elif not isinstance(answer, BaseException):
            self.form.load(answer)

    # -- settings ----------------------------------------------------------------
    def save_state(self, settings: QSettings) -> None:
        prefs.SECTION_SPLITTER.set(settings, self.splitter.saveState(), section=self.spec.key)
        prefs.SECTION_HEADER.set(settings, self.table.horizontalHeader().saveState(), section=self.spec.key)

    def fit_columns(self) -> None:
        """Size the columns to their content once, within sensible limits: the header and
        the first rows already fetched (``FIT_ROWS``), measured with the list's font.

        Not ``resizeColumnsToContents``: it asks the delegate to lay out every cell of 80
        rows, 30-140 ms on the GUI thread when a long list arrives (1,000 actors)."""
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        style = self.table.style()
        # the room a cell's text is given less than its column (the focus frame's margins)
        margin = 2 * (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.table) + 2)
        rows = self.model.cached_rows(FIT_ROWS)
        for column in range(self.model.columnCount()):
            # 60 letters are wider than any column may be: a long description is not measured whole
            texts = {row[column][:60] for row in rows if isinstance(row[column], str) and row[column]}
            width = max(
                [header.sectionSizeHint(column), *(metrics.horizontalAdvance(t) + margin for t in texts)]
            )
            # the first column (the name) leaves room for the next ones in a narrow list;
            # a longer name is elided and shown whole in its tooltip
            self.table.setColumnWidth(column, max(90, min(width + 12, 240 if column == 0 else 320)))

    def restore_state(self, settings: QSettings) -> None:
        splitter = prefs.SECTION_SPLITTER.get(settings, section=self.spec.key)
        if splitter is not None:
            self.splitter.restoreState(splitter)
        header = prefs.SECTION_HEADER.get(settings, section=self.spec.key)
        if header is None or not self.table.horizontalHeader().restoreState(header):
            self.fit_columns()
            # a long list is still being read on the worker: again by its first rows
            self._fit_when_filled = self._large and not self.model.rowCount()


def _panel_dirty(panel: QWidget) -> bool:
    is_dirty = getattr(panel, "is_dirty", None)
    return bool(is_dirty()) if callable(is_dirty) else False
