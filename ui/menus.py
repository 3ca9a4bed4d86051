"""The window's menu bar and tool bar, laid out from the actions of :mod:`ui.actions`.

``MENUS`` names each menu's entries in order (``None``: a separator); the actions themselves
(text, shortcut, tip) are declared in ``ui.actions`` and connected by the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

if TYPE_CHECKING:
    from ui.main_window import MainWindow

#: (menu title, entries); "undo"/"redo" are the window's undo stack, ``None`` a separator.
MENUS: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    (
        "&Datei",
        (
            "new",
            "save",
            "delete",
            None,
            "import_list",
            "export_list",
            "hsds_export",
            "hsds_import",
            None,
            "travel_take",
            "travel_bring_back",
            None,
            "team_connect",
            None,
            "quit",
        ),
    ),
    ("&Bearbeiten", ("undo", "redo", None, "find", "find_duplicates", "taxonomies")),
    ("D&rucken", ("report_contacts", "report_sign_in", "report_directory", "report_network")),
    (
        "Daten&schutz",
        ("privacy_export", "privacy_erase", "privacy_controller", None, "consent_review", "retention_review"),
    ),
    ("&Orte", ("geocode_missing", "import_quarters", "reassign_quarters", None, "geocoder_settings")),
)
HELP: tuple[str | None, ...] = ("manual", "first_steps", None, "about")
TOOLBAR = ("new", "delete", "undo", "redo")


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def _fill(menu: QMenu, entries: tuple[str | None, ...], actions: dict[str, QAction]) -> None:
    for name in entries:
        if name is None:
            menu.addSeparator()
        else:
            menu.addAction(actions[name])


def build_menus(
    window: MainWindow, undo: QAction, redo: QAction, sections: tuple[tuple[str, tuple[str, ...]], ...]
) -> None:
    """The menu bar (the menus above, then Ansicht with the map and the ``sections``, then
    Hilfe) and the tool bar of ``window``."""
    actions = {**window.actions_by_name, "undo": undo, "redo": redo}
    bar = window.menuBar()
    for title, entries in MENUS:
        _fill(bar.addMenu(_tr(title)), entries, actions)
    view_menu = bar.addMenu(_tr("&Ansicht"))
    map_toggle = window.map_dock.toggleViewAction()
    map_toggle.setText(_tr("&Karte"))
    map_toggle.setShortcut(QKeySequence("Ctrl+M"))
    window.actions_by_name["map"] = map_toggle
    view_menu.addAction(map_toggle)
    view_menu.addSeparator()
    for index, (label, _keys) in enumerate(sections):
        action = view_menu.addAction(_tr(label))
        action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
        action.triggered.connect(lambda _checked=False, i=index: window.show_section(i))
    _fill(bar.addMenu(_tr("&Hilfe")), HELP, actions)

    toolbar = QToolBar(_tr("Werkzeuge"))
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    toolbar.addActions([actions[name] for name in TOOLBAR])
    window.addToolBar(toolbar)
