"""A hostile corpus: text that must stay text wherever the program shows, prints or exports it.

Every string here is data a coach may type, paste or import (a list from a partner, another
publisher's Open Referral package). None of it may ever be read as code: not by a template
engine (Jinja2 in branca, ``string.Template``, ``str.format``), not by Qt's rich text (a label,
tool tip or message box that guesses HTML), not by a browser, not by a spreadsheet (formula
cells), not by SQL ``LIKE``. Tests put it into every text field and check that it comes out
letter for letter.

``<img src="/dev/zero">`` is the canary for Qt: rich text would read the file for its image
and the process aborts (``std::bad_alloc``) — a test that shows it and survives proves the
text was plain.
"""

from __future__ import annotations

import datetime as dt

from atlas.core import Atlas
from atlas.models import Vocabulary

#: Template syntax of Jinja2, ``string.Template``, ``str.format`` and ``%``-formatting.
TEMPLATE = (
    "{{ 7*7 }}",
    "{% if x %}offen",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "${x}",
    "$title",
    "{title}",
    "{0}",
    "%s %(name)s",
)

#: What Qt's rich text would render (or load: the image would abort the process).
RICH = (
    "<b>fett</b>",
    '<img src="/dev/zero">',
    "<h1><font color=red>WARNUNG</font></h1>",
    '<a href="https://example.org/">Link</a>',
    "<qt>qt</qt>",
    "&lt;b&gt;",
)

#: What a browser would run, in a page or an attribute.
SCRIPT = (
    "</script><script>alert(1)</script>",
    '" onerror="alert(1)',
    "'><svg onload=alert(1)>",
)

#: What a spreadsheet would compute (OWASP CSV injection), with the prefixes that hide it.
FORMULAS = (
    '=HYPERLINK("https://example.org/","klick")',
    "+1",
    "-1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
)

#: The wildcards and escape of SQL ``LIKE``.
LIKE = ("100%", "a_b", "C:\\temp\\")

#: Direction marks, zero-width characters, letters of other scripts. (The explicit bidi
#: override U+202E is dropped when a record is saved, ``atlas.text.clean``; the mark U+200F
#: is kept and shown.)
UNICODE = ("\u202eRTL\u202c", "\u200fRLM", "zero\u200bwidth\u200d", "Yıldırım Øre Łódź", "مرحبا", "😀")

CORPUS = TEMPLATE + RICH + SCRIPT + FORMULAS + LIKE + UNICODE

#: One line that carries a bit of each class: short enough for a name field (120 characters).
NAME = '<b>{{ 7*7 }}</b> <img src="/dev/zero"> ${x} $title {0} </script> 100% a_b \u200fRTL\u200b'
assert len(NAME) <= 120


def name(label: str) -> str:
    """A record name of one kind: the hostile line and a word to tell the records apart."""
    return f"{NAME} {label}"


def multiline(label: str) -> str:
    """Free text (notes, agenda, minutes): the whole corpus, one entry a line."""
    return "\n".join([label, *(c.strip() for c in CORPUS)])


def long_text(length: int) -> str:
    """A text of ``length`` characters made of the corpus, cut at the end."""
    line = " ".join(c.strip() for c in CORPUS) + " "
    return (line * (length // len(line) + 1))[:length]


def populate(atlas: Atlas) -> dict[str, int]:
    """The corpus in every entity's text fields, through the core services."""
    n, text = name, multiline
    terms = {
        vocabulary: atlas.taxonomy.save(vocabulary, None, n(vocabulary.value))
        for vocabulary in (Vocabulary.CATEGORY, Vocabulary.TARGET_GROUP, Vocabulary.SECTOR)
    }
    quarter = atlas.quarters.save(None, {"name": n("Quartier"), "notes": text("Quartier")})
    inst = atlas.institutions.save(
        None,
        {
            "name": n("Einrichtung"),
            "carrier": n("Träger"),
            "street": n("Straße"),
            "city": n("Ort"),
            "category_id": terms[Vocabulary.CATEGORY],
            "sector_id": terms[Vocabulary.SECTOR],
            "quarter_id": quarter.id,
            "opening_hours": text("Öffnungszeiten"),
            "accessibility": n("Barrierefreiheit"),
            "languages": n("Sprachen"),
            "notes": text("Notizen"),
            "lat": 51.47,
            "lon": 6.85,
        },
    )
    offer = atlas.offers.save(
        None,
        {
            "title": n("Angebot"),
            "institution_id": inst.id,
            "category_id": terms[Vocabulary.CATEGORY],
            "target_groups": [terms[Vocabulary.TARGET_GROUP]],
            "description": text("Beschreibung"),
            "place": n("Ort"),
            "schedule": n("Zeiten"),
            "cost": n("Kosten"),
        },
    )
    contact = atlas.contacts.save(
        None,
        {
            "first_name": n("Vorname")[:100],
            "last_name": n("Nachname")[:100],
            "institution_id": inst.id,
            "function": n("Funktion"),
            "consent_purpose": n("Zweck"),
            "consent_source": n("Quelle"),
            "notes": text("Notizen"),
        },
    )
    actor = atlas.actors.save(
        None,
        {
            "name": n("Akteur"),
            "institution_id": inst.id,
            "contact_id": contact.id,
            "sector_id": terms[Vocabulary.SECTOR],
            "status": "aktiv",
            "notes": text("Notizen"),
        },
    )
    atlas.network.user = n("Coach")
    atlas.network.set_override(actor.id, "ruhend", text("Begründung"), on=dt.date(2026, 11, 1))
    table = atlas.records["round_table"].save(
        None,
        {
            "name": n("Runder Tisch"),
            "topic": n("Thema"),
            "quarter_id": quarter.id,
            "organiser": n("Organisation"),
            "members": [actor.id],
            "notes": text("Notizen"),
        },
    )
    meeting = atlas.records["meeting"].save(
        None,
        {
            "title": n("Treffen"),
            "kind": "runder_tisch",
            "round_table_id": table.id,
            "starts_at": dt.datetime(2026, 11, 10, 10, 0),
            "place": n("Ort"),
            "agenda": text("Tagesordnung"),
            "minutes": text("Protokoll"),
        },
    )
    atlas.network.add_follow_up(meeting.id, n("Aufgabe"), n("Wer"), dt.date(2026, 11, 1))
    atlas.network.save_attendance(meeting.id, [(actor.id, contact.id)])
    agreement = atlas.records["agreement"].save(
        None,
        {
            "title": n("Vereinbarung"),
            "parties": [actor.id],
            "projects": text("Projekte"),
            "notes": text("Notizen"),
        },
    )
    atlas.network.set_party(agreement.id, actor.id, contact.id, n("Rolle"))
    return {
        "institution": inst.id,
        "offer": offer.id,
        "contact": contact.id,
        "actor": actor.id,
        "round_table": table.id,
        "meeting": meeting.id,
        "agreement": agreement.id,
        "quarter": quarter.id,
    }
