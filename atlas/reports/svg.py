"""Pictures for the printed documents, drawn as SVG (vector, black-and-white friendly).

- :func:`map_picture` (:func:`map_svg`: its SVG): the quarters' outlines from the map data
  (``MapService.data``), in the map page's Web Mercator projection, with numbered markers;
  markers that would overlap are moved apart (:func:`_spread`, on a grid of cells, O(n) a
  pass) and keep a leader line to their true place. A map with more markers than numbers
  fit on (:func:`label_limit`) shows dots and lettered grid squares instead. Optionally the
  background of an offline tile file (MBTiles), in grey, with its attribution.
- :func:`trend_svg`: the funnel's monthly trend as a line chart (one dash pattern and
  marker shape per stage, so it reads without colour).

Every text that comes from the database goes through :func:`markupsafe.escape`; the
pictures are :class:`markupsafe.Markup`, put into the templates as they are.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from atlas.reports.html import strip_tags

EARTH_CIRCUMFERENCE_M = 40_075_016.686


@dataclass(frozen=True)
class TileSource:
    """Raster tiles for the map background (e.g. the offline MBTiles file of the map page)."""

    fetch: Callable[[int, int, int], bytes | None]  # (z, x, y) in XYZ numbering
    mime: str = "image/png"
    attribution: str = ""
    min_zoom: int = 0
    max_zoom: int = 19


@dataclass(frozen=True)
class Marker:
    number: int
    lat: float
    lon: float


def mercator(lat: float, lon: float) -> tuple[float, float]:
    """Web Mercator in world units (0..1 from west to east and north to south)."""
    lat = max(min(lat, 85.05112878), -85.05112878)
    x = (lon + 180.0) / 360.0
    rad = math.radians(lat)
    y = (1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2.0
    return x, y


def _rings(geometry: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Outer and inner rings as (lat, lon) lists."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    rings: list[list[tuple[float, float]]] = []
    for polygon in polygons:
        for ring in polygon:
            points = [
                (float(p[1]), float(p[0])) for p in ring if isinstance(p, (list, tuple)) and len(p) >= 2
            ]
            if len(points) >= 3:
                rings.append(points)
    return rings


#: The label spreading's bounds (see :func:`_spread`): at most this many passes, at most this
#: many labels of one grid cell are looked at (a cell one gap wide holds at most four labels
#: that do not overlap, so this only bites while a crowd is being taken apart), and no pass
#: is begun once this many pairs have been compared (a map's at most ~200 labels never get
#: there: 200 × 39 pairs × 120 passes is under a million).
SPREAD_PASSES = 120
CELL_LIMIT = 8
SPREAD_BUDGET = 1_000_000
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


@dataclass
class SpreadWork:
    """What one :func:`_spread` call did: passes, pairs compared, the most pairs one label
    was compared with in one pass (bounded by ``9 * CELL_LIMIT``)."""

    passes: int = 0
    comparisons: int = 0
    most_per_label: int = 0


def _fan_out(pos: list[list[float]], members: list[int], gap: float) -> None:
    """Put ``members`` on a sunflower spiral around their centre, about ``gap`` apart."""
    cx = sum(pos[k][0] for k in members) / len(members)
    cy = sum(pos[k][1] for k in members) / len(members)
    for t, k in enumerate(members):
        r = gap * 0.6 * math.sqrt(t + 0.5)
        pos[k][0] = cx + r * math.cos(t * GOLDEN_ANGLE)
        pos[k][1] = cy + r * math.sin(t * GOLDEN_ANGLE)


def _spread(
    points: list[tuple[float, float]],
    radius: float,
    width: float,
    height: float,
    *,
    work: SpreadWork | None = None,
    budget: int = SPREAD_BUDGET,
) -> list[tuple[float, float]]:
    """Label positions near ``points`` that do not overlap (repulsion, deterministic).

    Labels (circles of ``radius``) closer than a gap of 2.25 radii push each other apart,
    then each is pulled back a little towards its true place, pass after pass until no two
    overlap. A pass sorts the labels into a uniform grid of cells one gap wide and compares
    each label only with those in its own and the eight neighbouring cells (at most
    ``CELL_LIMIT`` per cell), so a pass costs O(n), not O(n²). Points at the same place, and
    any crowd of more than ``CELL_LIMIT`` in one cell, are first laid out on a sunflower
    spiral around their centre. At most ``SPREAD_PASSES`` passes, and none begun after
    ``budget`` comparisons: a map with more labels than fit ends with overlaps, quickly
    (:func:`map_picture` does not label such a map, see ``label_limit``).
    """
    work = work if work is not None else SpreadWork()
    gap = radius * 2 + radius * 0.25
    lo_x, hi_x = radius + 2, max(width - radius - 2, radius + 2)
    lo_y, hi_y = radius + 2, max(height - radius - 2, radius + 2)
    pos = [[float(x), float(y)] for x, y in points]

    first: dict[tuple[int, int], list[int]] = {}
    for k, p in enumerate(pos):
        first.setdefault((math.floor(p[0] / gap), math.floor(p[1] / gap)), []).append(k)
    for members in first.values():
        if len(members) > CELL_LIMIT:
            _fan_out(pos, members, gap)
            continue
        same: dict[tuple[float, float], list[int]] = {}
        for k in members:
            same.setdefault((round(pos[k][0], 3), round(pos[k][1], 3)), []).append(k)
        for group in same.values():
            if len(group) > 1:
                _fan_out(pos, group, gap)
    for p in pos:
        p[0] = min(max(p[0], lo_x), hi_x)
        p[1] = min(max(p[1], lo_y), hi_y)

    settle = SPREAD_PASSES * 3 // 4  # the last quarter of the passes only pushes apart
    close = radius * 2.05  # closer than this is not done yet (circles a twentieth apart)
    for step in range(SPREAD_PASSES):
        if work.comparisons >= budget:
            break
        work.passes += 1
        grid: dict[tuple[int, int], list[int]] = {}
        crowded = False
        for k, p in enumerate(pos):
            members = grid.setdefault((math.floor(p[0] / gap), math.floor(p[1] / gap)), [])
            if len(members) < CELL_LIMIT:
                members.append(k)
            else:  # a crowd: not done yet, and only its first labels are looked at this pass
                crowded = True
        overlaps = False
        most = 0
        for (cx, cy), members in grid.items():
            # each pair once: within the cell, and with the four cells after it
            others: list[int] = []
            for key in ((cx + 1, cy - 1), (cx + 1, cy), (cx + 1, cy + 1), (cx, cy + 1)):
                others += grid.get(key, ())
            for a, i in enumerate(members):
                pi = pos[i]
                candidates = members[a + 1 :] + others
                for j in candidates:
                    pj = pos[j]
                    dx = pj[0] - pi[0]
                    dy = pj[1] - pi[1]
                    dist = math.hypot(dx, dy)
                    if dist >= gap:
                        continue
                    if dist < close:
                        overlaps = True
                    if dist < 1e-6:  # the same place: fan out by index
                        angle = (i * 7 + j * 13 + step) * 0.9
                        dx, dy, dist = math.cos(angle), math.sin(angle), 1.0
                    push = (gap - dist) / 2 + 0.01
                    ux, uy = dx / dist * push, dy / dist * push
                    pi[0] -= ux
                    pi[1] -= uy
                    pj[0] += ux
                    pj[1] += uy
                work.comparisons += len(candidates)
                most = max(most, len(candidates))
        work.most_per_label = max(work.most_per_label, most)
        if not (overlaps or crowded):
            break
        pull = 0.02 if step < settle else 0.0  # a weak pull back to the true place
        for p, (ox, oy) in zip(pos, points, strict=True):
            p[0] = min(max(p[0] + (ox - p[0]) * pull, lo_x), hi_x)
            p[1] = min(max(p[1] + (oy - p[1]) * pull, lo_y), hi_y)
    return [(p[0], p[1]) for p in pos]


def _nice_distance(metres: float) -> float:
    """The largest 1-2-5 step (m) not above ``metres``."""
    if metres <= 0:
        return 0
    power = 10 ** math.floor(math.log10(metres))
    for factor in (5, 2, 1):
        if factor * power <= metres:
            return float(factor * power)
    return float(power)


#: A map carries numbered labels only while they can cover at most this share of it (labels
#: as squares a gap wide); beyond that they stand far from their places and hide the map,
#: so a denser map shows dots and lettered grid squares instead (:func:`map_picture`).
LABEL_SHARE = 0.25
#: The grid squares of a dense map are about this size (view units: 0.1 mm).
GRID_SQUARE = 200.0


@dataclass(frozen=True)
class MapPicture:
    """A map for print. ``squares`` is empty when every marker carries its number; on a map
    too dense for numbers it names each marker's grid square (number → "C4")."""

    svg: Markup
    squares: dict[int, str]


