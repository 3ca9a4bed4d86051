"""No lost update anywhere (issue 11 §3): every write path, with two real connections —
two ``Atlas`` objects over two engines on the same SQLite file (``atlas`` and ``other``,
tests/conftest.py)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from atlas.core import Atlas
from atlas.errors import AtlasError, BusyError, ConflictError
from atlas.io import importing as imp
from atlas.records.schema import MEETING_KIND_CHOICES
from tests.import_support import write_csv

# Two connections on both backends: SQLite's file lock, PostgreSQL's row versions (issue 13).
pytestmark = pytest.mark.both_backends

# -- the same list imported twice at once -----------------------------------------------


def _big_list(tmp_path: Path, n: int) -> Path:
    rows = [
        [
            f"Beratungsstelle Nummer {i}",
            "",
            f"Hauptstraße {i}",
            "",
            f"{46000 + i % 90:05d}",
            "Oberhausen",
            "",
            "",
            "",
        ]
        for i in range(n)
    ]
    return write_csv(tmp_path / "liste.csv", rows)


def _plan(atlas: Atlas, path: Path) -> imp.ImportPlan:
    table = imp.read_table(path)
    return imp.prepare(atlas, "institution", table, imp.suggest_mapping("institution", table.headers))


def test_a_list_planned_twice_is_written_once(tmp_path: Path, atlas: Atlas, other: Atlas) -> None:
    path = _big_list(tmp_path, 200)
    first, second = _plan(atlas, path), _plan(other, path)
    assert not first.duplicates and not second.duplicates
    assert imp.apply(atlas, first).created == 200
    with pytest.raises(imp.ImportFailed) as info:
        imp.apply(other, second)
    message = str(info.value)
    assert "Seit der Prüfung wurden 200 dieser Einträge an anderer Stelle angelegt" in message
    assert "Es wurde nichts importiert" in message
    assert "SELECT" not in message and "INSERT" not in message
    assert atlas.institutions.count() == 200
    # checked again, the second coach sees them all as duplicates and skips them
    again = _plan(other, path)
    assert len(again.duplicates) == 200
    assert imp.apply(other, again).created == 0
    assert atlas.institutions.count() == 200


def test_the_same_list_imported_at_once_in_two_threads(tmp_path: Path, atlas: Atlas, other: Atlas) -> None:
    n = 3000
    path = _big_list(tmp_path, n)
    plans = [_plan(atlas, path), _plan(other, path)]
    start = threading.Barrier(2)
    outcome: list[object] = [None, None]

    def run(k: int, who: Atlas) -> None:
        start.wait()
        try:
            outcome[k] = imp.apply(who, plans[k]).created
        except AtlasError as err:
            outcome[k] = err

    threads = [threading.Thread(target=run, args=(k, who)) for k, who in enumerate((atlas, other))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(outcome, key=lambda o: isinstance(o, AtlasError))[0] == n, outcome
    failed = [o for o in outcome if isinstance(o, AtlasError)]
    assert len(failed) == 1
    # the second either waited for the first and found its rows, or gave up waiting
    assert isinstance(failed[0], (imp.ImportFailed, BusyError)), failed
    assert atlas.institutions.count() == n


# -- attendance: ticks and unticks are changes, per person ------------------------------


@pytest.fixture
def meeting(atlas: Atlas) -> tuple[int, list[tuple[int, int]]]:
    """A past round-table meeting with five members, each with one person: (id, pairs)."""
    pairs = []
    for n in range(5):
        inst = atlas.institutions.save(None, {"name": f"Einrichtung {n}"})
        person = atlas.contacts.save(None, {"last_name": f"Person{n}", "institution_id": inst.id})
        actor = atlas.actors.save(
            None,
            {"name": f"Akteur {n}", "status": "aktiv", "institution_id": inst.id, "contact_id": person.id},
        )
        pairs.append((actor.id, person.id))
    rt = atlas.records["round_table"].save(None, {"name": "Runder Tisch", "members": [a for a, _c in pairs]})
    met = atlas.records["meeting"].save(
        None,
        {
            "title": "Runder Tisch November",
            "kind": KIND,
            "round_table_id": rt.id,
            "starts_at": "10.11.2026 17:00",
        },
    )
    return met.id, pairs


KIND = MEETING_KIND_CHOICES[0][0]


def _ticked(atlas: Atlas, meeting_id: int) -> set[tuple[int | None, int | None]]:
    return {(r.actor_id, r.contact_id) for r in atlas.network.sheet(meeting_id) if r.present}


def test_two_coaches_tick_the_same_meeting(
    atlas: Atlas, other: Atlas, meeting: tuple[int, list[tuple[int, int]]]
) -> None:
    meeting_id, pairs = meeting
    loaded_a, loaded_b = _ticked(atlas, meeting_id), _ticked(other, meeting_id)  # both: nobody yet
    # A ticks three people and saves; B, with the list loaded earlier, ticks two and saves
    atlas.network.save_attendance(meeting_id, pairs[:3], loaded=loaded_a)
    other.network.save_attendance(meeting_id, pairs[3:], loaded=loaded_b)
    assert _ticked(atlas, meeting_id) == set(pairs)  # A's ticks are not gone
    # B unticks one of A's people (B now sees them) and A, with her old list, ticks nobody new
    seen_b = _ticked(other, meeting_id)
    other.network.save_attendance(meeting_id, seen_b - {pairs[0]}, loaded=seen_b)
    loaded_a = set(pairs[:3])  # what A's sheet showed after her save
    atlas.network.save_attendance(meeting_id, loaded_a | {pairs[4]}, loaded=loaded_a)
    assert _ticked(atlas, meeting_id) == set(pairs[1:])  # the untick stands as B did it
    assert atlas.network.change_attendance(meeting_id, removed=[pairs[1]]) == 3


def test_whole_list_attendance_still_replaces(
    atlas: Atlas, other: Atlas, meeting: tuple[int, list[tuple[int, int]]]
) -> None:
    """Without ``loaded`` the list is the truth as a whole (a sheet replaced on purpose)."""
    meeting_id, pairs = meeting
    atlas.network.save_attendance(meeting_id, pairs[:3])
    other.network.save_attendance(meeting_id, pairs[3:])
    assert _ticked(atlas, meeting_id) == set(pairs[3:])


# -- undo of a delete: never reverts a later change ---------------------------------------


def test_undo_of_a_delete_refuses_when_an_unlinked_record_changed(atlas: Atlas, other: Atlas) -> None:
    quarter = atlas.quarters.save(None, {"name": "Alt-Oberhausen"})
    kita = atlas.institutions.save(None, {"name": "Kita X", "quarter_id": quarter.id})
    kept = atlas.institutions.save(None, {"name": "Jobcenter", "quarter_id": quarter.id})
    # A deletes the quarter (the institutions lose it) ...
    deleted = atlas.quarters.delete(quarter.id)
    # ... B moves the Kita (a new pin) ...
    seen = other.institutions.get(kita.id)
    assert seen.values["quarter_id"] is None
    moved = other.institutions.save(kita.id, {"lat": 51.47, "lon": 6.85}, expected_version=seen.version)
    # ... and A presses Strg+Z: refused, naming what changed; B's change stays
    with pytest.raises(ConflictError) as info:
        atlas.quarters.restore(deleted)
    assert "Einrichtung „Kita X“ wurde inzwischen geändert – Rückgängig nicht möglich" in str(info.value)
    now = atlas.institutions.get(kita.id)
    assert (now.values["lat"], now.values["lon"], now.version) == (51.47, 6.85, moved.version)
    assert atlas.quarters.count() == 0  # nothing half-restored
    assert atlas.institutions.get(kept.id).values["quarter_id"] is None


def test_undo_of_a_delete_bumps_the_versions_it_rewrites(atlas: Atlas, other: Atlas) -> None:
    quarter = atlas.quarters.save(None, {"name": "Alt-Oberhausen"})
    kita = atlas.institutions.save(None, {"name": "Kita X", "quarter_id": quarter.id})
    deleted = atlas.quarters.delete(quarter.id)
    opened = other.institutions.get(kita.id)  # B opens the Kita while it has no quarter
    atlas.quarters.restore(deleted)
    back = atlas.institutions.get(kita.id)
    assert back.values["quarter_id"] == quarter.id and back.version == opened.version + 1
    # B's form, loaded before the undo, cannot silently take the quarter away again
    with pytest.raises(ConflictError):
        other.institutions.save(kita.id, {"phone": "0208 1234"}, expected_version=opened.version)


def test_undo_of_a_merge_never_moves_back_what_someone_changed(atlas: Atlas, other: Atlas) -> None:
    keep = atlas.institutions.save(None, {"name": "Caritas Beratung", "postcode": "46045"})
    drop = atlas.institutions.save(
        None, {"name": "Caritas-Beratung", "postcode": "46045"}, confirm_duplicate=True
    )
    offer = atlas.offers.save(None, {"title": "Schuldnerberatung", "institution_id": drop.id})
    merged = atlas.merging.merge("institution", keep, drop, dict(keep.values))
    moved = atlas.offers.get(offer.id)
    assert moved.values["institution_id"] == keep.id and moved.version == offer.version + 1
    # B, in another window, renames the offer after the merge
    other.offers.save(offer.id, {"title": "Schuldner- und Insolvenzberatung"}, expected_version=moved.version)
    with pytest.raises(ConflictError) as info:
        atlas.merging.unmerge(merged)
    assert "Angebot „Schuldner- und Insolvenzberatung“ wurde nach dem Zusammenführen geändert" in str(
        info.value
    )
    now = atlas.offers.get(offer.id)
    assert now.values["title"] == "Schuldner- und Insolvenzberatung"
    assert now.values["institution_id"] == keep.id
    assert atlas.institutions.count() == 1


def test_undo_of_a_merge_moves_back_and_bumps_versions(atlas: Atlas) -> None:
    keep = atlas.institutions.save(None, {"name": "Caritas Beratung", "postcode": "46045"})
    drop = atlas.institutions.save(
        None, {"name": "Caritas-Beratung", "postcode": "46045"}, confirm_duplicate=True
    )
    offer = atlas.offers.save(None, {"title": "Schuldnerberatung", "institution_id": drop.id})
    merged = atlas.merging.merge("institution", keep, drop, dict(keep.values))
    atlas.merging.unmerge(merged)
    back = atlas.offers.get(offer.id)
    assert back.values["institution_id"] == drop.id and back.version == offer.version + 2


# -- renaming or removing a category or term: versioned -----------------------------------


def test_renaming_a_term_twice_at_once_names_both_names(atlas: Atlas, other: Atlas) -> None:
    from atlas.models import Vocabulary

    seen_a = next(t for t in atlas.taxonomy.terms(Vocabulary.CATEGORY) if t.name == "Familienberatung")
    seen_b = next(t for t in other.taxonomy.terms(Vocabulary.CATEGORY) if t.id == seen_a.id)
    other.taxonomy.save(Vocabulary.CATEGORY, seen_b.id, "Kita und Tagespflege", seen_b.color, seen_b.version)
    with pytest.raises(ConflictError) as info:
        atlas.taxonomy.save(
            Vocabulary.CATEGORY, seen_a.id, "Kindertagesstätten", seen_a.color, seen_a.version
        )
    assert "er heißt jetzt „Kita und Tagespflege“" in str(info.value)
    assert "Ihre Eingabe „Kindertagesstätten“ wurde nicht gespeichert" in str(info.value)
    names = {t.name for t in atlas.taxonomy.terms(Vocabulary.CATEGORY)}
    assert "Kita und Tagespflege" in names and "Kindertagesstätten" not in names
    # removing what someone renamed meanwhile is refused too
    with pytest.raises(ConflictError) as gone:
        atlas.taxonomy.delete(seen_a.id, expected_version=seen_a.version)
    assert "heißt inzwischen „Kita und Tagespflege“" in str(gone.value)
    assert seen_a.id in {t.id for t in atlas.taxonomy.terms(Vocabulary.CATEGORY)}


# -- the activity rule (app_setting): over the rule the user saw --------------------------


def test_the_activity_rule_is_not_overwritten_unseen(atlas: Atlas, other: Atlas) -> None:
    shown_a, shown_b = atlas.network.rule(), other.network.rule()
    other.network.set_rule(3, 6, expected=shown_b)
    with pytest.raises(ConflictError) as info:
        atlas.network.set_rule(4, 12, expected=shown_a)
    assert "jetzt 3 Treffen in 6 Monaten" in str(info.value)
    assert "Ihre Eingabe (4 Treffen in 12 Monaten) wurde nicht gespeichert" in str(info.value)
    assert (atlas.network.rule().min_meetings, atlas.network.rule().window_months) == (3, 6)
    atlas.network.set_rule(4, 12, expected=atlas.network.rule())  # seen now: saved
    assert other.network.rule().min_meetings == 4


# -- geocoding results never overwrite a pin set meanwhile --------------------------------


def test_a_geocoder_answer_does_not_overwrite_a_pin_set_meanwhile(atlas: Atlas, other: Atlas) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from atlas.geo.geocoding import GeocodeStatus

    kita = atlas.institutions.save(None, {"name": "Kita X", "street": "Marktstraße 1", "postcode": "46045"})
    fired: list[int] = []

    def coach_sets_pin(_session: Session, _ctx: object, _instances: object) -> None:
        if not fired:  # between the geocoder's read and its write, in another window
            seen = other.institutions.get(kita.id)
            fired.append(
                other.institutions.save(
                    kita.id, {"lat": 51.4711, "lon": 6.8522}, expected_version=seen.version
                ).version
            )

    event.listen(atlas.sessions, "before_flush", coach_sets_pin)
    try:
        outcome = atlas.geocoding.confirm(kita.id, 51.0, 7.0)
    finally:
        event.remove(atlas.sessions, "before_flush", coach_sets_pin)
    assert fired and outcome.status is GeocodeStatus.CHANGED and not outcome.applied
    now = atlas.institutions.get(kita.id)
    assert (now.values["lat"], now.values["lon"], now.version) == (51.4711, 6.8522, fired[0])
