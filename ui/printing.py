"""Paper: print preview and 'Als PDF speichern' for the documents of :mod:`atlas.reports`.

- :class:`PdfRenderer` loads a document's HTML from a temporary file into an offscreen
  ``QWebEnginePage`` (never ``setHtml``: it fails silently above 2 MB) and prints it with
  ``printToPdf`` to bytes. Chromium lays out and prints in its own process; the GUI
  thread only waits for the signal. The page layout's margins are the document's: Qt's
  margins win over CSS ``@page`` margins, and the running header and footer ('Seite x
  von y') are CSS margin boxes that live inside those margins.
- :func:`save_pdf` writes the bytes atomically (temporary file beside the target, then
  rename): a file open in another program or a full disk leaves no half file, and the
  German message says what happened.
- :class:`PdfPreviewDialog` shows the rendered pages (QtPdf) in Qt's print preview, and
  prints them from there.
- :class:`ReportDialog` offers the options of one kind of document; building the HTML
  (database queries) runs on a worker (``ui.tasks.TaskRunner``).
- :func:`open_report_dialog` is what the main window calls; :func:`run_report_command`
  is the command line's ``report`` (a QApplication offscreen, created only for it).
"""

from __future__ import annotations

import errno
import itertools
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QEvent,
    QEventLoop,
    QMarginsF,
    QObject,
    QSettings,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QAction, QGuiApplication, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineSettings, qWebEngineChromiumVersion
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from atlas import reports
from atlas.errors import AtlasError, ValidationError
from atlas.files import atomic_write
from atlas.i18n import _
from atlas.models import Vocabulary
from atlas.reporthtml import fill_page_refs, find_anchors
from atlas.reports import ReportDocument
from atlas.reportsvg import TileSource
from ui.plain import plain_label, tooltip_text, warn
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from atlas.core import Atlas

#: CSS margin boxes with counter(pages) print from Chromium 131 on (QtWebEngine 6.10+).
MIN_CHROMIUM = 131
LOGO_KEY = "reports/logo"
FUNDING_KEY = "reports/funding"
FOLDER_KEY = "reports/folder"


# -- rendering --------------------------------------------------------------------------------
@dataclass(frozen=True)
class RenderedPdf:
    document: ReportDocument
    data: bytes
    pages: int


def page_layout(doc: ReportDocument) -> QPageLayout:
    """A4 in the document's orientation, with the document's margins (mm)."""
    m = doc.margins
    orientation = QPageLayout.Orientation.Landscape if doc.landscape else QPageLayout.Orientation.Portrait
    return QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4),
        orientation,
        QMarginsF(m.left, m.top, m.right, m.bottom),
        QPageLayout.Unit.Millimeter,
    )


def pdf_page_count(data: bytes) -> int:
    """Pages of a PDF (QtPdf); 0 when it cannot be read."""
    return len(pdf_page_texts(data, text=False))


def pdf_page_texts(data: bytes, text: bool = True) -> list[str]:
    """The text of each page of a PDF (QtPdf; '' per page with ``text=False``); [] when it
    cannot be read."""
    with tempfile.TemporaryDirectory(prefix="stadtteil-atlas-pdf-") as folder:
        path = Path(folder) / "read.pdf"
        path.write_bytes(data)
        pdf = QPdfDocument()
        if pdf.load(str(path)) != QPdfDocument.Error.None_:
            return []
        pages = [pdf.getAllText(n).text() if text else "" for n in range(pdf.pageCount())]
        pdf.close()
        return pages


class _ReportPage(QWebEnginePage):
    """No JavaScript, no navigation away, no new windows: a page to print, nothing else."""

    def acceptNavigationRequest(
        self, url: QUrl | str, nav_type: QWebEnginePage.NavigationType, is_main_frame: bool
    ) -> bool:
        target = QUrl(url) if isinstance(url, str) else url
        return target.isLocalFile() and nav_type == QWebEnginePage.NavigationType.NavigationTypeTyped

    def createWindow(self, _kind: QWebEnginePage.WebWindowType) -> QWebEnginePage | None:
        return None


