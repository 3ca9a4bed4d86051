"""The main window: sections on the left, list in the middle, details on the right."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from atlas.changes import Change
from atlas.core import Atlas
from atlas.errors import ServerGoneError
from atlas.records import ENTITIES, FilterKind
from ui import settings as prefs
from ui.actions import build_actions
from ui.actor_panel import ActorPanel
from ui.agreement_panel import AgreementPanel
from ui.consent_dialog import ConsentReviewDialog
from ui.dashboard import DashboardPage
from ui.first_steps import FirstSteps
from ui.flows import places, privacy, records, transfer, travel
from ui.geo_dialogs import (
    BatchDialog,
    GeocoderSettingsDialog,
    apply_saved_settings,
    reassign_all,
)
from ui.list_map import ListMapFollower
from ui.live import page_unreachable, watch_server
from ui.manual import show_manual
from ui.map.pane import MapPane
from ui.meeting_panel import MeetingPanel
from ui.menus import build_menus
from ui.plain import plain_label
from ui.privacy_dialog import edit_controller
from ui.rights import apply_to_actions
from ui.section import SectionWidget
from ui.taxonomy_dialog import TaxonomyDialog
from ui.undo_keys import UndoKeys
from ui.widgets import ElidedLabel
from ui.window_layout import SectionMap, fit_to_screen
from ui.workers import Workers

# (navigation label, entity keys shown in that section)
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Einrichtungen", ("institution",)),
    ("Angebote", ("offer",)),
    ("Kontakte", ("contact",)),
    ("Akteure", ("actor",)),
    ("Runde Tische & Treffen", ("round_table", "meeting")),
    ("Vereinbarungen", ("agreement",)),
    ("Quartiere", ("quarter",)),
    ("Netzwerk-Übersicht", ("dashboard",)),
)
DASHBOARD = len(SECTIONS) - 1
#: A change after a quiet while is applied this long after it arrived (changes together: once).
CHANGES_AFTER_MS = 40
#: While changes keep arriving, they are applied at most once per this long.
CHANGES_ROUND_MS = 500


class MainWindow(QMainWindow):
    #: A batch of changes reached every section, panel and the map (the entities changed).
    changesApplied = Signal(frozenset)

    def __init__(
        self,
        atlas: Atlas,
        database_label: str,
        settings: QSettings,
        *,
        workers: Workers,
        demo: bool = False,
        backup: Path | None = None,
    ) -> None:
        super().__init__()
        self.atlas = atlas
        self.settings = settings
        self.setObjectName("MainWindow")
        title = "Stadtteil-Atlas" + (" – Demo" if demo else "")
        self.setWindowTitle(title)
        self.undo_stack = QUndoStack(self)
        self.undo_keys = UndoKeys(self.undo_stack, self)  # Strg+Z after a delete, also from a text field
        self.workers = workers  # built once in ui.app; handed on to every widget that runs work
        self.tasks = workers.database  # reads and writes in order (searches, an erasure …)
        self.network_tasks = workers.background  # geocoding and other slow work without the database
        self.map_follower = ListMapFollower(atlas, self.tasks, self)  # the map follows the list
        self.consent_dialog: ConsentReviewDialog | None = None  # made on first use (ui.flows.privacy)
        apply_saved_settings(atlas, settings)

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setMinimumWidth(150)
        self.nav.setStyleSheet("QListWidget { font-size: 11pt; } QListWidget::item { padding: 6px; }")
        self.stack = QStackedWidget()
        self.sections: dict[str, SectionWidget] = {}  # built on first use: start-up stays fast
        self.dashboard: DashboardPage | None = None
        self.panels: dict[
            str, MeetingPanel | ActorPanel | AgreementPanel
        ] = {}  # under the forms of meetings and actors
        self.pages: list[QWidget | None] = [None] * len(SECTIONS)
        for label, _keys in SECTIONS:
            self.nav.addItem(self.tr(label))
            self.stack.addWidget(QWidget())
        self.nav.currentRowChanged.connect(self._show_page)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        nav_width = self.nav.sizeHintForColumn(0) + 2 * self.nav.frameWidth() + 6
        self.nav.setMaximumWidth(nav_width + 12)
        self.nav.setMinimumWidth(nav_width)
        self.splitter.setSizes([nav_width, 1100])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        self.map_dock = QDockWidget(self.tr("Karte"), self)
        self.map_dock.setObjectName("mapDock")
        self.map_dock.setAllowedAreas(
            Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.map_dock.setWidget(
            plain_label(self.tr("Karte wird geladen …"), alignment=Qt.AlignmentFlag.AlignCenter)
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.map_dock)
        self.resizeDocks([self.map_dock], [400], Qt.Orientation.Horizontal)
        self.section_map = SectionMap(self.map_dock, settings)  # hidden where there are no places
        self.map: MapPane | None = None
        self._map_quarter: object = None

        self.actions_by_name = build_actions(self)
        self._build_menus()
        apply_to_actions(self.actions_by_name, self.atlas.rights)  # the role's limits (ui.rights)
        self.db_label = ElidedLabel(  # a long path is shortened in the middle, not widening the window
            self.tr("Datenbank: {path}").format(path=database_label.removeprefix("sqlite:///")),
            mode=Qt.TextElideMode.ElideMiddle,
        )
        self.statusBar().addPermanentWidget(self.db_label)
        if backup is not None:
            self.statusBar().showMessage(
                self.tr("Datenbank aktualisiert; Sicherung: {path}").format(path=backup), 15000
            )

        self._pending: set[str] = set()
        self._pending_places: set[int] | None = set()
        self._change_timer = QTimer(self)
        self._change_timer.setSingleShot(True)
        self._change_timer.setInterval(CHANGES_AFTER_MS)
        self._change_timer.timeout.connect(self._apply_changes)
        self._last_applied = QElapsedTimer()  # a stream of changes is applied in rounds
        self._closed = False
        self._changes = workers.change_relay()  # workers announce too: heard here on the GUI thread
        self._changes.arrived.connect(self._on_change)
        atlas.changes.subscribe(self._changes.announce)
        # a team server: the other programs' changes arrive on the same bus (ui.live)
        self.server_unreachable = watch_server(self, atlas, workers)

        fit_to_screen(self)
        self.open_demo: Callable[[], object] | None = None  # set by ui.app: a fresh demo copy
        self.open_team: Callable[[], object] | None = None  # set by ui.app: the team server dialog
        self.travel_files: travel.TravelFiles | None = None  # set by ui.app: the offline copy's files
        travel.mark_title(self)  # "Unterwegs-Kopie vom …" when this database is one
        self._restore_settings()
        self.first_steps = FirstSteps(self)
        if atlas.institutions.count() == 0:
            self.first_steps.show(automatic=True)

    # -- construction --------------------------------------------------------------
    def _page(self, index: int) -> QWidget:
        page = self.pages[index]
        if page is None:
            keys = SECTIONS[index][1]
            if keys == ("dashboard",):
                self.dashboard = DashboardPage(self.atlas, workers=self.workers)
                self.dashboard.setObjectName("dashboard")
                self.dashboard.openRecord.connect(self.open_record)
                page = self.dashboard
            elif len(keys) == 1:
                page = self._make_section(keys[0])
            else:
                tabs = QTabWidget()
                tabs.setObjectName(f"tabs_{index}")
                for key in keys:
                    tabs.addTab(self._make_section(key), ENTITIES[key].plural)
                page = tabs
            old = self.stack.widget(index)
            assert old is not None  # the placeholder put there at start
            self.stack.insertWidget(index, page)
            self.stack.removeWidget(old)
            old.deleteLater()
            self.pages[index] = page
        return page

    def _show_page(self, index: int) -> None:
        if 0 <= index < len(SECTIONS):
            try:
                page = self._page(index)
            except ServerGoneError as err:  # opened first while the team server is gone
                page_unreachable(self, self.nav, self.stack.currentIndex(), err)
                return
            self.stack.setCurrentWidget(page)
            self.section_map.apply(SECTIONS[index][1][0])
            if isinstance(page, QTabWidget) and not page.property("mapHooked"):
                page.currentChanged.connect(lambda _i: self._section_shown())
                page.setProperty("mapHooked", True)
            self._section_shown()

    def _section_shown(self) -> None:
        section = self.current_section()
        if section is not None:
            section.catch_up()  # changes heard while it was hidden
        self._list_changed(section)

    # -- the map -------------------------------------------------------------------
    def start_map(self) -> MapPane:
        """Create the map pane (QtWebEngine) once the window is up."""
        if self.map is None:
            self.map = MapPane(self.atlas, self.settings, self.undo_stack, workers=self.workers)
            self.map.setObjectName("mapPane")
            self.map.institutionClicked.connect(self._marker_clicked)
            self.map_dock.setWidget(self.map)
            self.map.start()
            self._list_changed(self.current_section())
        return self.map

    def _list_changed(self, section: SectionWidget | None) -> None:
        if self.map is None or section is None or section is not self.current_section():
            if self.map is not None and self.current_section() is None:
                self.map_follower.follow(self.map, "institution", None)  # the overview: the whole network
            return
        key = section.spec.key
        if key not in ("institution", "offer", "contact", "actor"):
            self.map_follower.follow(self.map, "institution", None)
            return
        # after the list settles, off the GUI thread (ui/list_map.py)
        self.map_follower.follow(self.map, key, section.model.ids() if section.is_filtered() else None)
        quarter = section.active_filters().get(FilterKind.QUARTER)
        if quarter != self._map_quarter:
            self._map_quarter = quarter
            self.map.view.fit(quarter)

    def _selection_changed(self, section: SectionWidget, record_id: object) -> None:
        mapped = section.spec.key in ("institution", "offer", "contact", "actor")
        if (
            self.map is not None
            and mapped
            and isinstance(record_id, int)
            and section is self.current_section()
        ):
            self.map.select(section.spec.key, record_id)
        if self.map is not None and section.spec.key == "quarter" and isinstance(record_id, int):
            self.map.view.fit(record_id)  # a chosen quarter: the map zooms to it

    def _marker_clicked(self, institution_id: int) -> None:
        """A click on a pin selects the institution in the list and shows its details."""
        self.open_record("institution", institution_id)

    def _make_section(self, key: str) -> SectionWidget:
        section = SectionWidget(self.atlas, ENTITIES[key], workers=self.workers)
        section.setObjectName(f"section_{key}")
        if key == "meeting":
            panel: MeetingPanel | ActorPanel | AgreementPanel = MeetingPanel(
                self.atlas, list_ids=section.model.ids
            )
            section.add_detail_panel(panel, stretch=5)
            self.panels[key] = panel
        elif key == "actor":
            panel = ActorPanel(self.atlas, self.settings)
            section.add_detail_panel(panel)
            self.panels[key] = panel
        elif key == "agreement":
            panel = AgreementPanel(self.atlas)
            section.add_detail_panel(panel, stretch=2)
            self.panels[key] = panel
        section.listChanged.connect(lambda s=section: self._list_changed(s))
        section.form.openRecord.connect(self.open_record)
        section.form.mergeDone.connect(
            lambda merged, values, s=section: records.merged(self, s, merged, values)
        )
        if key == "institution":
            section.form.saved.connect(partial(places.institution_saved, self))
        section.selectionChanged.connect(lambda rid, s=section: self._selection_changed(s, rid))
        section.restore_state(self.settings)
        self.sections[key] = section
        return section

    @staticmethod
    def _index_of(entity: str) -> int:
        """The navigation row of the section that shows ``entity``."""
        return next(i for i, (_label, keys) in enumerate(SECTIONS) if entity in keys)

    def section(self, key: str) -> SectionWidget:
        """The section of one entity, built if it was not shown yet."""
        if key not in self.sections:
            self._page(self._index_of(key))
        return self.sections[key]

    def _build_menus(self) -> None:
        a = self.actions_by_name
        undo = self.undo_stack.createUndoAction(self, self.tr("&Rückgängig"))
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        undo.setObjectName("action_undo")
        redo = self.undo_stack.createRedoAction(self, self.tr("&Wiederherstellen"))
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        redo.setObjectName("action_redo")
        # The menu says what Strg+Z undoes ("Rückgängig: „…“ löschen"); the tool bar keeps a short label.
        undo.setIconText(self.tr("Rückgängig"))
        redo.setIconText(self.tr("Wiederherstellen"))
        a["undo"], a["redo"] = undo, redo
        a["new"].triggered.connect(self.new_record)
        a["save"].triggered.connect(self.save_current)
        a["delete"].triggered.connect(self.delete_current)
        a["find"].triggered.connect(self.focus_search)
        a["find_duplicates"].triggered.connect(self.find_duplicates)
        a["quit"].triggered.connect(self.close)
        a["team_connect"].triggered.connect(lambda: self.open_team() if self.open_team is not None else None)
        a["taxonomies"].triggered.connect(self.edit_taxonomies)
        a["travel_take"].triggered.connect(lambda: travel.take_copy(self))
        a["travel_bring_back"].triggered.connect(lambda: travel.bring_back(self))
        a["export_list"].triggered.connect(lambda: self.export_list())
        a["privacy_export"].triggered.connect(lambda: self.privacy_export())
        a["privacy_erase"].triggered.connect(lambda: self.privacy_erase())
        a["consent_review"].triggered.connect(lambda: self.review_consent("consent"))
        a["retention_review"].triggered.connect(lambda: self.review_consent("retention"))
        a["privacy_controller"].triggered.connect(lambda: edit_controller(self, self.atlas))
        a["report_contacts"].triggered.connect(lambda: self.open_report("contact-list"))
        a["report_sign_in"].triggered.connect(lambda: self.open_report("sign-in"))
        a["report_directory"].triggered.connect(lambda: self.open_report("directory"))
        a["report_network"].triggered.connect(lambda: self.open_report("network"))
        a["import_list"].triggered.connect(lambda: self.import_list())
        a["hsds_export"].triggered.connect(lambda: self.export_hsds())
        a["hsds_import"].triggered.connect(lambda: self.import_hsds())
        a["geocode_missing"].triggered.connect(self.geocode_missing)
        a["import_quarters"].triggered.connect(self.import_quarters)
        a["reassign_quarters"].triggered.connect(lambda: reassign_all(self.atlas, self))
        a["geocoder_settings"].triggered.connect(
            lambda: GeocoderSettingsDialog(self.atlas, self.settings, self).exec()
        )
        a["about"].triggered.connect(self.about)
        a["manual"].triggered.connect(lambda: show_manual(self))
        a["first_steps"].triggered.connect(lambda: self.first_steps.show())

        build_menus(self, undo, redo, SECTIONS)

    # -- navigation ----------------------------------------------------------------
    def show_section(self, index: int) -> None:
        self.nav.setCurrentRow(index)

    def current_section(self) -> SectionWidget | None:
        """The list section on screen, or None on the overview page."""
        page = self.stack.currentWidget()
        if isinstance(page, QTabWidget):
            page = page.currentWidget()
        return page if isinstance(page, SectionWidget) else None

    def open_record(self, entity: str, record_id: int) -> None:
        """Show one record in its section (overview lists, map pins); filters give way if needed."""
        index = self._index_of(entity)
        self.show_section(index)
        page = self.pages[index]
        section = self.section(entity)
        if isinstance(page, QTabWidget):
            page.setCurrentWidget(section)
        if section.model.row_of(record_id) is None:
            section.search.clear()
            for combo in section.filters.values():
                combo.setCurrentIndex(0)
            section.refresh()
        section.open(record_id)

    def focus_search(self) -> None:
        section = self.current_section()
        if section is not None:
            section.search.setFocus()
            section.search.selectAll()

    # -- record actions ------------------------------------------------------------
    def new_record(self) -> None:
        section = self.current_section()
        if section is not None:
            section.new_record()

    def save_current(self) -> None:
        section = self.current_section()
        if section is not None:
            section.form.save()

    # -- the flows (ui/flows/): what menus, buttons and tests call on the window ---------
    def delete_current(self) -> None:
        records.delete_current(self)

    def find_duplicates(self) -> None:
        records.find_duplicates(self)

    def export_list(self, path: str | None = None) -> str | None:
        return transfer.export_list(self, path)

    def import_list(self, path: str | None = None) -> QWidget:
        return transfer.import_list(self, path)

    def export_hsds(self, path: str | None = None, include_contacts: bool = False) -> str | None:
        return transfer.export_hsds(self, path, include_contacts)

    def import_hsds(self, path: str | None = None) -> str | None:
        return transfer.import_hsds(self, path)

    def report_preset(self, kind: str) -> dict[str, object]:
        return transfer.report_preset(self, kind)

    def open_report(self, kind: str) -> QWidget:
        return transfer.open_report(self, kind)

    def privacy_export(self, path: str | None = None) -> str | None:
        return privacy.privacy_export(self, path)

    def privacy_erase(self) -> str | None:
        return privacy.privacy_erase(self)

    def review_consent(self, kind: str = "consent") -> ConsentReviewDialog:
        return privacy.review_consent(self, kind)

    def geocode_missing(self) -> BatchDialog:
        return places.geocode_missing(self)

    def import_quarters(self) -> None:
        places.import_quarters(self)

    def edit_taxonomies(self) -> None:
        TaxonomyDialog(self.atlas, self).exec()

    def about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("Über Stadtteil-Atlas"),
            self.tr(
                "<b>Stadtteil-Atlas</b><p>Das Partnernetzwerk eines Quartiers: Einrichtungen, Angebote, "
                "Kontakte, Akteure, Runde Tische und Vereinbarungen – auf der Karte, auf Papier und offline.</p>"
            ),
        )

    # -- changes -------------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        """Changes are gathered for a moment and applied together. One after a quiet while
        is applied after ``CHANGES_AFTER_MS``; while they keep coming (a geocoding batch: one
        per answer), at most one round per ``CHANGES_ROUND_MS`` - every round re-queries the
        lists and the map on the workers, whose work competes with the window for the GIL."""
        self._pending |= change.entities
        if self._pending_places is not None:  # the map may take only these institutions again
            if change.of == "institution" and change.ids and change.entities <= {"institution", "offer"}:
                self._pending_places |= set(change.ids)
            elif change.entities & {"institution", "offer", "quarter", "term"}:
                self._pending_places = None  # the whole map data again
        if self._change_timer.isActive():
            return
        recent = self._last_applied.isValid() and self._last_applied.elapsed() < CHANGES_ROUND_MS
        self._change_timer.start(
            CHANGES_ROUND_MS - self._last_applied.elapsed() if recent else CHANGES_AFTER_MS
        )

    def _apply_changes(self) -> None:
        self._last_applied.start()
        entities = frozenset(self._pending)
        places = None if self._pending_places is None else frozenset(self._pending_places)
        self._pending.clear()
        self._pending_places = set()
        for section in self.sections.values():
            section.on_change(entities)
        if self.dashboard is not None:
            self.dashboard.on_change(entities)
        for panel in self.panels.values():
            if (
                entities & {"meeting", "actor", "contact", "setting", "follow_up", "agreement"}
                and not panel.is_dirty()
            ):
                panel.reload()
        if self.map is not None:
            self.map.on_change(entities, places or None)
        self.first_steps.on_change(entities)
        review = self.consent_dialog
        if (
            review is not None
            and review.isVisible()
            and entities & {"contact", "setting", "meeting", "agreement"}
        ):
            review.refresh()
        self.changesApplied.emit(entities)

    # -- settings ------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = prefs.WINDOW_GEOMETRY.get(self.settings)
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = prefs.WINDOW_STATE.get(self.settings)
        if state is not None:
            self.restoreState(state)
        splitter = prefs.WINDOW_SPLITTER.get(self.settings)
        if splitter is not None:
            self.splitter.restoreState(splitter)
        index = prefs.WINDOW_SECTION.get(self.settings)
        self.show_section(index if 0 <= index < len(SECTIONS) else 0)

    def save_settings(self) -> None:
        prefs.WINDOW_GEOMETRY.set(self.settings, self.saveGeometry())
        prefs.WINDOW_STATE.set(self.settings, self.saveState())
        prefs.WINDOW_SPLITTER.set(self.settings, self.splitter.saveState())
        prefs.WINDOW_SECTION.set(self.settings, self.nav.currentRow())
        for section in self.sections.values():
            section.save_state(self.settings)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        for section in self.sections.values():
            if section.is_dirty():
                self.show_section(self._index_of(section.spec.key))
                if not section.confirm_leave():
                    event.ignore()
                    return
        self.save_settings()
        # closed: no more rounds of changes (a job still ending may announce one; the
        # database may be gone by the time its timer would fire)
        if not self._closed:
            self._closed = True
            self._changes.arrived.disconnect(self._on_change)
        self._change_timer.stop()
        self._pending.clear()
        event.accept()
