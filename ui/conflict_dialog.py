"""Two coaches saved the same record: "Gleichzeitige Änderung".

When a form's save meets the optimistic lock (``ConflictError``), :func:`resolve_conflict`
compares three versions field by field: the one the form loaded (``form.record``), the
user's input, and the one saved now (the colleague's). A field only one side changed
takes that side's value silently; only fields both changed, differently, are asked in
:class:`ConflictDialog` — side by side, one choice per row, "Ihre Eingabe" preselected.
Saving the choice uses the saved version as the expected one, so a third save meanwhile
asks again with the newest. A record deleted meanwhile (:class:`DeletedDialog`) can be
saved as a new one. Nothing typed is lost unless the user says so. Both dialogs are
window-modal and open with ``open()`` (no nested event loop): a person, or a test,
clicks their buttons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from atlas.changes import Origin
from atlas.core import Atlas
from atlas.errors import AtlasError, NotFoundError
from atlas.i18n import _
from atlas.records import EntitySpec, Field, Kind, RecordData
from ui.duplicate_dialog import shown_as_in_form
from ui.plain import ask, plain_label

if TYPE_CHECKING:
    from ui.form import RecordForm


#: Characters of a text shown in a row (a longer one ends in "…"; it is saved whole).
LONGEST = 4000


# -- the three-way comparison ------------------------------------------------------
def _same(f: Field, a: Any, b: Any) -> bool:
    """Equal as the user means it: empty is empty, a set of terms has no order."""
    empty_a, empty_b = a is None or a == "" or a == [], b is None or b == "" or b == []
    if empty_a or empty_b:
        return empty_a and empty_b
    if f.kind in (Kind.TERMS, Kind.REFS):
        return sorted(a) == sorted(b)
    return bool(a == b)


def merge_three_way(
    spec: EntitySpec, base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The values to save (every field) and the fields both sides changed differently.

    ``base``: what the form loaded; ``mine``: the input (validated, stored form);
    ``theirs``: saved now. A field the user left as loaded takes the saved value; a field
    the other side left takes the input; where both changed it differently the input is
    proposed (the caller asks)."""
    merged: dict[str, Any] = {}
    asked: list[str] = []
    for f in spec.fields:
        b, m, t = base.get(f.name), mine.get(f.name, base.get(f.name)), theirs.get(f.name)
        if _same(f, m, b):
            merged[f.name] = t
        else:
            merged[f.name] = m
            if not _same(f, t, b) and not _same(f, m, t):
                asked.append(f.name)
    return merged, asked


def shown_value(f: Field, value: Any, names: Mapping[str, Mapping[Any, str]]) -> str:
    """A value as the form shows it, as plain text ("—" for empty, "Ja"/"Nein")."""
    if f.kind is Kind.BOOL:
        return _("Ja") if value else _("Nein")
    if isinstance(value, str) and value.strip() and f.kind not in (Kind.TERM, Kind.REF, Kind.CHOICE):
        # the whole text (a list's 300 characters are not enough to choose between two notes)
        return value if len(value) <= LONGEST else value[:LONGEST] + " …"
    return shown_as_in_form(f, value, names)


def value_names(atlas: Atlas, fields: Sequence[Field]) -> dict[str, dict[Any, str]]:
    """Display names of term, reference and choice values, for these fields only."""
    names: dict[str, dict[Any, str]] = {}
    for f in fields:
        if f.vocabulary is not None:
            names[f.name] = {t.id: t.name for t in atlas.taxonomy.terms(f.vocabulary)}
        elif f.ref:
            names[f.name] = dict(atlas.records[f.ref].choices())
        elif f.choices:
            names[f.name] = dict(f.choices)
    return names


def saved_by(origin: Origin | None, noticed: dt.datetime) -> str:
    """ "von anna um 10:00" when another program said who, else "um 10:05" (when noticed)."""
    when = (origin.at if origin is not None and origin.at is not None else noticed).strftime("%H:%M")
    if origin is not None and origin.by:
        return _("von {by} um {time}").format(by=origin.by, time=when)
    return _("um {time}").format(time=when)


class _ValueLabel(QLabel):
    """A value next to its radio button; a click on it chooses the button, as on its text."""

    def __init__(self, text: str, radio: QRadioButton) -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)  # user data is never rich text
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setText(text)
        self.radio = radio

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.radio.click()
        event.accept()