def label_size(largest: int) -> tuple[float, float]:
    """The radius and font size (view units) of a numbered label up to ``largest``."""
    digits = len(str(max(largest, 0)))
    if digits <= 2:
        return 24.0, 27.0
    if digits == 3:
        return 29.0, 27.0
    return 29.0 + 5 * (digits - 3), 24.0


def label_limit(radius: float, width: float, height: float) -> int:
    """How many numbered labels of ``radius`` a map of ``width`` × ``height`` carries."""
    gap = radius * 2.25
    return int(LABEL_SHARE * width * height / (gap * gap))


def map_svg(
    features: Sequence[dict[str, Any]],
    markers: Sequence[Marker],
    *,
    focus: Iterable[int] | None = None,
    width_mm: float = 182,
    height_mm: float = 120,
    tiles: TileSource | None = None,
) -> Markup | None:
    """The map as an inline SVG; None when there is nothing to place (no outline, no marker)."""
    picture = map_picture(features, markers, focus=focus, width_mm=width_mm, height_mm=height_mm, tiles=tiles)
    return picture.svg if picture is not None else None


def map_picture(
    features: Sequence[dict[str, Any]],
    markers: Sequence[Marker],
    *,
    focus: Iterable[int] | None = None,
    width_mm: float = 182,
    height_mm: float = 120,
    tiles: TileSource | None = None,
) -> MapPicture | None:
    """The map; None when there is nothing to place (no outline, no marker).

    Up to :func:`label_limit` markers, each is a numbered label, spread apart so that none
    overlaps another (:func:`_spread`), with a leader line to its true place when moved.
    Above it (hundreds of institutions in one quarter), each marker is a dot at its true
    place and the map carries a grid of lettered columns and numbered rows; the squares
    are returned so the directory can name each institution's square."""
    focus_ids = set(focus) if focus is not None else {f.get("id") for f in features}
    shapes = [(f, _rings(f.get("geometry") or {})) for f in features]
    world_pts: list[tuple[float, float]] = [
        mercator(lat, lon)
        for f, rings in shapes
        if f.get("id") in focus_ids
        for ring in rings
        for lat, lon in ring
    ]
    world_pts += [mercator(mk.lat, mk.lon) for mk in markers]
    if not world_pts:
        return None
    xs = [p[0] for p in world_pts]
    ys = [p[1] for p in world_pts]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    span_x = max(max_x - min_x, 1e-6)
    span_y = max(max_y - min_y, 1e-6)
    min_x -= span_x * 0.07
    max_x += span_x * 0.07
    min_y -= span_y * 0.07
    max_y += span_y * 0.07
    vw, vh = width_mm * 10, height_mm * 10  # view units: 0.1 mm
    aspect = vw / vh
    wx, wy = max_x - min_x, max_y - min_y
    if wx / wy < aspect:  # widen
        extra = wy * aspect - wx
        min_x, wx = min_x - extra / 2, wy * aspect
    else:
        extra = wx / aspect - wy
        min_y, wy = min_y - extra / 2, wx / aspect
    scale = vw / wx

    def view(lat: float, lon: float) -> tuple[float, float]:
        x, y = mercator(lat, lon)
        return (x - min_x) * scale, (y - min_y) * scale

    parts: list[str] = [
        f'<svg class="map" xmlns="http://www.w3.org/2000/svg" width="{width_mm}mm" height="{height_mm}mm" '
        f'viewBox="0 0 {vw:.0f} {vh:.0f}" overflow="hidden" font-family="DejaVu Sans, Arial, sans-serif">',
        '<defs><filter id="grey"><feColorMatrix type="saturate" values="0"/></filter></defs>',
        f'<rect x="0" y="0" width="{vw:.0f}" height="{vh:.0f}" fill="#ffffff"/>',
    ]
    attribution = ""
    if tiles is not None:
        background, attribution = _tile_layer(tiles, min_x, min_y, wx, wy, scale, width_mm)
        parts.append(background)
    labels: list[str] = []
    for feature, rings in shapes:
        if not rings:
            continue
        d = " ".join(
            "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in (view(lat, lon) for lat, lon in ring)) + " Z"
            for ring in rings
        )
        if feature.get("id") in focus_ids:
            fill = "none" if tiles is not None else "#f1f1f1"
            parts.append(
                f'<path d="{d}" fill="{fill}" fill-rule="evenodd" stroke="#000" stroke-width="6" '
                'stroke-linejoin="round"/>'
            )
        else:
            parts.append(
                f'<path d="{d}" fill="none" stroke="#777" stroke-width="3" stroke-dasharray="14 8"/>'
            )
            outer = [view(lat, lon) for lat, lon in rings[0]]
            cx = sum(p[0] for p in outer) / len(outer)
            cy = sum(p[1] for p in outer) / len(outer)
            if 60 < cx < vw - 60 and 30 < cy < vh - 30:
                name = (feature.get("properties") or {}).get("name", "")
                labels.append(
                    f'<text x="{cx:.0f}" y="{cy:.0f}" font-size="30" fill="#555" font-style="italic" '
                    f'text-anchor="middle" stroke="#fff" stroke-width="8" paint-order="stroke">{escape(name)}</text>'
                )
    parts.extend(labels)
    ordered = sorted(markers, key=lambda mk: mk.number)
    anchors = [view(mk.lat, mk.lon) for mk in ordered]
    radius, font = label_size(ordered[-1].number if ordered else 0)
    squares: dict[int, str] = {}
    if len(ordered) > label_limit(radius, vw, vh):
        squares = _grid_layer(parts, ordered, anchors, vw, vh)
    else:
        placed = _spread(anchors, radius, vw, vh)
        for (ax, ay), (px, py) in zip(anchors, placed, strict=True):
            if math.hypot(px - ax, py - ay) > radius * 0.6:
                parts.append(
                    f'<line x1="{ax:.1f}" y1="{ay:.1f}" x2="{px:.1f}" y2="{py:.1f}" stroke="#000" stroke-width="2.5"/>'
                )
                parts.append(f'<circle cx="{ax:.1f}" cy="{ay:.1f}" r="5" fill="#000"/>')
        for mk, (px, py) in zip(ordered, placed, strict=True):
            parts.append(
                f'<g class="marker" data-number="{mk.number}">'
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{radius:.0f}" fill="#fff" stroke="#000" stroke-width="4"/>'
                f'<text x="{px:.1f}" y="{py + font * 0.35:.1f}" font-size="{font:.0f}" font-weight="bold" '
                f'text-anchor="middle">{mk.number}</text></g>'
            )
    parts.append(_scale_bar(min_y + wy / 2, scale, vh))
    if attribution:
        parts.append(
            f'<text x="{vw - 12:.0f}" y="{vh - 12:.0f}" font-size="22" text-anchor="end" fill="#000" '
            f'stroke="#fff" stroke-width="6" paint-order="stroke">{escape(attribution)}</text>'
        )
    parts.append(
        f'<rect x="0" y="0" width="{vw:.0f}" height="{vh:.0f}" fill="none" stroke="#000" stroke-width="4"/>'
    )
    parts.append("</svg>")
    return MapPicture(Markup("".join(parts)), squares)


