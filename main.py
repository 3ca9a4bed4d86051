"""Stadtteil-Atlas: start the window or run a command on the same core.

This is the one place that wires everything: it resolves the database,
opens it safely (``db.migrate.open_database``), builds the :class:`Atlas`
facade and hands it to the window or to a command.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from atlas.core import Atlas
    from db.migrate import OpenResult

STARTED = time.perf_counter()  # for the startup probe; stdlib imports above cost ~ms
APP_NAME = "Stadtteil-Atlas"
ROOT = Path(__file__).resolve().parent
DEMO_DB = ROOT / "resources" / "demo" / "demo.sqlite"


def default_db_path() -> Path:
    """The user's own database in the platform's local (not roaming) data folder."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False, roaming=False) / "stadtteil-atlas.sqlite"


def demo_copy() -> Path:
    """A fresh copy of the bundled demo database (the original is never changed)."""
    folder = Path(tempfile.mkdtemp(prefix="stadtteil-atlas-demo-"))
    target = folder / "demo.sqlite"
    shutil.copyfile(DEMO_DB, target)
    return target


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
            "Namen oder Nummern; eine leere Auswahl erzeugt kein PDF (Exit-Code 2)."
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
    return parser


def resolve_database(args: argparse.Namespace) -> str:
    if args.demo and args.db:
        raise SystemExit("Bitte entweder --demo oder --db angeben, nicht beides.")
    if args.demo:
        return str(demo_copy())
    if args.db:
        return str(args.db)
    path = default_db_path()
    try:  # the program's own folder: made at the first start
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SystemExit(
            f"Fehler: Der Ordner {path.parent} kann nicht angelegt werden: {err.strerror or err}"
        ) from err
    return str(path)


def bootstrap(database: str, create: bool = False) -> tuple[Atlas, OpenResult]:
    """Open (check, back up, migrate) the database and build the facade.

    ``create``: the user asked to make missing folders or an empty file into a new database."""
    from atlas.core import Atlas, database_clock
    from db.engine import make_sessions
    from db.migrate import open_database

    result = open_database(database, create=create)
    sessions = make_sessions(result.engine)
    # The one clock of the program: the system's, or the fixed day a database names for
    # itself (the demo's), so that the demo tells the same story on any date.
    atlas = Atlas(sessions, clock=database_clock(sessions))
    # Erasures (Art. 17) stay done: a person the register names who is in the file again
    # (an older copy restored with the register) is erased again before anyone sees her.
    atlas.privacy.reapply_register()
    return atlas, result


def _prepare_qt_environment() -> None:
    # QtWebEngine refuses to run as root with its sandbox on (FACTS.md).
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


def run_command(args: argparse.Namespace, database: str) -> int:
    from atlas.errors import AtlasError, DatabaseOpenError

    try:
        atlas, result = bootstrap(database, create=bool(getattr(args, "create", False)))
    except DatabaseOpenError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 2
    try:
        if args.command == "stats":
            from atlas.cli import network_stats

            print(json.dumps(network_stats(atlas, args.at), ensure_ascii=False, indent=2))
        elif args.command == "check":
            report = {
                "database": result.url,
                "integrity": "ok",
                "schema": result.revision_now,
                "migrated_from": result.revision_before,
                "backup": str(result.backup) if result.backup else None,
            }
            print(json.dumps(report, ensure_ascii=False, indent=2))
        elif args.command == "export" and args.what != "map":
            return _transfer(atlas, args)
        elif args.command == "export":
            from atlas.cli import export_map

            print(export_map(atlas, Path(args.file), quarter=args.quarter, category=args.category))
        elif args.command == "geocode":
            return _geocode(atlas, args)
        elif args.command == "import" and args.what != "quarters":
            return _transfer(atlas, args)
        elif args.command == "report":
            print(_report(atlas, args))
        elif args.command == "import":
            from atlas.cli import import_quarters

            for line in import_quarters(atlas, Path(args.file), args.name_property, args.replace):
                print(line)
        return 0
    except AtlasError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 2
    finally:
        result.engine.dispose()


