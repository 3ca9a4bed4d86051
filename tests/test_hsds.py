"""Open Referral (HSDS 3.x): the public directory as a Tabular Data Package, and back."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from atlas import models as m
from atlas.core import Atlas
from atlas.io import hsds

# Runs again with the system date moved (./dev test): nothing may depend on the real day.
pytestmark = pytest.mark.dates

ROOT = Path(__file__).resolve().parents[1]


def directory(atlas: Atlas) -> dict[str, Any]:
    """The public directory as comparable values: institutions and their offers, by name."""
    terms = {t.id: t.name for v in m.Vocabulary for t in atlas.taxonomy.terms(v)}
    quarters = dict(atlas.quarters.choices())
    out: dict[str, Any] = {}
    names: dict[int, str] = {}
    for i in atlas.institutions.list_ids():
        v = atlas.institutions.get(i).values
        if not v["is_public"]:
            continue
        names[i] = v["name"]
        key = f"{v['name']}|{v['postcode']}"
        out[key] = {
            "category": terms.get(v["category_id"]),
            "sector": terms.get(v["sector_id"]),
            "quarter": quarters.get(v["quarter_id"]),
            **{
                k: (v[k].strip() if isinstance(v[k], str) else v[k])
                for k in (
                    "carrier",
                    "street",
                    "city",
                    "lat",
                    "lon",
                    "phone",
                    "email",
                    "website",
                    "opening_hours",
                    "accessibility",
                    "languages",
                )
            },
            "offers": [],
        }
    for o in atlas.offers.list_ids():
        v = atlas.offers.get(o).values
        if v["institution_id"] not in names:
            continue
        inst = atlas.institutions.get(v["institution_id"]).values
        out[f"{inst['name']}|{inst['postcode']}"]["offers"].append(
            (
                v["title"],
                (v["description"] or "").strip() or None,
                terms.get(v["category_id"]),
                sorted(terms[t] for t in v["target_groups"]),
                v["place"],
                v["schedule"],
                v["cost"],
                v["languages"],
                v["capacity"],
                v["valid_from"],
                v["valid_to"],
            )
        )
    for entry in out.values():
        entry["offers"].sort(key=repr)
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_package_is_a_tabular_data_package_with_hsds_tables(tmp_path: Path, demo: Atlas) -> None:
    target = tmp_path / "paket"
    result = hsds.export_package(demo, target)
    package = json.loads((target / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    names = {r["name"] for r in package["resources"]}
    assert {
        "organization", "service", "location", "service_at_location", "address", "phone", "schedule",
        "taxonomy", "taxonomy_term", "attribute", "language", "service_capacity", "unit",
    } <= names  # fmt: skip
    assert "contact" not in names
    for resource in package["resources"]:
        rows = list(csv.reader(io.StringIO((target / resource["path"]).read_text(encoding="utf-8"))))
        assert (
            rows[0]
            == [f["name"] for f in resource["schema"]["fields"]]
            == list(hsds.TABLES[resource["name"]])
        )
        ids = [r[0] for r in rows[1:]]
        assert len(ids) == len(set(ids)), resource["name"]  # unique ids
    orgs = {o["id"]: o for o in read_csv(target / "organization.csv")}
    locations = {x["id"] for x in read_csv(target / "location.csv")}
    services = read_csv(target / "service.csv")
    assert result.services == len(services) > 0
    assert all(s["organization_id"] in orgs and s["status"] in ("active", "inactive") for s in services)
    assert all(x["location_id"] in locations for x in read_csv(target / "service_at_location.csv"))
    terms = {t["id"]: t for t in read_csv(target / "taxonomy_term.csv")}
    attributes = read_csv(target / "attribute.csv")
    assert all(a["taxonomy_term_id"] in terms for a in attributes)
    assert {a["link_type"] for a in attributes} == {"category", "target_group", "sector"}
    schedules = read_csv(target / "schedule.csv")
    assert any(s["description"] and s["service_id"] for s in schedules)  # schedules as text
    addresses = read_csv(target / "address.csv")
    assert all(a["country"] == "DE" for a in addresses) and any(a["region"] for a in addresses)
    # Carriers are parent organizations.
    carriers = [o for o in orgs.values() if o["description"] == "Träger"]
    assert carriers and any(o["parent_organization_id"] == carriers[0]["id"] for o in orgs.values())


def test_round_trip_into_an_empty_database_gives_the_same_directory(
    tmp_path: Path, demo: Atlas, empty: Atlas
) -> None:
    target = tmp_path / "paket"
    exported = hsds.export_package(demo, target)
    result = hsds.import_package(empty, target)
    assert result.institutions == exported.organizations and result.offers == exported.services
    assert result.contacts == 0 and result.skipped_invalid == ()
    assert set(result.quarters_created) == {name for _i, name in demo.quarters.choices()}
    assert directory(empty) == directory(demo)
    assert "Einrichtungen" in result.summary()
    # Searchable at once (the index was written in the same transaction).
    some = next(iter(directory(demo)))
    assert empty.institutions.list_ids(some.split("|")[0])
    # Importing the same package again adds nothing.
    again = hsds.import_package(empty, target)
    assert (again.institutions, again.offers) == (0, 0)
    assert again.skipped_duplicates == exported.organizations + exported.services


def test_the_import_frees_the_packages_rows_a_batch_at_a_time(
    tmp_path: Path, demo: Atlas, empty: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Freed at the return, the rows of a package of 10,000 organisations were one C-level
    cascade that held the GIL ~150 ms (the window stalled); the import empties them in
    batches itself (atlas.progress.release) before it returns."""
    from atlas.io import hsds_import

    read: list[dict[str, list[dict[str, str]]]] = []

    def reading(source: Path | str) -> dict[str, list[dict[str, str]]]:
        tables = real(source)
        read.append(tables)
        return tables

    real = hsds_import.read_package
    monkeypatch.setattr(hsds_import, "read_package", reading)
    target = tmp_path / "paket.zip"
    exported = hsds.export_package(demo, target)
    result = hsds.import_package(empty, target)
    assert result.institutions == exported.organizations and result.offers == exported.services
    (tables,) = read
    assert tables["organization"] == [] and tables["service"] == []
    assert all(rows == [] for rows in tables.values())
    assert directory(empty) == directory(demo)  # and nothing of the import is missing


