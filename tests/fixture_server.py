"""A real local HTTP server for the offline fixture site: the sample newsroom that ships with
`monitor demo` (monitor/desk/sample_site/) with the test-only files of tests/fixtures/site_extras/
in front of it.

It is the package's `StaticSite` ({{base}} replaced by its own base URL, conditional requests
answered) with a request log for assertions and edge-case routes (status codes, slow answers,
dropped connections, redirect loops, oversize bodies, a gzip bomb, a lying charset).
Run ``python -m tests.fixture_server`` to use it from another process: it prints
one ``READY <base_url>`` line once listening and exits 0 on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import signal
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Callable

from monitor.desk.static_site import SAMPLE_SITE, StaticHandler, StaticSite, content_type_for

# The test-only files (broken links, a broken PDF, a robots.txt that disallows /private/ and the
# page behind it, the README documenting all of it), served in front of the sample newsroom.
SITE_EXTRAS = Path(__file__).resolve().parent / "fixtures" / "site_extras"
SITE_ROOTS = (SITE_EXTRAS, SAMPLE_SITE)
LOGGED_HEADERS = (
    "User-Agent",
    "If-None-Match",
    "If-Modified-Since",
    "Accept",
    "Accept-Encoding",
    "Referer",
)
MAX_SLOW_SECONDS = 30.0
MAX_OVERSIZE_BYTES = 64 * 1024 * 1024
REDIRECT_CODES = {301, 302, 303, 307, 308}

__all__ = ["SITE_EXTRAS", "SITE_ROOTS", "FixtureServer", "RequestRecord", "content_type_for",
           "copy_site", "site_file", "site_files"]


def site_file(relpath: str) -> Path:
    """The file the fixture server serves for a path under the site (extras first)."""
    for root in SITE_ROOTS:
        candidate = root / relpath.lstrip("/")
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no fixture site file {relpath!r} in {', '.join(map(str, SITE_ROOTS))}")


def site_files() -> dict[str, Path]:
    """Every file the fixture site serves, by its path under the site ("gov/index.html")."""
    files: dict[str, Path] = {}
    for root in SITE_ROOTS:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                files.setdefault(path.relative_to(root).as_posix(), path)
    return files


def copy_site(destination: Path) -> Path:
    """A copy of the fixture site as one directory (the extras over the sample newsroom), for a
    test that changes files."""
    for root in reversed(SITE_ROOTS):
        shutil.copytree(root, destination, dirs_exist_ok=True)
    return destination


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it."""

    method: str
    path: str  # path with query string, exactly as requested
    status: int | None  # None when the server dropped the connection on purpose
    headers: dict[str, str] = field(default_factory=dict)  # only LOGGED_HEADERS

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


