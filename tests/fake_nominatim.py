"""A real HTTP server on 127.0.0.1 standing in for Nominatim (and Photon), scripted per test.

It records every request with the time it arrived (``time.monotonic``, the clock the
limiter uses), its path, parameters and headers, so tests assert the rate limit, the
cache and what was sent from the server's side. No mock of geopy or the network.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes | str | Any = b"[]"  # bytes/str as they are; anything else as JSON
    delay: float = 0.0  # seconds before answering
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass(frozen=True)
class Request:
    at: float  # time.monotonic() when the connection was accepted
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    raw: str  # request line and headers as received

    @property
    def q(self) -> str:
        return self.params.get("q", "")


def place(lat: float, lon: float, name: str = "Ort") -> dict[str, str]:
    return {"lat": str(lat), "lon": str(lon), "display_name": name}


def found(*places: tuple[float, float]) -> Reply:
    return Reply(body=[place(lat, lon, f"Treffer {i}") for i, (lat, lon) in enumerate(places, 1)])


NOT_FOUND = Reply(body=[])


class FakeNominatim:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.by_query: dict[str, Reply] = {}
        self.queue: list[Reply] = []
        self.default: Reply | Callable[[Request], Reply] = NOT_FOUND
        self.on_request: Callable[[Request], None] | None = None
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                raw = self.requestline + "\n" + str(self.headers)
                arrived = server._accepted.pop(id(self.request), time.monotonic())
                request = Request(arrived, parts.path, params, dict(self.headers.items()), raw)
                reply = server._record(request)
                if server.on_request is not None:
                    server.on_request(request)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.payload()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        accepted: dict[int, float] = {}

        class Server(ThreadingHTTPServer):
            def process_request(self, request: Any, client_address: Any) -> None:
                # The arrival time is taken when the connection is accepted, in the
                # listening thread, before a handler thread has to be started.
                accepted[id(request)] = time.monotonic()
                super().process_request(request, client_address)

        self._accepted = accepted
        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _record(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.queue:
                return self.queue.pop(0)
            if request.q in self.by_query:
                return self.by_query[request.q]
        default = self.default
        return default(request) if callable(default) else default

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def count(self) -> int:
        return len(self.requests)

    def gaps(self) -> list[float]:
        times = [r.at for r in self.requests]
        return [b - a for a, b in pairwise(times)]

    def start(self) -> FakeNominatim:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def running() -> Iterator[FakeNominatim]:
    server = FakeNominatim().start()
    try:
        yield server
    finally:
        server.stop()


def closed_url() -> str:
    """The address of a port nobody listens on: connection refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
