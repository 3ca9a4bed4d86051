"""How the main window fits a small screen: its first size, and where the map is shown.

**Which sections show the map.** The map shows institutions, so it is useful where a record
stands for a place: *Einrichtungen* (the institution itself), *Angebote* and *Kontakte*
(where the offer or person is: their institution), *Akteure* (an actor's institution), and
*Quartiere* (the outlines; choosing a quarter zooms to it). On *Runde Tische & Treffen*,
*Vereinbarungen*, the *Netzwerk-Übersicht* and the first-steps page the map has nothing to
follow, so it is hidden there and the lists and forms get its width. Whatever the user
chooses on a section (Ansicht → Karte, Strg+M, or the pane's close button) is remembered
for that section in QSettings (``map/visible/<section>``).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSettings, QSize
from PySide6.QtWidgets import QDockWidget, QWidget

from ui import settings as prefs

# The first entity key of each section (see ui.main_window.SECTIONS) that has places.
MAP_SECTIONS = frozenset({"institution", "offer", "contact", "actor", "quarter"})

PREFERRED = QSize(1280, 800)
# Room for the window's title bar and borders, which the window manager adds around it
# (not known before the window is first shown).
FRAME = QSize(16, 40)


def default_size(available: QRect, preferred: QSize = PREFERRED) -> QSize:
    """The first size of the window: the preferred size, but never larger than the screen's free area."""
    return QSize(
        min(preferred.width(), available.width() - FRAME.width()),
        min(preferred.height(), available.height() - FRAME.height()),
    )


def fit_to_screen(window: QWidget) -> None:
    """Size the window to fit its screen's free area (without the task bar) and centre it there."""
    screen = window.screen()
    available = screen.availableGeometry()
    size = default_size(available)
    window.resize(size)
    left = available.left() + max(0, (available.width() - size.width() - FRAME.width()) // 2)
    top = available.top() + max(0, (available.height() - size.height() - FRAME.height()) // 2)
    window.move(left, top)


class SectionMap:
    """Shows or hides the map pane per section, and remembers the user's choice per section."""

    def __init__(self, dock: QDockWidget, settings: QSettings) -> None:
        self.dock = dock
        self.settings = settings
        self.key: str | None = None
        self._applying = False
        dock.toggleViewAction().toggled.connect(self._remember)

    def wanted(self, key: str) -> bool:
        stored = prefs.MAP_VISIBLE.get(self.settings, section=key)
        return key in MAP_SECTIONS if stored is None else stored

    def apply(self, key: str) -> None:
        """Section ``key`` is now on screen: show the map there or not."""
        self.key = key
        self._applying = True
        try:
            visible = self.wanted(key)
            self.dock.setVisible(visible)
            # Before the window is first shown the dock gets no show/hide event, so its menu
            # entry would keep the old state.
            self.dock.toggleViewAction().setChecked(visible)
        finally:
            self._applying = False

    def _remember(self, visible: bool) -> None:
        # Only a choice made in the open window counts (not the window closing or being torn down).
        window = self.dock.parentWidget()
        if self._applying or self.key is None or window is None or not window.isVisible():
            return
        prefs.MAP_VISIBLE.set(self.settings, visible, section=self.key)
