"""The hostile cases: for each, a source pointed at tests/hostile_server.py, what the server does,
what monitor must do, and how to tell from the database and the server's log that it did.

`run_hostile_crawl` runs one real crawl of many cases through the CLI (`monitor crawl`) and
measures the crawl process's peak RSS; `observe` judges one case. tests/test_hostile.py asserts
on it and `python -m benchmarks.reliability` writes docs/reliability.md from the same verdicts.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from monitor.items import ERROR_KINDS
from tests.crawl_harness import FAST_ENV, ROOT, write_schedule
from tests.hostile_content import brotli_module

# Scrapy decodes br only with brotli or brotlicffi installed (brotli is a dependency of
# Scrapy 2.19, so it normally is); without, the br body stays encoded and is refused as binary.
BROTLI = brotli_module() is not None

# The hostile run: short timeouts, one retry, a small per-source request budget, enough
# parallel requests per host that the slow cases do not hold up the others, and two extraction
# workers whatever the machine (so that the memory bound means the same everywhere).
EXTRACT_WORKERS = 2
HOSTILE_ENV = {**FAST_ENV, "MONITOR_DOWNLOAD_TIMEOUT": "5", "MONITOR_RETRIES": "1",
               "MONITOR_CONCURRENCY_PER_DOMAIN": "8", "MONITOR_MAX_REQUESTS_PER_SOURCE": "40",
               "MONITOR_EXTRACT_WORKERS": str(EXTRACT_WORKERS)}
RETRIES = int(HOSTILE_ENV["MONITOR_RETRIES"])
PEAK_RSS_LIMIT_MB = 400       # the crawl process of the whole hostile run, at its peak
# ... and with its extraction workers (and their fork server) together
PEAK_TREE_LIMIT_MB = PEAK_RSS_LIMIT_MB + EXTRACT_WORKERS * 200 + 100
MAX_MESSAGE_CHARS = 600


@dataclass(frozen=True)
class Case:
    id: str                       # the source name
    what: str                     # what the server does
    expected: str                 # what monitor must do
    source: dict                  # the [[source]] table; {main}, {offsite}, ... in the url
    kind: str | None = None       # the error kind recorded, None when nothing goes wrong
    errors: int = 1               # rows of that kind
    error_path: str | None = None  # the URL of those rows contains this
    also: tuple[str, ...] = ()    # other kinds this source may record (from its good parts)
    stored: int | None = None     # items stored from this source, exactly
    text: tuple[str, ...] = ()    # each in the text of an item of this source
    # (role, path prefix, most URLs): a bound on the pages a limit lets the crawler visit. A URL
    # counts once however often it is requested: a request that outlives MONITOR_DOWNLOAD_TIMEOUT
    # (a server or a reactor slowed by a loaded machine) is retried, and the server sees it again,
    # which is not another page. Retries are bounded too: at most 1 + RETRIES requests per URL.
    bound: tuple[str, str, int] | None = None
    # (role, path prefix, most requests, retries included): for limits that count requests
    # (the per-source request budget, the retries of a failing URL), exact at any speed.
    requests: tuple[str, str, int] | None = None
    never: tuple[tuple[str, str], ...] = ()    # (role, path prefix) never requested
    check: str | None = None      # name of an extra check below
    known: tuple[str, str] | None = None  # (problem text, why): a defect outside the spiders,
                                          # reported to be fixed; the test expects it (strictly)

    @property
    def allowed_kinds(self) -> set[str]:
        return ({self.kind} if self.kind else set()) | set(self.also)


def feed(name: str, role: str = "main", **keys) -> dict:
    return {"url": f"{{{role}}}/feeds/{name}.xml", "kind": "feed", **keys}


CHARSET_TEXT = "Café owner José Müller"

CASES: list[Case] = [
    Case("good-feed", "a healthy RSS feed of three articles", "all three stored, no error",
         feed("good"), stored=3),
    # -- broken pages
    Case("malformed-html", "an article with unclosed, crossed and stray tags, bare < and &",
         "stored", feed("malformed"), stored=1, text=("Case file malformed-html",)),
    Case("truncated-html", "an article cut off in the middle of a tag", "stored (the text up to the cut)",
         feed("truncated"), stored=1, text=("Case file truncated-html",)),
    Case("deep-nesting", "100,000 nested <div>s around an article", "no crash; stored or skipped",
         feed("deep"), also=("not_article",), check="deep"),
    Case("binary-as-html", "200 KB of random bytes served as text/html", "refused as binary",
         feed("binary"), kind="unsupported_content", error_path="/bad/binary.html", stored=0),
    Case("noise-as-html", "200 KB of bytes 0x80-0xFF (no NUL) served as text/html",
         "not stored (not an article)", feed("noise"), kind="not_article",
         error_path="/bad/noise.html", stored=0),
    Case("image-for-article", "a feed entry that is a PNG image", "refused as not HTML",
         feed("image"), kind="unsupported_content", error_path="/bad/image.png", stored=0),
    # -- size
    Case("body-50mb", "a 50 MB body with Content-Length, streamed", "refused at the size limit",
         feed("huge"), kind="too_large", error_path="/bad/huge-50mb.html", stored=1),
    Case("body-50mb-unannounced", "a 50 MB body without Content-Length (ends at close)",
         "refused at the size limit", feed("huge-stream"), kind="too_large",
         error_path="/bad/huge-stream.html", stored=0),
    Case("gzip-bomb", "200 KB of gzip inflating to 200 MB (Content-Encoding: gzip)",
         "refused at the size limit while inflating", feed("gzip-bomb"), kind="too_large",
         error_path="/bad/gzip-bomb.html", stored=1),
    Case("brotli-bomb", "317 bytes of brotli inflating to 200 MB (Content-Encoding: br)"
         if BROTLI else "brotli-labelled junk (no brotli module installed)",
         "refused at the size limit while inflating" if BROTLI else "refused as binary",
         feed("br-bomb"), kind="too_large" if BROTLI else "unsupported_content",
         error_path="/bad/br-bomb.html", stored=0),
    Case("double-gzip-bomb", "a gzip bomb gzipped again (Content-Encoding: gzip, gzip)",
         "refused at the size limit", feed("gzip-gzip-bomb"), kind="too_large",
         error_path="/bad/gzip-gzip-bomb.html", stored=0),
    Case("corrupt-gzip", "Content-Encoding: gzip over bytes that are not gzip",
         "recorded, not stored", feed("corrupt-gzip"), kind="download_error",
         error_path="/bad/corrupt-gzip.html", stored=0),
    Case("sitemap-gzip-bomb", "a .xml.gz sitemap inflating to 200 MB", "refused at the size limit",
         {"url": "{main}/sitemap-bomb.xml.gz"}, kind="too_large", stored=0),
    # -- charsets
    Case("charsets", "absent charset; cp1252 sent as UTF-8; UTF-16; Latin-1 declared as UTF-8; "
         "an unknown charset", "all five stored with the accented words intact", feed("charsets"),
         stored=5, text=(CHARSET_TEXT,), check="charsets"),
    # -- redirects
    Case("redirect-loop", "A redirects to B, B to A", "given up as a redirect loop",
         feed("redirect-loop"), kind="redirect", error_path="/r/loop-a", stored=0),
    Case("redirect-chain-long", "a chain of 30 redirects", "given up after 10 redirects",
         feed("redirect-long"), kind="redirect", error_path="/r/chain", stored=0),
    Case("redirect-chain-short", "a chain of 4 redirects to an article", "followed, stored",
         feed("redirect-short"), stored=1, text=("Case file chain-short-end",)),
    Case("redirect-schemes", "redirects to file:///etc/passwd, data: and ftp:",
         "refused, never read; the good entry stored", feed("redirect-schemes"), kind="unsafe_url",
         errors=3, error_path="/r/", stored=1),
    Case("meta-refresh", "pages whose <meta refresh> points at a loopback admin port and at file:",
         "the admin one refused as a private address; the file: one not followed (not an article)",
         feed("meta-refresh"), kind="private_address", error_path="/admin/meta-refresh",
         also=("not_article",), stored=0, never=(("admin", "/"),)),
    Case("redirect-to-admin", "an article redirecting to a loopback admin port",
         "refused as a private address", feed("redirect-admin"), kind="private_address",
         error_path="/admin/delete-everything", stored=1, never=(("admin", "/"),)),
    Case("link-schemes", "feed entries linking to file:, data:, ftp:, javascript:, mailto:",
         "each recorded as unsafe and not followed; the good entry stored", feed("link-schemes"),
         kind="unsafe_url", errors=5, stored=1),
    Case("listing-schemes", "a listing page linking to javascript:, mailto:, file:, data:, ftp:",
         "those links ignored; the two stories stored",
         {"url": "{main}/listing/schemes.html", "kind": "listing"}, stored=2),
    Case("offsite-admin-links", "a source on 127.0.0.2 whose feed links to 127.0.0.1:ADMIN "
         "(also as localhost, 2130706433, [::1] and 0.0.0.0)",
         "all five refused as private addresses; its own article stored",
         feed("offsite-admin", "offsite"), kind="private_address", errors=5, error_path="/admin/",
         stored=1, never=(("admin", "/"),)),
    Case("reverse-admin-links", "a source on 127.0.0.1 linking to 127.0.0.2:ADMIN2 and to "
         "another loopback host", "both refused as private addresses; its own article stored",
         feed("reverse-admin"), kind="private_address", errors=2, stored=1,
         never=(("admin2", "/"), ("offsite", "/a/not-my-host"))),
    Case("offsite-listing", "a listing (allow_offsite) linking to a loopback host and an admin port",
         "both refused as private addresses; its own story stored",
         {"url": "{main}/listing/offsite.html", "kind": "listing", "allow_offsite": True},
         kind="private_address", errors=2, stored=1,
         never=(("admin", "/"), ("offsite", "/a/offsite-listed"))),
    Case("next-page-admin", "a listing on 127.0.0.2 whose next page is 127.0.0.1:ADMIN",
         "the next page refused as a private address",
         {"url": "{offsite}/listing/next-admin.html", "kind": "listing", "pages": 5},
         kind="private_address", error_path="/admin/page-2", stored=1, never=(("admin", "/"),)),
    Case("advertised-feed-admin", "an HTML page advertising its feed on a loopback admin port",
         "refused as a private address", {"url": "{main}/advertised-admin.html"},
         kind="private_address", error_path="/admin/feed.xml", stored=0, never=(("admin", "/"),)),
    # -- slow, dropped, failing
    Case("slow-drip", "headers, then one byte every 0.2 s", "abandoned at the download timeout",
         feed("drip"), kind="timeout", error_path="/slow/drip.html", stored=1),
    Case("slow-headers", "accepts the connection and says nothing", "abandoned at the download timeout",
         feed("headers"), kind="timeout", error_path="/slow/headers.html", stored=0),
    Case("dropped-connection", "resets the connection before answering", "recorded as a connection failure",
         feed("drop-now"), kind="connection", error_path="/drop/now", stored=0),
    Case("dropped-mid-body", "resets after 3 KB of a 100 KB body", "recorded as a connection failure",
         feed("drop-mid"), kind="connection", error_path="/drop/mid", stored=0),
    Case("garbage-status-line", "answers 'HTTP/1.1 2OO OK' with a non-numeric Content-Length",
         "recorded as a connection failure", feed("garbage-status"), kind="connection",
         error_path="/bad/garbage-status", stored=0),
    Case("status-429", "the source answers 429 with Retry-After: 86400",
         "recorded as rate limited, not retried; the crawl does not wait a day, its host is left "
         "alone for the rest of the run", {"url": "{limited}/status/429"},
         kind="rate_limited", error_path="/status/429", stored=0, requests=("limited", "/status/429", 1)),
    Case("status-500", "an article answers 500", "recorded after one retry; the good entry stored",
         feed("status-500"), kind="http_error", error_path="/status/500", stored=1,
         requests=("main", "/status/500", 2)),
    Case("status-503", "the source answers 503 with Retry-After: 3600",
         "recorded as rate limited, not retried", {"url": "{limited2}/status/503"},
         kind="rate_limited", error_path="/status/503", stored=0,
         requests=("limited2", "/status/503", 1)),
    # -- robots
    Case("robots-disallow", "a feed entry under a path robots.txt disallows",
         "not fetched, recorded; the allowed entry stored", feed("robots"), kind="robots",
         error_path="/private/", stored=1, never=(("main", "/private/"),)),
    Case("robots-broken", "robots.txt is binary garbage with 100 KB lines",
         "read as allowing everything; the article stored", feed("badrobots", "badrobots"), stored=1),
    # -- empty and not-found
    Case("empty-200-page", "an article answering 200 with an empty body", "skipped as not an article",
         feed("empty-page"), kind="not_article", error_path="/bad/empty.html", stored=0),
    Case("empty-200-feed", "a feed answering 200 with an empty body", "recorded as a bad feed",
         {"url": "{main}/bad/empty-feed.xml", "kind": "feed"}, kind="bad_feed", stored=0),
    Case("soft-404", "'Page not found' with status 200, and a redirect to the front page",
         "both skipped as not articles", feed("soft-404"), kind="not_article", errors=2, stored=0),
    # -- traps
    Case("infinite-pagination", "every listing page links to a next page, forever (pages = 1000)",
         "stopped by the per-source request budget", {"url": "{main}/trap/list?page=1",
                                                       "kind": "listing", "pages": 1000, "max_items": 5},
         kind="limit", stored=5, requests=("main", "/trap/list", 40)),
    Case("calendar-trap", "a calendar: every month links to the month before, every day looks "
         "like a dated story", "bounded by pages and max_items",
         {"url": "{main}/calendar/?y=2024&m=5", "kind": "listing", "max_items": 6},
         kind="not_article", errors=6, stored=0, bound=("main", "/calendar/", 3 + 6)),
    Case("ten-thousand-links", "a listing page with 10,000 story links", "only max_items fetched",
         {"url": "{main}/many/index.html", "kind": "listing", "max_items": 8}, stored=8,
         bound=("main", "/a/many-", 8)),
    Case("many-advertised-feeds", "an HTML page advertising 1,000 feeds", "a few read, not 1,000",
         {"url": "{main}/advertised.html"}, stored=1, bound=("main", "/feeds/advertised", 5)),
    Case("sitemap-nesting", "a sitemap index whose children are indexes, forever",
         "nesting stopped; recorded", {"url": "{main}/sitemaps/nest.xml?d=0"}, kind="limit",
         stored=0, bound=("main", "/sitemaps/nest", 13)),
    Case("xml-entity-bomb-feed", "an RSS feed with the billion-laughs entity expansion",
         "entities not expanded; its entry stored", {"url": "{main}/feeds/entity-bomb.xml", "kind": "feed"},
         stored=1, check="no_laughs"),
    Case("xml-entity-bomb-sitemap", "a sitemap with the billion-laughs entity expansion",
         "not expanded; recorded as a bad sitemap", {"url": "{main}/sitemaps/entity-bomb.xml"},
         kind="bad_sitemap", stored=0),
    # -- feed content
    Case("feed-duplicates", "one entry 50 times, plus with tracking parameters, a fragment and spaces",
         "fetched once, stored once", feed("duplicates"), stored=1, bound=("main", "/a/dup-story", 1)),
    Case("feed-missing-fields", "entries without a link, with an empty link, without a date",
         "link-less entries recorded; the undated ones stored", feed("missing-fields"),
         kind="bad_entry", errors=3, stored=2),
    Case("json-feed-junk", "a JSON Feed with items lacking url, a numeric url, a script as date, "
         "year 9999, non-objects", "bad items recorded; no junk or future date stored",
         {"url": "{main}/feeds/json-junk.json", "kind": "feed"}, kind="bad_entry", errors=2,
         stored=2, check="sane_dates"),
    Case("feed-extreme-dates", "entries dated 9999, 1066 and '<script>' linking to undated articles",
         "stored without those dates", feed("dates-extreme"), stored=3, check="sane_dates"),
    Case("page-date-2999", "an article whose published time is 2999-01-01", "stored without that date",
         feed("page-future"), stored=1, check="sane_dates"),
    Case("markup-in-title", "tags, entities and a script in <title>, <h1> and the feed title",
         "stored; the title is plain text", feed("markup-title"), stored=1, check="plain_title"),
    Case("huge-title", "a 200,000-character title", "stored; the title is bounded",
         feed("huge-title"), stored=1, check="bounded_title"),
    Case("non-english", "articles in Russian, Chinese and Arabic", "stored with their language",
         feed("non-english"), stored=3, check="languages"),
    # -- PDFs
    Case("pdf-broken-encrypted", "a good, a truncated and an encrypted (RC4, user password) PDF",
         "the good one stored; the two others recorded as extraction errors", feed("pdfs"),
         kind="extract_error", errors=2, stored=1, error_path="/pdf/"),
]
CASE_BY_ID = {case.id: case for case in CASES}


# -- running the hostile crawl --------------------------------------------------------------------

@dataclass
class HostileRun:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float          # the crawl process itself, at its peak (wait4)
    peak_tree_mb: float         # the crawl and its extraction workers together (sampled)
    db: Path
    urls: dict[str, str] = field(default_factory=dict)


def schedule_sources(cases: list[Case], urls: dict[str, str]) -> list[dict]:
    sources = []
    for case in cases:
        source = {"name": case.id, **case.source}
        source["url"] = source["url"].format(**urls)
        sources.append(source)
    return sources


def tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, from /proc, in MB."""
    parents, rss = {}, {}
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(name)] = int(fields[1])
        rss[int(name)] = int(fields[21]) * page_kb
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(rss.get(pid, 0) for pid in tree) / 1024


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float
    peak_tree_mb: float


