"""The ``atlas:`` URL scheme: the map page, its bundled assets and offline tiles.

``atlas://app/<file>`` serves files from ``resources/web`` (and the generated page,
and Qt's qwebchannel.js); ``atlas://tiles/<z>/<x>/<y>`` serves tiles from an MBTiles
file. Nothing else is reachable: no parent folders, no other files of the disk.
"""

from __future__ import annotations

import mimetypes
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QFile, QIODevice, QObject, QUrl
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkDiskCache, QNetworkReply, QNetworkRequest
from PySide6.QtWebEngineCore import (
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

from atlas.geo import WEB

SCHEME = b"atlas"
PAGE_URL = "atlas://app/map.html"


def register_scheme() -> None:
    """Must run before the QApplication exists (Qt's rule for custom schemes)."""
    if QWebEngineUrlScheme.schemeByName(SCHEME).name() == SCHEME:
        return
    scheme = QWebEngineUrlScheme(SCHEME)
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    # Secure like https: the page may show https tiles (online mode) but is no "local
    # file" page, so it has no access to the disk.
    scheme.setFlags(QWebEngineUrlScheme.Flag.SecureScheme | QWebEngineUrlScheme.Flag.CorsEnabled)
    QWebEngineUrlScheme.registerScheme(scheme)


Reply = Callable[[QWebEngineUrlRequestJob, bytes, bytes], None]


class TileError(Exception):
    """The chosen offline tile file cannot be used; the message is German."""


class MBTiles:
    """Read-only access to an MBTiles file (SQLite with a ``tiles`` table, TMS rows)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            meta = dict(conn.execute("SELECT name, value FROM metadata").fetchall())
            conn.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles LIMIT 1").fetchall()
        except sqlite3.Error as err:
            raise TileError(f"Die Kartendatei {path.name} ist keine lesbare MBTiles-Datei ({err}).") from err
        self._conn = conn
        self._lock = threading.Lock()
        self.format = (meta.get("format") or "png").lower()
        if self.format not in ("png", "jpg", "jpeg", "webp"):
            conn.close()
            raise TileError(
                f"Die Kartendatei {path.name} enthält Kacheln im Format „{self.format}“; "
                "unterstützt werden Rasterkacheln (PNG, JPEG, WebP)."
            )
        self.min_zoom = int(meta.get("minzoom", 0) or 0)
        self.max_zoom = int(meta.get("maxzoom", 19) or 19)
        self.attribution = meta.get("attribution", "")

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        tms_y = (1 << z) - 1 - y
        with self._lock:
            row = self._conn.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                (z, x, tms_y),
            ).fetchone()
        return bytes(row[0]) if row else None

    @property
    def mime(self) -> bytes:
        return {"jpg": b"image/jpeg", "jpeg": b"image/jpeg", "webp": b"image/webp"}.get(
            self.format, b"image/png"
        )

    def close(self) -> None:
        self._conn.close()


class OnlineTiles(QObject):
    """Fetches online tiles for the page, so the page itself never talks to the network.

    Every request carries the program's User-Agent (OSM's tile policy asks for an
    identifying one); answers go through a disk cache that follows the server's
    cache headers, so a tile seen once is not fetched again while it is fresh and is
    still shown when the network is gone. Only tiles the map asks for are fetched:
    no prefetching.
    """

    def __init__(self, cache_dir: Path, user_agent: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.template = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        self.user_agent = user_agent.encode("utf-8")
        self.manager = QNetworkAccessManager(self)
        cache = QNetworkDiskCache(self)
        cache.setCacheDirectory(str(cache_dir))
        cache.setMaximumCacheSize(300 * 1024 * 1024)
        self.manager.setCache(cache)
        self.fetched: list[str] = []  # network requests made (tests, diagnostics)
        self.failures = 0

    def url(self, z: int, x: int, y: int) -> QUrl:
        return QUrl(self.template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y)))

    def fetch(self, job: QWebEngineUrlRequestJob, z: int, x: int, y: int, reply_fn: Reply) -> None:
        self._get(job, self.url(z, x, y), reply_fn, QNetworkRequest.CacheLoadControl.PreferCache)

    def _get(
        self,
        job: QWebEngineUrlRequestJob,
        url: QUrl,
        reply_fn: Reply,
        control: QNetworkRequest.CacheLoadControl,
    ) -> None:
        request = QNetworkRequest(url)
        request.setRawHeader(b"User-Agent", self.user_agent)
        request.setAttribute(QNetworkRequest.Attribute.CacheLoadControlAttribute, control)
        request.setAttribute(QNetworkRequest.Attribute.CacheSaveControlAttribute, True)
        request.setTransferTimeout(15000)
        reply = self.manager.get(request)
        reply.finished.connect(lambda: self._done(job, url, reply, reply_fn, control))

    def _done(
        self,
        job: QWebEngineUrlRequestJob,
        url: QUrl,
        reply: QNetworkReply,
        reply_fn: Reply,
        control: QNetworkRequest.CacheLoadControl,
    ) -> None:
        reply.deleteLater()
        if not shiboken6.isValid(job):
            return  # the page no longer wants this tile (Leaflet drops tiles scrolled away)
        from_cache = bool(reply.attribute(QNetworkRequest.Attribute.SourceIsFromCacheAttribute))
        if not from_cache:
            self.fetched.append(url.toString())
        status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        if reply.error() == QNetworkReply.NetworkError.NoError and status in (200, 203, None):
            mime = bytes(reply.header(QNetworkRequest.KnownHeaders.ContentTypeHeader) or "image/png", "ascii")
            reply_fn(job, mime, bytes(reply.readAll().data()))
            return
        if control != QNetworkRequest.CacheLoadControl.AlwaysCache:
            # No network (or the server refused): show what the cache still has.
            self._get(job, url, reply_fn, QNetworkRequest.CacheLoadControl.AlwaysCache)
            return
        self.failures += 1
        if shiboken6.isValid(job):
            job.fail(QWebEngineUrlRequestJob.Error.RequestFailed)


class AtlasSchemeHandler(QWebEngineUrlSchemeHandler):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.page_html = b""
        self.tiles: MBTiles | None = None
        self.online: OnlineTiles | None = None
        self.served: list[str] = []

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        url = job.requestUrl()
        host = url.host()
        path = url.path().lstrip("/")
        self.served.append(url.toString())
        if host == "app":
            self._serve_app(job, path)
        elif host == "tiles":
            self._serve_tile(job, path)
        elif host == "online":
            self._serve_online(job, path)
        else:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)

    def _reply(self, job: QWebEngineUrlRequestJob, mime: bytes, data: bytes) -> None:
        if not shiboken6.isValid(job):
            return  # cancelled by the page while the answer was on its way
        buffer = QBuffer(job)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(mime, buffer)

    def _serve_app(self, job: QWebEngineUrlRequestJob, path: str) -> None:
        if path == "map.html":
            self._reply(job, b"text/html;charset=utf-8", self.page_html)
            return
        if path == "qwebchannel.js":
            source = QFile(":/qtwebchannel/qwebchannel.js")
            if source.open(QIODevice.OpenModeFlag.ReadOnly):
                self._reply(job, b"application/javascript", bytes(source.readAll().data()))
                return
        target = (WEB / path).resolve()
        if WEB.resolve() not in target.parents or not target.is_file():
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix == ".js":
            mime = "application/javascript"
        self._reply(job, mime.encode("ascii"), target.read_bytes())

    def _serve_online(self, job: QWebEngineUrlRequestJob, path: str) -> None:
        parts = path.split("/")
        try:
            z, x, y = (int(p.split(".")[0]) for p in parts)
        except ValueError:
            z = -1
        if self.online is None or len(parts) != 3 or not 0 <= z <= 19:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        self.online.fetch(job, z, x, y, self._reply)

    def _serve_tile(self, job: QWebEngineUrlRequestJob, path: str) -> None:
        parts = path.split("/")
        if self.tiles is None or len(parts) != 3:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        try:
            z, x, y = (int(p.split(".")[0]) for p in parts)
            data = self.tiles.tile(z, x, y)
        except (ValueError, sqlite3.Error):
            data = None
        if data is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        self._reply(job, self.tiles.mime, data)
