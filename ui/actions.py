"""The window's actions, declared in one place (text, shortcut, tip)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


@dataclass(frozen=True)
class ActionSpec:
    name: str
    text: str
    shortcut: QKeySequence.StandardKey | str | None = None
    tip: str = ""


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("new", "&Neu", QKeySequence.StandardKey.New, "Neuen Eintrag im aktuellen Bereich anlegen"),
    ActionSpec("save", "&Speichern", None, "Änderungen im Formular speichern (Strg+S)"),
    ActionSpec("delete", "&Löschen …", QKeySequence.StandardKey.Delete, "Ausgewählten Eintrag löschen"),
    ActionSpec("find", "&Suchen", QKeySequence.StandardKey.Find, "In die Suche springen"),
    ActionSpec(
        "find_duplicates",
        "Mögliche &Duplikate …",
        None,
        "Einrichtungen oder Kontakte suchen, die dieselben sein könnten wie der ausgewählte, und zusammenführen",
    ),
    ActionSpec(
        "export_list",
        "Liste &exportieren …",
        "Ctrl+E",
        "Die angezeigte Liste (mit Suche und Filtern) als CSV, Excel, GeoJSON oder vCard speichern",
    ),
    ActionSpec(
        "import_list", "&Importieren …", "Ctrl+I", "Eine Excel- oder CSV-Liste einlesen (mit Vorschau)"
    ),
    ActionSpec(
        "hsds_export",
        "Öffentliches Verzeichnis exportieren (Open Referral) …",
        None,
        "Einrichtungen und Angebote als HSDS-Datenpaket, ohne personenbezogene Daten",
    ),
    ActionSpec(
        "hsds_import", "Open-Referral-Paket importieren …", None, "Ein HSDS-Datenpaket (ZIP) einlesen"
    ),
    ActionSpec(
        "report_contacts",
        "&Kontaktliste …",
        "Ctrl+P",
        "Kontakte der Liste, eines Runden Tisches oder Quartiers drucken",
    ),
    ActionSpec("report_sign_in", "&Teilnehmerliste …", None, "Unterschriftenliste für ein Treffen"),
    ActionSpec(
        "report_directory",
        "&Wegweiser …",
        None,
        "Angebote nach Kategorien mit Karte, für ein Quartier oder alle",
    ),
    ActionSpec("report_network", "&Netzwerkbericht …", None, "Zahlen für den Förderbericht"),
    ActionSpec(
        "privacy_export",
        "&Auskunft nach Art. 15 DSGVO …",
        None,
        "Alles, was über die ausgewählte Person gespeichert ist, in eine Datei schreiben",
    ),
    ActionSpec(
        "privacy_erase",
        "Person &löschen nach Art. 17 DSGVO …",
        None,
        "Die ausgewählte Person endgültig löschen; Teilnahmen bleiben ohne Namen in den Zahlen",
    ),
    ActionSpec(
        "consent_review",
        "&Einwilligungen prüfen …",
        None,
        "Kontakte, deren Einwilligung fehlt (unbekannt, abgelehnt) oder zu alt ist",
    ),
    ActionSpec(
        "retention_review",
        "Lösch&fristen prüfen …",
        None,
        "Kontakte ohne Aktivität seit der Löschfrist: behalten oder nach Art. 17 löschen",
    ),
    ActionSpec(
        "privacy_controller",
        "&Verantwortliche Stelle …",
        None,
        "Name und Anschrift der Organisation, die für die Daten verantwortlich ist (steht in jeder Auskunft)",
    ),
    ActionSpec("taxonomies", "&Kategorien, Zielgruppen, Sektoren …", None, "Die Auswahllisten bearbeiten"),
    ActionSpec(
        "geocode_missing",
        "Fehlende &Koordinaten ermitteln …",
        None,
        "Alle Einrichtungen ohne Koordinaten im Hintergrund verorten",
    ),
    ActionSpec(
        "import_quarters",
        "Quartiersgrenzen &importieren …",
        None,
        "Grenzen aus einer GeoJSON-Datei übernehmen",
    ),
    ActionSpec(
        "reassign_quarters",
        "Einrichtungen den Quartieren neu &zuordnen",
        None,
        "Jede Einrichtung dem Quartier zuordnen, in dem ihr Standort liegt",
    ),
    ActionSpec(
        "geocoder_settings", "&Geokodierung einstellen …", None, "Dienst und Kennung für die Adresssuche"
    ),
    ActionSpec(
        "travel_take",
        "Für &unterwegs mitnehmen …",
        None,
        "Eine Kopie für den Laptop schreiben (alles oder einzelne Quartiere und Runde Tische), die ohne Netz funktioniert",
    ),
    ActionSpec(
        "travel_bring_back",
        "Unterwegs-Kopie &zurückführen …",
        None,
        "Was unterwegs geändert wurde, ansehen und ins Büro übernehmen (Konflikte zur Wahl)",
    ),
    ActionSpec(
        "team_connect",
        "Mit &Teamserver verbinden …",
        None,
        "Die Datenbank des Teams auf einem PostgreSQL-Server in einem neuen Fenster öffnen",
    ),
    ActionSpec("quit", "&Beenden", QKeySequence.StandardKey.Quit, "Programm beenden"),
    ActionSpec(
        "manual", "&Handbuch", QKeySequence.StandardKey.HelpContents, "Das Handbuch lesen (ohne Internet)"
    ),
    ActionSpec(
        "first_steps",
        "&Erste Schritte …",
        None,
        "Eigene Liste importieren, Quartiersgrenzen laden, die Demo ansehen",
    ),
    ActionSpec("about", "Ü&ber Stadtteil-Atlas", None, ""),
)


def build_actions(parent: QWidget) -> dict[str, QAction]:
    actions: dict[str, QAction] = {}
    for spec in ACTIONS:
        action = QAction(parent.tr(spec.text), parent)
        action.setObjectName(f"action_{spec.name}")
        if spec.shortcut is not None:
            action.setShortcut(QKeySequence(spec.shortcut))
        if spec.tip:
            action.setToolTip(parent.tr(spec.tip))
            action.setStatusTip(parent.tr(spec.tip))
        actions[spec.name] = action
    return actions
