"""The demo's round tables (members, topics, rhythm, a year of dates), its month names and
the holidays on which nothing meets: static catalogue, like :mod:`atlas.demo.data`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from atlas.demo.data import CITY_OFFICE, NETWORK_OFFICE, STORY_INSTITUTION


@dataclass(frozen=True)
class RoundTableTpl:
    name: str
    topic: str
    quarter: str
    rhythm: str
    months: tuple[tuple[int, int], ...]  # (year, month) of each meeting
    weekday: int  # Monday = 0
    nth: int  # n-th such weekday of the month
    hour: int
    minute: int
    members: tuple[str, ...]  # institution names; "@ST" = every institution of Styrum
    places: tuple[str, ...]  # institution names hosting in turn
    topics: tuple[str, ...]


_YEAR = tuple((2025, 12) if i == 0 else (2026, i) for i in range(12))
ROUND_TABLES = [
    RoundTableTpl(
        name="Runder Tisch Alleinerziehende Alt-Oberhausen",
        topic="Wege in Arbeit und Ausbildung für Alleinerziehende: Kinderbetreuung, Schulden, Qualifizierung",
        quarter="Alt-Oberhausen",
        rhythm="monatlich",
        months=_YEAR,
        weekday=2,
        nth=3,
        hour=9,
        minute=30,
        members=(
            NETWORK_OFFICE,
            "Jobcenter Oberhausen – Geschäftsstelle Mitte",
            "Agentur für Arbeit Oberhausen",
            "Stadt Oberhausen – Jugendamt, Bezirkssozialdienst Mitte",
            STORY_INSTITUTION,
            "Familienzentrum Alt-Oberhausen",
            "Beratungscafé Kompass für Alleinerziehende",
            "Elterninitiative Alleinerziehend stark e. V.",
            "Frauenberatungsstelle Lichtblick",
            "Kita Regenbogen",
            "Städtische Kita Gartenstraße",
            "Werkhof Emscher – Qualifizierungszentrum",
            "Interkultureller Frauentreff Dialog e. V.",
            "Ruhrbogen Bildungswerk – Sprach- und Integrationskurse",
        ),
        places=(
            "Familienzentrum Alt-Oberhausen",
            "Beratungscafé Kompass für Alleinerziehende",
            NETWORK_OFFICE,
        ),
        topics=(
            "Randzeitenbetreuung: Bedarf und freie Plätze",
            "Teilzeitausbildung – Erfahrungen der Betriebe",
            "Schulden und Unterhalt: Fallbesprechung (anonymisiert)",
            "Kinderbetreuung während der Qualifizierung",
            "Neue Angebote im Quartier vorstellen",
            "Vorbereitung Aktionstag Alleinerziehende",
            "Bildung und Teilhabe: Antragswege vereinfachen",
            "Wohnungssuche für Alleinerziehende",
            "Rückblick auf das Jahr und Planung",
        ),
    ),
    RoundTableTpl(
        name="Arbeitskreis Jugend & Beruf Lirich",
        topic="Übergang Schule – Beruf: Berufsorientierung, Ausbildung, junge Menschen ohne Anschluss",
        quarter="Lirich",
        rhythm="zweimonatlich",
        months=((2026, 1), (2026, 3), (2026, 5), (2026, 7), (2026, 9), (2026, 11)),
        weekday=3,
        nth=1,
        hour=14,
        minute=0,
        members=(
            NETWORK_OFFICE,
            "Jobcenter Oberhausen – Team U25",
            "Agentur für Arbeit – Berufsberatung im Erwerbsleben",
            "Gesamtschule Lirich",
            "Berufskolleg Oberhausen-Mitte",
            "Ruhrbogen Bildungswerk – Jugendwerkstatt",
            "Kinder- und Jugendtreff Lirich",
            "Stadtteilbüro Lirich",
            "Jugendmigrationsdienst Osterfeld",
            "Lernpaten Oberhausen e. V.",
            "Einzelhandelsgemeinschaft Lirich e. V.",
            "Malerwerkstatt Farbenfroh GmbH",
            "Moscheegemeinde Lirich e. V.",
            "Erziehungs- und Familienberatungsstelle Lirich",
        ),
        places=("Gesamtschule Lirich", "Stadtteilbüro Lirich"),
        topics=(
            "Ausbildungsmarkt im Stadtteil: offene Stellen",
            "Praktikumsbörse für Klasse 9",
            "Jugendliche ohne Anschluss nach der Schule",
            "Ausbildungsmesse im Stadtteil vorbereiten",
            "Betriebe stellen sich vor",
            "Sprachförderung für neu zugewanderte Jugendliche",
        ),
    ),
    RoundTableTpl(
        name="Netzwerk Sucht & Schulden",
        topic="Zusammenarbeit von Schuldner- und Suchtberatung mit Jobcenter und Stadt",
        quarter="Marienkirche",
        rhythm="vierteljährlich",
        months=((2025, 12), (2026, 3), (2026, 6), (2026, 9)),
        weekday=1,
        nth=1,
        hour=10,
        minute=0,
        members=(
            NETWORK_OFFICE,
            STORY_INSTITUTION,
            "Schuldnerberatung Osterfeld",
            "Schuldnerberatung im Stadtteilhaus Styrum",
            "Suchtberatungsstelle Marienkirche",
            "Fachstelle für Glücksspiel- und Mediensucht",
            "Selbsthilfetreff Neuanfang e. V.",
            "Jobcenter Oberhausen – Geschäftsstelle Mitte",
            "Jobcenter Oberhausen – Geschäftsstelle Osterfeld",
            "Gesundheitsamt – Sozialpsychiatrischer Dienst",
            "Psychosoziale Kontakt- und Beratungsstelle",
            "Beratungsstelle Wohnungsnot",
            "Arbeitslosenzentrum Oberhausen",
        ),
        places=("Suchtberatungsstelle Marienkirche", "Psychosoziale Kontakt- und Beratungsstelle"),
        topics=(
            "Wartezeiten in der Schuldnerberatung",
            "Sucht und Arbeitssuche: gemeinsame Fallarbeit",
            "Energieschulden und Stromsperren",
            "Glücksspiel bei jungen Erwachsenen",
            "Vermittlungswege zwischen den Beratungsstellen",
        ),
    ),
    RoundTableTpl(
        name="Stadtteilkonferenz Styrum",
        topic="Alle Einrichtungen des Stadtteils: Austausch, gemeinsame Aktionen, Stadtteilfest",
        quarter="Styrum",
        rhythm="vierteljährlich",
        months=((2026, 2), (2026, 5), (2026, 8), (2026, 11)),
        weekday=0,
        nth=4,
        hour=15,
        minute=0,
        members=(
            "@ST",
            NETWORK_OFFICE,
            CITY_OFFICE,
            "Jobcenter Oberhausen – Geschäftsstelle Mitte",
        ),
        places=("Mehrgenerationenhaus Styrum", "Stadtteilbüro Styrum"),
        topics=(
            "Stadtteilfest im Sommer planen",
            "Spielplätze und Treffpunkte für Jugendliche",
            "Neue Nachbarn: Willkommen in Styrum",
            "Verkehr und Sicherheit am Stadtpark",
            "Leerstand an der Styrumer Straße",
        ),
    ),
]

MONTHS_DE = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]


# Public holidays in NRW and the days between Christmas and New Year (no meetings).
HOLIDAYS = {
    dt.date(2025, 12, 24),
    dt.date(2025, 12, 25),
    dt.date(2025, 12, 26),
    dt.date(2025, 12, 29),
    dt.date(2025, 12, 30),
    dt.date(2025, 12, 31),
    dt.date(2026, 1, 1),
    dt.date(2026, 4, 3),
    dt.date(2026, 4, 6),
    dt.date(2026, 5, 1),
    dt.date(2026, 5, 14),
    dt.date(2026, 5, 25),
    dt.date(2026, 6, 4),
    dt.date(2026, 10, 3),
    dt.date(2026, 11, 1),
}
