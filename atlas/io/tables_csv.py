"""Reading a CSV file as German Excel writes it: the encoding and the separator decided
deterministically (:func:`detect_encoding`, :func:`detect_separator`) unless given, a file
mixing two encodings refused (:func:`check_mixed_encoding`), and the records read under the
caps of :mod:`atlas.limits` (:func:`csv_records`). Part of :mod:`atlas.io.tables`.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterator

from atlas.errors import AtlasError
from atlas.files import unneutralise
from atlas.i18n import _
from atlas.io.tables_common import Cancelled, FileRefused, RawTable, cell_too_long, clean_headers, collect
from atlas.limits import MAX_RECORD_CHARS, count, line_too_long, lines
from atlas.text import clean

ENCODINGS: tuple[tuple[str, str], ...] = (
    ("utf-8-sig", "UTF-8 (mit BOM)"),
    ("utf-8", "UTF-8"),
    ("cp1252", "Windows-1252 (ANSI, Excel)"),
    ("latin-1", "ISO-8859-1 (Latin-1)"),
    ("utf-16", "UTF-16 (Excel „Unicode-Text“)"),
)
SEPARATORS: tuple[tuple[str, str], ...] = (
    (";", _("Semikolon ;")),
    (",", _("Komma ,")),
    ("\t", _("Tabulator")),
)


def detect_encoding(data: bytes) -> str:
    """Deterministic: a BOM decides; else strict UTF-8 if it decodes; else Windows-1252.

    No statistical guessing: on a short file guessers pick exotic code pages.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


# A UTF-8 sequence for what mojibake is made of: Latin letters with accents and umlauts,
# ° § and no-break space (U+0080..U+017F: Â Ã Ä Å and one more byte in Windows-1252), and
# € „ “ – … (U+2000..U+20CF: â and two more). Real Windows-1252 German text does not have
# them; "Fuß“" (ß and a closing quote) is no such sequence.
_UTF8_IN_ANSI = re.compile(rb"[\xc2-\xc5][\x80-\xbf]|\xe2[\x80-\x82][\x80-\xbf]")
_UTF8_CLASSES = bytes(
    ord("L") if 0xC2 <= b <= 0xC5 else ord("E") if b == 0xE2 else ord("k") if 0x80 <= b <= 0x82
    else ord("c") if 0x83 <= b <= 0xBF else ord(".")
    for b in range(256)
)  # fmt: skip
_UTF8_SEQUENCES = (b"Lk", b"Lc", b"Ekk", b"Ekc")


def check_mixed_encoding(data: bytes, encoding: str, name: str) -> None:
    """Refuse reading UTF-8 text as Windows-1252 or Latin-1: it would import "MÃ¼ller".

    A file mixing both (a Windows-1252 list with lines pasted from a UTF-8 source) is
    named with a line of each; a file that is UTF-8 throughout but read as a single-byte
    encoding asks for UTF-8.
    """
    try:
        single_byte = codecs.lookup(encoding).name in ("cp1252", "iso8859-1")
    except LookupError:
        return  # decode names the unknown encoding
    if not single_byte:
        return
    # Bytes as classes (linear, in C), then the sequences searched as plain substrings.
    classes = data.translate(_UTF8_CLASSES)
    starts = [i for i in (classes.find(seq) for seq in _UTF8_SEQUENCES) if i >= 0]
    if not starts:
        return
    found = _UTF8_IN_ANSI.search(data, min(starts))
    assert found is not None
    utf8_line = data.count(b"\n", 0, found.start()) + 1
    start = data.rfind(b"\n", 0, found.start()) + 1
    end = data.find(b"\n", found.start())
    sample = data[start : end if end >= 0 else len(data)][:240].decode("utf-8", "replace")
    sample = (clean(sample.replace("\ufffd", "?")) or "")[:80]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        ansi_line = data.count(b"\n", 0, err.start) + 1
        raise FileRefused(
            _(
                "{name} mischt zwei Zeichenkodierungen: Zeile {utf8} ist als UTF-8 gespeichert "
                "(„{sample}“), Zeile {ansi} als Windows-1252. So gelesen würde aus „Müller“ „MÃ¼ller“. "
                "Bitte die Datei einheitlich speichern (in Excel: „CSV UTF-8“) und neu importieren."
            ).format(name=name, utf8=utf8_line, sample=sample, ansi=ansi_line)
        ) from err
    raise FileRefused(
        _(
            "{name} ist als UTF-8 gespeichert (Zeile {utf8}: „{sample}“), nicht als {enc}. "
            "Bitte als Zeichenkodierung UTF-8 wählen."
        ).format(name=name, utf8=utf8_line, sample=sample, enc=encoding)
    )


