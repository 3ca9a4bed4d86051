"""The map pane: base-layer choice, offer density, moving pins, export, and the view."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QMarginsF, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QPageLayout, QPageSize, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from atlas.core import Atlas
from atlas.errors import AtlasError, ConflictError, ServerGoneError
from atlas.geo import MapData, standalone_html, write_text_atomically
from atlas.models import Vocabulary
from atlas.progress import Cancelled
from ui import settings as prefs
from ui.flow_layout import FlowLayout
from ui.map.scheme import MBTiles, TileError
from ui.map.view import MapView, map_page_html
from ui.plain import ask, plain_label, warn
from ui.progress import Ticket, run_with_progress
from ui.workers import Workers

#: A change naming up to this many institutions sends only their places to the page.
PLACES_ALONE_UP_TO = 200
ONLINE_TEMPLATE = "atlas://online/{z}/{x}/{y}"  # fetched and cached by the program
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>-Mitwirkende'
BASES = (
    ("osm", "OpenStreetMap (online)"),
    ("mbtiles", "Offline-Karte (MBTiles)"),
    ("none", "Ohne Hintergrund"),
)


class MoveCommand(QUndoCommand):
    """A pin moved by hand; undo puts it back (a new save with the old coordinates).

    Undo and redo save over the version the last step left: when someone changed the
    institution since (another window, another coach), the step is refused with a
    German message and dropped from the stack — a later change is never reverted."""

    def __init__(
        self,
        pane: MapPane,
        institution_id: int,
        old: tuple[float | None, float | None],
        new: tuple[float, float],
        title: str,
        version: int | None = None,
    ) -> None:
        super().__init__(f"„{title}“ verschieben")
        self.pane = pane
        self.institution_id = institution_id
        self.old = old
        self.new = new
        self.version = version  # the institution's version after the last step
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._step(self.new)

    def undo(self) -> None:
        self._step(self.old)

    def _step(self, position: tuple[float | None, float | None]) -> None:
        version = self.pane.save_position(self.institution_id, position, expected_version=self.version)
        if version is None:
            self.setObsolete(True)
        else:
            self.version = version


class MapPane(QWidget):
    institutionClicked = Signal(int)

    def __init__(
        self,
        atlas: Atlas,
        settings: QSettings,
        undo_stack: QUndoStack,
        parent: QWidget | None = None,
        *,
        workers: Workers,
    ) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.settings = settings
        self.undo_stack = undo_stack
        self.view = MapView(self)
        self.view.bridge.markerClicked.connect(self.institutionClicked)
        self.view.bridge.markerMoved.connect(self._on_moved)
        self.view.bridge.mapClicked.connect(self._on_placed)

        self.base = QComboBox()
        self.base.setObjectName("mapBase")
        self.base.setAccessibleName(self.tr("Kartenhintergrund"))
        for key, label in BASES:
            self.base.addItem(self.tr(label), key)
        self.base.setMinimumContentsLength(16)
        self.base.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.base.activated.connect(self._on_base_chosen)

        self.density = QComboBox()
        self.density.setObjectName("mapDensity")
        self.density.setAccessibleName(self.tr("Quartiere einfärben"))
        self.density.setMinimumContentsLength(18)
        self.density.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.density.activated.connect(self._apply_density)

        self.move_button = QToolButton()
        self.move_button.setObjectName("mapMove")
        self.move_button.setText(self.tr("Pins verschieben"))
        self.move_button.setCheckable(True)
        self.move_button.setToolTip(self.tr("Standorte auf der Karte mit der Maus korrigieren"))
        self.move_button.toggled.connect(self.view.set_draggable)

        self.place_button = QToolButton()
        self.place_button.setObjectName("mapPlace")
        self.place_button.setText(self.tr("Standort setzen"))
        self.place_button.setCheckable(True)
        self.place_button.setEnabled(False)
        self.place_button.setToolTip(
            self.tr("Die ausgewählte Einrichtung mit einem Klick in die Karte verorten (z. B. ohne Netz)")
        )
        self.place_button.toggled.connect(self._toggle_place_mode)
        self.current_institution: int | None = None

        self.export_button = QToolButton()
        self.export_button.setText(self.tr("Exportieren"))
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        menu.addAction(self.tr("Als HTML-Datei (offline lesbar) …"), self.export_html)
        menu.addAction(self.tr("Als Bild (PNG) …"), self.export_png)
        menu.addAction(self.tr("Als PDF …"), self.export_pdf)
        self.export_button.setMenu(menu)

        self.missing = plain_label()
        self.missing.setObjectName("mapMissing")
        self.missing.setWordWrap(True)  # never wider than the map

        # A wrapping row instead of a tool bar: a narrow map pane (1366×768) would fold the
        # buttons into a » menu, where nobody finds "Standort setzen".
        bar = QWidget()
        bar.setObjectName("mapToolbar")
        flow = FlowLayout(bar, spacing=4)
        flow.setContentsMargins(4, 2, 4, 2)
        for combo in (self.base, self.density):
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            flow.addWidget(combo)
        for button in (self.move_button, self.place_button, self.export_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            flow.addWidget(button)
        self.toolbar = bar
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.missing)

        self.tiles: MBTiles | None = None
        self.workers = workers
        self.tasks = workers.database  # the map data: database reads, in order with the writes
        self.loading = False
        self.shown_data: MapData | None = None  # what the map shows now (None while a reload is due)
        self._has_data = False  # the page got the whole data once: a few places can follow alone
        self._generation = 0
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(150)
        self._reload_timer.timeout.connect(self.reload)
        # A reload asked for while one is on the worker waits for it (``_again``): changes
        # that come faster than the data is built (a geocoding batch applies an answer every
        # few hundred ms; the data of 10,000 places takes longer) must not pile up reloads
        # on the database worker, where each one would hold up every later query.
        self._again: bool | None = None  # None: none waiting; else the waiting one's ``fit``
        self._took = QElapsedTimer()

    # -- start and data --------------------------------------------------------------
    def start(self) -> None:
        """Build the page on the background worker (folium takes a second the first time,
        reading it from the cache a few ms) and load it; data and base layer wait for it."""
        if self.view.has_page():
            self.view.start()
        else:
            self.workers.background.run(map_page_html, self._page_built, self._page_failed, owner=self)
        self._fill_density_choices()
        self.reload(fit=True)
        self.set_base(prefs.MAP_BASE.get(self.settings), ask=False)

    def _page_built(self, page_html: bytes) -> None:
        self.view.start(page_html)

    def _page_failed(self, error: BaseException) -> None:
        warn(self, self.tr("Karte"), self.tr("Die Karte konnte nicht aufgebaut werden: {e}").format(e=error))

    def reload(self, fit: bool = False) -> None:
        """Fetch the map data on the database worker; show it when it arrives. While one
        reload is on the worker, a second waits for it (one at most, however many are asked)."""
        if self.loading:
            self.shown_data = None  # what arrives next is already stale
            self._again = fit or bool(self._again)
            return
        maps = self.atlas.maps

        def work() -> tuple[MapData, str]:
            data = maps.data()
            return data, data.to_json()

        self.loading = True
        self.shown_data = None
        self._took.start()
        self._generation += 1
        generation = self._generation
        self.tasks.run(
            work, lambda result: self._show_data(result, fit, generation), self._load_failed, owner=self
        )

    @property
    def reload_waiting(self) -> bool:
        """A reload was asked for while one is on the worker: it follows when that arrives."""
        return self._again is not None

    def _reload_waiting(self) -> None:
        """The reload that waited for the one just arrived: after a pause as long as that
        one took, so the worker is never kept busy by the map alone."""
        if self._again is None:
            return
        fit, self._again = self._again, None
        if fit:
            self.reload(fit=True)
            return
        self._reload_timer.start(max(150, min(int(self._took.elapsed()), 3000)))

    def _load_failed(self, error: BaseException) -> None:
        self.loading = False
        self._again = None
        if isinstance(error, ServerGoneError):  # no dialog: said under the map (and in the
            # status bar); the window reloads the map when the server is back
            self.missing.setText(self.tr("Karte nicht aktuell – Teamserver nicht erreichbar"))
            self.missing.setVisible(True)
            return
        warn(
            self,
            self.tr("Karte"),
            self.tr("Die Kartendaten konnten nicht geladen werden: {e}").format(e=error),
        )

    def _show_data(self, result: tuple[MapData, str], fit: bool, generation: int = 0) -> None:
        data, payload = result
        n = data.without_coordinates
        self.loading = False
        self._has_data = True
        if generation == self._generation and not self._reload_timer.isActive() and self._again is None:
            self.shown_data = data  # current: the export writes this (no reload asked since)
        self.view.set_data(payload, fit=fit)
        self.workers.tidier.ask()  # the places live until the next reload: out of the collector's walk
        self._show_missing(n)
        if self.density.currentData() is not None:
            self._apply_density()
        self._reload_waiting()

    def _show_missing(self, n: int) -> None:
        self.missing.setText(
            self.tr("{n} Einrichtungen noch nicht auf der Karte (ohne Koordinaten)").format(n=n) if n else ""
        )
        self.missing.setVisible(bool(n))

    def schedule_reload(self) -> None:
        self.shown_data = None  # stale from now on
        self._reload_timer.start(150)

    def _fill_density_choices(self) -> None:
        current = self.density.currentData()
        self.density.clear()
        self.density.addItem(self.tr("Quartiere: Umrisse"), None)
        self.density.addItem(self.tr("Quartiere: Angebote insgesamt"), ("all", None))
        for term in self.atlas.taxonomy.terms(Vocabulary.CATEGORY):
            self.density.addItem(self.tr("Angebote: {name}").format(name=term.name), ("category", term.id))
        for term in self.atlas.taxonomy.terms(Vocabulary.TARGET_GROUP):
            self.density.addItem(self.tr("Für: {name}").format(name=term.name), ("target_group", term.id))
        index = self.density.findData(current)
        self.density.setCurrentIndex(max(index, 0))

    def _apply_density(self) -> None:
        choice = self.density.currentData()
        if choice is None:
            self.view.set_density(None)
            return
        kind, term_id = choice
        counts = self.atlas.maps.offer_density(
            category_id=term_id if kind == "category" else None,
            target_group_id=term_id if kind == "target_group" else None,
        )
        top = max(counts.values(), default=0)
        steps = [0, 1] + [max(2, round(top * f)) for f in (0.34, 0.67)] + [max(3, top)]
        steps = sorted(set(steps))
        while len(steps) < 5:
            steps.append(steps[-1] + 1)
        self.view.set_density({str(k): v for k, v in counts.items()}, self.density.currentText(), steps[:5])

    def on_change(self, entities: frozenset[str], places: frozenset[int] | None = None) -> None:
        """Data changed. ``places``: the change named only these institutions (a geocoding
        answer, a saved institution) - the page gets their places alone when it has the
        rest and no reload is on its way; else the whole data again."""
        if entities & {"term"}:
            self._fill_density_choices()
        if not entities & {"institution", "offer", "quarter", "term"}:
            return
        quiet = not (self.loading or self._reload_timer.isActive() or self._again is not None)
        if places is not None and len(places) <= PLACES_ALONE_UP_TO and self._has_data and quiet:
            self._update_places(places)
        else:
            self.schedule_reload()

    def _update_places(self, places: frozenset[int]) -> None:
        maps, ids = self.atlas.maps, sorted(places)

        def work() -> tuple[int, str]:
            update = maps.places_update(ids)
            return update.without_coordinates, update.to_json()

        self.shown_data = None  # the export builds its data again
        self.tasks.run(work, self._places_arrived, self._load_failed, owner=self)

    def _places_arrived(self, result: tuple[int, str]) -> None:
        without, payload = result
        self.view.update_places(payload)
        self._show_missing(without)
        if self.density.currentData() is not None:
            self._apply_density()

    # -- following the lists -----------------------------------------------------------
    def show_for(self, entity: str, ids: list[int] | None) -> None:
        self.view.show_only(self.atlas.maps.institution_ids(entity, ids))

    def select(self, entity: str, record_id: int) -> None:
        ids = self.atlas.maps.institution_ids(entity, [record_id])
        self.current_institution = ids[0] if ids else None
        self.place_button.setEnabled(self.current_institution is not None)
        if not self.current_institution and self.place_button.isChecked():
            self.place_button.setChecked(False)
        if ids:
            self.view.select(ids[0])

    # -- placing a pin by hand -------------------------------------------------------
    def _toggle_place_mode(self, on: bool) -> None:
        self.view.send("placeMode", on=on)
        if on:
            self.move_button.setChecked(False)

    def _on_placed(self, lat: float, lon: float) -> None:
        """A click on the map in "Standort setzen" mode: put the selected institution there."""
        self.place_button.setChecked(False)
        institution_id = self.current_institution
        if institution_id is None:
            return
        try:
            record = self.atlas.institutions.get(institution_id)
        except AtlasError as err:
            warn(self, self.tr("Standort setzen"), str(err))
            return
        answer = ask(
            self,
            self.tr("Standort setzen"),
            self.tr("„{name}“ hier verorten?\n{lat:.5f}, {lon:.5f}").format(
                name=record.title, lat=lat, lon=lon
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Yes,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        old = (record.values.get("lat"), record.values.get("lon"))
        new = (round(lat, 6), round(lon, 6))
        version = self.save_position(institution_id, new)
        if version is not None:
            self.undo_stack.push(MoveCommand(self, institution_id, old, new, record.title, version))
            self.schedule_reload()

    # -- base layers -----------------------------------------------------------------
    def _on_base_chosen(self) -> None:
        self.set_base(str(self.base.currentData()), ask=True)

    def set_base(self, mode: str, ask: bool) -> None:
        if mode == "mbtiles":
            path = prefs.MAP_MBTILES.get(self.settings)
            if ask or not path:
                chosen, _filter = QFileDialog.getOpenFileName(
                    self,
                    self.tr("Offline-Kartendatei wählen"),
                    path,
                    self.tr("MBTiles (*.mbtiles);;Alle Dateien (*)"),
                )
                if not chosen:
                    self.base.setCurrentIndex(self.base.findData(prefs.MAP_BASE.get(self.settings)))
                    return
                path = chosen
            if not self.use_tile_file(Path(path)):
                mode = "none"
        if mode == "osm":
            online = self.view.handler.online
            if online is not None:
                online.template = prefs.MAP_TILE_URL.get(self.settings)
            self.view.set_base("osm", ONLINE_TEMPLATE, OSM_ATTRIBUTION, 19)
        elif mode == "none":
            self.view.set_base("none")
        prefs.MAP_BASE.set(self.settings, mode)
        self.base.setCurrentIndex(self.base.findData(mode))

    def use_tile_file(self, path: Path) -> bool:
        """Serve tiles from an MBTiles file; a clear message and False when it can't be used."""
        try:
            if not path.is_file():
                raise TileError(self.tr("Die Kartendatei {path} wurde nicht gefunden.").format(path=path))
            tiles = MBTiles(path)
        except TileError as err:
            warn(
                self,
                self.tr("Kartendatei"),
                str(err) + "\n\n" + self.tr("Die Karte wird ohne Hintergrund gezeigt."),
            )
            return False
        if self.tiles is not None:
            self.tiles.close()
        self.tiles = tiles
        self.view.handler.tiles = tiles
        prefs.MAP_MBTILES.set(self.settings, str(path))
        self.view.set_base(
            "mbtiles", "atlas://tiles/{z}/{x}/{y}", html.escape(tiles.attribution), tiles.max_zoom
        )
        return True

    # -- moving pins -------------------------------------------------------------------
    def _on_moved(self, institution_id: int, lat: float, lon: float) -> None:
        try:
            record = self.atlas.institutions.get(institution_id)
        except AtlasError as err:
            warn(self, self.tr("Verschieben"), str(err))
            self.reload()
            return
        answer = ask(
            self,
            self.tr("Standort ändern"),
            self.tr("Den Standort von „{name}“ hierher verschieben?\n{lat:.5f}, {lon:.5f}").format(
                name=record.title, lat=lat, lon=lon
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Yes,
        )
        old = (record.values.get("lat"), record.values.get("lon"))
        if answer != QMessageBox.StandardButton.Yes:
            if old[0] is not None and old[1] is not None:
                self.view.move_place(institution_id, old[0], old[1])
            return
        version = self.save_position(institution_id, (round(lat, 6), round(lon, 6)))
        if version is not None:
            self.undo_stack.push(
                MoveCommand(self, institution_id, old, (round(lat, 6), round(lon, 6)), record.title, version)
            )

    def save_position(
        self,
        institution_id: int,
        position: tuple[float | None, float | None],
        expected_version: int | None = None,
    ) -> int | None:
        """Save the pin; the institution's new version, or None (a German message shown).
        ``expected_version``: refuse when the institution changed since (an undo)."""
        try:
            if expected_version is None:
                expected_version = self.atlas.institutions.get(institution_id).version
            saved = self.atlas.institutions.save(
                institution_id, {"lat": position[0], "lon": position[1]}, expected_version=expected_version
            )
        except ConflictError as err:
            warn(
                self,
                self.tr("Verschieben"),
                str(err) + "\n" + self.tr("Der Standort wurde nicht zurückgesetzt."),
            )
            self.reload()
            return None
        except AtlasError as err:
            warn(self, self.tr("Verschieben"), str(err))
            self.reload()
            return None
        if position[0] is not None and position[1] is not None:
            self.view.move_place(institution_id, position[0], position[1])
        return saved.version

    # -- export ------------------------------------------------------------------------
    def _target(self, given: str | None, title: str, suggestion: str, pattern: str) -> Path | None:
        """The file to write: as given (tests, scripts) or chosen in a save dialog."""
        chosen = given or QFileDialog.getSaveFileName(self, title, suggestion, pattern)[0]
        return Path(chosen) if chosen else None

    def export_html(self, path: str | None = None) -> Path | None:
        target = self._target(
            path, self.tr("Karte als HTML speichern"), "stadtteil-atlas-karte.html", self.tr("HTML (*.html)")
        )
        if target is None:
            return None
        shown, maps = self.shown_data, self.atlas.maps

        def work(ticket: Ticket) -> Path:
            """On the map's worker: the data the map shows (built there by ``reload``), or
            built afresh when a reload is due; then the page, then the file."""
            ticket.progress(0, 3)
            data = shown if shown is not None else maps.data()
            ticket.progress(1, 3)
            if ticket.cancelled():
                raise Cancelled()
            page = standalone_html(data)
            ticket.progress(2, 3)
            if ticket.cancelled():
                raise Cancelled()
            write_text_atomically(target, page)
            ticket.progress(3, 3)
            return target

        try:
            return run_with_progress(
                self.tasks,
                work,
                self,
                self.tr("Karte exportieren"),
                self.tr("Die Karte wird nach „{file}“ geschrieben …").format(file=target.name),
            )
        except Cancelled as err:
            window = self.window()
            if isinstance(window, QMainWindow):
                window.statusBar().showMessage(str(err), 10000)
        except AtlasError as err:
            warn(self, self.tr("Export"), str(err))
        return None

    def export_png(self, path: str | None = None) -> Path | None:
        target = self._target(
            path,
            self.tr("Karte als Bild speichern"),
            "stadtteil-atlas-karte.png",
            self.tr("PNG-Bild (*.png)"),
        )
        if target is None:
            return None
        if not self.view.grab().save(str(target), "PNG"):
            warn(self, self.tr("Export"), self.tr("Das Bild konnte nicht gespeichert werden."))
            return None
        return target

    def export_pdf(self, path: str | None = None) -> None:
        target = (
            path
            or QFileDialog.getSaveFileName(
                self, self.tr("Karte als PDF speichern"), "stadtteil-atlas-karte.pdf", self.tr("PDF (*.pdf)")
            )[0]
        )
        if not target:
            return
        layout = QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape, QMarginsF(10, 10, 10, 10)
        )
        self.view.page().printToPdf(str(target), layout)
