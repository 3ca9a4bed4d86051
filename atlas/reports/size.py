"""How long a document will be, before it is built: a cheap estimate and the limits.

The print dialog and the command line ask :func:`estimate_document` first (a few counting
queries, milliseconds also at 10,000 institutions) and refuse a document over
:data:`MAX_PAGES` with :func:`too_long_message`, or ask first above :data:`ASK_PAGES`
(:func:`long_question`). The builders store the same rule's figure, from the counts they
really used, in :attr:`ReportDocument.estimated_pages`; the command line's wait for the
PDF scales with it (:func:`render_timeout_s`).

The rules of thumb are measured on real PDFs (``docs/PRINTING.md``, "How long will it be"):

- Wegweiser: a cover page; each quarter's chapter starts on a new page with its map (a
  little more than half a page) and holds about 5 offers a page (4.4–5.8 measured on the
  demo and on the 10k database); the index
  "Einrichtungen von A bis Z" is set in two columns of about 95 lines a page (3 lines an
  institution: name, address and square, plus 1 per offer).
- Kontaktliste: 14 rows a page with up to five columns (13.8–15.4 measured), 11 with the
  address (landscape) or grouped by institution (10.5–12.5), 28 with one or two columns.
- Teilnehmerliste and Netzwerkbericht are short by nature (one meeting, one period).

Against real page counts: the demo's whole Wegweiser 39 estimated / 40 printed, its five
quarters and six categories exact or one page off; at 10k 54/54, 280/282 (a category in
all quarters), 78/69, 485/419, 875/757 (a whole quarter) — within −12 % … +16 %, rather
too many than too few. The whole Wegweiser at 10k: 4,490 pages estimated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import distinct, func, select

from atlas import models as m
from atlas.i18n import _

if TYPE_CHECKING:
    from atlas.core import Atlas

#: The longest document that is made at all (the command line: without ``--no-page-limit``). Measured on the 10k database
#: (one print each, 2 shared cores): 282 pages in 15 s, 419 in 17 s, 757 (one whole
#: quarter, 3,888 offers) in 40 s — and the whole Wegweiser, an estimated 4,500 pages, was
#: still in its first print after 30 minutes with 6 GB in Chromium's process. So the time
#: grows much faster than the pages past a thousand, the memory goes into gigabytes, and a
#: paper directory that long is no product a person hands out; one quarter or one category
#: is. 1,000 pages is the line: a whole quarter at 10k still prints, the whole city does
#: not. Above it the dialog refuses and says what to choose instead, the command line
#: refuses unless told ``--no-page-limit``.
MAX_PAGES = 1000
#: Above this many pages the dialog asks first (with the estimate and the expected time).
ASK_PAGES = 300

# Measured rules of thumb (see the module's docstring).
OFFERS_PER_PAGE = 5.0
MAP_PAGE_SHARE = 0.55
INDEX_LINES_PER_PAGE = 95
CONTACT_ROWS_PER_PAGE = 14
CONTACT_ROWS_PER_PAGE_WIDE = 11  # with the address (landscape) or grouped by institution
CONTACT_ROWS_PER_PAGE_NARROW = 28  # one or two columns
#: Seconds a page costs from click to file: two prints of 0.05 s a page each (measured up
#: to 757 pages, see above) and the page numbers read back (0.01 s a page), 0.12 s in all,
#: rounded up for a slower office PC.
SECONDS_PER_PAGE = 0.15


@dataclass(frozen=True)
class SizeEstimate:
    """What a document will hold and about how many pages it will have."""

    kind: str
    pages: int
    entries: int  # offers (Wegweiser), rows (lists)
    institutions: int = 0
    chapters: int = 0

    @property
    def too_long(self) -> bool:
        return self.pages > MAX_PAGES

    @property
    def long(self) -> bool:
        return self.pages > ASK_PAGES

    @property
    def minutes(self) -> int:
        """The expected time from click to file, in whole minutes (at least 1)."""
        return max(1, math.ceil(self.pages * SECONDS_PER_PAGE / 60))


def directory_pages(offers_per_chapter: Sequence[int], institutions: int) -> int:
    """The Wegweiser's pages: cover, a chapter per quarter (map, then the offers), the index."""
    if not offers_per_chapter:
        return 0
    chapters = sum(math.ceil(MAP_PAGE_SHARE + n / OFFERS_PER_PAGE) for n in offers_per_chapter)
    index_lines = 3 * institutions + sum(offers_per_chapter)
    return 1 + chapters + math.ceil(index_lines / INDEX_LINES_PER_PAGE)


def contact_list_pages(rows: int, columns: Sequence[str], group: bool) -> int:
    """The contact list's pages for ``rows`` contacts in ``columns``."""
    if len(columns) <= 2 and not group:
        per_page = CONTACT_ROWS_PER_PAGE_NARROW
    elif "address" in columns or group:
        per_page = CONTACT_ROWS_PER_PAGE_WIDE
    else:
        per_page = CONTACT_ROWS_PER_PAGE
    return math.ceil(rows / per_page)


def render_timeout_s(pages: int) -> float:
    """How long the command line waits for the PDF: 120 s, and 1 s more per estimated page
    (about eight times the measured cost of a page; the wait is only a guard against a hang)."""
    return 120.0 + max(0, pages)