def test_zip_package_round_trip(tmp_path: Path, demo: Atlas, empty: Atlas) -> None:
    target = tmp_path / "wegweiser.zip"
    hsds.export_package(demo, target)
    with zipfile.ZipFile(target) as archive:
        assert "datapackage.json" in archive.namelist()
    hsds.import_package(empty, target)
    assert directory(empty) == directory(demo)


def test_personal_contact_data_only_when_asked(tmp_path: Path, demo: Atlas, empty: Atlas) -> None:
    contact = demo.contacts.get(demo.contacts.list_ids()[0]).values
    public = tmp_path / "oeffentlich.zip"
    hsds.export_package(demo, public)
    with zipfile.ZipFile(public) as archive:
        content = b"".join(archive.read(n) for n in archive.namelist()).decode("utf-8")
    assert "contact.csv" not in content and contact["last_name"] not in content
    if contact["email"]:
        assert contact["email"] not in content
    private = tmp_path / "mit-kontakten"
    result = hsds.export_package(demo, private, include_contacts=True)
    assert result.contacts > 0 and "personenbezogen" in result.summary()
    rows = read_csv(private / "contact.csv")
    assert len(rows) == result.contacts
    imported = hsds.import_package(empty, private)
    assert imported.contacts == result.contacts


def test_notes_and_hidden_institutions_stay_private(tmp_path: Path, demo: Atlas) -> None:
    ids = demo.institutions.list_ids()
    demo.institutions.save(ids[0], {"is_public": False, "notes": "streng vertraulich"})
    hidden = demo.institutions.get(ids[0]).values["name"]
    demo.institutions.save(ids[1], {"notes": "interne Notiz XYZ"})
    target = tmp_path / "p"
    hsds.export_package(demo, target)
    text = "".join(p.read_text(encoding="utf-8") for p in target.iterdir())
    assert "streng vertraulich" not in text and "interne Notiz XYZ" not in text
    assert hidden not in {o["name"] for o in read_csv(target / "organization.csv")}


