"""Art. 17 that is complete and stays complete: every mention of the person in every
text field goes with her, nothing of her is left in the file, the exports made
afterwards, the program's copies, or an older copy brought back (issue 11 §5)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from atlas import models as m
from atlas.core import Atlas
from atlas.io import exporting
from atlas.io.hsds_export import export_package
from atlas.privacy.rights import CONTROLLER_KEY, SALT_KEY
from atlas.records import mentions
from atlas.records.mentions import Matcher, Person

pytestmark = pytest.mark.dates

AYLIN = Person(None, "Aylin", "Müller", "aylin.mueller@example.org", "0208 / 12 34-56")
# Every way she is written somewhere in the database below.
VARIANTS = (
    "Aylin Müller",
    "MÜLLER, AYLIN",
    "Mueller Aylin",
    "A. Müller",
    "A.Müller",
    "Müller, A.",
    "Aylin Muller",
    "aylin.mueller@example.org",
    "0208 / 12 34-56",
    "+49 208 123456",
    "020812-3456",
)
# Someone else who must stay: the surname alone is not a mention of her.
BERND = ("Bernd Müller", "B. Müller", "Herr Müller")


def _with_mentions(atlas: Atlas) -> dict[str, int]:
    q = atlas.quarters.save(None, {"name": "Styrum", "notes": "Quartiersbüro: Müller, A."}).id
    inst = atlas.institutions.save(
        None,
        {
            "name": "Familienzentrum",
            "quarter_id": q,
            "notes": "Ansprechpartnerin Aylin Müller (Tel. 0208 / 12 34-56); vertreten von Bernd Müller.",
        },
    ).id
    aylin = atlas.contacts.save(
        None,
        {"first_name": "Aylin", "last_name": "Müller", "institution_id": inst,
         "email": "aylin.mueller@example.org", "phone": "0208 / 12 34-56", "notes": "spricht Türkisch"},
    ).id  # fmt: skip
    bernd = atlas.contacts.save(
        None,
        {"first_name": "Bernd", "last_name": "Müller", "institution_id": inst, "email": "b.mueller@example.org",
         "notes": "Vertritt MÜLLER, AYLIN im Urlaub. B. Müller ist Herr Müller."},
    ).id  # fmt: skip
    offer = atlas.offers.save(
        None,
        {
            "title": "Elterncafé",
            "institution_id": inst,
            "description": "Leitung: A.Müller, Anmeldung 020812-3456",
        },
    )
    actor = atlas.actors.save(
        None,
        {"name": "Familienzentrum", "institution_id": inst, "status": "aktiv",
         "contact_id": aylin, "notes": "Kontakt über Mueller Aylin, sonst Bernd Müller"},
    ).id  # fmt: skip
    own = atlas.actors.save(None, {"name": "Aylin Müller", "contact_id": aylin, "status": "informiert"}).id
    rt = (
        atlas.records["round_table"]
        .save(None, {"name": "RT Styrum", "notes": "Einladung an aylin.mueller@example.org"})
        .id
    )
    meeting = (
        atlas.records["meeting"]
        .save(
            None,
            {"title": "Runder Tisch März", "kind": "runder_tisch", "starts_at": "10.03.2026 10:00",
             "round_table_id": rt, "agenda": "TOP 2: Bericht A. Müller\nTOP 3: Verschiedenes",
             "minutes": "Aylin Muller berichtet. Rückfragen an +49 208 123456. B. Müller protokolliert."},
        )
        .id
    )  # fmt: skip
    atlas.network.save_attendance(meeting, [(actor, aylin), (own, aylin), (actor, bernd)])
    atlas.network.add_follow_up(meeting, "Flyer verteilen", "Müller, Aylin")
    atlas.network.add_follow_up(meeting, "Anrufen: 0208 / 12 34-56", "Bernd Müller")
    atlas.network.set_override(actor, "ruhend", "Laut Aylin Müller ruht die Arbeit bis Mai.")
    atlas.records["agreement"].save(
        None, {"title": "Vereinbarung Kita", "parties": [actor], "notes": "unterschrieben von A. Müller"}
    )
    return {"aylin": aylin, "bernd": bernd, "actor": actor, "own": own, "meeting": meeting, "inst": inst,
            "offer": offer.id}  # fmt: skip


def _all_text(path: Path) -> str:
    """Every value of every table (also the search index), as SQL text."""
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def _left_of_her(text: str) -> list[tuple[int, int]]:
    return Matcher(AYLIN).spans(text)


def test_matcher_knows_the_variants_and_not_the_namesake() -> None:
    matcher = Matcher(AYLIN)
    for variant in VARIANTS:
        assert matcher.scrub(f"x {variant} y") == "x [gelöscht] y", variant
    for other in (*BERND, "Müllerstraße 5", "Aylina Müllers", "0208 / 12 34-567"):
        assert matcher.spans(other) == [], other
    assert (
        matcher.scrub("Straße: Ayl\u0131n Mu\u0308ller!") == "Straße: [gelöscht]!"
    )  # dotless ı, combining mark


def test_erasure_finds_and_replaces_every_mention_everywhere(
    atlas: Atlas, db_path: Path, tmp_path: Path
) -> None:
    ids = _with_mentions(atlas)
    found = atlas.privacy.mentions(ids["aylin"])
    places = {(x.table, x.column) for x in found}
    assert places >= {
        ("institution", "notes"), ("contact", "notes"), ("meeting", "agenda"), ("meeting", "minutes"),
        ("actor", "notes"), ("follow_up", "who"), ("follow_up", "task"), ("actor_override", "reason"),
        ("offer", "description"), ("round_table", "notes"), ("agreement", "notes"), ("quarter", "notes"),
        ("actor", "name"),
    }  # fmt: skip
    minutes = next(x for x in found if x.column == "minutes")
    assert (minutes.where, minutes.title, minutes.field) == ("Treffen", "Runder Tisch März", "Protokoll")
    assert "Aylin Muller berichtet" in minutes.excerpt
    who = next(x for x in found if x.column == "who")
    assert who.where == "Aufgabe aus Treffen" and who.title == "Treffen „Runder Tisch März“"

    report = atlas.privacy.erase(ids["aylin"])
    # the actor standing for her was renamed before the walk ("gelöschte Person (7)")
    assert {(x.table, x.column) for x in report.mentions} == places - {("actor", "name")}
    assert "Erwähnungen" in report.summary()
    dump = _all_text(db_path)
    assert _left_of_her(dump) == []
    for variant in VARIANTS:
        assert variant.casefold() not in dump.casefold(), variant
    # the namesake keeps everything
    bernd = atlas.contacts.get(ids["bernd"]).values
    assert bernd["notes"] == "Vertritt [gelöscht] im Urlaub. B. Müller ist Herr Müller."
    inst = atlas.institutions.get(ids["inst"]).values["notes"]
    assert inst == "Ansprechpartnerin [gelöscht] (Tel. [gelöscht]); vertreten von Bernd Müller."
    assert [f[2] for f in atlas.network.follow_ups(ids["meeting"])] == ["[gelöscht]", "Bernd Müller"]
    assert atlas.network.follow_ups(ids["meeting"])[1][1] == "Anrufen: [gelöscht]"
    # the index follows: her name finds nothing, the replaced texts are searchable as they are now
    assert atlas.offers.list_ids("3456") == [] and atlas.offers.list_ids("gelöscht") == [ids["offer"]]
    assert atlas.actors.list_ids("aylin") == []
    assert atlas.contacts.list_ids("Müller") == [ids["bernd"]]

    # the raw file: no byte of her, after secure_delete and VACUUM
    raw = db_path.read_bytes().lower()
    for needle in ("aylin", "aylın", "12 34-56", "123456", "20812345", "müller, a", "a. müller", "a.müller"):
        assert needle.encode() not in raw, needle
    assert b"bernd" in raw  # the check reads the right file

    # exports made afterwards: every list as CSV, and the Open Referral package with contacts
    for kind in ("institutions", "offers", "contacts", "actors"):
        target = tmp_path / f"{kind}.csv"
        key = kind.removesuffix("s")
        exporting.export(atlas, key, atlas.records[key].list_ids(), target)
        text = target.read_text(encoding="utf-8-sig")
        assert _left_of_her(text) == [], kind
        assert "aylin" not in text.lower()
    export_package(atlas, tmp_path / "hsds", include_contacts=True)
    for file in (tmp_path / "hsds").rglob("*"):
        if file.is_file():
            text = file.read_text(encoding="utf-8", errors="replace")
            assert _left_of_her(text) == [] and "aylin" not in text.lower(), file.name


def test_erasure_keeps_secure_delete_on_and_records_no_personal_data(atlas: Atlas) -> None:
    ids = _with_mentions(atlas)
    with atlas.sessions() as session:
        assert session.connection().exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    atlas.privacy.erase(ids["aylin"])
    with atlas.sessions() as session:
        entries = session.scalars(select(m.ErasureEntry)).all()
        salt = session.scalar(select(m.AppSetting.value).where(m.AppSetting.key == SALT_KEY))
    assert salt and len(salt) == 64
    assert {e.record_id for e in entries} == {ids["aylin"]} and {e.entity for e in entries} == {"contact"}
    assert {e.erased_on for e in entries} == {dt.date(2026, 11, 16)}  # the atlas fixture's clock
    strong, weak = mentions.fingerprints(
        salt, Person(ids["aylin"], "Aylin", "Müller", AYLIN.email, AYLIN.phone)
    )
    assert {e.fingerprint for e in entries} == strong | {weak} and len(strong) == 2
    assert all(len(e.fingerprint) == 64 and "ylin" not in e.fingerprint for e in entries)


def test_art15_lists_mentions_controller_purposes_period_and_rights(atlas: Atlas, tmp_path: Path) -> None:
    ids = _with_mentions(atlas)
    text = atlas.privacy.export(ids["aylin"], tmp_path / "a.txt").read_text(encoding="utf-8")
    assert "noch nicht eingetragen" in text  # no controller set yet: the report says it must be filled in
    assert "Erwähnt in Texten anderer Einträge" in text
    assert "Treffen „Runder Tisch März“ · Protokoll: Aylin Muller berichtet." in text
    assert "Einrichtung „Familienzentrum“ · Notizen: Ansprechpartnerin Aylin Müller" in text
    for right in ("Auskunft", "Berichtigung", "Löschung", "Einschränkung", "Widerspruch", "Datenübertragbarkeit",
                  "Beschwerde bei einer Datenschutz-Aufsichtsbehörde", "Zwecke:", "Speicherdauer:"):  # fmt: skip
        assert right in text, right
    atlas.privacy.set_controller("Quartiersbüro Styrum e. V.\nHauptstraße 1, 46045 Oberhausen")
    with atlas.sessions() as session:
        assert session.scalar(select(m.AppSetting.value).where(m.AppSetting.key == CONTROLLER_KEY))
    text = atlas.privacy.export(ids["aylin"], tmp_path / "b.txt").read_text(encoding="utf-8")
    assert "Verantwortlich (Art. 4 Nr. 7 DSGVO):\n  Quartiersbüro Styrum e. V.\n  Hauptstraße 1" in text
    data = json.loads(atlas.privacy.export(ids["aylin"], tmp_path / "c.json").read_text(encoding="utf-8"))
    assert data["verantwortlicher"].startswith("Quartiersbüro") and "Beschwerde" in data["rechte"]
    assert any("Runder Tisch März" in line for line in data["erwaehnungen"])


def _copy_register(source: Path, target: Path) -> None:
    """What a restore of an older copy does: the register (and its salt) come along."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        rows = src.execute(
            "SELECT entity, record_id, fingerprint, erased_on FROM erasure_register"
        ).fetchall()
        dst.executemany(
            "INSERT INTO erasure_register (entity, record_id, fingerprint, erased_on) VALUES (?, ?, ?, ?)",
            rows,
        )
        salt = src.execute("SELECT value FROM app_setting WHERE key = ?", (SALT_KEY,)).fetchone()[0]
        dst.execute("INSERT INTO app_setting (key, value) VALUES (?, ?)", (SALT_KEY, salt))
        dst.commit()
    finally:
        src.close()
        dst.close()