class ConflictDialog(QDialog):
    """The fields both coaches changed, side by side; per row "Ihre Eingabe" or the saved
    value. ``chosen`` carries every field's value to save; ``discard``: load the saved
    version (after a confirmation); closing is "Weiter bearbeiten"."""

    chosen = Signal(object)  # dict: field → value (the merged values with the choices)
    discard = Signal()

    MINE, SAVED = 0, 1

    def __init__(
        self,
        atlas: Atlas,
        spec: EntitySpec,
        theirs: RecordData,
        merged: Mapping[str, Any],
        asked: Sequence[str],
        by: str,
        taken: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conflictDialog")
        self.setWindowTitle(_("Gleichzeitige Änderung"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.spec = spec
        self.theirs = theirs
        self.merged = dict(merged)
        self.groups: dict[str, QButtonGroup] = {}
        self.radios: dict[str, tuple[QRadioButton, QRadioButton]] = {}
        self.cells: dict[str, tuple[QLabel, QLabel]] = {}  # the values shown, per field
        fields = [f for f in spec.fields if f.name in asked]
        names = value_names(atlas, fields)

        intro = plain_label(
            _(
                "„{title}“ wurde inzwischen {by} gespeichert. Bei diesen Feldern unterscheiden sich "
                "Ihre Eingabe und die gespeicherte Fassung – bitte je Feld wählen, was bleiben soll."
            ).format(title=theirs.title or spec.singular, by=by),
            wrap=True,
        )
        intro.setObjectName("conflictIntro")

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(10)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        heads = (_("Ihre Eingabe"), _("Gespeichert ({by})").format(by=by))
        for column, text in enumerate(heads, start=1):
            head = plain_label(text)
            head.setStyleSheet("font-weight: 600;")
            grid.addWidget(head, 0, column)
        for row, f in enumerate(fields, start=1):
            label = plain_label(f.label, wrap=True)
            label.setObjectName(f"conflictLabel_{f.name}")
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label, row, 0)
            group = QButtonGroup(self)
            values = (self.merged.get(f.name), theirs.values.get(f.name))
            pair: list[QRadioButton] = []
            shown: list[QLabel] = []
            for column, value in enumerate(values):
                text = shown_value(f, value, names)
                radio = QRadioButton()
                radio.setObjectName(f"{'mine' if column == self.MINE else 'saved'}_{f.name}")
                radio.setAccessibleName(f"{f.label}, {heads[column]}: {text}")
                group.addButton(radio, column)
                value_label = _ValueLabel(text, radio)
                value_label.setObjectName(f"{'mineValue' if column == self.MINE else 'savedValue'}_{f.name}")
                cell = QWidget()
                cell_layout = QHBoxLayout(cell)
                cell_layout.setContentsMargins(0, 0, 0, 0)
                cell_layout.addWidget(radio, 0, Qt.AlignmentFlag.AlignTop)
                cell_layout.addWidget(value_label, 1)
                grid.addWidget(cell, row, column + 1)
                pair.append(radio)
                shown.append(value_label)
            pair[self.MINE].setChecked(True)
            self.groups[f.name] = group
            self.radios[f.name] = (pair[0], pair[1])
            self.cells[f.name] = (shown[0], shown[1])
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addLayout(grid)
        body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from choice to choice

        self.taken = plain_label(
            _("Ohne Rückfrage übernommen (nur dort geändert): {fields}.").format(fields=", ".join(taken))
            if taken
            else "",
            wrap=True,
        )
        self.taken.setObjectName("conflictTaken")
        self.taken.setStyleSheet("color: #444;")
        self.taken.setVisible(bool(taken))

        self.save_button = QPushButton(_("Auswahl speichern"))
        self.save_button.setObjectName("conflictSave")
        self.edit_button = QPushButton(_("Weiter bearbeiten"))
        self.edit_button.setObjectName("conflictKeepEditing")
        self.edit_button.setToolTip(_("Zurück zum Formular; Ihre Eingaben bleiben ungespeichert erhalten."))
        self.load_button = QPushButton(_("Gespeicherte Fassung laden (meine Eingaben verwerfen)"))
        self.load_button.setObjectName("conflictLoadSaved")
        self.load_button.setAutoDefault(False)
        buttons = QDialogButtonBox()
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.load_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(self.edit_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self._save)
        self.edit_button.clicked.connect(self.reject)  # Esc too
        self.load_button.clicked.connect(self._load_saved)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.taken)
        layout.addWidget(buttons)
        self.save_button.setDefault(True)  # Enter; set once in the dialog, so the dialog knows it
        self.resize(860, min(640, 190 + 70 * len(fields)))
        if fields:
            self.radios[fields[0].name][self.MINE].setFocus()

    def values(self) -> dict[str, Any]:
        """Every field's value to save: the merged ones, with the choices made here."""
        chosen = dict(self.merged)
        for name, group in self.groups.items():
            if group.checkedId() == self.SAVED:
                chosen[name] = self.theirs.values.get(name)
        return chosen

    def _save(self) -> None:
        values = self.values()
        self.accept()
        self.chosen.emit(values)

    def _load_saved(self) -> None:
        answer = ask(
            self,
            _("Gespeicherte Fassung laden"),
            _("Ihre Eingaben zu „{title}“ werden verworfen und die gespeicherte Fassung gezeigt.").format(
                title=self.theirs.title or self.spec.singular
            ),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Discard:
            self.accept()
            self.discard.emit()


class DeletedDialog(QDialog):
    """The record was deleted meanwhile: save the input as a new record, or go on editing."""

    createNew = Signal()

    def __init__(self, spec: EntitySpec, title: str, by: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deletedDialog")
        self.setWindowTitle(_("Gleichzeitige Änderung"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.text = plain_label(
            _(
                "„{title}“ wurde inzwischen {by} gelöscht. Ihre Eingaben sind noch da: Sie können "
                "sie als neuen Eintrag speichern oder weiter bearbeiten."
            ).format(title=title or spec.singular, by=by),
            wrap=True,
        )
        self.text.setObjectName("deletedText")
        self.create_button = QPushButton(_("Als neuen Eintrag speichern"))
        self.create_button.setObjectName("deletedCreate")
        self.edit_button = QPushButton(_("Weiter bearbeiten"))
        self.edit_button.setObjectName("deletedKeepEditing")
        buttons = QDialogButtonBox()
        buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.edit_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.create_button.clicked.connect(self._create)
        self.edit_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.create_button.setDefault(True)
        self.setMinimumWidth(520)

    def _create(self) -> None:
        self.accept()
        self.createNew.emit()


# -- the form's side ------------------------------------------------------------------
def _by(form: RecordForm, record_id: int) -> str:
    live = form.atlas.live
    origin = live.heard(form.spec.key, record_id) if live is not None else None
    return saved_by(origin, form.atlas.clock.now())


def resolve_conflict(form: RecordForm, values: Mapping[str, Any]) -> bool:
    """The form's save met the optimistic lock: merge what only one side changed, ask
    about the rest. True if it was saved without a question."""
    base = form.record
    assert base is not None
    try:
        theirs = form.service.get(base.id)
    except NotFoundError:
        record_deleted(form)
        return False
    try:
        mine = form.service.validate(values)
    except AtlasError:  # it passed a moment ago; if not, the save says why
        mine = dict(values)
    merged, asked = merge_three_way(form.spec, base.values, mine, theirs.values)
    labels = {f.name: f.label for f in form.spec.fields}
    taken = [
        labels[n]
        for n in labels
        if n not in asked and not _same(form.spec.field(n), merged[n], mine.get(n, base.values.get(n)))
    ]
    by = _by(form, base.id)
    if not asked:  # only different fields changed: both changes are kept
        form.take_over(theirs, merged)
        if not form.save():
            return False
        if taken:
            form.elsewhere.setText(
                _("Gespeichert – zusammen mit der Änderung {by} ({fields}).").format(
                    by=by, fields=", ".join(taken)
                )
            )
            form.elsewhere.show()
        return True
    dialog = ConflictDialog(form.atlas, form.spec, theirs, merged, asked, by, taken, parent=form)

    def chosen(chosen_values: dict[str, Any]) -> None:
        form.take_over(theirs, chosen_values)
        form.save()  # a save meanwhile: asked again, against the newest

    dialog.chosen.connect(chosen)
    dialog.discard.connect(lambda: form.show_record(theirs.id))
    dialog.finished.connect(dialog.deleteLater)
    form.conflict_dialog = dialog
    dialog.open()
    return False


def record_deleted(form: RecordForm) -> None:
    """The form's record was deleted meanwhile: offer to save the input as a new record."""
    record = form.record
    assert record is not None
    dialog = DeletedDialog(form.spec, record.title, _by(form, record.id), parent=form)

    def create() -> None:
        form.take_over(None, None)
        form.save()

    dialog.createNew.connect(create)
    dialog.finished.connect(dialog.deleteLater)
    form.conflict_dialog = dialog
    dialog.open()
