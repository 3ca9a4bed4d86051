"""The printed documents: contact list, sign-in sheet, offer directory, network report.

Each function reads what it needs in one session, turns it into view data and renders
it with a Jinja2 template of ``atlas/reports/templates`` (:func:`atlas.reports.html.render`): HTML
with print CSS (A4, running header and footer with 'Seite x von y', rows never split,
table headers repeated on every page) and returns a :class:`ReportDocument`. Turning it
into a PDF is the UI's job (``ui.printing``: QtWebEngine's printToPdf).

No Qt here. Every value from the database is escaped (autoescape); an
empty selection raises :class:`EmptyReportError` with a German message instead of
producing an empty document.

This module is the facade: the documents are built in :mod:`atlas.reports.contacts`,
:mod:`atlas.reports.signin`, :mod:`atlas.reports.directory` and :mod:`atlas.reports.network`
(shared pieces in :mod:`atlas.reports.common`; how long a document will be, before it is
built, in :mod:`atlas.reports.size`); their public names are re-exported here.
What stays here is the list of document kinds and :func:`build_document` (plain options →
document, for the print dialog and the command line).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from atlas.errors import ValidationError
from atlas.i18n import _
from atlas.limits import MAX_LOGO_BYTES
from atlas.reports.common import EmptyReportError, ReportDocument, file_stem, load_logo
from atlas.reports.contacts import (
    CONTACT_COLUMNS,
    CONTACT_SORTS,
    DEFAULT_CONTACT_COLUMNS,
    ContactRow,
    contact_list,
    contact_rows,
    split_columns,
)
from atlas.reports.directory import DirectoryInstitution, DirectoryOffer, directory
from atlas.reports.html import fill_page_refs, find_anchors, format_day
from atlas.reports.network import AgreementFigure, MeetingFigure, default_period, network_report
from atlas.reports.signin import SignInRow, meetings_for_choice, sign_in_sheet
from atlas.reports.size import (
    ASK_PAGES,
    MAX_PAGES,
    SizeEstimate,
    estimate_document,
    long_notice,
    long_question,
    render_timeout_s,
    too_long_message,
    too_long_status,
)
from atlas.reports.svg import TileSource

if TYPE_CHECKING:
    from atlas.core import Atlas

__all__ = [
    "ASK_PAGES",
    "CONTACT_COLUMNS",
    "CONTACT_SORTS",
    "DEFAULT_CONTACT_COLUMNS",
    "KINDS",
    "MAX_LOGO_BYTES",
    "MAX_PAGES",
    "AgreementFigure",
    "ContactRow",
    "DirectoryInstitution",
    "DirectoryOffer",
    "EmptyReportError",
    "MeetingFigure",
    "ReportDocument",
    "SignInRow",
    "SizeEstimate",
    "TileSource",
    "build_document",
    "contact_list",
    "contact_rows",
    "default_period",
    "directory",
    "estimate_document",
    "file_stem",
    "fill_page_refs",
    "find_anchors",
    "format_day",
    "load_logo",
    "long_notice",
    "long_question",
    "meetings_for_choice",
    "network_report",
    "render_timeout_s",
    "sign_in_sheet",
    "split_columns",
    "too_long_message",
    "too_long_status",
]

KINDS: dict[str, str] = {
    "contact-list": _("Kontaktliste"),
    "sign-in": _("Teilnehmerliste"),
    "directory": _("Wegweiser"),
    "network": _("Netzwerkbericht"),
}


def build_document(kind: str, atlas: Atlas, options: Mapping[str, Any]) -> ReportDocument:
    """The document of ``kind`` from plain options (runs on a worker thread; no widgets)."""
    logo_path = str(options.get("logo") or "")
    logo = load_logo(logo_path) if logo_path else None
    today = options.get("today")
    if kind == "contact-list":
        return contact_list(
            atlas,
            round_table_id=options.get("round_table_id"),
            quarter_id=options.get("quarter_id"),
            category_id=options.get("category_id"),
            contact_ids=options.get("contact_ids"),
            selection_label=str(options.get("selection_label") or ""),
            columns=options.get("columns") or DEFAULT_CONTACT_COLUMNS,
            sort=str(options.get("sort") or "name"),
            group=bool(options.get("group")),
            logo=logo,
            today=today,
        )
    if kind == "sign-in":
        return sign_in_sheet(
            atlas,
            options.get("meeting_id"),
            funding=str(options.get("funding") or ""),
            blank_rows=int(options.get("blank_rows", 8)),
            consent=bool(options.get("consent", True)),
            logo=logo,
            today=today,
        )
    if kind == "directory":
        return directory(
            atlas,
            quarter_id=options.get("quarter_id"),
            category_id=options.get("category_id"),
            logo=logo,
            tiles=options.get("tiles"),
            today=today,
        )
    if kind == "network":
        start, end = default_period(today or atlas.clock.today())
        return network_report(
            atlas, start=options.get("start") or start, end=options.get("end") or end, logo=logo, today=today
        )
    raise ValidationError({"kind": _("Unbekanntes Dokument: {kind}").format(kind=kind)})