def test_a_restored_older_copy_is_erased_again_on_opening(
    atlas: Atlas, db_path: Path, tmp_path: Path
) -> None:
    from main import bootstrap

    ids = _with_mentions(atlas)
    older = tmp_path / "older.sqlite"
    shutil.copyfile(db_path, older)  # a backup from before the erasure
    atlas.privacy.erase(ids["aylin"])
    # restore: the older file comes back in place of the database, with the register
    restored = tmp_path / "restored.sqlite"
    shutil.copyfile(older, restored)
    _copy_register(db_path, restored)
    assert "Aylin" in _all_text(restored)
    again, result = bootstrap(str(restored))
    try:
        assert again.contacts.count() == 1  # Bernd stays
        assert _left_of_her(_all_text(restored)) == []
        assert b"aylin" not in restored.read_bytes().lower()
        with again.sessions() as session:  # not registered twice
            assert len(session.scalars(select(m.ErasureEntry)).all()) == 3
    finally:
        result.engine.dispose()


def test_a_copy_where_she_has_another_id_is_matched_by_fingerprint(atlas: Atlas, tmp_path: Path) -> None:
    from main import bootstrap

    ids = _with_mentions(atlas)
    atlas.privacy.erase(ids["aylin"])
    other = tmp_path / "other.sqlite"
    again, result = bootstrap(str(other))
    try:
        again.contacts.save(None, {"first_name": "Bernd", "last_name": "Müller"})
        namesake = again.contacts.save(
            None, {"first_name": "Aylin", "last_name": "Müller"}
        ).id  # no mail, no phone
        again.contacts.save(
            None,
            {"first_name": "AYLIN", "last_name": "Mueller", "email": "Aylin.Mueller@example.org"},
            confirm_duplicate=True,
        )
        assert namesake != ids["aylin"]
    finally:
        result.engine.dispose()
    _copy_register(Path(str(atlas.sessions.kw["bind"].url.database)), other)
    again, result = bootstrap(str(other))
    try:
        remaining = sorted(again.contacts.get(i).title for i in again.contacts.list_ids())
        # the same person (name and e-mail) goes under any id; a namesake without contact
        # data has only the weak name print, which counts only with the erased record's id
        assert remaining == ["Aylin Müller", "Bernd Müller"]
    finally:
        result.engine.dispose()


