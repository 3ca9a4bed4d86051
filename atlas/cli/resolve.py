"""Finding a record the command line names: by number or by name (case and umlauts folded),
a meeting also by its day. The one resolver of the command line; a miss raises
:class:`ValidationError` that lists what there is."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from atlas import models as m
from atlas.errors import ValidationError
from atlas.i18n import _
from atlas.reports import format_day
from atlas.text import check_date_range, fold

if TYPE_CHECKING:
    from atlas.core import Atlas


def pick_id(choices: Sequence[tuple[int, str]], wanted: str, what: str) -> int:
    """An id from a name (case- and umlaut-insensitive) or a number."""
    text = wanted.strip()
    if text.isdigit() and any(i == int(text) for i, _n in choices):
        return int(text)
    target = fold(text)
    for record_id, name in choices:
        if fold(name) == target:
            return record_id
    names = ", ".join(n for _i, n in choices) or "–"
    raise ValidationError(
        {what: _("„{wanted}“ gibt es nicht. Vorhanden: {names}").format(wanted=wanted, names=names)}
    )


def parse_day(value: str, what: str) -> dt.date:
    try:
        return check_date_range(dt.date.fromisoformat(value.strip()), value.strip())
    except ValueError as err:
        raise ValidationError(
            {
                what: _("„{value}“ ist kein Datum; bitte JJJJ-MM-TT angeben, z. B. 2026-06-30.").format(
                    value=value
                )
            }
        ) from err


def pick_meeting(atlas: Atlas, wanted: str, round_table_id: int | None = None) -> int:
    """A meeting by number, by day (JJJJ-MM-TT, with ``round_table_id`` if several) or by title."""
    text = wanted.strip()
    with atlas.sessions() as session:
        stmt = select(m.Meeting.id, m.Meeting.starts_at, m.Meeting.title)
        if round_table_id is not None:
            stmt = stmt.where(m.Meeting.round_table_id == round_table_id)
        rows = session.execute(stmt.order_by(m.Meeting.starts_at)).all()
    if text.isdigit() and any(r[0] == int(text) for r in rows):
        return int(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = parse_day(text, "meeting")
        found = [r for r in rows if r[1].date() == day]
    else:
        found = [r for r in rows if fold(r[2]) == fold(text)]
    if len(found) == 1:
        return int(found[0][0])
    if not found:
        raise ValidationError(
            {
                "meeting": _(
                    "Kein Treffen „{wanted}“. Bitte Nummer, Datum (JJJJ-MM-TT) oder Titel angeben."
                ).format(wanted=wanted)
            }
        )
    listed = "; ".join(f"{r[0]}: {format_day(r[1].date())} {r[2]}" for r in found)
    raise ValidationError(
        {
            "meeting": _("„{wanted}“ passt auf mehrere Treffen, bitte die Nummer angeben: {listed}").format(
                wanted=wanted, listed=listed
            )
        }
    )


def quarter_id(atlas: Atlas, wanted: str) -> int:
    return pick_id(atlas.quarters.choices(), wanted, "quarter")


def category_id(atlas: Atlas, wanted: str) -> int:
    terms = [(t.id, t.name) for t in atlas.taxonomy.terms(m.Vocabulary.CATEGORY)]
    return pick_id(terms, wanted, "category")
