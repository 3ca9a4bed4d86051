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
