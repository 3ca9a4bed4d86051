"""The demo dataset: a fictitious but realistic partner network in Oberhausen.

``build_demo(path)`` creates a fresh database and fills it deterministically:
five quarters with invented boundary polygons, 100 institutions, 150 offers,
200 contacts, 100 actors, four round tables with a year of meetings and
attendance (December 2025 to November 2026), and two cooperation agreements.

Everything is invented. Streets are generic names, e-mail addresses use
``example.org`` (reserved for documentation, RFC 2606), and every phone number
is taken from ``030 23125 000`` – ``030 23125 999``: the block the
Bundesnetzagentur keeps free for film, television and other fiction, so no
real line can ever be reached. Person names are random combinations of common
first and last names; known public figures are excluded.

The clock is fixed: "today" is :data:`TODAY` (a Sunday; the next meeting of the
Runder Tisch Alleinerziehende is on the Wednesday after it). The same seed
always gives the same database.

Command line: ``python -m atlas.demo OUT.sqlite`` builds it and prints the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from atlas import models as m
from atlas import search
from atlas.core import Atlas
from db.engine import make_sessions
from db.migrate import open_database

TODAY = dt.date(2026, 11, 15)
CITY = "Oberhausen"
#: What the demo's "regularly active" means: at least this many meetings attended
#: within the last :data:`ACTIVE_WINDOW_DAYS` days. The builder keeps every actor
#: with status "aktiv" (and only those) above the bar, so a computed figure and
#: the stored status agree on the demo.
ACTIVE_MIN_MEETINGS = 2
ACTIVE_WINDOW_DAYS = 183

N_INSTITUTIONS = 100
N_OFFERS = 150
N_CONTACTS = 200
N_ACTORS = 100
STATUS_COUNTS = {
    m.ActorStatus.ACTIVE: 60,
    m.ActorStatus.INFORMED: 18,
    m.ActorStatus.ADDRESSED: 14,
    m.ActorStatus.DORMANT: 8,
}

Point = tuple[float, float]  # (lon, lat), the GeoJSON order

# --------------------------------------------------------------------------
# Quarters: invented polygons around Oberhausen's centre. The boundary chains
# below are shared by the neighbouring quarters, so the five polygons tile one
# area without gaps or overlaps. Coordinates are (lon, lat).
# --------------------------------------------------------------------------

# West-east line between the southern row (Styrum, Alt-Oberhausen, Marienkirche)
# and the northern row (Lirich, Osterfeld-Mitte).
_MID = [
    (6.8210, 51.4858),
    (6.8290, 51.4841),
    (6.8385, 51.4866),
    (6.8478, 51.4872),  # Styrum | Alt-Oberhausen
    (6.8580, 51.4853),  # Lirich | Osterfeld-Mitte
    (6.8660, 51.4879),
    (6.8722, 51.4884),  # Alt-Oberhausen | Marienkirche
    (6.8810, 51.4862),
    (6.8905, 51.4871),
    (6.8990, 51.4859),
]
# North-south borders.
_STY_ALT = [(6.8478, 51.4872), (6.8452, 51.4790), (6.8496, 51.4705), (6.8461, 51.4632), (6.8474, 51.4600)]
_ALT_MAR = [(6.8722, 51.4884), (6.8748, 51.4801), (6.8703, 51.4712), (6.8741, 51.4648), (6.8726, 51.4600)]
_LIR_OST = [(6.8580, 51.4853), (6.8553, 51.4960), (6.8612, 51.5075), (6.8567, 51.5180), (6.8590, 51.5300)]
# Outer edges.
_SOUTH = [
    (6.8215, 51.4608),
    (6.8330, 51.4607),
    (6.8474, 51.4600),
    (6.8600, 51.4603),
    (6.8726, 51.4600),
    (6.8860, 51.4612),
    (6.8985, 51.4603),
]
_WEST_SOUTH = [(6.8210, 51.4858), (6.8203, 51.4730), (6.8215, 51.4608)]  # north to south
_WEST_NORTH = [(6.8260, 51.5290), (6.8205, 51.5150), (6.8230, 51.5010), (6.8210, 51.4858)]
_NORTH = [(6.8590, 51.5300), (6.8420, 51.5296), (6.8260, 51.5290)]  # east to west, Lirich part
_NORTH_EAST = [(6.8940, 51.5296), (6.8760, 51.5285), (6.8590, 51.5300)]
_EAST_NORTH = [(6.8990, 51.4859), (6.8975, 51.4980), (6.8992, 51.5120), (6.8940, 51.5296)]
_EAST_SOUTH = [(6.8985, 51.4603), (6.8995, 51.4740), (6.8990, 51.4859)]


def _chain(*parts: Sequence[Point]) -> list[Point]:
    """Join boundary chains into a closed ring (shared end points once)."""
    ring: list[Point] = []
    for part in parts:
        for p in part:
            if not ring or ring[-1] != p:
                ring.append(p)
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def _rev(chain: Sequence[Point]) -> list[Point]:
    return list(reversed(chain))


# Rings run counter-clockwise (RFC 7946).
QUARTER_RINGS: dict[str, list[Point]] = {
    "Alt-Oberhausen": _chain(_SOUTH[2:5], _rev(_ALT_MAR), _rev(_MID[3:7]), _STY_ALT),
    "Lirich": _chain(_MID[0:5], _LIR_OST, _NORTH, _WEST_NORTH),
    "Styrum": _chain(_SOUTH[0:3], _rev(_STY_ALT), _rev(_MID[0:4]), _WEST_SOUTH),
    "Marienkirche": _chain(_SOUTH[4:7], _EAST_SOUTH, _rev(_MID[6:10]), _ALT_MAR),
    "Osterfeld-Mitte": _chain(_MID[4:10], _EAST_NORTH, _NORTH_EAST, _rev(_LIR_OST)),
}
QUARTER_COLORS = {
    "Alt-Oberhausen": "#1f78b4",
    "Lirich": "#33a02c",
    "Styrum": "#ff7f00",
    "Marienkirche": "#6a3d9a",
    "Osterfeld-Mitte": "#e31a1c",
}
QUARTER_NOTES = {
    "Alt-Oberhausen": "Innenstadt rund um Markt und Rathaus; Projektgebiet „Aktiv für Arbeit im Stadtteil“.",
    "Lirich": "Wohnquartier nördlich der Innenstadt mit vielen jungen Familien.",
    "Styrum": "Gemischtes Quartier mit Stadtteilkonferenz und Stadtteilbüro.",
    "Marienkirche": "Dicht bebautes Gründerzeitquartier östlich der Innenstadt.",
    "Osterfeld-Mitte": "Stadtteilzentrum im Nordosten mit Markt und Zechensiedlungen.",
}
POSTCODES = {
    "Alt-Oberhausen": "46045",
    "Styrum": "46045",
    "Marienkirche": "46047",
    "Lirich": "46049",
    "Osterfeld-Mitte": "46117",
}
STREETS = {
    "Alt-Oberhausen": [
        "Marktstraße",
        "Bahnhofstraße",
        "Am Rathaus",
        "Schulstraße",
        "Poststraße",
        "Lindenallee",
        "Friedensplatz",
        "Kirchstraße",
    ],
    "Lirich": [
        "Gartenstraße",
        "Am Kanal",
        "Hafenstraße",
        "Birkenweg",
        "Zechenstraße",
        "Kolonieweg",
        "Liricher Markt",
        "Wiesenstraße",
    ],
    "Styrum": [
        "Styrumer Straße",
        "Mühlenweg",
        "Ahornweg",
        "Brückenstraße",
        "Am Stadtpark",
        "Feldstraße",
        "Schlossgraben",
        "Talstraße",
    ],
    "Marienkirche": [
        "Marienstraße",
        "Uhlandstraße",
        "Goethestraße",
        "Schillerstraße",
        "Rosenstraße",
        "Parkstraße",
        "Grünstraße",
        "Elsa-Brändström-Weg",
    ],
    "Osterfeld-Mitte": [
        "Osterfelder Markt",
        "Am Förderturm",
        "Zechenring",
        "Gildenstraße",
        "Nordstraße",
        "Akazienweg",
        "Heidestraße",
        "Knappenstraße",
    ],
}
_Q = {
    "AO": "Alt-Oberhausen",
    "LI": "Lirich",
    "ST": "Styrum",
    "MK": "Marienkirche",
    "OF": "Osterfeld-Mitte",
}


def point_in_ring(lon: float, lat: float, ring: Sequence[Point]) -> bool:
    """Even-odd ray casting; ``ring`` is a closed or open list of (lon, lat)."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_geojson(lon: float, lat: float, geometry: dict[str, Any]) -> bool:
    """Whether a point lies inside a GeoJSON Polygon or MultiPolygon (holes respected)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for rings in polygons:
        outer, *holes = rings
        if point_in_ring(lon, lat, outer) and not any(point_in_ring(lon, lat, h) for h in holes):
            return True
    return False


def quarter_geometry(name: str) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[list(p) for p in QUARTER_RINGS[name]]]}


def random_point_in(rng: random.Random, ring: Sequence[Point]) -> Point:
    """A point strictly inside ``ring`` (rejection sampling; rounded to 6 decimals)."""
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    while True:
        lon = round(rng.uniform(min(lons), max(lons)), 6)
        lat = round(rng.uniform(min(lats), max(lats)), 6)
        if point_in_ring(lon, lat, ring):
            return lon, lat


# --------------------------------------------------------------------------
# Vocabulary of the taxonomies seeded by the first migration.
# --------------------------------------------------------------------------
JC, AA, KOM, TR = "Jobcenter", "Agentur für Arbeit", "Kommune", "Soziale Einrichtung / Träger"
SCH, WI, GW, VE, RG = "Schule", "Wirtschaft", "Gesundheitswesen", "Verein / Initiative", "Religiöse Gemeinde"

SB, SU, KB = "Schuldnerberatung", "Suchtberatung", "Kinderbetreuung"
QW, AB, GE = "Qualifizierung & Weiterbildung", "Ausbildung", "Gesundheit"
HA, SI, BE = "Hilfe bei Anträgen & Behörden", "Sprache & Integration", "Beschäftigung & Arbeitsvermittlung"
FB, WO, JA, BF = "Familienberatung", "Wohnen", "Jugendarbeit", "Begegnung & Freizeit"

ALL, JUG, GBG, LZA = "Alleinerziehende", "Jugendliche", "Große Bedarfsgemeinschaften", "Langzeitarbeitslose"
GEF, MMB, FRA, FAM = "Geflüchtete", "Menschen mit Behinderung", "Frauen", "Familien"
AEL, MIG = "Ältere Menschen", "Menschen mit Migrationsgeschichte"

# Invented carriers (no real welfare association is named).
C_SRR = "Sozialwerk Rhein-Ruhr e. V."
C_EHV = "Evangelischer Hilfsverbund Emscher"
C_KSD = "Katholischer Sozialdienst St. Josef e. V."
C_BRU = "Brückenschlag Oberhausen gGmbH"
C_WHE = "Werkhof Emscher gGmbH"
C_RBW = "Ruhrbogen Bildungswerk gGmbH"
C_STADT = "Stadt Oberhausen"
C_JC = "Jobcenter Oberhausen (gemeinsame Einrichtung)"
C_FZO = "Frauenzimmer Oberhausen e. V."

STORY_INSTITUTION = "Schuldner- und Insolvenzberatung Alt-Oberhausen"
STORY_OFFER = "Schuldnerberatung für Alleinerziehende"
NETWORK_OFFICE = "Netzwerkbüro „Aktiv für Arbeit im Stadtteil“"
CITY_OFFICE = "Stadt Oberhausen – Stabsstelle Quartiersentwicklung"


@dataclass(frozen=True)
class Inst:
    """One row of the institution catalogue."""

    name: str
    quarter: str  # key of _Q
    sector: str
    category: str
    style: str  # opening hours and contact functions
    slug: str
    carrier: str | None = None
    extra: tuple[str, ...] = ()  # further offer categories
    size: int = 1  # weight for the number of contacts and offers (0: no offers of its own)


# fmt: off
INSTITUTIONS: list[Inst] = [
    # Jobcenter and Agentur für Arbeit
    Inst("Jobcenter Oberhausen – Geschäftsstelle Mitte", "AO", JC, BE, "amt", "jobcenter-mitte", C_JC, (QW, HA), 3),
    Inst("Jobcenter Oberhausen – Geschäftsstelle Osterfeld", "OF", JC, BE, "amt", "jobcenter-osterfeld", C_JC, (QW,), 3),
    Inst("Jobcenter Oberhausen – Team U25", "LI", JC, AB, "amt", "jobcenter-u25", C_JC, (BE,), 2),
    Inst("Agentur für Arbeit Oberhausen", "AO", AA, BE, "amt", "arbeitsagentur-oberhausen", None, (AB, QW), 3),
    Inst("Agentur für Arbeit – Berufsberatung im Erwerbsleben", "MK", AA, QW, "amt", "berufsberatung-oberhausen", None, (BE,), 2),
    # Kommune
    Inst(CITY_OFFICE, "AO", KOM, HA, "amt", "quartiersentwicklung-stadt", C_STADT, (), 0),
    Inst("Stadt Oberhausen – Bereich Soziales und Senioren", "AO", KOM, HA, "amt", "soziales-stadt", C_STADT, (WO,), 2),
    Inst("Stadt Oberhausen – Jugendamt, Bezirkssozialdienst Mitte", "AO", KOM, FB, "amt", "bsd-mitte", C_STADT, (), 2),
    Inst("Stadt Oberhausen – Jugendamt, Bezirkssozialdienst Osterfeld", "OF", KOM, FB, "amt", "bsd-osterfeld", C_STADT, (), 2),
    Inst("Stadt Oberhausen – Wohngeld- und Wohnberatungsstelle", "MK", KOM, WO, "amt", "wohnberatung-stadt", C_STADT, (HA,), 1),
    Inst("Kommunales Integrationszentrum Oberhausen", "MK", KOM, SI, "amt", "integrationszentrum", C_STADT, (HA,), 2),
    Inst("Stadtteilbüro Lirich", "LI", KOM, HA, "beratung", "stadtteilbuero-lirich", C_STADT, (BF,), 1),
    Inst("Stadtteilbüro Styrum", "ST", KOM, HA, "beratung", "stadtteilbuero-styrum", C_STADT, (BF,), 1),
    Inst("Städtisches Jugendzentrum Styrum", "ST", KOM, JA, "verein", "jugendzentrum-styrum", C_STADT, (), 1),
    Inst("Bürgerservice Osterfeld", "OF", KOM, HA, "amt", "buergerservice-osterfeld", C_STADT, (), 1),
    Inst("Gesundheitsamt – Sozialpsychiatrischer Dienst", "AO", KOM, GE, "amt", "spdi-oberhausen", C_STADT, (SU,), 1),
    Inst("Volkshochschule Oberhausen – Zweiter Bildungsweg", "AO", KOM, QW, "schule", "vhs-oberhausen", C_STADT, (SI,), 2),
    # Träger and Beratungsstellen
    Inst(NETWORK_OFFICE, "AO", TR, BE, "beratung", "aktiv-fuer-arbeit", C_SRR, (), 1),
    Inst(STORY_INSTITUTION, "AO", TR, SB, "beratung", "schuldnerberatung-alt-oberhausen", C_SRR, (), 2),
    Inst("Schuldnerberatung Osterfeld", "OF", TR, SB, "beratung", "schuldnerberatung-osterfeld", C_KSD, (), 1),
    Inst("Schuldnerberatung im Stadtteilhaus Styrum", "ST", TR, SB, "beratung", "schuldnerberatung-styrum", C_EHV, (), 1),
    Inst("Suchtberatungsstelle Marienkirche", "MK", TR, SU, "beratung", "suchtberatung-marienkirche", C_EHV, (), 2),
    Inst("Fachstelle für Glücksspiel- und Mediensucht", "AO", TR, SU, "beratung", "fachstelle-gluecksspiel", C_SRR, (), 1),
    Inst("Erziehungs- und Familienberatungsstelle Lirich", "LI", TR, FB, "beratung", "familienberatung-lirich", C_KSD, (), 2),
    Inst("Migrationsberatung für Erwachsene Oberhausen-Mitte", "AO", TR, SI, "beratung", "migrationsberatung-mitte", C_EHV, (HA,), 1),
    Inst("Jugendmigrationsdienst Osterfeld", "OF", TR, SI, "beratung", "jmd-osterfeld", C_KSD, (AB,), 1),
    Inst("Beratungsstelle Wohnungsnot", "MK", TR, WO, "beratung", "wohnungsnot-brueckenschlag", C_BRU, (), 1),
    Inst("Frauenberatungsstelle Lichtblick", "AO", TR, FB, "beratung", "frauenberatung-lichtblick", C_FZO, (), 1),
    Inst("Teilhabeberatung für Menschen mit Behinderung", "ST", TR, HA, "beratung", "teilhabeberatung-styrum", C_BRU, (), 1),
    Inst("Werkhof Emscher – Qualifizierungszentrum", "LI", TR, QW, "betrieb", "werkhof-qualifizierung", C_WHE, (BE,), 2),
    Inst("Werkhof Emscher – Fahrradwerkstatt", "ST", TR, BE, "betrieb", "werkhof-fahrradwerkstatt", C_WHE, (AB,), 1),
    Inst("Ruhrbogen Bildungswerk – Sprach- und Integrationskurse", "MK", TR, SI, "schule", "ruhrbogen-sprachkurse", C_RBW, (), 2),
    Inst("Ruhrbogen Bildungswerk – Jugendwerkstatt", "LI", TR, AB, "betrieb", "ruhrbogen-jugendwerkstatt", C_RBW, (JA,), 1),
    Inst("Sozialkaufhaus Gebrauchtwarenhof", "OF", TR, BE, "betrieb", "gebrauchtwarenhof", C_BRU, (BF,), 1),
    Inst("Arbeitslosenzentrum Oberhausen", "AO", TR, HA, "beratung", "arbeitslosenzentrum", C_EHV, (BE,), 1),
    Inst("Beratungscafé Kompass für Alleinerziehende", "AO", TR, FB, "beratung", "cafe-kompass", C_SRR, (KB,), 1),
    Inst("Seniorenberatung Marienkirche", "MK", TR, HA, "beratung", "seniorenberatung-marienkirche", C_KSD, (WO,), 1),
    Inst("Nachbarschaftszentrum Osterfeld", "OF", TR, BF, "verein", "nachbarschaftszentrum-osterfeld", C_SRR, (FB,), 1),
    Inst("Kinder- und Jugendtreff Lirich", "LI", TR, JA, "verein", "jugendtreff-lirich", C_EHV, (), 1),
    Inst("Tagesstätte für wohnungslose Menschen", "MK", TR, WO, "beratung", "tagesstaette-brueckenschlag", C_BRU, (GE,), 1),
    Inst("Mehrgenerationenhaus Styrum", "ST", TR, BF, "verein", "mehrgenerationenhaus-styrum", C_KSD, (FB,), 1),
    # Familienzentren
    Inst("Familienzentrum Alt-Oberhausen", "AO", TR, FB, "kita", "familienzentrum-alt-oberhausen", C_SRR, (KB,), 2),
    Inst("Familienzentrum Lirich", "LI", TR, FB, "kita", "familienzentrum-lirich", C_EHV, (KB,), 2),
    Inst("Familienzentrum Styrum", "ST", TR, FB, "kita", "familienzentrum-styrum", C_KSD, (KB,), 2),
    Inst("Familienzentrum Marienkirche", "MK", TR, FB, "kita", "familienzentrum-marienkirche", C_KSD, (KB,), 2),
    Inst("Familienzentrum Osterfeld-Mitte", "OF", KOM, FB, "kita", "familienzentrum-osterfeld", C_STADT, (KB,), 2),
    # Kitas
    Inst("Kita Regenbogen", "AO", TR, KB, "kita", "kita-regenbogen", C_SRR),
    Inst("Städtische Kita Gartenstraße", "AO", KOM, KB, "kita", "kita-gartenstrasse", C_STADT),
    Inst("Großtagespflege Zwergenstube", "AO", TR, KB, "kita", "zwergenstube"),
    Inst("Ev. Kita Arche", "LI", TR, KB, "kita", "kita-arche", C_EHV),
    Inst("Kita Sonnenblume", "LI", TR, KB, "kita", "kita-sonnenblume", C_KSD),
    Inst("Städtische Kita Am Stadtpark", "ST", KOM, KB, "kita", "kita-am-stadtpark", C_STADT),
    Inst("Kita Pusteblume", "ST", TR, KB, "kita", "kita-pusteblume", C_SRR),
    Inst("Kath. Kita St. Marien", "MK", TR, KB, "kita", "kita-st-marien", C_KSD),
    Inst("Kita Kleine Strolche", "MK", TR, KB, "kita", "kita-kleine-strolche", C_BRU),
    Inst("Städtische Kita Lindenweg", "OF", KOM, KB, "kita", "kita-lindenweg", C_STADT),
    Inst("Kita Wirbelwind", "OF", TR, KB, "kita", "kita-wirbelwind", C_EHV),
    Inst("Kita Weltentdecker", "OF", TR, KB, "kita", "kita-weltentdecker", C_SRR),
    # Schulen
    Inst("Grundschule am Rathaus", "AO", SCH, KB, "schule", "gs-am-rathaus", C_STADT, (JA,)),
    Inst("Grundschule Lirich-Nord", "LI", SCH, KB, "schule", "gs-lirich-nord", C_STADT),
    Inst("Grundschule Styrum-Süd", "ST", SCH, KB, "schule", "gs-styrum-sued", C_STADT),
    Inst("Marienschule (Grundschule)", "MK", SCH, KB, "schule", "marienschule", C_STADT),
    Inst("Grundschule Osterfeld-Mitte", "OF", SCH, KB, "schule", "gs-osterfeld-mitte", C_STADT),
    Inst("Gesamtschule am Förderturm", "OF", SCH, AB, "schule", "gesamtschule-foerderturm", C_STADT, (JA,), 2),
    Inst("Gesamtschule Lirich", "LI", SCH, AB, "schule", "gesamtschule-lirich", C_STADT, (JA,), 2),
    Inst("Realschule an der Mühle", "ST", SCH, AB, "schule", "realschule-muehle", C_STADT),
    Inst("Hauptschule Marienkirche", "MK", SCH, AB, "schule", "hauptschule-marienkirche", C_STADT, (JA,)),
    Inst("Berufskolleg Oberhausen-Mitte", "AO", SCH, AB, "schule", "berufskolleg-mitte", C_STADT, (QW,), 2),
    Inst("Förderschule Lernen am Park", "ST", SCH, AB, "schule", "foerderschule-am-park", C_STADT),
    # Vereine und Initiativen
    Inst("Bürgerverein Lirich e. V.", "LI", VE, BF, "verein", "buergerverein-lirich"),
    Inst("Nachbarschaftsinitiative Styrum bewegt e. V.", "ST", VE, BF, "verein", "styrum-bewegt"),
    Inst("SV Eintracht Marienkirche 1921 e. V.", "MK", VE, BF, "verein", "eintracht-marienkirche", None, (JA,)),
    Inst("Osterfelder Mittagstisch e. V.", "OF", VE, BF, "verein", "mittagstisch-osterfeld"),
    Inst("Interkultureller Frauentreff Dialog e. V.", "AO", VE, SI, "verein", "frauentreff-dialog", None, (BF,)),
    Inst("Deutsch-Türkischer Kulturverein Marienkirche e. V.", "MK", VE, SI, "verein", "kulturverein-marienkirche"),
    Inst("Elterninitiative Alleinerziehend stark e. V.", "AO", VE, FB, "verein", "alleinerziehend-stark", None, (KB,)),
    Inst("Selbsthilfetreff Neuanfang e. V.", "MK", VE, SU, "verein", "selbsthilfe-neuanfang"),
    Inst("Ukrainischer Hilfeverein Mrija e. V.", "OF", VE, SI, "verein", "hilfeverein-mrija"),
    Inst("Jugendförderverein Styrum e. V.", "ST", VE, JA, "verein", "jugendfoerderverein-styrum"),
    Inst("Stadtteilpatenschaften Osterfeld e. V.", "OF", VE, BF, "verein", "stadtteilpaten-osterfeld", None, (HA,)),
    Inst("Lernpaten Oberhausen e. V.", "LI", VE, JA, "verein", "lernpaten-oberhausen", None, (AB,)),
    # Religiöse Gemeinden
    Inst("Moscheegemeinde Lirich e. V.", "LI", RG, BF, "gemeinde", "moscheegemeinde-lirich", None, (SI,)),
    Inst("Islamische Gemeinde Osterfeld e. V.", "OF", RG, BF, "gemeinde", "islamische-gemeinde-osterfeld", None, (SI,)),
    Inst("Ev. Kirchengemeinde Alt-Oberhausen", "AO", RG, BF, "gemeinde", "ev-gemeinde-alt-oberhausen", None, (WO,)),
    Inst("Kath. Pfarrei St. Marien – Sozialbüro", "MK", RG, HA, "gemeinde", "st-marien-sozialbuero"),
    Inst("Ev. Kirchengemeinde Styrum", "ST", RG, BF, "gemeinde", "ev-gemeinde-styrum"),
    # Gesundheitswesen
    Inst("Ärztehaus am Markt", "AO", GW, GE, "praxis", "aerztehaus-am-markt", None, (), 2),
    Inst("Ärztehaus Osterfeld", "OF", GW, GE, "praxis", "aerztehaus-osterfeld", None, (), 2),
    Inst("Hebammenpraxis Wiegenlied", "LI", GW, GE, "praxis", "hebammenpraxis-wiegenlied", None, (FB,)),
    Inst("Psychosoziale Kontakt- und Beratungsstelle", "MK", GW, GE, "beratung", "kontaktstelle-marienkirche", C_SRR, (SU,)),
    Inst("Kinder- und Jugendarztpraxis Styrum", "ST", GW, GE, "praxis", "kinderarztpraxis-styrum"),
    Inst("Gesundheitskiosk Alt-Oberhausen", "AO", GW, GE, "beratung", "gesundheitskiosk", C_BRU, (SI,)),
    Inst("Pflegedienst Lebensfreude GmbH", "OF", GW, AB, "betrieb", "pflegedienst-lebensfreude", None, (BE,)),
    # Wirtschaft
    Inst("Malerwerkstatt Farbenfroh GmbH", "ST", WI, AB, "betrieb", "malerwerkstatt-farbenfroh"),
    Inst("Ruhrwest Logistik GmbH", "OF", WI, BE, "betrieb", "ruhrwest-logistik", None, (AB,)),
    Inst("Wohnungsgenossenschaft Emscherland eG", "MK", WI, WO, "betrieb", "emscherland-eg"),
    Inst("Wohnbau Oberhausen-Mitte GmbH", "AO", WI, WO, "betrieb", "wohnbau-mitte"),
    Inst("Einzelhandelsgemeinschaft Lirich e. V.", "LI", WI, BE, "verein", "einzelhandel-lirich", None, (AB,)),
    Inst("Bäckerei Goldkorn GmbH", "MK", WI, AB, "betrieb", "baeckerei-goldkorn"),
    Inst("IT-Werkstatt Ruhr UG", "AO", WI, QW, "betrieb", "it-werkstatt-ruhr"),
]
# fmt: on

# Institutions whose address is known but not yet placed on the map; the ones
# mapped to None have no quarter either (the geocoder decides it later).
UNPLACED: dict[str, bool] = {
    "Großtagespflege Zwergenstube": True,
    "Einzelhandelsgemeinschaft Lirich e. V.": True,
    "Bäckerei Goldkorn GmbH": True,
    "Ukrainischer Hilfeverein Mrija e. V.": False,
    "Lernpaten Oberhausen e. V.": False,
}
# Institutions that are not (yet) members of the network.
NOT_ACTORS = [
    "Großtagespflege Zwergenstube",
    "Bäckerei Goldkorn GmbH",
    "Kinder- und Jugendarztpraxis Styrum",
    "Hebammenpraxis Wiegenlied",
    "Kita Weltentdecker",
]
NOT_PUBLIC = [
    NETWORK_OFFICE,
    CITY_OFFICE,
    "Ukrainischer Hilfeverein Mrija e. V.",
    "Tagesstätte für wohnungslose Menschen",
]

HOURS = {
    "amt": [
        "Mo–Mi 8–12:30 Uhr, Do 8–12:30 und 14–17 Uhr, Fr 8–12 Uhr",
        "Mo–Fr 8–12 Uhr, Do zusätzlich 14–18 Uhr; Termine nach Vereinbarung",
    ],
    "beratung": [
        "Mo–Do 9–16 Uhr, Fr 9–12 Uhr; offene Sprechstunde Di 9–12 Uhr",
        "Mo, Mi, Do 9–15 Uhr und nach Vereinbarung",
        "Di und Do 10–17 Uhr, Fr 9–12 Uhr",
    ],
    "kita": ["Mo–Fr 7–16:30 Uhr", "Mo–Do 7:30–16 Uhr, Fr 7:30–14 Uhr"],
    "schule": ["Sekretariat Mo–Fr 7:30–13 Uhr", "Mo–Fr 7:45–15:30 Uhr, Sekretariat bis 12:30 Uhr"],
    "verein": ["Di und Do 15–19 Uhr", "Mo–Fr 14–20 Uhr, Sa 11–16 Uhr", "Mi 10–13 Uhr und nach Absprache"],
    "gemeinde": ["Büro Mo, Mi, Fr 10–12 Uhr", "Büro Di und Do 9–12 Uhr"],
    "praxis": ["Mo–Fr 8–12 Uhr, Mo, Di, Do 15–18 Uhr", "Mo–Fr 7:30–13 Uhr, Di und Do 15–19 Uhr"],
    "betrieb": ["Mo–Fr 7–16 Uhr", "Mo–Do 8–16:30 Uhr, Fr 8–13 Uhr"],
}
FUNCTIONS = {
    "amt": [
        "Teamleitung",
        "Fallmanagement",
        "Arbeitsvermittlung",
        "Koordination Quartiersarbeit",
        "Chancengleichheit am Arbeitsmarkt",
        "Leistungssachbearbeitung",
        "Bereichsleitung",
    ],
    "beratung": ["Leitung", "Sozialberatung", "Fachberatung", "Verwaltung", "Koordination Ehrenamt"],
    "kita": ["Leitung", "stellv. Leitung", "Sprachförderung", "Elternbegleitung"],
    "schule": [
        "Schulleitung",
        "Schulsozialarbeit",
        "Studien- und Berufswahlkoordination",
        "OGS-Koordination",
    ],
    "verein": ["Vorsitz", "Geschäftsführung", "Ehrenamtskoordination", "Projektkoordination"],
    "gemeinde": ["Vorstand", "Gemeindebüro", "Gemeindesozialarbeit", "Jugendarbeit"],
    "praxis": ["Praxisleitung", "Praxismanagement", "Sozialberatung im Ärztehaus"],
    "betrieb": ["Geschäftsführung", "Ausbildungsleitung", "Personalabteilung", "Anleitung"],
}
LANGUAGES = [
    "Deutsch",
    "Deutsch",
    "Deutsch, Englisch",
    "Deutsch, Türkisch",
    "Deutsch, Arabisch",
    "Deutsch, Türkisch, Arabisch",
    "Deutsch, Russisch, Ukrainisch",
    "Deutsch, Polnisch",
    "Deutsch, Englisch, Französisch",
    "Deutsch, Kurdisch, Arabisch",
    "Deutsch, Rumänisch, Bulgarisch",
]
ACCESSIBILITY = [
    "barrierefrei (ebenerdig)",
    "barrierefrei, Aufzug vorhanden",
    "Rampe am Seiteneingang",
    "nicht barrierefrei (Eingang mit Stufen)",
    None,
]


@dataclass(frozen=True)
class OfferTpl:
    title: str
    groups: tuple[str, ...]
    schedule: str
    cost: str = "kostenlos"
    description: str = ""
    capacity: int | None = None
    project: bool = False
    only: tuple[str, ...] = ()  # institution styles or sectors that offer it; empty = any


# fmt: off
OFFERS: dict[str, list[OfferTpl]] = {
    SB: [
        OfferTpl("Offene Sprechstunde Schuldnerberatung", (LZA, FAM), "Di 9–12 Uhr", description="Erstberatung ohne Termin: Überblick über Schulden, Sofortmaßnahmen bei Pfändung und Stromsperre."),
        OfferTpl("P-Konto-Bescheinigung und Existenzsicherung", (LZA,), "Mo–Do nach Terminvereinbarung", description="Bescheinigung für das Pfändungsschutzkonto, Sicherung von Miete und Energie."),
        OfferTpl("Verbraucherinsolvenzberatung", (), "nach Terminvereinbarung", description="Begleitung durch das Insolvenzverfahren als anerkannte Stelle."),
        OfferTpl("Budgetberatung für junge Erwachsene", (JUG,), "Mi 14–17 Uhr", description="Erste eigene Wohnung, Handyvertrag, Kontoführung: Haushaltsplanung für junge Leute."),
        OfferTpl("Haushaltsplanung für große Familien", (GBG, FAM), "Do 9–12 Uhr", description="Haushaltsbuch, Sozialleistungen prüfen, Rückstände ordnen."),
    ],
    SU: [
        OfferTpl("Offene Suchtberatung (Alkohol, Medikamente, Drogen)", (), "Mo–Fr 9–12 Uhr", description="Anonyme Erstberatung, Vermittlung in Entgiftung und Therapie.", only=("beratung", "amt")),
        OfferTpl("Beratung für Angehörige von Suchtkranken", (FAM,), "Mi 16–18 Uhr"),
        OfferTpl("Glücksspiel- und Mediensucht: Beratung für Jugendliche", (JUG,), "Di 15–18 Uhr"),
        OfferTpl("Gesprächsgruppe für suchtkranke Frauen", (FRA,), "Do 18–19:30 Uhr", capacity=12),
        OfferTpl("Suchtprävention an Schulen", (JUG,), "nach Absprache mit der Schule", project=True, only=("beratung",)),
        OfferTpl("Selbsthilfegruppe Alkohol", (), "Mo 19–21 Uhr", cost="kostenlos, Spende erwünscht", only=("verein", "gemeinde", "beratung")),
        OfferTpl("Ambulante Nachsorge nach der Therapie", (LZA,), "Mo 17–19 Uhr", cost="Kostenträger: Rentenversicherung", only=("beratung",)),
    ],
    KB: [
        OfferTpl("U3-Betreuung", (FAM, ALL), "Mo–Fr 7–16:30 Uhr", cost="Elternbeitrag nach Satzung", capacity=20, only=("kita",)),
        OfferTpl("Ü3-Betreuung mit alltagsintegrierter Sprachförderung", (FAM, MIG), "Mo–Fr 7–16:30 Uhr", cost="Elternbeitrag nach Satzung", capacity=45, only=("kita",)),
        OfferTpl("Randzeitenbetreuung für Berufstätige", (ALL,), "Mo–Fr 6–7 und 16:30–19 Uhr", cost="Elternbeitrag nach Satzung", capacity=10, project=True, only=("kita",)),
        OfferTpl("Eltern-Kind-Gruppe", (FAM,), "Mi 9:30–11 Uhr", cost="2 € pro Treffen", only=("kita", "verein", "gemeinde", "beratung")),
        OfferTpl("Offene Ganztagsschule (OGS)", (FAM, ALL), "Mo–Fr bis 16 Uhr", cost="Elternbeitrag nach Satzung", capacity=75, only=("schule",)),
        OfferTpl("Kinderbetreuung während Sprach- und Qualifizierungskursen", (ALL, GEF), "parallel zu den Kurszeiten", capacity=12, project=True, only=("kita", "beratung", "verein")),
        OfferTpl("Ferienbetreuung für Grundschulkinder", (FAM, ALL), "in den Oster-, Sommer- und Herbstferien 8–15 Uhr", cost="35 € pro Woche, ermäßigt 10 €", only=("schule", "verein")),
    ],
    QW: [
        OfferTpl("Teilqualifizierung Lager und Logistik", (LZA,), "Mo–Fr 8–13 Uhr", cost="kostenlos mit Bildungsgutschein", capacity=14, only=("betrieb", "schule")),
        OfferTpl("Computerkurs für Einsteigerinnen", (FRA, AEL), "Di und Do 9–11:30 Uhr", cost="10 € Materialkosten", capacity=10, only=("schule", "betrieb", "verein", "beratung")),
        OfferTpl("Bewerbungstraining", (LZA, JUG), "Mi 10–13 Uhr"),
        OfferTpl("Teilzeitqualifizierung für Alleinerziehende", (ALL, FRA), "Mo–Do 8:30–12:30 Uhr", capacity=12, project=True, only=("schule", "betrieb", "beratung")),
        OfferTpl("Hauptschulabschluss nachholen", (JUG,), "Mo–Fr 8–13 Uhr", capacity=20, only=("schule",)),
        OfferTpl("Digitale Grundbildung", (AEL, LZA), "Fr 9–12 Uhr", capacity=8, only=("schule", "betrieb", "verein", "beratung")),
        OfferTpl("Beratung zu Weiterbildung und Bildungsgutschein", (LZA,), "nach Terminvereinbarung", only=(JC, AA, "beratung")),
    ],
    AB: [
        OfferTpl("Ausbildungsplatzvermittlung und Bewerbungshilfe", (JUG,), "Mo–Do 9–15 Uhr", only=("amt", "beratung")),
        OfferTpl("Berufsorientierung Klasse 8–10", (JUG,), "im Unterricht nach Plan", only=("schule", "amt", "betrieb")),
        OfferTpl("Assistierte Ausbildung", (JUG, MMB), "nach Vereinbarung", project=True, only=("amt", "beratung")),
        OfferTpl("Ausbildung in Teilzeit – Beratung", (ALL,), "Do 9–12 Uhr", only=("amt", "beratung")),
        OfferTpl("Praktikumsplätze für Schülerinnen und Schüler", (JUG,), "nach Absprache", only=("betrieb", "praxis", "verein")),
        OfferTpl("Einstiegsqualifizierung", (JUG, GEF), "Mo–Fr 8–16 Uhr", capacity=4, only=("betrieb", "amt")),
        OfferTpl("Berufseinstiegsbegleitung", (JUG,), "nach Absprache", only=("schule", "beratung")),
        OfferTpl("Ausbildungsplätze im Betrieb", (JUG,), "Bewerbung jederzeit", cost="Ausbildungsvergütung nach Tarif", only=("betrieb",)),
    ],
    GE: [
        OfferTpl("Akutsprechstunde ohne Termin", (), "Mo–Fr 8–10 Uhr", cost="Krankenversichertenkarte", only=("praxis",)),
        OfferTpl("Gesundheitsberatung in mehreren Sprachen", (MIG, GEF), "Mi 10–13 Uhr"),
        OfferTpl("Hebammensprechstunde für Schwangere", (FRA, FAM), "Di 14–16 Uhr", only=("praxis", "kita")),
        OfferTpl("Bewegung 60 plus", (AEL,), "Do 10–11 Uhr", cost="2 € pro Termin", capacity=15),
        OfferTpl("Psychosoziale Beratung", (LZA,), "Mo–Fr nach Terminvereinbarung", only=("beratung", "amt")),
        OfferTpl("Gesundheitslotsinnen im Quartier", (MIG, FRA), "Fr 9–12 Uhr", project=True),
        OfferTpl("Impfsprechstunde für Kinder", (FAM,), "Mi 15–17 Uhr", cost="Krankenversichertenkarte", only=("praxis",)),
    ],
    HA: [
        OfferTpl("Hilfe beim Ausfüllen von Anträgen", (AEL, MIG), "Mo 10–12 Uhr"),
        OfferTpl("Beratung zu Bürgergeld und Wohngeld", (LZA, GBG), "Di 9–12 Uhr"),
        OfferTpl("Bildung und Teilhabe: Antragshilfe", (FAM, GBG), "Do 14–16 Uhr"),
        OfferTpl("Allgemeine Sozialberatung", (), "Mo–Do 9–12 Uhr"),
        OfferTpl("Ergänzende unabhängige Teilhabeberatung", (MMB,), "nach Terminvereinbarung", only=("beratung",)),
        OfferTpl("Briefe verstehen – Sprechstunde", (MIG, AEL), "Fr 10–12 Uhr"),
    ],
    SI: [
        OfferTpl("Integrationskurs mit Kinderbetreuung", (GEF, ALL), "Mo–Fr 8:30–12:45 Uhr", cost="kostenlos mit Berechtigungsschein", capacity=18, only=("schule", "beratung")),
        OfferTpl("Sprachcafé", (MIG, GEF), "Mi 16–18 Uhr"),
        OfferTpl("Berufssprachkurs B2", (MIG,), "Mo–Do 17–20:15 Uhr", cost="kostenlos mit Berechtigung", capacity=20, only=("schule",)),
        OfferTpl("Migrationsberatung für Erwachsene", (MIG,), "Di und Do 9–12 Uhr", only=("beratung",)),
        OfferTpl("Frauenkurs Deutsch im Alltag", (FRA, GEF), "Di und Do 9–11 Uhr", capacity=12, only=("schule", "verein", "gemeinde")),
        OfferTpl("Anerkennungsberatung für ausländische Abschlüsse", (MIG,), "nach Terminvereinbarung", only=("amt", "beratung")),
        OfferTpl("Sprachmittlung für Behördengänge", (GEF,), "nach Absprache", project=True),
    ],
    BE: [
        OfferTpl("Arbeitsvermittlung und Beratung", (LZA,), "Mo–Fr 8–12 Uhr", only=(JC, AA)),
        OfferTpl("Gemeinsam in Arbeit: Coaching für Bedarfsgemeinschaften", (GBG,), "nach Vereinbarung", project=True, only=(JC, "beratung")),
        OfferTpl("Teilhabe am Arbeitsmarkt (§ 16i SGB II)", (LZA,), "nach Vereinbarung", only=(JC, WI, TR)),
        OfferTpl("Arbeitsgelegenheiten im Quartier", (LZA,), "Mo–Fr 8–14 Uhr", cost="Mehraufwandsentschädigung", only=(TR,)),
        OfferTpl("Sprechstunde des Jobcenters im Stadtteil", (), "jeden 1. Mittwoch im Monat 10–12 Uhr", only=(JC, KOM)),
        OfferTpl("Beratung zum beruflichen Wiedereinstieg", (FRA, ALL), "Mi 9–12 Uhr", only=("amt", "beratung", "schule")),
        OfferTpl("Einstiegsjobs für Quereinsteigerinnen und Quereinsteiger", (LZA, GEF), "Bewerbung jederzeit", cost="Lohn nach Tarif", only=("betrieb",)),
        OfferTpl("Schnuppertage im Betrieb", (LZA, JUG), "nach Absprache", only=("betrieb",)),
        OfferTpl("Lotsenstelle Arbeit und Soziales", (), "Di und Do 9–13 Uhr", project=True, only=(JC, KOM, "beratung")),
    ],
    FB: [
        OfferTpl("Erziehungsberatung", (FAM,), "nach Terminvereinbarung", only=("beratung", "amt", "kita")),
        OfferTpl("Beratung für Alleinerziehende", (ALL,), "Mo 9–12 Uhr"),
        OfferTpl("Frühe Hilfen: Familienhebamme", (FAM,), "Hausbesuche nach Absprache", only=("amt", "kita", "praxis", "beratung")),
        OfferTpl("Elterncafé", (FAM, MIG), "Fr 9–11 Uhr"),
        OfferTpl("Trennungs- und Scheidungsberatung", (FAM, ALL), "nach Terminvereinbarung", only=("beratung", "amt", "kita")),
        OfferTpl("Beratung bei häuslicher Gewalt", (FRA,), "Mo–Fr 9–13 Uhr, Notfälle sofort", only=("beratung", "amt")),
        OfferTpl("Treff für Alleinerziehende mit Kinderbetreuung", (ALL, FRA), "jeden 2. Samstag 10–13 Uhr"),
    ],
    WO: [
        OfferTpl("Wohnungsnotfallberatung", (), "Mo–Fr 9–12 Uhr", only=("beratung", "amt")),
        OfferTpl("Mietschuldenberatung und Wohnungssicherung", (GBG, LZA), "Di 13–16 Uhr"),
        OfferTpl("Wohnberatung für ältere Menschen", (AEL, MMB), "nach Terminvereinbarung"),
        OfferTpl("Wohnungsbörse für Geflüchtete", (GEF,), "Do 10–12 Uhr", project=True),
        OfferTpl("Tagesaufenthalt mit Mittagstisch", (), "Mo–Fr 8–14 Uhr", cost="1,50 € pro Mahlzeit", only=("beratung", "verein", "gemeinde")),
        OfferTpl("Mieterberatung und Hausbesuche", (AEL, FAM), "nach Absprache", only=("betrieb", "amt", "beratung")),
    ],
    JA: [
        OfferTpl("Offener Jugendtreff", (JUG,), "Mo–Fr 14–20 Uhr"),
        OfferTpl("Hausaufgabenhilfe", (JUG, FAM), "Mo–Do 14–16 Uhr"),
        OfferTpl("Mädchentreff", (JUG, FRA), "Mi 16–19 Uhr"),
        OfferTpl("Ferienprogramm", (JUG, FAM), "in den Schulferien", cost="5 € pro Ausflug"),
        OfferTpl("Streetwork", (JUG,), "Di–Sa abends", only=("verein", "amt", "beratung")),
        OfferTpl("Schulsozialarbeit: Beratung für Schülerinnen, Schüler und Eltern", (JUG, FAM), "Mo–Fr nach Absprache", only=("schule",)),
        OfferTpl("Bewerbungswerkstatt für Jugendliche", (JUG,), "Do 15–17 Uhr"),
    ],
    BF: [
        OfferTpl("Nachbarschaftscafé", (AEL, FAM), "Mi 14:30–17 Uhr", cost="Kaffee gegen Spende"),
        OfferTpl("Mittagstisch", (AEL, LZA), "Mo–Fr 12–14 Uhr", cost="3 € pro Mahlzeit"),
        OfferTpl("Sport im Park", (), "Sa 10–11:30 Uhr"),
        OfferTpl("Interkulturelles Frauenfrühstück", (FRA, MIG), "jeden 1. Freitag im Monat 9:30–11:30 Uhr", cost="Beitrag zum Buffet"),
        OfferTpl("Repair-Café", (), "jeden 3. Samstag im Monat 11–15 Uhr"),
        OfferTpl("Seniorentreff", (AEL,), "Di 14–17 Uhr"),
        OfferTpl("Kleiderkammer", (GEF, GBG), "Do 10–13 Uhr"),
    ],
}
# fmt: on

# Common first and last names, combined at random. Combinations that name a
# well-known person are never drawn (see _FAMOUS).
FIRST_NAMES = [
    "Anna", "Katrin", "Sabine", "Petra", "Julia", "Miriam", "Sandra", "Nicole", "Claudia",
    "Jasmin", "Leonie", "Melanie", "Ayşe", "Fatma", "Elif", "Zeynep", "Olga", "Natalia",
    "Agnieszka", "Marta", "Layla", "Amira", "Svetlana", "Birgit", "Heike", "Sonja", "Carina",
    "Ines", "Tanja", "Franziska", "Jana", "Lea", "Rabia", "Dilara", "Gabriele", "Hanna",
    "Markus", "Stefan", "Andreas", "Jens", "Dirk", "Frank", "Jörg", "Sven", "Tobias",
    "Florian", "Kai", "Mehmet", "Emre", "Murat", "Hakan", "Ahmad", "Karim", "Piotr",
    "Dmitri", "Oleksandr", "Bernd", "Ralf", "Holger", "Timo", "Jan", "Lukas", "Niklas",
    "Benedikt", "Yusuf", "Samir", "Goran", "Matthias", "Christoph", "Björn",
]  # fmt: skip
LAST_NAMES = [
    "Albers", "Brinkmann", "Dietrich", "Fuchs", "Gerlach", "Hartmann", "Jansen", "Kaiser",
    "Kemper", "Krämer", "Kuhlmann", "Lange", "Möller", "Niemann", "Otte", "Peters", "Pohl",
    "Quast", "Reuter", "Sauer", "Scholten", "Seidel", "Terhorst", "Ullrich", "Vogt",
    "Wegener", "Winkler", "Zimmermann", "Yıldız", "Demir", "Kaya", "Öztürk", "Aydın",
    "Çelik", "Şahin", "Kowalski", "Nowak", "Iwanow", "Petrenko", "Haddad", "Nasser",
    "Schüller", "Böhm", "Großmann", "Heßler", "Lütkemeyer", "Overbeck", "Kötter",
    "Brüggemann", "Hülsmann", "Stratmann", "Tewes", "Wolters", "Rademacher", "Bußmann",
    "Jäger", "Marković", "Popescu", "Köhler", "Arslan",
]  # fmt: skip
_FAMOUS = {("Andreas", "Möller"), ("Piotr", "Nowak"), ("Jens", "Jäger"), ("Julia", "Jäger")}

CONSENT_PURPOSE = (
    "Kontaktpflege im Netzwerk „Aktiv für Arbeit im Stadtteil“: Einladungen, Protokolle, "
    "Teilnehmerlisten und Weitergabe der dienstlichen Kontaktdaten an Netzwerkpartner"
)
CONSENT_SOURCES = [
    "schriftliche Einwilligung (Formular)",
    "schriftliche Einwilligung (Formular)",
    "per E-Mail bestätigt",
    "mündlich beim Runden Tisch, im Protokoll vermerkt",
    "Visitenkarte und Formular auf der Fachtagung",
]

# Individual persons who are actors of their own (no institution behind them).
PERSON_ACTORS = [
    ("Ehrenamtliche Stadtteilpatin", "Verein / Initiative", "Styrum"),
    ("Ehrenamtliche Sprachmittlung (Arabisch, Kurdisch)", "Verein / Initiative", "Alt-Oberhausen"),
    ("Seniorenbeirat, Vertretung Osterfeld", "Verein / Initiative", "Osterfeld-Mitte"),
    ("Elternvertretung im Jugendhilfeausschuss", "Verein / Initiative", "Lirich"),
    ("Ehrenamtliche Lernbegleitung", "Verein / Initiative", "Marienkirche"),
]


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


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    """The n-th given weekday of a month, a week later when that is a holiday."""
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    day = first + dt.timedelta(days=offset + 7 * (nth - 1))
    while day in HOLIDAYS:
        day += dt.timedelta(days=7)
    return day


# --------------------------------------------------------------------------
# The builder
# --------------------------------------------------------------------------
_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i"})


def ascii_slug(name: str) -> str:
    """'Öztürk' -> 'oeztuerk', 'Şahin' -> 'sahin' (for e-mail addresses)."""
    low = name.lower().translate(_ASCII)
    plain = "".join(c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c))
    return "".join(c if c.isalnum() else "-" for c in plain).strip("-")


def _random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


class _Builder:
    def __init__(self, session: Any, rng: random.Random, today: dt.date) -> None:
        self.s = session
        self.rng = rng
        self.today = today
        self.terms: dict[tuple[str, str], m.Term] = {
            (t.vocabulary, t.name): t for t in session.scalars(select(m.Term).order_by(m.Term.id))
        }
        self.phones = [f"030 23125 {n:03d}" for n in rng.sample(range(1000), 1000)]
        self.quarters: dict[str, m.Quarter] = {}
        self.institutions: dict[str, m.Institution] = {}
        self.inst_spec: dict[str, Inst] = {}
        self.contacts_of: dict[str, list[m.Contact]] = {}
        self.actors: dict[str, m.Actor] = {}  # by institution name or person label
        self.actor_contacts: dict[str, list[m.Contact]] = {}
        self.person_contacts: list[m.Contact] = []

    def term(self, vocabulary: m.Vocabulary, name: str) -> m.Term:
        return self.terms[(vocabulary.value, name)]

    def phone(self) -> str:
        return self.phones.pop()

    # -- quarters and institutions ----------------------------------------
    def build_quarters(self) -> None:
        for name in QUARTER_RINGS:
            q = m.Quarter(
                name=name,
                boundary_geojson=json.dumps(quarter_geometry(name)),
                color=QUARTER_COLORS[name],
                notes=QUARTER_NOTES[name],
            )
            self.quarters[name] = q
            self.s.add(q)
        self.s.flush()

    def build_institutions(self) -> None:
        rng = self.rng
        for spec in INSTITUTIONS:
            qname = _Q[spec.quarter]
            street = f"{rng.choice(STREETS[qname])} {rng.randint(1, 160)}{rng.choice(['', '', '', '', 'a'])}"
            unplaced = spec.name in UNPLACED
            lon_lat = None if unplaced else random_point_in(rng, QUARTER_RINGS[qname])
            has_quarter = not unplaced or UNPLACED[spec.name]
            inst = m.Institution(
                name=spec.name,
                sector_id=self.term(m.Vocabulary.SECTOR, spec.sector).id,
                category_id=self.term(m.Vocabulary.CATEGORY, spec.category).id,
                carrier=spec.carrier,
                street=street,
                postcode=POSTCODES[qname],
                city=CITY,
                lat=lon_lat[1] if lon_lat else None,
                lon=lon_lat[0] if lon_lat else None,
                quarter_id=self.quarters[qname].id if has_quarter else None,
                quarter_manual=unplaced and has_quarter,
                geocode_status=(m.GeocodeState.PENDING if unplaced else m.GeocodeState.OK).value,
                geocoded_at=None if unplaced else dt.datetime.combine(self.today, dt.time(8, 0)),
                phone=self.phone(),
                email=f"info@{spec.slug}.example.org",
                website=f"https://{spec.slug}.example.org",
                opening_hours=rng.choice(HOURS[spec.style]),
                accessibility=rng.choice(ACCESSIBILITY),
                languages=rng.choice(LANGUAGES),
                is_public=spec.name not in NOT_PUBLIC,
                verified_on=(
                    None if rng.random() < 0.1 else _random_date(rng, dt.date(2025, 6, 1), self.today)
                ),
                notes="Adresse noch nicht auf der Karte verortet (Geokodierung ausstehend)."
                if unplaced
                else None,
            )
            self.institutions[spec.name] = inst
            self.inst_spec[spec.name] = spec
            self.s.add(inst)
        assert len(self.institutions) == N_INSTITUTIONS, len(self.institutions)
        self.s.flush()

    # -- contacts ----------------------------------------------------------
    def _names(self, n: int) -> list[tuple[str, str]]:
        seen: set[tuple[str, str]] = set()
        out: list[tuple[str, str]] = []
        while len(out) < n:
            pair = (self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES))
            if pair in seen or pair in _FAMOUS:
                continue
            seen.add(pair)
            out.append(pair)
        return out

    def _consent(self, contact: m.Contact) -> None:
        if self.rng.random() < 0.9:
            contact.consent_date = _random_date(self.rng, dt.date(2024, 3, 1), self.today)
            contact.consent_purpose = CONSENT_PURPOSE
            contact.consent_source = self.rng.choice(CONSENT_SOURCES)

    def build_contacts(self) -> None:
        rng = self.rng
        specs = list(self.inst_spec.values())
        per_inst = {spec.name: 1 for spec in specs}
        remaining = N_CONTACTS - len(PERSON_ACTORS) - len(specs)
        weights = [max(spec.size, 2) ** 2 if spec.name == CITY_OFFICE else spec.size**2 for spec in specs]
        for spec in rng.choices(specs, weights=weights, k=remaining):
            per_inst[spec.name] += 1
        names = self._names(N_CONTACTS)
        for spec in specs:
            functions = list(FUNCTIONS[spec.style])
            rng.shuffle(functions)
            functions.sort(key=lambda f: "leitung" not in f.lower() and f not in ("Vorsitz", "Vorstand"))
            contacts = []
            for i in range(per_inst[spec.name]):
                first, last = names.pop()
                contact = m.Contact(
                    institution_id=self.institutions[spec.name].id,
                    first_name=first,
                    last_name=last,
                    function=functions[i % len(functions)],
                    phone=self.phone(),
                    email=f"{ascii_slug(first)}.{ascii_slug(last)}@{spec.slug}.example.org",
                )
                self._consent(contact)
                contacts.append(contact)
                self.s.add(contact)
            self.contacts_of[spec.name] = contacts
        for label, _sector, _quarter in PERSON_ACTORS:
            first, last = names.pop()
            contact = m.Contact(
                institution_id=None,
                first_name=first,
                last_name=last,
                function=label,
                phone=self.phone(),
                email=f"{ascii_slug(first)}.{ascii_slug(last)}@privat.example.org",
                notes="Einzelperson im Netzwerk, keine Einrichtung.",
            )
            self._consent(contact)
            self.person_contacts.append(contact)
            self.s.add(contact)
        self.s.flush()

    # -- offers ------------------------------------------------------------
    def build_offers(self) -> None:
        rng = self.rng
        plan: list[tuple[str, OfferTpl]] = []
        story = OfferTpl(
            STORY_OFFER,
            (ALL, FRA),
            "Di 9–12 Uhr und nach Vereinbarung",
            description=(
                "Beratung bei Schulden, Unterhaltsfragen und Pfändung speziell für Alleinerziehende; "
                "Kinder können mitgebracht werden, Kinderbetreuung im Familienzentrum nach Absprache."
            ),
        )
        plan.append((STORY_INSTITUTION, story))
        # Every institution's own category first, then its further categories.
        pools: dict[str, list[OfferTpl]] = {}
        for spec in self.inst_spec.values():
            own = list(OFFERS[spec.category])
            rng.shuffle(own)
            extra = [t for c in spec.extra for t in OFFERS[c]]
            rng.shuffle(extra)
            pools[spec.name] = [
                t for t in own + extra if not t.only or spec.style in t.only or spec.sector in t.only
            ]
            want = 0 if spec.size == 0 else 1 + (spec.size > 1) + (rng.random() < 0.3)
            for _ in range(want - (spec.name == STORY_INSTITUTION)):
                if pools[spec.name]:
                    plan.append((spec.name, pools[spec.name].pop(0)))
        while len(plan) > N_OFFERS:
            i = rng.randrange(1, len(plan))
            name = plan[i][0]
            if sum(1 for p in plan if p[0] == name) > 1:
                plan.pop(i)
        while len(plan) < N_OFFERS:
            name = rng.choice(list(self.inst_spec))
            if pools[name] and self.inst_spec[name].size > 0:
                plan.append((name, pools[name].pop(0)))
        projects = [i for i, (_n, t) in enumerate(plan) if t.project]
        expired = set(rng.sample(projects, min(5, len(projects))))
        offers: list[tuple[m.Offer, tuple[str, ...]]] = []
        for i, (name, tpl) in enumerate(plan):
            spec = self.inst_spec[name]
            inst = self.institutions[name]
            offer = m.Offer(
                institution_id=inst.id,
                title=tpl.title,
                description=tpl.description or None,
                category_id=self.term(m.Vocabulary.CATEGORY, self._category_of(tpl)).id,
                place=rng.choice([None, None, None, f"{inst.street}, {inst.postcode} {CITY}"]),
                schedule=tpl.schedule,
                cost=tpl.cost,
                languages=inst.languages if rng.random() < 0.8 else rng.choice(LANGUAGES),
                capacity=tpl.capacity,
            )
            if i in expired:
                offer.valid_from = dt.date(rng.choice([2023, 2024]), rng.choice([1, 4, 7]), 1)
                offer.valid_to = rng.choice(
                    [dt.date(2025, 12, 31), dt.date(2026, 6, 30), dt.date(2026, 9, 30)]
                )
                offer.description = (offer.description or "") + " Projekt ausgelaufen."
            elif tpl.project:
                offer.valid_from = dt.date(rng.choice([2025, 2026]), rng.choice([1, 4, 9]), 1)
                offer.valid_to = dt.date(rng.choice([2027, 2028]), 12, 31)
            if spec.name == STORY_INSTITUTION and tpl.title == STORY_OFFER:
                offer.place = "Beratungsraum im Familienzentrum Alt-Oberhausen (dienstags)"
            self.s.add(offer)
            offers.append((offer, tpl.groups))
        self.s.flush()
        # Link tables in a fixed order (the unit of work would order them by chance).
        links = sorted(
            (offer.id, self.term(m.Vocabulary.TARGET_GROUP, g).id) for offer, groups in offers for g in groups
        )
        self.s.execute(m.offer_target_group.insert(), [{"offer_id": o, "term_id": t} for o, t in links])

    @staticmethod
    def _category_of(tpl: OfferTpl) -> str:
        if tpl.title == STORY_OFFER:
            return SB
        for cat, templates in OFFERS.items():
            if tpl in templates:
                return cat
        raise KeyError(tpl.title)

    # -- actors ------------------------------------------------------------
    def build_actors(self, statuses: dict[str, m.ActorStatus]) -> None:
        rng = self.rng
        for name in self.actor_names():
            status = statuses[name]
            since = {
                m.ActorStatus.ACTIVE: (dt.date(2025, 2, 1), dt.date(2026, 5, 1)),
                m.ActorStatus.INFORMED: (dt.date(2026, 1, 15), dt.date(2026, 10, 31)),
                m.ActorStatus.ADDRESSED: (dt.date(2026, 6, 1), dt.date(2026, 11, 12)),
                m.ActorStatus.DORMANT: (dt.date(2026, 4, 1), dt.date(2026, 7, 31)),
            }[status]
            if name in self.institutions:
                inst = self.institutions[name]
                actor = m.Actor(
                    name=name,
                    institution_id=inst.id,
                    sector_id=inst.sector_id,
                    status=status.value,
                    status_since=_random_date(rng, *since),
                )
                contacts = self.contacts_of[name]
                # One regular person, a deputy who comes now and then.
                self.actor_contacts[name] = contacts[:2]
            else:
                idx = [p[0] for p in PERSON_ACTORS].index(name)
                contact = self.person_contacts[idx]
                actor = m.Actor(
                    name=f"{contact.first_name} {contact.last_name} ({name})",
                    contact_id=contact.id,
                    sector_id=self.term(m.Vocabulary.SECTOR, PERSON_ACTORS[idx][1]).id,
                    status=status.value,
                    status_since=_random_date(rng, *since),
                    notes=f"Einzelperson, aktiv in {PERSON_ACTORS[idx][2]}.",
                )
                self.actor_contacts[name] = [contact]
            self.actors[name] = actor
            self.s.add(actor)
        assert len(self.actors) == N_ACTORS, len(self.actors)
        self.s.flush()

    def actor_names(self) -> list[str]:
        names = [spec.name for spec in INSTITUTIONS if spec.name not in NOT_ACTORS]
        return names + [p[0] for p in PERSON_ACTORS]

    def members_of(self, tpl: RoundTableTpl) -> list[str]:
        out: list[str] = []
        for entry in tpl.members:
            if entry.startswith("@"):
                names = [s.name for s in INSTITUTIONS if s.quarter == entry[1:]]
            else:
                names = [entry]
            out += [n for n in names if n not in NOT_ACTORS and n not in out]
        if tpl.quarter == "Styrum":
            out.append(PERSON_ACTORS[0][0])
        if tpl.quarter == "Alt-Oberhausen":
            out.append(PERSON_ACTORS[1][0])
        return out

    def plan_statuses(self) -> dict[str, m.ActorStatus]:
        """60 active actors, mostly round-table members; the rest spread."""
        rng = self.rng
        members: list[str] = []
        for tpl in ROUND_TABLES:
            members += [n for n in self.members_of(tpl) if n not in members]
        core = {
            NETWORK_OFFICE,
            CITY_OFFICE,
            STORY_INSTITUTION,
            "Jobcenter Oberhausen – Geschäftsstelle Mitte",
            "Jobcenter Oberhausen – Team U25",
            "Agentur für Arbeit Oberhausen",
            "Familienzentrum Alt-Oberhausen",
            "Suchtberatungsstelle Marienkirche",
            "Stadtteilbüro Styrum",
            "Stadtteilbüro Lirich",
            "Gesamtschule Lirich",
            "Mehrgenerationenhaus Styrum",
        }
        names = self.actor_names()
        score = {
            n: rng.random() + (1.2 if n in members else 0.0) + (5.0 if n in core else 0.0) for n in names
        }
        ranked = sorted(names, key=lambda n: -score[n])
        n_active = STATUS_COUNTS[m.ActorStatus.ACTIVE]
        statuses = {n: m.ActorStatus.ACTIVE for n in ranked[:n_active]}
        rest = ranked[n_active:]
        # Dormant actors used to come: prefer members among the rest.
        dormant_pool = [n for n in rest if n in members] + [n for n in rest if n not in members]
        for n in dormant_pool[: STATUS_COUNTS[m.ActorStatus.DORMANT]]:
            statuses[n] = m.ActorStatus.DORMANT
        rest = [n for n in rest if n not in statuses]
        rng.shuffle(rest)
        n_inf = STATUS_COUNTS[m.ActorStatus.INFORMED]
        for n in rest[:n_inf]:
            statuses[n] = m.ActorStatus.INFORMED
        for n in rest[n_inf:]:
            statuses[n] = m.ActorStatus.ADDRESSED
        return statuses

    # -- round tables, meetings, attendance --------------------------------
    def build_round_tables(self) -> None:
        rng = self.rng
        window_start = dt.datetime.combine(self.today - dt.timedelta(days=ACTIVE_WINDOW_DAYS), dt.time())
        now = dt.datetime.combine(self.today, dt.time(23, 59))
        attended: dict[tuple[int, str], list[m.Contact]] = {}  # (meeting index, actor name) -> contacts
        meetings: list[m.Meeting] = []
        meeting_members: list[list[str]] = []
        for tpl in ROUND_TABLES:
            member_names = self.members_of(tpl)
            rt = m.RoundTable(
                name=tpl.name,
                topic=tpl.topic,
                quarter_id=self.quarters[tpl.quarter].id,
                rhythm=tpl.rhythm,
                organiser=NETWORK_OFFICE if tpl.quarter != "Styrum" else "Stadtteilbüro Styrum",
            )
            self.s.add(rt)
            self.s.flush()
            self.s.execute(
                m.round_table_member.insert(),
                [
                    {"round_table_id": rt.id, "actor_id": a}
                    for a in sorted(self.actors[n].id for n in member_names)
                ],
            )
            topics = list(tpl.topics)
            rng.shuffle(topics)
            dates = [nth_weekday(y, mo, tpl.weekday, tpl.nth) for y, mo in tpl.months]
            for k, day in enumerate(dates):
                starts = dt.datetime.combine(day, dt.time(tpl.hour, tpl.minute))
                host = self.institutions[tpl.places[k % len(tpl.places)]]
                items = [topics[k % len(topics)], topics[(k + 1) % len(topics)]]
                agenda = "\n".join(
                    [
                        "1. Begrüßung, Protokoll der letzten Sitzung",
                        f"2. {items[0]}",
                        f"3. {items[1]}",
                        "4. Berichte aus den Einrichtungen",
                        "5. Verschiedenes, nächster Termin",
                    ]
                )
                nxt = dates[k + 1] if k + 1 < len(dates) else None
                minutes = None
                if starts < now:
                    minutes = f"Schwerpunkt: {items[0]}. Vereinbarungen und Aufgaben siehe Anlage."
                    if nxt:
                        minutes += f" Nächstes Treffen am {nxt.strftime('%d.%m.%Y')}."
                meeting = m.Meeting(
                    round_table=rt,
                    kind=m.MeetingKind.ROUND_TABLE.value,
                    title=f"{tpl.name} – {MONTHS_DE[day.month - 1]} {day.year}",
                    starts_at=starts,
                    place=f"{host.name}, {host.street}",
                    agenda=agenda,
                    minutes=minutes,
                )
                self.s.add(meeting)
                idx = len(meetings)
                meetings.append(meeting)
                meeting_members.append(member_names)
                if starts >= now:
                    continue  # still to come: nobody has attended yet
                for name in member_names:
                    actor = self.actors[name]
                    p = {
                        m.ActorStatus.ACTIVE.value: 0.9 if name == NETWORK_OFFICE else 0.75,
                        m.ActorStatus.INFORMED.value: 0.2,
                        m.ActorStatus.ADDRESSED.value: 0.04,
                        m.ActorStatus.DORMANT.value: 0.6 if day < dt.date(2026, 4, 1) else 0.0,
                    }[actor.status]
                    if rng.random() < p:
                        attended[(idx, name)] = self._who(name)
        # A Fachtagung and bilateral meetings: the other half of network work.
        conf_day = dt.datetime(2026, 9, 24, 9, 0)
        conference = m.Meeting(
            kind=m.MeetingKind.CONFERENCE.value,
            title="Fachtagung „Arbeit und Teilhabe im Quartier“",
            starts_at=conf_day,
            place=f"{self.institutions['Mehrgenerationenhaus Styrum'].name}, Saal",
            agenda="\n".join(
                [
                    "9:00 Ankommen und Markt der Möglichkeiten",
                    "9:30 Grußwort der Stadt Oberhausen",
                    "10:00 Vortrag: Sozialraumorientierte Arbeitsmarktpolitik",
                    "11:00 Workshops: Alleinerziehende / Jugend und Beruf / Sucht und Schulden",
                    "13:00 Ergebnisse und Ausblick: Wie geht das Netzwerk nach der Förderung weiter?",
                ]
            ),
            minutes="Etwa 80 Teilnehmende; Dokumentation im Netzwerkbüro.",
        )
        self.s.add(conference)
        conf_idx = len(meetings)
        meetings.append(conference)
        meeting_members.append([])
        for name, actor in self.actors.items():
            p = {
                m.ActorStatus.ACTIVE.value: 0.55,
                m.ActorStatus.INFORMED.value: 0.35,
                m.ActorStatus.ADDRESSED.value: 0.25,
                m.ActorStatus.DORMANT.value: 0.0,
            }[actor.status]
            if rng.random() < p:
                attended[(conf_idx, name)] = self._who(name)[:1]

        def in_window(idx: int) -> bool:
            return window_start <= meetings[idx].starts_at <= now

        def recent(name: str) -> int:
            return sum(1 for (i, n) in attended if n == name and in_window(i))

        # Keep the stored status and the attendance rule in agreement.
        bilateral_days = _weekdays(dt.date(2026, 5, 20), self.today - dt.timedelta(days=3))
        for name, actor in self.actors.items():
            if actor.status == m.ActorStatus.ACTIVE.value:
                if recent(name) < ACTIVE_MIN_MEETINGS and (conf_idx, name) not in attended:
                    attended[(conf_idx, name)] = self._who(name)[:1]
                while recent(name) < ACTIVE_MIN_MEETINGS:
                    day = rng.choice(bilateral_days)
                    starts = dt.datetime.combine(day, dt.time(rng.choice([9, 10, 11, 13, 14]), 0))
                    partner = actor.name
                    bilateral = m.Meeting(
                        kind=m.MeetingKind.BILATERAL.value,
                        title=f"Abstimmung Netzwerkbüro – {partner}",
                        starts_at=starts,
                        place=rng.choice([f"bei {partner}", NETWORK_OFFICE, "Videokonferenz"]),
                        agenda="Zusammenarbeit im Netzwerk, gemeinsame Angebote, nächste Schritte",
                        minutes="Gesprächsnotiz im Netzwerkbüro.",
                    )
                    self.s.add(bilateral)
                    idx = len(meetings)
                    meetings.append(bilateral)
                    meeting_members.append([])
                    attended[(idx, name)] = self._who(name)[:1]
                    attended[(idx, NETWORK_OFFICE)] = self._who(NETWORK_OFFICE)[:1]
            else:
                # Drop the most recent extra visits so the rule does not call them active.
                visits = sorted((i for (i, n) in attended if n == name and in_window(i)), reverse=True)
                for i in visits[: max(0, len(visits) - (ACTIVE_MIN_MEETINGS - 1))]:
                    del attended[(i, name)]
        self.s.flush()
        for (idx, name), contacts in sorted(attended.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            for contact in contacts:
                self.s.add(
                    m.Attendance(
                        meeting_id=meetings[idx].id,
                        actor_id=self.actors[name].id,
                        contact_id=contact.id,
                    )
                )
        self.s.flush()
        self._story_four_newcomer(window_start)

    def _story_four_newcomer(self, window_start: dt.datetime) -> None:
        """Story 4: a newer partner of the Runder Tisch Alleinerziehende came once, in October.

        Ticking it at the November meeting (18.11.2026) is its second meeting within the
        window, so the dashboard then says 61 of 100 actors active.
        """
        table = self.s.scalar(select(m.RoundTable).where(m.RoundTable.name == ROUND_TABLES[0].name))
        assert table is not None
        october = self.s.scalar(
            select(m.Meeting).where(
                m.Meeting.round_table_id == table.id,
                m.Meeting.starts_at >= dt.datetime(2026, 10, 1),
                m.Meeting.starts_at < dt.datetime(2026, 11, 1),
            )
        )
        assert october is not None
        members = set(
            self.s.scalars(
                select(m.round_table_member.c.actor_id).where(
                    m.round_table_member.c.round_table_id == table.id
                )
            )
        )
        recent = set(
            self.s.scalars(
                select(m.Attendance.actor_id)
                .join(m.Meeting, m.Meeting.id == m.Attendance.meeting_id)
                .where(m.Meeting.starts_at >= window_start)
            )
        )
        candidates = sorted(
            (name, actor)
            for name, actor in self.actors.items()
            if actor.status == m.ActorStatus.INFORMED.value
            and actor.institution_id is not None
            and actor.id not in members
            and actor.id not in recent
            and self.actor_contacts.get(name)
        )
        name, actor = candidates[0]
        self.s.execute(m.round_table_member.insert(), [{"round_table_id": table.id, "actor_id": actor.id}])
        person = self.actor_contacts[name][0]
        self.s.add(m.Attendance(meeting_id=october.id, actor_id=actor.id, contact_id=person.id))
        self.s.flush()

    def _who(self, name: str) -> list[m.Contact]:
        """Who represents the actor: usually the regular person, now and then the deputy too."""
        contacts = self.actor_contacts[name]
        if len(contacts) > 1:
            r = self.rng.random()
            if r < 0.15:
                return [contacts[1]]
            if r < 0.25:
                return [contacts[0], contacts[1]]
        return [contacts[0]]

    # -- agreements --------------------------------------------------------
    def build_agreements(self) -> None:
        def party(inst_name: str, role: str) -> m.AgreementParty:
            return m.AgreementParty(
                actor_id=self.actors[inst_name].id,
                contact_id=self.actor_contacts[inst_name][0].id,
                role=role,
            )

        city = m.Agreement(
            title="Kooperationsvereinbarung Stadt Oberhausen und Jobcenter Oberhausen: Arbeit und Teilhabe im Quartier",
            signed_on=dt.date(2026, 6, 30),
            valid_from=dt.date(2026, 7, 1),
            valid_to=dt.date(2029, 6, 30),
            projects="\n".join(
                [
                    "1. Quartiersnahe Beratung: gemeinsame Sprechstunden von Jobcenter und Stadt "
                    "in den Stadtteilbüros Lirich und Styrum",
                    "2. Jugend in Ausbildung: aufsuchende Beratung junger Menschen ohne Anschluss, "
                    "gemeinsam mit Schulen, Jugendamt und Trägern",
                    "3. Gesundheitslotsinnen im Quartier als Brücke zwischen Gesundheits- und Arbeitsförderung",
                    "4. Alleinerziehende: Kinderbetreuung während Qualifizierung und Teilzeitausbildung",
                    "Die Liste ist nicht abschließend und kann im vierteljährlichen Jour fixe ergänzt werden.",
                ]
            ),
            review_rhythm="monatlich",
            next_review=dt.date(2026, 12, 2),
            notes=(
                "Beide Seiten benennen eine Ansprechperson. Auf Referentenebene findet ein monatlicher "
                "Abgleich zur Vereinbarung statt; die strategische Abstimmung erfolgt in einem "
                "vierteljährlichen Jour fixe der Leitungen mit den benannten Ansprechpersonen. "
                "Für einzelne Projekte können weitere Ansprechpersonen benannt werden."
            ),
            parties=[
                party(CITY_OFFICE, "Stadt Oberhausen – benannte Ansprechperson"),
                party("Jobcenter Oberhausen – Geschäftsstelle Mitte", "Jobcenter – benannte Ansprechperson"),
            ],
        )
        network = m.Agreement(
            title="Kooperationsvereinbarung Netzwerk Alleinerziehende Alt-Oberhausen",
            signed_on=dt.date(2026, 8, 26),
            valid_from=dt.date(2026, 9, 1),
            valid_to=None,
            projects="\n".join(
                [
                    "1. Gemeinsame Sprechstunde für Alleinerziehende im Familienzentrum (Jobcenter, "
                    "Schuldnerberatung, Beratungscafé)",
                    "2. Verlässliche Kinderbetreuung während Beratung und Qualifizierung",
                    "3. Fortführung des Runden Tisches nach Ende der Projektförderung",
                ]
            ),
            review_rhythm="vierteljährlich",
            next_review=dt.date(2026, 12, 9),
            notes="Der Runde Tisch Alleinerziehende bleibt das Abstimmungsgremium; Einladung durch das Familienzentrum.",
            parties=[
                party("Familienzentrum Alt-Oberhausen", "Koordination"),
                party("Jobcenter Oberhausen – Geschäftsstelle Mitte", "Partner"),
                party(STORY_INSTITUTION, "Partner"),
                party("Beratungscafé Kompass für Alleinerziehende", "Partner"),
                party(NETWORK_OFFICE, "Begleitung bis Förderende"),
            ],
        )
        self.s.add_all([city, network])
        self.s.flush()


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in HOLIDAYS:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


_STAMPED_TABLES = (
    "term",
    "quarter",
    "institution",
    "offer",
    "contact",
    "actor",
    "round_table",
    "meeting",
    "attendance",
    "agreement",
    "agreement_party",
)


def build_demo(path: Path, seed: int = 2026, today: dt.date = TODAY) -> dict[str, Any]:
    """Create a fresh demo database at ``path`` (replacing a file there) and return its figures."""
    path = Path(path)
    for stale in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal")):
        if stale.exists():
            stale.unlink()
    result = open_database(path)
    engine = result.engine
    try:
        sessions = make_sessions(engine)
        atlas = Atlas(sessions)  # installs the search-index hook
        rng = random.Random(seed)
        with sessions.begin() as session:
            b = _Builder(session, rng, today)
            b.build_quarters()
            b.build_institutions()
            b.build_contacts()
            b.build_offers()
            b.build_actors(b.plan_statuses())
            b.build_round_tables()
            b.build_agreements()
            # The link tables were written with Core, which the flush hook does not see.
            search.rebuild(session.connection())
            # Fixed timestamps: the file does not depend on when it was built.
            stamp = dt.datetime.combine(today, dt.time(8, 0))
            for table in _STAMPED_TABLES:
                session.execute(text(f"UPDATE {table} SET created_at = :t, updated_at = :t"), {"t": stamp})
        with engine.connect() as conn:
            # Merge the full-text index into one segment and drop free pages: a smaller file to ship.
            search.optimize(conn)
            conn.commit()
            conn.exec_driver_sql("VACUUM")
        return atlas.stats()
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m atlas.demo", description="Baut die Demo-Datenbank.")
    parser.add_argument("out", type=Path, help="Datei der neuen Demo-Datenbank (wird ersetzt)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    stats = build_demo(args.out, seed=args.seed)
    json.dump(stats, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
