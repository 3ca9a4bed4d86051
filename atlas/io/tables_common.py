"""What the readers of a list file share: the table they return (:class:`RawTable`), the
errors, and the rows gathered under the caps of :mod:`atlas.limits` (:func:`collect`,
:class:`Budget`). The readers are :mod:`atlas.io.tables_csv`, :mod:`atlas.io.tables_xlsx`
and, for GeoJSON and vCard, :mod:`atlas.io.tables`, which offers all of it under one name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NoReturn

from atlas.errors import AtlasError
from atlas.i18n import _
from atlas.limits import MAX_CELL_CHARS, MAX_CELLS, MAX_COLUMNS, MAX_ROWS, count
from atlas.text import clean

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class ImportFailed(AtlasError):
    """An import cannot go on (German message); nothing was written."""


class FileRefused(ImportFailed):
    """The file was refused before parsing: too big, a zip bomb, an entity bomb, unreadable."""


class ImportCancelled(ImportFailed):
    def __init__(self) -> None:
        super().__init__(_("Der Import wurde abgebrochen. Es wurde nichts gespeichert."))


@dataclass(frozen=True)
class RawTable:
    """A file as rows of text. ``rows`` holds (row number as Excel shows it, cells)."""

    source: str  # file name, for messages
    format: str  # "csv", "xlsx", "geojson", "vcf"
    encoding: str | None  # the encoding used (CSV), None otherwise
    separator: str | None  # the separator used (CSV), None otherwise
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    header_row: int = 1
    sheet: str | None = None  # XLSX: the sheet read
    sheets: tuple[str, ...] = ()  # XLSX: all sheets, for a choice

    def __len__(self) -> int:
        return len(self.rows)


def cell_too_long(name: str, row: int, column: int | None = None) -> str:
    where = _("Zeile {row}").format(row=count(row))
    if column is not None:
        where += _(", Spalte {col}").format(col=column)
    return _(
        "{name}: eine Zelle in {where} ist zu lang (mehr als {n} Zeichen). Die Datei wird nicht gelesen."
    ).format(name=name, where=where, n=count(MAX_CELL_CHARS))


def collect(
    records: Iterable[tuple[int, tuple[str, ...]]], name: str, cancelled: Callable[[], bool] | None
) -> tuple[tuple[str, ...] | None, int, list[tuple[int, tuple[str, ...]]]]:
    """Headings (the first non-empty row), their row number, and the data rows with theirs.

    Empty rows are skipped; ``cancelled`` is asked every 5,000 rows; the caps of
    :class:`Budget` are applied to every row.
    """
    headers: tuple[str, ...] | None = None
    header_row = 1
    rows: list[tuple[int, tuple[str, ...]]] = []
    budget = Budget(name)
    for seen, (number, cells) in enumerate(records, start=1):
        if seen % 5000 == 0 and cancelled is not None and cancelled():
            raise ImportCancelled()
        cells = budget.row(number, cells)
        if not any(c.strip() for c in cells):
            continue
        if headers is None:
            headers, header_row = cells, number
            continue
        rows.append((number, cells))
        budget.data_row()
    return headers, header_row, rows


class Budget:
    """The caps of a list (:mod:`atlas.limits`), applied row by row as it is read."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows = 0
        self.cells = 0
        self.seen = 0

    def row(self, number: int, cells: tuple[str, ...]) -> tuple[str, ...]:
        """``cells`` without empty cells beyond MAX_COLUMNS; refused if a value lies
        there, a cell is too long, or the list grows over MAX_CELLS or 2 x MAX_ROWS rows."""
        self.seen += 1
        if self.seen > 2 * MAX_ROWS:
            self.too_many_rows()
        if len(cells) > MAX_COLUMNS:
            if any(c.strip() for c in cells[MAX_COLUMNS:]):
                raise FileRefused(
                    _(
                        "{name}: Zeile {row} hat mehr als {n} Spalten. "
                        "So breite Listen werden nicht gelesen; bitte die Datei prüfen."
                    ).format(name=self.name, row=count(number), n=count(MAX_COLUMNS))
                )
            cells = cells[:MAX_COLUMNS]
        if cells and max(map(len, cells)) > MAX_CELL_CHARS:
            column = next(i for i, c in enumerate(cells, start=1) if len(c) > MAX_CELL_CHARS)
            raise FileRefused(cell_too_long(self.name, number, column))
        self.cells += len(cells)
        if self.cells > MAX_CELLS:
            raise FileRefused(
                _("{name} hat mehr als {n} Zellen. Bitte in kleinere Dateien teilen.").format(
                    name=self.name, n=count(MAX_CELLS)
                )
            )
        return cells

    def data_row(self) -> None:
        self.rows += 1
        if self.rows > MAX_ROWS:
            self.too_many_rows()

    def too_many_rows(self) -> NoReturn:
        raise FileRefused(
            _("{name} hat mehr als {n} Zeilen. Bitte in kleinere Dateien teilen.").format(
                name=self.name, n=count(MAX_ROWS)
            )
        )


def clean_headers(cells: Sequence[str]) -> tuple[str, ...]:
    return tuple(
        (clean(c) or _("Spalte {n}").format(n=i)).replace("\n", " ") for i, c in enumerate(cells, start=1)
    )