def test_the_register_is_applied_once_not_to_someone_added_again(atlas: Atlas, db_path: Path) -> None:
    from main import bootstrap

    ids = _with_mentions(atlas)
    atlas.privacy.erase(ids["aylin"])
    # months later she joins again, with her consent: the register must not erase her at every start
    back = atlas.contacts.save(
        None, {"first_name": "Aylin", "last_name": "Müller", "email": "aylin.mueller@example.org"}
    ).id
    again, result = bootstrap(str(db_path))
    try:
        assert again.privacy.reapply_register() == []
        assert again.contacts.get(back).title == "Aylin Müller"
    finally:
        result.engine.dispose()


def _copy_names(db: Path, n: int, start: dt.datetime, kind: str = "wiederherstellung") -> list[Path]:
    made = []
    for i in range(n):
        stamp = (start + dt.timedelta(days=i)).strftime("%Y%m%d-%H%M%S")
        path = db.with_name(f"{db.stem}.vor-{kind}-{stamp}{db.suffix}")
        shutil.copyfile(db, path)
        if kind == "wiederherstellung":
            path.with_name(path.name + "-journal").write_bytes(b"journal")
        made.append(path)
    return made


def test_copies_are_kept_to_three_and_thirty_days_at_opening(tmp_path: Path) -> None:
    from atlas import copies
    from atlas.clock import SYSTEM
    from db.migrate import open_database

    db = tmp_path / "atlas.sqlite"
    open_database(db).engine.dispose()
    now = SYSTEM.now()
    made = _copy_names(db, 20, now - dt.timedelta(days=19))
    updates = _copy_names(db, 2, now - dt.timedelta(days=60), kind="update-0004")
    updates += _copy_names(db, 1, now - dt.timedelta(days=1), kind="update-0004")
    size_before = sum(p.stat().st_size for p in tmp_path.iterdir())
    open_database(db).engine.dispose()
    left = {c.path for c in copies.copies_of(db)}
    assert left == set(made[-3:]) | {updates[-1]}  # the newest 3 crashes; the young update copy
    assert sorted(p.name for p in tmp_path.glob("*-journal")) == sorted(
        p.name + "-journal" for p in made[-3:]
    )
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) < size_before / 4
    assert copies.prune(db, now + dt.timedelta(days=31)) and copies.copies_of(db) == []