class PdfRenderer(QObject):
    """ReportDocument → PDF bytes, one document at a time, through an offscreen QtWebEngine page.

    ``render(doc)`` returns at once; ``finished(RenderedPdf)`` or ``failed(str)`` follows.
    """

    finished = Signal(object)
    failed = Signal(str)
    _counter = itertools.count(1)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._folder = tempfile.TemporaryDirectory(prefix="stadtteil-atlas-druck-")
        self._page: _ReportPage | None = None
        self._doc: ReportDocument | None = None
        self._html: Path | None = None

    @property
    def busy(self) -> bool:
        return self._doc is not None

    def _make_page(self) -> _ReportPage:
        page = _ReportPage(self)
        settings = page.settings()
        settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptEnabled, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.PluginsEnabled, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.PrintElementBackgrounds, True)
        page.loadFinished.connect(self._loaded)
        return page

    def render(self, doc: ReportDocument) -> None:
        major = int(qWebEngineChromiumVersion().split(".")[0] or 0)
        if major < MIN_CHROMIUM:
            raise AtlasError(
                _(
                    "Diese Qt-WebEngine-Version (Chromium {v}) druckt keine Kopf- und Fußzeilen mit "
                    "Seitenzahlen. Bitte PySide6 6.10 oder neuer installieren."
                ).format(v=major)
            )
        if self._doc is not None:
            raise AtlasError(_("Es wird gerade schon ein Dokument erstellt. Bitte einen Moment warten."))
        if self._page is None:
            self._page = self._make_page()
        self._doc = doc
        # A new file name per job: the page never shows an older document from a cache.
        self._html = Path(self._folder.name) / f"dokument-{next(self._counter)}.html"
        try:
            self._html.write_text(doc.html, encoding="utf-8")
        except OSError as err:
            self._fail(
                _("Die Druckvorlage konnte nicht im Temp-Ordner abgelegt werden: {reason}.").format(
                    reason=err.strerror or err
                )
            )
            return
        self._page.load(QUrl.fromLocalFile(str(self._html)))

    def _loaded(self, ok: bool) -> None:
        if self._doc is None or self._page is None:
            return
        if not ok:
            self._fail(_("Die Druckvorlage konnte nicht geladen werden. Es wurde kein PDF erstellt."))
            return
        self._page.printToPdf(self._printed, page_layout(self._doc))

    def _printed(self, data: Any) -> None:
        doc = self._doc
        pdf = bytes(data.data()) if hasattr(data, "data") else bytes(data)
        self._cleanup()
        if doc is None:
            return
        texts = pdf_page_texts(pdf, text=doc.page_refs) if pdf else []
        if not texts:
            self.failed.emit(_("Das PDF konnte nicht erzeugt werden (die Druckausgabe war leer)."))
            return
        if doc.page_refs:
            # First print done: now we know where each target stands. Print again with the
            # page numbers filled in (the layout is the same; see reporthtml.page_ref).
            final = replace(doc, html=fill_page_refs(doc.html, find_anchors(texts)), page_refs=False)
            self.render(final)
            return
        self.finished.emit(RenderedPdf(doc, pdf, len(texts)))

    def _fail(self, message: str) -> None:
        self._cleanup()
        self.failed.emit(message)

    def _cleanup(self) -> None:
        self._doc = None
        if self._html is not None:
            self._html.unlink(missing_ok=True)
            self._html = None

    def close(self) -> None:
        if self._page is not None:
            self._page.deleteLater()
            self._page = None
        self._folder.cleanup()