def run_measured(args: list[str], *, env: dict, timeout: float) -> Measured:
    """Run a command and measure its memory: the peak RSS of the process (wait4) and the
    peak, sampled every 0.1 s, of the process with its children (extraction workers).

    Output goes to files, not pipes: a grandchild that outlives the command (a leaked worker)
    must not hang the caller waiting for the end of a pipe."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, text=True, stdout=out, stderr=err)
        done = threading.Event()
        peak = [0.0]

        def sample() -> None:
            while not done.wait(0.1):
                peak[0] = max(peak[0], tree_rss_mb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
            done.set()
            sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(proc.returncode, out.read(), err.read(), usage.ru_maxrss / 1024,
                        max(peak[0], usage.ru_maxrss / 1024))


def run_hostile_crawl(server, workdir: Path, cases: list[Case] | None = None,
                      timeout: float = 240) -> HostileRun:
    """One `monitor crawl` of the cases' sources (default: all) into a new database."""
    urls = server.urls()
    write_schedule(workdir / "schedules", "", schedule_sources(cases or CASES, urls), name="hostile")
    db = workdir / "hostile.db"
    started = time.monotonic()
    measured = run_measured(
        [sys.executable, "-m", "monitor", "crawl", "--db", str(db), "--schedules",
         str(workdir / "schedules")], env={**os.environ, **HOSTILE_ENV}, timeout=timeout)
    return HostileRun(measured.returncode, measured.stdout, measured.stderr,
                      time.monotonic() - started, measured.peak_rss_mb, measured.peak_tree_mb,
                      db, urls)


