"""Downloader middlewares: never call private addresses of other hosts, cap each source's
requests, skip articles already stored, obey robots.txt without a race."""

from __future__ import annotations

import ipaddress
from collections import Counter
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from monitor.crawling.database import DatabaseComponent
from monitor.crawling.exceptions import AlreadyStored, OverBudget, PrivateAddressRefused

DEFAULT_PORTS = {"http": 80, "https": 443}


def is_public_address(address: str) -> bool:
    """A global unicast address: not private, loopback, link-local, shared, reserved,
    unspecified or multicast (IPv4-mapped IPv6 addresses judged as IPv4)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def origin(url: str) -> tuple[str, int | None]:
    """(host, port) of a URL, the port filled in from the scheme; ("", None) when unusable."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return "", None
    return (parts.hostname or "").lower().rstrip("."), port or DEFAULT_PORTS.get(parts.scheme.lower())


def same_site(wanted: tuple[str, int | None], own: tuple[str, int | None]) -> bool:
    """The source's own host: the same host and port, or the same host moving between the
    standard web ports (http <-> https). Another port of the same host is not its own."""
    if wanted[0] != own[0]:
        return False
    return wanted[1] == own[1] or (wanted[1] in (80, 443) and own[1] in (80, 443))


class PrivateAddressFilter:
    """Refuses requests to private, loopback, link-local and other non-public addresses unless
    the host is the source's own: a page (or a redirect, a next-page link, an advertised feed)
    pointing at http://127.0.0.1:8080/admin or a name that resolves to 10.0.0.1 must never make
    the crawler call it. A configured source may itself live on such an address (an intranet
    newsroom, 127.0.0.1 in tests). Names are resolved through Scrapy's caching resolver, whose
    answer the download then reuses. Off with MONITOR_DENY_PRIVATE_HOSTS=0."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "PrivateAddressFilter":
        if not crawler.settings.getbool("MONITOR_DENY_PRIVATE_HOSTS"):
            raise NotConfigured  # MONITOR_DENY_PRIVATE_HOSTS is off
        return cls(crawler)

    def own_origins(self, request: Request) -> list[tuple[str, int | None]]:
        """The configured URL's host of the request's source (of every source when the
        request belongs to none, e.g. robots.txt)."""
        sources = getattr(self.crawler.spider, "sources", None) or {}
        name = request.meta.get("source")
        chosen = [sources[name]] if name in sources else list(sources.values())
        return [origin(source.url) for source in chosen]

    async def process_request(self, request: Request) -> None:
        wanted = origin(request.url)
        host = wanted[0]
        if not host or any(same_site(wanted, own) for own in self.own_origins(request)):
            return None
        address = await self.resolve(host)
        if address is not None and not is_public_address(address):
            self.crawler.stats.inc_value(f"monitor/private_address/{request.meta.get('source')}")
            shown = "" if address == host.strip("[]") else f" ({address})"
            raise PrivateAddressRefused(
                f"{host}{shown} is a private or loopback address and not the source's own host: "
                f"refused (MONITOR_DENY_PRIVATE_HOSTS)")
        return None

    async def resolve(self, host: str) -> str | None:
        """The address a host name stands for; None when it does not resolve (the download
        then fails with its own DNS error)."""
        try:
            ipaddress.ip_address(host)
            return host
        except ValueError:
            pass
        from twisted.internet import reactor

        try:
            return await maybe_deferred_to_future(reactor.resolver.getHostByName(host))
        except Exception:  # noqa: BLE001 -- any resolver failure: not our verdict to give
            return None


class RequestBudget:
    """At most MONITOR_MAX_REQUESTS_PER_SOURCE requests per source in one run, retries and
    redirects included: a trap (endless pagination, calendars, nested sitemaps, a page that
    advertises a thousand feeds) costs a bounded number of requests. The spider records one
    `limit` error for a source that hits it."""

    def __init__(self, crawler: Crawler, limit: int) -> None:
        self.stats = crawler.stats
        self.limit = limit
        self.used: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "RequestBudget":
        limit = crawler.settings.getint("MONITOR_MAX_REQUESTS_PER_SOURCE")
        if limit <= 0:
            raise NotConfigured  # no budget
        return cls(crawler, limit)

    def process_request(self, request: Request) -> None:
        source = request.meta.get("source")
        if source is None:
            return None
        if self.used[source] >= self.limit:
            self.stats.inc_value(f"monitor/over_budget/{source}")
            raise OverBudget(f"the source made {self.limit} requests, all one run allows "
                             f"(MONITOR_MAX_REQUESTS_PER_SOURCE); its other links were not fetched")
        self.used[source] += 1
        return None


class KnownArticleFilter(DatabaseComponent):
    """Drops requests for article links whose canonical URL is stored or sighted already,
    counting them as `monitor/known/<source>`. Off with MONITOR_REFETCH_KNOWN=1."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "KnownArticleFilter":
        if crawler.settings.getbool("MONITOR_REFETCH_KNOWN"):
            raise NotConfigured  # MONITOR_REFETCH_KNOWN is on
        if crawler.settings.getbool("MONITOR_REMOTE"):
            raise NotConfigured  # a Scrapyd node has no database
        return cls(crawler)

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


class ConditionalSourceRequests(DatabaseComponent):
    """Re-polls of feeds, sitemaps and listing pages are conditional (If-None-Match /
    If-Modified-Since), so an unchanged source costs one request answered 304.

    Validators are saved only when the run finished and the source had no error: otherwise a
    304 next time would hide the articles this run failed to fetch."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.pending: dict[str, tuple[str, dict]] = {}  # url -> (source, validators)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ConditionalSourceRequests":
        if crawler.settings.getbool("MONITOR_CHECK_ONLY") or crawler.settings.getbool("MONITOR_REMOTE"):
            raise NotConfigured  # sources check always fetches; a Scrapyd node has no database
        return cls(crawler)

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

    def before_close(self, reason: str) -> None:
        if reason == "finished":
            for url, (source, validators) in self.pending.items():
                if not self.stats.get_value(f"monitor/errors/{source}"):
                    self.store.save_validators(url, **validators)