def render_blocking(
    doc: ReportDocument, renderer: PdfRenderer | None = None, timeout_s: float = 120
) -> RenderedPdf:
    """Render and wait (command line, benchmarks, tests). Not for the window: it spins a loop."""
    own = renderer is None
    active = renderer or PdfRenderer()
    loop = QEventLoop()
    outcome: dict[str, Any] = {}

    def done(result: RenderedPdf) -> None:
        outcome["ok"] = result
        loop.quit()

    def fail(message: str) -> None:
        outcome["error"] = message
        loop.quit()

    active.finished.connect(done)
    active.failed.connect(fail)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    try:
        active.render(doc)
        if not outcome:
            loop.exec()
    finally:
        active.finished.disconnect(done)
        active.failed.disconnect(fail)
        if own:
            active.close()
    if "ok" in outcome:
        return outcome["ok"]  # type: ignore[no-any-return]
    raise AtlasError(
        outcome.get("error") or _("Das PDF wurde nicht rechtzeitig fertig. Es wurde nichts gespeichert.")
    )


def save_pdf(data: bytes, target: Path) -> Path:
    """Write the PDF atomically. A locked target or a full disk: AtlasError in German, no file left."""
    target = Path(target)
    if target.suffix.lower() != ".pdf":
        target = target.with_name(target.name + ".pdf")
    try:
        atomic_write(target, lambda handle: handle.write(data))
    except AtlasError as err:
        cause = err.__cause__
        hint = ""
        if isinstance(cause, OSError):
            if cause.errno == errno.ENOSPC:
                hint = _("Der Datenträger ist voll.")
            elif cause.errno in (errno.EACCES, errno.EPERM, errno.EBUSY, errno.EROFS) or isinstance(
                cause, PermissionError
            ):
                hint = _(
                    "Ist die Datei noch in einem anderen Programm geöffnet (z. B. im PDF-Betrachter), "
                    "oder darf in den Ordner nicht geschrieben werden? Bitte dort schließen oder einen "
                    "anderen Ort wählen."
                )
            elif cause.errno == errno.ENOENT:
                hint = _("Den Ordner gibt es nicht.")
        raise AtlasError(f"{err.message} {hint}".strip()) from cause
    return target


