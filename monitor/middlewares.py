"""Downloader middlewares: skip articles already stored; obey robots.txt without a race."""

from __future__ import annotations

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from monitor.store import Store
from spiders.base import AlreadyStored


class KnownArticleFilter:
    """Drops requests for article links whose canonical URL is stored or sighted already,
    counting them as `monitor/known/<source>`. Off with MONITOR_REFETCH_KNOWN=1."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.db_path = crawler.settings.get("MONITOR_DB")
        self.store: Store | None = None
        crawler.signals.connect(self.open, signal=signals.spider_opened)
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "KnownArticleFilter":
        if crawler.settings.getbool("MONITOR_REFETCH_KNOWN"):
            raise NotConfigured  # MONITOR_REFETCH_KNOWN is on
        if crawler.settings.getbool("MONITOR_REMOTE"):
            raise NotConfigured  # a Scrapyd node has no database
        return cls(crawler)

    def open(self) -> None:
        self.store = Store(self.db_path)
        self.store.migrate()

    def close(self) -> None:
        if self.store:
            self.store.close()

    def process_request(self, request: Request) -> None:
        if request.meta.get("role") == "article" and self.store.is_known_url(request.url):
            self.stats.inc_value(f"monitor/known/{request.meta.get('source')}")
            raise AlreadyStored(f"already stored: {request.url}")
        return None


class SafeRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, fixed for requests that wait while robots.txt loads.

    Scrapy 2.19 makes every waiting request await one shared Deferred; turned into asyncio
    futures, only the first waiter receives the parser and the others get None, which means
    "allow everything": a page disallowed by robots.txt was fetched when three or more requests
    to a new host started together. The parser is stored before the Deferred fires, so read it
    from there."""

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        stored = self._parsers.get(urlparse_cached(request).netloc)
        return parser if stored is None or isinstance(stored, Deferred) else stored


class ConditionalSourceRequests:
    """Re-polls of feeds, sitemaps and listing pages are conditional (If-None-Match /
    If-Modified-Since), so an unchanged source costs one request answered 304.

    Validators are saved only when the run finished and the source had no error: otherwise a
    304 next time would hide the articles this run failed to fetch."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path = crawler.settings.get("MONITOR_DB")
        self.store: Store | None = None
        self.pending: dict[str, tuple[str, dict]] = {}  # url -> (source, validators)
        crawler.signals.connect(self.open, signal=signals.spider_opened)
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ConditionalSourceRequests":
        if crawler.settings.getbool("MONITOR_CHECK_ONLY") or crawler.settings.getbool("MONITOR_REMOTE"):
            raise NotConfigured  # sources check always fetches; a Scrapyd node has no database
        return cls(crawler)

    def open(self) -> None:
        self.store = Store(self.db_path)
        self.store.migrate()

    def process_request(self, request: Request) -> None:
        if request.meta.get("role") != "source":
            return None
        known = self.store.validators(request.url)
        if known and known["etag"]:
            request.headers.setdefault(b"If-None-Match", known["etag"])
        if known and known["last_modified"]:
            request.headers.setdefault(b"If-Modified-Since", known["last_modified"])
        return None

    def process_response(self, request: Request, response):
        if request.meta.get("role") == "source" and response.status == 200:
            etag = response.headers.get(b"ETag")
            modified = response.headers.get(b"Last-Modified")
            if etag or modified:
                self.pending[request.url] = (request.meta.get("source"), {
                    "etag": etag.decode("latin-1") if etag else None,
                    "last_modified": modified.decode("latin-1") if modified else None})
        return response

    def close(self, reason: str) -> None:
        if self.store is None:
            return
        stats = self.crawler.stats
        if reason == "finished":
            for url, (source, validators) in self.pending.items():
                if not stats.get_value(f"monitor/errors/{source}"):
                    self.store.save_validators(url, **validators)
        self.store.close()
