"""A large synthetic database for benchmarks: thousands of institutions, offers and contacts.

Unlike the demo (atlas/demo/build.py) this goes through SQLAlchemy Core with executemany,
then rebuilds the search index once, so 10,000 institutions take seconds.

    python benchmarks/synth.py OUT.sqlite [--institutions N] [--offers N] [--contacts N] [--actors N]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, insert, select  # noqa: E402

from atlas import models as m  # noqa: E402
from atlas.demo.build import (  # noqa: E402
    FIRST_NAMES,
    FUNCTIONS,
    LANGUAGES,
    LAST_NAMES,
    OFFERS,
    POSTCODES,
    QUARTER_COLORS,
    QUARTER_RINGS,
    STREETS,
    ascii_slug,
    quarter_geometry,
    random_point_in,
)
from atlas.records import search  # noqa: E402
from db.migrate import open_database  # noqa: E402

# (name pattern, category, sector); {p} is a place word, {q} the quarter.
KINDS: list[tuple[str, str, str]] = [
    ("Schuldnerberatung {p}", "Schuldnerberatung", "Soziale Einrichtung / Träger"),
    ("Schuldner- und Insolvenzberatung {q}", "Schuldnerberatung", "Soziale Einrichtung / Träger"),
    ("Suchtberatungsstelle {p}", "Suchtberatung", "Soziale Einrichtung / Träger"),
    ("Beratungsstelle {p}", "Hilfe bei Anträgen & Behörden", "Soziale Einrichtung / Träger"),
    ("Sozialberatung {p}", "Hilfe bei Anträgen & Behörden", "Soziale Einrichtung / Träger"),
    ("Familienzentrum {p}", "Familienberatung", "Soziale Einrichtung / Träger"),
    ("Erziehungsberatung {q}", "Familienberatung", "Soziale Einrichtung / Träger"),
    ("Kita {p}", "Kinderbetreuung", "Soziale Einrichtung / Träger"),
    ("Städtische Kita {p}", "Kinderbetreuung", "Kommune"),
    ("Grundschule {p}", "Kinderbetreuung", "Schule"),
    ("Gesamtschule {p}", "Ausbildung", "Schule"),
    ("Berufskolleg {q}", "Ausbildung", "Schule"),
    ("Ärztehaus {p}", "Gesundheit", "Gesundheitswesen"),
    ("Gemeinschaftspraxis {p}", "Gesundheit", "Gesundheitswesen"),
    ("Pflegedienst {p}", "Gesundheit", "Gesundheitswesen"),
    ("Jugendtreff {p}", "Jugendarbeit", "Verein / Initiative"),
    ("Sportverein {p} e. V.", "Begegnung & Freizeit", "Verein / Initiative"),
    ("Bürgerverein {q} e. V.", "Begegnung & Freizeit", "Verein / Initiative"),
    ("Nachbarschaftstreff {p}", "Begegnung & Freizeit", "Verein / Initiative"),
    ("Moscheegemeinde {p} e. V.", "Begegnung & Freizeit", "Religiöse Gemeinde"),
    ("Ev. Kirchengemeinde {p}", "Begegnung & Freizeit", "Religiöse Gemeinde"),
    ("Kath. Pfarrei {p}", "Begegnung & Freizeit", "Religiöse Gemeinde"),
    ("Sprachschule {p}", "Sprache & Integration", "Soziale Einrichtung / Träger"),
    ("Integrationsagentur {q}", "Sprache & Integration", "Soziale Einrichtung / Träger"),
    ("Qualifizierungszentrum {p}", "Qualifizierung & Weiterbildung", "Soziale Einrichtung / Träger"),
    ("Bildungswerk {p}", "Qualifizierung & Weiterbildung", "Soziale Einrichtung / Träger"),
    ("Jobcenter – Standort {p}", "Beschäftigung & Arbeitsvermittlung", "Jobcenter"),
    ("Agentur für Arbeit – Team {p}", "Beschäftigung & Arbeitsvermittlung", "Agentur für Arbeit"),
    ("Sozialkaufhaus {p}", "Beschäftigung & Arbeitsvermittlung", "Soziale Einrichtung / Träger"),
    ("Wohnungsgenossenschaft {p} eG", "Wohnen", "Wirtschaft"),
    ("Wohnberatung {q}", "Wohnen", "Kommune"),
    ("Stadtteilbüro {q}", "Hilfe bei Anträgen & Behörden", "Kommune"),
    ("Malerbetrieb {p} GmbH", "Ausbildung", "Wirtschaft"),
    ("Bäckerei {p}", "Ausbildung", "Wirtschaft"),
]
PLACE_WORDS = [
    "am Markt", "am Park", "an der Mühle", "am Förderturm", "Regenbogen", "Sonnenblume", "Lindenhof",
    "St. Marien", "St. Josef", "Nord", "Süd", "Mitte", "Ost", "West", "Brückenschlag", "Kompass",
    "Lichtblick", "Neuanfang", "Löwenzahn", "Pusteblume", "Glückauf", "Zeche Hügel", "Grüne Aue",
    "Schlossgarten", "Königshof", "Mühlenbach", "Emscherblick", "Rheinblick", "Wiesengrund",
    "Haus Ruhrtal", "Hüttenweg", "Große Heide", "Bärenstark", "Füchse", "Schäferhof", "Rosengarten",
]  # fmt: skip
EXTRA_STREETS = [
    "Hauptstraße", "Große Straße", "Königstraße", "Bäckerstraße", "Schäferweg", "Mühlenstraße",
    "Hüttenstraße", "Am Bügel", "Grüner Weg", "Sülzstraße", "Fröbelstraße", "Lößweg", "Brückenplatz",
]  # fmt: skip
SUFFIXES = ["", "", "", " (Gruppe A)", " (Gruppe B)", " – Außenstelle", " für Anfängerinnen", " am Abend"]


def _chunks(rows: list[dict[str, Any]], size: int = 5000) -> list[list[dict[str, Any]]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def _insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        conn.execute(insert(table), chunk)


def build_synthetic(
    path: Path | str,
    institutions: int = 10_000,
    offers: int = 20_000,
    contacts: int = 50_000,
    actors: int = 1_000,
    seed: int = 1,
) -> None:
    """Create a fresh database at ``path`` with the given numbers of records (or fill
    the empty server database named by a URL such as ``postgresql+psycopg://…``)."""
    if "://" not in str(path):
        path = Path(path)
        if path.exists():
            path.unlink()
    rng = random.Random(seed)
    result = open_database(path)
    engine = result.engine
    try:
        with engine.begin() as conn:
            terms = {(v, n): i for i, v, n in conn.execute(select(m.Term.id, m.Term.vocabulary, m.Term.name))}
            target_groups = [i for (v, _n), i in terms.items() if v == "target_group"]

            quarter_ids = {name: qid for qid, name in enumerate(QUARTER_RINGS, start=1)}
            _insert(
                conn,
                m.Quarter.__table__,
                [
                    {
                        "id": qid,
                        "name": name,
                        "boundary_geojson": json.dumps(quarter_geometry(name)),
                        "color": QUARTER_COLORS[name],
                    }
                    for name, qid in quarter_ids.items()
                ],
            )
            qnames = list(QUARTER_RINGS)

            inst_rows: list[dict[str, Any]] = []
            inst_slugs: list[str] = []
            inst_quarter: list[str] = []
            for i in range(1, institutions + 1):
                pattern, category, sector = rng.choice(KINDS)
                q = rng.choice(qnames)
                name = pattern.format(p=rng.choice(PLACE_WORDS), q=q)
                if rng.random() < 0.5:
                    name = f"{name} {i}"  # many similar names, as in a large city
                lon, lat = random_point_in(rng, QUARTER_RINGS[q]) if rng.random() < 0.97 else (None, None)
                slug = f"{ascii_slug(name)[:40]}-{i}"
                inst_slugs.append(slug)
                inst_quarter.append(q)
                inst_rows.append(
                    {
                        "id": i,
                        "name": name,
                        "sector_id": terms[("sector", sector)],
                        "category_id": terms[("category", category)],
                        "carrier": rng.choice([None, "Sozialwerk Rhein-Ruhr e. V.", "Werkhof Emscher gGmbH"]),
                        "street": f"{rng.choice(STREETS[q] + EXTRA_STREETS)} {rng.randint(1, 200)}",
                        "postcode": POSTCODES[q],
                        "city": "Oberhausen",
                        "lat": lat,
                        "lon": lon,
                        "quarter_id": quarter_ids[q],
                        "phone": f"030 23125 {rng.randrange(1000):03d}",
                        "email": f"info@{slug}.example.org",
                        "opening_hours": "Mo–Fr 9–16 Uhr",
                        "languages": rng.choice(LANGUAGES),
                        "is_public": True,
                    }
                )
            _insert(conn, m.Institution.__table__, inst_rows)

            templates = [(cat, t) for cat, ts in OFFERS.items() for t in ts]
            offer_rows: list[dict[str, Any]] = []
            link_rows: list[dict[str, Any]] = []
            for i in range(1, offers + 1):
                cat, tpl = rng.choice(templates)
                offer_rows.append(
                    {
                        "id": i,
                        "institution_id": rng.randint(1, institutions),
                        "title": tpl.title + rng.choice(SUFFIXES),
                        "description": tpl.description or None,
                        "category_id": terms[("category", cat)],
                        "schedule": tpl.schedule,
                        "cost": tpl.cost,
                        "languages": rng.choice(LANGUAGES),
                        "capacity": tpl.capacity,
                    }
                )
                for tg in rng.sample(target_groups, rng.randint(0, 3)):
                    link_rows.append({"offer_id": i, "term_id": tg})
            _insert(conn, m.Offer.__table__, offer_rows)
            _insert(conn, m.offer_target_group, link_rows)

            styles = list(FUNCTIONS)
            contact_rows: list[dict[str, Any]] = []
            for i in range(1, contacts + 1):
                inst = rng.randint(1, institutions)
                first = rng.choice(FIRST_NAMES)
                last = rng.choice(LAST_NAMES)
                if rng.random() < 0.1:
                    last = f"{last}-{rng.choice(LAST_NAMES)}"
                contact_rows.append(
                    {
                        "id": i,
                        "institution_id": inst,
                        "first_name": first,
                        "last_name": last,
                        "function": rng.choice(FUNCTIONS[rng.choice(styles)]),
                        "phone": f"030 23125 {rng.randrange(1000):03d}",
                        "email": f"{ascii_slug(first)}.{ascii_slug(last)}@{inst_slugs[inst - 1]}.example.org",
                    }
                )
            _insert(conn, m.Contact.__table__, contact_rows)

            statuses = [s.value for s in m.ActorStatus]
            actor_rows = []
            for i, inst in enumerate(
                rng.sample(range(1, institutions + 1), min(actors, institutions)), start=1
            ):
                row = inst_rows[inst - 1]
                actor_rows.append(
                    {
                        "id": i,
                        "name": row["name"],
                        "institution_id": inst,
                        "sector_id": row["sector_id"],
                        "status": rng.choices(statuses, weights=[2, 2, 6, 1])[0],
                    }
                )
            _insert(conn, m.Actor.__table__, actor_rows)

            search.rebuild(conn)
            if conn.dialect.name == "postgresql":
                _advance_sequences(conn)
        with engine.connect() as conn:
            search.optimize(conn)
            conn.commit()
    finally:
        engine.dispose()


def _advance_sequences(conn: Connection) -> None:
    """PostgreSQL: rows inserted with their ids leave each table's id sequence at 1; move
    it past the highest id, so that the next record saved gets a new one."""
    for table in m.Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build a large synthetic Stadtteil-Atlas database.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--institutions", type=int, default=10_000)
    parser.add_argument("--offers", type=int, default=20_000)
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--actors", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    build_synthetic(args.out, args.institutions, args.offers, args.contacts, args.actors, args.seed)
    took = time.perf_counter() - start
    print(
        f"{args.out}: {args.institutions} institutions, {args.offers} offers, {args.contacts} contacts, "
        f"{args.actors} actors in {took:.1f} s ({args.out.stat().st_size / 1e6:.1f} MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
