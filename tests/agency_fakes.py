"""Local fakes of the real agency sites (a Drupal newsroom, the DOJ News API, bot walls, a
robots.txt with Crawl-delay, a rate-limited feed) on 127.0.0.1 port 0, each answer written by a
route. The server logs every request with its arrival time, for pacing assertions.

Fixture files live in tests/fixtures/agency/; `{{base}}` in them becomes the server's URL."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

AGENCY = Path(__file__).resolve().parent / "fixtures" / "agency"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    at: float                 # time.monotonic() when the request arrived
    path: str                 # path and query
    headers: dict[str, str]

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)


Route = Callable[["FakeSite", Seen], Answer]


class FakeSite:
    """`with FakeSite({"/path": route}) as site:`; a route is an Answer or a function of
    (site, request) giving one. Paths are matched without their query; unknown ones are 404."""

    def __init__(self, routes: dict[str, Answer | Route]) -> None:
        self.routes = routes
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 -- http.server's naming
                request = Seen(time.monotonic(), self.path, {k: v for k, v in self.headers.items()})
                with site._lock:
                    site.seen.append(request)
                route = site.routes.get(urlsplit(self.path).path)
                answer = (Answer(404, b"not here") if route is None
                          else route if isinstance(route, Answer) else route(site, request))
                self.send_response(answer.status)
                headers = {"Content-Type": "text/html; charset=utf-8", **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "FakeSite":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def file(self, name: str, **replacements: str) -> bytes:
        """A fixture file with {{base}} (and {{key}} for each replacement) filled in."""
        text = (AGENCY / name).read_text(encoding="utf-8").replace("{{base}}", self.base)
        for key, value in replacements.items():
            text = text.replace("{{" + key + "}}", value)
        return text.encode("utf-8")

    def paths(self, prefix: str = "") -> list[str]:
        with self._lock:
            return [s.path for s in self.seen if s.path.startswith(prefix)]

    def times(self, prefix: str = "") -> list[float]:
        with self._lock:
            return [s.at for s in self.seen if s.path.startswith(prefix)]


def serve_file(name: str, content_type: str = "text/html; charset=utf-8", status: int = 200,
               headers: dict[str, str] | None = None) -> Route:
    """A route answering with a fixture file."""
    def route(site: FakeSite, request: Seen) -> Answer:
        return Answer(status, site.file(name), {"Content-Type": content_type, **(headers or {})})
    return route
