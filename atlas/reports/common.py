"""What the printed documents share: the result type, the error, logo loading and small helpers.

Used by the document modules (:mod:`atlas.reports.contacts`, :mod:`atlas.reports.signin`,
:mod:`atlas.reports.directory`, :mod:`atlas.reports.network`); the public names are
re-exported by the facade :mod:`atlas.reports`. Imports none of them, so there is no cycle.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from atlas import models as m
from atlas.errors import AtlasError
from atlas.i18n import _
from atlas.limits import MAX_LOGO_BYTES, read_capped
from atlas.records import MEETING_KIND_CHOICES
from atlas.reports.html import Logo, Margins, format_day, sniff_image
from atlas.text import fold

if TYPE_CHECKING:
    from atlas.core import Atlas

MEETING_KIND_LABELS = dict(MEETING_KIND_CHOICES)


class EmptyReportError(AtlasError):
    """The selection holds nothing to print; no document was made."""


@dataclass(frozen=True)
class ReportDocument:
    """A finished document: HTML with print CSS, and what the PDF step needs to know."""

    kind: str
    title: str
    subtitle: str
    html: str
    file_stem: str  # a file name suggestion without suffix
    summary: str  # e.g. "42 Ansprechpersonen" for the status line
    landscape: bool = False
    margins: Margins = field(default_factory=Margins)
    items: tuple[str, ...] = ()  # the main names in printed order (checks and tests)
    # page_anchor/page_ref inside: print twice, the second time with the page numbers
    # filled in (reporthtml.fill_page_refs)
    page_refs: bool = False
    # about how many pages it will have (atlas.reports.size; 0: a few), before printing
    estimated_pages: int = 0


# -- shared helpers -----------------------------------------------------------------------
def load_logo(path: str | Path) -> Logo:
    """The logo file for the page header (PNG, JPEG or SVG). Raises AtlasError in German.

    Only a regular file of at most MAX_LOGO_BYTES is read (not ``/dev/zero``, not a FIFO).
    """
    target = Path(path)

    def refused(reason: str) -> AtlasError:
        return AtlasError(_("Das Logo kann nicht verwendet werden: {reason}").format(reason=reason))

    data = read_capped(target, MAX_LOGO_BYTES, refused)
    mime = sniff_image(data)
    if mime is None:
        raise AtlasError(
            _("Die Datei {name} ist kein PNG-, JPEG- oder SVG-Bild und kann nicht als Logo dienen.").format(
                name=target.name
            )
        )
    return Logo(data, mime)


def file_stem(*parts: str) -> str:
    """A file name from words: no characters Windows refuses, spaces as '-'."""
    text = "_".join(p for p in parts if p)
    text = re.sub(r'[<>:"/\\|?*\x00-\x1f„“”]', "", text)
    text = re.sub(r"\s+", "-", text.strip())
    return text[:120].strip(".-_") or "Dokument"


def sort_key_text(value: str | None) -> tuple[int, str]:
    return (1, "") if not value else (0, fold(value))


def person_name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p)


def address_text(street: str | None, postcode: str | None, city: str | None) -> str:
    place = " ".join(p for p in (postcode, city) if p)
    return ", ".join(p for p in (street, place) if p)


def quarter_name_of(session: Session, quarter_id: int | None) -> str:
    if quarter_id is None:
        return ""
    name = session.scalar(select(m.Quarter.name).where(m.Quarter.id == quarter_id))
    if name is None:
        raise EmptyReportError(_("Das Quartier gibt es nicht mehr. Es wurde kein PDF erstellt."))
    return name


def term_name_of(session: Session, term_id: int | None) -> str:
    if term_id is None:
        return ""
    name = session.scalar(select(m.Term.name).where(m.Term.id == term_id))
    if name is None:
        raise EmptyReportError(_("Die Kategorie gibt es nicht mehr. Es wurde kein PDF erstellt."))
    return name


def joined_line(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def report_day(atlas: Atlas, today: dt.date | None) -> dt.date:
    return today or atlas.clock.today()


def footer_text(today: dt.date, note: str = "") -> str:
    base = _("Stadtteil-Atlas · erstellt am {day}").format(day=format_day(today))
    return f"{base} · {note}" if note else base
