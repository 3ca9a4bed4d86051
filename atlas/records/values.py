"""A field's values: turning what a form, a file or the command line gave into the
stored value (``coerce``, with the checks of each kind), and the order of a list
(``sort_key``, ``sorted_in_slices``). ``RecordService`` (``atlas.records.service``)
uses both when it saves a record and sorts a list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import lru_cache
from heapq import merge
from operator import itemgetter
from typing import Any, TypeVar

from atlas.i18n import _
from atlas.limits import check_json_shape
from atlas.records.schema import Field, Kind
from atlas.text import (
    check_date_range,
    check_email,
    check_lat,
    check_lon,
    check_phone,
    check_postcode,
    check_url,
    clean,
    fold,
    parse_date,
    parse_datetime,
    parse_float,
    parse_int,
)

_COLOR_CHARS = set("0123456789abcdefABCDEF")

T = TypeVar("T")


@lru_cache(maxsize=65536)
def _sort_fold(value: str) -> str:
    return fold(value)


def sort_key(value: Any) -> tuple[int, Any]:
    """A list's order of one value: empty values last, text folded (case, accents)."""
    if value is None or value == "":
        return (1, "")
    if isinstance(value, str):
        return (0, _sort_fold(value))
    return (0, value)


#: ``sorted_in_slices`` sorts this many items at a time.
SORT_SLICE = 4096


def sorted_in_slices(items: Sequence[T], key: Callable[[T], Any], reverse: bool = False) -> list[T]:
    """``sorted(items, key=key, reverse=reverse)``, the same order (stable), but never one long
    sort: a sort runs in C without letting another thread run, and the keys of 50,000 list
    rows took 100-200 ms to sort -- on a worker, that long a stall of the GUI thread. Slices
    of ``SORT_SLICE`` are sorted and merged (``heapq.merge`` keeps equal keys in slice order)."""
    if len(items) <= SORT_SLICE:
        return sorted(items, key=key, reverse=reverse)
    first = itemgetter(0)
    keyed = [(key(x), x) for x in items]
    runs = [
        sorted(keyed[i : i + SORT_SLICE], key=first, reverse=reverse)
        for i in range(0, len(keyed), SORT_SLICE)
    ]
    return [x for _key, x in merge(*runs, key=first, reverse=reverse)]


def _check_color(value: str) -> str:
    if not (len(value) in (4, 7) and value[0] == "#" and set(value[1:]) <= _COLOR_CHARS):
        raise ValueError(_("Eine Farbe bitte als #RRGGBB angeben (z. B. #1f78b4)."))
    return value.lower()


def _check_geojson(value: str) -> str:
    """A boundary from the form is checked (and repaired) like an imported one: a broken
    polygon would hide every marker of the exported map (issue 11 §6)."""
    from atlas.geo import check_boundary  # shapely loads only when a boundary is saved

    check_json_shape(value, _("Die Grenze"), ValueError)  # depth and size before parsing

    return check_boundary(value)[0]


_TEXT_CHECKS: dict[Kind, Callable[[str], Any]] = {
    Kind.EMAIL: check_email,
    Kind.PHONE: check_phone,
    Kind.POSTCODE: check_postcode,
    Kind.URL: check_url,
    Kind.INT: parse_int,
    Kind.DATE: parse_date,
    Kind.DATETIME: parse_datetime,
    Kind.LAT: lambda v: check_lat(parse_float(v)),
    Kind.LON: lambda v: check_lon(parse_float(v)),
    Kind.COLOR: _check_color,
    Kind.GEOJSON: _check_geojson,
}


def _to_id(f: Field, raw: Any) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError) as err:
        raise ValueError(_("{label}: ungültige Auswahl.").format(label=f.label)) from err


def coerce(f: Field, raw: Any) -> Any:
    """Turn what a form, a file or the command line gave into the stored value.

    Raises ValueError with a German reason.
    """
    if f.kind in (Kind.TERMS, Kind.REFS):
        return sorted({_to_id(f, v) for v in (raw or [])})
    if f.kind is Kind.BOOL:
        if isinstance(raw, str):
            return raw.strip().lower() in ("1", "ja", "true", "yes", "x", "wahr")
        return bool(raw)
    if isinstance(raw, str):
        raw = clean(raw)
    if raw is None:
        if f.required:
            raise ValueError(_("{label} ist ein Pflichtfeld.").format(label=f.label))
        return None
    if f.kind in (Kind.TERM, Kind.REF):
        return _to_id(f, raw)
    if f.kind is Kind.CHOICE:
        allowed = {v for v, _label in f.choices}
        if raw not in allowed:
            raise ValueError(
                _("{label}: „{value}“ ist keine erlaubte Auswahl.").format(label=f.label, value=raw)
            )
        return raw
    if f.kind is Kind.INT and isinstance(raw, int):
        value: Any = raw
    elif f.kind in (Kind.LAT, Kind.LON) and isinstance(raw, (int, float)):
        value = check_lat(float(raw)) if f.kind is Kind.LAT else check_lon(float(raw))
    elif (f.kind is Kind.DATE and isinstance(raw, dt.date) and not isinstance(raw, dt.datetime)) or (
        f.kind is Kind.DATETIME and isinstance(raw, dt.datetime)
    ):
        value = check_date_range(raw)
    elif isinstance(raw, str):
        check = _TEXT_CHECKS.get(f.kind)
        value = check(raw) if check else raw
    else:
        raise ValueError(_("{label}: ungültiger Wert.").format(label=f.label))
    if f.kind is Kind.INT and not 0 <= value <= 1_000_000:
        raise ValueError(_("{label}: bitte eine Zahl von 0 bis 1.000.000.").format(label=f.label))
    if f.max_len is not None and isinstance(value, str) and len(value) > f.max_len:
        raise ValueError(_("{label} ist zu lang (höchstens {n} Zeichen).").format(label=f.label, n=f.max_len))
    return value