class _Handler(StaticHandler):
    server_version = "FixtureServer/1.0"

    # -- logging -----------------------------------------------------------
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = code.value if isinstance(code, HTTPStatus) else int(code)
        self._record(status)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the request log replaces stderr output."""

    def _record(self, status: int | None) -> None:
        headers = {name: self.headers[name] for name in LOGGED_HEADERS if self.headers.get(name) is not None}
        self.site._append(RequestRecord(self.command, self.path, status, headers))

    # -- entry points --------------------------------------------------------
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1024 * 1024))
        self.send_html(HTTPStatus.METHOD_NOT_ALLOWED, "Method Not Allowed", extra={"Allow": "GET, HEAD"})

    def route(self, path: str, query: dict[str, list[str]], send_body: bool) -> bool:
        route = _ROUTES.get(path)
        if route is not None:
            route(self, query, send_body)
        elif path.startswith("/status/"):
            self._route_status(path.removeprefix("/status/"), send_body)
        else:
            return False
        return True

    # -- dynamic routes --------------------------------------------------------
    def _route_status(self, code_text: str, send_body: bool) -> None:
        try:
            code = int(code_text)
        except ValueError:
            code = 0
        if not 200 <= code <= 599:
            self.send_html(HTTPStatus.NOT_FOUND, "Not Found", send_body)
            return
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Status"
        extra = {"Location": self.site.base_url + "/status/200"} if code in REDIRECT_CODES else None
        if code == 503:
            extra = {"Retry-After": "1"}
        self.send_html(code, phrase, send_body, extra)

    def _route_slow(self, query: dict[str, list[str]], send_body: bool) -> None:
        try:
            seconds = float(query.get("seconds", ["1"])[0])
        except ValueError:
            self.send_html(HTTPStatus.BAD_REQUEST, "seconds must be a number", send_body)
            return
        seconds = min(max(seconds, 0.0), MAX_SLOW_SECONDS)
        time.sleep(seconds)
        if query.get("file"):  # a fixture file served late: a source that keeps a run busy
            self.serve_file(query["file"][0], send_body)
            return
        self.send_html(HTTPStatus.OK, f"Slow response after {seconds:g} seconds", send_body)

    def _route_drop(self, query: dict[str, list[str]], send_body: bool) -> None:
        self._record(None)
        self.close_connection = True
        # SO_LINGER 0 makes close() reset the connection instead of a graceful FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def _route_redirect_loop(self, query: dict[str, list[str]], send_body: bool) -> None:
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", self.site.base_url + "/redirect-loop")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _route_oversize(self, query: dict[str, list[str]], send_body: bool) -> None:
        try:
            size = int(query.get("bytes", [str(5 * 1024 * 1024)])[0])
        except ValueError:
            self.send_html(HTTPStatus.BAD_REQUEST, "bytes must be an integer", send_body)
            return
        size = min(max(size, 0), MAX_OVERSIZE_BYTES)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if not send_body:
            return
        chunk = b"<p>" + b"x" * 1017 + b"</p>\n"
        remaining = size
        while remaining > 0:
            piece = chunk[: min(len(chunk), remaining)]
            self.wfile.write(piece)
            remaining -= len(piece)

    def _route_gzip_bomb(self, query: dict[str, list[str]], send_body: bool) -> None:
        self.send(HTTPStatus.OK, _gzip_bomb(), "text/html; charset=utf-8", send_body, {"Content-Encoding": "gzip"})

    def _route_wrong_charset(self, query: dict[str, list[str]], send_body: bool) -> None:
        # Header claims UTF-8, the bytes are windows-1252 (curly quotes, e-acute).
        text = (
            "<!DOCTYPE html><html><head><title>Caf\u00e9 owner \u201cstunned\u201d by raid</title></head>"
            "<body><h1>Caf\u00e9 owner \u201cstunned\u201d by raid</h1>"
            "<p>The owner of the caf\u00e9 said she was \u201ccompletely stunned.\u201d</p></body></html>"
        )
        self.send(HTTPStatus.OK, text.encode("cp1252"), "text/html; charset=utf-8", send_body)


_Route = Callable[[_Handler, dict[str, list[str]], bool], None]
_ROUTES: dict[str, _Route] = {
    "/slow": _Handler._route_slow,
    "/drop": _Handler._route_drop,
    "/redirect-loop": _Handler._route_redirect_loop,
    "/oversize": _Handler._route_oversize,
    "/gzip-bomb": _Handler._route_gzip_bomb,
    "/wrong-charset": _Handler._route_wrong_charset,
}

_GZIP_BOMB: bytes | None = None


def _gzip_bomb() -> bytes:
    """About 10 KB of gzip that inflates to 10 MB of zeros (built once, lazily)."""
    global _GZIP_BOMB
    if _GZIP_BOMB is None:
        _GZIP_BOMB = gzip.compress(b"\0" * (10 * 1024 * 1024), compresslevel=9, mtime=0)
    return _GZIP_BOMB


class FixtureServer(StaticSite):
    """The fixture site (default: the extras over the sample newsroom, or the roots given) on
    127.0.0.1, with the edge-case routes and a request log. ``requests`` is a snapshot of every
    request served so far (a list of RequestRecord). A context manager."""

    handler = _Handler

    def __init__(self, *roots: str | Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self._log: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        super().__init__(*(roots or SITE_ROOTS), host=host, port=port)

    # -- request log -------------------------------------------------------------
    def _append(self, record: RequestRecord) -> None:
        with self._log_lock:
            self._log.append(record)

    @property
    def requests(self) -> list[RequestRecord]:
        with self._log_lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    def count(self, path_prefix: str = "/") -> int:
        """How many logged requests have a path (with query) starting with path_prefix."""
        with self._log_lock:
            return sum(1 for r in self._log if r.path.startswith(path_prefix))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fixture_server", description=__doc__.splitlines()[0])
    parser.add_argument("--root", action="append", default=[],
                        help="a directory to serve; repeat for more, the first that has a path wins "
                             "(default: tests/fixtures/site_extras, then monitor/desk/sample_site)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: 0, any free port)")
    args = parser.parse_args(argv)

    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with FixtureServer(*args.root, port=args.port) as server:
        print(f"READY {server.base_url}", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
