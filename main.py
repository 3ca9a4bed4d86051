"""Stadtteil-Atlas: start the window or run a command on the same core.

This is the one place that wires everything: it resolves the database,
opens it safely (``db.migrate.open_database``), builds the :class:`Atlas`
facade and hands it to the window or to a command.
"""

from __future__ import annotations

import argparse
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
    from atlas.reports import ReportDocument
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
    """Open the database and carry out the command of the command line (``atlas.cli``)."""
    from atlas.cli import run
    from atlas.errors import DatabaseOpenError

    try:
        atlas, result = bootstrap(database, create=bool(getattr(args, "create", False)))
    except DatabaseOpenError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 2
    opened = {
        "database": result.shown,
        "integrity": "ok",
        "schema": result.revision_now,
        "migrated_from": result.revision_before,
        "backup": str(result.backup) if result.backup else None,
    }
    try:
        return run(atlas, args, opened, render_pdf)
    finally:
        result.engine.dispose()


def render_pdf(doc: ReportDocument, target: Path) -> tuple[Path, int]:
    """Print a report to ``target`` with the window's renderer (``ui.printing``), offscreen.

    Qt only for the ``report`` command: the QApplication is created here, with the ``atlas:``
    scheme registered first (``ui.app.make_application``)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _prepare_qt_environment()
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
    return save_pdf(rendered.data, target), rendered.pages


def build_demo(path: Path, seed: int = 2026) -> dict[str, object]:
    """Create the demo database at ``path`` (replacing a file there) and return its figures
    (``stadtteil-atlas build-demo resources/demo/demo.sqlite``)."""
    from atlas.demo import fill_demo
    from db.engine import make_sessions
    from db.migrate import open_database

    path = Path(path)
    for stale in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal")):
        stale.unlink(missing_ok=True)
    result = open_database(path)
    try:
        return fill_demo(result.engine, make_sessions(result.engine), seed=seed)
    finally:
        result.engine.dispose()


def run_transfer(args: argparse.Namespace) -> int:
    """``stadtteil-atlas transfer QUELLE ZIEL``: the whole database copied (``db.transfer``);
    progress on stderr, the summary on stdout; a refusal is one German line, exit 2."""
    from atlas.errors import AtlasError
    from db.transfer import transfer

    if args.demo or args.db:
        print("Fehler: transfer nennt Quelle und Ziel selbst (ohne --db oder --demo).", file=sys.stderr)
        return 2

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        result = transfer(
            args.source, args.target, replace=args.replace, create=args.create, progress=progress
        )
    except AtlasError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Abgebrochen; das Ziel ist wie vorher.", file=sys.stderr)
        return 130
    print(result.summary())
    return 0


def run_travel(args: argparse.Namespace, database: str) -> int:
    """``checkout ZIEL`` and ``checkin KOPIE`` (the offline copy; ``atlas.travel`` with the
    files of ``db.travel``): a refusal is one German line, exit 2; unresolved conflicts
    exit 1 with nothing changed."""
    from atlas.errors import AtlasError, DatabaseOpenError
    from atlas.travel import Choices, Scope, Side, applied_line, counted, plan_lines
    from db.travel import make_copy, open_copy

    try:
        atlas, result = bootstrap(database)
    except DatabaseOpenError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 2
    try:
        if args.command == "checkout":
            scope = Scope(tuple(args.quarter), tuple(args.round_table))
            by = atlas.network.user
            info = make_copy(
                result.url, args.target, lambda engine: atlas.travel.prepare(engine, scope, by),
                progress=lambda line: print(line, file=sys.stderr, flush=True),
            )  # fmt: skip
            taken = ", ".join(
                counted(k, info.counts.get(k, 0))
                for k in ("institution", "contact", "round_table", "meeting")
            )
            print(f"Unterwegs-Kopie geschrieben: {args.target} ({scope.describe()}; {taken})")
            return 0
        engine = open_copy(args.copy)
        try:
            plan = atlas.travel.review(engine)
            print("\n".join(plan_lines(plan)))
            if args.dry_run:
                return 0
            choices = Choices()
            if plan.conflicts:
                if args.conflicts is None:
                    print(
                        "Nichts übernommen: bitte die Konflikte im Programm entscheiden "
                        "(Datei › Unterwegs-Kopie zurückführen …) oder mit --conflicts office|copy.",
                        file=sys.stderr,
                    )
                    return 1
                if args.conflicts == "office":
                    side = Side.OFFICE
                    choices.fields = {
                        (d.kind, d.key): {c.field: side for c in d.conflicts} for d in plan.conflicts
                    }
                    choices.delete = {(d.kind, d.key) for d in plan.conflicts if d.deleted_on is Side.OFFICE}
            applied = atlas.travel.merge(engine, plan, choices)
        finally:
            engine.dispose()
        print(applied_line(applied))
        for note in applied.notes:
            print(note)
        return 0
    except AtlasError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 2
    finally:
        result.engine.dispose()


def clean_temporary_files() -> None:
    """Exports write through a temporary file; one killed half-way leaves it behind. The
    folders written to are kept in a journal in the user's state folder and cleaned of the
    program's own temporary files (``atlas.files.TMP_MARK``) at every start."""
    from platformdirs import user_state_path

    from atlas import files

    files.use_journal(user_state_path(APP_NAME, appauthor=False) / "temporaere-dateien.txt")
    files.clean_leftovers()


def main(argv: Sequence[str] | None = None) -> int:
    from atlas.cli import build_parser

    args = build_parser().parse_args(argv)
    if args.command == "build-demo":
        import json

        print(json.dumps(build_demo(Path(args.file), seed=args.seed), ensure_ascii=False, indent=2))
        return 0
    if args.command == "transfer":
        return run_transfer(args)
    clean_temporary_files()
    database = resolve_database(args)
    if args.command in ("checkout", "checkin"):
        return run_travel(args, database)
    if args.command:
        return run_command(args, database)
    _prepare_qt_environment()
    from db.team import check_connection
    from db.travel import make_copy, open_copy
    from ui.app import run_gui
    from ui.flows.travel import TravelFiles

    return run_gui(
        database,
        bootstrap,
        demo=args.demo,
        started=STARTED,
        demo_copy=demo_copy,
        create=args.create,
        check_server=check_connection,
        travel_files=TravelFiles(make_copy, open_copy),
    )


if __name__ == "__main__":
    sys.exit(main())