def _transfer(atlas: Atlas, args: argparse.Namespace) -> int:
    """import/export of lists and Open Referral packages (atlas.cli.iocommands)."""
    from atlas.cli import iocommands as io

    target = Path(args.file)
    if args.command == "export":
        if args.what == "hsds":
            outcome = io.export_hsds(atlas, target, include_contacts=args.with_contacts)
        else:
            outcome = io.export_list(atlas, args.what, target, args.quarter, args.category, args.search)
    elif args.what == "hsds":
        outcome = io.import_hsds(atlas, target, skip_invalid=args.skip_invalid)
    else:
        outcome = io.import_list(
            atlas,
            args.what,
            target,
            dry_run=args.dry_run,
            skip_invalid=args.skip_invalid,
            encoding=args.encoding,
            separator=args.separator,
            sheet=args.sheet,
            duplicates=args.duplicates,
            report=Path(args.report) if args.report else None,
            new_terms=not args.no_new_terms,
        )
    for line in outcome.out:
        print(line)
    for line in outcome.err:
        print(line, file=sys.stderr)
    return outcome.code


def _geocode(atlas: Atlas, args: argparse.Namespace) -> int:
    """Ctrl+C cancels after the current address and still prints what was done."""
    import signal
    import threading

    from atlas.cli import geocode
    from atlas.geo import eta_text

    stop = threading.Event()
    interactive = sys.stderr.isatty()

    def progress(done: int, total: int, eta: float) -> None:
        if interactive:
            print(f"\r{done}/{total} {eta_text(eta):<20}", end="", file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, lambda _sig, _frame: stop.set())
    try:
        lines, failed = geocode(
            atlas,
            missing=args.missing,
            dry_run=args.dry_run,
            url=args.geocoder_url,
            progress=progress,
            cancelled=stop.is_set,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
        if interactive:
            print(file=sys.stderr)
    for line in lines:
        print(line)
    if stop.is_set():
        return 130
    return 1 if failed else 0


def _report(atlas: Atlas, args: argparse.Namespace) -> str:
    """``stadtteil-atlas report KIND [filters] --out FILE.pdf``; returns the line to print.

    Qt only for this command: the QApplication (offscreen) is created here, with the
    ``atlas:`` scheme registered first (``ui.app.make_application``), and the document is
    printed by the window's renderer (``ui.printing.renderer``). Raises AtlasError in German.
    """
    from atlas import reports
    from atlas.errors import ValidationError
    from atlas.i18n import _

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _prepare_qt_environment()
    target = Path(args.out)
    if target.suffix.lower() != ".pdf":
        raise ValidationError({"out": _("Die Zieldatei muss auf .pdf enden.")})
    options = reports.command_options(atlas, args)
    from ui.printing.documents import build_document

    doc = build_document(args.kind, atlas, options)
    from PySide6.QtCore import QCoreApplication, QEvent

    from ui.app import make_application
    from ui.printing.renderer import PdfRenderer, render_blocking, save_pdf

    make_application(sys.argv[:1] or ["stadtteil-atlas"])
    renderer = PdfRenderer()
    try:
        rendered = render_blocking(doc, renderer)
    finally:
        renderer.close()
        renderer.deleteLater()
        # the page must be gone before QtWebEngine's profile is released at exit
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    path = save_pdf(rendered.data, target)
    return _("Gespeichert: {path} ({pages} Seiten; {what})").format(
        path=path, pages=rendered.pages, what=doc.summary
    )


def clean_temporary_files() -> None:
    """Exports write through a temporary file; one killed half-way leaves it behind. The
    folders written to are kept in a journal in the user's state folder and cleaned of the
    program's own temporary files (``atlas.files.TMP_MARK``) at every start."""
    from platformdirs import user_state_path

    from atlas import files

    files.use_journal(user_state_path(APP_NAME, appauthor=False) / "temporaere-dateien.txt")
    files.clean_leftovers()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    clean_temporary_files()
    database = resolve_database(args)
    if args.command:
        return run_command(args, database)
    _prepare_qt_environment()
    from ui.app import run_gui

    return run_gui(
        database, bootstrap, demo=args.demo, started=STARTED, demo_copy=demo_copy, create=args.create
    )


if __name__ == "__main__":
    sys.exit(main())
