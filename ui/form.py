"""The detail pane: a form built from an entity's field list, with messages per field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from atlas.core import Atlas
from atlas.errors import (
    AtlasError,
    BusyError,
    ConflictError,
    DuplicateWarning,
    NotFoundError,
    ServerGoneError,
    ValidationError,
)
from atlas.geo import NEW_PLACE_DESCRIPTION
from atlas.models import Vocabulary
from atlas.records import Candidate, EntitySpec, Kind, MergedRecords, RecordData, title_of
from ui.busy import ask_retry, ask_retry_server
from ui.conflict_dialog import record_deleted, resolve_conflict
from ui.duplicate_dialog import DuplicateDialog, MergeDialog
from ui.editors import ChoiceEditor, Editor, LongChoices, long_choices, make_editor
from ui.live import changed_elsewhere_note
from ui.plain import ask, inform, plain_label, warn
from ui.tasks import TaskRunner
from ui.widgets import ElidedLabel, FittingScrollArea

ERROR_STYLE = "color: #b00020;"
# A reference picker over this many records gets its choices on the worker (the form's
# ``tasks``): reading and making 50,000 items took seconds on the GUI thread.
CHOICES_ON_WORKER_FROM = 500


class RecordForm(QWidget):
    """Shows one record (or a new one), validates through the service, saves on request."""

    saved = Signal(int)  # record id
    dirtyChanged = Signal(bool)
    recordShown = Signal(object)  # the record id now in the form, or None for a new one
    openRecord = Signal(str, int)  # entity, id: show this record in its list
    mergeDone = Signal(object, object)  # MergedRecords, the chosen values (for the undo stack)

    def __init__(
        self, atlas: Atlas, spec: EntitySpec, parent: QWidget | None = None, tasks: TaskRunner | None = None
    ) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.spec = spec
        self.tasks = tasks  # long reference pickers are filled here (None: on the GUI thread)
        self._choice_loads: dict[str, int] = {}  # field → the newest load on the worker
        self.service = atlas.records[spec.key]
        self.record: RecordData | None = None
        self._dirty = False
        self._loading = False
        self.duplicate_dialog: DuplicateDialog | None = None  # the last one asked
        self.merge_dialog: MergeDialog | None = None
        self.conflict_dialog: QDialog | None = None  # the last "Gleichzeitige Änderung"

        self.heading = ElidedLabel()  # a long title ends in "…" rather than widening the window
        self.heading.setObjectName("formHeading")
        self.heading.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.summary = plain_label()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet(ERROR_STYLE)
        self.summary.hide()
        # the record was changed or deleted elsewhere while this form has unsaved input
        self.elsewhere = plain_label()
        self.elsewhere.setObjectName("changedElsewhere")
        self.elsewhere.setWordWrap(True)
        self.elsewhere.setStyleSheet("color: #7a4100; background: #fff4d6; padding: 4px;")
        self.elsewhere.hide()

        body = QWidget()
        self.layout_form = QFormLayout()
        body_layout = QVBoxLayout(body)
        body_layout.addLayout(self.layout_form)
        body_layout.addStretch(1)
        self.layout_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.layout_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.layout_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.editors: dict[str, Editor] = {}
        self.errors: dict[str, QLabel] = {}
        self.boundary_hint: QLabel | None = None  # a quarter without a boundary is not on the map
        for field in spec.fields:
            editor = make_editor(field)
            editor.setObjectName(f"edit_{field.name}")
            if field.hint:
                editor.setToolTip(field.hint)
            editor.edited.connect(self._on_edited)
            error = plain_label()
            error.setObjectName(f"error_{field.name}")
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            error.hide()
            cell = QWidget()
            cell.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            cell_layout = QVBoxLayout(cell)
            cell_layout.setContentsMargins(0, 0, 0, 0)
            cell_layout.setSpacing(2)
            cell_layout.addWidget(editor)
            cell_layout.addWidget(error)
            if field.kind is Kind.GEOJSON:
                self.boundary_hint = plain_label(
                    self.tr(
                        "Noch keine Grenze: Das Quartier steht erst auf der Karte, wenn seine Grenze "
                        "importiert ist (Orte → Quartiersgrenzen importieren …)."
                    )
                )
                self.boundary_hint.setObjectName(f"hint_{field.name}")
                self.boundary_hint.setTextFormat(Qt.TextFormat.PlainText)
                self.boundary_hint.setWordWrap(True)
                self.boundary_hint.setStyleSheet("color: #7a4100;")
                cell_layout.addWidget(self.boundary_hint)
            label = "" if field.kind is Kind.BOOL else field.label + (" *" if field.required else "")
            row_label = plain_label(label)
            row_label.setBuddy(editor.focus_widget())
            self.layout_form.addRow(row_label, cell)
            self.editors[field.name] = editor
            self.errors[field.name] = error
        self.place: QLabel | None = None
        if spec.key == "institution":
            self._add_place_row()
        if "consent_state" in self.editors:
            self.editors["consent_state"].edited.connect(self._consent_defaults)
        scroll = FittingScrollArea()  # never narrower than the fields: nothing is cut off on the right
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(FittingScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab from the list lands on the first field

        self.save_button = QPushButton(self.tr("Speichern"))
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.save_button.setToolTip(self.tr("Änderungen speichern (Strg+S)"))
        self.revert_button = QPushButton(self.tr("Verwerfen"))
        self.revert_button.setToolTip(self.tr("Änderungen verwerfen und den gespeicherten Stand zeigen"))
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        #: The role may not change records (a read-only login on a team server, ui.rights):
        #: the fields are greyed out, saving is refused, and a line says why.
        self.read_only = not atlas.rights.can_write
        self.read_only_note = plain_label()
        self.read_only_note.setObjectName("readOnlyNote")
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setStyleSheet("color: #3c3c3c; background: #ececec; padding: 4px;")
        self.read_only_note.hide()

        outer = QVBoxLayout(self)
        outer.addWidget(self.heading)
        outer.addWidget(self.read_only_note)
        outer.addWidget(self.elsewhere)
        outer.addWidget(self.summary)
        outer.addWidget(scroll, 1)
        outer.addLayout(buttons)
        QShortcut(
            QKeySequence.StandardKey.Save,
            self,
            self.save,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        if self.read_only:
            self._lock(atlas.rights.why_not())

        self.reload_choices()
        self.clear()

    def _add_place_row(self) -> None:
        """'Verortung': where the institution's pin came from, as plain text, below the coordinates."""
        self.place = plain_label()
        self.place.setObjectName("place_state")
        self.place.setTextFormat(Qt.TextFormat.PlainText)
        self.place.setWordWrap(True)
        self.place.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label = plain_label(self.tr("Verortung"))
        label.setBuddy(self.place)
        self.layout_form.insertRow(list(self.editors).index("lon") + 1, label, self.place)

    def _consent_defaults(self) -> None:
        """Consent asked now: an empty date becomes today, an empty "erfasst von" the coach."""
        if self._loading or self.editors["consent_state"].value() in (None, "unbekannt"):
            return
        date, who = self.editors["consent_date"], self.editors["consent_recorded_by"]
        if date.value() in (None, ""):
            date.set_value(self.atlas.clock.today())
        if who.value() in (None, ""):
            who.set_value(self.atlas.network.user)

    def _show_place(self, record_id: int | None) -> None:
        if self.place is None:
            return
        if record_id is None:
            self.place.setText(NEW_PLACE_DESCRIPTION)
            return
        try:
            self.place.setText(self.atlas.geocoding.place_of(record_id).description)
        except NotFoundError:
            self.place.setText("")

    # -- choices -----------------------------------------------------------------
    def reload_choices(self, entities: frozenset[str] | None = None) -> None:
        """Fill the pickers (terms, references); only those whose source changed."""
        for field in self.spec.fields:
            editor = self.editors[field.name]
            if field.vocabulary is not None and (entities is None or "term" in entities):
                editor.set_choices(self._terms(field.vocabulary))
            elif field.ref and (entities is None or field.ref in entities):
                service = self.atlas.records[field.ref]
                if (
                    self.tasks is not None
                    and isinstance(editor, ChoiceEditor)
                    and service.count() >= CHOICES_ON_WORKER_FROM
                ):
                    self._choices_later(field.name, editor, service.choices)
                else:
                    editor.set_choices(list(service.choices()))

    def _choices_later(
        self, name: str, editor: ChoiceEditor, choices: Callable[[], list[tuple[int, str]]]
    ) -> None:
        """Fill a long picker from the worker; a newer load (another change) wins."""
        assert self.tasks is not None
        load = self._choice_loads.get(name, 0) + 1
        self._choice_loads[name] = load
        editor.waiting_for_choices()
        none = editor.has_none()

        def done(made: LongChoices) -> None:
            if shiboken6.isValid(editor) and self._choice_loads.get(name) == load:  # else: older
                editor.set_long_choices(made)

        def failed(_error: BaseException) -> None:
            if shiboken6.isValid(editor) and self._choice_loads.get(name) == load:
                editor.set_choices(list(choices()))  # again here: its error is seen, not lost

        self.tasks.run(lambda: long_choices(choices(), none), done, failed, owner=editor)

    def choices_pending(self) -> bool:
        """A picker still waits for its choices from the worker."""
        return any(isinstance(e, ChoiceEditor) and e.is_waiting() for e in self.editors.values())

    def _terms(self, vocabulary: Vocabulary) -> list[tuple[Any, str]]:
        return self.atlas.taxonomy.choices(vocabulary)

    def _lock(self, why: str) -> None:
        """Look, don't touch: every field greyed out, the buttons too, with the reason."""
        self.read_only_note.setText(self.tr("Nur ansehen: {why}").format(why=why))
        self.read_only_note.show()
        for editor in self.editors.values():
            field = editor.focus_widget()
            if isinstance(field, QLineEdit | QPlainTextEdit):
                field.setReadOnly(True)  # the text stays readable and can be copied
            else:
                editor.setEnabled(False)  # choices and boxes: greyed out
        for button in (self.save_button, self.revert_button):
            button.setEnabled(False)
            button.setToolTip(why)

    # -- state -------------------------------------------------------------------
    def is_dirty(self) -> bool:
        return self._dirty

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirtyChanged.emit(dirty)
        self.save_button.setEnabled(dirty and not self.read_only)
        self.revert_button.setEnabled(dirty and not self.read_only)

    def _on_edited(self) -> None:
        if not self._loading:
            self._set_dirty(True)
            self._show_boundary_hint()

    def _show_boundary_hint(self) -> None:
        if self.boundary_hint is not None:
            value = self.editors[self.boundary_hint.objectName().removeprefix("hint_")].value()
            self.boundary_hint.setVisible(not (isinstance(value, str) and value.strip()))

    def confirm_leave(self) -> bool:
        """Before showing another record: save, discard or stay. True = go on."""
        if not self._dirty:
            return True
        answer = ask(
            self,
            self.tr("Ungespeicherte Änderungen"),
            self.tr("Die Änderungen an „{title}“ sind noch nicht gespeichert.").format(
                title=self.record.title if self.record else self.tr("neuer Eintrag")
            ),
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self._set_dirty(False)
            return True
        return False

    def clear(self) -> None:
        """An empty form for a new record."""
        self.record = None
        self._loading = True
        for field in self.spec.fields:
            default: Any = None
            if field.kind is Kind.BOOL:
                default = field.name == "is_public"
            elif field.kind is Kind.CHOICE and field.required and field.choices:
                default = field.choices[0][0]
            elif field.kind in (Kind.TERMS, Kind.REFS):
                default = []
            self.editors[field.name].set_value(default)
        self._loading = False
        self._show_boundary_hint()
        self.heading.setText(self.tr("Neu: {what}").format(what=self.spec.singular))
        self.elsewhere.hide()
        self._show_place(None)
        self._show_errors({})
        self._set_dirty(False)
        self.recordShown.emit(None)

    def show_record(self, record_id: int) -> None:
        try:
            self.load(self.service.get(record_id))
        except NotFoundError as err:
            inform(self, self.spec.singular, str(err))
            self.clear()
        except ServerGoneError as err:  # the form keeps what it shows; opened again later
            warn(self, self.spec.singular, str(err))

    def load(self, record: RecordData) -> None:
        self.record = record
        self._loading = True
        for name, editor in self.editors.items():
            editor.set_value(record.values.get(name))
        self._loading = False
        self._show_boundary_hint()
        self.heading.setText(record.title or self.spec.singular)
        self.elsewhere.hide()
        self._show_place(record.id)
        self._show_errors({})
        self._set_dirty(False)
        self.recordShown.emit(record.id)

    def note_changed_elsewhere(self) -> None:
        """A change of this kind arrived while the form has unsaved input: the input stays;
        if the stored record is now another version (or gone), say so, with who and when
        if another program on the team server said it. Saving then meets the conflict
        check (the form still holds the version the input started from)."""
        if self.record is None:
            return
        try:
            stored = self.service.get(self.record.id)
        except ServerGoneError:  # said by the status bar; noted again at the next change
            return
        except NotFoundError:
            deleted = True
        else:
            if stored.version == self.record.version:
                return
            deleted = False
        live = self.atlas.live
        origin = live.heard(self.spec.key, self.record.id) if live is not None else None
        self.elsewhere.setText(changed_elsewhere_note(origin, self.atlas.clock.now(), deleted=deleted))
        self.elsewhere.show()

    def take_over(self, base: RecordData | None, values: Mapping[str, Any] | None) -> None:
        """After a conflict: the input now starts from ``base`` (the version saved meanwhile;
        None: a new record) and shows ``values`` (None: as it is); it stays unsaved."""
        self.record = base
        if values is not None:
            self._loading = True
            for name, editor in self.editors.items():
                editor.set_value(values.get(name))
            self._loading = False
            self._show_boundary_hint()
        self._set_dirty(True)

    def revert(self) -> None:
        if self.record is None:
            self.clear()
        else:
            self.show_record(self.record.id)

    def values(self) -> tuple[dict[str, Any], dict[str, str]]:
        """Values to save, and errors the form itself can tell (unknown picker text)."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, editor in self.editors.items():
            value = editor.value()
            if isinstance(value, ValueError):
                errors[name] = self.tr(
                    "„{text}“ steht nicht in der Liste – bitte einen Eintrag auswählen."
                ).format(text=str(value))
            else:
                values[name] = value
        return values, errors

    def _show_errors(self, errors: dict[str, str]) -> None:
        for name, label in self.errors.items():
            message = errors.get(name)
            label.setText(message or "")
            label.setVisible(bool(message))
        if errors:
            self.summary.setText(
                self.tr("Nicht gespeichert: bitte die markierten Felder prüfen ({n}).").format(n=len(errors))
            )
            self.summary.show()
            first = next(n for n in self.editors if n in errors)
            self.editors[first].focus_widget().setFocus()
        else:
            self.summary.hide()

    # -- saving ------------------------------------------------------------------
    def save(self, confirm_duplicate: bool = False) -> bool:
        """Validate and save; on any problem show it and keep the user's input."""
        if self.read_only:  # Strg+S in a read-only window: the server would refuse it too
            return False
        values, errors = self.values()
        if errors:
            self._show_errors(errors)
            return False
        record_id = self.record.id if self.record else None
        version = self.record.version if self.record else None
        try:
            saved = self.service.save(record_id, values, version, confirm_duplicate=confirm_duplicate)
        except ValidationError as err:
            self._show_errors(err.errors)
            return False
        except DuplicateWarning as err:
            self._ask_duplicate(err, values)
            return False
        except ConflictError:  # saved meanwhile: merge or ask side by side (ui.conflict_dialog)
            return record_id is not None and resolve_conflict(self, values)
        except NotFoundError as err:  # deleted meanwhile: save as a new record, or keep editing
            if record_id is None:
                warn(self, self.spec.singular, str(err))
            else:
                record_deleted(self)
            return False
        except BusyError as err:  # another program writes: nothing saved, the input stays
            if ask_retry(self, str(err), self.spec.singular):
                return self.save(confirm_duplicate=confirm_duplicate)
            return False
        except ServerGoneError as err:  # the team server is gone: nothing saved, the input stays
            if ask_retry_server(self, str(err)):
                return self.save(confirm_duplicate=confirm_duplicate)
            return False
        except AtlasError as err:
            warn(self, self.spec.singular, str(err))
            return False
        self.load(saved)
        self.saved.emit(saved.id)
        return True

    # -- possible duplicates -----------------------------------------------------
    def find_duplicates(self) -> bool:
        """Ask for the stored duplicates of the record shown (saved, unchanged); False if
        there are none. Merging keeps the record shown."""
        if self.record is None or (self._dirty and not self.confirm_leave()):
            return False
        try:
            found = self.service.duplicate_candidates(self.record.id)
        except AtlasError as err:
            warn(self, self.spec.singular, str(err))
            return False
        if not found:
            return False
        dialog = DuplicateDialog(self.spec, found, new=False, stored=True, parent=self)
        dialog.chosen.connect(self._stored_duplicate_chosen)
        dialog.finished.connect(dialog.deleteLater)
        self.duplicate_dialog = dialog
        dialog.open()
        return True

    def _stored_duplicate_chosen(self, what: str, candidate: Candidate) -> None:
        if what == DuplicateDialog.OPEN:
            self.show_record(candidate.id)
            self.openRecord.emit(self.spec.key, candidate.id)
            return
        if what != DuplicateDialog.MERGE or self.record is None:
            return
        try:
            keep = self.service.get(self.record.id)
            other = self.service.get(candidate.id)
        except AtlasError as err:
            warn(self, self.spec.singular, str(err))
            return
        dialog = MergeDialog(self.atlas, self.spec, keep, other, other_saved=True, parent=self)
        dialog.merged.connect(lambda merged: self._merged(merged, dialog.values()))
        dialog.finished.connect(dialog.deleteLater)
        self.merge_dialog = dialog
        dialog.open()

    def _ask_duplicate(self, err: DuplicateWarning, values: dict[str, Any]) -> None:
        """'Mögliches Duplikat': create anyway, open the stored one, or merge."""
        dialog = DuplicateDialog(self.spec, err.candidates, new=self.record is None, parent=self)
        dialog.chosen.connect(lambda what, candidate: self._duplicate_chosen(what, candidate, values))
        dialog.finished.connect(dialog.deleteLater)
        self.duplicate_dialog = dialog
        dialog.open()

    def _duplicate_chosen(self, what: str, candidate: Candidate, values: dict[str, Any]) -> None:
        if what == DuplicateDialog.CREATE:
            self.save(confirm_duplicate=True)
            return
        if what == DuplicateDialog.OPEN:
            self._set_dirty(False)
            self.show_record(candidate.id)
            self.openRecord.emit(self.spec.key, candidate.id)
            return
        try:
            keep = self.service.get(candidate.id)
            mine = self.service.validate(values)
        except AtlasError as err:
            warn(self, self.spec.singular, str(err))
            return
        current = self.record
        other = RecordData(
            entity=self.spec.key,
            id=current.id if current else 0,
            version=current.version if current else 0,
            title=title_of(self.spec.key, mine),
            values={f.name: mine.get(f.name) for f in self.spec.fields},
        )
        dialog = MergeDialog(self.atlas, self.spec, keep, other, other_saved=current is not None, parent=self)
        dialog.merged.connect(lambda merged: self._merged(merged, dialog.values()))
        dialog.finished.connect(dialog.deleteLater)
        self.merge_dialog = dialog
        dialog.open()

    def _merged(self, merged: MergedRecords, values: dict[str, Any]) -> None:
        self._set_dirty(False)
        self.show_record(merged.kept_id)
        self.mergeDone.emit(merged, values)
        self.openRecord.emit(self.spec.key, merged.kept_id)
