"""The window follows the logged-in role (``Atlas.rights``, docs/TEAM.md): what the team
server would refuse is greyed out, and its tip says why instead of what it does."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton

from atlas.rights import Rights

#: Which right each action needs (the others need none: search, look, print, export).
NEEDS: dict[str, str] = {
    "new": "can_write",
    "save": "can_write",
    "import_list": "can_write",
    "hsds_import": "can_write",
    "travel_bring_back": "can_write",
    "geocode_missing": "can_write",
    "reassign_quarters": "can_write",
    "privacy_controller": "can_write",
    "delete": "can_delete",
    "find_duplicates": "can_delete",  # merging deletes the record it drops
    "privacy_erase": "can_delete",
    "taxonomies": "can_change_terms",
    "import_quarters": "can_change_quarters",
}


def allowed(rights: Rights, need: str) -> bool:
    return bool(getattr(rights, need))


def apply_to_actions(actions: Mapping[str, QAction], rights: Rights) -> list[str]:
    """Grey out the actions the role may not use, with the reason as tip; their names."""
    refused = []
    for name, need in NEEDS.items():
        action = actions.get(name)
        if action is None or allowed(rights, need):
            continue
        action.setEnabled(False)
        action.setToolTip(rights.why_not())
        action.setStatusTip(rights.why_not())
        refused.append(name)
    return refused


def apply_to_button(button: QAbstractButton, rights: Rights, need: str) -> None:
    """One button (e.g. the overview's "Regel ändern …")."""
    if not allowed(rights, need):
        button.setEnabled(False)
        button.setToolTip(rights.why_not())
