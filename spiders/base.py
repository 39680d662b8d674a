"""The one spider machinery every kind shares: start from configured sources, detect what a
source URL is (feed, sitemap, listing page, or a page advertising feeds), follow it to article
pages, and turn every failure into a `CrawlProblem` instead of a log line."""

from __future__ import annotations

import json
import zlib
from collections import Counter
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.exceptions import (CannotResolveHostError, DownloadCancelledError,
                               DownloadConnectionRefusedError, DownloadFailedError,
                               DownloadTimeoutError, IgnoreRequest, ResponseDataLossError)
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from twisted.internet.error import ConnectError, ConnectionLost, DNSLookupError, TimeoutError
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived
from w3lib.url import safe_url_string

from monitor.config import SOURCE_DEFAULTS, SOURCE_KINDS, Source, check_url, default_item_kind
from monitor.crawling.exceptions import (AlreadyStored, Blocked, OverBudget, PrivateAddressRefused,
                                         RateLimited)
from monitor.intel.identity import canonical_url
from monitor.items import CrawlProblem, ItemGone, Page
from spiders.doj_api_paging import DojApi
from spiders.formats.feed import looks_like_feed, parse_feed
from spiders.formats.listing import article_links, feed_links, link_dates, next_page
from spiders.formats.prepared import prepared_article
from spiders.formats.sitemap import looks_like_sitemap, parse_sitemap


# How deep sitemap indexes are followed: an index, and the indexes it lists (nesting is not
# allowed by the protocol; some sites do it once). A deeper one is a trap.
MAX_SITEMAP_DEPTH = 2
# How many of the feeds a page advertises are read (RSS and Atom of the same news, comments).
MAX_ADVERTISED_FEEDS = 3


