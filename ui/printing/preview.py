"""Print preview of rendered PDF pages (QtPdf draws them; printing goes from here)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtGui import QAction, QGuiApplication, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWidgets import QWidget

from atlas.i18n import _

if TYPE_CHECKING:
    pass
from ui.printing.renderer import RenderedPdf, page_layout


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
