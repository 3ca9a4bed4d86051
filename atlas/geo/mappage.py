"""The map page: built once with folium, then driven through atlas-map.js.

folium (with branca) writes the Leaflet page; its asset references are pointed at
the libraries bundled in ``resources/web`` so the page needs no network. For the
program the page loads its assets from the ``atlas:`` URL scheme; for a standalone
file every asset and the data are inlined, so the file opens offline in any browser.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from atlas.errors import AtlasError
from atlas.geo.mapdata import FALLBACK_CENTER, MapData, json_for_script

WEB = Path(__file__).resolve().parents[2] / "resources" / "web"
LEAFLET = "vendor/leaflet-1.9.4"
CLUSTER = "vendor/leaflet.markercluster-1.5.3"
JS_ASSETS = (
    ("leaflet", f"{LEAFLET}/leaflet.js"),
    ("markercluster", f"{CLUSTER}/leaflet.markercluster.js"),
)
CSS_ASSETS = (
    ("leaflet_css", f"{LEAFLET}/leaflet.css"),
    ("markercluster_css", f"{CLUSTER}/MarkerCluster.css"),
    ("markercluster_default_css", f"{CLUSTER}/MarkerCluster.Default.css"),
    ("atlas_css", "atlas-map.css"),
)
MAP_VAR = "atlas_map"


#: Stands in the rendered template where the embedded data goes (see build_page).
DATA_MARKER = "@@ATLAS-DATA-7f3c2a@@"


def build_page(
    *,
    asset_base: str = "",
    channel: bool = True,
    center: tuple[float, float] = FALLBACK_CENTER,
    zoom: int = 13,
    embedded: MapData | None = None,
) -> str:
    """The HTML of the map page.

    ``asset_base`` prefixes the bundled asset paths (``"atlas://app/"`` in the program).
    With ``channel`` the page connects to the program's QWebChannel bridge; with
    ``embedded`` the data is baked into the page instead.
    """
    import folium  # heavy: only when a page is really built
    from branca.element import Element, Figure

    class AtlasMap(folium.Map):  # type: ignore[misc]
        default_js = [(n, asset_base + p) for n, p in JS_ASSETS]  # noqa: RUF012 (folium's own shape)
        default_css = [(n, asset_base + p) for n, p in CSS_ASSETS]  # noqa: RUF012

    fmap = AtlasMap(
        location=list(center),
        zoom_start=zoom,
        tiles=None,
        max_zoom=19,
        control_scale=False,
        prefer_canvas=False,
    )
    fmap._id = MAP_VAR  # a stable variable name (map_atlas_map) instead of a random one
    root = fmap.get_root()
    assert isinstance(root, Figure)
    base = escape(asset_base)  # an attribute value: escaped like every text written into HTML here
    if channel:
        root.header.add_child(Element(f'<script src="{base}qwebchannel.js"></script>'))
    root.header.add_child(Element(f'<script src="{base}atlas-map.js"></script>'))
    data = "null"
    if embedded is not None:
        # branca renders an Element's text as a Jinja2 template: data must never be template
        # text ("{{ … }}" would run). Only a fixed marker goes through the template; the JSON
        # takes its place after rendering.
        root.html.add_child(
            Element(f'<script type="application/json" id="atlas-data">{DATA_MARKER}</script>')
        )
        data = "JSON.parse(document.getElementById('atlas-data').textContent)"
    # After the whole page script ran (folium defines the map variable at its end).
    root.script.add_child(
        Element(
            f'window.addEventListener("load", function () {{ AtlasMap.start({fmap.get_name()}, {data}); }});'
        )
    )
    html: str = root.render()
    if embedded is not None:
        assert html.count(DATA_MARKER) == 1
        html = html.replace(DATA_MARKER, json_for_script(embedded.to_json()), 1)
    return html


def cached_page(cache_dir: Path, asset_base: str) -> str:
    """The program's map page, built with folium once and then read from a cache file.

    The cache key covers what shapes the page: folium's version, this module and the
    bundled page script, so a program or library update builds it anew.
    """
    import hashlib
    from importlib.metadata import version

    key = hashlib.sha256()
    key.update(version("folium").encode())
    key.update(asset_base.encode())
    for source in (Path(__file__), WEB / "atlas-map.js", WEB / "atlas-map.css"):
        key.update(source.read_bytes())
    cached = cache_dir / f"map-{key.hexdigest()[:16]}.html"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    page = build_page(asset_base=asset_base)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomically(cached, page)
    except (OSError, AtlasError):
        pass  # a read-only cache only costs the next start the folium build again
    return page


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def inline_assets(html: str) -> str:
    """Replace every bundled <script src> and <link href> with the file's content."""

    def script(match: re.Match[str]) -> str:
        source = (WEB / match.group(1)).read_text(encoding="utf-8")
        return "<script>" + source.replace("</script", "<\\/script") + "</script>"

    def style(match: re.Match[str]) -> str:
        rel = match.group(1)
        css = (WEB / rel).read_text(encoding="utf-8")
        folder = (WEB / rel).parent
        css = re.sub(
            r"url\((['\"]?)(images/[^)'\"]+\.png)\1\)",
            lambda m: f"url({_data_uri(folder / m.group(2))})",
            css,
        )
        return "<style>" + css.replace("</style", "<\\/style") + "</style>"

    html = re.sub(r'<script src="((?:vendor/|atlas-)[^"]+\.js)"></script>', script, html)
    html = re.sub(r'<link rel="stylesheet" href="((?:vendor/|atlas-)[^"]+\.css)"\s*/>', style, html)
    return html


def standalone_html(data: MapData, *, title: str = "Stadtteil-Atlas") -> str:
    """One self-contained HTML file: opens offline in any browser, no remote request."""
    html = build_page(asset_base="", channel=False, embedded=data)
    html = inline_assets(html)
    # After rendering, so the title is never template text either; escaped as HTML text.
    return html.replace("<head>", str(Markup("<head>\n<title>{}</title>").format(title)), 1)


def remote_references(html: str) -> list[str]:
    """Every http(s) URL the page would load (should be none)."""
    found: list[str] = re.findall(r'<(?:script|img|iframe)\b[^>]*\bsrc\s*=\s*["\'](https?://[^"\']+)', html)
    found += re.findall(r'<link\b[^>]*\bhref\s*=\s*["\'](https?://[^"\']+)', html)
    found += re.findall(r"url\(\s*['\"]?(https?://[^)'\"]+)", html)
    return found


def write_text_atomically(path: Path, text: str) -> None:
    """UTF-8 text through :func:`atlas.files.atomic_write` (no half file; AtlasError in German)."""
    from atlas.files import atomic_write

    data = text.encode("utf-8")
    atomic_write(path, lambda handle: handle.write(data))


__all__: list[Any] = ["build_page", "inline_assets", "remote_references", "standalone_html"]
