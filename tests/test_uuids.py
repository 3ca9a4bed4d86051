"""Stable identities (issue 14, step 1): every record that can travel has a UUID — given by
default on every insert, backfilled by migration 0006 on both backends, kept by a merge,
a transfer and an Open Referral (HSDS) round trip; a package's id that is not a proper,
unused UUID is not taken."""

from __future__ import annotations

import csv
import threading
import uuid
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from atlas import models as m
from atlas.core import Atlas
from atlas.io import hsds
from atlas.io.hsds_import import canonical_uuid
from db import migrate
from db.migrate import head_revision, open_database

TRAVELLING = [t for t in m.Base.metadata.sorted_tables if "uuid" in t.c and not t.name.startswith("travel_")]


def is_uuid4(text: str) -> bool:
    return uuid.UUID(text).version == 4 and str(uuid.UUID(text)) == text


def test_the_travelling_tables_are_the_records_and_not_the_links() -> None:
    assert {t.name for t in TRAVELLING} == {
        "term", "quarter", "institution", "offer", "contact", "actor", "round_table", "meeting", "agreement",
        "follow_up", "actor_status_event", "actor_override",
    }  # fmt: skip
    for table in TRAVELLING:
        assert not table.c.uuid.nullable
        assert any(ix.unique and [c.name for c in ix.columns] == ["uuid"] for ix in table.indexes)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0006_backfills_unique_uuids(
    backend: str, db_path: Path, request: pytest.FixtureRequest
) -> None:
    url = f"sqlite:///{db_path}" if backend == "sqlite" else request.getfixturevalue("bare_pg")
    engine = create_engine(url)  # on SQLite without foreign keys, as the program migrates
    rows = 2345  # more than one batch of the backfill
    try:
        with engine.begin() as conn:
            cfg = migrate.alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0005")
            conn.execute(
                text("INSERT INTO institution (name, version) VALUES (:name, 1)"),
                [{"name": f"Einrichtung {i}"} for i in range(rows)],
            )
            conn.execute(text("INSERT INTO quarter (name, version) VALUES ('Mitte', 1)"))
            conn.execute(
                text("INSERT INTO contact (institution_id, last_name, version) VALUES (1, 'Muster', 1)")
            )
    finally:
        engine.dispose()

    result = open_database(db_path if backend == "sqlite" else url)
    try:
        assert (result.revision_before, result.revision_now) == ("0005", head_revision())
        with result.engine.connect() as conn:
            got = {t.name: conn.execute(select(t.c.uuid)).scalars().all() for t in TRAVELLING}
            ids = conn.execute(select(m.Institution.id).order_by(m.Institution.id)).scalars().all()
        assert len(got["institution"]) == rows and ids == list(range(1, rows + 1))  # rows and ids kept
        assert len(got["quarter"]) == 1 and len(got["contact"]) == 1
        everything = [u for values in got.values() for u in values]
        assert all(is_uuid4(u) for u in everything) and len(set(everything)) == len(everything)
        with pytest.raises(IntegrityError), result.engine.begin() as conn:  # the unique index
            conn.execute(
                text("INSERT INTO institution (name, uuid, version) VALUES ('Doppelt', :u, 1)"),
                {"u": got["institution"][0]},
            )
        # and back: downgrade drops the column again, rows stay
        with result.engine.begin() as conn:
            cfg = migrate.alembic_config()
            cfg.attributes["connection"] = conn
            if backend == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            command.downgrade(cfg, "0005")
        columns = {c["name"] for c in inspect(result.engine).get_columns("institution")}
        with result.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM institution")).scalar_one() == rows
            assert conn.execute(text("SELECT count(*) FROM contact")).scalar_one() == 1
    finally:
        result.engine.dispose()
    assert "uuid" not in columns


