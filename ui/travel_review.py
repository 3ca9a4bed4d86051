"""Bringing an offline copy back: the review before anything is written (issue 14).

``ReviewDialog`` shows a reviewed ``atlas.travel.Plan``: a summary per kind, every change
as a tree (kind → record → "Feld: alt → neu"), the names matched, how many erased people
stay erased, and the conflicts side by side — per field the office's value, the copy's
("Unterwegs") and the value as it was, with a choice Büro/Unterwegs (default Unterwegs),
and per record deleted on one side and changed on the other Behalten/Löschen (default
Behalten). Its ``choices()`` are what ``TravelService.merge`` takes. Every value is user
data: shown as plain text (items and plain labels), never as markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atlas.i18n import _
from atlas.records import ENTITIES
from atlas.text import format_date, format_datetime
from atlas.travel import (
    ORDER,
    Action,
    Choices,
    Decision,
    Plan,
    Side,
    counted,
    describe,
    field_label,
    label,
    plural,
)
from ui.plain import plain_label, tooltip_text

#: Reference columns and the kind they point to (the same names in every table).
REFS = {
    "quarter_id": "quarter",
    "institution_id": "institution",
    "contact_id": "contact",
    "actor_id": "actor",
    "round_table_id": "round_table",
    "meeting_id": "meeting",
    "offer_id": "offer",
    "agreement_id": "agreement",
    "term_id": "term",
    "sector_id": "term",
    "category_id": "term",
}
#: How long a value may be in a cell (the whole of it is in the cell's tool tip).
CELL_CHARS = 160


def taken_counts(counts: Mapping[str, int]) -> str:
    """What a copy holds, records only: "2 Einrichtungen, 3 Angebote, …"."""
    shown = [counted(k, counts[k]) for k in ORDER if counts.get(k) and k in ENTITIES]
    return ", ".join(shown) or _("keine Einträge")


class Names:
    """The names of the records a plan mentions, by UUID (references are UUIDs in a plan)."""

    def __init__(self, plan: Plan) -> None:
        self.by_uuid: dict[str, str] = {}
        for d in plan.decisions:
            if len(d.key) == 1 and d.key[0]:
                row = d.copy or d.office or d.base
                if row:
                    self.by_uuid[str(d.key[0])] = describe(d.kind, row)

    def ref(self, column: str, uuid: Any) -> str:
        if uuid is None:
            return _("(leer)")
        return self.by_uuid.get(str(uuid), label(REFS[column]))

    def title(self, d: Decision) -> str:
        """A row named for a person; a link row by the records it links."""
        if len(d.key) == 1:
            row = d.copy or d.office or d.base or {}
            return describe(d.kind, row)
        sides = [self.by_uuid[str(part)] for part in d.key if part is not None and str(part) in self.by_uuid]
        return f"{label(d.kind)}: {' – '.join(sides)}" if sides else label(d.kind)

    def value(self, kind: str, column: str, raw: Any) -> str:
        """A portable value as a person reads it (plain text)."""
        if column in REFS:
            return self.ref(column, raw)
        if raw is None or raw == "":
            return _("(leer)")
        if isinstance(raw, bool):
            return _("ja") if raw else _("nein")
        spec = ENTITIES.get(kind)
        if spec is not None:
            try:
                choices = dict(spec.field(column).choices)
            except KeyError:
                choices = {}
            if raw in choices:
                return choices[raw]
        if isinstance(raw, str):
            return _readable_moment(raw)
        return str(raw)


def _readable_moment(text: str) -> str:
    """ISO dates and times (how a plan holds them) the German way; other text as it is."""
    if len(text) == 10 and text[4:5] == "-" and text[7:8] == "-":
        try:
            return format_date(dt.date.fromisoformat(text))
        except ValueError:
            return text
    if len(text) == 19 and text[4:5] == "-" and text[10:11] == " ":
        try:
            return format_datetime(dt.datetime.fromisoformat(text))
        except ValueError:
            return text
    return text


def one_line(text: str) -> str:
    """A value in one table cell: line breaks as "⏎", a long text shortened."""
    flat = " ⏎ ".join(part for part in text.splitlines() if part.strip()) or text
    return flat if len(flat) <= CELL_CHARS else flat[: CELL_CHARS - 1] + "…"


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(one_line(text))
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if item.text() != text:
        item.setToolTip(tooltip_text(text))
    return item


ACTION_WORDS = {
    Action.INSERT: _("neu"),
    Action.UPDATE: _("geändert"),
    Action.DELETE: _("gelöscht"),
    Action.KEEP_OR_DELETE: _("Konflikt: gelöscht"),
}


def summary_lines(plan: Plan) -> list[str]:
    """One line per kind: "Einrichtungen: 2 neu, 1 geändert, 1 gelöscht"."""
    counts = plan.counts()
    lines = []
    for kind in ORDER:
        per = counts.get(kind)
        if not per:
            continue
        parts = []
        for action, word in (
            ("insert", _("neu")),
            ("update", _("geändert")),
            ("delete", _("gelöscht")),
            ("keep_or_delete", _("gelöscht auf einer Seite, geändert auf der anderen")),
        ):
            if per.get(action):
                parts.append(f"{per[action]} {word}")
        lines.append(f"{plural(kind)}: {', '.join(parts)}")
    return lines


def notes_lines(plan: Plan) -> list[str]:
    lines = [
        _("{what} „{name}“ gab es auf beiden Seiten: zusammengeführt.").format(what=label(kind), name=name)
        for kind, name in plan.alias_names
    ]
    if plan.erased_in_office:
        n = len(plan.erased_in_office)
        lines.append(
            _("{n} Person ist im Büro gelöscht (Art. 17) und kommt nicht zurück.").format(n=n)
            if n == 1
            else _("{n} Personen sind im Büro gelöscht (Art. 17) und kommen nicht zurück.").format(n=n)
        )
    if plan.erased_in_copy:
        n = len(plan.erased_in_copy)
        lines.append(
            _("{n} Person wurde unterwegs gelöscht (Art. 17) und wird auch im Büro gelöscht.").format(n=n)
            if n == 1
            else _(
                "{n} Personen wurden unterwegs gelöscht (Art. 17) und werden auch im Büro gelöscht."
            ).format(n=n)
        )
    return lines


class ReviewDialog(QDialog):
    """The review of one copy; accepted with "Übernehmen" (Enter), left with "Abbrechen" (Esc).

    ``applyRequested`` is emitted with the choices when the person says "Übernehmen"; the
    flow writes on the worker and closes the dialog when it is done (``busy(True)`` meanwhile),
    so that a refusal leaves the dialog and its choices as they were."""

    applyRequested = Signal(object)

    COLUMNS = (_("Eintrag"), _("Feld"), _("Büro"), _("Unterwegs"), _("Vorher"), _("Übernehmen"))

    def __init__(
        self, plan: Plan, file_name: str, parent: QWidget | None = None, *, preset: Choices | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("travelReview")
        self.plan = plan
        self.names = Names(plan)
        self.setWindowTitle(_("Unterwegs-Kopie zurückführen – {file}").format(file=file_name))
        taken = plan.info.taken_at.replace(tzinfo=dt.UTC).astimezone()
        changes = [d for d in plan.decisions if d.changes_something]
        intro = _("Kopie vom {day}{by}.").format(
            day=format_date(taken.date()),
            by=_(", mitgenommen von {name}").format(name=plan.info.taken_by) if plan.info.taken_by else "",
        )
        if not changes:
            intro += " " + _("Keine Änderungen – die Kopie ist schon zurückgeführt.")
        else:
            intro += " " + _("Das wird im Büro übernommen (in einem Schritt, rückgängig mit Strg+Z):")
        self.intro = plain_label(intro, wrap=True)
        self.intro.setObjectName("travelIntro")
        self.summary = plain_label("\n".join(summary_lines(plan)), wrap=True)
        self.summary.setObjectName("travelSummary")
        self.summary.setVisible(bool(changes))
        notes = notes_lines(plan)
        self.notes = plain_label("\n".join(notes), wrap=True)
        self.notes.setObjectName("travelNotes")
        self.notes.setVisible(bool(notes))

        self.field_groups: dict[tuple[str, tuple[Any, ...], str], QButtonGroup] = {}
        self.delete_groups: dict[tuple[str, tuple[Any, ...]], QButtonGroup] = {}
        self.conflicts = self._conflict_table(plan.conflicts)
        self.tree = self._change_tree(changes)
        if preset is not None:  # the same questions asked again (the first answer was refused)
            self.preset(preset)

        self.all_office = QPushButton(_("Alle: Büro"))
        self.all_office.setObjectName("allOffice")
        self.all_office.setAutoDefault(False)
        self.all_office.clicked.connect(lambda: self.choose_all(Side.OFFICE))
        self.all_copy = QPushButton(_("Alle: Unterwegs"))
        self.all_copy.setObjectName("allCopy")
        self.all_copy.setAutoDefault(False)
        self.all_copy.clicked.connect(lambda: self.choose_all(Side.COPY))
        self.apply_button = QPushButton(_("Übernehmen") if changes else _("Schließen"))
        self.apply_button.setObjectName("applyTravel")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self._apply)
        self.cancel_button = QPushButton(_("Abbrechen"))
        self.cancel_button.setObjectName("cancelTravel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.cancel_button.setVisible(bool(changes))
        for button in (self.all_office, self.all_copy):
            button.setVisible(bool(self.field_groups))

        buttons = QHBoxLayout()
        buttons.addWidget(self.all_office)
        buttons.addWidget(self.all_copy)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.summary)
        layout.addWidget(self.notes)
        if plan.conflicts:
            heading = plain_label(
                _(
                    "Auf beiden Seiten verschieden geändert – bitte wählen, was gelten soll "
                    "(ohne Wahl gilt „Unterwegs“, ein Gelöschtes bleibt erhalten):"
                ),
                wrap=True,
            )
            heading.setObjectName("conflictHeading")
            split = QSplitter(Qt.Orientation.Vertical)
            top = QWidget()
            top_layout = QVBoxLayout(top)
            top_layout.setContentsMargins(0, 6, 0, 0)
            top_layout.addWidget(heading)
            top_layout.addWidget(self.conflicts)
            split.addWidget(top)
            split.addWidget(self.tree)
            split.setChildrenCollapsible(False)
            rows = self.conflicts.rowCount()
            split.setSizes([min(110 + 30 * rows, 380), 260])  # a few questions leave room for the changes
            layout.addWidget(split, 1)
        else:
            self.conflicts.hide()
            layout.addWidget(self.tree, 1)
            self.tree.setVisible(bool(changes))
            if not changes:
                layout.addStretch(1)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)
        self.resize(1080, 640) if changes else self.resize(640, 140)

    # -- building ------------------------------------------------------------------
    def _conflict_table(self, conflicts: Sequence[Decision]) -> QTableWidget:
        table = QTableWidget(0, len(self.COLUMNS))
        table.setObjectName("travelConflicts")
        table.setHorizontalHeaderLabels(list(self.COLUMNS))
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setWordWrap(False)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the radio buttons take the keys
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        for d in conflicts:
            title = self.names.title(d)
            if d.action is Action.KEEP_OR_DELETE:
                self._add_keep_or_delete(table, d, title)
            for conflict in d.conflicts:
                row = table.rowCount()
                table.insertRow(row)
                table.setItem(row, 0, _cell(title))
                table.setItem(row, 1, _cell(field_label(d.kind, conflict.field)))
                table.setItem(row, 2, _cell(self.names.value(d.kind, conflict.field, conflict.office)))
                table.setItem(row, 3, _cell(self.names.value(d.kind, conflict.field, conflict.copy)))
                before = (
                    self.names.value(d.kind, conflict.field, conflict.base)
                    if d.base is not None
                    else _("(auf beiden Seiten neu)")
                )
                table.setItem(row, 4, _cell(before))
                group, widget = self._pair(_("Büro"), _("Unterwegs"), second_checked=True)
                group.setObjectName(f"conflict_{row}")
                table.setCellWidget(row, 5, widget)
                self.field_groups[(d.kind, tuple(d.key), conflict.field)] = group
        table.resizeColumnsToContents()
        for column, most in ((0, 300), (1, 180)):
            table.setColumnWidth(column, min(max(table.columnWidth(column), 90), most))
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        for column in (2, 3, 4):  # the values share what is left
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.ResizeToContents)
        table.resizeRowsToContents()
        return table

    def _add_keep_or_delete(self, table: QTableWidget, d: Decision, title: str) -> None:
        row = table.rowCount()
        table.insertRow(row)
        office_side = d.deleted_on is Side.OFFICE
        changed = [field_label(d.kind, name) for name in _changed_fields(d, office=not office_side)]
        changed_text = _("geändert: {fields}").format(fields=", ".join(changed)) if changed else _("geändert")
        table.setItem(row, 0, _cell(title))
        table.setItem(row, 1, _cell(_("im Büro gelöscht") if office_side else _("unterwegs gelöscht")))
        table.setItem(row, 2, _cell(_("gelöscht") if office_side else changed_text))
        table.setItem(row, 3, _cell(changed_text if office_side else _("gelöscht")))
        table.setItem(row, 4, _cell(_("vorhanden")))
        group, widget = self._pair(_("Behalten"), _("Löschen"), second_checked=False)
        group.setObjectName(f"keep_{row}")
        table.setCellWidget(row, 5, widget)
        self.delete_groups[(d.kind, tuple(d.key))] = group

    def _pair(self, first: str, second: str, *, second_checked: bool) -> tuple[QButtonGroup, QWidget]:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(6, 0, 6, 0)
        a, b = QRadioButton(first), QRadioButton(second)
        group = QButtonGroup(holder)
        group.addButton(a, 0)
        group.addButton(b, 1)
        (b if second_checked else a).setChecked(True)
        row.addWidget(a)
        row.addWidget(b)
        return group, holder

    def _change_tree(self, changes: Sequence[Decision]) -> QTreeWidget:
        tree = QTreeWidget()
        tree.setObjectName("travelChanges")
        tree.setHeaderLabels([_("Änderung"), _("Was")])
        tree.setUniformRowHeights(True)
        by_kind: dict[str, list[Decision]] = {}
        for d in changes:
            by_kind.setdefault(d.kind, []).append(d)
        for kind in [k for k in ORDER if k in by_kind] + [k for k in by_kind if k not in ORDER]:
            decisions = by_kind[kind]
            top = QTreeWidgetItem([plural(kind), str(len(decisions))])
            tree.addTopLevelItem(top)
            for d in decisions:
                what = (
                    _("Konflikt")
                    if d.conflicts and d.action is Action.UPDATE
                    else ACTION_WORDS.get(d.action, "")
                )
                item = QTreeWidgetItem([self.names.title(d), what])
                top.addChild(item)
                for name, new in d.values.items():
                    old = (d.office or {}).get(name)
                    line = _("{field}: {old} → {new}").format(
                        field=field_label(d.kind, name),
                        old=one_line(self.names.value(d.kind, name, old)),
                        new=one_line(self.names.value(d.kind, name, new)),
                    )
                    item.addChild(QTreeWidgetItem([line, ""]))
                for conflict in d.conflicts:
                    line = _("{field}: im Büro „{office}“, unterwegs „{copy}“").format(
                        field=field_label(d.kind, conflict.field),
                        office=one_line(self.names.value(d.kind, conflict.field, conflict.office)),
                        copy=one_line(self.names.value(d.kind, conflict.field, conflict.copy)),
                    )
                    item.addChild(QTreeWidgetItem([line, _("Konflikt")]))
            top.setExpanded(len(decisions) <= 50)
            if len(decisions) <= 20:  # a few records: their fields at once
                for i in range(top.childCount()):
                    child = top.child(i)
                    if child is not None:
                        child.setExpanded(True)
        tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        tree.header().setStretchLastSection(False)
        return tree

    # -- choosing ------------------------------------------------------------------
    def choose_all(self, side: Side) -> None:
        for group in self.field_groups.values():
            button = group.button(0 if side is Side.OFFICE else 1)
            button.setChecked(True)

    def preset(self, choices: Choices) -> None:
        for (kind, key, name), group in self.field_groups.items():
            side = choices.fields.get((kind, key), {}).get(name)
            if side is not None:
                group.button(0 if side is Side.OFFICE else 1).setChecked(True)
        for item, group in self.delete_groups.items():
            group.button(1 if item in choices.delete else 0).setChecked(True)

    def choices(self) -> Choices:
        chosen = Choices()
        for (kind, key, name), group in self.field_groups.items():
            side = Side.OFFICE if group.checkedId() == 0 else Side.COPY
            chosen.fields.setdefault((kind, key), {})[name] = side
        for item, group in self.delete_groups.items():
            if group.checkedId() == 1:
                chosen.delete.add(item)
        return chosen

    def busy(self, working: bool) -> None:
        for widget in (self.apply_button, self.cancel_button, self.all_office, self.all_copy, self.conflicts):
            widget.setEnabled(not working)
        if working:
            self.apply_button.setText(_("Wird übernommen …"))
        else:
            self.apply_button.setText(_("Übernehmen"))

    def _apply(self) -> None:
        if not any(d.changes_something for d in self.plan.decisions):
            self.accept()
            return
        self.applyRequested.emit(self.choices())

    def reject(self) -> None:
        if self.apply_button.isEnabled():  # not while the merge is being written
            super().reject()


def _changed_fields(d: Decision, *, office: bool) -> list[str]:
    """The fields the side that kept the row changed since the copy was taken."""
    row = d.office if office else d.copy
    base = d.base or {}
    if not row:
        return []
    return [name for name, value in row.items() if name in base and base[name] != value]
