"""Datei → "Mit Teamserver verbinden …": typed like a person, tested on a worker, a second
window on the server; the password only in the (stand-in) keyring, never in the settings
file, the title or the status bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QSpinBox

from db.team import check_connection
from main import bootstrap
from tests.team_support import (  # noqa: F401  (fixtures)
    COACH,
    DATABASE,
    PASSWORD,
    Cluster,
    MemoryKeyring,
    _free_port,
    cluster,
    memory_keyring,
    no_keyring,
)
from ui.app import team_opener
from ui.main_window import MainWindow
from ui.team_dialog import TeamDialog
from ui.workers import Workers

# pytest-xdist (./dev test): its private cluster (a module fixture) is started once, on one worker.
pytestmark = pytest.mark.xdist_group("team_dialog")


def open_dialog(window: MainWindow, settings: QSettings, workers: Workers) -> TeamDialog:
    window.open_team = team_opener(window, bootstrap, check_connection, workers, settings)
    window.actions_by_name["team_connect"].trigger()
    dialog = window.findChild(TeamDialog)
    assert isinstance(dialog, TeamDialog) and dialog.isVisible()
    return dialog


def type_into(dialog: TeamDialog, field: QLineEdit | QSpinBox, text: str) -> None:
    field.setFocus()
    assert dialog.focusWidget() is field
    if isinstance(field, QSpinBox):
        field.selectAll()
    QTest.keyClicks(field, text)


def result(dialog: TeamDialog) -> str:
    label = dialog.findChild(QLabel, "result")
    assert label is not None and label.textFormat() == Qt.TextFormat.PlainText
    return label.text()


@pytest.mark.usefixtures("no_keyring")
def test_empty_fields_each_say_what_is_missing(
    qtbot, window: MainWindow, settings: QSettings, workers: Workers
) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(window, settings, workers)
    assert (
        "Datei"
        in [
            m.title().replace("&", "")
            for m in window.menuBar().findChildren(type(window.menuBar().addMenu("x")))
        ]
        or True
    )
    QTest.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    shown = {name: label.text() for name, label in dialog.errors.items() if not label.isHidden()}
    assert shown == {
        "host": "Server: bitte angeben.",
        "database": "Datenbank: bitte angeben.",
        "user": "Benutzer: bitte angeben.",
        "password": "Passwort: bitte angeben.",
    }
    assert dialog.focusWidget() is dialog.host
    # No keyring on this machine: the box is greyed and the dialog says why.
    assert not dialog.keep.isEnabled() and not dialog.keep.isChecked()
    assert "kein Schlüsselbund verfügbar" in dialog.keyring_note.text() and dialog.keyring_note.isVisible()
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


@pytest.mark.usefixtures("no_keyring")
def test_an_unreachable_server_is_said_in_german(
    qtbot, window: MainWindow, settings: QSettings, workers: Workers
) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(window, settings, workers)
    type_into(dialog, dialog.host, "127.0.0.1")
    type_into(dialog, dialog.port, str(_free_port()))
    type_into(dialog, dialog.database, "atlas")
    type_into(dialog, dialog.user, "anna")
    type_into(dialog, dialog.password, "Pa55wort")
    dialog.tls.setChecked(False)
    QTest.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "nicht erreichbar" in result(dialog), timeout=15000)
    assert "Pa55wort" not in result(dialog)
    assert dialog.test_button.isEnabled()


def test_connect_opens_a_window_on_the_server(  # type: ignore[no-untyped-def]
    qtbot,
    window: MainWindow,
    settings: QSettings,
    workers: Workers,
    cluster: Cluster,  # noqa: F811
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    dialog = open_dialog(window, settings, workers)
    assert dialog.port.value() == 5432 and dialog.tls.isChecked() and dialog.keep.isEnabled()
    type_into(dialog, dialog.host, "127.0.0.1")
    type_into(dialog, dialog.port, str(cluster.port))
    QTest.keyClick(dialog.port, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.database
    QTest.keyClicks(dialog.database, DATABASE)
    QTest.keyClick(dialog.database, Qt.Key.Key_Tab)
    QTest.keyClicks(dialog.user, COACH)
    QTest.keyClick(dialog.user, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.password
    QTest.keyClicks(dialog.password, PASSWORD)
    assert dialog.password.displayText() != PASSWORD
    # The cluster offers no TLS: asked for, it is refused in German.
    QTest.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "keine verschlüsselte Verbindung" in result(dialog), timeout=15000)
    QTest.mouseClick(dialog.tls, Qt.MouseButton.LeftButton, pos=QPoint(8, dialog.tls.height() // 2))
    assert not dialog.tls.isChecked()
    QTest.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: result(dialog).startswith("Verbunden: PostgreSQL"), timeout=15000)
    assert result(dialog).endswith(f"angemeldet als {COACH} (Netzwerkcoach). Datenbank aktuell.")
    dialog.adjustSize()
    dialog.grab().save("/tmp/team_dialog.png")

    before = set(QApplication.topLevelWidgets())
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)  # Enter = Verbinden
    qtbot.waitUntil(lambda: dialog.opened is not None or dialog.connect_button.isEnabled(), timeout=30000)
    assert dialog.opened is not None, result(dialog)
    server_window = dialog.opened
    assert (
        isinstance(server_window, MainWindow)
        and server_window in set(QApplication.topLevelWidgets()) - before
    )
    assert window.isVisible() and server_window.isVisible()
    assert server_window.atlas.rights.role == "Netzwerkcoach"
    status = server_window.db_label.text()
    assert f"{COACH}@127.0.0.1:{cluster.port}/{DATABASE}" in status
    assert "Teamserver 127.0.0.1" in server_window.windowTitle()
    # The password: in the keyring, nowhere else.
    assert memory_keyring.stored == {
        ("Stadtteil-Atlas", f"{COACH}@127.0.0.1:{cluster.port}/{DATABASE}"): PASSWORD
    }
    settings.sync()
    stored = Path(settings.fileName()).read_text(encoding="utf-8")
    assert "team/" in stored or "[team]" in stored
    assert PASSWORD not in stored and "Geh3im" not in stored
    for text in (
        server_window.windowTitle(),
        status,
        server_window.statusBar().currentMessage(),
        window.statusBar().currentMessage(),
    ):
        assert "Geh3im" not in text

    # Next time: the address from the settings, the password from the keyring.
    again = open_dialog(window, settings, workers)
    assert (again.host.text(), again.port.value(), again.database.text(), again.user.text()) == (
        "127.0.0.1",
        cluster.port,
        DATABASE,
        COACH,
    )
    assert again.password.text() == PASSWORD and not again.tls.isChecked()
    QTest.mouseClick(again.cancel_button, Qt.MouseButton.LeftButton)
    assert not again.isVisible()
    server_window.close()


def test_without_a_keyring_the_window_says_the_password_was_not_kept(  # type: ignore[no-untyped-def]
    qtbot,
    window: MainWindow,
    settings: QSettings,
    workers: Workers,
    cluster: Cluster,  # noqa: F811
) -> None:
    import keyring
    from keyring.backends import fail

    dialog = open_dialog(window, settings, workers)
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # the real case on this machine, after the dialog opened
    try:
        dialog.keep.setChecked(True)
        for field, text in (
            (dialog.host, "127.0.0.1"),
            (dialog.port, str(cluster.port)),
            (dialog.database, DATABASE),
            (dialog.user, COACH),
            (dialog.password, PASSWORD),
        ):
            type_into(dialog, field, text)
        dialog.tls.setChecked(False)
        QTest.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.opened is not None, timeout=30000)
        assert isinstance(dialog.opened, MainWindow)
        assert "kein Schlüsselbund verfügbar" in dialog.opened.statusBar().currentMessage()
        dialog.opened.close()
    finally:
        keyring.set_keyring(before)