def test_export_into_a_folder_replaces_an_old_package_but_not_other_files(
    tmp_path: Path, demo: Atlas
) -> None:
    target = tmp_path / "paket"
    hsds.export_package(demo, target)
    (target / "organization.csv").write_text("alt", encoding="utf-8")
    hsds.export_package(demo, target)
    assert (target / "organization.csv").read_text(encoding="utf-8").startswith("id,name")
    other = tmp_path / "fotos"
    other.mkdir()
    (other / "bild.jpg").write_bytes(b"x")
    with pytest.raises(hsds.HsdsError, match="nicht leer"):
        hsds.export_package(demo, other)
    assert [p.name for p in other.iterdir()] == ["bild.jpg"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folders left


def test_import_of_a_foreign_package_with_errors(tmp_path: Path, empty: Atlas) -> None:
    """Another publisher's package: other taxonomy, a broken e-mail, a service without organization."""
    folder = tmp_path / "fremd"
    folder.mkdir()

    def write(name: str, rows: list[dict[str, str]]) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        (folder / f"{name}.csv").write_text(buffer.getvalue(), encoding="utf-8")

    write(
        "organization",
        [
            {"id": "o1", "name": "Tafel Nord", "description": "x", "email": "tafel@example.org", "parent_organization_id": ""},
            {"id": "o2", "name": "Kaputt", "description": "x", "email": "nicht-gültig", "parent_organization_id": ""},
        ],
    )  # fmt: skip
    write("location", [{"id": "l1", "organization_id": "o1", "latitude": "51.5", "longitude": "6.9"}])
    write("address", [{"id": "a1", "location_id": "l1", "address_1": "Nordstr. 1", "city": "Oberhausen",
                       "postal_code": "46117", "region": "Osterfeld"}])  # fmt: skip
    write("service", [{"id": "s1", "organization_id": "o1", "name": "Lebensmittelausgabe", "description": "Di"},
                      {"id": "s2", "organization_id": "o9", "name": "Waise", "description": ""}])  # fmt: skip
    write("taxonomy", [{"id": "t1", "name": "Open Eligibility", "description": ""}])
    write(
        "taxonomy_term",
        [{"id": "tt1", "name": "Food", "taxonomy_id": "t1", "taxonomy": "Open Eligibility categories"}],
    )
    write(
        "attribute",
        [
            {
                "id": "at1",
                "link_id": "s1",
                "taxonomy_term_id": "tt1",
                "link_type": "",
                "link_entity": "service",
            }
        ],
    )
    with pytest.raises(hsds.HsdsRefused) as info:
        hsds.import_package(empty, folder)
    assert "Keine gültige E-Mail-Adresse: nicht-gültig" in str(info.value)
    assert "„Waise“" in str(info.value)
    assert empty.institutions.count() == 0 and empty.quarters.count() == 0
    result = hsds.import_package(empty, folder, skip_invalid=True)
    assert (result.institutions, result.offers, len(result.skipped_invalid)) == (1, 1, 2)
    assert result.quarters_created == ("Osterfeld",) and result.terms_created == ("Food",)
    with empty.sessions() as session:
        status = session.scalar(select(m.Institution.geocode_status))
    assert status == "manual"  # the package's pin is kept from the geocoder
    offer = empty.offers.get(empty.offers.list_ids()[0]).values
    food = next(t for t in empty.taxonomy.terms(m.Vocabulary.CATEGORY) if t.name == "Food")
    assert offer["category_id"] == food.id


def test_not_a_package_is_refused(tmp_path: Path, empty: Atlas) -> None:
    with pytest.raises(hsds.HsdsError, match="weder ein Ordner"):
        hsds.import_package(empty, tmp_path / "nichts.txt")
    (tmp_path / "leer").mkdir()
    with pytest.raises(hsds.HsdsError, match=r"organization\.csv"):
        hsds.import_package(empty, tmp_path / "leer")


FORMULA_NAMES = ('=HYPERLINK("https://example.org/","klick")', "+1 Beratung", "-1 Treff", "@SUM(A1:A2)")


def test_formula_cells_are_neutralised_and_the_import_takes_it_off_again(
    tmp_path: Path, atlas: Atlas, empty: Atlas
) -> None:
    """Like every CSV the program writes (``atlas.files.neutralise``): a leading ``'``, which
    the import, like the list import (``atlas.io.tables``), takes off again."""
    from atlas.files import FORMULA_STARTS
    from atlas.io.hsds_common import HSDS_NUMBERS
    from tests import hostile

    for number, name in enumerate((*FORMULA_NAMES, hostile.NAME)):
        inst = atlas.institutions.save(
            None,
            {
                "name": name,
                "carrier": name,
                "street": f"{name} 1",
                "postcode": f"4604{number}",
                "city": "Oberhausen",
                "lat": 51.47,
                "lon": -0.5,  # a negative number stays a number
                "phone": "+49 208 12345",
            },
        )
        atlas.offers.save(None, {"title": name, "institution_id": inst.id, "description": name})
    target = tmp_path / "paket"
    hsds.export_package(atlas, target)

    organizations = read_csv(target / "organization.csv")
    assert {o["name"] for o in organizations} == {"'" + n for n in FORMULA_NAMES} | {hostile.NAME}
    assert {s["name"] for s in read_csv(target / "service.csv")} == {o["name"] for o in organizations}
    assert {p["number"] for p in read_csv(target / "phone.csv")} == {"'+49 208 12345"}
    assert {row["longitude"] for row in read_csv(target / "location.csv")} == {"-0.5"}
    for path in target.glob("*.csv"):
        for row in read_csv(path):
            for column, value in row.items():
                assert column in HSDS_NUMBERS or not value.startswith(FORMULA_STARTS), (
                    path.name,
                    column,
                    value,
                )

    hsds.import_package(empty, target)
    assert directory(empty) == directory(atlas)
    imported = {empty.institutions.get(i).values["name"] for i in empty.institutions.list_ids()}
    assert imported == {*FORMULA_NAMES, hostile.NAME}
    assert {empty.institutions.get(i).values["phone"] for i in empty.institutions.list_ids()} == {
        "+49 208 12345"
    }


def test_tab_and_carriage_return_before_a_formula_are_neutralised_too() -> None:
    """The forms strip them off the ends; a package built from other data may still hold them."""
    import datetime as dt

    from atlas.io.hsds_export import package_files

    rows = [{"id": "a", "name": "\t=1+1"}, {"id": "b", "name": "\r=1+1"}, {"id": "c", "name": "=1+1"}]
    files = package_files({"organization": rows}, dt.datetime(2026, 11, 16))
    text = files["organization.csv"].decode("utf-8")
    names = [row["name"] for row in csv.DictReader(io.StringIO(text))]
    assert names == ["'\t=1+1", "'\r=1+1", "'=1+1"]
