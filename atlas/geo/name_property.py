"""Which property of a GeoJSON file's features holds the quarters' names: the choices, best first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from atlas.geo.geojson_file import features_of, load_json, name_of
from atlas.text import fold

# Property names that usually hold a quarter's name, best first (folded).
_NAME_HINTS = ("name", "stadtteil", "quartier", "bezeichnung", "bezirk", "stadtbezirk", "label", "titel")


@dataclass(frozen=True)
class PropertyInfo:
    """One property of the features of a GeoJSON file, for choosing the name property."""

    name: str
    examples: tuple[str, ...]
    complete: bool  # every feature has a non-empty value
    unique: bool  # no two features share a value


def property_names(source: str | Path | bytes) -> list[PropertyInfo]:
    """The properties of the file's features, best name candidates first.

    Raises GeoJSONImportError if the file cannot be read as GeoJSON at all.
    """
    features = [f for f in features_of(load_json(source)) if isinstance(f, dict)]
    order: list[str] = []
    values: dict[str, list[str]] = {}
    for feature in features:
        properties = feature.get("properties")
        if not isinstance(properties, dict):
            continue
        for key in properties:
            key_text = str(key)
            if key_text not in values:
                order.append(key_text)
                values[key_text] = []
            name = name_of(properties, key_text)
            if name is not None:
                values[key_text].append(name)
    infos = []
    for key in order:
        found = values[key]
        folded = [fold(v) for v in found]
        examples = tuple(dict.fromkeys(found))[:3]
        infos.append(
            PropertyInfo(
                name=key,
                examples=examples,
                complete=len(found) == len(features),
                unique=len(set(folded)) == len(folded),
            )
        )

    def score(info: PropertyInfo) -> tuple[int, int, int]:
        hint = next((i for i, h in enumerate(_NAME_HINTS) if h in fold(info.name)), len(_NAME_HINTS))
        return (0 if info.complete and info.unique else 1, hint, order.index(info.name))

    return sorted(infos, key=score)


def suggest_name_property(infos: Sequence[PropertyInfo]) -> str | None:
    """The property to offer first: complete, unique, and named like a name."""
    for info in infos:
        if info.complete and info.unique:
            return info.name
    return None
