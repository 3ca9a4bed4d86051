"""The command line: ``stadtteil-atlas [--db …] BEFEHL``.

:func:`build_parser` reads the arguments, :func:`run` carries out a command on a database
that ``main.py`` (the wiring place) has opened, with a :data:`Renderer` for the reports
(Qt stays out of the core). Records are named by number or by name through one resolver
(:mod:`atlas.cli.resolve`); the commands themselves are in :mod:`atlas.cli.commands`
(statistics, map, geocoding, quarters) and :mod:`atlas.cli.iocommands` (lists and Open
Referral packages).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING

from atlas.cli.parser import build_parser

if TYPE_CHECKING:
    from atlas.cli.report import Renderer
    from atlas.core import Atlas

__all__ = ["Renderer", "build_parser", "run"]


def run(atlas: Atlas, args: argparse.Namespace, opened: Mapping[str, object], render: Renderer) -> int:
    """Carry out the command ``args`` names (:func:`atlas.cli.dispatch.run`); the commands and
    what they need load only here, so that starting the window does not pay for them."""
    from atlas.cli import dispatch

    return dispatch.run(atlas, args, opened, render)


def __getattr__(name: str) -> object:
    if name == "Renderer":
        from atlas.cli import report

        return report.Renderer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
