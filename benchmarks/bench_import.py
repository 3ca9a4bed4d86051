"""Import of 10,000 institutions from CSV and from XLSX, with the split per stage.

Writes a German Excel-style list (Windows-1252, ``;``, decimal commas, dd.mm.yyyy, split
street and house number, a contact person per row, ~3 % near-duplicates) as CSV and as
XLSX, then for each: ``read_table`` (parse), ``prepare`` (validate, dedupe) and ``apply``
(write, one transaction) into a fresh database with the demo quarters.

    python benchmarks/bench_import.py [--rows N] [--repeat N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "benchmarks") not in sys.path:
    sys.path.insert(0, str(ROOT / "benchmarks"))

from synth import EXTRA_STREETS, KINDS, PLACE_WORDS  # noqa: E402

from atlas.core import Atlas  # noqa: E402
from atlas.demo.build import FIRST_NAMES, FUNCTIONS, LAST_NAMES, POSTCODES, QUARTER_RINGS, STREETS  # noqa: E402
from atlas.io import importing  # noqa: E402
from db.engine import make_sessions  # noqa: E402
from db.migrate import open_database  # noqa: E402

HEADERS = [
    "Einrichtung",
    "Träger",
    "Straße",
    "Hausnummer",
    "PLZ",
    "Ort",
    "Stadtteil",
    "Kategorie",
    "Telefon",
    "E-Mail",
    "Internet",
    "Ansprechpartner/in",
    "Funktion",
    "Breitengrad",
    "Längengrad",
    "Geprüft am",
]


def _cp1252(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def make_rows(n: int, seed: int = 1) -> list[list[str]]:
    """``n`` rows of an institution list as a coach's Excel file has them."""
    rng = random.Random(seed)
    quarters = list(QUARTER_RINGS)
    functions = [f for fs in FUNCTIONS.values() for f in fs]
    first_names = [n for n in FIRST_NAMES if _cp1252(n)]  # the file is Windows-1252
    last_names = [n for n in LAST_NAMES if _cp1252(n)]
    rows: list[list[str]] = []
    for i in range(1, n + 1):
        if rows and rng.random() < 0.03:  # a near-duplicate of an earlier row
            row = list(rng.choice(rows))
            row[0] = row[0].replace("e. V.", "e.V.").upper() if rng.random() < 0.5 else row[0] + " e. V."
            rows.append(row)
            continue
        pattern, category, _sector = rng.choice(KINDS)
        q = rng.choice(quarters)
        name = f"{pattern.format(p=rng.choice(PLACE_WORDS), q=q)} {i}"
        first, last = rng.choice(first_names), rng.choice(last_names)
        slug = f"einrichtung{i}"
        rows.append(
            [
                name,
                rng.choice(["", "Sozialwerk Rhein-Ruhr e. V.", "Werkhof Emscher gGmbH"]),
                rng.choice(STREETS[q] + EXTRA_STREETS),
                str(rng.randint(1, 200)),
                POSTCODES[q],
                "Oberhausen",
                q,
                category,
                f"0208 {rng.randint(100000, 999999)}",
                f"info@{slug}.example.org",
                f"www.{slug}.example.org",
                f"{rng.choice(['Frau', 'Herr'])} {first} {last}",
                rng.choice(functions),
                f"{51.45 + rng.random() * 0.06:.5f}".replace(".", ","),
                f"{6.82 + rng.random() * 0.08:.5f}".replace(".", ","),
                f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2019, 2025)}",
            ]
        )
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> None:
    import csv

    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows(rows)


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Einrichtungen")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)


def fresh_atlas(folder: Path, name: str) -> tuple[Atlas, object]:
    result = open_database(folder / f"{name}.sqlite")
    atlas = Atlas(make_sessions(result.engine))
    for quarter in QUARTER_RINGS:
        atlas.quarters.save(None, {"name": quarter})
    return atlas, result.engine


def run(path: Path, folder: Path, label: str) -> dict[str, float]:
    atlas, engine = fresh_atlas(folder, f"{label}-{time.perf_counter_ns()}")
    t0 = time.perf_counter()
    table = importing.read_table(path)
    t1 = time.perf_counter()
    mapping = importing.suggest_mapping("institution", table.headers)
    plan = importing.prepare(atlas, "institution", table, mapping)
    t2 = time.perf_counter()
    result = importing.apply(atlas, plan, skip_invalid=False)
    t3 = time.perf_counter()
    engine.dispose()  # type: ignore[attr-defined]
    assert not plan.invalid_rows, plan.errors[:5]
    return {
        "parse": t1 - t0,
        "validate": plan.timings.validate,
        "dedupe": plan.timings.dedupe,
        "write": t3 - t2,
        "total": t3 - t0,
        "rows": float(len(table)),
        "created": float(result.created),
        "duplicates": float(len(plan.duplicates)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        folder = Path(tmp)
        rows = make_rows(args.rows)
        files = {"CSV": folder / "liste.csv", "XLSX": folder / "liste.xlsx"}
        write_csv(files["CSV"], rows)
        write_xlsx(files["XLSX"], rows)
        print(f"{args.rows} Einrichtungen, {args.repeat} Läufe je Format (Median; Sekunden)")
        print(f"{'Format':6} {'parse':>7} {'validate':>9} {'dedupe':>7} {'write':>7} {'total':>7}  Dubletten")
        for label, path in files.items():
            runs = [run(path, folder, label) for _ in range(args.repeat)]
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(
                f"{label:6} {med['parse']:7.2f} {med['validate']:9.2f} {med['dedupe']:7.2f} "
                f"{med['write']:7.2f} {med['total']:7.2f}  {int(med['duplicates'])} "
                f"(angelegt {int(med['created'])}, max total {max(r['total'] for r in runs):.2f})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
