"""A list with its own category, target group, sector and quarter names, into an empty database.

The list is what a coach brings on day one: semicolons, Windows-1252 with umlauts, her own
names ("Beratung", "Arbeit", "Schuldner-Beratung", "Alt-Oberhausen", "Lirich"), target groups
in one cell separated by commas, and a couple of broken rows. The database is new: the
seeded taxonomies, no quarters, no records.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from atlas import models as m
from atlas.cli import iocommands
from atlas.core import Atlas
from atlas.io import importing as imp

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["Einrichtung", "Straße", "PLZ", "Ort", "Kategorie", "Stadtteil", "Sektor", "E-Mail"]
# 17 good rows: their own names (some written twice in other case), some seeded ones.
GOOD = [
    ["Caritas Schuldnerhilfe", "Marktstraße 12", "46045", "Oberhausen", "Schuldner-Beratung", "Alt-Oberhausen", "Verein", "info@caritas.example.org"],
    ["Diakonie Suchthilfe", "Mülheimer Str. 7", "46049", "Oberhausen", "Beratung", "Alt-Oberhausen", "", ""],
    ["Jobcenter Mitte", "Friedrich-List-Str. 20", "46045", "Oberhausen", "Arbeit", "Alt-Oberhausen", "Jobcenter", ""],
    ["Arbeitslosenzentrum", "Elsässer Str. 19", "46045", "Oberhausen", "arbeit", "alt-oberhausen", "", ""],
    ["Familienbüro Lirich", "Liricher Str. 3", "46049", "Oberhausen", "BERATUNG", "Lirich", "Kommune", ""],
    ["Kita Sonnenschein", "Bebelstraße 5", "46049", "Oberhausen", "Kinderbetreuung", "Lirich", "", ""],
    ["Kita Regenbogen", "Im Lipperfeld 2", "46047", "Oberhausen", "kinderbetreuung", "Lirich", "", ""],
    ["Schuldnerberatung der Stadt", "Schwartzstraße 72", "46045", "Oberhausen", "Schuldner-Beratung", "Alt-Oberhausen", "Kommune", ""],
    ["Stadtteilbüro Süd", "Marktstraße 99", "46045", "Oberhausen", "Beratung", "Alt-Oberhausen", "", ""],
    ["Bürgertreff Löwenzahn", "Duisburger Str. 11", "46049", "Oberhausen", "Begegnung & Freizeit", "Lirich", "Verein", ""],
    ["Jugendzentrum Altenberg", "Hansastraße 20", "46049", "Oberhausen", "Jugendarbeit", "Lirich", "", ""],
    ["Beschäftigungsträger GbR", "Gutenbergstr. 2", "46045", "Oberhausen", "Arbeit", "Alt-Oberhausen", "Wirtschaft", ""],
    ["Migrationsdienst", "Paul-Reusch-Str. 8", "46045", "Oberhausen", "Sprache & Integration", "Alt-Oberhausen", "", ""],
    ["Frauenberatung Lila", "Goebenstraße 1", "46045", "Oberhausen", "Beratung", "", "", ""],
    ["Seniorentreff Lirich", "Liricher Str. 40", "46049", "Oberhausen", "Begegnung & Freizeit", "LIRICH", "", ""],
    ["Wohnungslosenhilfe", "Hermann-Albertz-Str. 1", "46045", "Oberhausen", "Wohnen", "Alt-Oberhausen", "", ""],
    ["Ausbildungswerkstatt", "Concordiastraße 30", "46049", "Oberhausen", "Ausbildung", "Lirich", "", ""],
]  # fmt: skip
BROKEN = [
    ["", "Ohne Namen 1", "46045", "Oberhausen", "Beratung", "Alt-Oberhausen", "", ""],
    ["Falsche Mail", "Markt 1", "46045", "Oberhausen", "Nur-Hier-Kategorie", "Styrum", "", "kein-at-zeichen"],
]
NEW = [
    "Kategorie „Schuldner-Beratung“",
    "Kategorie „Beratung“",
    "Kategorie „Arbeit“",
    "Sektor „Verein“",
    "Quartier „Alt-Oberhausen“",
    "Quartier „Lirich“",
]


def write_csv(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("cp1252"))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append([int(c) if c.isdigit() else (c or None) for c in row])
    book.save(path)
    return path


def plan_of(atlas: Atlas, path: Path, kind: str = "institution", create_terms: bool = True) -> imp.ImportPlan:
    table = imp.read_table(path)
    return imp.prepare(
        atlas, kind, table, imp.suggest_mapping(kind, table.headers), create_terms=create_terms
    )


def counts(atlas: Atlas) -> tuple[int, int, int]:
    """Terms, quarters, institutions."""
    with atlas.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(m.Term)) or 0,
            session.scalar(select(func.count()).select_from(m.Quarter)) or 0,
            session.scalar(select(func.count()).select_from(m.Institution)) or 0,
        )


def term_names(atlas: Atlas, vocabulary: m.Vocabulary) -> list[str]:
    return [t.name for t in atlas.taxonomy.terms(vocabulary)]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_coaches_list_into_an_empty_database_creates_its_terms(
    tmp_path: Path, atlas: Atlas, suffix: str
) -> None:
    assert atlas.quarters.choices() == [] and counts(atlas)[2] == 0
    rows = [*GOOD[:5], BROKEN[0], *GOOD[5:], BROKEN[1]]
    path = (write_csv if suffix == ".csv" else write_xlsx)(tmp_path / f"liste{suffix}", rows)
    plan = plan_of(atlas, path)
    assert (len(plan.valid_rows), len(plan.invalid_rows)) == (17, 2)
    # Every spelling of a name is one new term, shown as first written.
    labels = [t.label for t in plan.new_terms]
    assert [n for n in labels if "Nur-Hier" not in n and "Styrum" not in n] == NEW
    assert "Kategorie „Nur-Hier-Kategorie“" in labels and "Quartier „Styrum“" in labels  # broken rows'
    assert plan.new_term("category", "beratung").rows == (3, 6, 7, 11, 16)  # type: ignore[union-attr]
    assert plan.new_term("category", "Schuldner-Beratung").suggestions == ("Schuldnerberatung",)  # type: ignore[union-attr]
    assert plan.new_term("category", "Arbeit").suggestions == ()  # type: ignore[union-attr]
    assert "Neu anzulegen: Kategorie „Schuldner-Beratung“" in plan.summary()
    assert counts(atlas)[:2] == (32, 0)  # preparing writes nothing

    result = imp.apply(atlas, plan, skip_invalid=True)
    assert (result.created, result.skipped_invalid) == (17, 2)
    assert [t.label for t in result.terms_created] == NEW  # not the broken rows' names
    assert "Neu angelegt: " + ", ".join(NEW) + "." in result.summary()
    assert result.quarters_without_boundary == ("Alt-Oberhausen", "Lirich")
    categories = term_names(atlas, m.Vocabulary.CATEGORY)
    assert {"Beratung", "Arbeit", "Schuldner-Beratung", "Schuldnerberatung"} <= set(categories)
    assert "Nur-Hier-Kategorie" not in categories and len(categories) == 16
    assert "Verein" in term_names(atlas, m.Vocabulary.SECTOR)
    quarters = dict((name, qid) for qid, name in atlas.quarters.choices())
    assert sorted(quarters) == ["Alt-Oberhausen", "Lirich"]
    assert all(not atlas.quarters.get(q).values["boundary_geojson"] for q in quarters.values())
    colors = {t.name: t.color for t in atlas.taxonomy.terms(m.Vocabulary.CATEGORY)}
    assert colors["Beratung"] and colors["Arbeit"] and colors["Beratung"] != colors["Arbeit"]
    # Linked and searchable like a form's record.
    service = atlas.institutions
    lirich = [service.get(i).values["name"] for i in service.list_ids("lirich")]
    assert "Kita Regenbogen" in lirich and "Seniorentreff Lirich" in lirich
    by_name = {service.get(i).values["name"]: service.get(i).values for i in service.list_ids()}
    assert by_name["Arbeitslosenzentrum"]["quarter_id"] == quarters["Alt-Oberhausen"]
    kita = by_name["Kita Regenbogen"]["category_id"]
    assert kita == next(
        t.id for t in atlas.taxonomy.terms(m.Vocabulary.CATEGORY) if t.name == "Kinderbetreuung"
    )
    assert [service.get(i).values["name"] for i in service.list_ids("schuldner-beratung")] == [
        "Caritas Schuldnerhilfe",
        "Schuldnerberatung der Stadt",
    ]


def test_target_groups_in_one_cell_matched_by_folding_or_created(tmp_path: Path, atlas: Atlas) -> None:
    imp.apply(atlas, plan_of(atlas, write_csv(tmp_path / "e.csv", GOOD)))
    header = ["Angebot", "Einrichtung", "Kategorie", "Zielgruppen"]
    rows = [
        [
            "Sprechstunde",
            "Caritas Schuldnerhilfe",
            "Beratung",
            "Alleinerziehende, Senioren, aeltere  menschen",
        ],
        ["Bewerbungscafé", "Jobcenter Mitte", "Arbeit", "Langzeitarbeitslose; senioren"],
        ["Krabbelgruppe", "Kita Sonnenschein", "Kinderbetreuung", "Familien, Eltern mit Kindern unter 3"],
    ]
    plan = plan_of(atlas, write_csv(tmp_path / "a.csv", rows, header), kind="offer")
    assert not plan.errors
    assert [t.label for t in plan.new_terms] == [
        "Zielgruppe „Senioren“",
        "Zielgruppe „Eltern mit Kindern unter 3“",
    ]
    result = imp.apply(atlas, plan)
    assert result.created == 3 and "Neu angelegt: Zielgruppe „Senioren“" in result.summary()
    groups = {t.id: t.name for t in atlas.taxonomy.terms(m.Vocabulary.TARGET_GROUP)}
    offers = {
        atlas.offers.get(i).values["title"]: atlas.offers.get(i).values for i in atlas.offers.list_ids()
    }
    assert sorted(groups[g] for g in offers["Sprechstunde"]["target_groups"]) == [
        "Alleinerziehende",
        "Senioren",
        "Ältere Menschen",
    ]
    assert sorted(groups[g] for g in offers["Bewerbungscafé"]["target_groups"]) == [
        "Langzeitarbeitslose",
        "Senioren",
    ]
    assert atlas.offers.list_ids("senioren")  # indexed with the new name


def test_no_new_terms_refuses_them_as_before(tmp_path: Path, atlas: Atlas) -> None:
    plan = plan_of(atlas, write_csv(tmp_path / "l.csv", GOOD), create_terms=False)
    assert len(plan.valid_rows) == 0 and plan.new_terms == ()  # the issue: 0 of 17
    messages = {e.message for e in plan.errors}
    assert "Das Quartier „Alt-Oberhausen“ gibt es nicht. Vorhanden: –" in messages
    assert any(
        msg.startswith("Kategorie „Beratung“ gibt es nicht. Vorhanden: Ausbildung,") for msg in messages
    )
    with pytest.raises(imp.ImportRefused):
        imp.apply(atlas, plan)
    assert counts(atlas) == (32, 0, 0)


def test_cancel_or_failure_leaves_no_new_terms(tmp_path: Path, atlas: Atlas) -> None:
    before = counts(atlas)
    plan = plan_of(atlas, write_csv(tmp_path / "l.csv", GOOD))
    with pytest.raises(imp.ImportCancelled):
        imp.apply(atlas, plan, cancelled=lambda: True)
    assert counts(atlas) == before
    # A failure after the terms and the new rows were written rolls them back too: an
    # existing record to merge into is deleted between preview and import.
    kept = atlas.institutions.save(None, {"name": "Caritas Schuldnerhilfe", "postcode": "46045"})
    before = counts(atlas)
    plan = plan_of(atlas, write_csv(tmp_path / "l.csv", GOOD))
    assert plan.duplicate_of(2) is not None and len(plan.new_terms) == 6
    atlas.institutions.delete(kept.id)
    with pytest.raises(imp.ImportFailed, match="inzwischen gelöscht"):
        imp.apply(atlas, plan, default_choice="merge")
    assert counts(atlas) == (before[0], before[1], before[2] - 1)
    assert "Beratung" not in term_names(atlas, m.Vocabulary.CATEGORY)
    # And a chosen term deleted meanwhile: refused, nothing written.
    chosen = atlas.taxonomy.save(m.Vocabulary.CATEGORY, None, "Schuldner- und Insolvenzberatung")
    key = plan.new_term("category", "Schuldner-Beratung").key  # type: ignore[union-attr]
    atlas.taxonomy.delete(chosen)
    with pytest.raises(imp.ImportFailed, match="gewählten Eintrag gibt es nicht mehr"):
        imp.apply(
            atlas,
            plan_of(atlas, write_csv(tmp_path / "l.csv", GOOD)),
            term_choices={("category", key): chosen},
        )
    assert counts(atlas) == (before[0], before[1], before[2] - 1)


def test_a_name_can_be_mapped_to_an_existing_term_and_the_choice_is_remembered(
    tmp_path: Path, atlas: Atlas
) -> None:
    plan = plan_of(atlas, write_csv(tmp_path / "l.csv", GOOD))
    schuldner = plan.new_term("category", "Schuldner-Beratung")
    assert schuldner is not None
    target = next(t for t in atlas.taxonomy.terms(m.Vocabulary.CATEGORY) if t.name == "Schuldnerberatung")
    result = imp.apply(atlas, plan, term_choices={("category", schuldner.key): target.id})
    assert [t.label for t in result.terms_created] == [n for n in NEW if "Schuldner" not in n]
    assert "Zugeordnet: Kategorie „Schuldner-Beratung“ → „Schuldnerberatung“." in result.summary()
    assert "Schuldner-Beratung" not in term_names(atlas, m.Vocabulary.CATEGORY)
    usage = {t.name: t.usage for t in atlas.taxonomy.terms(m.Vocabulary.CATEGORY)}
    assert usage["Schuldnerberatung"] == 2

    store = imp.MappingStore(tmp_path / "config")
    store.save("institution", ["Einrichtung"], {0: "name"})
    store.save_terms({("category", schuldner.key): "Schuldnerberatung", ("quarter", "x"): None})
    store.save("offer", ["Angebot"], {0: "title"})  # the column mappings keep the term choices
    again = imp.MappingStore(tmp_path / "config")
    assert again.load_terms() == {("category", "schuldner-beratung"): "Schuldnerberatung"}
    assert again.load("institution") == {"einrichtung": "name"}
    other = [["Neue Stelle", "", "", "", "schuldner-beratung", "", "", ""]]
    plan = plan_of(atlas, write_csv(tmp_path / "n.csv", other))
    assert imp.remembered_choices(atlas, plan, again.load_terms()) == {
        ("category", "schuldner-beratung"): target.id
    }
    again.save_terms({("category", "schuldner-beratung"): None})  # created this time: forgotten
    assert imp.MappingStore(tmp_path / "config").load_terms() == {}


# -- the command line ----------------------------------------------------------------------


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )


def test_cli_creates_new_terms_and_no_new_terms_refuses(tmp_path: Path) -> None:
    db = tmp_path / "atlas.sqlite"
    source = write_csv(tmp_path / "liste.csv", [*GOOD, *BROKEN])
    refused = run(tmp_path, "--db", str(db), "import", "institutions", str(source), "--no-new-terms")
    assert refused.returncode == 1
    assert "Spalte „Stadtteil“: Das Quartier „Alt-Oberhausen“ gibt es nicht. Vorhanden: –" in refused.stderr
    assert "Es wurde nichts importiert: 19 Zeile(n)" in refused.stderr
    assert "Neu" not in refused.stdout

    # The window's remembered choice is used (one remembered term that is not there is
    # not); other names are created, never matched by similarity.
    config = tmp_path / "config" / "Stadtteil-Atlas"
    config.mkdir(parents=True)
    remembered = {"quarter": {"lirich": "Lirich-Süd"}, "sector": {"verein": "Verein / Initiative"}}
    (config / imp.MappingStore.FILE).write_text(
        json.dumps({"version": 1, "mappings": {}, "terms": remembered}), encoding="utf-8"
    )
    db2 = tmp_path / "neu.sqlite"
    dry = run(tmp_path, "--db", str(db2), "import", "institutions", str(source), "--dry-run")
    assert "Würde neu angelegt: Kategorie „Schuldner-Beratung“ (ähnlich: „Schuldnerberatung“" in dry.stdout
    assert "Sektor „Verein“ → „Verein / Initiative“ (Zuordnung aus dem Fenster)" in dry.stdout
    result = run(tmp_path, "--db", str(db2), "import", "institutions", str(source), "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert "17 importiert" in result.stdout and "2 fehlerhafte Zeile(n) übersprungen" in result.stdout
    created = [n for n in NEW if "Verein" not in n]
    assert "Neu angelegt: " + ", ".join(created) + "." in result.stdout
    assert "Zugeordnet: Sektor „Verein“ → „Verein / Initiative“." in result.stdout
    assert "Noch ohne Grenze (nicht auf der Karte): Alt-Oberhausen, Lirich." in result.stdout
    assert f"Bericht: {tmp_path / 'liste-abgelehnt.csv'}" in result.stderr


def test_rejects_report_goes_to_documents_when_the_lists_folder_takes_no_file(
    tmp_path: Path, atlas: Atlas
) -> None:
    assert imp.writable_folder(tmp_path)
    blocker = tmp_path / "eine-datei"
    blocker.write_text("x")
    assert not imp.writable_folder(blocker)  # a "folder" that is a file: even root cannot
    assert not imp.writable_folder(Path("/proc"))
    documents = tmp_path / "Dokumente"
    assert imp.rejects_path(blocker / "liste.csv", documents) == documents / "liste-abgelehnt.csv"
    assert imp.rejects_path(tmp_path / "liste.csv", documents) == tmp_path / "liste-abgelehnt.csv"

    # The list read through /proc/self/fd: its "folder" takes no file, not even from root.
    source = write_csv(tmp_path / "liste.csv", [*GOOD[:3], *BROKEN])
    fd = os.open(source, os.O_RDONLY)
    try:
        outcome = iocommands.import_list(
            atlas,
            "institutions",
            Path(f"/proc/self/fd/{fd}"),
            skip_invalid=True,
            mappings=imp.MappingStore(tmp_path / "config"),
            documents=documents,
        )
    finally:
        os.close(fd)
    assert outcome.code == 0, outcome.err
    report = documents / f"{fd}-abgelehnt.csv"
    assert report.exists()
    assert (
        f"2 fehlerhafte Zeile(n) nicht importiert; Bericht: {report} (im Ordner der Liste lässt sich nichts speichern)"
        in outcome.err
    )
    assert any("3 importiert" in line for line in outcome.out)


# -- the map says which quarters have no boundary yet --------------------------------------


def test_the_map_data_names_quarters_without_boundary(atlas: Atlas) -> None:
    from atlas.geo.mapdata import boundary_notes

    DAY = date(2025, 1, 1)

    square = {"type": "Polygon", "coordinates": [[[6.8, 51.4], [6.9, 51.4], [6.9, 51.5], [6.8, 51.4]]]}
    lirich = atlas.quarters.save(None, {"name": "Lirich"}).id
    atlas.quarters.save(None, {"name": "Alt-Oberhausen"})
    mitte = atlas.quarters.save(None, {"name": "Mitte", "boundary_geojson": json.dumps(square)}).id
    data = atlas.maps.data(today=DAY)
    assert data.notes == [
        "Quartier Alt-Oberhausen: noch keine Grenze – Orte → Quartiersgrenzen importieren",
        "Quartier Lirich: noch keine Grenze – Orte → Quartiersgrenzen importieren",
    ]
    assert json.loads(data.to_json())["notes"] == data.notes
    assert atlas.maps.data(today=DAY, quarter_id=mitte).notes == []
    assert len(atlas.maps.data(today=DAY, quarter_id=lirich).notes) == 1
    many = boundary_notes(["A", "B", "C", "D", "E"])
    assert many == ["5 Quartiere noch ohne Grenze (A, B, C …) – Orte → Quartiersgrenzen importieren"]
