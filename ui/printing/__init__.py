"""Paper: print preview and 'Als PDF speichern' for the documents of :mod:`atlas.reports`.

- :mod:`ui.printing.renderer`: :class:`PdfRenderer` (HTML to PDF bytes in an offscreen
  ``QWebEnginePage``), :func:`render_blocking`, :func:`save_pdf` (atomic, German hints).
- :mod:`ui.printing.preview`: :class:`PdfPreviewDialog`, Qt's print preview of the pages.
- :mod:`ui.printing.documents`: :func:`build_document` (plain options to a document, on a
  worker) and :func:`tile_source` (offline map tiles from the settings).
- :mod:`ui.printing.dialog`: :class:`ReportDialog` and :func:`open_report_dialog`.

The command line's ``report`` lives in ``main.py``; it uses the renderer only.
"""

from ui.printing.dialog import ReportDialog, open_report_dialog
from ui.printing.documents import build_document, tile_source
from ui.printing.preview import PdfPreviewDialog
from ui.printing.renderer import PdfRenderer, RenderedPdf, render_blocking, save_pdf

__all__ = [
    "PdfPreviewDialog",
    "PdfRenderer",
    "RenderedPdf",
    "ReportDialog",
    "build_document",
    "open_report_dialog",
    "render_blocking",
    "save_pdf",
    "tile_source",
]
