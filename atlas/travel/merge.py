"""The three-way merge of one row, without a database: base, office, copy → a decision.

``base`` is the row as the copy was taken (or as it was last merged), ``office`` the row
in the office database now, ``copy`` the row in the copy now; ``None`` where the row
does not exist (not yet, or deleted). The rules (issue 14):

- a field changed on one side only takes that side's value, also when the other side
  changed other fields of the same row;
- the same field changed to the same value on both sides is no conflict;
- the same field changed differently is a conflict (office / unterwegs / as it was);
- a row deleted on one side and changed on the other is a conflict (keep or delete);
- a row new in the copy is inserted; one new on both sides with the same key is one row
  (its differing fields are conflicts with no base).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from atlas.travel.portable import Key, Row

_MISSING = object()


class Action(StrEnum):
    NONE = "none"
    INSERT = "insert"  # new in the copy
    UPDATE = "update"  # fields the copy changed (``values``)
    DELETE = "delete"  # deleted in the copy, unchanged in the office
    KEEP_OR_DELETE = "keep_or_delete"  # deleted on one side, changed on the other


class Side(StrEnum):
    OFFICE = "office"
    COPY = "copy"


@dataclass(frozen=True)
class FieldConflict:
    field: str
    base: Any  # _MISSING-free: None when the row is new on both sides
    office: Any
    copy: Any


@dataclass(frozen=True)
class Decision:
    """What the merge does with one row of one kind."""

    kind: str
    key: Key
    action: Action
    values: Mapping[str, Any] = field(default_factory=dict)  # UPDATE: field → the copy's value
    conflicts: tuple[FieldConflict, ...] = ()  # asked per field, beside ``values``
    deleted_on: Side | None = None  # KEEP_OR_DELETE: where it was deleted
    base: Row | None = None
    office: Row | None = None
    copy: Row | None = None

    @property
    def changes_something(self) -> bool:
        return self.action is not Action.NONE or bool(self.conflicts)


def fields_of(*rows: Row | None) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        if row:
            names.update(dict.fromkeys(row))
    return list(names)


def decide(kind: str, key: Key, base: Row | None, office: Row | None, copy: Row | None) -> Decision:
    """The decision for one row (see the module's rules)."""

    def made(action: Action, **extra: Any) -> Decision:
        return Decision(kind, key, action, base=base, office=office, copy=copy, **extra)

    if copy is None:
        if base is None or office is None:
            return made(Action.NONE)  # deleted on both sides, or never in the copy
        if _same(office, base):
            return made(Action.DELETE)
        return made(Action.KEEP_OR_DELETE, deleted_on=Side.COPY)
    if office is None:
        if base is None:
            return made(Action.INSERT)
        if _same(copy, base):
            return made(Action.NONE)  # the office's deletion stands
        return made(Action.KEEP_OR_DELETE, deleted_on=Side.OFFICE)
    values: dict[str, Any] = {}
    conflicts = []
    for name in fields_of(office, copy):
        o, c = office.get(name), copy.get(name)
        if base is None:
            if o != c:
                conflicts.append(FieldConflict(name, None, o, c))
            continue
        b = base.get(name, _MISSING)
        if b is _MISSING:  # a column the copy's base did not know (an older schema): unchanged
            continue
        if c in (b, o):
            continue
        if o == b:
            values[name] = c
        else:
            conflicts.append(FieldConflict(name, b, o, c))
    if not values and not conflicts:
        return made(Action.NONE)
    return made(Action.UPDATE, values=values, conflicts=tuple(conflicts))


def _same(row: Row, base: Row) -> bool:
    """The row says what the base says (columns the base did not know are ignored)."""
    return all(row.get(name) == b for name, b in base.items())