def square_names(columns: int) -> list[str]:
    """Column letters of the grid: A … Z, then AA, AB …"""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return [letters[c] if c < 26 else letters[c // 26 - 1] + letters[c % 26] for c in range(columns)]


def _grid_layer(
    parts: list[str],
    markers: Sequence[Marker],
    anchors: Sequence[tuple[float, float]],
    vw: float,
    vh: float,
) -> dict[int, str]:
    """A dense map: lettered grid squares and a dot per marker; each marker's square."""
    columns, rows = max(1, round(vw / GRID_SQUARE)), max(1, round(vh / GRID_SQUARE))
    cw, ch = vw / columns, vh / rows
    names = square_names(columns)
    grid = ['<g class="grid" stroke="#888" stroke-width="2">']
    grid += [f'<line x1="{c * cw:.1f}" y1="0" x2="{c * cw:.1f}" y2="{vh:.0f}"/>' for c in range(1, columns)]
    grid += [f'<line x1="0" y1="{r * ch:.1f}" x2="{vw:.0f}" y2="{r * ch:.1f}"/>' for r in range(1, rows)]
    grid.append("</g>")
    parts.extend(grid)
    dots = ['<g class="dots" fill="#000" stroke="#fff" stroke-width="1.5">']
    squares: dict[int, str] = {}
    for mk, (x, y) in zip(markers, anchors, strict=True):
        column = min(max(int(x / cw), 0), columns - 1)
        row = min(max(int(y / ch), 0), rows - 1)
        squares[mk.number] = f"{names[column]}{row + 1}"
        dots.append(f'<circle class="dot" data-number="{mk.number}" cx="{x:.1f}" cy="{y:.1f}" r="6"/>')
    dots.append("</g>")
    parts.extend(dots)
    halo = 'stroke="#fff" stroke-width="7" paint-order="stroke" font-size="26" font-weight="bold"'
    parts.extend(
        f'<text class="square" x="{(c + 0.5) * cw:.1f}" y="32" text-anchor="middle" {halo}>{names[c]}</text>'
        for c in range(columns)
    )
    parts.extend(
        f'<text class="square" x="14" y="{(r + 0.5) * ch + 9:.1f}" {halo}>{r + 1}</text>' for r in range(rows)
    )
    return squares


def _scale_bar(center_y: float, scale: float, vh: float) -> str:
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * center_y))))
    metres_per_unit = EARTH_CIRCUMFERENCE_M * math.cos(math.radians(lat)) / scale
    length_m = _nice_distance(metres_per_unit * 300)  # at most 3 cm
    if length_m <= 0:
        return ""
    length = length_m / metres_per_unit
    label = f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"
    x, y = 24.0, vh - 26.0
    return (
        f'<g class="scale"><rect x="{x - 8:.0f}" y="{y - 44:.0f}" width="{length + 16:.0f}" height="58" fill="#fff" '
        'fill-opacity="0.85"/>'
        f'<path d="M{x:.0f},{y - 10:.0f} L{x:.0f},{y:.0f} L{x + length:.0f},{y:.0f} L{x + length:.0f},{y - 10:.0f}" '
        'fill="none" stroke="#000" stroke-width="4"/>'
        f'<text x="{x + length / 2:.0f}" y="{y - 16:.0f}" font-size="24" text-anchor="middle">{label}</text></g>'
    )


