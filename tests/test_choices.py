"""Reference pickers' choices: one light query, the same (id, label) pairs as the list shows."""

from __future__ import annotations

from atlas import models as m
from atlas.core import Atlas
from atlas.records.schema import ENTITIES


def test_choices_are_the_list_order_with_the_first_columns_text(demo: Atlas) -> None:
    for key in ENTITIES:
        service = demo.records[key]
        ids = service.list_ids()
        rows = service.rows(ids)  # what the list shows, row by row
        assert service.choices() == [(i, rows[i][0]) for i in ids], key
        assert len(ids) > 0, key


def test_choices_show_a_new_record_in_its_place(atlas: Atlas) -> None:
    atlas.institutions.save(None, {"name": "Zentrum"})
    made = atlas.institutions.save(None, {"name": "Ärztehaus"}).id
    atlas.institutions.save(None, {"name": "Bücherei"})
    assert [label for _id, label in atlas.institutions.choices()] == ["Ärztehaus", "Bücherei", "Zentrum"]
    assert atlas.institutions.choices()[0] == (made, "Ärztehaus")


def test_term_choices_are_the_terms_in_order_without_counting_their_use(demo: Atlas) -> None:
    for vocabulary in m.Vocabulary:
        terms = demo.taxonomy.terms(vocabulary)
        assert demo.taxonomy.choices(vocabulary) == [(t.id, t.name) for t in terms], vocabulary
    assert demo.taxonomy.choices(m.Vocabulary.CATEGORY)
