"""Strg+Z and Strg+Y in a text field: the field's own typing or the window's last action.

A text field (``QLineEdit``, ``QPlainTextEdit``, spin boxes, editable pickers) claims
Strg+Z for its own typing even when it has nothing newer to undo, so after a delete
Strg+Z with the cursor in the search box undid the search text instead of the delete.

The rule: **Strg+Z undoes the most recent thing the user did, seen from where the cursor is.**

* The window's undo stack (a delete, a moved pin) is undone wherever the focus is — in the
  list, in the search box, in a form field or in the attendance search.
* Only if the user typed into the field with the cursor *after* the window's last undoable
  step (its last delete, undo or redo) does Strg+Z first undo that typing, as in any text
  field; as soon as the field shows again what it showed at that step (or has nothing more
  of its own to undo), the next Strg+Z goes on to the window's undo stack.
* Typing in another field does not count: the field with the cursor decides. Text the
  program put into a field (loading a record, clearing the search for a pin) is no typing.
* Strg+Y (redo) mirrors it: the field redoes its own typing first if its undo was the more
  recent of the two; otherwise the window redoes its last undone step.

Only widgets of one window are watched (dialogs keep their fields' plain behaviour). The
filter sits on the text fields themselves (installed on their first focus), so nothing runs
for other events of the application.
"""

from __future__ import annotations

from itertools import count

import shiboken6
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

TYPED = "undoKeysTyped"  # when the user last changed the field's text (tick)
BASE = "undoKeysBase"  # the field's text at the window's last undoable step
UNDONE = "undoKeysUndone"  # when the field last undid its own typing (tick)
WATCHED = "undoKeysWatched"


def _text(widget: QWidget) -> str:
    line = _line_edit(widget)
    if line is not None:
        return line.text()
    return widget.toPlainText() if isinstance(widget, QPlainTextEdit | QTextEdit) else ""


def _line_edit(widget: QWidget) -> QLineEdit | None:
    """The line edit that holds a field's undo history, if the field is one with text."""
    if isinstance(widget, QLineEdit):
        return widget
    if isinstance(widget, QComboBox):
        return widget.lineEdit() if widget.isEditable() else None
    if isinstance(widget, QAbstractSpinBox):
        return widget.findChild(QLineEdit)
    return None


class UndoKeys(QObject):
    """Decides, per Strg+Z/Strg+Y in a text field of ``window``, who undoes (see module doc)."""

    def __init__(self, stack: QUndoStack, window: QWidget) -> None:
        super().__init__(window)
        self._stack = stack
        self._window = window
        self._ticks = count(1)
        self._window_undone = 0  # tick of the window's last undo
        self._last_step = 0  # tick of the window's last push, undo or redo
        self._fields: list[QWidget] = []  # the watched text fields
        self._index = stack.index()
        stack.indexChanged.connect(self._on_index)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._on_focus)

    def _tick(self) -> int:
        return next(self._ticks)

    def _on_index(self, index: int) -> None:
        if index < self._index:
            self._window_undone = self._tick()
        self._index = index
        self._last_step = self._tick()
        self._fields = [field for field in self._fields if shiboken6.isValid(field)]
        for field in self._fields:
            field.setProperty(BASE, _text(field))

    # -- watching the fields -------------------------------------------------------------
    def _on_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None or new.property(WATCHED) or new.window() is not self._window:
            return
        line = _line_edit(new)
        if line is not None:
            line.textEdited.connect(lambda _text, w=new: w.setProperty(TYPED, self._tick()))
        elif isinstance(new, QPlainTextEdit | QTextEdit):
            new.document().undoCommandAdded.connect(lambda w=new: w.setProperty(TYPED, self._tick()))
        else:
            return
        new.setProperty(WATCHED, True)
        new.setProperty(BASE, _text(new))
        self._fields.append(new)
        new.installEventFilter(self)

    @staticmethod
    def _field_can(widget: QWidget, undo: bool) -> bool:
        line = _line_edit(widget)
        if line is not None:
            if line.isReadOnly():
                return False
            return line.isUndoAvailable() if undo else line.isRedoAvailable()
        if isinstance(widget, QPlainTextEdit | QTextEdit):
            if widget.isReadOnly():
                return False
            document = widget.document()
            return document.isUndoAvailable() if undo else document.isRedoAvailable()
        return False

    # -- deciding ------------------------------------------------------------------------
    def window_undoes(self, widget: QWidget) -> bool:
        """True if Strg+Z in ``widget`` should undo the window's last action."""
        if not self._stack.canUndo():
            return False
        if not self._field_can(widget, undo=True):
            return True
        typed_since = int(widget.property(TYPED) or 0) > self._last_step
        return not (typed_since and _text(widget) != widget.property(BASE))

    def window_redoes(self, widget: QWidget) -> bool:
        """True if Strg+Y in ``widget`` should redo the window's last undone action."""
        if not self._stack.canRedo():
            return False
        if not self._field_can(widget, undo=False):
            return True
        return self._window_undone > int(widget.property(UNDONE) or 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
            return False
        if not isinstance(watched, QWidget):
            return False
        if event.matches(QKeySequence.StandardKey.Undo):
            if self.window_undoes(watched):
                return True  # the field does not claim the keys: the window's Undo action runs
            if self._field_can(watched, undo=True):
                watched.setProperty(UNDONE, self._tick())
        elif event.matches(QKeySequence.StandardKey.Redo) and self.window_redoes(watched):
            return True
        return False
