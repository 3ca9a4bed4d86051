"""The activity rule's dialog: when an actor counts as "regelmäßig aktiv"."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QSpinBox, QVBoxLayout, QWidget

from atlas.core import Atlas
from atlas.errors import AtlasError, ValidationError
from atlas.network import ActivityRule
from ui.dashboard.common import plain


class RuleSpin(QSpinBox):
    """A spin box that remembers what was typed even when Qt falls back to the old value.

    The service decides what is valid; a refused entry ("0") is sent to it as typed so
    the coach reads its German reason instead of seeing the old value come back silently.
    """

    def __init__(self, low: int, high: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(low, high)
        self.typed: str | None = None
        self.lineEdit().textEdited.connect(self._edited)
        self.valueChanged.connect(self._stepped)

    def _edited(self, text: str) -> None:
        self.typed = None if self.hasAcceptableInput() else text

    def _stepped(self, _value: int) -> None:
        if self.hasAcceptableInput():
            self.typed = None

    def entered(self) -> int | str:
        return self.typed if self.typed is not None else self.value()

    def show_typed(self) -> None:
        if self.typed is not None:
            self.lineEdit().setText(self.typed)


class RuleDialog(QDialog):
    """Change when an actor counts as "regelmäßig aktiv" (shared by the whole team)."""

    def __init__(self, atlas: Atlas, rule: ActivityRule, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.setObjectName("ruleDialog")
        self.shown_rule = rule
        self.setWindowTitle(self.tr("Regel für „aktiv“"))
        intro = plain(
            self.tr(
                "Ein Akteur gilt als regelmäßig aktiv, wenn er in einem Zeitraum an einer "
                "Mindestzahl von Treffen teilgenommen hat. Die Regel gilt für alle im Team."
            ),
            wrap=True,
        )
        self.meetings = RuleSpin(1, 52)
        self.meetings.setObjectName("min_meetings")
        self.meetings.setValue(rule.min_meetings)
        self.months = RuleSpin(1, 36)
        self.months.setObjectName("window_months")
        self.months.setValue(rule.window_months)
        self.errors = {"min_meetings": plain(wrap=True), "window_months": plain(wrap=True)}
        self.general = plain(wrap=True)
        for label in (*self.errors.values(), self.general):
            label.setStyleSheet("color: #b3261e;")
            label.hide()
        form = QFormLayout()
        for caption, spin, key in (
            (self.tr("Mindestens &Treffen:"), self.meetings, "min_meetings"),
            (self.tr("in den letzten &Monaten:"), self.months, "window_months"),
        ):
            label = plain(caption)
            label.setBuddy(spin)
            form.addRow(label, spin)
            form.addRow(plain(), self.errors[key])
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.general)
        layout.addWidget(buttons)
        self.setMinimumWidth(380)

    def save(self) -> None:
        for label in (*self.errors.values(), self.general):
            label.hide()
        try:
            # over the rule shown when the dialog opened: a change made meanwhile is not lost
            self.atlas.network.set_rule(
                self.meetings.entered(), self.months.entered(), expected=self.shown_rule
            )
        except ValidationError as err:
            for key, message in err.errors.items():
                label = self.errors.get(key, self.general)
                label.setText(message)
                label.show()
            first = self.meetings if "min_meetings" in err.errors else self.months
            first.show_typed()
            first.setFocus()
            first.selectAll()
            return
        except AtlasError as err:
            self.general.setText(str(err))
            self.general.show()
            return
        self.accept()
