"""Under an actor's form: the computed status, why, and a recorded override."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from atlas.core import Atlas
from atlas.errors import AtlasError, ValidationError
from atlas.network import FUNNEL, STATUS_LABELS, login_name
from atlas.text import format_date
from ui import settings as prefs
from ui.plain import plain_label, tooltip_text, warn

#: Entries of the override history shown under an actor (all of them in the tool tip).
HISTORY_LINES = 4
#: Characters of one entry shown.
HISTORY_CHARS = 140


def _short(line: str) -> str:
    return line if len(line) <= HISTORY_CHARS else line[: HISTORY_CHARS - 1].rstrip() + "…"


class OverrideDialog(QDialog):
    """Status and reason; ``ask_name`` (the login name as default) asks once who the coach is."""

    def __init__(self, current: str, parent: QWidget | None = None, ask_name: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Status von Hand festlegen"))
        self.status = QComboBox()
        for status in FUNNEL:
            self.status.addItem(STATUS_LABELS[status], status.value)
        self.status.setCurrentIndex(max(self.status.findData(current), 0))
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(
            self.tr("Warum? (Pflicht, z. B. „arbeitet ohne Treffen eng mit uns zusammen“)")
        )
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(80)
        self.error = plain_label()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow(self.tr("Status"), self.status)
        form.addRow(self.tr("Begründung *"), self.reason)
        self.name: QLineEdit | None = None
        if ask_name is not None:
            self.name = QLineEdit(ask_name)
            self.name.setObjectName("coach_name")
            self.name.setMaxLength(100)
            self.name.setToolTip(self.tr("Wird bei jeder Festlegung vermerkt und für die nächsten gemerkt."))
            form.addRow(self.tr("Ihr Name *"), self.name)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                self.tr(
                    "Eine Festlegung von Hand gilt statt der Regel, bis sie aufgehoben wird. Sie wird mit Datum und Name gespeichert."
                )
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class ActorPanel(QWidget):
    changed = Signal()

    def __init__(
        self, atlas: Atlas, settings: QSettings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.settings = settings
        known = prefs.USER_NAME.get(settings) if settings is not None else ""
        if known:
            atlas.network.user = known
        self.actor_id: int | None = None
        self.status = plain_label()
        self.status.setObjectName("computedStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.why = plain_label()
        self.why.setObjectName("statusWhy")
        self.why.setTextFormat(Qt.TextFormat.PlainText)
        self.why.setWordWrap(True)
        self.rule = plain_label()
        self.rule.setTextFormat(Qt.TextFormat.PlainText)
        self.rule.setStyleSheet("color: #555;")
        self.rule.setWordWrap(True)
        self.history = plain_label()
        self.history.setTextFormat(Qt.TextFormat.PlainText)
        self.history.setWordWrap(True)
        self.history.setStyleSheet("color: #555;")
        self.override_button = QPushButton(self.tr("Status von Hand festlegen …"))
        self.override_button.clicked.connect(lambda: self.set_override())
        self.clear_button = QPushButton(self.tr("Festlegung aufheben"))
        self.clear_button.clicked.connect(self.clear_override)
        buttons = QHBoxLayout()
        buttons.addWidget(self.override_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        title = plain_label(self.tr("Status im Netzwerk (berechnet)"))
        title.setStyleSheet("color: #555;")
        layout.addWidget(title)
        layout.addWidget(self.status)
        layout.addWidget(self.why)
        layout.addWidget(self.rule)
        layout.addLayout(buttons)
        layout.addWidget(self.history)
        layout.addStretch(1)
        self.show_record(None)

    def is_dirty(self) -> bool:
        return False

    def show_record(self, record_id: object) -> None:
        self.actor_id = record_id if isinstance(record_id, int) else None
        self.reload()

    def reload(self) -> None:
        self.rule.setText(self.atlas.network.rule().describe())
        if self.actor_id is None:
            self.status.setText("–")
            self.why.setText(self.tr("Der Status wird nach dem Speichern aus den Teilnahmen berechnet."))
            self.history.setText("")
            self.override_button.setEnabled(False)
            self.clear_button.setEnabled(False)
            return
        state = self.atlas.network.state_of(self.actor_id)
        label = STATUS_LABELS[state.status] if state else STATUS_LABELS[FUNNEL[0]]
        self.status.setText(label + (self.tr(" (von Hand)") if state and state.override_reason else ""))
        self.why.setText(state.why() if state else self.tr("noch bei keinem Treffen"))
        overrides = self.atlas.network.overrides(self.actor_id)
        lines = [
            self.tr("{status} seit {on} von {by}: {reason}{ended}").format(
                status=STATUS_LABELS.get(status, status),  # type: ignore[call-overload]
                on=format_date(on),
                by=by,
                reason=" ".join(reason.split()),
                ended=self.tr(" (aufgehoben am {d})").format(d=format_date(ended)) if ended else "",
            )
            for status, reason, on, by, ended in overrides
        ]
        # A long reason or a long history must not push the panel off the screen: each
        # entry one short line, the newest HISTORY_LINES; everything in the tool tip.
        shown = [_short(line) for line in lines[-HISTORY_LINES:]]
        if len(lines) > HISTORY_LINES:
            shown.insert(0, self.tr("… {n} frühere").format(n=len(lines) - HISTORY_LINES))
        self.history.setText("\n".join(shown))
        self.history.setToolTip(tooltip_text("\n".join(lines)) if shown != lines else "")
        self.override_button.setEnabled(True)
        self.clear_button.setEnabled(bool(state and state.override_reason))

    def ask_name(self) -> str | None:
        """The name to ask for (prefilled with the login name) until the coach has given hers."""
        if self.settings is None or prefs.USER_NAME.get(self.settings):
            return None
        return login_name()

    def set_override(self, dialog: OverrideDialog | None = None) -> bool:
        if self.actor_id is None:
            return False
        state = self.atlas.network.state_of(self.actor_id)
        dialog = dialog or OverrideDialog(
            state.status.value if state else "aktiv", self, ask_name=self.ask_name()
        )
        while True:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            try:
                if dialog.name is not None:
                    name = " ".join(dialog.name.text().split())
                    if not name:
                        raise ValidationError({"name": self.tr("Bitte Ihren Namen angeben.")})
                    self.atlas.network.user = name
                    if self.settings is not None:
                        prefs.USER_NAME.set(self.settings, name)
                self.atlas.network.set_override(
                    self.actor_id, str(dialog.status.currentData()), dialog.reason.toPlainText()
                )
            except ValidationError as err:
                dialog.show_error("\n".join(err.errors.values()))
                continue
            except AtlasError as err:
                warn(self, self.tr("Status"), str(err))
                return False
            break
        self.reload()
        self.changed.emit()
        return True

    def clear_override(self) -> None:
        if self.actor_id is None:
            return
        self.atlas.network.clear_override(self.actor_id)
        self.reload()
        self.changed.emit()
