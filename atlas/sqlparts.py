"""SQL expressions that SQLite and PostgreSQL spell differently, as SQLAlchemy
constructs compiled per dialect: the services write one query for both.

- :class:`year_month` — a timestamp's month as text, ``'2026-05'``
  (SQLite ``strftime('%Y-%m', x)``, PostgreSQL ``to_char(x, 'YYYY-MM')``).

Aggregated text is ``func.aggregate_strings`` (SQLAlchemy's own: ``group_concat`` /
``string_agg``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class year_month(FunctionElement[Any]):
    """The month of a timestamp column as ``'YYYY-MM'`` text."""

    type = String()
    inherit_cache = True
    name = "year_month"


@compiles(year_month)
def _year_month_sqlite(element: year_month, compiler: SQLCompiler, **kw: Any) -> str:
    (expr,) = element.clauses
    return f"strftime('%Y-%m', {compiler.process(expr, **kw)})"


@compiles(year_month, "postgresql")
def _year_month_postgresql(element: year_month, compiler: SQLCompiler, **kw: Any) -> str:
    (expr,) = element.clauses
    return f"to_char({compiler.process(expr, **kw)}, 'YYYY-MM')"


class months_earlier(FunctionElement[Any]):
    """A timestamp ``months`` earlier, clamped to the month's end like
    :func:`atlas.dates.months_before` and PostgreSQL's ``x - interval 'n months'``
    (31 August − 6 months = 28 February). SQLite's own ``datetime(x, '-6 months')``
    overflows instead (→ 3 March), so there it is the earlier of that and the target
    month's last day at the same time of day. ``months`` is part of the SQL text."""

    inherit_cache = False  # ``months`` is not a bound parameter
    name = "months_earlier"

    def __init__(self, expr: Any, months: int) -> None:
        self.months = int(months)
        super().__init__(expr)


@compiles(months_earlier)
def _months_earlier_sqlite(element: months_earlier, compiler: SQLCompiler, **kw: Any) -> str:
    (expr,) = element.clauses
    x = compiler.process(expr, **kw)
    n = element.months
    last_day = f"date({x}, 'start of month', '{1 - n:+d} months', '-1 day')"
    return f"min(datetime({x}, '{-n:+d} months'), datetime({last_day} || ' ' || time({x})))"


@compiles(months_earlier, "postgresql")
def _months_earlier_postgresql(element: months_earlier, compiler: SQLCompiler, **kw: Any) -> str:
    (expr,) = element.clauses
    return f"({compiler.process(expr, **kw)} - interval '{element.months} months')"
