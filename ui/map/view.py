"""The embedded map: a QWebEngineView on the folium page, driven through one bridge object.

Python → page: ``MapBridge.command`` (a signal carrying JSON) runs one of the page's
small functions (setData, filter, select, fit, base, draggable, density, move).
Page → Python: the bridge's slots (ready, markerClicked, markerMoved, painted, failed).
Commands issued before the page said "ready" wait in a queue; nothing blocks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from atlas.geo import MapData, cached_page
from ui.map.scheme import PAGE_URL, SCHEME, AtlasSchemeHandler, OnlineTiles

USER_AGENT = "Stadtteil-Atlas/0.1 (desktop directory for neighbourhood network coaches)"  # ASCII: HTTP header
# file: only for exported maps opened in a view (tests); Chromium keeps the atlas: page itself
# from loading file: URLs (it is not a local page).
#: A message to the page longer than this (characters) is sent in parts of this size.
MESSAGE_PART = 256 * 1024
LOCAL_SCHEMES = frozenset({"atlas", "data", "blob", "qrc", "file"})


class RequestGuard(QWebEngineUrlRequestInterceptor):
    """Lets pages reach only the program's own scheme; every other request is blocked.

    Online tiles, too, come through ``atlas://online/…`` (fetched by the program with
    its User-Agent and disk cache), so the page never talks to the network itself.
    Tests assert that ``remote`` stays empty.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.remote: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        if url.scheme() in LOCAL_SCHEMES:
            return
        self.remote.append(url.toString())
        info.block(True)


_HANDLER: AtlasSchemeHandler | None = None
_GUARD: RequestGuard | None = None


def profile_parts() -> tuple[AtlasSchemeHandler, RequestGuard]:
    """The scheme handler and request guard, installed once on the default profile."""
    global _HANDLER, _GUARD
    profile = QWebEngineProfile.defaultProfile()
    if _HANDLER is None:
        _HANDLER = AtlasSchemeHandler(profile)
        profile.installUrlSchemeHandler(SCHEME, _HANDLER)
    if _GUARD is None:
        _GUARD = RequestGuard(profile)
        profile.setUrlRequestInterceptor(_GUARD)
    if _HANDLER.online is None:
        from platformdirs import user_cache_path

        cache = user_cache_path("Stadtteil-Atlas", appauthor=False) / "kacheln"
        _HANDLER.online = OnlineTiles(cache, USER_AGENT, _HANDLER)
    return _HANDLER, _GUARD


class MapPage(QWebEnginePage):
    """The map page may not navigate anywhere: no links, no other pages."""

    def acceptNavigationRequest(
        self, url: QUrl | str, nav_type: QWebEnginePage.NavigationType, is_main_frame: bool
    ) -> bool:
        target = QUrl(url) if isinstance(url, str) else url
        return target.toString() == PAGE_URL and nav_type in (
            QWebEnginePage.NavigationType.NavigationTypeTyped,
            QWebEnginePage.NavigationType.NavigationTypeReload,
            QWebEnginePage.NavigationType.NavigationTypeOther,
        )

    # The stub says QWebEnginePage; Qt takes None (nullptr) as "no new window".
    def createWindow(  # type: ignore[override]
        self, _kind: QWebEnginePage.WebWindowType
    ) -> QWebEnginePage | None:
        return None

    def javaScriptConsoleMessage(
        self, level: QWebEnginePage.JavaScriptConsoleMessageLevel, message: str, line: int, source: str
    ) -> None:
        if level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel:
            view = self.parent()
            if isinstance(view, MapView):
                view.bridge.errors.append(f"{source}:{line}: {message}")


class MapBridge(QObject):
    """The one object the page sees. Signals out, slots in, JSON only."""

    command = Signal(str)
    # to the widgets
    pageReady = Signal()
    markerClicked = Signal(int)
    markerMoved = Signal(int, float, float)
    mapClicked = Signal(float, float)  # in "place" mode only
    paintedMs = Signal(float)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.errors: list[str] = []

    @Slot()
    def ready(self) -> None:
        self.pageReady.emit()

    @Slot(int)
    def clicked(self, place_id: int) -> None:
        self.markerClicked.emit(place_id)

    @Slot(int, float, float)
    def moved(self, place_id: int, lat: float, lon: float) -> None:
        self.markerMoved.emit(place_id, lat, lon)

    @Slot(float, float)
    def placed(self, lat: float, lon: float) -> None:
        self.mapClicked.emit(lat, lon)

    @Slot(float)
    def painted(self, ms: float) -> None:
        self.paintedMs.emit(ms)

    @Slot(str)
    def failed(self, message: str) -> None:
        self.errors.append(message)


