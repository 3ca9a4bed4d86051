"""The demo dataset (a fictitious partner network in Oberhausen) and its builder.

:func:`fill_demo` fills a fresh, migrated database; ``stadtteil-atlas build-demo FILE``
(``main.py``) creates the file and calls it. Outside the program's import graph: nothing in
``atlas/``, ``ui/`` or ``db/`` imports this package (``tests/test_architecture.py``).
"""

from __future__ import annotations

from atlas.demo.build import fill_demo
from atlas.demo.data import TODAY

__all__ = ["TODAY", "fill_demo"]
