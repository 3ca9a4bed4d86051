"""A plan and a merge in German sentences (the command line; the window's summary)."""

from __future__ import annotations

from typing import Any

from atlas.i18n import _
from atlas.text import format_datetime
from atlas.travel.apply import Applied
from atlas.travel.checkin import Plan
from atlas.travel.checkout import CopyInfo
from atlas.travel.merge import Action, Side
from atlas.travel.words import describe, field_label, plural, title

_WHAT = {
    "insert": _("neu"),
    "update": _("geändert"),
    "delete": _("gelöscht"),
    "keep_or_delete": _("zu entscheiden"),
    "erase": _("nach DSGVO gelöscht"),
}


def shown(value: Any) -> str:
    """A portable value as a person reads it (references stay their UUID's short form)."""
    if value is None or value == "":
        return "—"
    if value is True:
        return _("Ja")
    if value is False:
        return _("Nein")
    return str(value)


def copy_line(info: CopyInfo) -> str:
    taken = format_datetime(info.taken_at)
    line = _("Unterwegs-Kopie vom {when} ({scope})").format(when=taken, scope=info.scope.describe())
    if info.merges:
        line += " · " + _("schon {n}× zurückgeführt").format(n=info.merges)
    return line


def count_lines(counts: dict[str, dict[str, int]]) -> list[str]:
    lines = []
    for kind, per in counts.items():
        parts = [f"{n} {_WHAT.get(what, what)}" for what, n in sorted(per.items())]
        lines.append(f"{plural(kind)}: {', '.join(parts)}")
    return lines


def plan_lines(plan: Plan) -> list[str]:
    """What bringing the copy back will do: counts, the changes, the questions."""
    lines = [copy_line(plan.info)]
    changing = [d for d in plan.decisions if d.changes_something]
    if not changing and not plan.erased_in_copy:
        if plan.info.merges or plan.info.merged_at:
            lines.append(_("Keine Änderungen – die Kopie ist schon zurückgeführt."))
        else:
            lines.append(_("Keine Änderungen – unterwegs wurde nichts geändert."))
        return lines
    lines += count_lines(plan.counts())
    for kind, name in plan.alias_names:
        lines.append(
            _("{what} gab es im Büro schon: zusammengeführt.").format(what=describe(kind, {"name": name}))
        )
    if plan.erased_in_office:
        lines.append(
            _("{n} im Büro nach DSGVO gelöschte Person(en) werden nicht zurückgebracht.").format(
                n=len(plan.erased_in_office)
            )
        )
    if plan.erased_in_copy:
        lines.append(
            _("{n} unterwegs nach DSGVO gelöschte Person(en) werden auch im Büro gelöscht.").format(
                n=len(plan.erased_in_copy)
            )
        )
    for d in plan.conflicts:
        if d.action is Action.KEEP_OR_DELETE:
            where = _("im Büro") if d.deleted_on is Side.OFFICE else _("unterwegs")
            lines.append(
                _("Konflikt: {what} wurde {where} gelöscht und auf der anderen Seite geändert.").format(
                    what=title(d), where=where
                )
            )
        for c in d.conflicts:
            lines.append(
                _("Konflikt: {what}, {field}: Büro „{office}“, unterwegs „{copy}“, vorher „{base}“").format(
                    what=title(d),
                    field=field_label(d.kind, c.field),
                    office=shown(c.office),
                    copy=shown(c.copy),
                    base=shown(c.base),
                )
            )
    return lines


def applied_line(applied: Applied) -> str:
    if not applied.total:
        return _("Nichts zu übernehmen – die Kopie war schon zurückgeführt.")
    return _("Zurückgeführt: {what}.").format(what="; ".join(count_lines(applied.counts)))