def decode(data: bytes, encoding: str, name: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError as err:
        raise FileRefused(_("Unbekannte Zeichenkodierung: {enc}").format(enc=encoding)) from err
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        raise FileRefused(
            _(
                "{name} lässt sich nicht als {enc} lesen (Byte {pos}). "
                "Bitte eine andere Zeichenkodierung wählen."
            ).format(name=name, enc=encoding, pos=err.start + 1)
        ) from err
    return text.removeprefix("\ufeff")


def _counts_outside_quotes(text: str, candidates: str, max_records: int = 200) -> list[dict[str, int]]:
    """Per record (line breaks inside quotes do not end one): how often each candidate
    separator occurs outside quotes. Blank records are left out."""
    records: list[dict[str, int]] = []
    counts = dict.fromkeys(candidates, 0)
    quoted = False
    blank = True
    for char in text:
        if char == '"':
            quoted = not quoted
            blank = False
        elif quoted:
            continue
        elif char == "\n" or char == "\r":
            if not blank:
                records.append(counts)
                if len(records) >= max_records:
                    return records
            counts = dict.fromkeys(candidates, 0)
            blank = True
        elif char in counts:
            counts[char] += 1
            blank = False
        elif not char.isspace():
            blank = False
    if not blank:
        records.append(counts)
    return records


def detect_separator(text: str) -> str:
    """``;``, ``,`` or tab: the one found outside quotes on the header line that occurs
    the same number of times on most records. Ties go to ``;`` (German Excel), then tab.

    Counting on whole records, outside quotes, is robust where ``csv.Sniffer`` is not:
    decimal commas, commas in addresses, separators inside quoted text.
    """
    candidates = ";\t,"
    records = _counts_outside_quotes(text[: 256 * 1024], candidates)
    if not records:
        return ";"
    header = records[0]
    best, best_key = ";", (-1, -1, -1)
    for rank, sep in enumerate(candidates):
        n = header[sep]
        if n == 0:
            continue
        same = sum(1 for r in records if r[sep] == n)
        key = (same, n if same == len(records) else 0, -rank)
        if key > best_key:
            best, best_key = sep, key
    return best


def csv_records(
    text: str, name: str, separator: str, error: Callable[[str], Exception] = AtlasError
) -> Iterator[list[str]]:
    """The records of a CSV text, each at most MAX_RECORD_CHARS long (a quoted line break
    continues a record), with no cell over MAX_CELL_CHARS; refused with ``error``."""
    spent = [0, 0]  # characters of the record being read, physical lines read

    def physical() -> Iterator[str]:
        for line in lines(text, name, error):
            spent[0] += len(line)
            spent[1] += 1
            if spent[0] > MAX_RECORD_CHARS + 2:
                raise error(line_too_long(name, spent[1]))
            yield line

    reader = csv.reader(physical(), delimiter=separator, quotechar='"', strict=False)
    try:
        for record in reader:
            spent[0] = 0
            yield record
    except csv.Error as err:
        if "field larger than field limit" in str(err):
            raise error(cell_too_long(name, reader.line_num)) from err
        reason = _("ein NUL-Zeichen (Binärdatei?)") if "NUL" in str(err) else str(err)
        raise error(
            _("{name} ist keine lesbare CSV-Datei (Zeile {line}: {reason}).").format(
                name=name, line=count(reader.line_num), reason=reason
            )
        ) from err


def read_csv(name: str, text: str, encoding: str, separator: str, cancelled: Cancelled | None) -> RawTable:
    if separator not in {s for s, _l in SEPARATORS} and len(separator) != 1:
        raise FileRefused(_("Das Trennzeichen muss ein einzelnes Zeichen sein."))
    headers, header_row, rows = collect(
        (
            (number, tuple(unneutralise(c) for c in record))
            for number, record in enumerate(csv_records(text, name, separator, FileRefused), start=1)
        ),
        name,
        cancelled,
    )
    if headers is None:
        raise FileRefused(_("{name} ist leer.").format(name=name))
    return RawTable(
        source=name,
        format="csv",
        encoding=encoding,
        separator=separator,
        headers=clean_headers(headers),
        rows=tuple(rows),
        header_row=header_row,
    )
