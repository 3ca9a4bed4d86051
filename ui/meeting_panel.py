"""Under a meeting's form: who came (a tick list with walk-ins), follow-ups, calendar export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from atlas.core import Atlas
from atlas.errors import AtlasError, ValidationError
from atlas.files import atomic_write
from atlas.network import SheetRow
from atlas.text import fold, fold_for_index, format_date
from ui.plain import ask, inform, plain_label, warn
from ui.widgets import cell

ROLE = Qt.ItemDataRole.UserRole
MEMBER = Qt.ItemDataRole.UserRole + 1  # on the person's item: a member of the round table
HAYSTACK = Qt.ItemDataRole.UserRole + 2  # on the person's item: the row's text, folded for the search


def _item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


class WalkInDialog(QDialog):
    """A person met at the meeting: created as a contact on the spot."""

    def __init__(self, atlas: Atlas, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Gast hinzufügen"))
        self.first = QLineEdit()
        self.last = QLineEdit()
        self.function = QLineEdit()
        self.institution = QComboBox()
        self.institution.setEditable(True)
        self.institution.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.institution.completer()
        assert completer is not None  # an editable combo box has one
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.institution.addItem(self.tr("— ohne Einrichtung (Einzelperson) —"), None)
        for record_id, name in atlas.institutions.choices():
            self.institution.addItem(name, record_id)
        # Einwilligung: asked at the meeting, or "nicht gefragt" (then "unbekannt").
        self.consent = QComboBox()
        self.consent.setObjectName("walkInConsent")
        self.consent.addItem(self.tr("nicht gefragt"), "unbekannt")
        self.consent.addItem(self.tr("ja, erteilt"), "erteilt")
        self.consent.addItem(self.tr("nein, abgelehnt"), "abgelehnt")
        self.purpose = QLineEdit()
        self.purpose.setObjectName("walkInPurpose")
        self.purpose.setPlaceholderText(self.tr("z. B. Einladungen und Protokolle des Netzwerks"))
        self.purpose.setEnabled(False)
        self.consent.currentIndexChanged.connect(
            lambda _i: self.purpose.setEnabled(self.consent.currentData() == "erteilt")
        )
        self.error = plain_label()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow(self.tr("Vorname"), self.first)
        form.addRow(self.tr("Nachname *"), self.last)
        form.addRow(self.tr("Einrichtung"), self.institution)
        form.addRow(self.tr("Funktion"), self.function)
        form.addRow(self.tr("Einwilligung erteilt?"), self.consent)
        form.addRow(self.tr("Zweck der Einwilligung"), self.purpose)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def institution_id(self) -> int | None:
        text = self.institution.currentText().strip()
        index = self.institution.findText(text, Qt.MatchFlag.MatchFixedString)
        return self.institution.itemData(index) if index >= 0 else None

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class TickList(QTableWidget):
    """The attendance list: Space ticks the row with the cursor, whichever column it is in;
    Tab leaves the list (to the buttons) instead of walking cell by cell."""

    def __init__(self, rows: int, columns: int, parent: QWidget | None = None) -> None:
        super().__init__(rows, columns, parent)
        self.setTabKeyNavigation(False)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            row = self.currentRow()
            item = self.item(row, 0) if row >= 0 and not self.isRowHidden(row) else None
            if item is not None and item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                ticked = item.checkState() == Qt.CheckState.Checked
                item.setCheckState(Qt.CheckState.Unchecked if ticked else Qt.CheckState.Checked)
            event.accept()
            return
        super().keyPressEvent(event)


class MeetingPanel(QWidget):
    changed = Signal()

    def __init__(self, atlas: Atlas, list_ids: object = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.list_ids = list_ids  # callable giving the meetings now listed (for the calendar export)
        self.meeting_id: int | None = None
        self._dirty = False

        # attendance
        self.hint = plain_label()
        self.hint.setWordWrap(True)
        self.find_edit = QLineEdit()
        self.find_edit.setObjectName("attendanceSearch")
        self.find_edit.setClearButtonEnabled(True)
        self.find_edit.setPlaceholderText(self.tr("Person oder Einrichtung suchen …"))
        self.find_edit.setAccessibleName(self.tr("Anwesenheitsliste durchsuchen"))
        self.find_edit.textChanged.connect(self._apply_find)
        self.sheet = TickList(0, 3)
        self.sheet.setObjectName("attendance")
        self.sheet.setAccessibleName(self.tr("Anwesenheit: Leertaste hakt ab"))
        self.sheet.setHorizontalHeaderLabels(
            [self.tr("Person"), self.tr("Einrichtung / Akteur"), self.tr("Mitglied")]
        )
        self.sheet.verticalHeader().hide()
        self.sheet.verticalHeader().setDefaultSectionSize(24)
        self.sheet.setWordWrap(False)
        self.sheet.setAlternatingRowColors(True)
        self.sheet.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.sheet.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.sheet.itemChanged.connect(self._ticked)
        self.count = plain_label()
        self.all_members = QPushButton(self.tr("Alle &Mitglieder"))
        self.all_members.setObjectName("allMembers")
        self.all_members.setToolTip(
            self.tr(
                "Jedes Mitglied des Runden Tisches mit seiner ersten Ansprechperson als anwesend abhaken (Alt+M)"
            )
        )
        self.all_members.clicked.connect(self.tick_all_members)
        self.walk_in = QPushButton(self.tr("Gast hinzufügen …"))
        self.walk_in.clicked.connect(self.add_walk_in)
        self.save_button = QPushButton(self.tr("Anwesenheit speichern"))
        self.save_button.setObjectName("saveAttendance")
        self.save_button.clicked.connect(self.save)
        self.count.setWordWrap(
            True
        )  # "12 Personen aus 9 Einrichtungen …" wraps instead of widening the window
        row = QHBoxLayout()
        row.addWidget(self.count, 1)
        row.addWidget(self.walk_in)
        row.addWidget(self.save_button)
        attendance = QWidget()
        a_layout = QVBoxLayout(attendance)
        a_layout.setContentsMargins(0, 4, 0, 0)
        a_layout.addWidget(self.hint)
        find_row = QHBoxLayout()
        find_row.addWidget(self.find_edit, 1)
        find_row.addWidget(self.all_members)
        a_layout.addLayout(find_row)
        a_layout.addWidget(self.sheet, 1)
        a_layout.addLayout(row)
        # search, type, Tab to the list, Space ticks; then the buttons
        QWidget.setTabOrder(self.find_edit, self.sheet)
        QWidget.setTabOrder(self.sheet, self.all_members)
        QWidget.setTabOrder(self.all_members, self.walk_in)
        QWidget.setTabOrder(self.walk_in, self.save_button)

        # follow-ups
        self.tasks = QTableWidget(0, 4)
        self.tasks.setObjectName("followUps")
        self.tasks.setTabKeyNavigation(False)
        self.tasks.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.tasks.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.tasks.setHorizontalHeaderLabels(
            [self.tr("Erledigt"), self.tr("Aufgabe"), self.tr("Wer"), self.tr("Bis")]
        )
        self.tasks.verticalHeader().hide()
        self.tasks.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.tasks.itemChanged.connect(self._task_ticked)
        self.task_text = QLineEdit()
        self.task_text.setPlaceholderText(self.tr("Neue Aufgabe …"))
        self.task_who = QLineEdit()
        self.task_who.setPlaceholderText(self.tr("Wer"))
        self.task_due = QLineEdit()
        self.task_due.setPlaceholderText(self.tr("TT.MM.JJJJ"))
        self.task_due.setMaximumWidth(110)
        add_task = QPushButton(self.tr("Hinzufügen"))
        add_task.clicked.connect(self.add_task)
        self.task_text.returnPressed.connect(self.add_task)
        remove_task = QPushButton(self.tr("Entfernen …"))
        remove_task.setObjectName("removeTask")
        remove_task.clicked.connect(self.remove_task)
        self.remove_task_button = remove_task
        task_row = QHBoxLayout()
        task_row.addWidget(self.task_text, 2)
        task_row.addWidget(self.task_who, 1)
        task_row.addWidget(self.task_due)
        task_row.addWidget(add_task)
        task_row.addWidget(remove_task)
        follow = QWidget()
        f_layout = QVBoxLayout(follow)
        f_layout.setContentsMargins(0, 4, 0, 0)
        f_layout.addWidget(self.tasks, 1)
        f_layout.addLayout(task_row)

        self.tabs = QTabWidget()
        self.tabs.addTab(attendance, self.tr("Anwesenheit"))
        self.tabs.addTab(follow, self.tr("Aufgaben"))
        self.ics_button = QPushButton(self.tr("Treffen der Liste als Kalenderdatei …"))
        self.ics_button.setToolTip(
            self.tr("Die angezeigten Treffen als Kalenderdatei (.ics) speichern, z. B. für Outlook")
        )
        self.ics_button.clicked.connect(lambda: self.export_ics())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.ics_button)
        self.show_record(None)

    # -- following the form ------------------------------------------------------------
    def show_record(self, record_id: object) -> None:
        meeting_id = record_id if isinstance(record_id, int) else None
        if meeting_id != self.meeting_id:
            self.find_edit.clear()  # another meeting: the whole list again
        self.meeting_id = meeting_id
        self.reload()

    def reload(self) -> None:
        self.sheet.blockSignals(True)
        self.sheet.setRowCount(0)
        self.sheet.blockSignals(False)
        self._dirty = False
        # who was ticked when the sheet was shown: saving sends only what the user changed
        self._loaded: set[tuple[int | None, int | None]] = set()
        enabled = self.meeting_id is not None
        for widget in (
            self.find_edit,
            self.sheet,
            self.all_members,
            self.walk_in,
            self.tasks,
            self.task_text,
            self.task_who,
            self.task_due,
        ):
            widget.setEnabled(enabled)
        self.save_button.setEnabled(False)
        if self.meeting_id is None:
            self.hint.setText(self.tr("Die Anwesenheit wird erfasst, sobald das Treffen gespeichert ist."))
            self.count.setText("")
            self._fill_tasks([])
            return
        try:
            record = self.atlas.records["meeting"].get(self.meeting_id)
            rows = self.atlas.network.sheet(self.meeting_id)
            tasks = self.atlas.network.follow_ups(self.meeting_id)
        except AtlasError as err:
            self.hint.setText(str(err))
            return
        starts = record.values.get("starts_at")
        future = isinstance(starts, dt.datetime) and starts.date() > self.atlas.clock.today()
        self.hint.setText(
            self.tr("Das Treffen liegt in der Zukunft: Anwesenheit kann ab dem Tag eingetragen werden.")
            if future
            else self.tr("Häkchen bei allen, die gekommen sind; Gäste über „Gast hinzufügen“.")
        )
        for widget in (self.find_edit, self.sheet, self.all_members, self.walk_in):
            widget.setEnabled(not future)
        self._fill_sheet(rows)
        self._fill_tasks(tasks)

    def _fill_sheet(self, rows: list[SheetRow]) -> None:
        self._loaded = {(row.actor_id, row.contact_id) for row in rows if row.present}
        self.sheet.blockSignals(True)
        self.sheet.setRowCount(len(rows))
        for r, row in enumerate(rows):
            person = _item(row.person)
            person.setFlags(person.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            person.setCheckState(Qt.CheckState.Checked if row.present else Qt.CheckState.Unchecked)
            person.setData(ROLE, (row.actor_id, row.contact_id))
            person.setData(MEMBER, row.member)
            person.setData(HAYSTACK, fold_for_index(" ".join((row.person, row.institution, row.actor))))
            self.sheet.setItem(r, 0, person)
            self.sheet.setItem(r, 1, _item(row.institution or row.actor))
            self.sheet.setItem(r, 2, _item(self.tr("ja") if row.member else self.tr("Gast")))
        self.sheet.blockSignals(False)
        self.all_members.setEnabled(self.sheet.isEnabled() and any(row.member for row in rows))
        self._apply_find()
        self._update_count()

    def _apply_find(self) -> None:
        """Show only the rows whose person, institution or actor contains every word typed.

        Hidden rows keep their ticks; the cursor moves to the first row shown, so Space
        after Tab ticks a row the user can see.
        """
        words = fold(self.find_edit.text()).split()
        first = -1
        for r in range(self.sheet.rowCount()):
            haystack = str(cell(self.sheet, r, 0).data(HAYSTACK) or "")
            hidden = not all(word in haystack for word in words)
            self.sheet.setRowHidden(r, hidden)
            if not hidden and first < 0:
                first = r
        current = self.sheet.currentRow()
        if first >= 0 and (current < 0 or self.sheet.isRowHidden(current)):
            self.sheet.setCurrentCell(first, 0)

    def tick_all_members(self) -> int:
        """Every member of the round table counts as present: for each member (an actor)
        without a tick yet, its first row — its named person, or the first person of its
        institution — is ticked; rows hidden by the search count too. Returns how many."""
        done = {
            cell(self.sheet, r, 0).data(ROLE)[0]
            for r in range(self.sheet.rowCount())
            if cell(self.sheet, r, 0).checkState() == Qt.CheckState.Checked
        }
        ticked = 0
        self.sheet.blockSignals(True)
        for r in range(self.sheet.rowCount()):
            item = cell(self.sheet, r, 0)
            actor_id = item.data(ROLE)[0]
            if item.data(MEMBER) and actor_id not in done:
                item.setCheckState(Qt.CheckState.Checked)
                done.add(actor_id)
                ticked += 1
        self.sheet.blockSignals(False)
        if ticked:
            self._ticked()
        return ticked

    def present(self) -> list[tuple[int, int | None]]:
        ticked = []
        for r in range(self.sheet.rowCount()):
            item = cell(self.sheet, r, 0)
            if item.checkState() == Qt.CheckState.Checked:
                ticked.append(item.data(ROLE))
        return ticked

    def _update_count(self) -> None:
        ticked = self.present()
        actors = {a for a, _c in ticked if a is not None}  # guests without an institution: no actor
        people = self.tr("1 Person") if len(ticked) == 1 else self.tr("{n} Personen").format(n=len(ticked))
        members = (
            self.tr("1 Einrichtung/Akteur")
            if len(actors) == 1
            else self.tr("{n} Einrichtungen/Akteuren").format(n=len(actors))
        )
        self.count.setText(self.tr("{people} aus {members} anwesend").format(people=people, members=members))

    def _ticked(self) -> None:
        self._dirty = True
        self.save_button.setEnabled(True)
        self._update_count()

    def tick(self, actor_id: int, contact_id: int | None, present: bool = True) -> bool:
        """Tick one row (used by tests and keyboard users through the table)."""
        for r in range(self.sheet.rowCount()):
            item = cell(self.sheet, r, 0)
            if item.data(ROLE) == (actor_id, contact_id):
                item.setCheckState(Qt.CheckState.Checked if present else Qt.CheckState.Unchecked)
                return True
        return False

    def save(self) -> bool:
        if self.meeting_id is None:
            return False
        try:
            # only the ticks and unticks of this user: another coach's ticks saved
            # meanwhile stay (atlas.network.meetings.MeetingWork.change_attendance)
            self.atlas.network.save_attendance(self.meeting_id, self.present(), loaded=self._loaded)
        except ValidationError as err:
            warn(self, self.tr("Anwesenheit"), "\n".join(err.errors.values()))
            return False
        except AtlasError as err:
            warn(self, self.tr("Anwesenheit"), str(err))
            return False
        # show what is stored now: the user's changes and those of others meanwhile
        row = self.sheet.currentRow()
        self.reload()
        if 0 <= row < self.sheet.rowCount() and not self.sheet.isRowHidden(row):
            self.sheet.setCurrentCell(row, 0)
        self.changed.emit()
        return True

    def is_dirty(self) -> bool:
        return self._dirty

    def confirm_leave(self) -> bool:
        """Ticks not yet saved: save, discard or stay (before another record is shown)."""
        if not self._dirty:
            return True
        answer = ask(
            self,
            self.tr("Anwesenheit nicht gespeichert"),
            self.tr("Die Häkchen bei diesem Treffen sind noch nicht gespeichert."),
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self.reload()
            return True
        return False

    def add_walk_in(self, dialog: WalkInDialog | None = None) -> bool:
        if self.meeting_id is None:
            return False
        if self._dirty and not self.save():
            return False
        dialog = dialog or WalkInDialog(self.atlas, self)
        while True:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            try:
                self.atlas.network.add_walk_in(
                    self.meeting_id,
                    dialog.first.text(),
                    dialog.last.text(),
                    dialog.institution_id(),
                    dialog.function.text(),
                    consent_state=str(dialog.consent.currentData()),
                    consent_purpose=dialog.purpose.text() if dialog.purpose.isEnabled() else "",
                )
            except ValidationError as err:
                dialog.show_error("\n".join(err.errors.values()))
                continue
            except AtlasError as err:
                dialog.show_error(str(err))
                continue
            break
        self.reload()
        self.changed.emit()
        return True

    # -- follow-ups --------------------------------------------------------------------
    def _fill_tasks(self, tasks: list[tuple[int, str, str, dt.date | None, bool]]) -> None:
        self.tasks.blockSignals(True)
        self.tasks.setRowCount(len(tasks))
        today = self.atlas.clock.today()
        for r, (task_id, task, who, due, done) in enumerate(tasks):
            check = _item("")
            check.setFlags(check.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            check.setCheckState(Qt.CheckState.Checked if done else Qt.CheckState.Unchecked)
            check.setData(ROLE, task_id)
            self.tasks.setItem(r, 0, check)
            self.tasks.setItem(r, 1, _item(task))
            self.tasks.setItem(r, 2, _item(who))
            due_item = _item(format_date(due))
            if due and due < today and not done:
                due_item.setForeground(Qt.GlobalColor.red)
                due_item.setToolTip(self.tr("überfällig"))
            self.tasks.setItem(r, 3, due_item)
        self.tasks.resizeColumnToContents(0)
        self.tasks.blockSignals(False)

    def add_task(self) -> bool:
        if self.meeting_id is None:
            return False
        try:
            self.atlas.network.add_follow_up(
                self.meeting_id, self.task_text.text(), self.task_who.text(), self.task_due.text()
            )
        except ValidationError as err:
            warn(self, self.tr("Aufgabe"), "\n".join(err.errors.values()))
            return False
        self.task_text.clear()
        self.task_who.clear()
        self.task_due.clear()
        self._fill_tasks(self.atlas.network.follow_ups(self.meeting_id))
        return True

    def _task_ticked(self, item: QTableWidgetItem) -> None:
        if item.column() != 0:
            return
        try:
            self.atlas.network.set_follow_up_done(item.data(ROLE), item.checkState() == Qt.CheckState.Checked)
        except AtlasError as err:
            warn(self, self.tr("Aufgabe"), str(err))

    def remove_task(self) -> bool:
        """Remove the selected follow-up after asking by its text (it has no undo)."""
        rows = self.tasks.selectionModel().selectedRows()
        if not rows or self.meeting_id is None:
            return False
        row = rows[0].row()
        answer = ask(
            self,
            self.tr("Aufgabe entfernen"),
            self.tr("Aufgabe „{task}“ entfernen?").format(task=cell(self.tasks, row, 1).text()),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.atlas.network.delete_follow_up(cell(self.tasks, row, 0).data(ROLE))
        self._fill_tasks(self.atlas.network.follow_ups(self.meeting_id))
        return True

    # -- calendar ----------------------------------------------------------------------
    def export_ics(self, path: str | None = None) -> Path | None:
        ids = list(self.list_ids()) if callable(self.list_ids) else []
        if not ids and self.meeting_id is not None:
            ids = [self.meeting_id]
        if not ids:
            inform(self, self.tr("Kalender"), self.tr("Es sind keine Treffen ausgewählt oder gelistet."))
            return None
        target = (
            path
            or QFileDialog.getSaveFileName(
                self,
                self.tr("Treffen als Kalenderdatei speichern"),
                "treffen.ics",
                self.tr("iCalendar (*.ics)"),
            )[0]
        )
        if not target:
            return None
        try:
            data = self.atlas.network.ics(ids)
            atomic_write(Path(target), lambda fh: fh.write(data))
        except AtlasError as err:
            warn(self, self.tr("Kalender"), str(err))
            return None
        return Path(target)
