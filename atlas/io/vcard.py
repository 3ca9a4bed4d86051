"""Reading vCard files: 2.1 as Outlook writes it, 3.0 (our own export) and 4.0.

What differs between the versions and is handled here:

- **Folding:** a physical line starting with a space or tab continues the one before
  (all versions). In 2.1 a QUOTED-PRINTABLE value also continues after a soft line break,
  a ``=`` at the end of the line, on a line that need not start with a space.
- **Encodings of a value (2.1):** ``ENCODING=QUOTED-PRINTABLE`` (or the bare parameter
  ``QUOTED-PRINTABLE``) and ``ENCODING=BASE64``/``B``; the bytes are then text in the
  property's ``CHARSET`` (``windows-1252``, ``UTF-8``, ``ISO-8859-1`` …); without one,
  UTF-8 if they decode, else Windows-1252 (what Outlook means).
- **Types:** 2.1 writes bare parameters (``TEL;WORK;VOICE``, ``EMAIL;PREF;INTERNET``),
  3.0 ``TYPE=work,voice``, 4.0 also ``PREF=1`` and ``tel:`` URIs.

Only what an import of contacts needs is read (names, organisation, function, one phone,
one e-mail, the note); a preferred phone or e-mail wins over the first one, a fax number
is never the phone. Bounded like every reader (:mod:`atlas.limits`): the caller counts the
cards before parsing and hands in physical lines that are already capped; a logical
line (however it is folded) longer than ``limit`` characters is refused.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

#: The fields of a card as read, in the order of an import table's columns.
FIELDS = ("first", "last", "org", "title", "tel", "email", "note")


@dataclass(frozen=True)
class Property:
    """One content line: ``group.NAME;param;param=value:value`` (name upper case)."""

    name: str
    params: dict[str, tuple[str, ...]] = field(default_factory=dict)
    types: frozenset[str] = frozenset()  # TYPE values and 2.1's bare parameters, upper case
    raw: str = ""  # the value as written (still encoded, still escaped)

    @property
    def encoding(self) -> str:
        found = self.params.get("ENCODING", ())
        if "QUOTED-PRINTABLE" in self.types:
            return "QUOTED-PRINTABLE"
        if "BASE64" in self.types:
            return "BASE64"
        return found[0].upper() if found else ""

    @property
    def preferred(self) -> bool:
        return "PREF" in self.types or "PREF" in self.params

    def text(self) -> str:
        """The value decoded (quoted-printable, base64, charset), still with its escapes."""
        encoding = self.encoding
        if encoding not in ("QUOTED-PRINTABLE", "BASE64", "B"):
            return self.raw
        charset = (self.params.get("CHARSET") or ("",))[0]
        try:
            data = self.raw.encode(_known(charset) or "utf-8")
        except UnicodeEncodeError:
            data = self.raw.encode("utf-8")
        if encoding == "QUOTED-PRINTABLE":
            data = quopri.decodestring(data)
        else:
            try:
                data = base64.b64decode(b"".join(data.split()), validate=True)
            except (binascii.Error, ValueError):
                return self.raw
        return _decode(data, charset).replace("\r\n", "\n").replace("\r", "\n")  # =0D=0A


def _known(charset: str) -> str | None:
    """The Python codec of a charset name, None if unknown."""
    if not charset:
        return None
    try:
        return codecs.lookup(charset.strip().strip('"')).name
    except LookupError:
        return None


def _decode(data: bytes, charset: str) -> str:
    codec = _known(charset)
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def parse_line(line: str) -> Property | None:
    """A content line as a :class:`Property`; None for a line without a name and a colon."""
    head, colon, raw = _partition_outside_quotes(line)
    if not colon:
        return None
    pieces = _split_outside_quotes(head, ";")
    name = pieces[0].strip().upper()
    if "." in name:
        name = name.split(".", 1)[1]  # item1.TEL
    params: dict[str, tuple[str, ...]] = {}
    types: set[str] = set()
    for piece in pieces[1:]:
        key, equals, value = piece.partition("=")
        key = key.strip().upper()
        if not equals:  # vCard 2.1: TEL;WORK;VOICE, N;QUOTED-PRINTABLE
            types.add(key)
            continue
        values = tuple(v.strip().strip('"') for v in _split_outside_quotes(value, ","))
        params[key] = params.get(key, ()) + values
        if key == "TYPE":
            types.update(v.upper() for v in values)
    return Property(name, params, frozenset(types), raw)


def _partition_outside_quotes(line: str) -> tuple[str, str, str]:
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[:index], ":", line[index + 1 :]
    return line, "", ""


def _is_quoted_printable(line: str) -> bool:
    head = _partition_outside_quotes(line)[0].upper()
    return "QUOTED-PRINTABLE" in head


def unfold(
    physical: Iterable[str], limit: int, too_long: Callable[[int], Exception]
) -> Iterator[tuple[int, str]]:
    """(number of the first physical line, logical line): folded lines joined, and a
    quoted-printable value's soft line breaks (``=`` at the end) joined too. A logical line
    over ``limit`` characters raises ``too_long(number)``."""
    current: list[str] = []
    start = size = 0
    quoted_printable = soft = False
    for number, raw in enumerate(physical, start=1):
        body = raw.rstrip("\r\n")
        if current and soft:
            piece = body  # after a soft line break the next line goes on as it is
        elif current and body[:1] in (" ", "\t"):
            piece = body[1:]
        else:
            if current:
                yield start, "".join(current)
            current, size, start = [], 0, number
            quoted_printable = _is_quoted_printable(body)
            piece = body
        soft = quoted_printable and piece.endswith("=")
        if soft:
            piece = piece[:-1]  # the soft line break is no part of the value
        size += len(piece)
        if size > limit:
            raise too_long(number)
        current.append(piece)
    if current:
        yield start, "".join(current)


def unescape(value: str) -> str:
    r"""A text value's escapes: ``\n`` a line break, ``\,`` ``\;`` ``\\`` the character."""
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            out.append("\n" if nxt in "nN" else nxt)
        else:
            out.append(char)
    return "".join(out)


