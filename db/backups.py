"""Retention of the copies ``db.migrate`` makes (recovery and pre-update copies).

The policy (how many, how old) and the names live in ``atlas.copies``, which the
erasure (Art. 17) uses too; this is the call at opening.
"""

from __future__ import annotations

from pathlib import Path

from atlas import copies
from atlas.clock import SYSTEM


def prune_copies(path: Path | None) -> list[Path]:
    """Keep the newest ``copies.KEEP_NEWEST`` copies of each kind, none older than
    ``copies.KEEP_DAYS`` days; the files deleted. Nothing for a server database."""
    if path is None:
        return []
    return copies.prune(path, SYSTEM.now())
