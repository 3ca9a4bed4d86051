"""``stadtteil-atlas report KIND [filters] --out FILE.pdf``: the filters named on the command
line (names or numbers) as the options of :func:`atlas.reports.build_document`, and the
document printed by the renderer the wiring place hands in (QtWebEngine lives in ``ui/``;
the core never imports Qt)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atlas.cli.resolve import category_id, parse_day, pick_id, pick_meeting, quarter_id
from atlas.errors import AtlasError, ValidationError
from atlas.i18n import _
from atlas.reports import (
    ReportDocument,
    build_document,
    estimate_document,
    long_notice,
    split_columns,
    too_long_message,
)

if TYPE_CHECKING:
    from atlas.core import Atlas

#: Prints a document to a PDF file: (document, target) → (path written, number of pages).
Renderer = Callable[[ReportDocument, Path], tuple[Path, int]]


def command_options(atlas: Atlas, args: Any) -> dict[str, Any]:
    """The options of ``stadtteil-atlas report`` (names or numbers) as ids and values."""
    options: dict[str, Any] = {}

    def get(name: str) -> Any:
        return getattr(args, name, None)

    if get("round_table"):
        options["round_table_id"] = pick_id(
            atlas.records["round_table"].choices(), get("round_table"), "round_table"
        )
    if get("quarter"):
        options["quarter_id"] = quarter_id(atlas, get("quarter"))
    if get("category"):
        options["category_id"] = category_id(atlas, get("category"))
    if get("meeting"):
        options["meeting_id"] = pick_meeting(atlas, get("meeting"), options.get("round_table_id"))
    if get("columns"):
        options["columns"] = split_columns(get("columns"))
    if get("sort"):
        options["sort"] = get("sort")
    options["group"] = bool(get("group"))
    if get("funding") is not None:
        options["funding"] = get("funding")
    if get("blank_rows") is not None:
        options["blank_rows"] = get("blank_rows")
    if get("no_consent"):
        options["consent"] = False
    if get("start"):
        options["start"] = parse_day(get("start"), "from")
    if get("end"):
        options["end"] = parse_day(get("end"), "to")
    if get("logo"):
        options["logo"] = get("logo")
    return options


def report(atlas: Atlas, args: Any, render: Renderer) -> str:
    """Build the document the arguments name and print it; returns the line to show.
    Raises :class:`AtlasError` in German (an empty selection, a name that is not there, a
    document estimated longer than ``MAX_PAGES`` without ``--no-page-limit``).

    The size is estimated first (counting queries only): a document over the limit is
    refused before anything is built, a long one says on stderr how long it will take."""
    target = Path(args.out)
    if target.suffix.lower() != ".pdf":
        raise ValidationError({"out": _("Die Zieldatei muss auf .pdf enden.")})
    options = command_options(atlas, args)
    estimate = estimate_document(args.kind, atlas, options)
    if estimate.too_long and not getattr(args, "no_page_limit", False):
        raise AtlasError(too_long_message(estimate, command_line=True))
    if estimate.long:
        print(long_notice(estimate), file=sys.stderr, flush=True)
    doc = build_document(args.kind, atlas, options)
    path, pages = render(doc, target)
    return _("Gespeichert: {path} ({pages} Seiten; {what})").format(path=path, pages=pages, what=doc.summary)
