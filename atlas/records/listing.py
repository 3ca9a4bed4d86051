"""SQL for the lists: the display columns and the filters of every entity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from atlas import models as m
from atlas.records.schema import CONSENT_CHOICES, STATUS_CHOICES, FilterKind

STATUS_LABELS = dict(STATUS_CHOICES)
CONSENT_LABELS = {value: label.split(" (")[0] for value, label in CONSENT_CHOICES}

Cat = aliased(m.Term, name="cat")
Sec = aliased(m.Term, name="sec")
Inst = aliased(m.Institution, name="inst")
Q = aliased(m.Quarter, name="q")
RT = aliased(m.RoundTable, name="rt")


def _concat(*parts: Any, sep: str = ", ") -> Any:
    """Join non-empty parts with ``sep`` in SQL."""
    expr: Any = None
    for part in parts:
        piece = func.coalesce(part, "")
        expr = piece if expr is None else func.trim(expr + literal(sep) + piece, sep.strip() + " ")
    return expr


def columns(entity: str) -> tuple[Select[Any], dict[str, Any]]:
    """A select of ``(id, *display columns)`` and the column expressions by key."""
    if entity == "institution":
        i = m.Institution
        cols = {
            "name": i.name,
            "category": Cat.name,
            "quarter": Q.name,
            "address": _concat(i.street, func.trim(_concat(i.postcode, i.city, sep=" "))),
            "phone": i.phone,
        }
        stmt = (
            select(i.id, *cols.values())
            .outerjoin(Cat, Cat.id == i.category_id)
            .outerjoin(Q, Q.id == i.quarter_id)
        )
    elif entity == "offer":
        o = m.Offer
        tg = (
            select(func.aggregate_strings(m.Term.name, ", "))
            .select_from(m.offer_target_group)
            .join(m.Term, m.Term.id == m.offer_target_group.c.term_id)
            .where(m.offer_target_group.c.offer_id == o.id)
            .scalar_subquery()
        )
        cols = {
            "title": o.title,
            "institution": Inst.name,
            "category": Cat.name,
            "quarter": Q.name,
            "target_groups": tg,
        }
        stmt = (
            select(o.id, *cols.values())
            .join(Inst, Inst.id == o.institution_id)
            .outerjoin(Cat, Cat.id == o.category_id)
            .outerjoin(Q, Q.id == Inst.quarter_id)
        )
    elif entity == "contact":
        c = m.Contact
        cols = {
            "name": func.trim(_concat(c.last_name, c.first_name)),
            "function": c.function,
            "institution": Inst.name,
            "phone": c.phone,
            "email": c.email,
            "consent": c.consent_state,
        }
        stmt = select(c.id, *cols.values()).outerjoin(Inst, Inst.id == c.institution_id)
    elif entity == "actor":
        a = m.Actor
        cols = {"name": a.name, "status": a.status, "sector": Sec.name, "quarter": Q.name}
        stmt = (
            select(a.id, *cols.values())
            .outerjoin(Sec, Sec.id == a.sector_id)
            .outerjoin(Inst, Inst.id == a.institution_id)
            .outerjoin(Q, Q.id == Inst.quarter_id)
        )
    elif entity == "round_table":
        r = m.RoundTable
        members = (
            select(func.count())
            .select_from(m.round_table_member)
            .where(m.round_table_member.c.round_table_id == r.id)
            .scalar_subquery()
        )
        meetings = (
            select(func.count()).select_from(m.Meeting).where(m.Meeting.round_table_id == r.id)
        ).scalar_subquery()
        cols = {
            "name": r.name,
            "quarter": Q.name,
            "rhythm": r.rhythm,
            "members": members,
            "meetings": meetings,
        }
        stmt = select(r.id, *cols.values()).outerjoin(Q, Q.id == r.quarter_id)
    elif entity == "meeting":
        t = m.Meeting
        att = (
            select(func.count()).select_from(m.Attendance).where(m.Attendance.meeting_id == t.id)
        ).scalar_subquery()
        cols = {
            "starts_at": t.starts_at,
            "title": t.title,
            "round_table": RT.name,
            "place": t.place,
            "attendance": att,
        }
        stmt = select(t.id, *cols.values()).outerjoin(RT, RT.id == t.round_table_id)
    elif entity == "agreement":
        g = m.Agreement
        parties = (
            select(func.aggregate_strings(m.Actor.name, ", "))
            .select_from(m.AgreementParty)
            .join(m.Actor, m.Actor.id == m.AgreementParty.actor_id)
            .where(m.AgreementParty.agreement_id == g.id)
            .scalar_subquery()
        )
        cols = {
            "title": g.title,
            "parties": parties,
            "valid_from": g.valid_from,
            "next_review": g.next_review,
        }
        stmt = select(g.id, *cols.values())
    elif entity == "quarter":
        qq = m.Quarter
        n_inst = (
            select(func.count()).select_from(m.Institution).where(m.Institution.quarter_id == qq.id)
        ).scalar_subquery()
        n_off = (
            select(func.count())
            .select_from(m.Offer)
            .join(m.Institution, m.Institution.id == m.Offer.institution_id)
            .where(m.Institution.quarter_id == qq.id)
        ).scalar_subquery()
        cols = {"name": qq.name, "institutions": n_inst, "offers": n_off}
        stmt = select(qq.id, *cols.values())
    else:
        raise KeyError(entity)
    return stmt, cols


def _institution_ids_in_quarter(quarter_id: object) -> Select[Any]:
    return select(m.Institution.id).where(m.Institution.quarter_id == quarter_id)


def filter_clause(entity: str, kind: FilterKind, value: object) -> ColumnElement[bool]:
    """The WHERE clause for one filter of one entity's list."""
    i, o, c, a = m.Institution, m.Offer, m.Contact, m.Actor
    otg = m.offer_target_group
    if entity == "institution":
        if kind is FilterKind.QUARTER:
            return i.quarter_id == value
        if kind is FilterKind.CATEGORY:
            return (i.category_id == value) | exists().where(
                and_(o.institution_id == i.id, o.category_id == value)
            )
        if kind is FilterKind.TARGET_GROUP:
            return exists().where(
                and_(o.institution_id == i.id, otg.c.offer_id == o.id, otg.c.term_id == value)
            )
        if kind is FilterKind.STATUS:
            return exists().where(and_(a.institution_id == i.id, a.status == value))
        if kind is FilterKind.SECTOR:
            return i.sector_id == value
    if entity == "offer":
        if kind is FilterKind.QUARTER:
            return o.institution_id.in_(_institution_ids_in_quarter(value))
        if kind is FilterKind.CATEGORY:
            return o.category_id == value
        if kind is FilterKind.TARGET_GROUP:
            return exists().where(and_(otg.c.offer_id == o.id, otg.c.term_id == value))
    if entity == "contact":
        if kind is FilterKind.QUARTER:
            return c.institution_id.in_(_institution_ids_in_quarter(value))
        if kind is FilterKind.CATEGORY:
            return c.institution_id.in_(select(i.id).where(i.category_id == value))
        if kind is FilterKind.CONSENT:
            return c.consent_state == value
    if entity == "actor":
        if kind is FilterKind.QUARTER:
            return a.institution_id.in_(_institution_ids_in_quarter(value))
        if kind is FilterKind.SECTOR:
            return a.sector_id == value
        if kind is FilterKind.STATUS:
            return a.status == value
    if entity == "round_table" and kind is FilterKind.QUARTER:
        return m.RoundTable.quarter_id == value
    if entity == "meeting":
        if kind is FilterKind.ROUND_TABLE:
            return m.Meeting.round_table_id == value
        if kind is FilterKind.QUARTER:
            return m.Meeting.round_table_id.in_(
                select(m.RoundTable.id).where(m.RoundTable.quarter_id == value)
            )
    raise ValueError(f"filter {kind} does not apply to {entity}")


def filters_where(entity: str, filters: Mapping[FilterKind, Any]) -> list[ColumnElement[bool]]:
    return [filter_clause(entity, k, v) for k, v in filters.items() if v is not None]
