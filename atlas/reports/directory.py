"""The offer directory (Wegweiser) with its quarter map (see :mod:`atlas.reports`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup
from sqlalchemy import select

from atlas import models as m
from atlas.i18n import _
from atlas.reports.common import (
    EmptyReportError,
    ReportDocument,
    address_text,
    file_stem,
    footer_text,
    joined_line,
    quarter_name_of,
    report_day,
    term_name_of,
)
from atlas.reports.html import Logo, Margins, Page, format_day, render
from atlas.reports.size import directory_pages
from atlas.reports.svg import Marker, TileSource, map_picture
from atlas.text import fold

if TYPE_CHECKING:
    from atlas.core import Atlas


# -- 3. directory (Wegweiser) -------------------------------------------------------------------
@dataclass(frozen=True)
class DirectoryOffer:
    id: int
    title: str
    category: str
    target_groups: tuple[str, ...]
    description: str
    place: str
    schedule: str
    cost: str
    languages: str
    institution_id: int


@dataclass(frozen=True)
class DirectoryInstitution:
    id: int
    name: str
    address: str
    phone: str
    email: str
    website: str
    opening_hours: str
    quarter_id: int | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class OfferView:
    id: int
    number: int  # the institution's number on the map and in the index
    on_map: bool
    square: str  # its grid square on a map too dense for numbers ("C4"), else ""
    hint: str
    title: str
    institution: str
    contact: str
    description: str
    details: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CategoryView:
    name: str
    offers: tuple[OfferView, ...]


@dataclass(frozen=True)
class ChapterView:
    key: str  # page anchor key
    name: str
    count: str
    map: Markup | None  # the quarter's map (atlas.reports.svg.map_picture)
    caption: str
    categories: tuple[CategoryView, ...]


@dataclass(frozen=True)
class IndexEntryView:
    number: int
    name: str
    where: str
    offers: tuple[tuple[str, str], ...]  # (title, page anchor key)


@dataclass(frozen=True)
class DirectoryView:
    """What ``directory.html.j2`` shows: cover with contents, a chapter per quarter, the index."""

    title: str
    sub: str
    count: str
    stand: str
    contents: tuple[tuple[str, str], ...]  # (name, page anchor key)
    chapters: tuple[ChapterView, ...]
    index_title: str
    index_hint: str
    index: tuple[IndexEntryView, ...]


def directory(
    atlas: Atlas,
    *,
    quarter_id: int | None = None,
    category_id: int | None = None,
    logo: Logo | None = None,
    tiles: TileSource | None = None,
    today: dt.date | None = None,
) -> ReportDocument:
    """Wegweiser: cover, per quarter a map with numbered markers and the offers by category,
    and an index of the institutions. Only current offers of public institutions."""
    day = report_day(atlas, today)
    o, i = m.Offer, m.Institution
    current = (o.valid_to.is_(None) | (o.valid_to >= day)) & (o.valid_from.is_(None) | (o.valid_from <= day))
    stmt = select(o, i).join(i, i.id == o.institution_id).where(current, i.is_public.is_(True))
    if quarter_id is not None:
        stmt = stmt.where(i.quarter_id == quarter_id)
    if category_id is not None:
        stmt = stmt.where(o.category_id == category_id)
    offers: list[DirectoryOffer] = []
    institutions: dict[int, DirectoryInstitution] = {}
    with atlas.sessions() as session:
        quarter = quarter_name_of(session, quarter_id)
        category = term_name_of(session, category_id)
        quarter_names = dict(session.execute(select(m.Quarter.id, m.Quarter.name)).all())
        tg_names: dict[int, list[str]] = defaultdict(list)
        for offer_id, name in session.execute(
            select(m.offer_target_group.c.offer_id, m.Term.name).join(
                m.Term, m.Term.id == m.offer_target_group.c.term_id
            )
        ):
            tg_names[offer_id].append(name)
        cat_names = dict(session.execute(select(m.Term.id, m.Term.name)).all())
        for offer, place in session.execute(stmt).all():
            offers.append(
                DirectoryOffer(
                    id=offer.id,
                    title=offer.title,
                    category=cat_names.get(offer.category_id, "") if offer.category_id else "",
                    target_groups=tuple(sorted(tg_names.get(offer.id, []), key=fold)),
                    description=offer.description or "",
                    place=offer.place or "",
                    schedule=offer.schedule or "",
                    cost=offer.cost or "",
                    languages=offer.languages or "",
                    institution_id=place.id,
                )
            )
            if place.id not in institutions:
                institutions[place.id] = DirectoryInstitution(
                    id=place.id,
                    name=place.name,
                    address=address_text(place.street, place.postcode, place.city),
                    phone=place.phone or "",
                    email=place.email or "",
                    website=place.website or "",
                    opening_hours=place.opening_hours or "",
                    quarter_id=place.quarter_id,
                    lat=place.lat,
                    lon=place.lon,
                )
    scope = _("Quartier {name}").format(name=quarter) if quarter_id is not None else _("alle Quartiere")
    what = joined_line(scope, category and _("Kategorie {name}").format(name=category))
    if not offers:
        raise EmptyReportError(
            _(
                "Für {what} gibt es keine aktuellen, öffentlichen Angebote. Es wurde kein PDF erstellt."
            ).format(what=what)
        )
    map_features = atlas.maps.data().quarters["features"]
    # chapters: one per quarter (by name), institutions without a quarter last
    chapter_ids = sorted(
        {institutions[o_.institution_id].quarter_id for o_ in offers},
        key=lambda q: (q is None, fold(quarter_names.get(q, "")) if q is not None else ""),
    )
    numbers: dict[int, int] = {}
    square_of: dict[int, str] = {}  # number → grid square, on maps too dense for numbers
    chapters: list[ChapterView] = []
    contents: list[tuple[str, str]] = []  # (name, page anchor key)
    order: list[str] = []
    for q_id in chapter_ids:
        q_offers = [x for x in offers if institutions[x.institution_id].quarter_id == q_id]
        by_category: dict[str, list[DirectoryOffer]] = defaultdict(list)
        for x in q_offers:
            by_category[x.category].append(x)
        cats = sorted(by_category, key=lambda c: (c == "", fold(c)))
        for cat in cats:
            by_category[cat].sort(
                key=lambda x: (fold(x.title), fold(institutions[x.institution_id].name), x.id)
            )
            for x in by_category[cat]:
                numbers.setdefault(x.institution_id, len(numbers) + 1)
        q_name = quarter_names.get(q_id, "") if q_id is not None else _("ohne Quartier")
        chapter_key = f"q{q_id}" if q_id is not None else "q-none"
        contents.append((q_name, chapter_key))
        markers = [
            Marker(numbers[inst_id], inst.lat, inst.lon)
            for inst_id, inst in institutions.items()
            if inst_id in numbers
            and inst.quarter_id == q_id
            and inst.lat is not None
            and inst.lon is not None
        ]
        picture = map_picture(
            map_features,
            markers,
            focus=[q_id] if q_id is not None else [],
            width_mm=178,
            height_mm=118,
            tiles=tiles,
        )
        squares = picture.squares if picture is not None else {}
        for mk in markers:
            if mk.number in squares:
                square_of[mk.number] = squares[mk.number]
        categories = []
        for cat in cats:
            entries = []
            for x in by_category[cat]:
                inst = institutions[x.institution_id]
                order.append(x.title)
                entries.append(_offer_view(x, inst, numbers[inst.id], squares.get(numbers[inst.id], "")))
            categories.append(CategoryView(cat or _("ohne Kategorie"), tuple(entries)))
        count = _("{n} Angebote von {k} Einrichtungen").format(
            n=len(q_offers), k=len({x.institution_id for x in q_offers})
        )
        chapters.append(
            ChapterView(
                key=chapter_key,
                name=q_name,
                count=count,
                map=picture.svg if picture is not None else None,
                caption=_(
                    "Karte {name}: Jeder Punkt ist eine der {n} Einrichtungen – zu viele für Nummern "
                    "auf einer Seite. Im Verzeichnis steht bei jedem Angebot unter der Nummer das "
                    "Planquadrat (Spalte A, B, C … und Zeile 1, 2, 3 …), in dem die Einrichtung liegt."
                ).format(name=q_name, n=len(markers))
                if squares
                else _(
                    "Karte {name}: Die Nummern bezeichnen die Einrichtungen im Verzeichnis; "
                    "Einrichtungen ohne Nummer auf der Karte haben keine Koordinaten."
                ).format(name=q_name),
                categories=tuple(categories),
            )
        )
    index_entries = []
    offers_of: dict[int, list[DirectoryOffer]] = defaultdict(list)
    for x in offers:
        offers_of[x.institution_id].append(x)
    for inst_id in sorted(numbers, key=lambda k: (fold(institutions[k].name), numbers[k])):
        inst = institutions[inst_id]
        index_entries.append(
            IndexEntryView(
                number=numbers[inst_id],
                name=inst.name,
                where=joined_line(
                    quarter_names.get(inst.quarter_id, "")
                    if inst.quarter_id is not None and quarter_id is None
                    else "",
                    inst.address,
                    _("Planquadrat\u00a0{square}").format(square=square_of[numbers[inst_id]])
                    if numbers[inst_id] in square_of
                    else "",
                ),
                offers=tuple(
                    (x.title, f"o{x.id}")
                    for x in sorted(offers_of[inst_id], key=lambda x: (fold(x.title), x.id))
                ),
            )
        )
    title = _("Wegweiser")
    view = DirectoryView(
        title=title,
        sub=_("Angebote und Einrichtungen – {what}").format(what=what),
        count=_("{n} Angebote von {k} Einrichtungen").format(n=len(offers), k=len(institutions)),
        stand=_("Stand {day}").format(day=format_day(day)),
        contents=(*contents, (_("Einrichtungen von A bis Z"), "index")),
        chapters=tuple(chapters),
        index_title=_("Einrichtungen von A bis Z"),
        index_hint=_(
            "Die Nummer ist die Nummer auf der Karte und im Verzeichnis; rechts die Seite, auf der das "
            "Angebot steht."
        ),
        index=tuple(index_entries),
    )
    subtitle = joined_line(what, _("Stand {day}").format(day=format_day(day)))
    page = Page(
        title=title,
        subtitle=subtitle,
        footer=footer_text(day),
        logo=logo,
        margins=Margins(top=27, right=15, bottom=20, left=15),
    )
    html = render("directory.html.j2", page=page, view=view)
    return ReportDocument(
        kind="directory",
        title=title,
        subtitle=subtitle,
        html=html,
        file_stem=file_stem(title, quarter or _("alle Quartiere"), category, day.isoformat()),
        summary=_("{n} Angebote von {k} Einrichtungen").format(n=len(offers), k=len(institutions)),
        items=tuple(order),
        page_refs=True,
        estimated_pages=directory_pages(
            [sum(len(c.offers) for c in chapter.categories) for chapter in chapters],
            len(institutions),
        ),
    )


def _offer_view(x: DirectoryOffer, inst: DirectoryInstitution, number: int, square: str) -> OfferView:
    on_map = inst.lat is not None and inst.lon is not None
    contact = joined_line(
        inst.address,
        inst.phone and _("Tel. {phone}").format(phone=inst.phone),
        inst.email,
    )
    facts: list[tuple[str, str]] = [
        (_("Zeiten"), x.schedule or inst.opening_hours),
        (_("Ort"), "" if fold(x.place) in (fold(inst.address), fold(inst.name)) else x.place),
        (_("Zielgruppen"), ", ".join(x.target_groups)),
        (_("Kosten"), x.cost),
        (_("Sprachen"), x.languages),
        (_("Internet"), inst.website),
    ]
    description = x.description.strip()
    if len(description) > 420:
        description = description[:400].rsplit(" ", 1)[0] + " …"
    return OfferView(
        id=x.id,
        number=number,
        on_map=on_map,
        square=square,
        hint=_("Planquadrat\u00a0{square}").format(square=square)
        if square
        else ""
        if on_map
        else _("nicht auf der Karte"),
        title=x.title,
        institution=inst.name,
        contact=contact,
        description=description,
        details=tuple((k, v) for k, v in facts if v),
    )
