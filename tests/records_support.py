"""Helpers shared by the record and list tests."""

from __future__ import annotations

from typing import Any

from atlas import models as m
from atlas.core import Atlas
from atlas.records.schema import FilterKind
from atlas.records.service import RecordService


def term_id(atlas: Atlas, vocabulary: m.Vocabulary, name: str) -> int:
    for t in atlas.taxonomy.terms(vocabulary):
        if t.name == name:
            return t.id
    raise KeyError(name)


def ids_of(service: RecordService, text: str = "", **filters: Any) -> list[int]:
    return service.list_ids(text, {FilterKind(k): v for k, v in filters.items()})


def make_institutions(atlas: Atlas, *names: str) -> dict[str, int]:
    return {n: atlas.institutions.save(None, {"name": n}, confirm_duplicate=True).id for n in names}
