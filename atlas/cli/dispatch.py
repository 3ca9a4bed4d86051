"""The commands of ``stadtteil-atlas BEFEHL``: dispatch on the parsed arguments, print the
result, return the exit code (0 done, 1 some addresses not found, 2 refused with a German
line, 130 cancelled with Ctrl+C)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from atlas.cli import iocommands
from atlas.cli.commands import export_map, geocode, import_quarters, network_stats
from atlas.cli.report import Renderer, report
from atlas.errors import AtlasError
from atlas.geo import eta_text

if TYPE_CHECKING:
    from atlas.core import Atlas


def run(atlas: Atlas, args: argparse.Namespace, opened: Mapping[str, object], render: Renderer) -> int:
    """Run the command ``args`` names on the opened database; the exit code.

    ``opened`` is what opening the database found (printed by ``check``); ``render`` prints a
    report (handed in by ``main.py``, the wiring place). Errors are one German line on stderr."""
    try:
        if args.command == "stats":
            print(json.dumps(network_stats(atlas, args.at), ensure_ascii=False, indent=2))
        elif args.command == "check":
            print(json.dumps(dict(opened), ensure_ascii=False, indent=2))
        elif args.command == "export" and args.what != "map":
            return _transfer(atlas, args)
        elif args.command == "export":
            print(export_map(atlas, Path(args.file), quarter=args.quarter, category=args.category))
        elif args.command == "geocode":
            return _geocode(atlas, args)
        elif args.command == "import" and args.what != "quarters":
            return _transfer(atlas, args)
        elif args.command == "report":
            print(report(atlas, args, render))
        elif args.command == "import":
            for line in import_quarters(atlas, Path(args.file), args.name_property, args.replace):
                print(line)
        return 0
    except AtlasError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 2


def _transfer(atlas: Atlas, args: argparse.Namespace) -> int:
    """import/export of lists and Open Referral packages (atlas.cli.iocommands)."""
    target = Path(args.file)
    if args.command == "export":
        if args.what == "hsds":
            outcome = iocommands.export_hsds(atlas, target, include_contacts=args.with_contacts)
        else:
            outcome = iocommands.export_list(
                atlas, args.what, target, args.quarter, args.category, args.search
            )
    elif args.what == "hsds":
        outcome = iocommands.import_hsds(atlas, target, skip_invalid=args.skip_invalid)
    else:
        outcome = iocommands.import_list(
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
