"""The static catalogue of the demo database (see :mod:`atlas.demo.build`, which builds it).

Constants and the fixed clock, the quarters' colours, notes, postcodes and streets,
the vocabulary abbreviations, the institution, offer and round-table templates, name
lists, consent texts and the holiday calendar. Everything here is invented; the
rules for what may appear (fictitious phone block, no real persons or welfare
associations) are described in :mod:`atlas.demo.build`. Plain data only: no randomness,
no database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from atlas import models as m

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

# --------------------------------------------------------------------------
# Quarters: colours, notes, postcodes and streets (the boundary polygons are
# built in atlas.demo.build, next to the geometry helpers).
# --------------------------------------------------------------------------
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
QUARTER_OF = {
    "AO": "Alt-Oberhausen",
    "LI": "Lirich",
    "ST": "Styrum",
    "MK": "Marienkirche",
    "OF": "Osterfeld-Mitte",
}

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
    quarter: str  # key of QUARTER_OF
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
# well-known person are never drawn (see FAMOUS_NAMES).
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
FAMOUS_NAMES = {("Andreas", "Möller"), ("Piotr", "Nowak"), ("Jens", "Jäger"), ("Julia", "Jäger")}

CONSENT_PURPOSE = (
    "Kontaktpflege im Netzwerk „Aktiv für Arbeit im Stadtteil“: Einladungen, Protokolle, "
    "Teilnehmerlisten und Weitergabe der dienstlichen Kontaktdaten an Netzwerkpartner"
)
#: Who recorded the demo's consents ("Einwilligung erfasst von").
DEMO_COACH = "Netzwerkbüro (Demo)"
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
