"""The first-steps page: what a new, empty database offers to do first.

Shown instead of an empty list and a blank map while there is no institution yet, and
later from Hilfe → Erste Schritte. The first institutions that arrive (an import, a
form) switch the window to the list of institutions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui.manual import show_manual
from ui.plain import ask, inform, plain_label

if TYPE_CHECKING:
    from ui.main_window import MainWindow

DEMO_HELP = (
    "Die Demo ist ein ausgedachtes Quartier mit rund 100 Einrichtungen, Angeboten, Akteuren, "
    "Runden Tischen und einem Jahr Treffen. Sie öffnet immer eine frische Kopie; "
    "Ihre eigene Datenbank bleibt davon unberührt.\n\n"
    "So starten Sie die Demo: das Programm schließen und mit dem Zusatz --demo neu starten, "
    "zum Beispiel\n\n    stadtteil-atlas --demo\n\n"
    "(unter Windows über eine Verknüpfung, deren Ziel mit „ --demo“ endet)."
)


class FirstStepsPage(QWidget):
    """Short German text and four big buttons."""

    importList = Signal()
    importQuarters = Signal()
    demo = Signal()
    manual = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = plain_label(self.tr("Willkommen beim Stadtteil-Atlas"))
        title.setObjectName("firstStepsTitle")
        title.setStyleSheet("font-size: 18pt; font-weight: 600;")
        title.setWordWrap(True)
        intro = plain_label(
            self.tr(
                "Ihre Datenbank ist noch leer. Die meisten beginnen mit ihrer eigenen Liste der "
                "Einrichtungen und den Grenzen ihrer Quartiere – danach stehen die Partner auf der Karte."
            )
        )
        intro.setWordWrap(True)

        rows = QVBoxLayout()
        rows.setSpacing(12)
        steps = (
            (
                "importButton",
                self.tr("Eigene Liste importieren …"),
                self.tr(
                    "Eine Excel- oder CSV-Liste der Einrichtungen (oder Angebote, Kontakte, Akteure) "
                    "einlesen – mit Vorschau, Fehlerliste und Dubletten-Prüfung. Kategorien und Quartiere "
                    "mit eigenen Namen werden dabei angelegt."
                ),
                self.importList,
            ),
            (
                "quartersButton",
                self.tr("Quartiersgrenzen laden …"),
                self.tr(
                    "Die Grenzen Ihrer Quartiere aus einer GeoJSON-Datei übernehmen; jede Einrichtung "
                    "kommt in das Quartier, in dem sie liegt."
                ),
                self.importQuarters,
            ),
            (
                "demoButton",
                self.tr("Demo ansehen"),
                self.tr(
                    "Ein ausgedachtes Beispiel-Quartier ausprobieren. Ihre eigene Datenbank bleibt "
                    "unverändert."
                ),
                self.demo,
            ),
            (
                "manualButton",
                self.tr("Handbuch lesen"),
                self.tr(
                    "Kurz erklärt: Fenster, Suche, Import, Karte, Treffen, Drucken, Datenschutz. "
                    "Jederzeit unter Hilfe → Handbuch (F1)."
                ),
                self.manual,
            ),
        )
        self.buttons: dict[str, QPushButton] = {}
        for name, text, explanation, signal in steps:
            button = QPushButton(text)
            button.setObjectName(name)
            button.setMinimumHeight(44)
            button.setStyleSheet("font-size: 12pt; padding: 6px 18px;")
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            button.clicked.connect(signal)
            label = plain_label(explanation)
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
            label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            line = QHBoxLayout()
            line.setSpacing(16)
            line.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
            line.addWidget(label, 1)
            rows.addLayout(line)
            self.buttons[name] = button
        width = max(b.sizeHint().width() for b in self.buttons.values())
        for button in self.buttons.values():
            button.setFixedWidth(width)  # one column of equally wide buttons

        later = plain_label(
            self.tr(
                "Sie können auch gleich links einen Bereich wählen und mit „Neu“ (Strg+N) den ersten "
                "Eintrag anlegen. Diese Seite finden Sie später unter Hilfe → Erste Schritte."
            )
        )
        later.setWordWrap(True)
        later.setStyleSheet("color: palette(placeholder-text);")

        content = QWidget()
        content.setMaximumWidth(820)
        column = QVBoxLayout(content)
        column.setContentsMargins(24, 24, 24, 24)
        column.setSpacing(14)
        column.addWidget(title)
        column.addWidget(intro)
        column.addSpacing(6)
        column.addLayout(rows)
        column.addSpacing(6)
        column.addWidget(later)
        column.addStretch(1)

        content.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        # No scroll area: in one, the wrapped explanations would get the height they need at
        # a narrower width, leaving gaps; the page fits 1280×720 with a 125 % font as it is.
        centre = QHBoxLayout(self)  # as wide as there is room, up to 820 px, in the middle
        centre.setContentsMargins(0, 0, 0, 0)
        centre.addStretch(0)
        centre.addWidget(content, 1)
        centre.addStretch(0)


class FirstSteps:
    """Puts the page into the window's stack and leads its buttons to the window's dialogs."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.page = FirstStepsPage()
        self.page.setObjectName("firstSteps")
        self.automatic = False
        window.stack.addWidget(self.page)
        self.page.importList.connect(lambda: window.import_list())
        self.page.importQuarters.connect(window.import_quarters)
        self.page.demo.connect(self.open_demo)
        self.page.manual.connect(lambda: show_manual(window))

    def show(self, automatic: bool = False) -> None:
        """Show the page; ``automatic``: because the database is empty (left once data arrives)."""
        self.automatic = automatic
        self.window.nav.setCurrentRow(-1)  # no section chosen; a click on one leaves the page
        self.window.stack.setCurrentWidget(self.page)
        self.window.section_map.apply("first_steps")
        # The focus starts on the first button: a list of sections gaining the focus without a
        # current row would choose its first row itself, and so leave this page.
        self.page.buttons["importButton"].setFocus()

    def is_shown(self) -> bool:
        return self.window.stack.currentWidget() is self.page

    def on_change(self, entities: frozenset[str]) -> None:
        """The first institutions arrived while the page stood for an empty database: show them."""
        if not (self.automatic and self.is_shown() and "institution" in entities):
            return
        if self.window.atlas.institutions.count() > 0:
            self.automatic = False
            self.window.show_section(0)

    def open_demo(self) -> None:
        opener = self.window.open_demo
        if opener is None:
            inform(self.window, self.window.tr("Demo ansehen"), self.window.tr(DEMO_HELP))
            return
        answer = ask(
            self.window,
            self.window.tr("Demo ansehen"),
            self.window.tr(
                "Eine frische Kopie der Demo in einem zweiten Fenster öffnen?\n\n"
                "Die Demo ist ein ausgedachtes Quartier mit rund 100 Einrichtungen. Was Sie dort "
                "ändern, bleibt in der Kopie; Ihre eigene Datenbank in diesem Fenster bleibt unverändert."
            ),
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Open,
        )
        if answer == QMessageBox.StandardButton.Open:
            opener()