class SourceSpider(DojApi, scrapy.Spider):
    """Crawls many configured sources in one process (`monitor crawl` uses it), or one source
    given on the command line:

        scrapy crawl sources -a url=https://www.fbi.gov/feeds/boston-news/rss.xml -a source=fbi-boston
    """

    name = "sources"
    default_kind = "auto"

    def __init__(self, sources: list[Source] | None = None, url: str | None = None,
                 source: str | None = None, kind: str | None = None, follow: str | None = None,
                 pages: str | int | None = None, agency: str | None = None,
                 item_kind: str | None = None, allow_offsite: str | bool = False,
                 max_items: str | int | None = None, rechecks: list[dict] | None = None,
                 sources_json: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if sources_json:  # a Scrapyd job: the daemon sends the schedule's sources as JSON
            sources = [Source.from_dict(d) for d in json.loads(sources_json)]
        if sources is None:
            if not url:
                raise ValueError(f"spider {self.name!r} needs sources, or -a url=...")
            check_url(url)
            kind = kind or self.default_kind
            if kind not in SOURCE_KINDS:
                raise ValueError(f"kind must be one of {', '.join(SOURCE_KINDS)}")
            sources = [Source(
                name=source or urlsplit(url).hostname or "cli", url=url, kind=kind,
                follow=follow, pages=int(pages or SOURCE_DEFAULTS["pages"]), agency=agency,
                item_kind=item_kind or default_item_kind(kind, agency),
                allow_offsite=str(allow_offsite).lower() in ("1", "true", "yes"),
                max_items=int(max_items or SOURCE_DEFAULTS["max_items"]), schedule="cli")]
        self.sources = {s.name: s for s in sources}
        self.rechecks = [r for r in rechecks or [] if r["source"] in self.sources
                         and self.sources[r["source"]].fetches_item_pages]
        self.articles_requested: Counter[str] = Counter()
        self.seen_articles: set[str] = set()
        self.seen_listings: set[str] = set()
        self.detected: dict[str, str] = {}   # source -> the kind its URL turned out to be
        self.limits_reported: set[tuple[str, str]] = set()  # (source, limit): one row per run

    @property
    def check_only(self) -> bool:
        return self.crawler.settings.getbool("MONITOR_CHECK_ONLY")

    async def start(self):
        for source in self.sources.values():
            if source.kind == "doj_api":
                yield self.doj_api_request(source, 0)
            else:
                yield self.source_request(source, source.url, kind=source.kind, page=1)
        for item in self.rechecks:  # stored items due for a look for changes or removal
            yield scrapy.Request(item["url"], callback=self.parse_recheck, errback=self.on_error,
                                 dont_filter=True, priority=-10,
                                 meta={"source": item["source"], "role": "recheck",
                                       "item_id": item["id"], "handle_httpstatus_list": [404, 410]})

    # -- requests ---------------------------------------------------------------------------

    def source_request(self, source: Source, url: str, *, kind: str, page: int) -> scrapy.Request:
        # 304 reaches the callback: a conditional re-poll of an unchanged source ends there.
        return scrapy.Request(url, callback=self.parse_source, errback=self.on_error,
                              dont_filter=page == 1,
                              meta={"source": source.name, "role": "source", "kind": kind,
                                    "page": page, "handle_httpstatus_list": [304]})

    def claim(self, source: Source, url: str) -> bool:
        """Whether `source` takes the item at `url` now: each item once per run (by canonical
        URL, whichever source finds it first), at most `max_items` a source, none when only
        checking. An item over one source's cap stays free for another source."""
        key = canonical_url(url)
        if key in self.seen_articles:
            return False
        if self.check_only:  # `monitor sources check`: count the link, fetch nothing
            self.seen_articles.add(key)
            return False
        if self.articles_requested[source.name] >= source.max_items:
            self.crawler.stats.inc_value(f"monitor/over_max_items/{source.name}")
            return False
        self.seen_articles.add(key)
        self.articles_requested[source.name] += 1
        return True

    def take_link(self, source: Source, link: str | None,
                  via: str) -> tuple[str | None, CrawlProblem | None]:
        """(URL, problem) for an article link: its absolute URL, spelled as a request spells it
        (percent-encoded), when `source` takes it now (`claim`), else None; and a problem when
        the link is unusable (missing, or not http(s))."""
        if not link:
            return None, CrawlProblem(source.name, via, "bad_entry", "entry without a link")
        url = urljoin(via, link.strip()).split("#", 1)[0]
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            return None, CrawlProblem(source.name, url[:500], "unsafe_url",
                                      f"link with scheme {scheme or 'none'!r} ignored (from {via})")
        return (safe_url_string(url) if self.claim(source, url) else None), None

    def article_requests(self, source: Source, link: str | None, *, via: str,
                         hint: dict | None = None):
        """A request for an article link, or a problem when the link is unusable. Each article
        is requested once per run, and at most `max_items` per source (`claim`)."""
        url, problem = self.take_link(source, link, via)
        if problem:
            yield problem
        if url:
            # dont_filter: links are de-duplicated by canonical URL (`claim`); Scrapy's filter
            # would also drop a redirect back to a URL already fetched, losing a redirect loop
            # silently.
            yield scrapy.Request(url, callback=self.parse_article, errback=self.on_error,
                                 dont_filter=True,
                                 meta={"source": source.name, "role": "article", "via": via,
                                       "hint": hint or {}})

    # -- callbacks --------------------------------------------------------------------------

    def parse_source(self, response: Response):
        """A source URL, or a page reached from one (feed, sitemap, next listing page)."""
        source = self.sources[response.meta["source"]]
        if response.status == 304:
            self.crawler.stats.inc_value(f"monitor/not_modified/{source.name}")
            return
        kind = response.meta["kind"]
        limit = self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
        try:
            body = _maybe_gunzip(response, limit)
        except ValueError:  # a gzip bomb: inflates past the page size limit
            yield CrawlProblem(source.name, response.url, "too_large",
                               f"gzip body inflates to more than {limit} bytes (MONITOR_MAX_PAGE_BYTES)")
            return
        if kind == "auto":
            kind = self.detect_kind(response, body)
            if kind == "html-with-feeds":
                self.note_detected(source, "feed")
                for url in feed_links(response)[:MAX_ADVERTISED_FEEDS]:
                    yield self.source_request(source, url, kind="feed", page=2)
                return
            self.note_detected(source, kind)
        elif response.meta["page"] == 1:
            self.note_detected(source, kind)
        if kind == "feed":
            yield from self.follow_feed(response, source, body)
        elif kind == "sitemap":
            yield from self.follow_sitemap(response, source, body)
        elif kind == "listing":
            yield from self.follow_listing(response, source)
        else:
            yield CrawlProblem(source.name, response.url, "unsupported_content",
                               f"not a feed, sitemap or HTML page ({_content_type(response)})")

    def detect_kind(self, response: Response, body: bytes) -> str:
        if looks_like_sitemap(body):
            return "sitemap"
        if looks_like_feed(body, _content_type(response)):
            return "feed"
        if isinstance(response, TextResponse) and _is_html(response):
            return "html-with-feeds" if feed_links(response) else "listing"
        return "unknown"

    def note_detected(self, source: Source, kind: str) -> None:
        self.detected.setdefault(source.name, kind)
        self.crawler.stats.set_value(f"monitor/detected/{source.name}", self.detected[source.name])

    def follow_feed(self, response: Response, source: Source, body: bytes):
        feed = parse_feed(body, response.url, _content_type(response))
        if feed.problem and not feed.entries:
            yield CrawlProblem(source.name, response.url, "bad_feed", feed.problem)
            return
        self.crawler.stats.inc_value(f"monitor/links/{source.name}", len(feed.entries))
        for entry in feed.entries:
            hint = {"title": entry.title, "published": entry.published, "summary": entry.summary}
            if source.feed_only:
                yield from self.feed_only_page(source, entry, response)
            else:
                yield from self.article_requests(source, entry.link, via=response.url, hint=hint)

    def feed_only_page(self, source: Source, entry, response: Response):
        """A feed entry stored as it is (title, summary, date): the article is not fetched."""
        url, problem = self.take_link(source, entry.link, response.url)
        if problem:
            yield problem
        if not url:  # unusable, or a link already taken
            return
        text = entry.summary or entry.title
        if not text:
            yield CrawlProblem(source.name, url, "bad_entry", "feed entry without a title or summary")
            return
        prepared = prepared_article(url, text, dated_from="feed", title=entry.title,
                                    description=entry.summary, published=entry.published)
        yield Page(source=source.name, url=url, body=b"", requested_url=url,
                   content_type=_content_type(response) or "application/rss+xml",
                   agency=source.agency, item_kind=source.item_kind, via=response.url,
                   relevance_mode=source.relevance, prepared=prepared)

    def follow_sitemap(self, response: Response, source: Source, body: bytes):
        sitemap = parse_sitemap(body)
        if sitemap.problem and not sitemap.entries:
            yield CrawlProblem(source.name, response.url, "bad_sitemap", sitemap.problem)
            return
        # Newest first: when max_items or `pages` cuts the list, the recent stories survive.
        entries = sorted(sitemap.entries, key=lambda e: e.published or e.lastmod or "", reverse=True)
        if sitemap.type == "sitemapindex":
            if response.meta["page"] > MAX_SITEMAP_DEPTH:
                yield from self.limit_reached(
                    source, response.url, "sitemap-depth",
                    f"sitemap index nested more than {MAX_SITEMAP_DEPTH} levels deep; not followed")
                return
            for entry in entries[:source.pages]:
                if urlsplit(urljoin(response.url, entry.loc)).scheme not in ("http", "https"):
                    yield CrawlProblem(source.name, entry.loc[:500], "unsafe_url",
                                       f"sitemap link ignored (from {response.url})")
                    continue
                yield self.source_request(source, urljoin(response.url, entry.loc),
                                          kind="sitemap", page=response.meta["page"] + 1)
            return
        self.crawler.stats.inc_value(f"monitor/links/{source.name}", len(entries))
        for entry in entries:
            hint = {"title": entry.title, "published": entry.published or entry.lastmod}
            yield from self.article_requests(source, entry.loc, via=response.url, hint=hint)

    def follow_listing(self, response: Response, source: Source):
        if not isinstance(response, TextResponse):
            yield CrawlProblem(source.name, response.url, "unsupported_content",
                               f"listing page is not HTML ({_content_type(response)})")
            return
        self.seen_listings.add(canonical_url(response.url))
        following = next_page(response)
        exclude = {following} if following else set()
        links = article_links(response, source.follow, source.allow_offsite, exclude)
        self.crawler.stats.inc_value(f"monitor/links/{source.name}", len(links))
        if not links and response.meta["page"] == 1:
            hint = f" matching {source.follow!r}" if source.follow else ""
            yield CrawlProblem(source.name, response.url, "no_links",
                               f"no article links{hint} on the listing page")
        dates = link_dates(response, links)  # a hint: the article's own date wins
        for link in links:
            hint = {"published": dates[link], "published_from": "listing"} if link in dates else None
            yield from self.article_requests(source, link, via=response.url, hint=hint)
        page = response.meta["page"]
        if following and page < source.pages and canonical_url(following) not in self.seen_listings:
            yield self.source_request(source, following, kind="listing", page=page + 1)

    def parse_article(self, response: Response):
        source = self.sources[response.meta["source"]]
        content_type = _content_type(response)
        is_pdf = "pdf" in content_type or response.body[:5] == b"%PDF-"
        textual = (content_type.startswith("text/") or "html" in content_type
                   or (not content_type and isinstance(response, TextResponse)))
        if not is_pdf and (not textual or (b"\x00" in response.body[:1024]
                                           and not _is_wide_text(response))):
            what = "binary content" if textual else (content_type or "no content type")
            yield CrawlProblem(source.name, response.url, "unsupported_content",
                               f"not an HTML page or a PDF ({what})")
            return
        redirects = response.meta.get("redirect_urls") or [response.request.url]
        yield Page(source=source.name, url=response.url, body=response.body,
                   requested_url=redirects[0], status=response.status,
                   content_type="application/pdf" if is_pdf else (content_type or "text/html"),
                   agency=source.agency, item_kind=source.item_kind,
                   via=response.meta.get("via"), hint=response.meta.get("hint") or {},
                   relevance_mode=source.relevance, content=source.content)

    def skipped_page_request(self, source: Source, url: str) -> scrapy.Request | None:
        """A page an earlier run skipped as not an article, fetched again (SkippedPageRetries)."""
        if not source.fetches_item_pages:
            return None
        key = canonical_url(url)
        if key in self.seen_articles:
            return None
        self.seen_articles.add(key)
        return scrapy.Request(url, callback=self.parse_article, errback=self.on_error,
                              dont_filter=True, priority=-5,
                              meta={"source": source.name, "role": "article", "via": None,
                                    "hint": {}})

    def parse_recheck(self, response: Response):
        """A stored item fetched again: gone (404/410), or a page to compare with the stored one."""
        item_id = response.meta["item_id"]
        if response.status in (404, 410):
            yield ItemGone(response.meta["source"], item_id, response.url, response.status)
            return
        for output in self.parse_article(response):
            if isinstance(output, Page):
                output.recheck_of = item_id
            yield output

    def limit_reached(self, source: Source, url: str, limit: str, message: str):
        """One `limit` problem per source and limit in a run, however often it is hit."""
        self.crawler.stats.inc_value(f"monitor/limit/{limit}/{source.name}")
        if (source.name, limit) not in self.limits_reported:
            self.limits_reported.add((source.name, limit))
            yield CrawlProblem(source.name, url, "limit", message)

    def on_error(self, failure):
        """Every failed request becomes one CrawlProblem (the pipeline records it)."""
        request = failure.request
        if failure.check(AlreadyStored):
            return
        kind, message = classify_failure(failure)
        redirects = request.meta.get("redirect_urls") or []
        url = request.url
        if kind == "redirect" and redirects:
            url = redirects[0]  # the link as found; the message names the chain
        elif redirects:
            message = f"{message} (redirected from {redirects[0]})"
        source = self.sources.get(request.meta.get("source"))
        if failure.check(OverBudget) and source is not None:
            yield from self.limit_reached(source, url, "requests", message)
            return
        if failure.check(RateLimited) and source is not None:  # one row per source and run
            self.crawler.stats.inc_value(f"monitor/rate_limited/{source.name}")
            if (source.name, "rate_limited") in self.limits_reported:
                return
            self.limits_reported.add((source.name, "rate_limited"))
        yield CrawlProblem(request.meta.get("source"), url[:2000], kind, message)


def classify_failure(failure) -> tuple[str, str]:
    """(error kind, readable one-line message) for a Twisted failure of a request."""
    exc = failure.value
    if failure.check(PrivateAddressRefused):
        return "private_address", str(exc)
    if failure.check(OverBudget):
        return "limit", str(exc)
    if failure.check(Blocked):
        return "blocked", str(exc)
    if failure.check(RateLimited):
        return "rate_limited", str(exc)
    if failure.check(HttpError):
        response = exc.response
        if response.status == 429 or (response.status == 503 and response.headers.get(b"Retry-After")):
            wait = (response.headers.get(b"Retry-After") or b"").decode("latin-1").strip()
            asked = f", Retry-After {wait[:40]}" if wait else ""
            return "rate_limited", (f"HTTP {response.status} {_reason(response.status)}{asked}; "
                                    f"tried again next run")
        location = (response.headers.get(b"Location") or b"").decode("latin-1").strip()
        scheme = urlsplit(location).scheme.lower() if 300 <= response.status < 400 else ""
        if scheme and scheme not in ("http", "https"):
            return "unsafe_url", f"redirect to a {scheme}: URL refused ({location[:200]})"
        return "http_error", f"HTTP {response.status} {_reason(response.status)}".strip()
    if failure.check(DownloadTimeoutError, TimeoutError):
        return "timeout", f"no answer in time: {exc}"
    if failure.check(DownloadCancelledError) or "max size" in str(exc).lower() \
            or "maxsize" in str(exc).lower():
        return "too_large", str(exc) or "response larger than the size limit (MONITOR_MAX_PAGE_BYTES)"
    if failure.check(DNSLookupError, CannotResolveHostError, ConnectError,
                     DownloadConnectionRefusedError, ConnectionLost, ResponseNeverReceived,
                     ResponseFailed, ResponseDataLossError, DownloadFailedError):
        return "connection", _connection_message(exc)
    if failure.check(IgnoreRequest):
        text = str(exc)
        if "robots.txt" in text:
            return "robots", "forbidden by robots.txt"
        if "redirect" in text:
            return "redirect", _redirect_message(failure.request, text)
        return "download_error", text or "request dropped"
    if failure.check(zlib.error, EOFError) or "decompress" in str(exc).lower():
        return "download_error", f"the body could not be decoded (Content-Encoding): {exc}"
    return "download_error", f"{exc.__class__.__name__}: {exc}"


def _connection_message(exc: BaseException) -> str:
    """Twisted wraps what went wrong in lists of failures; name the first cause plainly."""
    if isinstance(exc, ResponseDataLossError):
        return "the response was cut short (fewer bytes than its Content-Length)"
    cause = exc if isinstance(exc, ResponseFailed) else exc.__cause__
    reasons = getattr(cause, "reasons", None) or []
    for reason in reasons:
        inner = getattr(reason, "value", reason)
        name = inner.__class__.__name__
        if name == "ParseError":
            detail = "; ".join(str(a) for a in getattr(inner, "args", ())[:1])
            return f"not a valid HTTP response ({detail[:200]})"
        if name in ("ConnectionDone", "ConnectionLost"):
            return f"the server closed the connection before a complete response ({name})"
        if name == "_DataLoss":
            return "the response was cut short (fewer bytes than its Content-Length)"
        return f"{name}: {inner}"[:500]
    return f"{exc.__class__.__name__}: {exc}".rstrip(": ")[:500]


def _redirect_message(request, text: str) -> str:
    chain = [*(request.meta.get("redirect_urls") or []), request.url] if request else []
    if "max redirections" not in text or len(chain) < 2:
        return text
    if len(set(chain)) < len(chain):
        loop = list(dict.fromkeys(chain))
        return "redirect loop: " + " -> ".join(loop[:4]) + f" -> {loop[0]}"
    return f"gave up after {len(chain) - 1} redirects (last: {chain[-1]})"


def _reason(status: int) -> str:
    from http import HTTPStatus
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _content_type(response: Response) -> str:
    raw = response.headers.get(b"Content-Type") or b""
    return raw.decode("latin-1").split(";")[0].strip().lower()


def _is_html(response: Response) -> bool:
    content_type = _content_type(response)
    if "html" in content_type:
        return True
    head = response.body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def _is_wide_text(response: Response) -> bool:
    """UTF-16 or UTF-32 text (by BOM or declared charset): NUL bytes there are not binary."""
    head = response.body[:4]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00"):
        return True
    encoding = getattr(response, "encoding", "") or ""
    return isinstance(response, TextResponse) and encoding.lower().replace("_", "-").startswith(
        ("utf-16", "utf-32"))


def _maybe_gunzip(response: Response, max_size: int) -> bytes:
    """The body, gunzipped when a .xml.gz sitemap or feed arrives still compressed.
    Raises ValueError when it inflates past max_size (a gzip bomb)."""
    body = response.body
    if body[:2] == b"\x1f\x8b":
        try:
            return gunzip(body, max_size=max_size)
        except (OSError, EOFError):
            return b""
    return body