def map_page_html() -> bytes:
    """The map page (folium, once; then read from the user's cache folder). Any thread."""
    from platformdirs import user_cache_path

    cache = user_cache_path("Stadtteil-Atlas", appauthor=False)
    return cached_page(cache, "atlas://app/").encode("utf-8")


class MapView(QWebEngineView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.handler, self.guard = profile_parts()
        self.bridge = MapBridge(self)
        page = MapPage(QWebEngineProfile.defaultProfile(), self)
        self.setPage(page)
        settings = page.settings()
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptCanOpenWindows, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptCanAccessClipboard, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.PluginsEnabled, False)
        self.channel = QWebChannel(page)
        self.channel.registerObject("bridge", self.bridge)
        page.setWebChannel(self.channel)
        self.ready = False
        self._queue: list[str] = []
        self._outbox: list[str] = []  # parts of long messages (and what follows them), in order
        self._sending = QTimer(self)
        self._sending.setInterval(0)
        self._sending.timeout.connect(self._send_next)
        self.bridge.pageReady.connect(self._on_ready)
        self.setContextMenuPolicy(self.contextMenuPolicy().NoContextMenu)

    def start(self, page_html: bytes | None = None) -> None:
        """Load the page: ``page_html`` as built by :func:`map_page_html` (the map pane builds
        it on a worker); without it the page is built here, on the GUI thread, if no view
        of this program has built it yet."""
        if not self.handler.page_html:
            self.handler.page_html = page_html or map_page_html()
        self.ready = False
        self._outbox.clear()  # parts for the page being replaced; the new page gets its data anew
        self._sending.stop()
        self.load(QUrl(PAGE_URL))

    def has_page(self) -> bool:
        """The page is built (by this view or another): :meth:`start` loads it at once."""
        return bool(self.handler.page_html)

    def _on_ready(self) -> None:
        self.ready = True
        queued, self._queue = self._queue, []
        for message in queued:
            self._emit(message)

    def send(self, op: str, **args: Any) -> None:
        self._emit(json.dumps({"op": op, "args": args}, ensure_ascii=False))

    def _emit(self, message: str) -> None:
        """To the page, in order. A long message goes in parts of :data:`MESSAGE_PART`
        characters, one per turn of the event loop: the web channel copies and escapes a
        message on the GUI thread, for the data of 10,000 places (4 MB) 200 ms in one go."""
        if not self.ready:
            self._queue.append(message)
            return
        if len(message) > MESSAGE_PART:
            self._outbox.extend(
                json.dumps(
                    {"op": "part", "args": {"text": message[i : i + MESSAGE_PART]}}, ensure_ascii=False
                )
                for i in range(0, len(message), MESSAGE_PART)
            )
            self._outbox.append('{"op":"joined"}')
        elif self._outbox:
            self._outbox.append(message)  # after the parts still on their way
        else:
            self.bridge.command.emit(message)
            return
        if not self._sending.isActive():
            self._sending.start()

    def _send_next(self) -> None:
        if not self._outbox:
            self._sending.stop()
            return
        self.bridge.command.emit(self._outbox.pop(0))

    @property
    def sending(self) -> bool:
        """Parts of a long message are still on their way to the page."""
        return bool(self._outbox)

    # -- the page's functions --------------------------------------------------------
    def set_data(self, data: MapData | str, fit: bool = True) -> None:
        """``data`` may come serialised already (from a worker thread): no second pass."""
        payload = data if isinstance(data, str) else data.to_json()
        self._emit(
            '{"op":"setData","args":{"fit":' + ("true" if fit else "false") + ',"data":' + payload + "}}"
        )

    def update_places(self, payload: str) -> None:
        """A few places again (``PlacesUpdate.to_json``, made on a worker); the rest stays."""
        self._emit('{"op":"updatePlaces","args":{"data":' + payload + "}}")

    def show_only(self, ids: Sequence[int] | None) -> None:
        self.send("filter", ids=None if ids is None else list(ids))

    def select(self, place_id: int, popup: bool = True) -> None:
        self.send("select", id=place_id, popup=popup)

    def fit(self, quarter_id: int | None = None) -> None:
        self.send("fit", **({} if quarter_id is None else {"quarter": quarter_id}))

    def set_base(self, mode: str, url: str | None = None, attribution: str = "", max_zoom: int = 19) -> None:
        self.send("base", mode=mode, url=url, attribution=attribution, maxZoom=max_zoom)

    def set_draggable(self, on: bool) -> None:
        self.send("draggable", on=on)

    def set_density(
        self, counts: dict[str, int] | None, title: str = "", steps: list[int] | None = None
    ) -> None:
        self.send("density", counts=counts, title=title, steps=steps)

    def move_place(self, place_id: int, lat: float, lon: float) -> None:
        self.send("move", id=place_id, lat=lat, lon=lon)
