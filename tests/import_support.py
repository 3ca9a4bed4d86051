"""The lists the import tests write (a German Excel list as coaches keep it) and how they
load them: shared by the import tests and the window's tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from atlas.core import Atlas
from atlas.io import importing as imp

HEADER = ["Einrichtung", "Träger", "Straße", "Hausnummer", "PLZ", "Ort", "Telefon", "E-Mail", "Kategorie"]
GOOD = [
    ["Schuldnerberatung Caritas", "Caritasverband e. V.", "Marktstraße", "12", "46045", "Oberhausen",
     "0208 123456", "info@caritas.example.org", "Schuldnerberatung"],
    ["Kita Sonnenschein", "", "Lange Straße", "3", "01067", "Dresden", "", "", "Kinderbetreuung"],
    ["Suchtberatung Löwenzahn", "Diakonie", "Mülheimer Str.", "7a", "46049", "Oberhausen", "",
     "hilfe@loewenzahn.example.org", "Suchtberatung"],
]  # fmt: skip


def write_csv(
    path: Path,
    rows: Sequence[Sequence[str]],
    header: Sequence[str] = HEADER,
    encoding: str = "cp1252",
    sep: str = ";",
) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def load(
    atlas: Atlas, path: Path, kind: str = "institution", create_terms: bool = True, **read: str
) -> imp.ImportPlan:
    table = imp.read_table(path, **read)
    return imp.prepare(
        atlas, kind, table, imp.suggest_mapping(kind, table.headers), create_terms=create_terms
    )


def names(atlas: Atlas) -> list[str]:
    service = atlas.institutions
    return sorted(service.get(i).values["name"] for i in service.list_ids())