# -- preview --------------------------------------------------------------------------------
class PdfPreviewDialog(QPrintPreviewDialog):
    """Qt's print preview of rendered PDF pages (QtPdf draws them; printing goes from here)."""

    def __init__(self, rendered: RenderedPdf, parent: QWidget | None = None) -> None:
        self.paper = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.paper.setPageLayout(page_layout(rendered.document))
        self.paper.setFullPage(True)
        self.paper.setDocName(rendered.document.title)
        super().__init__(self.paper, parent)
        self.setWindowTitle(_("Vorschau: {title}").format(title=rendered.document.title))
        self.rendered = rendered
        handle, name = tempfile.mkstemp(prefix="stadtteil-atlas-vorschau-", suffix=".pdf")
        with os.fdopen(handle, "wb") as file:
            file.write(rendered.data)
        self._file = Path(name)
        self.pdf = QPdfDocument(self)
        self.pdf.load(name)
        self.pages_drawn = 0
        self.paintRequested.connect(self.paint)
        self.finished.connect(self._forget)
        self._readable_size()
        # Qt opens at "fit page": a whole A4 page in the window, 38 % on a 768-pixel screen.
        # Open at the page's width instead (scrolling down); the toolbar shows the zoom.
        fit_width = self.findChild(QAction, "fitWidthAction")
        if fit_width is not None:
            fit_width.trigger()

    def _readable_size(self) -> None:
        """Wide enough for an A4 page at about 100 %, within the screen."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else None
        width, height = 1000, 900
        if area is not None:
            width, height = min(width, int(area.width() * 0.95)), min(height, int(area.height() * 0.95))
        self.resize(width, height)

    def zoom_percent(self) -> float:
        """The preview's zoom (100 = the paper's real size on screen)."""
        view = self.findChild(QPrintPreviewWidget)
        return view.zoomFactor() * 100 if view is not None else 0.0

    def paint(self, printer: QPrinter) -> None:
        count = self.pdf.pageCount()
        # Images of whole pages: sharp enough for paper, small enough for long lists.
        dpi = min(printer.resolution(), 300 if count <= 8 else 200 if count <= 30 else 150)
        painter = QPainter()
        if not painter.begin(printer):
            return
        # the preview shows the page images scaled down: smoothly, or thin rules vanish
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        try:
            self.pages_drawn = 0
            for index in range(count):
                if index:
                    printer.newPage()
                size_pt = self.pdf.pagePointSize(index)
                pixels = QSize(round(size_pt.width() / 72 * dpi), round(size_pt.height() / 72 * dpi))
                image = self.pdf.render(index, pixels)  # transparent where the page is blank
                target = printer.paperRect(QPrinter.Unit.DevicePixel).toRect()
                painter.drawImage(target, image)
                self.pages_drawn += 1
        finally:
            painter.end()

    def _forget(self) -> None:
        self.pdf.close()
        self._file.unlink(missing_ok=True)


# -- building documents from plain options ------------------------------------------------------
def tile_source(settings: QSettings) -> tuple[TileSource | None, Callable[[], None]]:
    """The map page's offline tile file as the directory's map background, if one is chosen."""
    if str(settings.value("map/base", "") or "") != "mbtiles":
        return None, lambda: None
    path = str(settings.value("map/mbtiles", "") or "")
    if not path or not Path(path).is_file():
        return None, lambda: None
    from ui.map.scheme import MBTiles, TileError

    try:
        tiles = MBTiles(Path(path))
    except TileError:
        return None, lambda: None
    source = TileSource(
        fetch=tiles.tile,
        mime=tiles.mime.decode("ascii"),
        attribution=tiles.attribution,
        min_zoom=tiles.min_zoom,
        max_zoom=tiles.max_zoom,
    )
    return source, tiles.close


def build_document(kind: str, atlas: Atlas, options: Mapping[str, Any]) -> ReportDocument:
    """The document of ``kind`` from plain options (runs on a worker thread; no widgets)."""
    logo_path = str(options.get("logo") or "")
    logo = reports.load_logo(logo_path) if logo_path else None
    today = options.get("today")
    if kind == "contact-list":
        return reports.contact_list(
            atlas,
            round_table_id=options.get("round_table_id"),
            quarter_id=options.get("quarter_id"),
            category_id=options.get("category_id"),
            contact_ids=options.get("contact_ids"),
            selection_label=str(options.get("selection_label") or ""),
            columns=options.get("columns") or reports.DEFAULT_CONTACT_COLUMNS,
            sort=str(options.get("sort") or "name"),
            group=bool(options.get("group")),
            logo=logo,
            today=today,
        )
    if kind == "sign-in":
        return reports.sign_in_sheet(
            atlas,
            options.get("meeting_id"),
            funding=str(options.get("funding") or ""),
            blank_rows=int(options.get("blank_rows", 8)),
            consent=bool(options.get("consent", True)),
            logo=logo,
            today=today,
        )
    if kind == "directory":
        return reports.directory(
            atlas,
            quarter_id=options.get("quarter_id"),
            category_id=options.get("category_id"),
            logo=logo,
            tiles=options.get("tiles"),
            today=today,
        )
    if kind == "network":
        start, end = reports.default_period(today or atlas.clock.today())
        return reports.network_report(
            atlas, start=options.get("start") or start, end=options.get("end") or end, logo=logo, today=today
        )
    raise ValidationError({"kind": _("Unbekanntes Dokument: {kind}").format(kind=kind)})


# -- the dialog ---------------------------------------------------------------------------------
class ReportDialog(QDialog):
    """Options of one document, then 'Vorschau …' or 'Als PDF speichern …'."""

    saved = Signal(str)  # the path written
    rendered = Signal(object)  # RenderedPdf (for the preview and for tests)
    problem = Signal(str)  # a German message, also shown in a message box

    def __init__(
        self,
        kind: str,
        atlas: Atlas,
        settings: QSettings,
        parent: QWidget | None = None,
        preset: Mapping[str, Any] | None = None,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        if kind not in reports.KINDS:
            raise ValueError(kind)
        self.kind = kind
        self.atlas = atlas
        self.settings = settings
        self.preset = dict(preset or {})
        self.runner = runner or TaskRunner(1, self)
        self.renderer = PdfRenderer(self)
        self.renderer.finished.connect(self._rendered)
        self.renderer.failed.connect(self._failed)
        self.preview_dialog: PdfPreviewDialog | None = None
        self._target: Path | None = None
        self._close_tiles: Callable[[], None] = lambda: None
        self.setObjectName(f"report-{kind}")
        self.setWindowTitle(reports.KINDS[kind])
        self.setMinimumWidth(600)

        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        builder = {
            "contact-list": self._build_contacts,
            "sign-in": self._build_sign_in,
            "directory": self._build_directory,
            "network": self._build_network,
        }[kind]
        builder()
        self._build_logo()
        self.status = plain_label()
        self.status.setWordWrap(True)
        self.status.setObjectName("status")
        layout.addWidget(self.status)
        buttons = QDialogButtonBox()
        self.preview_button = QPushButton(self.tr("Vorschau …"))
        self.save_button = QPushButton(self.tr("Als PDF speichern …"))
        self.save_button.setDefault(True)
        buttons.addButton(self.preview_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.preview_button.clicked.connect(lambda: self.preview())
        self.save_button.clicked.connect(lambda: self.save())
        layout.addWidget(buttons)

    # -- per kind --------------------------------------------------------------------
    def _combo(self, items: list[tuple[Any, str]], selected: Any = None) -> QComboBox:
        combo = QComboBox()
        for value, label in items:
            combo.addItem(label, value)
        if selected is not None:
            index = combo.findData(selected)
            if index >= 0:
                combo.setCurrentIndex(index)
        combo.setMaxVisibleItems(20)
        return combo

    def _categories(self) -> list[tuple[Any, str]]:
        return [(t.id, t.name) for t in self.atlas.taxonomy.terms(Vocabulary.CATEGORY)]

    def _build_contacts(self) -> None:
        sources: list[tuple[Any, str]] = [
            ("round_table", self.tr("Runder Tisch")),
            ("quarter", self.tr("Quartier")),
            ("category", self.tr("Kategorie")),
        ]
        ids = self.preset.get("contact_ids")
        if ids is not None:
            sources.append(("list", self.tr("aktuelle Liste ({n} Kontakte)").format(n=len(ids))))
        wanted = self.preset.get("source") or (
            "list"
            if ids is not None
            else "quarter"
            if self.preset.get("quarter_id")
            else "category"
            if self.preset.get("category_id")
            else "round_table"
        )
        self.source = self._combo(sources, wanted)
        self.target = QComboBox()
        self.target.setMaxVisibleItems(20)
        self.source.currentIndexChanged.connect(self._fill_targets)
        self.form.addRow(self.tr("Kontakte von"), self.source)
        self.form.addRow(self.tr("Auswahl"), self.target)
        self._fill_targets()
        grid = QGridLayout()
        self.columns: dict[str, QCheckBox] = {}
        chosen = set(self.preset.get("columns") or reports.DEFAULT_CONTACT_COLUMNS)
        for n, (key, label) in enumerate(reports.CONTACT_COLUMNS.items()):
            box = QCheckBox(label)
            box.setChecked(key in chosen)
            self.columns[key] = box
            grid.addWidget(box, n // 3, n % 3)
        holder = QWidget()
        holder.setLayout(grid)
        grid.setContentsMargins(0, 0, 0, 0)
        self.form.addRow(self.tr("Spalten"), holder)
        self.sort = self._combo(list(reports.CONTACT_SORTS.items()), self.preset.get("sort", "name"))
        self.form.addRow(self.tr("Sortiert nach"), self.sort)
        self.group = QCheckBox(self.tr("nach Einrichtung gruppieren"))
        self.group.setChecked(bool(self.preset.get("group")))
        self.form.addRow("", self.group)

    def _fill_targets(self) -> None:
        source = self.source.currentData()
        self.target.clear()
        preset: Any = None
        items: list[tuple[Any, str]]
        if source == "round_table":
            items = list(self.atlas.records["round_table"].choices())
            preset = self.preset.get("round_table_id")
        elif source == "quarter":
            items = list(self.atlas.quarters.choices())
            preset = self.preset.get("quarter_id")
        elif source == "category":
            items = self._categories()
            preset = self.preset.get("category_id")
        else:
            label = str(self.preset.get("selection_label") or self.tr("die Kontakte der aktuellen Liste"))
            items = [(None, label)]
        for value, label in items:
            self.target.addItem(label, value)
        index = self.target.findData(preset) if preset is not None else -1
        if index >= 0:
            self.target.setCurrentIndex(index)
        self.target.setEnabled(source != "list")

    def _build_sign_in(self) -> None:
        self.meeting = self._combo(reports.meetings_for_choice(self.atlas), self.preset.get("meeting_id"))
        self.form.addRow(self.tr("Treffen"), self.meeting)
        self.funding = QLineEdit(
            str(self.preset.get("funding") or self.settings.value(FUNDING_KEY, "") or "")
        )
        self.funding.setPlaceholderText(
            self.tr("z. B. gefördert durch den Europäischen Sozialfonds (ESF Plus)")
        )
        self.form.addRow(self.tr("Förderhinweis"), self.funding)
        self.blank_rows = QSpinBox()
        self.blank_rows.setRange(0, 200)
        self.blank_rows.setValue(int(self.preset.get("blank_rows", 8)))
        self.form.addRow(self.tr("Leerzeilen für weitere Gäste"), self.blank_rows)
        self.consent = QCheckBox(self.tr("Einwilligungsspalten (Fotos, Kontakte)"))
        self.consent.setChecked(bool(self.preset.get("consent", True)))
        self.form.addRow("", self.consent)

    def _build_directory(self) -> None:
        everything = self.tr("alle")
        self.quarter = self._combo(
            [(None, self.tr("alle Quartiere")), *self.atlas.quarters.choices()], self.preset.get("quarter_id")
        )
        self.form.addRow(self.tr("Quartier"), self.quarter)
        self.category = self._combo(
            [(None, everything + " " + self.tr("Kategorien")), *self._categories()],
            self.preset.get("category_id"),
        )
        self.form.addRow(self.tr("Kategorie"), self.category)

    def _build_network(self) -> None:
        start, end = reports.default_period(self.atlas.clock.today())
        start = self.preset.get("start") or start
        end = self.preset.get("end") or end
        self.start = QDateEdit(QDate(start.year, start.month, start.day))
        self.end = QDateEdit(QDate(end.year, end.month, end.day))
        row = QHBoxLayout()
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd.MM.yyyy")
        row.addWidget(self.start)
        row.addWidget(plain_label(self.tr("bis")))
        row.addWidget(self.end)
        row.addStretch(1)
        holder = QWidget()
        holder.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self.form.addRow(self.tr("Zeitraum"), holder)

    def _build_logo(self) -> None:
        row = QHBoxLayout()
        self.logo_label = plain_label()
        self.logo_label.setObjectName("logo")
        choose = QPushButton(self.tr("Wählen …"))
        remove = QPushButton(self.tr("Entfernen"))
        choose.clicked.connect(self.choose_logo)
        remove.clicked.connect(lambda: self.set_logo(""))
        row.addWidget(self.logo_label, 1)
        row.addWidget(choose)
        row.addWidget(remove)
        row.setContentsMargins(0, 0, 0, 0)
        holder = QWidget()
        holder.setLayout(row)
        self.form.addRow(self.tr("Logo (alle Dokumente)"), holder)
        self._show_logo()

    def _show_logo(self) -> None:
        path = self.logo_path()
        self.logo_label.setText(Path(path).name if path else self.tr("kein Logo"))
        self.logo_label.setToolTip(tooltip_text(path))

    def logo_path(self) -> str:
        return str(self.settings.value(LOGO_KEY, "") or "")

    def choose_logo(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Logo wählen"), self.logo_path(), self.tr("Bilder (*.png *.jpg *.jpeg *.svg)")
        )
        if path:
            self.set_logo(path)

    def set_logo(self, path: str) -> bool:
        """Remember the logo for every document (checked first); '' removes it."""
        if path:
            try:
                reports.load_logo(path)
            except AtlasError as err:
                self._tell(str(err))
                return False
        self.settings.setValue(LOGO_KEY, path)
        self._show_logo()
        return True

    # -- options ---------------------------------------------------------------------
    def options(self) -> dict[str, Any]:
        """Plain values for :func:`build_document` (read on the GUI thread)."""
        out: dict[str, Any] = {"logo": self.logo_path()}
        if self.kind == "contact-list":
            source = self.source.currentData()
            key = {"round_table": "round_table_id", "quarter": "quarter_id", "category": "category_id"}.get(
                source
            )
            if key:
                out[key] = self.target.currentData()
            else:
                out["contact_ids"] = list(self.preset.get("contact_ids") or [])
                out["selection_label"] = str(self.preset.get("selection_label") or "")
            out["columns"] = [k for k, box in self.columns.items() if box.isChecked()]
            out["sort"] = self.sort.currentData()
            out["group"] = self.group.isChecked()
        elif self.kind == "sign-in":
            out["meeting_id"] = self.meeting.currentData()
            out["funding"] = self.funding.text()
            out["blank_rows"] = self.blank_rows.value()
            out["consent"] = self.consent.isChecked()
        elif self.kind == "directory":
            out["quarter_id"] = self.quarter.currentData()
            out["category_id"] = self.category.currentData()
        else:
            out["start"] = self.start.date().toPython()
            out["end"] = self.end.date().toPython()
        if "today" in self.preset:
            out["today"] = self.preset["today"]
        return out

    # -- actions ---------------------------------------------------------------------
    def preview(self) -> None:
        self._start(None)

    def save(self, path: str | Path | None = None) -> None:
        """'Als PDF speichern': asks for the file unless ``path`` is given."""
        if path is None:
            folder = str(self.settings.value(FOLDER_KEY, "") or str(Path.home()))
            suggestion = str(Path(folder) / f"{reports.KINDS[self.kind]}.pdf")
            chosen, _filter = QFileDialog.getSaveFileName(
                self, self.tr("Als PDF speichern"), suggestion, self.tr("PDF (*.pdf)")
            )
            if not chosen:
                return
            path = chosen
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        self._start(target)

    def _start(self, target: Path | None) -> None:
        if self.renderer.busy or not self.preview_button.isEnabled():
            return
        if self.kind == "contact-list" and not any(box.isChecked() for box in self.columns.values()):
            self._tell(self.tr("Bitte mindestens eine Spalte wählen."))
            return
        if self.kind == "network" and self.start.date() > self.end.date():
            self._tell(self.tr("Der Zeitraum beginnt nach seinem Ende."))
            return
        self._target = target
        options = self.options()
        if self.kind == "sign-in":
            self.settings.setValue(FUNDING_KEY, options["funding"])
        if self.kind == "directory":
            options["tiles"], self._close_tiles = tile_source(self.settings)
        self._busy(True, self.tr("Das Dokument wird zusammengestellt …"))
        kind, atlas = self.kind, self.atlas
        self.runner.run(lambda: build_document(kind, atlas, options), self._built, self._worker_failed)

    def _built(self, doc: ReportDocument) -> None:
        self._close_tiles()
        self._close_tiles = lambda: None
        self.status.setText(self.tr("Das PDF wird gesetzt ({what}) …").format(what=doc.summary))
        try:
            self.renderer.render(doc)
        except AtlasError as err:
            self._failed(str(err))

    def _worker_failed(self, error: BaseException) -> None:
        self._close_tiles()
        self._close_tiles = lambda: None
        if isinstance(error, AtlasError):
            self._failed(str(error))
        else:
            self._failed(self.tr("Das Dokument konnte nicht erstellt werden: {error}").format(error=error))

    def _rendered(self, result: RenderedPdf) -> None:
        self.rendered.emit(result)
        target = self._target
        if target is None:
            self._busy(
                False,
                self.tr("{pages} Seiten · {what}").format(pages=result.pages, what=result.document.summary),
            )
            self.preview_dialog = PdfPreviewDialog(result, self)
            self.preview_dialog.open()
            return
        self.status.setText(self.tr("Wird gespeichert …"))
        data = result.data

        def write() -> Path:
            return save_pdf(data, target)

        def written(path: Path) -> None:
            self.settings.setValue(FOLDER_KEY, str(path.parent))
            self._busy(
                False,
                self.tr("Gespeichert: {path} ({pages} Seiten · {what})").format(
                    path=path, pages=result.pages, what=result.document.summary
                ),
            )
            self.saved.emit(str(path))

        self.runner.run(write, written, self._worker_failed)

    def _failed(self, message: str) -> None:
        self._busy(False, "")
        self._tell(message)

    def _tell(self, message: str) -> None:
        self.status.setText(message)
        self.problem.emit(message)
        warn(self, reports.KINDS[self.kind], message)

    def _busy(self, on: bool, text: str) -> None:
        self.preview_button.setEnabled(not on)
        self.save_button.setEnabled(not on)
        self.status.setText(text)
        if on:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def done(self, result: int) -> None:
        self.runner.wait(10000)
        super().done(result)


def open_report_dialog(
    kind: str,
    atlas: Atlas,
    settings: QSettings,
    parent: QWidget | None = None,
    preset: Mapping[str, Any] | None = None,
    runner: TaskRunner | None = None,
) -> ReportDialog:
    """Open the dialog of one document (non-blocking) and return it.

    ``kind``: ``contact-list``, ``sign-in``, ``directory`` or ``network``. ``preset`` fills
    the options, e.g. ``{"round_table_id": 3}``, ``{"quarter_id": 2}``,
    ``{"contact_ids": [...], "selection_label": "Suche „Kita“"}``, ``{"meeting_id": 12}``,
    ``{"start": date, "end": date}``.
    """
    dialog = ReportDialog(kind, atlas, settings, parent, preset, runner)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


# -- command line -------------------------------------------------------------------------------
def run_report_command(atlas: Atlas, args: Any) -> str:
    """``stadtteil-atlas report KIND [filters] --out FILE.pdf``; returns the line to print.

    Creates the QApplication (offscreen) only here, with the ``atlas:`` scheme registered
    first (ui.app.make_application). Raises AtlasError in German.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    target = Path(args.out)
    if target.suffix.lower() != ".pdf":
        raise ValidationError({"out": _("Die Zieldatei muss auf .pdf enden.")})
    options = reports.command_options(atlas, args)
    doc = build_document(args.kind, atlas, options)
    from ui.app import make_application

    make_application(sys.argv[:1] or ["stadtteil-atlas"])
    renderer = PdfRenderer()
    try:
        rendered = render_blocking(doc, renderer)
    finally:
        renderer.close()
        renderer.deleteLater()
        # the page must be gone before QtWebEngine's profile is released at exit
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    path = save_pdf(rendered.data, target)
    return _("Gespeichert: {path} ({pages} Seiten; {what})").format(
        path=path, pages=rendered.pages, what=doc.summary
    )


__all__ = [
    "PdfPreviewDialog",
    "PdfRenderer",
    "RenderedPdf",
    "ReportDialog",
    "open_report_dialog",
    "render_blocking",
    "run_report_command",
    "save_pdf",
]