def test_every_new_record_gets_one(atlas: Atlas) -> None:
    inst = atlas.records["institution"].save(None, {"name": "Stadtteilbüro"})
    contact = atlas.records["contact"].save(None, {"last_name": "Muster", "institution_id": inst.id})
    offer = atlas.records["offer"].save(None, {"title": "Sprechstunde", "institution_id": inst.id})
    with atlas.sessions() as session:
        made = [session.get(model, i).uuid for model, i in ((m.Institution, inst.id), (m.Contact, contact.id), (m.Offer, offer.id))]  # type: ignore[union-attr]  # fmt: skip
        # a Core insert (like an import or a transfer without the column) gets one too
        session.execute(m.Term.__table__.insert().values(vocabulary="category", name="Eigene"))
        term = session.scalar(select(m.Term.uuid).where(m.Term.name == "Eigene"))
        seeded = session.scalars(select(m.Term.uuid)).all()
        session.commit()
    assert all(is_uuid4(u) for u in [*made, term, *seeded]) and len(set(seeded)) == len(seeded)


def test_a_list_import_gives_every_row_its_own(tmp_path: Path, atlas: Atlas) -> None:
    """The import writes a chunk in one bulk INSERT: the default still runs per row."""
    from atlas.io import importing as imp

    path = tmp_path / "liste.csv"
    lines = ["Einrichtung;Ansprechpartner"] + [f"Einrichtung {i};Person {i}" for i in range(300)]
    path.write_text("\n".join(lines), encoding="utf-8")
    table = imp.read_table(path)
    imp.apply(
        atlas, imp.prepare(atlas, "institution", table, imp.suggest_mapping("institution", table.headers))
    )
    with atlas.sessions() as session:
        made = session.scalars(select(m.Institution.uuid)).all()
        people = session.scalars(select(m.Contact.uuid)).all()
    assert len(made) == 300 and len(set(made)) == 300 and all(is_uuid4(u) for u in made)
    assert len(people) == 300 and len(set(people)) == 300  # the contact person column