def _tile_layer(
    tiles: TileSource, min_x: float, min_y: float, wx: float, wy: float, scale: float, width_mm: float
) -> tuple[str, str]:
    """Grey background tiles covering the view, as embedded images; and the attribution."""
    wanted_px = width_mm / 25.4 * 160  # about 160 dpi on paper
    zoom = round(math.log2(max(wanted_px / (256 * wx), 1)))
    zoom = max(tiles.min_zoom, min(tiles.max_zoom, zoom))
    while zoom > tiles.min_zoom:
        n = 1 << zoom
        count = (int(min_x * n + wx * n) - int(min_x * n) + 1) * (
            int(min_y * n + wy * n) - int(min_y * n) + 1
        )
        if count <= 64:
            break
        zoom -= 1
    n = 1 << zoom
    x0, x1 = int(min_x * n), int((min_x + wx) * n)
    y0, y1 = int(max(min_y, 0) * n), int(min(min_y + wy, 0.999999) * n)
    images: list[str] = []
    size = scale / n
    for tx in range(x0, x1 + 1):
        for ty in range(y0, y1 + 1):
            try:
                data = tiles.fetch(zoom, tx % n, ty)
            except Exception:  # a broken tile file: print without background rather than fail
                data = None
            if not data:
                continue
            uri = f"data:{escape(tiles.mime)};base64," + base64.b64encode(data).decode("ascii")
            images.append(
                f'<image x="{(tx / n - min_x) * scale:.2f}" y="{(ty / n - min_y) * scale:.2f}" '
                f'width="{size + 0.6:.2f}" height="{size + 0.6:.2f}" href="{uri}" preserveAspectRatio="none"/>'
            )
    if not images:
        return "", ""
    layer = '<g filter="url(#grey)" opacity="0.55">' + "".join(images) + "</g>"
    return layer, strip_tags(tiles.attribution)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]
    dash: str  # SVG stroke-dasharray ("" = solid)
    marker: str  # "circle", "square", "triangle", "diamond"
    width: float = 5


