"""A static site on 127.0.0.1: files from one or more roots (the first that has a path wins),
`{{base}}` in text files replaced by the server's own base URL, conditional requests answered.
`monitor demo` serves the bundled sample newsroom with it; the tests and benchmarks extend it
with routes of their own (`StaticHandler.route`)."""

from __future__ import annotations

import email.utils
import hashlib
import html
import logging
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from os import PathLike
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger(__name__)

# The bundled sample newsroom (an agency's releases and a local paper, all fictional).
SAMPLE_SITE = Path(__file__).resolve().parent / "sample_site"
PLACEHOLDER = b"{{base}}"
# Files whose bytes get {{base}} substituted; everything else is served verbatim.
TEXT_SUFFIXES = {".html", ".htm", ".xml", ".atom", ".json", ".txt"}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8", ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".pdf": "application/pdf", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
}


def content_type_for(relpath: str) -> str:
    """The Content-Type of a file by its path under a root: XML under an `rss` folder is RSS,
    a `feed.json` is a JSON Feed."""
    path = Path(relpath)
    suffix = path.suffix.lower()
    if suffix == ".xml" and "rss" in path.parts[:-1]:
        return "application/rss+xml; charset=utf-8"
    if path.name == "feed.json":
        return "application/feed+json; charset=utf-8"
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


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


class StaticHandler(BaseHTTPRequestHandler):
    """GET and HEAD of the site's files. A subclass answers more paths by overriding `route`."""

    server: "_HTTPServer"
    protocol_version = "HTTP/1.1"  # keep-alive, as Scrapy's connection pool expects
    server_version = "StaticSite/1.0"
    timeout = 60  # idle keep-alive connections are closed after this

    @property
    def site(self) -> "StaticSite":
        return self.server.site

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's name)
        logger.debug("static site: " + format, *args)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._dispatch(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch(send_body=False)

    def _dispatch(self, send_body: bool) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        if not self.route(path, parse_qs(parts.query), send_body):
            self.serve_file(path, send_body)

    def route(self, path: str, query: dict[str, list[str]], send_body: bool) -> bool:
        """Answer a path that is not a file; True when answered. The base class has none."""
        return False

    # -- answers ---------------------------------------------------------------------------

    def send(self, status: int, body: bytes, content_type: str, send_body: bool = True,
             extra: dict[str, str] | None = None) -> None:
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

    def send_html(self, status: int, message: str, send_body: bool = True,
                  extra: dict[str, str] | None = None) -> None:
        text = html.escape(message)
        body = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{status} '
                f"{text}</title></head><body><h1>{status} {text}</h1></body></html>\n").encode()
        self.send(status, body, "text/html; charset=utf-8", send_body, extra)

    def send_not_modified(self, validators: dict[str, str]) -> None:
        self.send_response(HTTPStatus.NOT_MODIFIED)
        for name, value in validators.items():
            self.send_header(name, value)
        self.end_headers()

    def serve_file(self, path: str, send_body: bool = True) -> None:
        """The file for a URL path (query ignored), with ETag and Last-Modified; 304 when the
        request's validators match; a 301 to add the slash of a directory; else 404."""
        found = self.site.resolve(path)
        if found is None:
            if not path.endswith("/") and self.site.resolve(path + "/") is not None:
                self.send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/html; charset=utf-8", send_body,
                          {"Location": self.site.base_url + path + "/"})
                return
            self.send_html(HTTPStatus.NOT_FOUND, "Not Found", send_body)
            return
        file, relpath = found
        body = self.site.body_of(file)
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
            self.send_not_modified(validators)
            return
        self.send(HTTPStatus.OK, body, content_type_for(relpath), send_body, validators)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # a crawl opens many connections at once

    def __init__(self, address: tuple[str, int], handler: type[StaticHandler],
                 site: "StaticSite") -> None:
        self.site = site
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request_thread(self, request, client_address):  # type: ignore[no-untyped-def]
        with self.sockets_lock:
            self.open_sockets.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.sockets_lock:
                self.open_sockets.discard(request)

    def handle_error(self, request, client_address):  # type: ignore[no-untyped-def]
        # Clients hanging up (timeouts, dropped connections) are expected; stay quiet.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
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


class StaticSite:
    """The roots' files on `host` (127.0.0.1) and a free port, bound at construction (so
    `base_url` is known before `start`), served from a background thread. A context manager."""

    handler: type[StaticHandler] = StaticHandler

    def __init__(self, *roots: str | PathLike, host: str = "127.0.0.1", port: int = 0) -> None:
        self.roots = tuple(Path(root).resolve() for root in roots)
        for root in self.roots:
            if not root.is_dir():
                raise NotADirectoryError(f"site root is not a directory: {root}")
        self._httpd = _HTTPServer((host, port), self.handler, self)
        self.host, self.port = self._httpd.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        """The absolute URL of a path on this site, e.g. url('/gov/index.html')."""
        return self.base_url + ("" if path.startswith("/") else "/") + path

    def resolve(self, path: str) -> tuple[Path, str] | None:
        """(file, path under its root) for a URL path, from the first root that has it; never
        outside a root, never a hidden file; a directory serves its index.html."""
        segments = [s for s in path.split("/") if s]
        if any(s in (".", "..") or s.startswith(".") or "\\" in s for s in segments):
            return None
        for root in self.roots:
            candidate = root.joinpath(*segments)
            if path.endswith("/") or not segments:
                candidate = candidate / "index.html"
            try:
                resolved = candidate.resolve()
            except OSError:
                continue
            if resolved.is_relative_to(root) and resolved.is_file():
                return resolved, resolved.relative_to(root).as_posix()
        return None

    def body_of(self, file: Path) -> bytes:
        """A file's bytes as served: {{base}} replaced in text files."""
        body = file.read_bytes()
        if file.suffix.lower() in TEXT_SUFFIXES:
            body = body.replace(PLACEHOLDER, self.base_url.encode("ascii"))
        return body

    def start(self) -> "StaticSite":
        if self._thread is not None:
            raise RuntimeError("the site is already being served")
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        name=type(self).__name__, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open keep-alive connections and the listening socket."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.close_open_connections()
        self._httpd.server_close()

    def __enter__(self) -> "StaticSite":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
