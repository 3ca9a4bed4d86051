"""Folding, LIKE escaping and the field validators of atlas.text (German messages)."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Callable

import pytest

from atlas.text import (
    _fold_for_index_reference,
    _fold_reference,
    check_email,
    check_lat,
    check_lon,
    check_phone,
    check_postcode,
    check_url,
    clean,
    fold,
    fold_for_index,
    format_date,
    format_datetime,
    like_pattern,
    pad_postcode,
    parse_date,
    parse_datetime,
    parse_float,
    parse_int,
)


def matches(query: str, stored: str) -> bool:
    """What the search does: the folded query is a substring of the indexed text."""
    return fold(query) in fold_for_index(stored)


# -- folding -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("ärzte", "Ärztehaus"),
        ("ÄRZTE", "Ärztehaus"),
        ("arzte", "Ärztehaus"),
        ("aerzte", "Ärztehaus"),
        ("Aerztehaus", "Ärztehaus am Markt"),
        ("strasse", "Straße"),
        ("STRASSE", "Marktstraße 12"),
        ("straße", "Marktstrasse 12"),
        ("buero", "Büro für Integration"),
        ("fuer", "Büro für Integration"),
        ("oel", "Ölmühle"),
        ("cafe", "Café Vielfalt"),
        ("schuldner", "SCHULDNERBERATUNG"),
        ("yildirim", "Yıldırım"),
        ("Yıldırım", "Yildirim"),
        ("YILDIRIM", "Yıldırım"),
        ("oere", "Øre"),
        ("ore", "Øre"),
        ("øre", "Øre"),
        ("Øre", "Ore"),
        ("lodz", "Łódź"),
        ("Łódź", "Lodz"),
        ("aero", "Ærø"),
        ("dordevic", "Đorđević"),
        ("oeuvre", "Œuvre"),
        ("thorsson", "Þórsson"),
    ],
)
def test_search_folding_finds(query: str, stored: str) -> None:
    assert matches(query, stored)


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("aerzte", "Arzthelferin"),
        ("strasse", "Strand"),
        ("jugend", "Kita Sonnenschein"),
    ],
)
def test_search_folding_does_not_overmatch(query: str, stored: str) -> None:
    assert not matches(query, stored)


def test_fold_is_case_and_accent_free() -> None:
    assert fold("Ärztehaus") == "arztehaus"
    assert fold("Straße") == "strasse"
    assert fold("  Müller  ") == "  muller  "
    assert fold("CAFÉ") == "cafe"


def test_fold_reads_latin_letters_without_accents_as_ascii() -> None:
    """Letters casefold and NFKD leave alone (dotless ı, ø, ł, đ, æ, œ, þ …) are folded
    too (the clicks and tone letters of U+0180-U+024F stay as they are)."""
    assert (
        fold("Yıldırım Øre Łódź Đorđević Æsir Œuvre Þór Ħal")
        == "yildirim ore lodz dordevic aesir oeuvre thor hal"
    )
    european = "ÆæÐðØøǾǿÞþĐđĦħıĸŁłŊŋŒœŦŧƏəǝƒȷ"
    assert [c for c in european if not fold(c).isascii()] == []


def test_fold_for_index_keeps_both_umlaut_spellings() -> None:
    assert fold_for_index("Ärztehaus") == "arztehaus\naerztehaus"
    # Text without umlauts is stored once.
    assert fold_for_index("Jobcenter") == "jobcenter"
    assert fold_for_index("Straße") == "strasse"


# The fast folding must give exactly what the definitions (casefold, NFKD, drop marks) give.
LATIN = [chr(c) for c in range(0x250)]
SAMPLE_RNG = random.Random(2026)
OTHERS = [
    chr(c)
    for c in SAMPLE_RNG.sample(range(0x250, 0x110000), 3000)
    if not 0xD800 <= c <= 0xDFFF  # lone surrogates cannot be stored as UTF-8 text anyway
]
SPECIAL = [
    "Ärztehaus Öztürk Übergang",
    "ÄÖÜäöüß ẞ",
    "A\u0308rztehaus Mu\u0308ller",  # decomposed umlauts stay plain vowels
    "ΟΔΟΣ ΣΑΣ Σ",  # final sigma: lower() looks at the context, casefold does not
    "İstanbul KELVIN \u212a ﬁ ﬀ ǅ ǈ ǋ Ǳ",
    "ᴬᴮ ℌ ① ｆｕｌｌ ㎏ 한국어 日本語 😀 \u0301\u0308",
    "Straße Ærø Øre Ðð Þþ ıİ ĸ ŉ ſ",
    "",
    "plain ascii ONLY 123 %_\\",
]


def _random_texts(alphabet: list[str], n: int, rng: random.Random) -> list[str]:
    return ["".join(rng.choices(alphabet, k=rng.randint(1, 40))) for _ in range(n)]


@pytest.mark.parametrize(
    ("fast", "reference"),
    [(fold, _fold_reference), (fold_for_index, _fold_for_index_reference)],
    ids=["fold", "fold_for_index"],
)
def test_fast_folding_equals_the_definition(
    fast: Callable[[str], str], reference: Callable[[str], str]
) -> None:
    rng = random.Random(1)
    texts = LATIN + OTHERS + SPECIAL + ["".join(LATIN)]
    texts += _random_texts(LATIN + list("ÄÖÜäöü  AZaz"), 2000, rng)
    texts += _random_texts(LATIN + OTHERS, 500, rng)
    wrong = [t for t in texts if fast(t) != reference(t)]
    assert wrong == []


def test_folding_a_character_is_folding_its_lower_case() -> None:
    """What the fast folding relies on, checked over the whole Basic Multilingual Plane."""
    wrong = [
        hex(c)
        for c in range(0x10000)
        if not 0xD800 <= c <= 0xDFFF
        and _fold_for_index_reference(chr(c).lower()) != _fold_for_index_reference(chr(c))
    ]
    assert wrong == []


# -- LIKE escaping ---------------------------------------------------------------


def test_like_pattern_escapes_wildcards() -> None:
    assert like_pattern("abc") == "%abc%"
    assert like_pattern("100%") == "%100\\%%"
    assert like_pattern("a_b") == "%a\\_b%"
    assert like_pattern("c:\\temp") == "%c:\\\\temp%"
    assert like_pattern("100%_sicher") == "%100\\%\\_sicher%"


def test_like_pattern_is_literal_in_sqlite() -> None:
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (body TEXT)")
    conn.executemany(
        "INSERT INTO t VALUES (?)", [("100%_sicher",), ("100 sicher",), ("100xysicher",), ("a\\b",)]
    )

    def found(term: str) -> list[str]:
        rows = conn.execute("SELECT body FROM t WHERE body LIKE ? ESCAPE '\\'", (like_pattern(term),))
        return sorted(r[0] for r in rows)

    assert found("100%_sicher") == ["100%_sicher"]
    assert found("%") == ["100%_sicher"]
    assert found("_") == ["100%_sicher"]
    assert found("\\") == ["a\\b"]
    assert found("sicher") == ["100 sicher", "100%_sicher", "100xysicher"]
    conn.close()


# -- clean -------------------------------------------------------------------------


def test_clean_strips_and_drops_control_characters() -> None:
    assert clean(None) is None
    assert clean("") is None
    assert clean("   \t\n ") is None
    assert clean("  Jobcenter  ") == "Jobcenter"
    assert clean("Job\x00center\x07") == "Jobcenter"
    # Line breaks inside multi-line text stay.
    assert clean("Zeile 1\nZeile 2") == "Zeile 1\nZeile 2"


def test_clean_drops_bidi_overrides_but_keeps_right_to_left_text() -> None:
    # U+202E would show what follows the name backwards wherever it is composed into a line.
    assert clean("Kita \u202eSonne\u202c Begründung") == "Kita Sonne Begründung"
    assert clean("\u2067x\u2069 \u202a\u202b\u202d\u2066\u2068") == "x"
    assert clean("مرحبا Yıldırım עברית") == "مرحبا Yıldırım עברית"


# -- e-mail --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "info@stadt-oberhausen.de",
        "a.b-c@beispiel.org",
        "beratung+termin@caritas.example.com",
        "müller@beispiel.de",
    ],
)
def test_valid_email(value: str) -> None:
    assert check_email(value)


def test_email_domain_is_normalised() -> None:
    assert check_email("info@BEISPIEL.DE").endswith("@beispiel.de")


@pytest.mark.parametrize("value", ["nope", "a@b", "a@@b.de", "@beispiel.de", "name@", "a b@beispiel.de"])
def test_invalid_email_german_message(value: str) -> None:
    with pytest.raises(ValueError, match="Keine gültige E-Mail-Adresse") as info:
        check_email(value)
    assert value in str(info.value)


# -- phone ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["0208 825-0", "+49 30 23125 123", "0208 8250", "0171 1234567", "0049 208 825 0", "(0208) 82 50"],
)
def test_valid_german_phone_keeps_user_format(value: str) -> None:
    assert check_phone(value) == value


@pytest.mark.parametrize("value", ["123", "abc", "+49 30 1", "0000", "+49 0", "++49 208", "0208"])
def test_invalid_phone_german_message(value: str) -> None:
    with pytest.raises(ValueError, match="Keine gültige Telefonnummer"):
        check_phone(value)


# -- postcode -------------------------------------------------------------------------------


def test_postcode_with_leading_zero_stays_text() -> None:
    assert check_postcode("01067") == "01067"
    assert isinstance(check_postcode("01067"), str)
    assert check_postcode("46045") == "46045"


@pytest.mark.parametrize(
    "value", ["0604", "604", "460450", "4604a", "46 045", "D-46045", "٤٦٠٤٥", "４６０４５", "٤٦٠٤"]
)
def test_bad_postcode_refused(value: str) -> None:
    with pytest.raises(ValueError, match="Postleitzahl hat genau fünf Ziffern"):
        check_postcode(value)


@pytest.mark.parametrize(("value", "padded"), [("4604", "04604"), ("1067", "01067"), ("9999", "09999")])
def test_four_digit_postcode_gets_its_zero_back(value: str, padded: str) -> None:
    """The rule the form and the import share: four digits not starting with 0 lost the
    leading zero of a German postcode (01001-09999) in Excel or when typed."""
    assert pad_postcode(value) == padded
    assert check_postcode(value) == padded
    assert pad_postcode("46045") == "46045"
    assert pad_postcode("0604") == "0604"  # no German postcode starts with 00


# -- URL ---------------------------------------------------------------------------------


def test_url_gets_scheme() -> None:
    assert check_url("www.oberhausen.de") == "https://www.oberhausen.de"
    assert check_url("http://example.org/x") == "http://example.org/x"


@pytest.mark.parametrize("value", ["javascript:alert(1)", "ftp://example.org", "localhost", "https://"])
def test_bad_url_refused(value: str) -> None:
    with pytest.raises(ValueError, match="Keine gültige Internetadresse"):
        check_url(value)


# -- dates ---------------------------------------------------------------------------------


def test_german_and_iso_dates() -> None:
    assert parse_date("01.02.2024") == dt.date(2024, 2, 1)
    assert parse_date("1.2.2024") == dt.date(2024, 2, 1)
    assert parse_date(" 2024-02-01 ") == dt.date(2024, 2, 1)
    assert parse_date("29.02.2024") == dt.date(2024, 2, 29)


@pytest.mark.parametrize("value", ["31.02.2024", "29.02.2023", "2024/01/01", "01-02-2024", "morgen", ""])
def test_bad_date_refused(value: str) -> None:
    with pytest.raises(ValueError, match=re.escape("Kein gültiges Datum") + r".*TT\.MM\.JJJJ"):
        parse_date(value)


def test_datetimes() -> None:
    assert parse_datetime("01.03.2025 10:30") == dt.datetime(2025, 3, 1, 10, 30)
    assert parse_datetime("2025-03-01T10:30") == dt.datetime(2025, 3, 1, 10, 30)
    with pytest.raises(ValueError, match="Kein gültiger Zeitpunkt"):
        parse_datetime("01.03.2025 25:00")


def test_format_round_trip() -> None:
    assert format_date(dt.date(2024, 2, 1)) == "01.02.2024"
    assert format_date(None) == ""
    assert parse_date(format_date(dt.date(1999, 12, 31))) == dt.date(1999, 12, 31)
    assert format_datetime(dt.datetime(2025, 3, 1, 9, 5)) == "01.03.2025 09:05"
    assert format_datetime(None) == ""


# -- numbers and coordinates -------------------------------------------------------------


def test_decimal_comma() -> None:
    assert parse_float("51,4712") == pytest.approx(51.4712)
    assert parse_float(" 6.8512 ") == pytest.approx(6.8512)
    assert parse_float("-0,5") == pytest.approx(-0.5)


@pytest.mark.parametrize("value", ["", "abc", "1.234,5", "51,47,12"])
def test_bad_float(value: str) -> None:
    with pytest.raises(ValueError, match="Keine gültige Zahl"):
        parse_float(value)


def test_int() -> None:
    assert parse_int(" 12 ") == 12
    with pytest.raises(ValueError, match="Keine gültige ganze Zahl"):
        parse_int("12,5")


def test_coordinate_ranges() -> None:
    assert check_lat(-90.0) == -90.0
    assert check_lat(90.0) == 90.0
    assert check_lon(-180.0) == -180.0
    assert check_lon(180.0) == 180.0
    with pytest.raises(ValueError, match="Breitengrad muss zwischen -90 und 90"):
        check_lat(90.0001)
    with pytest.raises(ValueError, match="Längengrad muss zwischen -180 und 180"):
        check_lon(-180.5)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_coordinates_refuse_nan_and_infinity(value: float) -> None:
    with pytest.raises(ValueError):
        check_lat(value)
    with pytest.raises(ValueError):
        check_lon(value)
