"""The command line's arguments (German help; ``stadtteil-atlas --help``)."""

from __future__ import annotations

import argparse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stadtteil-atlas",
        description=(
            "Stadtteil-Atlas – das Partnernetzwerk eines Quartiers: Einrichtungen, Angebote, "
            "Kontakte, Akteure, Runde Tische. Ohne Befehl startet das Programmfenster."
        ),
    )
    parser.add_argument(
        "--demo", action="store_true", help="eine frische Kopie der mitgelieferten Demo-Datenbank öffnen"
    )
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        help="SQLite-Datei oder SQLAlchemy-URL (Standard: eigene Datenbank im Benutzerordner)",
    )
    parser.add_argument(
        "--create",
        action="store_true",
        help=(
            "mit --db: fehlende Ordner anlegen und eine leere (0 Byte) Datei zur neuen Datenbank machen "
            "(ohne --create wird beides abgelehnt)"
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="BEFEHL")
    stats = sub.add_parser(
        "stats",
        help="Anzahlen als JSON ausgeben (Einrichtungen, Angebote, Kontakte, Akteure, Netzwerk-Trichter …)",
    )
    stats.add_argument("--at", metavar="JJJJ-MM-TT", help="der Stand an einem früheren Tag (Standard: heute)")
    sub.add_parser("check", help="die Datenbank prüfen (Integrität, Schema-Stand)")
    export = sub.add_parser(
        "export",
        help="Daten exportieren: Listen (CSV, XLSX, GeoJSON, vCard), Open-Referral-Paket, Karte",
        description=(
            "Listen als .csv (Excel), .xlsx, .geojson (nur Einrichtungen, öffentliche Felder) oder .vcf "
            "(nur Kontakte) – mit denselben Filtern wie die Liste im Fenster. hsds: der öffentliche "
            "Wegweiser als Open-Referral-Paket (HSDS) in einen Ordner oder eine .zip-Datei; "
            "Kontaktpersonen nur mit --with-contacts. map: die Karte als HTML-Datei."
        ),
    )
    export.add_argument(
        "what",
        choices=["map", "institutions", "offers", "contacts", "actors", "hsds"],
        help="was exportiert wird",
    )
    export.add_argument(
        "file",
        metavar="DATEI",
        help="Zieldatei: .csv, .xlsx, .geojson, .vcf; für hsds ein Ordner oder .zip; für map .html",
    )
    export.add_argument("--quarter", metavar="QUARTIER", help="nur dieses Quartier (Name oder Nummer)")
    export.add_argument("--category", metavar="KATEGORIE", help="nur diese Kategorie (Name oder Nummer)")
    export.add_argument(
        "--search", metavar="TEXT", default="", help="nur Einträge, die diesen Suchtext enthalten"
    )
    export.add_argument(
        "--with-contacts",
        action="store_true",
        help="hsds: auch die Kontaktpersonen (personenbezogene Daten!) in das Paket schreiben",
    )
    geocode = sub.add_parser(
        "geocode",
        help="Adressen der Einrichtungen verorten (Nominatim; höchstens eine Anfrage pro Sekunde)",
        description=(
            "Verortet die Adressen der Einrichtungen (Straße, PLZ, Ort – nie Kontaktdaten) und ordnet "
            "sie ihrem Quartier zu. Ohne --missing: alle Einrichtungen mit Adresse außer den von Hand "
            "gesetzten Stecknadeln. Jede Antwort wird in der Datenbank gespeichert, dieselbe Adresse "
            "wird nie zweimal gefragt. Mehrdeutige oder weit außerhalb liegende Treffer werden nicht "
            "übernommen, sondern zur Bestätigung vorgemerkt. Exit-Code 1, wenn eine Adresse aus "
            "einem anderen Grund als „nicht gefunden“ scheiterte (kein Netz, HTTP 429/403, "
            "Zeitüberschreitung, unbrauchbare Antwort)."
        ),
    )
    geocode.add_argument(
        "--missing",
        action="store_true",
        help="nur Einrichtungen ohne Koordinaten oder mit geänderter Adresse („noch nicht verortet“)",
    )
    geocode.add_argument(
        "--dry-run",
        action="store_true",
        help="nur abfragen und berichten; keine Einrichtung ändern (die Antworten werden gespeichert)",
    )
    geocode.add_argument(
        "--geocoder-url",
        metavar="URL",
        help="Adresse eines Nominatim-kompatiblen Servers (Standard: https://nominatim.openstreetmap.org)",
    )
    importer = sub.add_parser(
        "import",
        help="Daten einlesen: Excel-Listen (CSV, XLSX), Open-Referral-Pakete, Quartiersgrenzen",
        description=(
            "institutions, offers, contacts, actors: eine Liste als .csv oder .xlsx (auch unsere "
            ".geojson und .vcf). Zeichenkodierung und Trennzeichen werden erkannt; die Spalten über "
            "ihre Überschriften (oder die im Fenster gespeicherte Zuordnung). Alles in einem Schritt: "
            "enthält eine Zeile Fehler, wird nichts importiert (Exit-Code 1, Fehler auf stderr), außer "
            "mit --skip-invalid. Kategorien, Zielgruppen, Sektoren und Quartiere, die die Liste nennt "
            "und die es noch nicht gibt, werden dabei angelegt (außer mit --no-new-terms). "
            "Dubletten (ähnlicher Name, gleiche PLZ bzw. Einrichtung) werden "
            "übersprungen, außer mit --duplicates. hsds: ein Open-Referral-Paket (Ordner oder .zip). "
            "quarters: Quartiersgrenzen aus GeoJSON."
        ),
    )
    importer.add_argument(
        "what",
        choices=["quarters", "institutions", "offers", "contacts", "actors", "hsds"],
        help="was eingelesen wird",
    )
    importer.add_argument(
        "file",
        metavar="DATEI",
        help="für Listen .csv/.xlsx; für hsds ein Ordner oder .zip; für quarters eine GeoJSON-Datei "
        "(FeatureCollection, je Quartier eine Fläche)",
    )
    importer.add_argument(
        "--dry-run", action="store_true", help="Listen: nur prüfen und berichten, nichts speichern"
    )
    importer.add_argument(
        "--skip-invalid",
        action="store_true",
        help="Listen und hsds: die gültigen Zeilen importieren, die fehlerhaften in einen Bericht schreiben",
    )
    importer.add_argument(
        "--no-new-terms",
        action="store_true",
        help="Listen: Kategorien, Zielgruppen, Sektoren und Quartiere, die es noch nicht gibt, nicht "
        "anlegen, sondern die Zeilen als fehlerhaft ablehnen (Standard: neu anlegen)",
    )
    importer.add_argument(
        "--duplicates",
        choices=["skip", "merge", "import"],
        default="skip",
        help="Listen: Dubletten überspringen (Standard), zusammenführen (leere Felder füllen) oder trotzdem anlegen",
    )
    importer.add_argument(
        "--encoding", metavar="KODIERUNG", help="Listen: z. B. cp1252 oder utf-8 (Standard: erkannt)"
    )
    importer.add_argument("--separator", metavar="ZEICHEN", help="Listen: ; , oder tab (Standard: erkannt)")
    importer.add_argument("--sheet", metavar="TABELLE", help="XLSX: diese Tabelle statt der ersten")
    importer.add_argument(
        "--report", metavar="DATEI", help="Bericht der fehlerhaften Zeilen (Standard: DATEI-abgelehnt.csv)"
    )
    importer.add_argument(
        "--name-property",
        metavar="NAME",
        help="Eigenschaft mit dem Namen des Quartiers (Standard: die erste, die jedes Quartier eindeutig benennt)",
    )
    importer.add_argument(
        "--replace", action="store_true", help="Quartiere, die nicht in der Datei stehen, löschen"
    )
    report = sub.add_parser(
        "report",
        help="ein Dokument als PDF: Kontaktliste, Teilnehmerliste, Wegweiser oder Netzwerkbericht",
        description=(
            "Erstellt ein Dokument als PDF (A4, Kopfzeile und „Seite x von y“ auf jeder Seite). "
            "contact-list: Kontaktliste (--round-table, --quarter, --category; --columns, --sort, --group). "
            "sign-in: Teilnehmer- und Unterschriftenliste eines Treffens (--meeting; --funding, "
            "--blank-rows, --no-consent). directory: Wegweiser mit Karte (--quarter, --category). "
            "network: Netzwerkbericht für Fördergeber (--from, --to; Standard: die letzten zwölf Monate). "
            "Namen oder Nummern; eine leere Auswahl erzeugt kein PDF (Exit-Code 2). Ein Dokument "
            "von mehr als 1.000 Seiten (etwa der ganze Wegweiser einer großen Datenbank) wird "
            "abgelehnt (Exit-Code 2), außer mit --no-page-limit."
        ),
    )
    report.add_argument(
        "kind", choices=["contact-list", "sign-in", "directory", "network"], help="welches Dokument"
    )
    report.add_argument("--out", required=True, metavar="DATEI.pdf", help="Zieldatei")
    report.add_argument("--round-table", metavar="NAME", help="Runder Tisch (Name oder Nummer)")
    report.add_argument("--quarter", metavar="QUARTIER", help="Quartier (Name oder Nummer)")
    report.add_argument("--category", metavar="KATEGORIE", help="Kategorie (Name oder Nummer)")
    report.add_argument("--meeting", metavar="TREFFEN", help="Treffen: Nummer, Datum JJJJ-MM-TT oder Titel")
    report.add_argument("--from", dest="start", metavar="JJJJ-MM-TT", help="Beginn des Berichtszeitraums")
    report.add_argument("--to", dest="end", metavar="JJJJ-MM-TT", help="Ende des Berichtszeitraums")
    report.add_argument(
        "--columns", metavar="SPALTEN", help="z. B. name,function,institution,phone,email,address"
    )
    report.add_argument(
        "--sort", choices=["name", "institution", "function"], help="Sortierung der Kontaktliste"
    )
    report.add_argument("--group", action="store_true", help="Kontaktliste nach Einrichtung gruppieren")
    report.add_argument("--funding", metavar="TEXT", help="Förderhinweis der Teilnehmerliste")
    report.add_argument(
        "--blank-rows", type=int, metavar="N", help="Leerzeilen der Teilnehmerliste (Standard 8)"
    )
    report.add_argument(
        "--no-consent", action="store_true", help="ohne Einwilligungsspalten (Fotos, Kontakte)"
    )
    report.add_argument("--logo", metavar="BILD", help="Logo für den Seitenkopf (PNG, JPEG oder SVG)")
    report.add_argument(
        "--no-page-limit",
        action="store_true",
        help="auch ein Dokument von mehr als 1.000 Seiten erstellen (kann Stunden dauern und "
        "Gigabytes Speicher brauchen)",
    )
    transfer = sub.add_parser(
        "transfer",
        help="die ganze Datenbank kopieren: SQLite → PostgreSQL (Teamserver) oder PostgreSQL → SQLite",
        description=(
            "Kopiert alle Daten von QUELLE nach ZIEL – mit denselben Nummern, dem Verlauf, den "
            "Einstellungen, den Teilnahmen und dem Löschregister – in einem Schritt: Anzahl und "
            "Prüfsumme jeder Tabelle werden auf beiden Seiten verglichen; stimmt etwas nicht, bleibt "
            "das Ziel, wie es war. Die Quelle wird nur gelesen. QUELLE und ZIEL: eine SQLite-Datei "
            "oder eine Adresse wie postgresql+psycopg://BENUTZER@SERVER/DATENBANK. Eine Zieldatei "
            "wird neu angelegt; ein Ziel, das schon Daten enthält, wird abgelehnt, außer mit --replace."
        ),
    )
    transfer.add_argument(
        "source", metavar="QUELLE", help="SQLite-Datei oder Datenbank-Adresse (wird nur gelesen)"
    )
    transfer.add_argument(
        "target", metavar="ZIEL", help="neue SQLite-Datei oder Adresse einer leeren Datenbank"
    )
    transfer.add_argument(
        "--replace",
        action="store_true",
        help="ein Ziel, das schon Daten enthält (oder eine vorhandene Zieldatei), leeren und ersetzen",
    )
    checkout = sub.add_parser(
        "checkout",
        help="für unterwegs mitnehmen: eine Kopie der Datenbank (--db) für den Laptop schreiben",
        description=(
            "Schreibt eine Unterwegs-Kopie der Datenbank (--db oder --demo) in die neue Datei ZIEL: "
            "sie öffnet sich im selben Programm und geht ohne Netz. Mit --quarter und --round-table "
            "nur ein Teil (personenbezogene Daten nur dieses Teils). Zurück mit: checkin ZIEL."
        ),
    )
    checkout.add_argument("target", metavar="ZIEL", help="neue SQLite-Datei der Kopie")
    checkout.add_argument(
        "--quarter",
        action="append",
        default=[],
        metavar="NAME",
        help="nur dieses Quartier (mehrfach möglich)",
    )
    checkout.add_argument(
        "--round-table",
        action="append",
        default=[],
        metavar="NAME",
        help="nur dieser Runde Tisch mit seinen Treffen (mehrfach möglich)",
    )
    checkin = sub.add_parser(
        "checkin",
        help="Unterwegs-Kopie zurückführen: was unterwegs geändert wurde, in die Datenbank (--db) übernehmen",
        description=(
            "Zeigt zuerst, was sich ändert (neu, geändert, gelöscht, Konflikte), und übernimmt es dann "
            "in einem Schritt. Ein Feld, das nur auf einer Seite geändert wurde, bekommt diesen Wert; "
            "Konflikte (dasselbe Feld verschieden geändert, gelöscht gegen geändert) werden nur mit "
            "--conflicts entschieden, sonst bleibt alles, wie es war. Zweimal zurückführen ändert nichts."
        ),
    )
    checkin.add_argument("copy", metavar="KOPIE", help="die Unterwegs-Kopie (SQLite-Datei)")
    checkin.add_argument(
        "--dry-run", action="store_true", help="nur zeigen, was sich ändern würde (nichts übernehmen)"
    )
    checkin.add_argument(
        "--conflicts",
        choices=("office", "copy"),
        help="Konflikte entscheiden: office = Büro behält seinen Wert, copy = Wert von unterwegs "
        "(gelöscht gegen geändert: copy behält den Eintrag, office folgt der Löschung bzw. Änderung im Büro)",
    )
    demo = sub.add_parser(
        "build-demo",
        help="für Entwickler: die mitgelieferte Demo-Datenbank neu bauen (ersetzt DATEI)",
    )
    demo.add_argument("file", metavar="DATEI.sqlite", help="Datei der neuen Demo-Datenbank (wird ersetzt)")
    demo.add_argument("--seed", type=int, default=2026, help="Startwert des Zufalls (Standard 2026)")
    return parser
