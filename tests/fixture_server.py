"""A real local HTTP server for the offline fixture site (tests/fixtures/site/).

It serves static files with ``{{base}}`` replaced by its own base URL, answers
conditional requests, logs every request for assertions, and offers a few
edge-case routes (status codes, slow answers, dropped connections, loops).
Run ``python -m tests.fixture_server`` to use it from another process: it prints
one ``READY <base_url>`` line once listening and exits 0 on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import hashlib
import html
import signal
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Callable
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_ROOT = Path(__file__).resolve().parent / "fixtures" / "site"
PLACEHOLDER = b"{{base}}"
# Files whose bytes get {{base}} substituted; everything else is served verbatim.
TEXT_SUFFIXES = {".html", ".htm", ".xml", ".atom", ".json", ".txt"}
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

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".pdf": "application/pdf",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
}


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


def content_type_for(relpath: str) -> str:
    """The Content-Type for a file path relative to the site root."""
    path = Path(relpath)
    suffix = path.suffix.lower()
    if suffix == ".xml" and "rss" in path.parts[:-1]:
        return "application/rss+xml; charset=utf-8"
    if path.name == "feed.json":
        return "application/feed+json; charset=utf-8"
    return _CONTENT_TYPES.get(suffix, "application/octet-stream")


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    # Weak comparison, as RFC 9110 prescribes for If-None-Match.
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def _not_modified_since(header: str, mtime: float) -> bool:
    try:
        since = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since is None or since.tzinfo is None:
        return False
    return int(mtime) <= int(since.timestamp())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: FixtureServer) -> None:
        self.owner = owner
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request_thread(self, request, client_address):  # type: ignore[no-untyped-def]
        with self.sockets_lock:
            self.open_sockets.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.sockets_lock:
                self.open_sockets.discard(request)

    def handle_error(self, request, client_address):  # type: ignore[no-untyped-def]
        # Clients hanging up (timeouts, /drop tests) are expected here; stay quiet.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, socket.timeout)):
            return
        super().handle_error(request, client_address)

    def close_open_connections(self) -> None:
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "FixtureServer/1.0"
    timeout = 60  # idle keep-alive connections are closed after this

    # -- logging -----------------------------------------------------------
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = code.value if isinstance(code, HTTPStatus) else int(code)
        self._record(status)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the request log replaces stderr output."""

    def _record(self, status: int | None) -> None:
        headers = {name: self.headers[name] for name in LOGGED_HEADERS if self.headers.get(name) is not None}
        self.server.owner._append(RequestRecord(self.command, self.path, status, headers))

    # -- entry points --------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch(send_body=True)

    def do_HEAD(self) -> None:
        self._dispatch(send_body=False)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1024 * 1024))
        self._send_html(HTTPStatus.METHOD_NOT_ALLOWED, "Method Not Allowed", send_body=True, extra={"Allow": "GET, HEAD"})

    def _dispatch(self, send_body: bool) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = parse_qs(parts.query)
        route = _ROUTES.get(path)
        if route is not None:
            route(self, query, send_body)
        elif path.startswith("/status/"):
            self._route_status(path.removeprefix("/status/"), send_body)
        else:
            self._serve_file(path, send_body)

    # -- helpers ---------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str, send_body: bool, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        no_body = status in (204, 304) or 100 <= status < 200
        if not no_body:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and not no_body:
            self.wfile.write(body)

    def _send_html(self, status: int, message: str, send_body: bool, extra: dict[str, str] | None = None) -> None:
        text = html.escape(message)
        body = (
            f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{status} {text}</title></head>"
            f"<body><h1>{status} {text}</h1></body></html>\n"
        ).encode()
        self._send(status, body, "text/html; charset=utf-8", send_body, extra)

    def _resolve(self, path: str) -> tuple[Path, str] | None:
        """Map a URL path to (file, relpath) inside the root, or None."""
        root = self.server.owner.root
        segments = [s for s in path.split("/") if s]
        if any(s in (".", "..") or s.startswith(".") or "\\" in s for s in segments):
            return None
        candidate = root.joinpath(*segments) if segments else root
        if path.endswith("/") or not segments:
            candidate = candidate / "index.html"
        try:
            resolved = candidate.resolve()
        except OSError:
            return None
        if not resolved.is_relative_to(root) or not resolved.is_file():
            return None
        return resolved, resolved.relative_to(root).as_posix()

    def _serve_file(self, path: str, send_body: bool) -> None:
        found = self._resolve(path)
        if found is None:
            # A directory without its trailing slash: redirect like most servers do.
            if not path.endswith("/") and self._resolve(path + "/") is not None:
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", self.server.owner.base_url + path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._send_html(HTTPStatus.NOT_FOUND, "Not Found", send_body)
            return
        file, relpath = found
        body = file.read_bytes()
        if file.suffix.lower() in TEXT_SUFFIXES:
            body = body.replace(PLACEHOLDER, self.server.owner.base_url.encode("ascii"))
        mtime = file.stat().st_mtime
        etag = etag_for(body)
        validators = {"ETag": etag, "Last-Modified": email.utils.formatdate(mtime, usegmt=True)}
        if_none_match = self.headers.get("If-None-Match")
        if_modified_since = self.headers.get("If-Modified-Since")
        # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 13.1.3).
        if if_none_match is not None:
            not_modified = _etag_matches(if_none_match, etag)
        elif if_modified_since is not None:
            not_modified = _not_modified_since(if_modified_since, mtime)
        else:
            not_modified = False
        if not_modified:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name, value in validators.items():
                self.send_header(name, value)
            self.end_headers()
            return
        self._send(HTTPStatus.OK, body, content_type_for(relpath), send_body, validators)

    # -- dynamic routes --------------------------------------------------------
    def _route_status(self, code_text: str, send_body: bool) -> None:
        try:
            code = int(code_text)
        except ValueError:
            code = 0
        if not 200 <= code <= 599:
            self._send_html(HTTPStatus.NOT_FOUND, "Not Found", send_body)
            return
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Status"
        extra = {"Location": self.server.owner.base_url + "/status/200"} if code in REDIRECT_CODES else None
        if code == 503:
            extra = {"Retry-After": "1"}
        self._send_html(code, phrase, send_body, extra)

    def _route_slow(self, query: dict[str, list[str]], send_body: bool) -> None:
        try:
            seconds = float(query.get("seconds", ["1"])[0])
        except ValueError:
            self._send_html(HTTPStatus.BAD_REQUEST, "seconds must be a number", send_body)
            return
        seconds = min(max(seconds, 0.0), MAX_SLOW_SECONDS)
        time.sleep(seconds)
        if query.get("file"):  # a fixture file served late: a source that keeps a run busy
            self._serve_file(query["file"][0], send_body)
            return
        self._send_html(HTTPStatus.OK, f"Slow response after {seconds:g} seconds", send_body)

    def _route_drop(self, query: dict[str, list[str]], send_body: bool) -> None:
        self._record(None)
        self.close_connection = True
        # SO_LINGER 0 makes close() reset the connection instead of a graceful FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def _route_redirect_loop(self, query: dict[str, list[str]], send_body: bool) -> None:
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", self.server.owner.base_url + "/redirect-loop")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _route_oversize(self, query: dict[str, list[str]], send_body: bool) -> None:
        try:
            size = int(query.get("bytes", [str(5 * 1024 * 1024)])[0])
        except ValueError:
            self._send_html(HTTPStatus.BAD_REQUEST, "bytes must be an integer", send_body)
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
        self._send(HTTPStatus.OK, _gzip_bomb(), "text/html; charset=utf-8", send_body, {"Content-Encoding": "gzip"})

    def _route_wrong_charset(self, query: dict[str, list[str]], send_body: bool) -> None:
        # Header claims UTF-8, the bytes are windows-1252 (curly quotes, e-acute).
        text = (
            "<!DOCTYPE html><html><head><title>Caf\u00e9 owner \u201cstunned\u201d by raid</title></head>"
            "<body><h1>Caf\u00e9 owner \u201cstunned\u201d by raid</h1>"
            "<p>The owner of the caf\u00e9 said she was \u201ccompletely stunned.\u201d</p></body></html>"
        )
        self._send(HTTPStatus.OK, text.encode("cp1252"), "text/html; charset=utf-8", send_body)


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


class FixtureServer:
    """Threaded HTTP server for the fixture site, bound to 127.0.0.1.

    Use as a context manager or call start()/stop(). ``requests`` is a snapshot
    of every request served so far (a list of RequestRecord).
    """

    def __init__(self, root: str | Path | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root if root is not None else DEFAULT_ROOT).resolve()
        if not self.root.is_dir():
            raise NotADirectoryError(f"fixture root is not a directory: {self.root}")
        self.host = host
        self.port = port
        self._log: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> FixtureServer:
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._httpd = _Server((self.host, self.port), self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fixture-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.close_open_connections()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL for a path on this server, e.g. url('/gov/index.html')."""
        return self.base_url + ("" if path.startswith("/") else "/") + path

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
    parser.add_argument("--root", default=str(DEFAULT_ROOT), help="directory to serve (default: tests/fixtures/site)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: 0, any free port)")
    args = parser.parse_args(argv)

    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with FixtureServer(root=args.root, port=args.port) as server:
        print(f"READY {server.base_url}", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
