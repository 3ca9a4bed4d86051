"""Long lists are sorted in slices (no long stretch without other threads): same order."""

from __future__ import annotations

import random

import pytest

import atlas.records.values
from atlas.core import Atlas
from atlas.records.values import sorted_in_slices


@pytest.mark.parametrize("reverse", [False, True])
def test_sorted_in_slices_is_sorted_and_stable(reverse: bool) -> None:
    rng = random.Random(7)
    items = [(rng.randrange(300), n) for n in range(20_000)]  # many equal keys
    key = lambda item: item[0]  # noqa: E731
    assert sorted_in_slices(items, key, reverse) == sorted(items, key=key, reverse=reverse)
    assert sorted_in_slices(items[:10], key, reverse) == sorted(items[:10], key=key, reverse=reverse)


def test_a_list_sorted_in_slices_keeps_its_order(demo: Atlas, monkeypatch: pytest.MonkeyPatch) -> None:
    orders = {
        (key, sort, desc): demo.records[key].list_ids("", None, sort, desc)
        for key, sort in [
            ("institution", None),
            ("contact", None),
            ("offer", "institution"),
            ("actor", "status"),
        ]
        for desc in (False, True)
    }
    monkeypatch.setattr(atlas.records.values, "SORT_SLICE", 7)
    for (key, sort, desc), ids in orders.items():
        assert demo.records[key].list_ids("", None, sort, desc) == ids, (key, sort, desc)
