"""The printed documents' HTML (:mod:`atlas.reports`): Jinja2 templates with autoescape.

Each document module reads what it needs, turns it into view data (plain dataclasses,
tuples, strings and numbers) and hands that to a template in ``atlas/reports/templates``
(:func:`render`). Every value from the database is text and stays text: the environment
escapes every value (``autoescape=True``), so a name like ``<b>Kita</b>`` or ``{{ 7*7 }}``
prints as exactly those characters; markup only comes from the templates and from the
few helpers here that return :class:`markupsafe.Markup` after escaping their input
(:func:`breakable`, :func:`lines`, :func:`page_anchor`, :func:`page_ref`, the SVG
pictures of :mod:`atlas.reports.svg`).

Text that goes into the page header and footer lives in CSS (``@page`` margin boxes):
:func:`css_string` writes it as a CSS string in which every character that could end
the string, the rule or the ``<style>`` element is a hex escape.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from atlas.i18n import _

WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def lines(value: object) -> Markup:
    """Escaped text whose line breaks become ``<br>``."""
    text = "" if value is None else str(value)
    return Markup("<br>").join(escape(line) for line in text.splitlines())


def breakable(value: str) -> Markup:
    """Escaped text that may break after '@' and before '.', '-' and '/' (e-mail and web addresses)."""
    pieces = [p for p in re.split(r"(?<=@)|(?=[./-])", value) if p]
    if len(pieces) > 1 and pieces[-1].startswith(".") and len(pieces[-1]) <= 5:
        pieces[-2:] = [pieces[-2] + pieces[-1]]  # never ".org" alone on a line
    return Markup("<wbr>").join(escape(p) for p in pieces)


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string for ``content:``; safe inside a ``<style>`` element.

    Letters, digits and spaces stay; every other character becomes a six-digit hex escape
    (followed by the one space CSS swallows after an escape). A line break is ``\\A``.
    """
    out = ['"']
    for char in text:
        if char == "\n":
            out.append("\\00000a ")
        elif char == " " or (char.isalnum() and char.isprintable()):
            out.append(char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            continue  # control characters have no place in a header
        else:
            out.append(f"\\{ord(char):06x} ")
    out.append('"')
    return Markup("".join(out))


def strip_tags(text: str) -> str:
    """Plain text of a small HTML snippet (e.g. a tile file's attribution)."""
    return html.unescape(re.sub(r"<[^>]*>", "", text)).strip()


@dataclass(frozen=True)
class Logo:
    """An image for the page header: PNG, JPEG or SVG bytes."""

    data: bytes
    mime: str

    def data_uri(self) -> str:
        return f"data:{self.mime};base64," + base64.b64encode(self.data).decode("ascii")

    def boxed_uri(self, width_mm: float = 42, height_mm: float = 11) -> str:
        """The logo scaled into a fixed box (kept in proportion, aligned right).

        Header margin boxes show an image at its own size; wrapping it in an SVG of a
        fixed size lets any logo, however large, fit the header.
        """
        w, h = round(width_mm * 10), round(height_mm * 10)
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_mm}mm" height="{height_mm}mm" '
            f'viewBox="0 0 {w} {h}"><image x="0" y="0" width="{w}" height="{h}" '
            f'preserveAspectRatio="xMaxYMid meet" href="{self.data_uri()}"/></svg>'
        )
        return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def sniff_image(data: bytes) -> str | None:
    """The MIME type of PNG, JPEG or SVG bytes; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return "image/svg+xml"
    return None


def format_count(n: int) -> str:
    """A count the German way: 12.345."""
    return f"{n:,}".replace(",", ".")


def format_day(day: dt.date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


def format_long_day(day: dt.date) -> str:
    return f"{WEEKDAYS_DE[day.weekday()]}, {format_day(day)}"


@dataclass(frozen=True)
class Margins:
    """Page margins in millimetres. The header and footer sit inside the top and bottom ones."""

    top: float = 27
    right: float = 14
    bottom: float = 20
    left: float = 16


@dataclass(frozen=True)
class Page:
    """What ``document.html.j2`` needs besides the body: the running header and footer
    (``@page`` margin boxes with 'Seite x von y'), the logo, the paper and its margins.

    Chromium (from version 131; QtWebEngine 6.9+) draws CSS margin boxes and fills
    ``counter(page)`` / ``counter(pages)`` when printing, so the header and footer are
    part of the layout itself: no second pass over the PDF. The margins given here must
    equal the page layout's margins handed to ``printToPdf`` (Qt's margins win).
    """

    title: str
    subtitle: str
    footer: str
    logo: Logo | None = None
    margins: Margins = field(default_factory=Margins)
    landscape: bool = False

    @property
    def header(self) -> str:
        return self.title + ("\n" + self.subtitle if self.subtitle else "")

    @property
    def page_label(self) -> str:
        return _("Seite") + " "

    @property
    def of_label(self) -> str:
        return " " + _("von") + " "


# -- page numbers in a second pass ------------------------------------------------------------
# Chromium's print has no ``target-counter()``: an index cannot ask on which page a heading
# stands. So a document with page references is printed twice. The first print carries an
# invisible anchor text at every target (``page_anchor``) and a placeholder in every
# reference (``page_ref``); the printer reads each page's text, finds the anchors and fills
# the numbers in (``fill_page_refs``) for the second print. Nothing in between may move a
# page break: an anchor is taken out of the flow (absolutely positioned, so removing it
# changes no layout) and a reference has a fixed width whatever its digits.

#: Anchor texts look like this in the first print; keys are letters, digits and "-".
_ANCHOR = "PGANCHOR{key}PGEND"
_ANCHOR_RE = re.compile(r"PGANCHOR([a-z0-9-]+)PGEND")
_REF_RE = re.compile(r'<span class="pg-ref" data-ref="([a-z0-9-]+)">[^<]*</span>')
_ANCHOR_SPAN_RE = re.compile(r'<span class="pg-anchor">PGANCHOR[a-z0-9-]+PGEND</span>')
_KEY_RE = re.compile(r"[a-z0-9-]+")
#: The placeholder of the first print: as wide as the widest number it can become.
_PLACEHOLDER = "000"


def _key(key: str) -> str:
    if not _KEY_RE.fullmatch(key):
        raise ValueError(f"page reference key {key!r}: only a-z, 0-9 and '-'")
    return key


def page_anchor(key: str) -> Markup:
    """Marks where the target ``key`` stands (put it inside the target's heading)."""
    return Markup(f'<span class="pg-anchor">{_ANCHOR.format(key=_key(key))}</span>')


def page_ref(key: str) -> Markup:
    """The page number of the target ``key``, filled in by :func:`fill_page_refs`."""
    return Markup(f'<span class="pg-ref" data-ref="{_key(key)}">{_PLACEHOLDER}</span>')


def find_anchors(page_texts: Sequence[str]) -> dict[str, int]:
    """Key → page number (1 = the first page) of every anchor in the first print's text."""
    pages: dict[str, int] = {}
    for number, text in enumerate(page_texts, start=1):
        for key in _ANCHOR_RE.findall(re.sub(r"\s+", "", text)):
            pages.setdefault(key, number)
    return pages


def fill_page_refs(html: str, pages: Mapping[str, int]) -> str:
    """The second print's HTML: anchors emptied, each reference its page ('–' if unknown)."""
    html = _ANCHOR_SPAN_RE.sub('<span class="pg-anchor"></span>', html)
    return _REF_RE.sub(
        lambda match: (
            f'<span class="pg-ref" data-ref="{match.group(1)}">{pages.get(match.group(1), "–")}</span>'
        ),
        html,
    )


# -- the templates -----------------------------------------------------------------------------
#: The documents' templates (``atlas/reports/templates/*.html.j2``), loaded once. Autoescape is on
#: for every template and a missing value is an error, not an empty string. Values are only
#: ever handed to a template as variables; no text from data becomes template source.
_ENV = Environment(
    loader=PackageLoader("atlas.reports", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.filters.update(breakable=breakable, lines=lines, css_string=css_string)
_ENV.globals.update(page_anchor=page_anchor, page_ref=page_ref)


def render(template: str, /, **values: object) -> str:
    """A template of ``atlas/reports/templates`` filled with ``values`` (each escaped unless Markup)."""
    return _ENV.get_template(template).render(**values)
