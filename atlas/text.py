"""Text helpers: search folding and field validation (German messages)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from urllib.parse import urlparse

from atlas.i18n import _
from atlas.limits import EARLIEST_YEAR, LATEST_YEAR

#: Bumped whenever :func:`fold` or :func:`fold_for_index` changes what they return, so
#: that a search index written with the old folding is rebuilt (``atlas.records.search``).
FOLD_VERSION = 2

_UMLAUT_AE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ø": "oe"})
# Latin letters that casefold and NFKD leave non-ASCII (no accent to strip): the
# letter they are read as, so "Yıldırım" is found by "yildirim", "Łódź" by "lodz".
# Applied after the marks are stripped ("ǿ" -> "ø" -> "o").
_LATIN_LETTERS = str.maketrans(
    {
        "æ": "ae",
        "ð": "d",
        "ø": "o",
        "þ": "th",
        "đ": "d",
        "ħ": "h",
        "ı": "i",
        "ĸ": "k",
        "ł": "l",
        "ŋ": "n",
        "œ": "oe",
        "ŧ": "t",
        "ƀ": "b",
        "ɓ": "b",
        "ƈ": "c",
        "ɗ": "d",
        "ƒ": "f",
        "ɠ": "g",
        "ɨ": "i",
        "ƙ": "k",
        "ƚ": "l",
        "ɲ": "n",
        "ɵ": "o",
        "ƥ": "p",
        "ƭ": "t",
        "ʈ": "t",
        "ʋ": "v",
        "ƴ": "y",
        "ƶ": "z",
        "ǥ": "g",
        "ȡ": "d",
        "ȥ": "z",
        "ȴ": "l",
        "ȵ": "n",
        "ȶ": "t",
        "ȷ": "j",
        "ⱥ": "a",
        "ȼ": "c",
        "ⱦ": "t",
        "ɇ": "e",
        "ɉ": "j",
        "ɍ": "r",
        "ɏ": "y",
        "ə": "e",
        "ǝ": "e",
        "ɛ": "e",
        "ɔ": "o",
        "ȿ": "s",
        "ɀ": "z",
        "ʉ": "u",
        "ɖ": "d",
        "ƌ": "d",
        "ƃ": "b",
        "ʀ": "r",
    }
)
_POSTCODE = re.compile(r"[0-9]{5}")
_POSTCODE_4 = re.compile(r"[1-9][0-9]{3}")
# C0 controls (but tab and newlines), DEL, and the explicit bidi embeddings, overrides and
# isolates: a name with U+202E would show the text after it backwards wherever it is
# composed into a line ("Trojan Source"); Arabic or Hebrew text needs none of them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_FOLD_CACHE_LIMIT = 100_000


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fold_reference(text: str) -> str:
    """The definition of :func:`fold` (slow; the tests compare the fast one with it)."""
    return _strip_marks(text.casefold()).translate(_LATIN_LETTERS)


def _fold_for_index_reference(text: str) -> str:
    """The definition of :func:`fold_for_index` (slow; the tests compare with it)."""
    low = text.casefold()
    plain = _strip_marks(low).translate(_LATIN_LETTERS)
    transliterated = _strip_marks(low.translate(_UMLAUT_AE)).translate(_LATIN_LETTERS)
    return plain if plain == transliterated else f"{plain}\n{transliterated}"


class _CharFolds(dict[str, str]):
    """Folded text of single characters: Latin precomputed, the rest on first sight."""

    def __init__(self, fold_char: Callable[[str], str]) -> None:
        super().__init__((c, fold_char(c)) for c in map(chr, range(0x80, 0x250)))
        self._fold_char = fold_char

    def __missing__(self, char: str) -> str:
        folded = self._fold_char(char)
        if len(self) < _FOLD_CACHE_LIMIT:
            self[char] = folded
        return folded


# Folding works character by character (casefold and NFKD have no context, and
# dropping every combining mark makes NFKD's reordering of marks moot), and folding
# a character gives the same as folding its lower case (for all of Unicode; the
# tests check it). So ASCII is folded by str.lower at C speed, and only the
# non-ASCII characters of the lower-cased text need a table look-up.
_FOLDED = _CharFolds(_fold_reference)
_FOLDED_AE = _CharFolds(lambda c: _strip_marks(c.casefold().translate(_UMLAUT_AE)).translate(_LATIN_LETTERS))


def _fold_lower(low: str, table: _CharFolds) -> str:
    return _NON_ASCII.sub(lambda match: table[match.group()], low)


def fold(text: str) -> str:
    """Case- and accent-fold for matching: 'Ärztehaus' -> 'arztehaus', 'Straße' -> 'strasse'."""
    low = text.lower()
    return low if low.isascii() else _fold_lower(low, _FOLDED)


def fold_transliterated(text: str) -> str:
    """:func:`fold` with umlauts and ø transliterated: 'Øre' -> 'oere', 'Ärzte' -> 'aerzte'
    (the second spelling :func:`fold_for_index` stores)."""
    low = text.lower()
    return low if low.isascii() else _fold_lower(low, _FOLDED_AE)


def fold_for_index(text: str) -> str:
    """What the search index stores: both spellings of umlauts, so 'ärzte', 'arzte'
    and 'aerzte' all find 'Ärztehaus'."""
    low = text.lower()
    if low.isascii():
        return low
    plain = _fold_lower(low, _FOLDED)
    if "ä" not in low and "ö" not in low and "ü" not in low and "ø" not in low:
        return plain  # only these fold differently with transliteration
    transliterated = _fold_lower(low, _FOLDED_AE)
    return plain if plain == transliterated else f"{plain}\n{transliterated}"


def like_pattern(term: str) -> str:
    """A LIKE pattern matching ``term`` anywhere, with % and _ taken literally (ESCAPE '\\')."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def clean(value: str | None) -> str | None:
    """Strip, drop control characters, turn empty into None."""
    if value is None:
        return None
    value = _CONTROL.sub("", value).strip()
    return value or None


