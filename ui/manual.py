"""Hilfe → Handbuch: the German manual, bundled as HTML and shown offline in a QTextBrowser."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, QUrl
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

MANUAL = Path(__file__).resolve().parents[1] / "resources" / "manual" / "handbuch.html"


class ManualBrowser(QTextBrowser):
    """Follows the manual's own anchors; loads nothing that is not beside the manual."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenExternalLinks(False)
        self.setOpenLinks(True)
        self.refused: list[str] = []

    def loadResource(self, kind: int, url: QUrl | str) -> object:
        url = QUrl(url)
        local = url.isLocalFile() or url.isRelative() or url.scheme() == ""
        if not local:
            self.refused.append(url.toString())
            return None
        if url.isLocalFile() and MANUAL.parent not in Path(url.toLocalFile()).resolve().parents:
            self.refused.append(url.toString())
            return None
        return super().loadResource(kind, url)


class ManualDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("manual")
        self.setWindowTitle(self.tr("Stadtteil-Atlas – Handbuch"))
        self.browser = ManualBrowser()
        self.browser.setObjectName("manualText")
        self.browser.setSource(QUrl.fromLocalFile(str(MANUAL)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(self._fitting_size(parent))

    def _fitting_size(self, parent: QWidget | None) -> QSize:
        available = (parent or self).screen().availableGeometry()
        return QSize(min(760, available.width() - 40), min(680, available.height() - 60))


def show_manual(window: QWidget) -> ManualDialog:
    """Open the manual beside the window (one per window; raised if already open)."""
    dialog = window.findChild(ManualDialog, "manual")
    if dialog is None:
        dialog = ManualDialog(window)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