def estimate_document(kind: str, atlas: Atlas, options: Mapping[str, Any]) -> SizeEstimate:
    """The size of the document :func:`atlas.reports.build_document` would build from
    ``options``, from counting queries only (no HTML, no maps)."""
    if kind == "directory":
        return _estimate_directory(atlas, options.get("quarter_id"), options.get("category_id"), options)
    if kind == "contact-list":
        from atlas.reports.contacts import DEFAULT_CONTACT_COLUMNS, contact_rows  # it uses our rule

        rows = len(
            contact_rows(
                atlas,
                round_table_id=options.get("round_table_id"),
                quarter_id=options.get("quarter_id"),
                category_id=options.get("category_id"),
                contact_ids=options.get("contact_ids"),
            )
        )
        columns = list(options.get("columns") or DEFAULT_CONTACT_COLUMNS)
        return SizeEstimate(kind, contact_list_pages(rows, columns, bool(options.get("group"))), rows)
    # one meeting's sign-in sheet, one period's report: a few pages
    return SizeEstimate(kind, 0, 0)


def _estimate_directory(
    atlas: Atlas, quarter_id: int | None, category_id: int | None, options: Mapping[str, Any]
) -> SizeEstimate:
    day = options.get("today") or atlas.clock.today()
    o, i = m.Offer, m.Institution
    current = (o.valid_to.is_(None) | (o.valid_to >= day)) & (o.valid_from.is_(None) | (o.valid_from <= day))
    stmt = (
        select(i.quarter_id, func.count(o.id), func.count(distinct(i.id)))
        .join(i, i.id == o.institution_id)
        .where(current, i.is_public.is_(True))
        .group_by(i.quarter_id)
    )
    if quarter_id is not None:
        stmt = stmt.where(i.quarter_id == quarter_id)
    if category_id is not None:
        stmt = stmt.where(o.category_id == category_id)
    with atlas.sessions() as session:
        counts = [(int(n), int(k)) for _q, n, k in session.execute(stmt).all()]
    offers = [n for n, _k in counts]
    institutions = sum(k for _n, k in counts)
    return SizeEstimate(
        "directory",
        directory_pages(offers, institutions),
        sum(offers),
        institutions=institutions,
        chapters=len(counts),
    )


def thousands(n: int) -> str:
    """4100 → '4.100' (German digit grouping)."""
    return f"{n:,}".replace(",", ".")


def duration_text(estimate: SizeEstimate) -> str:
    """'etwa eine Minute', 'etwa 4 Minuten'."""
    if estimate.minutes == 1:
        return _("etwa eine Minute")
    return _("etwa {n} Minuten").format(n=estimate.minutes)


def _what(estimate: SizeEstimate) -> str:
    if estimate.kind == "directory":
        return _("{n} Angebote von {k} Einrichtungen").format(
            n=thousands(estimate.entries), k=thousands(estimate.institutions)
        )
    return _("{n} Einträge").format(n=thousands(estimate.entries))


def _advice(kind: str) -> str:
    if kind == "directory":
        return _(
            "Bitte ein Quartier oder eine Kategorie wählen (oder beides) – dann wird der "
            "Wegweiser kürzer. Jedes Quartier und jede Kategorie lässt sich einzeln drucken."
        )
    return _(
        "Bitte eine kleinere Auswahl treffen, z. B. ein Quartier, eine Kategorie oder einen "
        "Runden Tisch, und die Teile einzeln drucken."
    )


def too_long_message(estimate: SizeEstimate, *, command_line: bool = False) -> str:
    """Why the document is not made, and what to do instead (German)."""
    text = _(
        "Dieses Dokument würde etwa {pages} Seiten lang werden ({what}). Mehr als {limit} "
        "Seiten werden nicht erstellt: Das würde sehr lange dauern und den Rechner stark "
        "auslasten, und so ein Stapel Papier hilft niemandem weiter. Es wurde nichts erstellt."
    ).format(pages=thousands(estimate.pages), what=_what(estimate), limit=thousands(MAX_PAGES))
    text += "\n\n" + _advice(estimate.kind)
    if command_line:
        text += " " + _("Wer es trotzdem will: mit --no-page-limit.")
    return text


def too_long_status(estimate: SizeEstimate) -> str:
    """The same in one or two lines, for the dialog's status line under the choices."""
    text = _("Nicht erstellt: etwa {pages} Seiten, mehr als {limit}.").format(
        pages=thousands(estimate.pages), limit=thousands(MAX_PAGES)
    )
    if estimate.kind == "directory":
        return text + " " + _("Bitte ein Quartier oder eine Kategorie wählen.")
    return text + " " + _("Bitte eine kleinere Auswahl treffen.")


def long_question(estimate: SizeEstimate) -> str:
    """The question before a long document is made (German)."""
    return _(
        "Dieses Dokument wird etwa {pages} Seiten lang ({what}). Das Erstellen dauert "
        "{duration}.\n\nJetzt erstellen?"
    ).format(pages=thousands(estimate.pages), what=_what(estimate), duration=duration_text(estimate))


def long_notice(estimate: SizeEstimate) -> str:
    """One line for the command line before a long document is made (German)."""
    return _("Etwa {pages} Seiten ({what}); das dauert {duration} …").format(
        pages=thousands(estimate.pages), what=_what(estimate), duration=duration_text(estimate)
    )