def address_line(street: str | None, postcode: str | None, city: str | None) -> str | None:
    """'Marktstraße 12, 46045 Oberhausen', or None when it names no place a geocoder can find
    (a street and a postcode or town are needed; a town alone would pin its centre)."""
    street, place = clean(street), " ".join(p for p in (clean(postcode), clean(city)) if p)
    if not street or not place:
        return None
    return " ".join(f"{street}, {place}".split())


def check_email(value: str) -> str:
    """Return the normalised address or raise ValueError with a German reason."""
    from email_validator import EmailNotValidError, validate_email  # lazy: not on the start path

    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as err:
        raise ValueError(_("Keine gültige E-Mail-Adresse: {value}").format(value=value)) from err
    return str(result.normalized)


def check_phone(value: str) -> str:
    """German numbers by default; keep the user's formatting if it is valid."""
    import phonenumbers  # lazy: not on the start path

    try:
        number = phonenumbers.parse(value, "DE")
    except phonenumbers.NumberParseException as err:
        raise ValueError(_("Keine gültige Telefonnummer: {value}").format(value=value)) from err
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise ValueError(_("Keine gültige Telefonnummer: {value}").format(value=value))
    return value


def pad_postcode(value: str) -> str:
    """A German postcode with its leading zero back: "4604" -> "04604".

    Excel drops the zero of a numeric column, and people type "4109" for Leipzig. Only
    four digits not starting with 0 are padded (German postcodes run from 01001 to
    99998, so "0123" is no postcode with a lost zero); anything else is returned as is.
    """
    return "0" + value if _POSTCODE_4.fullmatch(value) else value