@pytest.mark.both_backends
def test_two_programs_creating_at_once_never_collide(atlas: Atlas, other: Atlas) -> None:
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def create(program: Atlas, who: str) -> None:
        try:
            start.wait()
            for i in range(40):
                program.records["institution"].save(None, {"name": f"{who} {i}"}, confirm_duplicate=True)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=create, args=(p, w)) for p, w in ((atlas, "A"), (other, "B"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with atlas.sessions() as session:
        uuids = session.scalars(select(m.Institution.uuid)).all()
    assert len(uuids) == 80 and len(set(uuids)) == 80


def test_a_merge_keeps_the_survivors_uuid(atlas: Atlas) -> None:
    service = atlas.records["institution"]
    a = service.get(service.save(None, {"name": "Kita Regenbogen", "phone": "0208 111111"}).id)
    b = service.get(
        service.save(None, {"name": "Kita Regenbogen", "phone": "0208 222222"}, confirm_duplicate=True).id
    )
    with atlas.sessions() as session:
        before = {i: session.get(m.Institution, i).uuid for i in (a.id, b.id)}  # type: ignore[union-attr]
    merged = atlas.merging.merge("institution", a, b, {**a.values, "phone": "0208 222222"})
    with atlas.sessions() as session:
        assert session.scalars(select(m.Institution.uuid)).all() == [before[a.id]]
    atlas.merging.unmerge(merged)  # the dropped record comes back with its own
    with atlas.sessions() as session:
        assert dict(session.execute(select(m.Institution.id, m.Institution.uuid)).all()) == before


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def identities(program: Atlas) -> dict[str, dict[str, str]]:
    """Each record's UUID by what a person would call it."""
    with program.sessions() as session:
        return {
            "institution": dict(session.execute(select(m.Institution.name, m.Institution.uuid)).all()),
            "offer": {
                f"{n}|{t}": u
                for n, t, u in session.execute(
                    select(m.Institution.name, m.Offer.title, m.Offer.uuid).join(m.Offer.institution)
                )
            },
            "contact": {
                f"{f} {last}": u
                for f, last, u in session.execute(
                    select(m.Contact.first_name, m.Contact.last_name, m.Contact.uuid)
                )
            },
        }


def test_the_hsds_export_uses_the_records_uuids_and_the_import_keeps_them(
    tmp_path: Path, demo: Atlas, empty: Atlas
) -> None:
    target = tmp_path / "paket"
    hsds.export_package(demo, target, include_contacts=True)
    mine = identities(demo)
    orgs = {o["id"] for o in read_csv(target / "organization.csv")}
    services = {s["id"] for s in read_csv(target / "service.csv")}
    contacts = {c["id"] for c in read_csv(target / "contact.csv")}
    with demo.sessions() as session:
        public = set(session.scalars(select(m.Institution.uuid).where(m.Institution.is_public.is_(True))))
        terms = set(session.scalars(select(m.Term.uuid)))
    assert public <= orgs  # the others are carriers (no record of their own)
    assert services <= set(mine["offer"].values()) and contacts <= set(mine["contact"].values())
    assert {t["id"] for t in read_csv(target / "taxonomy_term.csv")} <= terms
    # a location is not a record: its id is derived from the institution's UUID
    locations = read_csv(target / "location.csv")
    assert (
        not {loc["id"] for loc in locations} & orgs
        and {loc["organization_id"] for loc in locations} == public
    )
    hsds.export_package(demo, tmp_path / "nochmal", include_contacts=True)
    assert read_csv(tmp_path / "nochmal" / "location.csv") == locations  # stable between exports

    result = hsds.import_package(empty, target)
    assert result.skipped_invalid == () and result.contacts == len(contacts)
    theirs = identities(empty)
    for kind in ("institution", "offer", "contact"):
        assert theirs[kind] and all(mine[kind][k] == u for k, u in theirs[kind].items()), kind


def test_a_package_id_that_is_no_proper_unused_uuid_is_not_taken(tmp_path: Path, empty: Atlas) -> None:
    taken = empty.records["institution"].save(None, {"name": "Schon da"})
    with empty.sessions() as session:
        used = session.get(m.Institution, taken.id).uuid  # type: ignore[union-attr]
    good = "7d3c0a2e-1b2c-4d5e-8f90-123456789abc"
    ids = {
        "Fremd": "org-17",
        "Versteckt": "{" + good + "}",
        "Ohne Striche": good.replace("-", ""),
        "Nil": "00000000-0000-0000-0000-000000000000",
        "Riesig": "x" * 10_000,
        "Belegt": used,
        "Gut": good,
        "Doppelt": good.upper(),  # the same UUID a second time in the package
        "Gross": "A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D",
    }
    folder = tmp_path / "fremd"
    folder.mkdir()
    with (folder / "organization.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "name", "description"])
        writer.writeheader()
        writer.writerows({"id": i, "name": n, "description": "x"} for n, i in ids.items())
    result = hsds.import_package(empty, folder)
    assert result.institutions == len(ids)
    got = identities(empty)["institution"]
    assert got["Gut"] == good and got["Gross"] == ids["Gross"].lower() and got["Schon da"] == used
    for name in ("Fremd", "Versteckt", "Ohne Striche", "Nil", "Riesig", "Belegt", "Doppelt"):
        assert is_uuid4(got[name]) and got[name] not in (good, used), name
    assert len(set(got.values())) == len(got)


def test_canonical_uuid() -> None:
    assert canonical_uuid("7D3C0A2E-1B2C-4D5E-8F90-123456789ABC") == "7d3c0a2e-1b2c-4d5e-8f90-123456789abc"
    for text_ in (None, "", "urn:uuid:7d3c0a2e-1b2c-4d5e-8f90-123456789abc", "7d3c0a2e1b2c4d5e8f90123456789abc",
                  "ffffffff-ffff-ffff-ffff-ffffffffffff", "7d3c0a2e-1b2c-4d5e-8f90-123456789abg"):  # fmt: skip
        assert canonical_uuid(text_) is None, text_


def test_the_search_for_a_persons_mentions_leaves_uuids_alone() -> None:
    """Erasure replaces mentions of a person in text: a UUID is no text ("ebba", digits)."""
    from atlas.records import mentions

    searched = {(t.name, c) for t, columns in mentions.text_columns() for c in columns}
    assert ("institution", "notes") in searched
    assert not {c for _t, c in searched} & {"uuid"}