def _nice_max(value: int) -> tuple[int, int]:
    """An axis top and a step: 1, 2 or 5 times a power of ten, four to eight steps."""
    if value <= 4:
        return 4, 1
    for power in (1, 10, 100, 1000, 10000, 100000):
        for step in (1, 2, 5):
            s = step * power
            if math.ceil(value / s) <= 8:
                return math.ceil(value / s) * s, s
    return value, max(value // 5, 1)


def _marker(kind: str, x: float, y: float) -> str:
    r = 9.0
    if kind == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.0f}" height="{2 * r:.0f}" fill="#fff" stroke="#000" stroke-width="3.5"/>'
    if kind == "triangle":
        return (
            f'<path d="M{x:.1f},{y - r * 1.2:.1f} L{x + r * 1.1:.1f},{y + r * 0.8:.1f} L{x - r * 1.1:.1f},{y + r * 0.8:.1f} Z" '
            'fill="#000"/>'
        )
    if kind == "diamond":
        return (
            f'<path d="M{x:.1f},{y - r * 1.2:.1f} L{x + r * 1.2:.1f},{y:.1f} L{x:.1f},{y + r * 1.2:.1f} L{x - r * 1.2:.1f},{y:.1f} Z" '
            'fill="#fff" stroke="#000" stroke-width="3.5"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.0f}" fill="#000"/>'


#: The month labels of :func:`trend_svg`: font size (viewBox units), average character width
#: (em), and the least room between two labels.
LABEL_SIZE = 22
LABEL_EM = 0.62
LABEL_GAP = 24


def trend_svg(
    labels: Sequence[str], series: Sequence[Series], *, width_mm: float = 180, height_mm: float = 78
) -> Markup:
    """A line chart: months along the bottom, counts up the side, a legend on top."""
    vw, vh = width_mm * 10, height_mm * 10
    left, right, top, bottom = 80.0, 30.0, 90.0, 70.0
    plot_w, plot_h = vw - left - right, vh - top - bottom
    top_value, step = _nice_max(max((max(s.values, default=0) for s in series), default=0))
    n = max(len(labels), 1)

    def x_of(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y_of(v: float) -> float:
        return top + plot_h - plot_h * v / top_value

    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width_mm}mm" height="{height_mm}mm" '
        f'viewBox="0 0 {vw:.0f} {vh:.0f}" font-family="DejaVu Sans, Arial, sans-serif">'
    ]
    for v in range(0, top_value + 1, step):
        y = y_of(v)
        parts.append(
            f'<line x1="{left:.0f}" y1="{y:.1f}" x2="{vw - right:.0f}" y2="{y:.1f}" stroke="#bbb" stroke-width="1.5"/>'
        )
        parts.append(f'<text x="{left - 12:.0f}" y="{y + 8:.1f}" font-size="24" text-anchor="end">{v}</text>')
    # Every k-th month, counted back from the last one (always shown), so that no two
    # labels touch: a label needs its width (DejaVu Sans, ~0.62 em a character) and a gap.
    widest = max((len(label) for label in labels), default=0) * LABEL_EM * LABEL_SIZE + LABEL_GAP
    every = max(1, math.ceil(widest / (plot_w / n)))
    for i, label in enumerate(labels):
        if (n - 1 - i) % every == 0:
            parts.append(
                f'<text x="{x_of(i):.1f}" y="{vh - bottom + 34:.0f}" font-size="{LABEL_SIZE}" text-anchor="middle">{escape(label)}</text>'
            )
    parts.append(
        f'<line x1="{left:.0f}" y1="{top + plot_h:.1f}" x2="{vw - right:.0f}" y2="{top + plot_h:.1f}" stroke="#000" stroke-width="3"/>'
    )
    legend_x = left
    for s in series:
        points = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in enumerate(s.values))
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        if len(s.values) > 1:
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="#000" stroke-width="{s.width}"{dash}/>'
            )
        for i, v in enumerate(s.values):
            parts.append(_marker(s.marker, x_of(i), y_of(v)))
        parts.append(
            f'<line x1="{legend_x:.0f}" y1="30" x2="{legend_x + 70:.0f}" y2="30" stroke="#000" stroke-width="{s.width}"{dash}/>'
        )
        parts.append(_marker(s.marker, legend_x + 35, 30))
        parts.append(f'<text x="{legend_x + 82:.0f}" y="39" font-size="26">{escape(s.name)}</text>')
        legend_x += 110 + len(s.name) * 16
    parts.append("</svg>")
    return Markup("".join(parts))