def check_postcode(value: str) -> str:
    """Five digits; four digits get their leading zero back (:func:`pad_postcode`)."""
    value = pad_postcode(value)
    if not _POSTCODE.fullmatch(value):
        raise ValueError(_("Eine Postleitzahl hat genau fünf Ziffern (z. B. 46045)."))
    return value


_PHONE_WORD = re.compile(r"\+?[0-9/\-().]*[0-9][0-9/\-().]*")
_NOT_DIGIT = re.compile(r"\D+")


def phone_digits(value: str | None) -> str:
    """What the search index adds for a phone number: its digits, and for an
    international German number also the national form ("+49 208 12345" ->
    "4920812345 020812345"), so "0208123" finds "0208 / 12 34-5"."""
    if not value:
        return ""
    digits = _NOT_DIGIT.sub("", value)
    if not digits:
        return ""
    international = value.lstrip().startswith("+") or digits.startswith("00")
    national = digits.removeprefix("00")
    if international and national.startswith("49") and len(national) > 4:
        return f"{digits} 0{national[2:]}"
    return digits


def digits_query(word: str) -> str:
    """A search word written like a phone number with separators ("0208/123", "34-5",
    "(0208)"): its digits; any other word unchanged."""
    return _NOT_DIGIT.sub("", word) if _PHONE_WORD.fullmatch(word) else word


def check_url(value: str) -> str:
    candidate = value if "://" in value else f"https://{value}"
    parsed = urlparse(candidate)
    if parsed.scheme not in ("http", "https") or "." not in (parsed.hostname or ""):
        raise ValueError(_("Keine gültige Internetadresse: {value}").format(value=value))
    return candidate


def check_lat(value: float) -> float:
    if not -90.0 <= value <= 90.0:
        raise ValueError(_("Der Breitengrad muss zwischen -90 und 90 liegen."))
    return value


def check_lon(value: float) -> float:
    if not -180.0 <= value <= 180.0:
        raise ValueError(_("Der Längengrad muss zwischen -180 und 180 liegen."))
    return value


def parse_float(value: str) -> float:
    """Accept a decimal comma as German users type it."""
    try:
        return float(value.replace(",", ".").strip())
    except ValueError as err:
        raise ValueError(_("Keine gültige Zahl: {value}").format(value=value)) from err


def parse_int(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError as err:
        raise ValueError(_("Keine gültige ganze Zahl: {value}").format(value=value)) from err


def check_date_range(value: dt.date, shown: str | None = None) -> dt.date:
    """``value`` if its year lies in EARLIEST_YEAR..LATEST_YEAR (:mod:`atlas.limits`), else
    ValueError in German. Every date entered, imported or asked for passes here, so every
    export writes four-digit years and month arithmetic never leaves the calendar."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(
            _("Kein gültiges Datum: {value} (bitte ein Datum zwischen {first} und {last}).").format(
                value=shown or format_date(value), first=EARLIEST_YEAR, last=LATEST_YEAR
            )
        )
    return value


def parse_date(value: str) -> dt.date:
    """Accept dd.mm.yyyy (German) and yyyy-mm-dd (ISO), years EARLIEST_YEAR..LATEST_YEAR."""
    value = value.strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            day = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        return check_date_range(day, value)
    raise ValueError(_("Kein gültiges Datum: {value} (bitte TT.MM.JJJJ)").format(value=value))


def parse_datetime(value: str) -> dt.datetime:
    value = value.strip()
    for fmt in ("%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            moment = dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        check_date_range(moment, value)
        return moment
    raise ValueError(_("Kein gültiger Zeitpunkt: {value} (bitte TT.MM.JJJJ HH:MM)").format(value=value))


def format_date(value: dt.date | None) -> str:
    """dd.mm.yyyy, always four digits for the year (strftime writes year 1 as "1")."""
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}" if value else ""


def format_datetime(value: dt.datetime | None) -> str:
    return f"{format_date(value)} {value.hour:02d}:{value.minute:02d}" if value else ""
