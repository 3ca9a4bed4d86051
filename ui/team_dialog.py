"""Datei → "Mit Teamserver verbinden …": the address of the team's PostgreSQL server, a
test of the connection, and a window on it (the current one stays).

The address is kept in QSettings ("team/…"); the password never: it goes to the system's
keyring when the coach ticks the box (``ui.team_secrets``), and only into the connection's
URL in memory. The test and the opening run on ``workers.background``, never on the GUI
thread (a server that does not answer takes seconds). The check itself and the opening are
handed in by the wiring (``ui.app.team_opener``: ``db.team.check_connection`` and
``main.bootstrap``), so this module imports no ``db``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from atlas.errors import AtlasError, ValidationError
from atlas.i18n import _
from atlas.team import DEFAULT_PORT, CheckResult, ServerAddress, address_from
from ui import settings as prefs
from ui import team_secrets
from ui.plain import plain_label

if TYPE_CHECKING:
    from ui.workers import Workers

#: check(address, password) -> what the server said; raises a German AtlasError.
Check = Callable[[ServerAddress, str], CheckResult]
#: connect(address, password) -> the opened program (runs on a worker).
Connect = Callable[[ServerAddress, str], Any]
#: show(opened, address, note) -> the new window (runs on the GUI thread).
Show = Callable[[Any, ServerAddress, str], QWidget | None]


class TeamDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        settings: QSettings,
        workers: Workers,
        check: Check,
        connect: Connect,
        show: Show,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("teamDialog")
        self.setWindowTitle(_("Mit Teamserver verbinden"))
        self.settings = settings
        self.workers = workers
        self._check = check
        self._connect = connect
        self._show = show
        self.opened: QWidget | None = None

        self.host = QLineEdit(prefs.TEAM_HOST.get(settings))
        self.host.setObjectName("host")
        self.host.setPlaceholderText(_("z. B. atlas.stadt.local"))
        self.port = QSpinBox()
        self.port.setObjectName("port")
        self.port.setRange(0, 65535)
        self.port.setValue(prefs.TEAM_PORT.get(settings) or DEFAULT_PORT)
        self.database = QLineEdit(prefs.TEAM_DATABASE.get(settings))
        self.database.setObjectName("database")
        self.user = QLineEdit(prefs.TEAM_USER.get(settings))
        self.user.setObjectName("user")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.tls = QCheckBox(_("Verschlüsselt verbinden (TLS)"))
        self.tls.setObjectName("tls")
        self.tls.setChecked(prefs.TEAM_TLS.get(settings))
        self.keep = QCheckBox(_("Passwort im Schlüsselbund speichern"))
        self.keep.setObjectName("keep")
        self.keyring_note = plain_label(wrap=True)
        self.keyring_note.setObjectName("keyringNote")
        if team_secrets.available():
            self.keep.setChecked(prefs.TEAM_KEEP_PASSWORD.get(settings))
            self.keyring_note.hide()
        else:
            self.keep.setChecked(False)
            self.keep.setEnabled(False)
            self.keyring_note.setText(team_secrets.NO_KEYRING)

        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for name, label, field in (
            ("host", _("&Server:"), self.host),
            ("port", _("P&ort:"), self.port),
            ("database", _("&Datenbank:"), self.database),
            ("user", _("&Benutzer:"), self.user),
            ("password", _("&Passwort:"), self.password),
        ):
            form.addRow(label, field)
            error = plain_label(wrap=True)
            error.setObjectName(f"error_{name}")
            error.setStyleSheet("color: #b00020;")
            error.hide()
            form.addRow("", error)
            self.errors[name] = error
        form.addRow("", self.tls)
        form.addRow("", self.keep)
        form.addRow("", self.keyring_note)

        self.result_label = plain_label(wrap=True)
        self.result_label.setObjectName("result")
        self.result_label.setMinimumHeight(self.result_label.fontMetrics().lineSpacing() * 3)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.test_button = QPushButton(_("Verbindung &testen"))
        self.test_button.setObjectName("test")
        self.test_button.setAutoDefault(False)
        self.connect_button = QPushButton(_("&Verbinden"))
        self.connect_button.setObjectName("connect")
        self.cancel_button = QPushButton(_("Abbrechen"))
        self.cancel_button.setObjectName("cancel")
        self.cancel_button.setAutoDefault(False)
        buttons = QDialogButtonBox()
        buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.connect_button, QDialogButtonBox.ButtonRole.ApplyRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.test_button.clicked.connect(self.test_connection)
        self.connect_button.clicked.connect(self.connect_to_server)
        self.cancel_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        intro = plain_label(
            _(
                "Die Angaben bekommen Sie von der IT. Das Passwort wird nie in den Einstellungen "
                "gespeichert, höchstens im Schlüsselbund des Systems."
            ),
            wrap=True,
        )
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.result_label)
        layout.addWidget(buttons)
        self.connect_button.setDefault(True)  # Enter (once the button is in the dialog)
        order = [
            self.host,
            self.port,
            self.database,
            self.user,
            self.password,
            self.tls,
            self.keep,
            self.test_button,
            self.connect_button,
            self.cancel_button,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        self.resize(480, self.sizeHint().height())
        self._prefill_password()

    # -- fields ----------------------------------------------------------------------
    def _prefill_password(self) -> None:
        try:
            address = self._typed_address()
        except ValidationError:
            return
        stored = team_secrets.read(address)
        if stored:
            self.password.setText(stored)

    def _typed_address(self) -> ServerAddress:
        return address_from(
            self.host.text(), self.port.value(), self.database.text(), self.user.text(), self.tls.isChecked()
        )

    def address(self) -> tuple[ServerAddress, str] | None:
        """The typed address and password, or None with a German line under each wrong field."""
        for label in self.errors.values():
            label.hide()
        found: dict[str, str] = {}
        address: ServerAddress | None = None
        try:
            address = self._typed_address()
        except ValidationError as err:
            found.update(err.errors)
        if not self.password.text():
            found["password"] = _("Passwort: bitte angeben.")
        for name, message in found.items():
            self.errors[name].setText(message)
            self.errors[name].show()
        if found or address is None:
            first = next(n for n in ("host", "port", "database", "user", "password") if n in found)
            getattr(self, first).setFocus()
            self.result_label.setText(_("Bitte die markierten Angaben prüfen."))
            return None
        return address, self.password.text()

    def _busy(self, busy: bool, text: str = "") -> None:
        for button in (self.test_button, self.connect_button):
            button.setEnabled(not busy)
        if text:
            self.result_label.setText(text)

    # -- buttons ---------------------------------------------------------------------
    def test_connection(self) -> None:
        typed = self.address()
        if typed is None:
            return
        address, password = typed
        check = self._check
        self._busy(True, _("Verbindung wird geprüft …"))
        self.workers.background.run(lambda: check(address, password), self._tested, self._failed, owner=self)

    def _tested(self, found: CheckResult) -> None:
        self._busy(False, found.describe())

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, AtlasError):
            text = str(error)
        else:  # never the driver's text: it could name more than the coach typed
            text = _("Die Verbindung ist fehlgeschlagen ({kind}). Bitte die Angaben prüfen.").format(
                kind=type(error).__name__
            )
        self._busy(False, text)

    def connect_to_server(self) -> None:
        typed = self.address()
        if typed is None:
            return
        address, password = typed
        self._remember(address)
        note = ""
        if self.keep.isChecked():
            note = team_secrets.store(address, password) or ""
        else:
            team_secrets.forget(address)
        connect = self._connect
        self._busy(True, _("Verbinde mit {server} …").format(server=address.label()))
        self.workers.background.run(
            lambda: connect(address, password),
            lambda opened: self._connected(opened, address, note),
            self._failed,
            owner=self,
        )

    def _remember(self, address: ServerAddress) -> None:
        """The address (never the password) for next time."""
        prefs.TEAM_HOST.set(self.settings, address.host)
        prefs.TEAM_PORT.set(self.settings, address.port)
        prefs.TEAM_DATABASE.set(self.settings, address.database)
        prefs.TEAM_USER.set(self.settings, address.user)
        prefs.TEAM_TLS.set(self.settings, address.tls)
        if self.keep.isEnabled():
            prefs.TEAM_KEEP_PASSWORD.set(self.settings, self.keep.isChecked())
        self.settings.sync()

    def _connected(self, opened: Any, address: ServerAddress, note: str) -> None:
        self._busy(False, "")
        self.opened = self._show(opened, address, note)
        if self.opened is not None:
            self.password.clear()
            self.accept()