def test_erasure_deletes_the_programs_older_copies(atlas: Atlas, db_path: Path) -> None:
    from atlas import copies

    ids = _with_mentions(atlas)
    made = _copy_names(db_path, 3, dt.datetime(2026, 11, 1, 9, 0))
    unrelated = db_path.with_name("notizen.vor-wiederherstellung-20261101-090000.sqlite")
    shutil.copyfile(db_path, unrelated)
    report = atlas.privacy.erase(ids["aylin"])
    assert report.copies_removed == 3 and "3 ältere Sicherungskopien" in report.summary()
    assert copies.copies_of(db_path) == [] and not any(p.exists() for p in made)
    assert not list(db_path.parent.glob("*.vor-*-journal"))
    assert unrelated.exists()  # another database's copy is not ours to delete


def test_a_shared_office_number_or_mailbox_is_not_hers_to_erase(atlas: Atlas) -> None:
    inst = atlas.institutions.save(None, {"name": "Kita Sonnenschein", "phone": "0208 99 88 77"}).id
    aylin = atlas.contacts.save(
        None,
        {"first_name": "Aylin", "last_name": "Müller", "institution_id": inst, "phone": "0208 / 99 88 77",
         "email": "info@kita.example"},
    ).id  # fmt: skip
    colleague = atlas.contacts.save(
        None,
        {"first_name": "Jana", "last_name": "Kaya", "institution_id": inst, "phone": "0208-998877",
         "email": "info@kita.example", "notes": "Vertretung von Aylin Müller, Tel. 0208 99 88 77"},
        confirm_duplicate=True,  # the same mailbox: the program asks, the coach says yes
    ).id  # fmt: skip
    atlas.privacy.erase(aylin)
    values = atlas.contacts.get(colleague).values
    assert (values["phone"], values["email"]) == ("0208-998877", "info@kita.example")
    assert values["notes"] == "Vertretung von [gelöscht], Tel. 0208 99 88 77"
    assert atlas.institutions.get(inst).values["phone"] == "0208 99 88 77"
