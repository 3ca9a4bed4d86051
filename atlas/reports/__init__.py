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
(shared pieces in :mod:`atlas.reports.common`); their public names are re-exported here.
What stays here is the list of document kinds and the command line's filters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from atlas import models as m
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
from atlas.reports.svg import TileSource
from atlas.text import check_date_range, fold

if TYPE_CHECKING:
    from atlas.core import Atlas

__all__ = [
    "CONTACT_COLUMNS",
    "CONTACT_SORTS",
    "DEFAULT_CONTACT_COLUMNS",
    "KINDS",
    "MAX_LOGO_BYTES",
    "AgreementFigure",
    "ContactRow",
    "DirectoryInstitution",
    "DirectoryOffer",
    "EmptyReportError",
    "MeetingFigure",
    "ReportDocument",
    "SignInRow",
    "TileSource",
    "command_options",
    "contact_list",
    "contact_rows",
    "default_period",
    "directory",
    "file_stem",
    "fill_page_refs",
    "find_anchors",
    "load_logo",
    "meetings_for_choice",
    "network_report",
    "pick_id",
    "pick_meeting",
    "sign_in_sheet",
    "split_columns",
]

KINDS: dict[str, str] = {
    "contact-list": _("Kontaktliste"),
    "sign-in": _("Teilnehmerliste"),
    "directory": _("Wegweiser"),
    "network": _("Netzwerkbericht"),
}


# -- the command line's filters -------------------------------------------------------------------
def pick_id(choices: Sequence[tuple[int, str]], wanted: str, what: str) -> int:
    """An id from a name (case- and umlaut-insensitive) or a number."""
    text = wanted.strip()
    if text.isdigit() and any(i == int(text) for i, _n in choices):
        return int(text)
    target = fold(text)
    for record_id, name in choices:
        if fold(name) == target:
            return record_id
    names = ", ".join(n for _i, n in choices) or "–"
    raise ValidationError(
        {what: _("„{wanted}“ gibt es nicht. Vorhanden: {names}").format(wanted=wanted, names=names)}
    )


def _parse_day(value: str, what: str) -> dt.date:
    try:
        return check_date_range(dt.date.fromisoformat(value.strip()), value.strip())
    except ValueError as err:
        raise ValidationError(
            {
                what: _("„{value}“ ist kein Datum; bitte JJJJ-MM-TT angeben, z. B. 2026-06-30.").format(
                    value=value
                )
            }
        ) from err


def pick_meeting(atlas: Atlas, wanted: str, round_table_id: int | None = None) -> int:
    """A meeting by number, by day (JJJJ-MM-TT, with ``round_table_id`` if several) or by title."""
    text = wanted.strip()
    with atlas.sessions() as session:
        stmt = select(m.Meeting.id, m.Meeting.starts_at, m.Meeting.title)
        if round_table_id is not None:
            stmt = stmt.where(m.Meeting.round_table_id == round_table_id)
        rows = session.execute(stmt.order_by(m.Meeting.starts_at)).all()
    if text.isdigit() and any(r[0] == int(text) for r in rows):
        return int(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = _parse_day(text, "meeting")
        found = [r for r in rows if r[1].date() == day]
    else:
        found = [r for r in rows if fold(r[2]) == fold(text)]
    if len(found) == 1:
        return int(found[0][0])
    if not found:
        raise ValidationError(
            {
                "meeting": _(
                    "Kein Treffen „{wanted}“. Bitte Nummer, Datum (JJJJ-MM-TT) oder Titel angeben."
                ).format(wanted=wanted)
            }
        )
    listed = "; ".join(f"{r[0]}: {format_day(r[1].date())} {r[2]}" for r in found)
    raise ValidationError(
        {
            "meeting": _("„{wanted}“ passt auf mehrere Treffen, bitte die Nummer angeben: {listed}").format(
                wanted=wanted, listed=listed
            )
        }
    )


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
        options["quarter_id"] = pick_id(atlas.quarters.choices(), get("quarter"), "quarter")
    if get("category"):
        from atlas.models import Vocabulary

        terms = [(t.id, t.name) for t in atlas.taxonomy.terms(Vocabulary.CATEGORY)]
        options["category_id"] = pick_id(terms, get("category"), "category")
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
        options["start"] = _parse_day(get("start"), "from")
    if get("end"):
        options["end"] = _parse_day(get("end"), "to")
    if get("logo"):
        options["logo"] = get("logo")
    return options