def split(value: str, sep: str = ";") -> list[str]:
    """A structured value's components (N, ORG), each unescaped."""
    parts, current, escaped = [], [], False
    for char in value:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [unescape(p) for p in parts]


def cards(logical: Iterable[tuple[int, str]]) -> Iterator[dict[str, str]]:
    """The cards of a file's logical lines, each as a dict of :data:`FIELDS` (missing ones
    left out)."""
    card: dict[str, str] | None = None
    preferred: set[str] = set()
    for _number, line in logical:
        if not line.strip():
            continue
        prop = parse_line(line)
        if prop is None:
            continue
        if prop.name == "BEGIN" and prop.raw.strip().upper() == "VCARD":
            card, preferred = {}, set()
        elif prop.name == "END" and prop.raw.strip().upper() == "VCARD" and card is not None:
            yield card
            card = None
        elif card is not None:
            _take(card, preferred, prop)


def _take(card: dict[str, str], preferred: set[str], prop: Property) -> None:
    name = prop.name
    if name == "N":
        parts = [*split(prop.text()), "", ""]
        card["last"], card["first"] = parts[0].strip(), parts[1].strip()
    elif name == "FN" and "last" not in card:
        card["last"] = unescape(prop.text()).strip()
    elif name == "ORG":
        card["org"] = split(prop.text())[0].strip()
    elif name in ("TITLE", "ROLE") and "title" not in card:
        card["title"] = unescape(prop.text()).strip()
    elif name in ("TEL", "EMAIL", "NOTE"):
        key = name.lower()
        if name == "TEL" and prop.types & {"FAX", "PAGER", "MODEM", "BBS"}:
            return  # no number to call
        if key in card and (key in preferred or not prop.preferred):
            return  # the first one, unless a later one is marked preferred
        value = unescape(prop.text()).strip()
        if name == "TEL" and value.lower().startswith("tel:"):
            value = value[4:]  # vCard 4.0: TEL;VALUE=uri:tel:+49-208-1234
        elif name == "EMAIL" and value.lower().startswith("mailto:"):
            value = value[7:]
        if value:
            card[key] = value
            if prop.preferred:
                preferred.add(key)
