"""The PDF renderer: a document of :mod:`atlas.reports` to PDF bytes, and saving them.

- :class:`PdfRenderer` loads a document's HTML from a temporary file into an offscreen
  ``QWebEnginePage`` (never ``setHtml``: it fails silently above 2 MB) and prints it with
  ``printToPdf`` to bytes. Chromium lays out and prints in its own process; the GUI
  thread only waits for the signal. The page layout's margins are the document's: Qt's
  margins win over CSS ``@page`` margins, and the running header and footer ('Seite x
  von y') are CSS margin boxes that live inside those margins.
- :func:`render_blocking` renders and waits (command line, benchmarks, tests).
- :func:`save_pdf` writes the bytes atomically (temporary file beside the target, then
  rename): a file open in another program or a full disk leaves no half file, and the
  German message says what happened.
"""

from __future__ import annotations

import errno
import itertools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QEventLoop, QMarginsF, QObject, QTimer, QUrl, Signal
from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineSettings, qWebEngineChromiumVersion

from atlas.errors import AtlasError
from atlas.files import atomic_write
from atlas.i18n import _
from atlas.reports import ReportDocument, fill_page_refs, find_anchors, render_timeout_s
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    pass


T = TypeVar("T")

#: CSS margin boxes with counter(pages) print from Chromium 131 on (QtWebEngine 6.10+).
MIN_CHROMIUM = 131


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


def _chromium_version() -> str:
    """The Chromium version as text: a str at run time, though the stub says bytes."""
    version: object = qWebEngineChromiumVersion()
    if isinstance(version, (bytes, bytearray, memoryview)):
        return bytes(version).decode("ascii")
    return str(version)


class _ReportPage(QWebEnginePage):
    """No JavaScript, no navigation away, no new windows: a page to print, nothing else."""

    def acceptNavigationRequest(
        self, url: QUrl | str, nav_type: QWebEnginePage.NavigationType, is_main_frame: bool
    ) -> bool:
        target = QUrl(url) if isinstance(url, str) else url
        return target.isLocalFile() and nav_type == QWebEnginePage.NavigationType.NavigationTypeTyped

    # The stub says QWebEnginePage; Qt takes None (nullptr) as "no new window".
    def createWindow(  # type: ignore[override]
        self, _kind: QWebEnginePage.WebWindowType
    ) -> QWebEnginePage | None:
        return None


class PdfRenderer(QObject):
    """ReportDocument → PDF bytes, one document at a time, through an offscreen QtWebEngine page.

    ``render(doc)`` returns at once; ``finished(RenderedPdf)`` or ``failed(str)`` follows.
    """

    finished = Signal(object)
    failed = Signal(str)
    _counter = itertools.count(1)

    def __init__(self, parent: QObject | None = None, runner: TaskRunner | None = None) -> None:
        """``runner``: the window's background runner. The work around Chromium's — writing
        the HTML to a file, reading the pages' texts back from the PDF to fill in the page
        numbers (277 pages: 2.6 s) — then runs on it, and the GUI thread only waits in its
        event loop; without one (command line, tests) it runs here."""
        super().__init__(parent)
        self._runner = runner
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
        major = int(_chromium_version().split(".")[0] or 0)
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
        self._html = html = Path(self._folder.name) / f"dokument-{next(self._counter)}.html"
        text = doc.html

        def write() -> Path:
            try:
                html.write_text(text, encoding="utf-8")
            except OSError as err:
                raise AtlasError(
                    _("Die Druckvorlage konnte nicht im Temp-Ordner abgelegt werden: {reason}.").format(
                        reason=err.strerror or err
                    )
                ) from err
            return html

        self._off_gui(write, self._load)

    def _off_gui(self, fn: Callable[[], T], then: Callable[[T], None]) -> None:
        """``fn`` on the runner (or here without one), then ``then(result)`` here; an
        AtlasError fails the document."""
        if self._runner is None:
            try:
                result = fn()
            except AtlasError as err:
                self._fail(str(err))
                return
            then(result)
            return

        def failed(error: BaseException) -> None:
            self._fail(
                str(error)
                if isinstance(error, AtlasError)
                else _("Das PDF konnte nicht erzeugt werden: {e}").format(e=error)
            )

        self._runner.run(fn, then, failed, owner=self)

    def _load(self, html: Path) -> None:
        if self._page is None or self._doc is None or html != self._html:
            return
        self._page.load(QUrl.fromLocalFile(str(html)))

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
        self._doc = doc  # busy until the pages are counted (and the numbers filled in)

        def pages() -> tuple[int, ReportDocument | None]:
            texts = pdf_page_texts(pdf, text=doc.page_refs) if pdf else []
            if not texts or not doc.page_refs:
                return len(texts), None
            # First print done: now we know where each target stands. Print again with the
            # page numbers filled in (the layout is the same; see reporthtml.page_ref).
            return len(texts), replace(
                doc, html=fill_page_refs(doc.html, find_anchors(texts)), page_refs=False
            )

        def counted(result: tuple[int, ReportDocument | None]) -> None:
            count, final = result
            self._doc = None
            if not count:
                self.failed.emit(_("Das PDF konnte nicht erzeugt werden (die Druckausgabe war leer)."))
            elif final is not None:
                self.render(final)
            else:
                self.finished.emit(RenderedPdf(doc, pdf, count))

        self._off_gui(pages, counted)

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
    doc: ReportDocument, renderer: PdfRenderer | None = None, timeout_s: float | None = None
) -> RenderedPdf:
    """Render and wait (command line, benchmarks, tests). Not for the window: it spins a loop.

    The wait (``timeout_s``) is by default 120 s plus 1 s per page the document is estimated
    to have (:func:`atlas.reports.render_timeout_s`), so a long document is not given up
    after a fixed two minutes."""
    if timeout_s is None:
        timeout_s = render_timeout_s(doc.estimated_pages)
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