# -- judging one case ------------------------------------------------------------------------------

@dataclass
class Verdict:
    case: Case
    problems: list[str]
    observed: str

    @property
    def known_problems(self) -> list[str]:
        """The problems that are the case's known defect (outside the spiders)."""
        if not self.case.known:
            return []
        return [p for p in self.problems if re.search(self.case.known[0], p)]

    @property
    def new_problems(self) -> list[str]:
        known = self.known_problems
        return [p for p in self.problems if p not in known]

    @property
    def ok(self) -> bool:
        return not self.problems


def observe(case: Case, db: Path, server) -> Verdict:
    """What happened to this case's source in the hostile run, and what is wrong with it."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        items = [dict(r) for r in conn.execute("SELECT * FROM items WHERE source = ?", [case.id])]
        errors = [dict(r) for r in conn.execute(
            "SELECT url, kind, severity, message FROM errors WHERE source = ?", [case.id])]
    finally:
        conn.close()
    problems: list[str] = []
    counts: dict[str, int] = {}
    for error in errors:
        counts[error["kind"]] = counts.get(error["kind"], 0) + 1
        problems += _bad_error_row(error)
    if case.kind and counts.get(case.kind, 0) != case.errors:
        problems.append(f"expected {case.errors} '{case.kind}' row(s), got {counts.get(case.kind, 0)}")
    if case.kind and case.error_path and not any(
            e["kind"] == case.kind and case.error_path in (e["url"] or "") for e in errors):
        problems.append(f"no '{case.kind}' row for a URL containing {case.error_path}")
    unexpected = set(counts) - case.allowed_kinds
    if unexpected:
        problems.append("unexpected error kinds: " + ", ".join(
            f"{k} ({_first_message(errors, k)})" for k in sorted(unexpected)))
    if case.stored is not None and len(items) != case.stored:
        problems.append(f"expected {case.stored} stored item(s), got {len(items)}")
    for needle in case.text:
        if not any(needle in (item["text"] or "") for item in items):
            problems.append(f"no stored text contains {needle!r}")
    hits_note = ""
    if case.bound:
        role, prefix, most = case.bound
        urls = Counter(hit.path for hit in server.hits(role, prefix))
        hits_note = f"; {len(urls)} URL(s) under {prefix}"
        if urls.total() > len(urls):
            hits_note += f" ({urls.total()} requests with retries)"
        if len(urls) > most:
            problems.append(f"{len(urls)} URLs under {role}{prefix} requested, more than {most}")
        problems += [f"{url} requested {count} times, more than 1 + {RETRIES} retries"
                     for url, count in urls.items() if count > 1 + RETRIES]
    if case.requests:
        role, prefix, most = case.requests
        made = len(server.hits(role, prefix))
        hits_note += f"; {made} request(s) to {prefix}"
        if made > most:
            problems.append(f"{made} requests to {role}{prefix}, more than {most}")
    for role, prefix in case.never:
        if server.hits(role, prefix):
            problems.append(f"{role}{prefix} was requested")
    if case.check:
        problems += CHECKS[case.check](items, errors, server)
    summary = ", ".join(f"{k}×{n}" for k, n in sorted(counts.items())) or "no error"
    observed = f"{len(items)} stored; {summary}{hits_note}"
    return Verdict(case, problems, observed)


def _first_message(errors: list[dict], kind: str) -> str:
    return next(f"{e['url']}: {e['message'][:120]}" for e in errors if e["kind"] == kind)


def _bad_error_row(error: dict) -> list[str]:
    """Every row: a documented kind, a URL, a one-line readable message."""
    problems = []
    message = error["message"] or ""
    if error["kind"] not in ERROR_KINDS:
        problems.append(f"undocumented error kind {error['kind']!r}")
    if not error["url"]:
        problems.append(f"{error['kind']} row without a URL")
    if not message.strip() or "\n" in message or "Traceback" in message \
            or len(message) > MAX_MESSAGE_CHARS or not message.isprintable():
        problems.append(f"unreadable message for {error['url']}: {message[:200]!r}")
    return problems


# -- extra checks --------------------------------------------------------------------------------

def _check_deep(items, errors, server) -> list[str]:
    ok = any("Case file deep-ok" in (i["text"] or "") for i in items)
    return [] if ok else ["the good article beside the deep page was not stored"]


def _check_charsets(items, errors, server) -> list[str]:
    bad = [i["url"] for i in items if CHARSET_TEXT not in (i["text"] or "")
           or "\ufffd" in (i["text"] or "") or "Ã" in (i["text"] or "")]
    return [f"mis-decoded text at {url}" for url in bad]


def _check_sane_dates(items, errors, server) -> list[str]:
    this_year = time.gmtime().tm_year
    problems = []
    for item in items:
        for column in ("published", "modified"):
            value = item[column]
            if value and not (re.match(r"^\d{4}-\d\d-\d\d", value)
                              and 1990 <= int(value[:4]) <= this_year + 1):
                problems.append(f"{column} {value!r} stored for {item['url']}")
    return problems


def _check_plain_title(items, errors, server) -> list[str]:
    """The title is the text a reader sees (the desk escapes it): no entity left encoded,
    one line, the words around the markup kept."""
    return [f"title {t!r} is not plain text" for t in (i["title"] or "" for i in items)
            if "&lt;" in t or "&amp;" in t or "\n" in t or "Raid nets 12" not in t]


def _check_bounded_title(items, errors, server) -> list[str]:
    return [f"a title of {len(i['title'])} characters" for i in items
            if i["title"] and len(i["title"]) > 1000]


def _check_languages(items, errors, server) -> list[str]:
    languages = sorted((i["language"] or "?")[:2] for i in items)
    return [] if languages == ["ar", "ru", "zh"] else [f"languages {languages}"]


def _check_no_laughs(items, errors, server) -> list[str]:
    return [f"expanded entities in {i['url']}" for i in items
            if "lollol" in (i["title"] or "") + (i["text"] or "")]


CHECKS = {"deep": _check_deep, "charsets": _check_charsets, "sane_dates": _check_sane_dates,
          "plain_title": _check_plain_title, "bounded_title": _check_bounded_title,
          "languages": _check_languages,
          "no_laughs": _check_no_laughs}
