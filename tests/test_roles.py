"""Roles on a team server: the shipped ``docs/team-server.sql`` run against a fresh test
database, then real logins of a coach, a read-only role and a lead (LOGIN roles over the
server's socket). The database refuses what a role may not do; the program says so in
German, names the role, and nothing changes; ``Atlas.rights`` reports each role."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from atlas import models as m
from atlas.clock import FixedClock
from atlas.core import Atlas
from atlas.errors import NotAllowedError
from atlas.rights import ALL_RIGHTS, Rights
from db.engine import make_sessions
from db.migrate import open_database
from tests.conftest import TEST_DAY

# pytest-xdist (./dev test): roles belong to the whole server, not to one database, so two
# workers running the script and granting the same roles at once would collide.
pytestmark = [pytest.mark.both_backends("postgresql"), pytest.mark.xdist_group("roles")]

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "team-server.sql"
#: Login roles of these tests (roles belong to the whole server; made once, kept).
LOGINS = {"coach": "atlas_t_anna", "readonly": "atlas_t_chris", "lead": "atlas_t_bernd"}


def _psql() -> str:
    found = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
    if not Path(found).exists():
        pytest.fail("psql is needed to run docs/team-server.sql", pytrace=False)
    return found


def run_script(url: str) -> str:
    """``psql -v db=… -f docs/team-server.sql`` as the test server's superuser, with the
    existing test database (its tables belong to that superuser: the owner)."""
    u = make_url(url)
    host = u.query.get("host") or u.host or ""
    args = [_psql(), "-X", "-q", "-d", "postgres", "-U", u.username or "postgres"]
    if host:
        args += ["-h", str(host)]
    if u.port:
        args += ["-p", str(u.port)]
    args += ["-v", f"db={u.database}", "-v", f"owner={u.username}", "-f", str(SCRIPT)]
    env = {**os.environ, **({"PGPASSWORD": u.password} if u.password else {})}
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


@pytest.fixture
def team(db_url: str, atlas: Atlas) -> Iterator[Callable[[str], Atlas]]:
    """The script run on the test's database (which holds one institution and a rule),
    and a function giving a program logged in as "coach", "readonly" or "lead"."""
    atlas.institutions.save(None, {"name": "Kita Sonnenschein"})
    atlas.network.set_rule(2, 6)
    output = run_script(db_url)
    assert "noch nicht" not in output  # the tables exist: their rights were granted
    admin = make_url(db_url)
    with atlas.sessions() as session:  # logins in the groups (no password checks on the socket)
        for group, login in LOGINS.items():
            session.connection().exec_driver_sql(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{login}') THEN "
                f"CREATE ROLE {login} LOGIN PASSWORD 'geheim'; END IF; END $$"
            )
            session.connection().exec_driver_sql(f"GRANT atlas_{group} TO {login}")
        session.commit()
    programs: list[Atlas] = []

    def login(group: str) -> Atlas:
        url = admin.set(username=LOGINS[group], password="geheim").render_as_string(hide_password=False)
        result = open_database(url)
        program = Atlas(make_sessions(result.engine), clock=FixedClock(TEST_DAY))
        programs.append(program)
        return program

    yield login
    for program in programs:
        bind = program.sessions.kw["bind"]
        getattr(bind, "_proxied", bind).dispose()


def test_rights_of_each_role(team: Callable[[str], Atlas], atlas: Atlas) -> None:
    assert team("coach").rights == Rights(LOGINS["coach"], True, False, False, False, False)
    assert team("readonly").rights == Rights(LOGINS["readonly"], False, False, False, False, False)
    assert team("lead").rights == Rights(LOGINS["lead"], True, True, True, True, True)
    assert team("coach").rights.role == "Netzwerkcoach"
    assert team("readonly").rights.role == "nur lesen"
    assert team("lead").rights.role == "Projektleitung"
    assert atlas.rights.everything  # the owner (here the server's superuser)


def test_rights_on_a_file_are_everything(tmp_path: Path) -> None:
    result = open_database(tmp_path / "datei.sqlite")
    try:
        assert Atlas(make_sessions(result.engine)).rights == ALL_RIGHTS
    finally:
        result.engine.dispose()


def test_the_script_may_run_again(team: Callable[[str], Atlas], db_url: str) -> None:
    run_script(db_url)
    assert team("coach").rights.can_write and not team("coach").rights.can_delete


def test_a_coach_saves_but_may_not_delete(team: Callable[[str], Atlas], atlas: Atlas) -> None:
    coach = team("coach")
    (kita,) = coach.institutions.list_ids()
    coach.institutions.save(kita, {"name": "Kita Sonnenschein e. V."})
    new = coach.institutions.save(None, {"name": "Jugendzentrum Mitte"})
    with pytest.raises(NotAllowedError) as refused:
        coach.institutions.delete(new.id)
    assert str(refused.value) == (
        f"Dafür fehlt Ihnen die Berechtigung (Rolle: {LOGINS['coach']}, Netzwerkcoach). "
        "Bitte die Projektleitung fragen."
    )
    assert "DELETE" not in str(refused.value)  # no SQL for the coach
    assert sorted(atlas.institutions.list_ids()) == sorted([kita, new.id])  # nothing changed
    assert atlas.institutions.get(kita).values["name"] == "Kita Sonnenschein e. V."


def test_a_coach_may_not_change_the_rule_or_the_taxonomies(
    team: Callable[[str], Atlas], atlas: Atlas
) -> None:
    coach = team("coach")
    with pytest.raises(NotAllowedError):
        coach.network.set_rule(5, 12)  # the row rule on app_setting
    assert (atlas.network.rule().min_meetings, atlas.network.rule().window_months) == (2, 6)
    terms = len(atlas.taxonomy.terms(m.Vocabulary.CATEGORY))
    with pytest.raises(NotAllowedError):
        coach.taxonomy.save(m.Vocabulary.CATEGORY, None, "Neue Kategorie")
    assert len(atlas.taxonomy.terms(m.Vocabulary.CATEGORY)) == terms
    # Other shared settings are the coach's too (the row rule stops only activity.*).
    coach.consent.set_periods(12, 36)
    assert (atlas.consent.periods().review_months, atlas.consent.periods().retention_months) == (12, 36)


def test_read_only_searches_but_may_not_save(team: Callable[[str], Atlas], atlas: Atlas) -> None:
    reader = team("readonly")
    (kita,) = reader.institutions.list_ids("sonnen")
    assert reader.institutions.get(kita).values["name"] == "Kita Sonnenschein"
    with pytest.raises(NotAllowedError, match="Rolle: atlas_t_chris, nur lesen"):
        reader.institutions.save(kita, {"name": "Umbenannt"})
    with pytest.raises(NotAllowedError):
        reader.institutions.save(None, {"name": "Neu"})
    assert atlas.institutions.list_ids() == [kita]
    assert atlas.institutions.get(kita).values["name"] == "Kita Sonnenschein"


def test_the_lead_changes_the_rule_and_deletes(team: Callable[[str], Atlas], atlas: Atlas) -> None:
    lead = team("lead")
    lead.network.set_rule(4, 9)
    assert (atlas.network.rule().min_meetings, atlas.network.rule().window_months) == (4, 9)
    term = lead.taxonomy.save(m.Vocabulary.CATEGORY, None, "Neue Kategorie")
    assert term in {t.id for t in atlas.taxonomy.terms(m.Vocabulary.CATEGORY)}
    (kita,) = lead.institutions.list_ids()
    lead.institutions.delete(kita)
    assert atlas.institutions.list_ids() == []
