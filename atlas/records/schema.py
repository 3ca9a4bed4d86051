"""Declarative description of every entity: its fields, list columns and filters.

The services validate and convert by it; the UI builds forms and lists from it.
Nothing here knows about Qt or about a database session.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from atlas import models as m
from atlas.i18n import _


class Kind(StrEnum):
    TEXT = "text"
    MULTILINE = "multiline"
    INT = "int"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    CHOICE = "choice"  # one of ``choices``
    TERM = "term"  # one term of ``vocabulary``
    TERMS = "terms"  # several terms of ``vocabulary``
    REF = "ref"  # one record of entity ``ref``
    REFS = "refs"  # several records of entity ``ref``
    EMAIL = "email"
    PHONE = "phone"
    POSTCODE = "postcode"
    URL = "url"
    LAT = "lat"
    LON = "lon"
    COLOR = "color"
    GEOJSON = "geojson"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Kind = Kind.TEXT
    required: bool = False
    max_len: int | None = None
    vocabulary: m.Vocabulary | None = None
    ref: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""


@dataclass(frozen=True)
class ListColumn:
    key: str
    label: str


class FilterKind(StrEnum):
    QUARTER = "quarter"
    CATEGORY = "category"
    TARGET_GROUP = "target_group"
    SECTOR = "sector"
    STATUS = "status"
    ROUND_TABLE = "round_table"
    CONSENT = "consent"


FILTER_LABELS: dict[FilterKind, str] = {
    FilterKind.QUARTER: _("Quartier"),
    FilterKind.CATEGORY: _("Kategorie"),
    FilterKind.TARGET_GROUP: _("Zielgruppe"),
    FilterKind.SECTOR: _("Sektor"),
    FilterKind.STATUS: _("Status"),  # the computed status (atlas.network.service)
    FilterKind.ROUND_TABLE: _("Runder Tisch"),
    FilterKind.CONSENT: _("Einwilligung"),
}


@dataclass(frozen=True)
class EntitySpec:
    key: str
    singular: str
    plural: str
    model: type[m.Record]
    fields: tuple[Field, ...]
    columns: tuple[ListColumn, ...]
    filters: tuple[FilterKind, ...] = ()
    title_field: str = "name"
    newest_first: bool = False  # lists start sorted by the first column, descending

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


STATUS_CHOICES: tuple[tuple[str, str], ...] = (
    (m.ActorStatus.ADDRESSED.value, _("angesprochen")),
    (m.ActorStatus.INFORMED.value, _("informiert")),
    (m.ActorStatus.ACTIVE.value, _("aktiv")),
    (m.ActorStatus.DORMANT.value, _("ruhend")),
)

CONSENT_CHOICES: tuple[tuple[str, str], ...] = (
    (m.ConsentState.UNKNOWN.value, _("unbekannt (nicht gefragt)")),
    (m.ConsentState.GIVEN.value, _("erteilt")),
    (m.ConsentState.REFUSED.value, _("abgelehnt")),
)

MEETING_KIND_CHOICES: tuple[tuple[str, str], ...] = (
    (m.MeetingKind.ROUND_TABLE.value, _("Runder Tisch")),
    (m.MeetingKind.BILATERAL.value, _("Bilaterales Treffen")),
    (m.MeetingKind.CONFERENCE.value, _("Fachtagung")),
)

RHYTHM_CHOICES: tuple[tuple[str, str], ...] = tuple(
    (v, v)
    for v in (
        _("monatlich"),
        _("zweimonatlich"),
        _("vierteljährlich"),
        _("halbjährlich"),
        _("jährlich"),
        _("nach Bedarf"),
    )
)

QUARTER = EntitySpec(
    key="quarter",
    singular=_("Quartier"),
    plural=_("Quartiere"),
    model=m.Quarter,
    fields=(
        Field("name", _("Name"), required=True, max_len=120),
        Field("color", _("Farbe"), Kind.COLOR, hint=_("z. B. #1f78b4")),
        Field(
            "boundary_geojson",
            _("Grenze (GeoJSON)"),
            Kind.GEOJSON,
            hint=_("Polygon als GeoJSON; Import aus Datei folgt im Menü Quartiere"),
        ),
        Field("notes", _("Notizen"), Kind.MULTILINE),
    ),
    columns=(
        ListColumn("name", _("Name")),
        ListColumn("institutions", _("Einrichtungen")),
        ListColumn("offers", _("Angebote")),
    ),
)

INSTITUTION = EntitySpec(
    key="institution",
    singular=_("Einrichtung"),
    plural=_("Einrichtungen"),
    model=m.Institution,
    fields=(
        Field("name", _("Name"), required=True, max_len=200),
        Field("category_id", _("Kategorie"), Kind.TERM, vocabulary=m.Vocabulary.CATEGORY),
        Field("sector_id", _("Sektor"), Kind.TERM, vocabulary=m.Vocabulary.SECTOR),
        Field("carrier", _("Träger"), max_len=200),
        Field("street", _("Straße und Hausnummer"), max_len=200),
        Field("postcode", _("PLZ"), Kind.POSTCODE),
        Field("city", _("Ort"), max_len=120),
        Field("quarter_id", _("Quartier"), Kind.REF, ref="quarter"),
        Field("lat", _("Breitengrad"), Kind.LAT),
        Field("lon", _("Längengrad"), Kind.LON),
        Field("phone", _("Telefon"), Kind.PHONE, max_len=40),
        Field("email", _("E-Mail"), Kind.EMAIL, max_len=254),
        Field("website", _("Internet"), Kind.URL, max_len=300),
        Field("opening_hours", _("Öffnungszeiten"), Kind.MULTILINE, max_len=2000),
        Field("accessibility", _("Barrierefreiheit"), max_len=300),
        Field("languages", _("Sprachen"), max_len=300),
        Field("is_public", _("Öffentlich im Wegweiser"), Kind.BOOL),
        Field("verified_on", _("Geprüft am"), Kind.DATE),
        Field("notes", _("Notizen"), Kind.MULTILINE, max_len=10000),
    ),
    columns=(
        ListColumn("name", _("Name")),
        ListColumn("category", _("Kategorie")),
        ListColumn("quarter", _("Quartier")),
        ListColumn("address", _("Adresse")),
        ListColumn("phone", _("Telefon")),
    ),
    filters=(FilterKind.QUARTER, FilterKind.CATEGORY, FilterKind.TARGET_GROUP, FilterKind.STATUS),
)

OFFER = EntitySpec(
    key="offer",
    singular=_("Angebot"),
    plural=_("Angebote"),
    model=m.Offer,
    title_field="title",
    fields=(
        Field("title", _("Titel"), required=True, max_len=200),
        Field("institution_id", _("Einrichtung"), Kind.REF, ref="institution", required=True),
        Field("category_id", _("Kategorie"), Kind.TERM, vocabulary=m.Vocabulary.CATEGORY),
        Field("target_groups", _("Zielgruppen"), Kind.TERMS, vocabulary=m.Vocabulary.TARGET_GROUP),
        Field("description", _("Beschreibung"), Kind.MULTILINE, max_len=10000),
        Field("place", _("Ort"), max_len=200),
        Field("schedule", _("Zeiten"), max_len=300),
        Field("cost", _("Kosten"), max_len=120),
        Field("languages", _("Sprachen"), max_len=300),
        Field("capacity", _("Plätze"), Kind.INT),
        Field("valid_from", _("Gültig ab"), Kind.DATE),
        Field("valid_to", _("Gültig bis"), Kind.DATE),
    ),
    columns=(
        ListColumn("title", _("Titel")),
        ListColumn("institution", _("Einrichtung")),
        ListColumn("category", _("Kategorie")),
        ListColumn("quarter", _("Quartier")),
        ListColumn("target_groups", _("Zielgruppen")),
    ),
    filters=(FilterKind.QUARTER, FilterKind.CATEGORY, FilterKind.TARGET_GROUP),
)

CONTACT = EntitySpec(
    key="contact",
    singular=_("Kontakt"),
    plural=_("Kontakte"),
    model=m.Contact,
    title_field="last_name",
    fields=(
        Field("first_name", _("Vorname"), max_len=100),
        Field("last_name", _("Nachname"), required=True, max_len=100),
        Field("institution_id", _("Einrichtung"), Kind.REF, ref="institution"),
        Field("function", _("Funktion"), max_len=150),
        Field("phone", _("Telefon"), Kind.PHONE, max_len=40),
        Field("email", _("E-Mail"), Kind.EMAIL, max_len=254),
        Field(
            "consent_state",
            _("Stand der Einwilligung"),
            Kind.CHOICE,
            choices=CONSENT_CHOICES,
            required=True,
            hint=_("„erteilt“ braucht Datum und Zweck; wer nicht gefragt wurde, steht auf „unbekannt“."),
        ),
        Field("consent_date", _("Einwilligung am"), Kind.DATE),
        Field("consent_purpose", _("Zweck der Einwilligung"), max_len=300),
        Field("consent_source", _("Einwilligung erteilt über"), max_len=200),
        Field("consent_recorded_by", _("Einwilligung erfasst von"), max_len=120),
        Field("notes", _("Notizen"), Kind.MULTILINE, max_len=10000),
    ),
    columns=(
        ListColumn("name", _("Name")),
        ListColumn("function", _("Funktion")),
        ListColumn("institution", _("Einrichtung")),
        ListColumn("phone", _("Telefon")),
        ListColumn("email", _("E-Mail")),
        ListColumn("consent", _("Einwilligung")),
    ),
    filters=(FilterKind.QUARTER, FilterKind.CATEGORY, FilterKind.CONSENT),
)

ACTOR = EntitySpec(
    key="actor",
    singular=_("Akteur"),
    plural=_("Akteure"),
    model=m.Actor,
    fields=(
        Field("name", _("Name"), required=True, max_len=200),
        Field("institution_id", _("Einrichtung"), Kind.REF, ref="institution"),
        Field("contact_id", _("Person"), Kind.REF, ref="contact"),
        Field("sector_id", _("Sektor"), Kind.TERM, vocabulary=m.Vocabulary.SECTOR),
        Field(
            "status",
            _("Erfasste Stufe"),
            Kind.CHOICE,
            choices=STATUS_CHOICES,
            required=True,
            hint=_(
                "Wie weit die Ansprache ist; ob jemand aktiv ist, berechnet das Programm aus den Teilnahmen."
            ),
        ),
        Field("status_since", _("Stufe seit"), Kind.DATE),
        Field("notes", _("Notizen"), Kind.MULTILINE, max_len=10000),
    ),
    columns=(
        ListColumn("name", _("Name")),
        ListColumn("status", _("Status")),  # computed from attendance (Atlas sets it)
        ListColumn("sector", _("Sektor")),
        ListColumn("quarter", _("Quartier")),
    ),
    filters=(FilterKind.QUARTER, FilterKind.SECTOR, FilterKind.STATUS),
)

ROUND_TABLE = EntitySpec(
    key="round_table",
    singular=_("Runder Tisch"),
    plural=_("Runde Tische"),
    model=m.RoundTable,
    fields=(
        Field("name", _("Name"), required=True, max_len=200),
        Field("topic", _("Thema"), max_len=300),
        Field("quarter_id", _("Quartier"), Kind.REF, ref="quarter"),
        Field("rhythm", _("Rhythmus"), Kind.CHOICE, choices=RHYTHM_CHOICES),
        Field("organiser", _("Organisation"), max_len=200),
        Field("members", _("Mitglieder"), Kind.REFS, ref="actor"),
        Field("notes", _("Notizen"), Kind.MULTILINE, max_len=10000),
    ),
    columns=(
        ListColumn("name", _("Name")),
        ListColumn("quarter", _("Quartier")),
        ListColumn("rhythm", _("Rhythmus")),
        ListColumn("members", _("Mitglieder")),
        ListColumn("meetings", _("Treffen")),
    ),
    filters=(FilterKind.QUARTER,),
)

MEETING = EntitySpec(
    key="meeting",
    singular=_("Treffen"),
    plural=_("Treffen"),
    model=m.Meeting,
    title_field="title",
    newest_first=True,
    fields=(
        Field("title", _("Titel"), required=True, max_len=200),
        Field("kind", _("Art"), Kind.CHOICE, choices=MEETING_KIND_CHOICES, required=True),
        Field("round_table_id", _("Runder Tisch"), Kind.REF, ref="round_table"),
        Field("starts_at", _("Beginn"), Kind.DATETIME, required=True),
        Field("place", _("Ort"), max_len=200),
        Field("agenda", _("Tagesordnung"), Kind.MULTILINE, max_len=20000),
        Field("minutes", _("Protokoll"), Kind.MULTILINE, max_len=50000),
    ),
    columns=(
        ListColumn("starts_at", _("Datum")),
        ListColumn("title", _("Titel")),
        ListColumn("round_table", _("Runder Tisch")),
        ListColumn("place", _("Ort")),
        ListColumn("attendance", _("Teilnahmen")),
    ),
    filters=(FilterKind.ROUND_TABLE, FilterKind.QUARTER),
)

AGREEMENT = EntitySpec(
    key="agreement",
    singular=_("Vereinbarung"),
    plural=_("Vereinbarungen"),
    model=m.Agreement,
    title_field="title",
    fields=(
        Field("title", _("Titel"), required=True, max_len=200),
        Field("parties", _("Partner"), Kind.REFS, ref="actor"),
        Field("signed_on", _("Unterzeichnet am"), Kind.DATE),
        Field("valid_from", _("Gültig ab"), Kind.DATE),
        Field("valid_to", _("Gültig bis"), Kind.DATE),
        Field("projects", _("Projekte"), Kind.MULTILINE, max_len=20000),
        Field("review_rhythm", _("Abstimmung"), Kind.CHOICE, choices=RHYTHM_CHOICES),
        Field("next_review", _("Nächste Abstimmung"), Kind.DATE),
        Field("notes", _("Notizen"), Kind.MULTILINE, max_len=10000),
    ),
    columns=(
        ListColumn("title", _("Titel")),
        ListColumn("parties", _("Partner")),
        ListColumn("valid_from", _("Gültig ab")),
        ListColumn("next_review", _("Nächste Abstimmung")),
    ),
)

ENTITIES: dict[str, EntitySpec] = {
    spec.key: spec for spec in (INSTITUTION, OFFER, CONTACT, ACTOR, ROUND_TABLE, MEETING, AGREEMENT, QUARTER)
}
