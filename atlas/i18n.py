"""Marker for user-visible strings of the core.

The shipped language is German, so source strings are German. ``_`` is the
single place where a translation catalogue would be looked up; extraction
tools (xgettext, pyside6-lupdate for ``ui/``) find the strings by it.
"""

from __future__ import annotations


def _(text: str) -> str:
    return text
