"""The new terms of an import: created (or mapped to existing ones) inside :func:`apply`'s
transaction, and the choices the user made for the same names before.

A new term stands in a planned row as a negative placeholder id (:mod:`atlas.io.import_rows`);
here the placeholders become real ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atlas import models as m
from atlas.core import Atlas
from atlas.i18n import _
from atlas.io.import_plan import ImportPlan
from atlas.io.import_rows import MAX_TERM_NAME, QUARTER, NewTerm, load_terms, term_keys
from atlas.io.tables import ImportFailed
from atlas.text import clean

#: (vocabulary or "quarter", NewTerm.key) -> id of the existing term or quarter to use instead.
TermChoices = Mapping[tuple[str, str], int]


# A colour for each new category, as the seeded ones have (the map's markers and legend).
_NEW_CATEGORY_COLORS = (
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02",
    "#a6761d", "#17becf", "#bcbd22", "#8c564b", "#9467bd", "#2ca02c",
)  # fmt: skip
_TERM_FIELDS = ("category_id", "sector_id", "quarter_id")


def resolve_new_terms(
    session: Session, plan: ImportPlan, written: Sequence[dict[str, Any]], choices: TermChoices
) -> tuple[list[NewTerm], list[tuple[NewTerm, str]]]:
    """Create (or map) the new terms the written rows use and put their ids into the rows.

    Runs inside :func:`apply`'s transaction, so a cancelled or failed import leaves none
    behind. Returns the terms created and the terms mapped to existing names."""
    if not plan.new_terms:
        return [], []
    used: set[int] = set()
    for values in written:
        used.update(values[f] for f in _TERM_FIELDS if isinstance(values.get(f), int) and values[f] < 0)
        used.update(t for t in values.get("target_groups") or () if t < 0)
    wanted = [t for t in plan.new_terms if t.placeholder in used]
    if not wanted:
        return [], []
    existing, names = load_terms(session)
    colors = [c for c in _NEW_CATEGORY_COLORS if c not in _category_colors(session)]
    real: dict[int, int] = {}
    created: list[NewTerm] = []
    mapped: list[tuple[NewTerm, str]] = []
    fresh: list[tuple[NewTerm, m.Term | m.Quarter]] = []
    for term in wanted:
        known = existing.get(term.vocabulary, {})
        chosen = choices.get((term.vocabulary, term.key))
        if chosen is not None:
            chosen_name = names.get(term.vocabulary, {}).get(chosen)
            if chosen_name is None:
                raise ImportFailed(
                    _(
                        "Den für {term} gewählten Eintrag gibt es nicht mehr. Bitte die Zuordnung neu "
                        "wählen; es wurde nichts importiert."
                    ).format(term=term.label)
                )
            real[term.placeholder] = chosen
            mapped.append((term, chosen_name))
            continue
        there = next((known[k] for k in term_keys(term.name) if k in known), None)
        if there is not None:  # created meanwhile (another window, another coach)
            real[term.placeholder] = there
            continue
        name = (clean(term.name) or term.name)[:MAX_TERM_NAME]
        record: m.Term | m.Quarter
        if term.vocabulary == QUARTER:
            record = m.Quarter(name=name)
        else:
            color = colors.pop(0) if term.vocabulary == m.Vocabulary.CATEGORY.value and colors else None
            record = m.Term(vocabulary=term.vocabulary, name=name, color=color)
        session.add(record)
        fresh.append((term, record))
        created.append(term)
    if fresh:
        session.flush()
        for term, record in fresh:
            real[term.placeholder] = record.id
    for values in written:
        for f in _TERM_FIELDS:
            value = values.get(f)
            if isinstance(value, int) and value < 0:
                values[f] = real.get(value)
        if values.get("target_groups"):
            values["target_groups"] = sorted({real.get(t, t) for t in values["target_groups"]})
    return created, mapped


def _category_colors(session: Session) -> set[str]:
    stmt = select(m.Term.color).where(m.Term.vocabulary == m.Vocabulary.CATEGORY.value)
    return {c for c in session.scalars(stmt) if c}


def remembered_choices(
    atlas: Atlas, plan: ImportPlan, remembered: Mapping[tuple[str, str], str]
) -> dict[tuple[str, str], int]:
    """The term choices the user made for these names before (:meth:`MappingStore.load_terms`),
    as ids for :func:`apply`; a remembered term that is gone no longer counts."""
    if not plan.new_terms or not remembered:
        return {}
    with atlas.sessions() as session:
        known, _names = load_terms(session)
    choices: dict[tuple[str, str], int] = {}
    for term in plan.new_terms:
        name = remembered.get((term.vocabulary, term.key))
        if name:
            ids = known.get(term.vocabulary, {})
            found = next((ids[k] for k in term_keys(name) if k in ids), None)
            if found is not None:
                choices[(term.vocabulary, term.key)] = found
    return choices
