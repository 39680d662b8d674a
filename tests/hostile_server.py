"""A hostile web on loopback: every bad thing a site can do to a crawler, on seven listeners.

- ``main`` (127.0.0.1) and ``offsite`` (127.0.0.2): the cases (tests/hostile_cases.py), and
  good articles at ``/a/<slug>.html``;
- ``badrobots`` (127.0.0.3): a site whose robots.txt is binary garbage;
- ``limited`` (127.0.0.4) and ``limited2`` (127.0.0.5): hosts that answer 429 and 503 asking for a
  wait of hours, on hosts of their own: monitor leaves such a host alone for the rest of the run;
- ``admin`` (127.0.0.1) and ``admin2`` (127.0.0.2): stand-ins for local admin services that a
  crawler must never be tricked into calling. Every request is logged, so a test can assert that
  none reached them.

Threaded, bound to port 0. Run ``python -m tests.hostile_server``: it prints ``HOST <role> <url>``
for each listener, then one ``READY <main url>`` line, and exits 0 on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import json
import select
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests import hostile_content as content

ROLES = {"main": "127.0.0.1", "offsite": "127.0.0.2", "badrobots": "127.0.0.3",
         "limited": "127.0.0.4", "limited2": "127.0.0.5", "admin": "127.0.0.1", "admin2": "127.0.0.2"}
HUGE_BYTES = 50 * 1024 * 1024       # the 50 MB bodies
MAX_HANG_SECONDS = 30.0             # a slow route gives up on its own after this
DRIP_INTERVAL = 0.2
ROBOTS_MAIN = b"User-agent: *\nDisallow: /private/\n"
# Binary junk, invalid UTF-8 and a 100 KB line: no directive a parser could recognise.
ROBOTS_GARBAGE = (b"\x00\xff\xfe\x89PNG\x00\x00" + b"\xc3\x28" * 3000 + b"\n" + b"x" * 100_000
                  + b"\n<html><body>Welcome!</body></html>\n")


@dataclass(frozen=True)
class Hit:
    """One request as a listener saw it; status None when the server dropped or hung."""

    role: str
    method: str
    path: str
    status: int | None


Route = Callable[["_Handler", dict], None]
ROUTES: dict[tuple[str, str], Route] = {}


def route(path: str, *roles: str):
    def register(function: Route) -> Route:
        for role in roles or ("main",):
            ROUTES[(role, path)] = function
        return function
    return register


class _Listener(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, role: str, owner: "HostileServer") -> None:
        self.role, self.owner = role, owner
        super().__init__((ROLES[role], 0), _Handler)

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, OSError)):
            return  # the crawler hung up: expected for drips, bombs and huge bodies
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Listener
    protocol_version = "HTTP/1.1"
    server_version = "HostileServer/1.0"
    timeout = 60

    def log_request(self, code="-", size="-") -> None:  # type: ignore[no-untyped-def]
        self._hit(int(code) if str(code).isdigit() else None)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the hit log replaces stderr output."""

    def _hit(self, status: int | None) -> None:
        self.server.owner.record(Hit(self.server.role, self.command, self.path, status))

    @property
    def owner(self) -> "HostileServer":
        return self.server.owner

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        role = self.server.role
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if role.startswith("admin"):
            self.send_body(200, b"<html><body><h1>ADMIN PANEL</h1><p>secret token</p></body></html>",
                           "text/html")
            return
        found = ROUTES.get((role, parts.path)) or ROUTES.get(("*", parts.path))
        if found:
            found(self, query)
        elif parts.path.startswith("/calendar/"):
            _calendar_day(self, parts.path)
        elif parts.path.startswith("/a/") and parts.path.endswith(".html"):
            slug = parts.path[3:-5]
            self.send_body(200, content.article_html(slug).encode(), "text/html; charset=utf-8")
        else:
            self.send_body(404, b"<html><body><h1>Not Found</h1></body></html>", "text/html")

    # -- answers ---------------------------------------------------------------------------

    def send_body(self, status: int, body: bytes | str, content_type: str | None,
                  headers: dict[str, str] | None = None) -> None:
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def url(self, role: str, path: str = "") -> str:
        return self.owner.url(role, path)

    def reset(self) -> None:
        """Close with a TCP reset, not a graceful FIN."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def hang_until_hangup(self, seconds: float = MAX_HANG_SECONDS) -> None:
        """Say nothing until the client hangs up (or `seconds` pass)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            readable, _, _ = select.select([self.connection], [], [], 0.2)
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        break
                except OSError:
                    break
        self.close_connection = True

    def stream(self, total: int, *, chunk: bytes = b"<p>" + b"x" * 65_530 + b"</p>\n",
               content_length: bool = True) -> None:
        """`total` bytes of HTML written piece by piece: never held in memory."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if content_length:
            self.send_header("Content-Length", str(total))
        else:
            self.send_header("Connection", "close")  # the body ends when the connection does
        self.end_headers()
        self.close_connection = not content_length
        sent = 0
        while sent < total:
            piece = chunk[:total - sent]
            self.wfile.write(piece)
            sent += len(piece)


# -- feeds of the cases: /feeds/<name>.xml -----------------------------------------------------

def _entries(*links: str, **kwargs) -> list[dict]:
    return [{"link": link, "title": f"Story {i + 1}", "date": content.feed_date(), **kwargs}
            for i, link in enumerate(links)]


FEEDS: dict[str, list[dict]] = {
    "good": _entries("/a/good-1.html", "/a/good-2.html", "/a/good-3.html"),
    "malformed": _entries("/bad/malformed.html"),
    "truncated": _entries("/bad/truncated.html"),
    "deep": _entries("/bad/deep.html", "/a/deep-ok.html"),
    "binary": _entries("/bad/binary.html"),
    "noise": _entries("/bad/noise.html"),
    "image": _entries("/bad/image.png"),
    "huge": _entries("/bad/huge-50mb.html", "/a/huge-ok.html"),
    "huge-stream": _entries("/bad/huge-stream.html"),
    "gzip-bomb": _entries("/bad/gzip-bomb.html", "/a/gzip-ok.html"),
    "br-bomb": _entries("/bad/br-bomb.html"),
    "gzip-gzip-bomb": _entries("/bad/gzip-gzip-bomb.html"),
    "corrupt-gzip": _entries("/bad/corrupt-gzip.html"),
    "charsets": _entries("/cs/absent.html", "/cs/cp1252-as-utf8.html", "/cs/utf16.html",
                         "/cs/latin1-as-utf8.html", "/cs/bogus.html"),
    "redirect-loop": _entries("/r/loop-a"),
    "redirect-long": _entries("/r/chain?n=30&end=chain-long-end"),
    "redirect-short": _entries("/r/chain?n=4&end=chain-short-end"),
    "redirect-schemes": _entries("/r/file", "/r/data", "/r/ftp", "/a/redirect-schemes-ok.html"),
    "redirect-admin": _entries("/r/admin", "/a/redirect-admin-ok.html"),
    "link-schemes": _entries("file:///etc/passwd", "data:text/html,<h1>hi</h1>",
                             "ftp://127.0.0.1/pub/secret.txt", "javascript:alert(document.cookie)",
                             "mailto:desk@example.org", "/a/link-schemes-ok.html"),
    "offsite-admin": _entries("{admin}/admin/users", "http://localhost:{admin_port}/admin/a",
                              "http://2130706433:{admin_port}/admin/b",
                              "http://[::1]:{admin_port}/admin/c",
                              "http://0.0.0.0:{admin_port}/admin/d", "/a/offsite-own-host.html"),
    "reverse-admin": _entries("{admin2}/admin/users", "{offsite}/a/not-my-host.html",
                              "/a/reverse-ok.html"),
    "drip": _entries("/slow/drip.html", "/a/drip-ok.html"),
    "headers": _entries("/slow/headers.html"),
    "drop-now": _entries("/drop/now"),
    "drop-mid": _entries("/drop/mid"),
    "garbage-status": _entries("/bad/garbage-status"),
    "status-500": _entries("/status/500", "/a/status-500-ok.html"),
    "robots": _entries("/private/embargoed-story.html", "/a/robots-ok.html"),
    "badrobots": _entries("/a/badrobots-ok.html"),
    "empty-page": _entries("/bad/empty.html"),
    "soft-404": _entries("/bad/soft-404.html", "/r/to-home"),
    "advertised": _entries("/a/advertised-ok.html"),
    "duplicates": ([{"link": "/a/dup-story.html", "title": "Same story", "date": content.feed_date()}] * 50
                   + [{"link": "/a/dup-story.html?utm_source=rss&utm_medium=feed", "title": "x"},
                      {"link": "/a/dup-story.html#comments", "title": "y"},
                      {"link": "  /a/dup-story.html  ", "title": "z"}]),
    "missing-fields": [{"title": "No link 1"}, {"title": "No link 2", "date": content.feed_date()},
                       {"link": "", "title": "Empty link"},
                       {"link": "/a/missing-no-date-1.html", "title": "No date 1"},
                       {"link": "/a/missing-no-date-2.html"}],
    "dates-extreme": [{"link": "/a/dates-future.undated.html", "title": "From the future",
                       "date": "Fri, 31 Dec 9999 23:59:59 GMT"},
                      {"link": "/a/dates-past.undated.html", "title": "From the past",
                       "date": "Sat, 14 Oct 1066 09:00:00 GMT"},
                      {"link": "/a/dates-garbage.undated.html", "title": "Garbage date",
                       "date": "<script>alert(1)</script>"}],
    "page-future": _entries("/bad/date-2999.html"),
    "markup-title": [{"link": "/bad/markup-title.html",
                      "title": "<b>Bold</b> <script>alert(1)</script> raid"}],
    "huge-title": _entries("/bad/huge-title.html"),
    "non-english": _entries("/intl/ru.html", "/intl/zh.html", "/intl/ar.html"),
    "pdfs": _entries("/pdf/good.pdf", "/pdf/broken.pdf", "/pdf/encrypted.pdf"),
    "meta-refresh": _entries("/bad/refresh-admin.html", "/bad/refresh-file.html"),
}


@route("/robots.txt", "main", "offsite")
def _robots(h: _Handler, q: dict) -> None:
    h.send_body(200, ROBOTS_MAIN, "text/plain")


@route("/robots.txt", "badrobots")
def _robots_garbage(h: _Handler, q: dict) -> None:
    h.send_body(200, ROBOTS_GARBAGE, "text/plain")


def _feed(h: _Handler, name: str) -> None:
    ports = {"admin_port": str(h.owner.port("admin"))}
    entries = []
    for entry in FEEDS[name]:
        link = entry.get("link")
        if link:
            link = link.format(admin=h.url("admin"), admin2=h.url("admin2"),
                               offsite=h.url("offsite"), **ports)
        entries.append({**entry, "link": link} if "link" in entry else entry)
    h.send_body(200, content.rss(entries), "application/rss+xml; charset=utf-8")


for _name in FEEDS:
    route(f"/feeds/{_name}.xml", "main", "offsite", "badrobots")(
        lambda h, q, name=_name: _feed(h, name))


# -- broken pages ----------------------------------------------------------------------------

@route("/bad/malformed.html")
def _malformed(h: _Handler, q: dict) -> None:
    paras = content.paragraphs("malformed-html")
    page = ("<html><head><title>Raid & arrests < in <<Lowell>></title></head><body><div><div>"
            "<table><p>stray <b>bold <i>italic</b> crossed</i></table></div></div></div></span>"
            "<article><h1>Malformed markup & raid coverage</h1>"
            + "".join(f"<p>{p} <font><center>&nbsp &amp &bogus; 5 < 6 & 7 > 2" for p in paras)
            + "</article></body></html></html><p>after the end")
    h.send_body(200, page, "text/html; charset=utf-8")


@route("/bad/truncated.html")
def _truncated(h: _Handler, q: dict) -> None:
    page = content.article_html("truncated-html", body_paragraphs=content.paragraphs("truncated-html", 6))
    h.send_body(200, page[:page.index("</article>") - 40], "text/html; charset=utf-8")


@route("/bad/deep.html")
def _deep(h: _Handler, q: dict) -> None:
    page = content.article_html("deep-nesting")
    nested = "<div>" * 100_000 + "<p>deep</p>" + "</div>" * 100_000
    h.send_body(200, page.replace("<main>", "<main>" + nested), "text/html; charset=utf-8")


@route("/bad/binary.html")
def _binary(h: _Handler, q: dict) -> None:
    h.send_body(200, content.noise(200_000, seed="binary"), "text/html; charset=utf-8")


@route("/bad/noise.html")
def _noise(h: _Handler, q: dict) -> None:
    h.send_body(200, content.noise(200_000, seed="noise", high_only=True), "text/html")


@route("/bad/image.png")
def _image(h: _Handler, q: dict) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + content.noise(5_000, seed="png")
    h.send_body(200, png, "image/png")


@route("/bad/huge-50mb.html")
def _huge(h: _Handler, q: dict) -> None:
    h.stream(HUGE_BYTES)


@route("/bad/huge-stream.html")
def _huge_stream(h: _Handler, q: dict) -> None:
    h.stream(HUGE_BYTES, content_length=False)


@route("/bad/gzip-bomb.html")
def _gzip_bomb(h: _Handler, q: dict) -> None:
    h.send_body(200, h.owner.payload("gzip"), "text/html", {"Content-Encoding": "gzip"})


@route("/bad/br-bomb.html")
def _br_bomb(h: _Handler, q: dict) -> None:
    body = h.owner.payload("br")
    if body is None:  # no brotli module here: send brotli-labelled junk, which must be refused
        body = content.noise(4_000, seed="fake-br")
    h.send_body(200, body, "text/html", {"Content-Encoding": "br"})


@route("/bad/gzip-gzip-bomb.html")
def _gzip_gzip_bomb(h: _Handler, q: dict) -> None:
    h.send_body(200, h.owner.payload("gzip-gzip"), "text/html", {"Content-Encoding": "gzip, gzip"})


@route("/bad/corrupt-gzip.html")
def _corrupt_gzip(h: _Handler, q: dict) -> None:
    body = b"\x1f\x8b\x08\x00" + content.noise(3_000, seed="corrupt-gzip")
    h.send_body(200, body, "text/html", {"Content-Encoding": "gzip"})


@route("/sitemap-bomb.xml.gz")
def _sitemap_bomb(h: _Handler, q: dict) -> None:
    h.send_body(200, h.owner.payload("gzip"), "application/x-gzip")


@route("/bad/garbage-status")
def _garbage_status(h: _Handler, q: dict) -> None:
    h._hit(None)
    h.wfile.write(b"HTTP/1.1 2OO OK\r\nContent-Length: banana\r\n\x00\x01\x02\r\n\r\nbody")
    h.close_connection = True


@route("/bad/empty.html")
def _empty(h: _Handler, q: dict) -> None:
    h.send_body(200, b"", "text/html; charset=utf-8")


@route("/bad/empty-feed.xml")
def _empty_feed(h: _Handler, q: dict) -> None:
    h.send_body(200, b"", "application/rss+xml")


@route("/bad/soft-404.html")
def _soft_404(h: _Handler, q: dict) -> None:
    page = ("<!DOCTYPE html><html><head><title>Page not found | The Hostile Gazette</title></head>"
            "<body><header><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></header>"
            "<main><h1>Page not found</h1><p>Sorry, the page you were looking for does not exist "
            "or has been moved.</p><p><a href='/'>Return to the home page</a></p></main></body></html>")
    h.send_body(200, page, "text/html; charset=utf-8")


@route("/")
def _home(h: _Handler, q: dict) -> None:
    links = [f"/section/topic-{i}" for i in range(30)]
    h.send_body(200, content.listing_html(links, title="The Hostile Gazette"), "text/html; charset=utf-8")


def _refresh(h: _Handler, target: str) -> None:
    page = (f'<html><head><meta http-equiv="refresh" content="0; url={target}">'
            "<title>Moved</title></head><body><p>This story has moved.</p></body></html>")
    h.send_body(200, page, "text/html; charset=utf-8")


route("/bad/refresh-admin.html")(lambda h, q: _refresh(h, h.url("admin", "/admin/meta-refresh")))
route("/bad/refresh-file.html")(lambda h, q: _refresh(h, "file:///etc/passwd"))


@route("/bad/date-2999.html")
def _date_2999(h: _Handler, q: dict) -> None:
    page = content.article_html("page-date-future", published="2999-01-01T00:00:00+00:00")
    h.send_body(200, page, "text/html; charset=utf-8")


@route("/bad/markup-title.html")
def _markup_title(h: _Handler, q: dict) -> None:
    title = "Raid nets 12 &lt;script&gt;alert(1)&lt;/script&gt; <b>in Lowell</b> &amp; Lynn"
    page = content.article_html("markup-title", head_title=title,
                                title="Raid nets 12 <img src=x onerror=alert(1)> in Lowell")
    h.send_body(200, page, "text/html; charset=utf-8")


@route("/bad/huge-title.html")
def _huge_title(h: _Handler, q: dict) -> None:
    title = "Operation " + "very " * 40_000 + "long"
    h.send_body(200, content.article_html("huge-title", title=title), "text/html; charset=utf-8")


# -- charsets ------------------------------------------------------------------------------------

CHARSET_WORDS = "Café owner José Müller “stunned” as agents search the façade in São Paulo"


def _charset_page(slug: str, charset: str | None) -> str:
    paras = content.paragraphs(slug)
    paras.insert(1, CHARSET_WORDS + ".")
    return content.article_html(slug, body_paragraphs=paras, charset=charset)


@route("/cs/absent.html")
def _cs_absent(h: _Handler, q: dict) -> None:
    h.send_body(200, _charset_page("charset-absent", None).encode(), "text/html")


@route("/cs/cp1252-as-utf8.html")
def _cs_cp1252(h: _Handler, q: dict) -> None:
    h.send_body(200, _charset_page("charset-cp1252", None).encode("cp1252"), "text/html; charset=utf-8")


@route("/cs/utf16.html")
def _cs_utf16(h: _Handler, q: dict) -> None:
    h.send_body(200, _charset_page("charset-utf16", None).encode("utf-16"), "text/html; charset=utf-16")


@route("/cs/latin1-as-utf8.html")
def _cs_latin1(h: _Handler, q: dict) -> None:
    page = _charset_page("charset-latin1", "utf-8").replace("“", '"').replace("”", '"')
    h.send_body(200, page.encode("latin-1"), "text/html")


@route("/cs/bogus.html")
def _cs_bogus(h: _Handler, q: dict) -> None:
    h.send_body(200, _charset_page("charset-bogus", None).encode(), "text/html; charset=x-klingon-42")


# -- redirects -----------------------------------------------------------------------------------

def _redirect(h: _Handler, location: str, status: int = 302) -> None:
    h.send_body(status, b"", "text/html", {"Location": location})


route("/r/loop-a")(lambda h, q: _redirect(h, "/r/loop-b"))
route("/r/loop-b")(lambda h, q: _redirect(h, h.url("main", "/r/loop-a"), 301))
route("/r/file")(lambda h, q: _redirect(h, "file:///etc/passwd"))
route("/r/data")(lambda h, q: _redirect(h, "data:text/html;base64,PGgxPmhpPC9oMT4="))
route("/r/ftp")(lambda h, q: _redirect(h, "ftp://127.0.0.1/pub/secret.txt"))
route("/r/admin")(lambda h, q: _redirect(h, h.url("admin", "/admin/delete-everything")))
route("/r/to-home")(lambda h, q: _redirect(h, "/"))


@route("/r/chain")
def _chain(h: _Handler, q: dict) -> None:
    n, end = int(q.get("n", "0")), q.get("end", "chain-end")
    _redirect(h, f"/r/chain?n={n - 1}&end={end}" if n > 0 else f"/a/{end}.html", 307)


# -- slow, dropped, failing ----------------------------------------------------------------------

@route("/slow/drip.html")
def _drip(h: _Handler, q: dict) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "1000000")
    h.end_headers()
    h.close_connection = True
    deadline = time.monotonic() + MAX_HANG_SECONDS
    while time.monotonic() < deadline:
        h.wfile.write(b"<")
        h.wfile.flush()
        time.sleep(DRIP_INTERVAL)


@route("/slow/headers.html")
def _slow_headers(h: _Handler, q: dict) -> None:
    h._hit(None)
    h.hang_until_hangup()


@route("/drop/now")
def _drop_now(h: _Handler, q: dict) -> None:
    h._hit(None)
    h.reset()


@route("/drop/mid")
def _drop_mid(h: _Handler, q: dict) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    h.wfile.write(content.article_html("drop-mid").encode()[:3000])
    h.wfile.flush()
    h.reset()


@route("/status/429", "limited")
def _429(h: _Handler, q: dict) -> None:
    h.send_body(429, b"<h1>Too Many Requests</h1>", "text/html", {"Retry-After": "86400"})


@route("/status/500")
def _500(h: _Handler, q: dict) -> None:
    h.send_body(500, b"<h1>Internal Server Error</h1><pre>Traceback ...</pre>", "text/html")


@route("/status/503", "limited2")
def _503(h: _Handler, q: dict) -> None:
    h.send_body(503, b"<h1>Service Unavailable</h1>", "text/html", {"Retry-After": "3600"})


# -- traps ---------------------------------------------------------------------------------------

@route("/trap/list")
def _pagination_trap(h: _Handler, q: dict) -> None:
    page = int(q.get("page", "1"))
    links = [f"/a/trap-story-{page}-{k}.html" for k in range(5)]
    h.send_body(200, content.listing_html(links, next_url=f"/trap/list?page={page + 1}"),
                "text/html; charset=utf-8")


@route("/calendar/", "main")
def _calendar(h: _Handler, q: dict) -> None:
    year, month = int(q.get("y", "2024")), int(q.get("m", "5"))
    days = [f"/calendar/{year}/{month:02d}/{day:02d}/" for day in range(1, 29)]
    before = (year, month - 1) if month > 1 else (year - 1, 12)
    h.send_body(200, content.listing_html(days, next_url=f"/calendar/?y={before[0]}&m={before[1]}",
                                          next_text="« Older", title=f"Events {year}-{month:02d}"),
                "text/html; charset=utf-8")


def _calendar_day(h: _Handler, path: str) -> None:
    """A day of the event calendar: a grid of hours, links to the days around it."""
    rows = "".join(f"<tr><td>{hour:02d}:00</td><td></td></tr>" for hour in range(24))
    page = (f"<!DOCTYPE html><html><head><title>Events {path}</title></head><body>"
            f"<h1>Events</h1><table>{rows}</table><a href='/calendar/'>Month</a></body></html>")
    h.send_body(200, page, "text/html; charset=utf-8")


@route("/many/index.html")
def _many_links(h: _Handler, q: dict) -> None:
    links = [f"/a/many-story-number-{i}.html" for i in range(10_000)]
    h.send_body(200, content.listing_html(links), "text/html; charset=utf-8")


@route("/advertised.html")
def _advertised(h: _Handler, q: dict) -> None:
    head = "".join(f'<link rel="alternate" type="application/rss+xml" href="/feeds/advertised.xml?n={i}">'
                   for i in range(1000))
    h.send_body(200, content.listing_html([], head=head), "text/html; charset=utf-8")


@route("/advertised-admin.html")
def _advertised_admin(h: _Handler, q: dict) -> None:
    head = f'<link rel="alternate" type="application/rss+xml" href="{h.url("admin", "/admin/feed.xml")}">'
    h.send_body(200, content.listing_html([], head=head), "text/html; charset=utf-8")


@route("/sitemaps/nest.xml")
def _sitemap_nest(h: _Handler, q: dict) -> None:
    depth = int(q.get("d", "0"))
    children = [f"{h.url('main')}/sitemaps/nest.xml?d={depth + 1}&k={k}" for k in range(3)]
    h.send_body(200, content.sitemap_index(children), "application/xml")


@route("/listing/schemes.html")
def _listing_schemes(h: _Handler, q: dict) -> None:
    links = ["javascript:void(0)", "mailto:tips@example.org", "file:///etc/passwd",
             "data:text/html,hi", "ftp://127.0.0.1/x", "/a/listing-schemes-story-one.html",
             "/a/listing-schemes-story-two.html"]
    h.send_body(200, content.listing_html(links), "text/html; charset=utf-8")


@route("/listing/offsite.html")
def _listing_offsite(h: _Handler, q: dict) -> None:
    links = [h.url("offsite", "/a/offsite-listed-story.html"),
             h.url("admin", "/admin/listed-story-delete.html"), "/a/listing-offsite-ok.html"]
    h.send_body(200, content.listing_html(links), "text/html; charset=utf-8")


@route("/listing/next-admin.html", "offsite")
def _next_admin(h: _Handler, q: dict) -> None:
    h.send_body(200, content.listing_html(["/a/next-admin-own-story.html"],
                                          next_url=h.url("admin", "/admin/page-2")),
                "text/html; charset=utf-8")


@route("/feeds/entity-bomb.xml")
def _entity_bomb_feed(h: _Handler, q: dict) -> None:
    h.send_body(200, content.entity_bomb_feed(), "application/rss+xml")


@route("/sitemaps/entity-bomb.xml")
def _entity_bomb_sitemap(h: _Handler, q: dict) -> None:
    h.send_body(200, content.entity_bomb_sitemap(), "application/xml")


@route("/feeds/json-junk.json")
def _json_junk(h: _Handler, q: dict) -> None:
    items = [{"id": "1", "title": "no url"}, {"id": "2", "url": 42, "title": "a number"},
             {"id": "3", "url": "/a/json-junk-date.html", "title": "junk date",
              "date_published": "<script>alert(1)</script>"},
             {"id": "4", "url": "/a/json-junk-future.html", "date_published": "9999-01-01T00:00:00Z"},
             "not an object", None]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "junk",
                       "items": items})
    h.send_body(200, body, "application/feed+json")


# -- international pages and PDFs ---------------------------------------------------------------

INTL = {
    "ru": ("Задержаны 12 человек в Бостоне", "Сотрудники иммиграционной службы задержали двенадцать "
           "человек в ходе операции, которая продолжалась четыре дня. По данным ведомства, "
           "задержанные подозреваются в мошенничестве и незаконном пересечении границы."),
    "zh": ("波士顿移民执法行动逮捕十二人", "移民与海关执法局的官员在为期四天的行动中逮捕了十二人。"
           "据该机构称，被捕者涉嫌欺诈和非法越境。当地社区团体计划本周召开会议，回答居民的问题。"),
    "ar": ("اعتقال اثني عشر شخصا في بوسطن", "اعتقل ضباط الهجرة اثني عشر شخصا خلال عملية استمرت "
           "أربعة أيام. وقالت الوكالة إن المعتقلين يشتبه في تورطهم في الاحتيال وعبور الحدود بشكل غير قانوني."),
}


def _intl(h: _Handler, lang: str) -> None:
    title, sentence = INTL[lang]
    paras = [f"{sentence} ({i})" for i in range(5)]
    paras[1] += f" Case file intl-{lang}."
    h.send_body(200, content.article_html(f"intl-{lang}", title=title, lang=lang, body_paragraphs=paras),
                "text/html; charset=utf-8")


for _lang in INTL:
    route(f"/intl/{_lang}.html")(lambda h, q, lang=_lang: _intl(h, lang))
for _pdf in ("good", "broken", "encrypted"):
    route(f"/pdf/{_pdf}.pdf")(lambda h, q, name=_pdf: h.send_body(200, h.owner.payload(f"pdf-{name}"),
                                                                   "application/pdf"))


@route("/a/dates-future.undated.html")
@route("/a/dates-past.undated.html")
@route("/a/dates-garbage.undated.html")
def _undated(h: _Handler, q: dict) -> None:
    slug = urlsplit(h.path).path[3:-len(".undated.html")]
    h.send_body(200, content.article_html(slug, published=None), "text/html; charset=utf-8")


# -- the server ----------------------------------------------------------------------------------

class HostileServer:
    """All listeners, started together. `hits(role, prefix)` lists what a listener served."""

    def __init__(self) -> None:
        self._listeners: dict[str, _Listener] = {}
        self._threads: list[threading.Thread] = []
        self._log: list[Hit] = []
        self._lock = threading.Lock()
        self._payloads: dict[str, bytes | None] = {}

    def start(self) -> "HostileServer":
        gzip_bomb = content.gzip_bomb()
        pdfs = content.pdfs()
        self._payloads = {"gzip": gzip_bomb, "br": content.brotli_bomb(),
                          "gzip-gzip": content.double_gzip_bomb(gzip_bomb),
                          **{f"pdf-{name}": body for name, body in pdfs.items()}}
        for role in ROLES:
            listener = _Listener(role, self)
            self._listeners[role] = listener
            thread = threading.Thread(target=listener.serve_forever, name=f"hostile-{role}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for listener in self._listeners.values():
            listener.shutdown()
            listener.server_close()
        for thread in self._threads:
            thread.join(timeout=10)
        self._listeners.clear()
        self._threads.clear()

    def __enter__(self) -> "HostileServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def brotli_available(self) -> bool:
        return self._payloads.get("br") is not None

    def payload(self, name: str) -> bytes | None:
        return self._payloads[name]

    def port(self, role: str) -> int:
        return self._listeners[role].server_address[1]

    def url(self, role: str, path: str = "") -> str:
        return f"http://{ROLES[role]}:{self.port(role)}{path}"

    def urls(self) -> dict[str, str]:
        """{"main": ..., "offsite": ..., ...} and the admin port, for schedule templates."""
        return {**{role: self.url(role) for role in ROLES}, "admin_port": str(self.port("admin"))}

    def record(self, hit: Hit) -> None:
        with self._lock:
            self._log.append(hit)

    def hits(self, role: str | None = None, prefix: str = "/") -> list[Hit]:
        with self._lock:
            return [h for h in self._log if (role is None or h.role == role)
                    and h.path.startswith(prefix)]

    def clear(self) -> None:
        with self._lock:
            self._log.clear()


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m tests.hostile_server",
                            description=__doc__.splitlines()[0]).parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with HostileServer() as server:
        for role in ROLES:
            print(f"HOST {role} {server.url(role)}", flush=True)
        print(f"READY {server.url('main')}", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
