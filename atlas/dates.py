"""Calendar-month arithmetic shared by the network and meeting services."""

from __future__ import annotations

import datetime as dt


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (clamped to the month's end)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def shift_month(year_month: tuple[int, int], delta: int) -> tuple[int, int]:
    y, mo = divmod(year_month[0] * 12 + year_month[1] - 1 + delta, 12)
    return y, mo + 1


def month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


__all__ = ["month_end", "months_before"]
