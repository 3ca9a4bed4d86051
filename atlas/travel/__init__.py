"""travel: the offline copy (issue 14) — taken to an event, merged back without loss.

``checkout`` trims a fresh copy to its part and writes its base; ``checkin`` compares
base, office and copy row by row (keyed by UUID) and ``apply`` writes the reviewed
result in one transaction and can take it back as one step. ``TravelService`` is the
front door the window and the command line use; the files are opened by ``db.travel``.
"""

from __future__ import annotations

from atlas.travel.apply import Applied, Choices, Undo
from atlas.travel.checkin import Plan, plan
from atlas.travel.checkout import (
    CopyInfo,
    Scope,
    TravelError,
    copy_info,
    database_uuid,
    prepare_copy,
    register_copy,
)
from atlas.travel.merge import Action, Decision, FieldConflict, Side
from atlas.travel.service import TravelService
from atlas.travel.text import applied_line, copy_line, plan_lines, shown
from atlas.travel.words import ORDER, WORDS, counted, describe, field_label, label, plural, title

__all__ = [
    "ORDER",
    "WORDS",
    "Action",
    "Applied",
    "Choices",
    "CopyInfo",
    "Decision",
    "FieldConflict",
    "Plan",
    "Scope",
    "Side",
    "TravelError",
    "TravelService",
    "Undo",
    "applied_line",
    "copy_info",
    "copy_line",
    "counted",
    "database_uuid",
    "describe",
    "field_label",
    "label",
    "plan",
    "plan_lines",
    "plural",
    "prepare_copy",
    "register_copy",
    "shown",
    "title",
]
