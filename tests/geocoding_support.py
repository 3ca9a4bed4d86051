"""What the geocoding tests share: the stand-in server and the ``geo`` fixture (import the
functions ``server_fixture`` and ``geo_fixture`` into a test module), two quarters, helpers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from atlas import models as m
from atlas.core import Atlas
from atlas.geo.geocoding import (
    GeocoderSettings,
)
from tests.fake_nominatim import FakeNominatim, running

AGENT = "Stadtteil-Atlas-Tests/1.0 (Testlauf)"
WEST = {
    "type": "Polygon",
    "coordinates": [[[6.80, 51.45], [6.85, 51.45], [6.85, 51.50], [6.80, 51.50], [6.80, 51.45]]],
}
EAST = {
    "type": "Polygon",
    "coordinates": [[[6.85, 51.45], [6.90, 51.45], [6.90, 51.50], [6.85, 51.50], [6.85, 51.45]]],
}
IN_EAST = (51.47, 6.88)
IN_WEST = (51.47, 6.82)


def settings(url: str, **changes: Any) -> GeocoderSettings:
    options: dict[str, Any] = {"url": url, "user_agent": AGENT, "min_delay": 0.05, "timeout": 2.0}
    options.update(changes)
    return GeocoderSettings(**options)


@pytest.fixture(name="server")
def server_fixture() -> Iterator[FakeNominatim]:
    """A stand-in for Nominatim on 127.0.0.1."""
    with running() as fake:
        yield fake


@pytest.fixture(name="geo")
def geo_fixture(atlas: Atlas, server: FakeNominatim) -> Atlas:
    """The ``atlas`` database with its geocoder pointed at ``server``."""
    atlas.geocoding.configure(settings(server.url))
    return atlas


def add(
    atlas: Atlas, name: str, street: str, postcode: str = "46045", city: str = "Oberhausen", **more: Any
) -> int:
    values = {"name": name, "street": street, "postcode": postcode, "city": city, **more}
    return atlas.institutions.save(None, values, confirm_duplicate=True).id


def quarters(atlas: Atlas) -> tuple[int, int]:
    west = atlas.quarters.save(None, {"name": "West", "boundary_geojson": json.dumps(WEST)}).id
    east = atlas.quarters.save(None, {"name": "Ost", "boundary_geojson": json.dumps(EAST)}).id
    return west, east


def row(atlas: Atlas, inst_id: int) -> m.Institution:
    with atlas.sessions() as session:
        obj = session.get(m.Institution, inst_id)
        assert obj is not None
        session.expunge(obj)
        return obj
