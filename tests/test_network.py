"""Who counts as active: the rule on hand-built attendance histories, and the figures."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from atlas import models as m
from atlas.clock import FixedClock
from atlas.core import Atlas
from atlas.errors import NotFoundError, ValidationError
from atlas.network.service import ActivityRule, months_before

# Runs again with the system date moved (./dev test): nothing may depend on the real day.
pytestmark = [pytest.mark.dates, pytest.mark.both_backends]

D = dt.date


def meeting(atlas: Atlas, day: dt.date, title: str = "Runder Tisch") -> int:
    return (
        atlas.records["meeting"]
        .save(None, {"title": f"{title} {day}", "kind": "runder_tisch", "starts_at": f"{day:%d.%m.%Y} 10:00"})
        .id
    )


JOINED = D(2025, 1, 1)


def actor(atlas: Atlas, name: str, stage: str = "informiert", since: dt.date = JOINED) -> int:
    return atlas.actors.save(None, {"name": name, "status": stage, "status_since": since}).id


def attend(atlas: Atlas, actor_id: int, *days: dt.date) -> None:
    with atlas.sessions.begin() as session:
        for day in days:
            start = dt.datetime.combine(day, dt.time())
            mid = session.scalar(
                select(m.Meeting.id).where(
                    m.Meeting.starts_at >= start, m.Meeting.starts_at < start + dt.timedelta(days=1)
                )
            )
            session.add(m.Attendance(meeting_id=mid, actor_id=actor_id))


@pytest.fixture
def history(atlas: Atlas) -> dict[str, int]:
    """Monthly meetings from Jan to Nov 2026 and four actors with different habits."""
    for month in range(1, 12):
        meeting(atlas, D(2026, month, 10))
    ids = {
        "regular": actor(atlas, "Kommt immer"),
        "twice": actor(atlas, "Zweimal im Frühjahr"),
        "once": actor(atlas, "Einmal dabei"),
        "never": actor(atlas, "Nur angesprochen", stage="angesprochen"),
    }
    attend(atlas, ids["regular"], *(D(2026, mo, 10) for mo in range(1, 12)))
    attend(atlas, ids["twice"], D(2026, 3, 10), D(2026, 4, 10))
    attend(atlas, ids["once"], D(2026, 9, 10))
    return ids


def status(atlas: Atlas, actor_id: int, day: dt.date) -> str:
    state = atlas.network.states(day)[actor_id]
    return state.status.value


def test_default_rule_two_meetings_in_six_months(atlas: Atlas, history: dict[str, int]) -> None:
    day = D(2026, 9, 30)
    assert status(atlas, history["regular"], day) == "aktiv"
    assert status(atlas, history["twice"], day) == "ruhend"  # only 10.04. is in the window; was active before
    assert status(atlas, history["once"], day) == "informiert"
    assert status(atlas, history["never"], day) == "angesprochen"


def test_window_boundaries_are_exact(atlas: Atlas, history: dict[str, int]) -> None:
    # "twice" attended on 10.03 and 10.04; the window is the 6 months before the day, start excluded.
    assert status(atlas, history["twice"], D(2026, 9, 9)) == "aktiv"  # window 09.03.–09.09.
    assert (
        status(atlas, history["twice"], D(2026, 9, 10)) == "ruhend"
    )  # 10.03. falls out: was active, is no more
    assert status(atlas, history["twice"], D(2026, 4, 9)) == "informiert"  # only one meeting so far
    assert status(atlas, history["twice"], D(2026, 4, 10)) == "aktiv"  # the second meeting counts on its day
    assert months_before(D(2026, 8, 31), 6) == D(2026, 2, 28)


def test_state_on_a_past_date(atlas: Atlas, history: dict[str, int]) -> None:
    assert history["regular"] not in atlas.network.states(D(2024, 12, 31))  # not yet in the network
    assert status(atlas, history["regular"], D(2026, 1, 10)) == "informiert"
    assert status(atlas, history["regular"], D(2026, 2, 10)) == "aktiv"


def test_the_rule_can_be_changed_and_nonsense_is_refused(atlas: Atlas, history: dict[str, int]) -> None:
    atlas.network.set_rule(1, 3)
    assert atlas.network.rule() == ActivityRule(1, 3)
    assert status(atlas, history["once"], D(2026, 10, 1)) == "aktiv"
    assert "1 Treffen in den letzten 3 Monaten" in atlas.network.rule().describe()
    for bad in ((0, 6), (2, 0), ("zwei", 6), (2, 99)):
        with pytest.raises(ValidationError):
            atlas.network.set_rule(*bad)
    assert atlas.network.rule() == ActivityRule(1, 3)


def test_override_wins_with_reason_date_and_user_and_can_end(atlas: Atlas, history: dict[str, int]) -> None:
    target = history["never"]
    with pytest.raises(ValidationError) as err:
        atlas.network.set_override(target, "aktiv", "   ")
    assert "Begründung" in err.value.errors["reason"]
    atlas.network.set_override(target, "aktiv", "arbeitet im Hintergrund mit", on=D(2026, 6, 1))
    state = atlas.network.states(D(2026, 7, 1))[target]
    assert state.status.value == "aktiv"
    assert "arbeitet im Hintergrund mit" in state.why()
    assert status(atlas, target, D(2026, 5, 31)) == "angesprochen"  # not before it was set
    atlas.network.clear_override(target, on=D(2026, 8, 1))
    assert status(atlas, target, D(2026, 8, 2)) == "angesprochen"
    history_rows = atlas.network.overrides(target)
    assert (
        history_rows[0][0] == "aktiv"
        and history_rows[0][2] == D(2026, 6, 1)
        and history_rows[0][4] == D(2026, 8, 1)
    )
    assert history_rows[0][3]  # who
    with pytest.raises(NotFoundError):
        atlas.network.set_override(99999, "aktiv", "Grund")


def test_why_is_shown(atlas: Atlas, history: dict[str, int]) -> None:
    state = atlas.network.states(D(2026, 11, 15))[history["regular"]]
    assert state.why() == "6 Treffen seit 06/2026"


def test_same_person_ticked_twice_counts_once(atlas: Atlas, history: dict[str, int]) -> None:
    mid = meeting(atlas, D(2026, 11, 12), "Zusatz")
    contact = atlas.contacts.save(None, {"last_name": "Muster"}).id
    atlas.network.save_attendance(mid, [(history["never"], contact), (history["never"], contact)])
    atlas.network.save_attendance(mid, [(history["never"], contact), (history["never"], None)])
    state = atlas.network.states(D(2026, 11, 15))[history["never"]]
    assert state.meetings == 1


def test_a_future_meeting_cannot_have_attendance(atlas: Atlas, history: dict[str, int]) -> None:
    future = meeting(atlas, atlas.clock.today() + dt.timedelta(days=7), "Zukunft")
    with pytest.raises(ValidationError) as err:
        atlas.network.save_attendance(future, [(history["regular"], None)])
    assert "Zukunft" in err.value.errors["attendance"]
    with atlas.sessions() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(m.Attendance).where(m.Attendance.meeting_id == future)
            )
            == 0
        )


def test_erased_person_leaves_an_anonymous_count(atlas: Atlas, history: dict[str, int]) -> None:
    mid = meeting(atlas, D(2026, 11, 12), "Zusatz")
    contact = atlas.contacts.save(None, {"last_name": "Löschmich"}).id
    atlas.network.save_attendance(mid, [(history["once"], contact)])
    before = atlas.network.states(D(2026, 11, 15))[history["once"]].meetings
    atlas.contacts.delete(contact)
    assert atlas.network.states(D(2026, 11, 15))[history["once"]].meetings == before == 2


def test_walk_in_creates_contact_and_actor_and_counts(atlas: Atlas, history: dict[str, int]) -> None:
    mid = meeting(atlas, D(2026, 11, 12), "Fest")
    inst = atlas.institutions.save(None, {"name": "Neue Initiative"}).id
    actor_id, contact_id = atlas.network.add_walk_in(mid, "Erika", "Beispiel", inst, "Vorsitz")
    assert atlas.contacts.get(contact_id).values["institution_id"] == inst
    assert atlas.actors.get(actor_id).values["institution_id"] == inst
    sheet = atlas.network.sheet(mid)
    assert any(r.contact_id == contact_id and r.present for r in sheet)
    with pytest.raises(ValidationError):
        atlas.network.add_walk_in(mid, "Ohne", "  ", None)


def test_stage_changes_are_dated_steps(atlas: Atlas) -> None:
    aid = actor(atlas, "Neu", "angesprochen", D(2026, 1, 5))
    record = atlas.actors.get(aid)
    atlas.actors.save(aid, {"status": "informiert", "status_since": D(2026, 3, 1)}, record.version)
    assert atlas.network.states(D(2026, 2, 1))[aid].status.value == "angesprochen"
    assert atlas.network.states(D(2026, 3, 2))[aid].status.value == "informiert"


def test_funnel_by_sector_and_quarter_and_trend(atlas: Atlas, history: dict[str, int]) -> None:
    funnel = atlas.network.funnel(D(2026, 11, 15))
    assert funnel.total == 4
    assert funnel.counts == {"angesprochen": 1, "informiert": 1, "aktiv": 1, "ruhend": 1}
    assert sum(funnel.by_sector["ohne Sektor"].values()) == 4
    trend = atlas.network.trend(6, D(2026, 11, 15))
    assert [p.month for p in trend] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    for point in trend[:-1]:
        y, mo = (int(x) for x in point.month.split("-"))
        from atlas.network.service import month_end

        assert point.counts == atlas.network.funnel(month_end(y, mo)).counts


def test_demo_dashboard(demo: Atlas) -> None:
    from atlas.demo.build import TODAY

    dash = demo.network.dashboard(TODAY)
    assert dash.funnel.total == 100
    assert dash.funnel.counts["aktiv"] == 60
    assert len(dash.trend) == 12 and dash.trend[-1].counts["aktiv"] == 60
    assert len(dash.agreements_due) >= 1


def test_meetings_as_icalendar(demo: Atlas) -> None:
    ids = demo.records["meeting"].list_ids()[:3]
    data = demo.network.ics(ids)
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 3
    titles = {str(e["SUMMARY"]) for e in events}
    assert titles <= {demo.records["meeting"].get(i).title for i in ids}
    assert all(e.get("DTSTART") and e.get("UID") for e in events)


def test_follow_ups_are_kept_and_validated(atlas: Atlas, history: dict[str, int]) -> None:
    mid = meeting(atlas, D(2026, 11, 12), "Mit Aufgaben")
    fid = atlas.network.add_follow_up(mid, "Protokoll verschicken", "Frau Beispiel", "20.11.2026")
    atlas.network.add_follow_up(mid, "Raum buchen")
    with pytest.raises(ValidationError) as err:
        atlas.network.add_follow_up(mid, "  ", due="31.02.2026")
    assert set(err.value.errors) == {"task", "due"}
    assert [f[1] for f in atlas.network.follow_ups(mid)] == ["Protokoll verschicken", "Raum buchen"]
    assert atlas.network.dashboard(D(2026, 11, 15)).follow_ups[0][1] == "Protokoll verschicken"
    atlas.network.set_follow_up_done(fid, True)
    assert [f[1] for f in atlas.network.dashboard(D(2026, 11, 15)).follow_ups] == ["Raum buchen"]
    atlas.network.delete_follow_up(fid)
    assert len(atlas.network.follow_ups(mid)) == 1


def test_agreement_parties_get_named_contacts_and_reviews_roll_on(demo: Atlas) -> None:
    agreement_id = demo.records["agreement"].list_ids()[0]
    rows = demo.network.parties(agreement_id)
    assert len(rows) >= 2
    side = rows[0]
    assert side.people, "the demo's parties have people to name"
    other = side.people[-1][0]
    demo.network.set_party(agreement_id, side.actor_id, other, "Referentenebene")
    again = next(r for r in demo.network.parties(agreement_id) if r.actor_id == side.actor_id)
    assert again.contact_id == other and again.role == "Referentenebene"
    with pytest.raises(NotFoundError):
        demo.network.set_party(agreement_id, 999999, None)
    record = demo.records["agreement"].get(agreement_id)
    demo.records["agreement"].save(agreement_id, {"review_rhythm": "vierteljährlich"}, record.version)
    assert demo.network.review_done(agreement_id, on=D(2026, 11, 30)) == D(2027, 2, 28)


# -- "ruhend" needs evidence (issue 10, point 4) ----------------------------------------


def round_table(atlas: Atlas, name: str, *members: int) -> int:
    return atlas.records["round_table"].save(None, {"name": name, "members": list(members)}).id


def table_meeting(atlas: Atlas, table: int, day: dt.date) -> int:
    return (
        atlas.records["meeting"]
        .save(
            None,
            {
                "title": f"Sitzung {day}",
                "kind": "runder_tisch",
                "round_table_id": table,
                "starts_at": f"{day:%d.%m.%Y} 10:00",
            },
        )
        .id
    )


def test_recorded_active_without_any_attendance_stays_active_and_says_why(atlas: Atlas) -> None:
    """An imported list says "aktiv": on day one, with no meetings recorded, it stays so."""
    partner = actor(atlas, "Aus der Excel-Liste", stage="aktiv", since=D(2026, 1, 5))
    state = atlas.network.states(D(2026, 11, 15))[partner]
    assert state.status.value == "aktiv" and state.by_record
    assert state.why() == "laut Erfassung, noch keine Treffen erfasst"
    assert atlas.network.funnel(D(2026, 11, 15)).counts == {
        "angesprochen": 0,
        "informiert": 0,
        "aktiv": 1,
        "ruhend": 0,
    }


def test_dormant_only_after_missing_recorded_meetings_of_its_round_tables(atlas: Atlas) -> None:
    partner = actor(atlas, "Partner", stage="aktiv", since=D(2026, 1, 5))
    other = actor(atlas, "Kommt immer")
    table = round_table(atlas, "Runder Tisch Nord", partner, other)
    elsewhere = round_table(atlas, "Arbeitskreis Süd", other)
    # a meeting of its table with nobody ticked is no evidence ...
    table_meeting(atlas, table, D(2026, 9, 10))
    # ... nor are recorded meetings of a table it does not belong to
    for day in (D(2026, 10, 1), D(2026, 10, 20)):
        mid = table_meeting(atlas, elsewhere, day)
        atlas.network.save_attendance(mid, [(other, None)])
    assert atlas.network.states(D(2026, 11, 15))[partner].status.value == "aktiv"
    # its own table meets, attendance is recorded, and it stays away: now it is dormant
    missed = table_meeting(atlas, table, D(2026, 11, 5))
    atlas.network.save_attendance(missed, [(other, None)])
    state = atlas.network.states(D(2026, 11, 15))[partner]
    assert state.status.value == "ruhend" and not state.by_record and state.missed == 1
    assert state.why() == "1 erfasste Treffen verpasst"
    # the month-end figures tell the same story as the day
    trend = {p.month: p.counts for p in atlas.network.trend(3, D(2026, 11, 30))}
    assert trend["2026-10"]["aktiv"] == 2 and trend["2026-10"]["ruhend"] == 0
    assert trend["2026-11"]["ruhend"] == 1


def test_the_demo_at_the_end_of_2025_is_not_mostly_dormant(demo: Atlas) -> None:
    """Was: 44 of 50 dormant on 31.12.2025, because nothing had been recorded yet."""
    funnel = demo.network.funnel(D(2025, 12, 31))
    assert funnel.counts["ruhend"] < funnel.counts["aktiv"]
    states = demo.network.states(D(2025, 12, 31)).values()
    assert all(s.missed > 0 for s in states if s.status.value == "ruhend" and s.override_reason is None)
    # the story of the demo's day is unchanged
    assert demo.network.funnel().counts["aktiv"] == 60 and demo.network.funnel().total == 100


def test_a_guest_without_an_institution_is_no_network_member(demo: Atlas) -> None:
    """61 of 100, not 101: a person met at a meeting is recorded there, not as an actor."""
    assert isinstance(demo.clock, FixedClock)
    demo.clock.advance(dt.timedelta(days=5))  # after the November round table
    with demo.sessions() as session:
        mid = session.scalar(select(m.Meeting.id).where(func.date(m.Meeting.starts_at) == "2026-11-18"))
    actors_before = demo.actors.count()
    actor_id, contact_id = demo.network.add_walk_in(mid, "Erika", "Gast")
    assert actor_id is None and demo.actors.count() == actors_before
    assert demo.network.funnel().total == 100
    guest = [r for r in demo.network.sheet(mid) if r.contact_id == contact_id]
    assert len(guest) == 1 and guest[0].present and guest[0].actor_id is None and not guest[0].member
    # unticking and ticking again keeps her as a guest; the figures never count her
    demo.network.save_attendance(mid, [])
    demo.network.save_attendance(mid, [(None, contact_id)])
    assert [r.contact_id for r in demo.network.sheet(mid) if r.actor_id is None] == [contact_id]
    assert demo.network.funnel().total == 100


def test_actor_list_shows_sorts_and_filters_by_the_computed_status(atlas: Atlas) -> None:
    recorded_informed = actor(atlas, "Kam zweimal", stage="informiert")
    status_col = [c.key for c in atlas.actors.spec.columns].index("status")
    assert atlas.actors.rows([recorded_informed])[recorded_informed][status_col] == "informiert"
    recorded_active = actor(atlas, "Laut Liste aktiv", stage="aktiv")
    round_table(atlas, "Hat noch nicht getagt", recorded_active)  # so nothing it missed was recorded
    for day in (D(2026, 10, 1), D(2026, 10, 20)):
        mid = meeting(atlas, day)
        atlas.network.save_attendance(mid, [(recorded_informed, None)])
    on = atlas.network.states(D(2026, 11, 15))
    assert on[recorded_informed].status.value == "aktiv"
    assert atlas.clock.today() == D(2026, 11, 16)
    rows = atlas.actors.rows([recorded_informed, recorded_active])  # kept values were forgotten
    assert rows[recorded_informed][status_col] == "aktiv"
    assert rows[recorded_active][status_col] == "aktiv"  # laut Erfassung
    from atlas.records.schema import FilterKind

    computed = {a: s.status.value for a, s in atlas.network.states().items()}
    for value in ("aktiv", "informiert", "ruhend"):
        ids = atlas.actors.list_ids(filters={FilterKind.STATUS: value})
        assert sorted(ids) == sorted(a for a, v in computed.items() if v == value)


def test_an_override_records_the_coach_not_unknown(atlas: Atlas) -> None:
    target = actor(atlas, "Partner")
    atlas.network.set_override(target, "aktiv", "arbeitet eng mit", on=D(2026, 6, 1))
    assert atlas.network.overrides(target)[0][3] not in ("", "unbekannt")
    atlas.network.user = "Petra Koch"
    atlas.network.set_override(target, "ruhend", "Stelle unbesetzt", on=D(2026, 7, 1))
    assert atlas.network.overrides(target)[-1][3] == "Petra Koch"


def test_the_history_window_is_clamped_at_month_ends_on_both_backends(atlas: Atlas) -> None:
    """31.08. − 6 months is 28.02. (as ``months_before`` counts), not SQLite's 03.03.: a
    meeting on 01.03. lies inside the window of one on 31.08. (issue 13: the history check
    must give the same answer on SQLite and PostgreSQL)."""
    from atlas.network.activity import first_activations

    for day in (D(2026, 3, 1), D(2026, 8, 31)):
        meeting(atlas, day)
    person = actor(atlas, "Am Monatsende")
    attend(atlas, person, D(2026, 3, 1), D(2026, 8, 31))
    with atlas.sessions() as session:
        found = first_activations(session, ActivityRule(2, 6), [person])
    assert found[person].date() == D(2026, 8, 31)
    assert months_before(D(2026, 8, 31), 6) == D(2026, 2, 28)
