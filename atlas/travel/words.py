"""The words of the offline copy: each kind of row and each column as a coach reads them.

One place for the review dialog, the command line's sentences and the merge's notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atlas.i18n import _
from atlas.records import ENTITIES
from atlas.travel.merge import Decision

#: Singular and plural of every kind that travels, records first, then what links them.
WORDS: dict[str, tuple[str, str]] = {
    "term": (_("Begriff"), _("Begriffe")),
    "quarter": (_("Quartier"), _("Quartiere")),
    "institution": (_("Einrichtung"), _("Einrichtungen")),
    "offer": (_("Angebot"), _("Angebote")),
    "contact": (_("Kontakt"), _("Kontakte")),
    "actor": (_("Akteur"), _("Akteure")),
    "round_table": (_("Runder Tisch"), _("Runde Tische")),
    "meeting": (_("Treffen"), _("Treffen")),
    "agreement": (_("Vereinbarung"), _("Vereinbarungen")),
    "follow_up": (_("Aufgabe"), _("Aufgaben")),
    "actor_status_event": (_("Statuswechsel"), _("Statuswechsel")),
    "actor_override": (_("Status-Festlegung"), _("Status-Festlegungen")),
    "offer_target_group": (_("Zielgruppe eines Angebots"), _("Zielgruppen von Angeboten")),
    "round_table_member": (_("Mitgliedschaft"), _("Mitgliedschaften")),
    "attendance": (_("Teilnahme"), _("Teilnahmen")),
    "agreement_party": (_("Partner einer Vereinbarung"), _("Partner von Vereinbarungen")),
}
ORDER = tuple(WORDS)

#: Labels of the columns the record forms do not show.
FIELD_LABELS = {
    "vocabulary": _("Liste"),
    "name": _("Name"),
    "color": _("Farbe"),
    "quarter_manual": _("Quartier von Hand gesetzt"),
    "geocode_status": _("Verortung"),
    "geocoded_at": _("Verortet am"),
    "meeting_id": _("Treffen"),
    "task": _("Aufgabe"),
    "who": _("Wer"),
    "due": _("Bis"),
    "done": _("Erledigt"),
    "actor_id": _("Akteur"),
    "status": _("Status"),
    "reason": _("Grund"),
    "set_on": _("Festgelegt am"),
    "set_by": _("Festgelegt von"),
    "ended_on": _("Beendet am"),
    "happened_on": _("Am"),
    "note": _("Notiz"),
    "contact_id": _("Kontakt"),
    "role": _("Rolle"),
}


def label(kind: str) -> str:
    """ "Einrichtung"."""
    return WORDS[kind][0] if kind in WORDS else kind


def plural(kind: str) -> str:
    """ "Einrichtungen"."""
    return WORDS[kind][1] if kind in WORDS else kind


def counted(kind: str, n: int) -> str:
    """ "1 Einrichtung", "3 Einrichtungen"."""
    return f"{n} {label(kind) if n == 1 else plural(kind)}"


def field_label(kind: str, name: str) -> str:
    """A column's label as the form shows it ("phone" → "Telefon")."""
    spec = ENTITIES.get(kind)
    if spec is not None:
        for f in spec.fields:
            if f.name == name:
                return f.label
    return FIELD_LABELS.get(name, name)


def describe(kind: str, row: Mapping[str, Any]) -> str:
    """A row named for a person: "Einrichtung „Kita Regenbogen“"."""
    name = ""
    if kind == "contact":
        name = " ".join(str(p) for p in (row.get("first_name"), row.get("last_name")) if p)
    else:
        for col in ("name", "title", "task", "status", "reason"):
            if row.get(col):
                name = str(row[col])
                break
    return f"{label(kind)} „{name}“" if name else label(kind)


def title(d: Decision) -> str:
    """The row of a decision, named as its newest side says."""
    return describe(d.kind, d.copy or d.office or d.base or {})
