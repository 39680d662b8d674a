"""Local fakes of the real agency sites (a Drupal newsroom, the DOJ News API, bot walls, a
robots.txt with Crawl-delay, a rate-limited feed) on 127.0.0.1 port 0, each answer written by a
route. The server logs every request with its arrival time, for pacing assertions.

Fixture files live in tests/fixtures/agency/; `{{base}}` in them becomes the server's URL."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from monitor.desk.static_site import StaticHandler, StaticSite

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


class FakeHandler(StaticHandler):
    """Logs every request, then answers it from the site's routes (else a fixture file, else 404)."""

    def route(self, path: str, query: dict[str, list[str]], send_body: bool) -> bool:
        site = self.site
        request = Seen(time.monotonic(), self.path, dict(self.headers.items()))
        with site.lock:
            site.seen.append(request)
        found = site.routes.get(urlsplit(self.path).path)
        if found is None:
            return False
        answer = found if isinstance(found, Answer) else found(site, request)
        headers = dict(answer.headers)
        content_type = headers.pop("Content-Type", "text/html; charset=utf-8")
        self.send(answer.status, answer.body, content_type, send_body, headers)
        return True


class FakeSite(StaticSite):
    """`with FakeSite({"/path": route}) as site:`; a route is an Answer or a function of
    (site, request) giving one. Paths are matched without their query. The project's one static
    server (monitor.desk.static_site) does the serving."""

    handler = FakeHandler

    def __init__(self, routes: dict[str, Answer | Route]) -> None:
        self.routes = routes
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        super().__init__(AGENCY)

    @property
    def base(self) -> str:
        return self.base_url

    def url(self, path: str) -> str:
        return self.base + path

    def file(self, name: str, **replacements: str) -> bytes:
        """A fixture file with {{base}} (and {{key}} for each replacement) filled in."""
        text = (AGENCY / name).read_text(encoding="utf-8").replace("{{base}}", self.base)
        for key, value in replacements.items():
            text = text.replace("{{" + key + "}}", value)
        return text.encode("utf-8")

    def paths(self, prefix: str = "") -> list[str]:
        with self.lock:
            return [s.path for s in self.seen if s.path.startswith(prefix)]

    def times(self, prefix: str = "") -> list[float]:
        with self.lock:
            return [s.at for s in self.seen if s.path.startswith(prefix)]


def serve_file(name: str, content_type: str = "text/html; charset=utf-8", status: int = 200,
               headers: dict[str, str] | None = None) -> Route:
    """A route answering with a fixture file."""
    def route(site: FakeSite, request: Seen) -> Answer:
        return Answer(status, site.file(name), {"Content-Type": content_type, **(headers or {})})
    return route
