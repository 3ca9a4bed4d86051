"""A very small, escaping HTML toolkit for the printed documents (:mod:`atlas.reports`).

Every value from the database is text and stays text: :func:`esc` escapes it, and the
only way to put markup into a document is a :class:`Safe` string, which only this
module and the document templates in code make. ``fill`` fills a constant template
(``string.Template``) and escapes every value that is not already :class:`Safe`, so a
name like ``<b>Kita</b>`` prints as exactly those characters.

Text that goes into the page header and footer lives in CSS (``@page`` margin boxes):
:func:`css_string` writes it as a CSS string in which every character that could end
the string, the rule or the ``<style>`` element is a hex escape.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from atlas.i18n import _

WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


class Safe(str):
    """Markup that is already escaped (made here or by a template in code).

    Adding text to it escapes the text: ``Safe("<td>") + name`` keeps ``name`` literal.
    """

    __slots__ = ()

    def __add__(self, other: str) -> Safe:
        return Safe(str.__add__(self, esc(other)))

    def __radd__(self, other: str) -> Safe:
        return Safe(str.__add__(esc(other), self))


def esc(value: object) -> Safe:
    """Text as HTML: ``<``, ``>``, ``&`` and both quotes escaped. ``Safe`` passes unchanged."""
    if isinstance(value, Safe):
        return value
    if value is None:
        return Safe("")
    return Safe(html.escape(str(value), quote=True))


def esc_lines(value: object) -> Safe:
    """Escaped text whose line breaks become ``<br>``."""
    text = "" if value is None else str(value)
    return Safe("<br>".join(html.escape(line, quote=True) for line in text.splitlines()))


def breakable(value: str) -> Safe:
    """Escaped text that may break after '@' and before '.', '-' and '/' (e-mail and web addresses)."""
    pieces = [p for p in re.split(r"(?<=@)|(?=[./-])", value) if p]
    if len(pieces) > 1 and pieces[-1].startswith(".") and len(pieces[-1]) <= 5:
        pieces[-2:] = [pieces[-2] + pieces[-1]]  # never ".org" alone on a line
    return Safe("<wbr>".join(html.escape(p, quote=True) for p in pieces))


def fill(template: str, **values: object) -> Safe:
    """``$name`` placeholders of a constant template, every value escaped unless Safe."""
    return Safe(string.Template(template).substitute({k: esc(v) for k, v in values.items()}))


def join(parts: Iterable[object], sep: str = "") -> Safe:
    """Escaped parts (Safe ones kept) joined by the markup ``sep``."""
    return Safe(sep.join(esc(p) for p in parts))


def css_string(text: str) -> str:
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
    return "".join(out)


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


BASE_CSS = """
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; font-size: 9.5pt;
  line-height: 1.35; color: #000; font-variant-ligatures: none; }
h1 { font-size: 17pt; margin: 0 0 1.5mm 0; line-height: 1.2; }
h2 { font-size: 13pt; margin: 6mm 0 2mm 0; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 11pt; margin: 4.5mm 0 1.5mm 0; break-after: avoid; page-break-after: avoid; }
p { margin: 0 0 2mm 0; }
.lead { font-size: 10.5pt; margin-bottom: 1mm; }
.muted { color: #444; }
.small { font-size: 8pt; }
table.list { width: 100%; border-collapse: collapse; table-layout: auto; }
table.list thead { display: table-header-group; }
table.list tfoot { display: table-footer-group; }
table.list tr { break-inside: avoid; page-break-inside: avoid; }
table.list th { text-align: left; font-weight: bold; background: #e4e4e4; border-top: 0.8pt solid #000;
  border-bottom: 0.8pt solid #000; padding: 1.6mm 1.8mm; vertical-align: bottom; }
table.list td { border-bottom: 0.4pt solid #888; padding: 1.5mm 1.8mm; vertical-align: top;
  overflow-wrap: break-word; hyphens: manual; }
table.list td.num, table.list th.num { text-align: right; white-space: nowrap; }
.nowrap { white-space: nowrap; }
"""


def header_css(
    *, title: str, subtitle: str, footer: str, logo: Logo | None, margins: Margins, landscape: bool
) -> str:
    """``@page`` rules: size, margins, and the running header and footer with 'Seite x von y'.

    Chromium (from version 131; QtWebEngine 6.9+) draws CSS margin boxes and fills
    ``counter(page)`` / ``counter(pages)`` when printing, so the header and footer are
    part of the layout itself: no second pass over the PDF. The margins given here must
    equal the page layout's margins handed to ``printToPdf`` (Qt's margins win).
    """
    head = css_string(title + ("\n" + subtitle if subtitle else ""))
    logo_rule = (
        f'@top-right {{ content: url("{logo.boxed_uri()}"); vertical-align: bottom; '
        "padding-bottom: 2.2mm; margin-bottom: 4mm; border-bottom: 0.5pt solid #000; width: 46mm; }"
        if logo is not None
        else ""
    )
    size = "A4 landscape" if landscape else "A4 portrait"
    m = margins
    return f"""
@page {{
  size: {size}; font-variant-ligatures: none;
  margin: {m.top}mm {m.right}mm {m.bottom}mm {m.left}mm;
  @top-left {{ content: {head}; white-space: pre-wrap; vertical-align: bottom; text-align: left;
    font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; font-size: 8pt; line-height: 1.35;
    padding-bottom: 2.2mm; margin-bottom: 4mm; border-bottom: 0.5pt solid #000; color: #000; }}
  {logo_rule}
  @bottom-left {{ content: {css_string(footer)}; vertical-align: top; padding-top: 2mm; margin-top: 3mm;
    font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; font-size: 7.5pt; color: #333; }}
  @bottom-right {{ content: {css_string(_("Seite") + " ")} counter(page) {css_string(" " + _("von") + " ")} counter(pages);
    vertical-align: top; padding-top: 2mm; margin-top: 3mm; white-space: nowrap;
    font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; font-size: 8pt; color: #000; }}
}}
"""


def document(
    *,
    title: str,
    subtitle: str,
    footer: str,
    body: Safe,
    css: str = "",
    logo: Logo | None = None,
    margins: Margins = Margins(),
    landscape: bool = False,
) -> str:
    """A whole printable HTML page. ``css`` is constant CSS from code, never user text."""
    page_css = header_css(
        title=title, subtitle=subtitle, footer=footer, logo=logo, margins=margins, landscape=landscape
    )
    return (
        '<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title>"
        f"<style>{page_css}{BASE_CSS}{css}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )


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

PAGE_REF_CSS = """
.pg-anchor { position: absolute; font-size: 2pt; color: #fff; white-space: nowrap; }
.pg-ref { display: inline-block; width: 8mm; text-align: right; white-space: nowrap; overflow: hidden;
  font-variant-numeric: tabular-nums; }
"""


def _key(key: str) -> str:
    if not _KEY_RE.fullmatch(key):
        raise ValueError(f"page reference key {key!r}: only a-z, 0-9 and '-'")
    return key


def page_anchor(key: str) -> Safe:
    """Marks where the target ``key`` stands (put it inside the target's heading)."""
    return Safe(f'<span class="pg-anchor">{_ANCHOR.format(key=_key(key))}</span>')


def page_ref(key: str) -> Safe:
    """The page number of the target ``key``, filled in by :func:`fill_page_refs`."""
    return Safe(f'<span class="pg-ref" data-ref="{_key(key)}">{_PLACEHOLDER}</span>')


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
