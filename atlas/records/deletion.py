"""What a delete leaves behind, in German, for the confirmation dialog.

A delete removes rows by the foreign keys' ``ON DELETE CASCADE`` and unlinks rows by
``SET NULL`` (:mod:`atlas.records.snapshot` walks both). The removed rows are counted by
``RecordService.deletion_impact``; this module words the unlinked ones: which records
stay, and what they lose — "Der Akteur „Jobcenter“ bleibt erhalten (ohne Einrichtung)",
"3 Einrichtungen bleiben erhalten (ohne Quartier): „A“, „B“, „C“".
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, select

from atlas.i18n import _
from atlas.models import Base
from atlas.records.schema import ENTITIES
from atlas.records.snapshot import Snapshot
from atlas.text import fold

#: What a record is without, per unlinked column ("ohne Einrichtung").
_WITHOUT: dict[str, str] = {
    "institution_id": _("Einrichtung"),
    "contact_id": _("Ansprechperson"),
    "quarter_id": _("Quartier"),
    "sector_id": _("Sektor"),
    "category_id": _("Kategorie"),
}
#: Rows that are no records of their own: (one, many) with {n} and {without}.
_PLAIN_ROWS: dict[str, tuple[str, str]] = {
    "attendance": (
        _("1 Teilnahmeeintrag bleibt erhalten, ohne Namen (die Zahlen bleiben gleich)"),
        _("{n} Teilnahmeeinträge bleiben erhalten, ohne Namen (die Zahlen bleiben gleich)"),
    ),
    "agreement_party": (
        _("1 Partner einer Vereinbarung bleibt erhalten (ohne {without})"),
        _("{n} Partner von Vereinbarungen bleiben erhalten (ohne {without})"),
    ),
}


def _order(column: str) -> int:
    return list(_WITHOUT).index(column) if column in _WITHOUT else len(_WITHOUT)


#: At most this many names per line; the rest are counted.
NAMES_SHOWN = 3


def kept_lines(conn: Connection, snap: Snapshot) -> list[str]:
    """One German line per kind of record that a delete unlinks but keeps."""
    by_table: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for table, row_id, column, _ref in snap.unlinked:
        by_table[table][row_id].add(column)
    specs = {spec.model.__tablename__: spec for spec in ENTITIES.values()}
    lines: list[str] = []
    for table_name in (t.name for t in Base.metadata.sorted_tables):
        rows = by_table.get(table_name)
        if not rows:
            continue
        # rows that lose the same links share a line
        groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for row_id, lost in sorted(rows.items()):
            groups[tuple(sorted(lost, key=_order))].append(row_id)
        for cols, ids in groups.items():
            without = _(" und ").join(_WITHOUT.get(c, c) for c in cols)
            spec = specs.get(table_name)
            if spec is None:
                one, many = _PLAIN_ROWS.get(
                    table_name,
                    (
                        _("1 Eintrag bleibt erhalten (ohne {without})"),
                        _("{n} Einträge bleiben erhalten (ohne {without})"),
                    ),
                )
                text = (one if len(ids) == 1 else many).format(n=len(ids), without=without)
                lines.append(text)
                continue
            names = _names(conn, table_name, spec.title_field, ids)
            if len(ids) == 1:
                lines.append(
                    _("{what} „{name}“ bleibt erhalten (ohne {without})").format(
                        what=_ARTICLE.get(spec.key, spec.singular), name=names[0], without=without
                    )
                )
                continue
            shown = ", ".join(f"„{n}“" for n in names[:NAMES_SHOWN])
            if len(names) > NAMES_SHOWN:
                shown += _(" und {k} weitere").format(k=len(names) - NAMES_SHOWN)
            lines.append(
                _("{n} {plural} bleiben erhalten (ohne {without}): {names}").format(
                    n=len(ids), plural=spec.plural, without=without, names=shown
                )
            )
    return lines


#: "Der Akteur", "Die Einrichtung" …: the singular with its article, for one named record.
_ARTICLE: dict[str, str] = {
    "institution": _("Die Einrichtung"),
    "offer": _("Das Angebot"),
    "contact": _("Der Kontakt"),
    "actor": _("Der Akteur"),
    "round_table": _("Der Runde Tisch"),
    "meeting": _("Das Treffen"),
    "agreement": _("Die Vereinbarung"),
    "quarter": _("Das Quartier"),
}


def _names(conn: Connection, table_name: str, title_field: str, ids: list[int]) -> list[str]:
    table = Base.metadata.tables[table_name]
    title = table.c[title_field]
    first = table.c.get("first_name")
    columns = [table.c.id, title] + ([first] if first is not None else [])
    found = {row[0]: row[1:] for row in conn.execute(select(*columns).where(table.c.id.in_(ids)))}
    out = []
    for row_id in ids:
        values = found.get(row_id, ("",))
        name = str(values[0] or "")
        if first is not None and len(values) > 1 and values[1]:
            name = f"{name}, {values[1]}"
        out.append(name or f"#{row_id}")
    return sorted(out, key=fold)
