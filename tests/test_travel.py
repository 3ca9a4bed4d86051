"""The offline copy (issue 14): take it out, change both sides, bring it back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from atlas.core import Atlas
from tests.travel_support import bring_back, laptop, take


def _inst(atlas: Atlas, name: str) -> Any:
    found = [
        r for r in (atlas.institutions.get(i) for i in atlas.institutions.list_ids(name)) if r.title == name
    ]
    return found[0]


def test_one_side_changes_arrive_and_both_sides_keep_their_fields(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    copy = tmp_path / "unterwegs.sqlite"
    info = take(atlas, db_url, copy)
    assert info.counts["institution"] == 2
    inst = atlas.institutions.get(network["inst"].id)
    atlas.institutions.save(inst.id, {**inst.values, "phone": "0208 111"}, expected_version=inst.version)
    with laptop(copy) as lap:
        there = lap.institutions.get(network["inst"].id)
        lap.institutions.save(
            there.id, {**there.values, "notes": "Beim Fest getroffen"}, expected_version=there.version
        )
        lap.institutions.save(None, {"name": "Neues Café"})
    plan, applied = bring_back(atlas, copy)
    assert not plan.conflicts
    now = atlas.institutions.get(network["inst"].id)
    assert now.values["phone"] == "0208 111" and now.values["notes"] == "Beim Fest getroffen"
    assert atlas.institutions.list_ids("Neues Café")
    assert applied.counts["institution"] == {"update": 1, "insert": 1}
    # the same copy again: nothing to do
    again, applied2 = bring_back(atlas, copy)
    assert not [d for d in again.decisions if d.changes_something] and applied2.total == 0
