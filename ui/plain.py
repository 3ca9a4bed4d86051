"""User data in Qt is plain text: labels, tool tips and message boxes that never read it as HTML.

Qt guesses: a ``QLabel`` in its default ``Qt.AutoText`` mode, a tool tip and the text of the
static ``QMessageBox`` helpers are rendered as rich text when ``Qt.mightBeRichText`` says so.
A record named ``<img src="/dev/zero">`` would then make Qt read that file (and abort), a
``<h1><font color=red>…`` draws a fake warning. So every widget that shows database text is
built here:

- ``plain_label(text)``: a ``QLabel`` in ``Qt.PlainText`` mode (set *before* the text).
- ``tooltip_text(text)``: a tool tip has no plain mode; the text is escaped and wrapped in a
  paragraph that keeps its line breaks, so Qt's rich text shows it letter for letter.
- ``message_box``/``ask``/``warn``/``inform``/``critical``: message boxes in ``Qt.PlainText``
  mode, asked with ``exec()`` (the static ``QMessageBox.question`` etc. guess the format).
- ``menu_text(text)``: ``&`` doubled, so a name in a button or menu shows its ampersand
  instead of turning the next letter into a shortcut.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

Button = QMessageBox.StandardButton


def plain_label(
    text: str = "",
    parent: QWidget | None = None,
    *,
    wrap: bool = False,
    alignment: Qt.AlignmentFlag | None = None,
) -> QLabel:
    """A label that never interprets its text as HTML."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    if alignment is not None:
        label.setAlignment(alignment)
    label.setText(text)
    return label


def tooltip_text(text: str) -> str:
    """``text`` as a tool tip that Qt shows literally (``""`` stays empty: no tool tip)."""
    if not text:
        return ""
    return "<p style='white-space:pre-wrap'>" + html.escape(text, quote=False) + "</p>"


def menu_text(text: str) -> str:
    """``text`` for a button, check box or action, where a single ``&`` marks a shortcut."""
    return text.replace("&", "&&")


def message_box(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    buttons: Button = Button.Ok,
    default: Button = Button.NoButton,
) -> QMessageBox:
    """A message box whose text is plain text (add buttons, then ``exec()`` it)."""
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.setStandardButtons(buttons)
    if default != Button.NoButton:
        box.setDefaultButton(default)
    return box


def ask(
    parent: QWidget | None,
    title: str,
    text: str,
    buttons: Button = Button.Yes | Button.No,
    default: Button = Button.NoButton,
) -> Button:
    """Like ``QMessageBox.question``, with the text as plain text; the button pressed."""
    box = message_box(parent, QMessageBox.Icon.Question, title, text, buttons, default)
    return Button(box.exec())


def warn(parent: QWidget | None, title: str, text: str) -> None:
    """Like ``QMessageBox.warning``, with the text as plain text."""
    message_box(parent, QMessageBox.Icon.Warning, title, text).exec()


def inform(parent: QWidget | None, title: str, text: str) -> None:
    """Like ``QMessageBox.information``, with the text as plain text."""
    message_box(parent, QMessageBox.Icon.Information, title, text).exec()


def critical(parent: QWidget | None, title: str, text: str) -> None:
    """Like ``QMessageBox.critical``, with the text as plain text."""
    message_box(parent, QMessageBox.Icon.Critical, title, text).exec()
