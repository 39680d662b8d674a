"""Downloader middlewares: never call private addresses of other hosts, cap each source's
requests, skip articles already stored, obey robots.txt without a race and its Crawl-delay,
space requests to a host, recognise bot challenges and rate limits; and a spider middleware
for entries stored from a source's own fields."""

from __future__ import annotations

import ipaddress
import logging
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from monitor.crawling.store_component import StoreComponent
from monitor.crawling.exceptions import (AlreadyStored, Blocked, OverBudget, PrivateAddressRefused,
                                         RateLimited)
from monitor.intel.identity import DEFAULT_PORTS
from monitor.items import Page
from monitor.store.schema import utcnow

logger = logging.getLogger(__name__)



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
    defaults = DEFAULT_PORTS.values()
    return wanted[1] == own[1] or (wanted[1] in defaults and own[1] in defaults)


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


class KnownArticleFilter(StoreComponent):
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

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        quiet_failure_logs(crawler.settings.getbool("MONITOR_PROGRESS"))

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        stored = self._parsers.get(urlparse_cached(request).netloc)
        parser = parser if stored is None or isinstance(stored, Deferred) else stored
        if parser is not None:  # HostPacing spaces the host's requests by it
            agent = (self._robotstxt_useragent or request.headers.get(b"User-Agent")
                     or self._default_useragent)
            delay = parser.crawl_delay(agent)
            if delay:
                request.meta["robots_crawl_delay"] = delay
        return parser


# Scrapy's own lines about a failed request, which monitor records as an error row and prints
# as one progress line already: demoted to INFO (shown with -v), without a traceback.
FAILURE_LOGGERS = ("scrapy.downloadermiddlewares.robotstxt", "scrapy.downloadermiddlewares.retry")


class _FailureLines(logging.Filter):
    """Demotes Scrapy's lines about a failed request to INFO without a traceback: the robots.txt
    fetch always (the page's own request fails too), "Gave up retrying" when the progress
    lines already say it. Without progress (`--quiet`, the daemon) that line is the one."""

    def __init__(self) -> None:
        super().__init__()
        self.progress = True

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        request = record.args.get("request") if isinstance(record.args, dict) else None
        robots = record.name.endswith("robotstxt") or str(getattr(request, "url", "")).endswith("/robots.txt")
        if robots or self.progress:
            record.levelno, record.levelname = logging.INFO, "INFO"
        else:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        return True


_failure_lines = _FailureLines()


def quiet_failure_logs(progress: bool = True) -> None:
    """An unreachable host is one line of crawl output (its `connection` error, or Scrapy's
    "Gave up retrying" line without progress), not a traceback of its robots.txt fetch."""
    _failure_lines.progress = progress
    for name in FAILURE_LOGGERS:
        logging.getLogger(name).addFilter(_failure_lines)  # a filter is added once however often


def pace_slot(crawler: Crawler, request: Request, seconds: float) -> float:
    """Space the requests of this request's download slot (its host) `seconds` apart, start to
    start, one at a time, without jitter, from now to the end of the run; a slower pace set
    before stays. Returns the pace in force."""
    downloader = crawler.engine.downloader
    key = downloader.get_slot_key(request)
    wanted = downloader.per_slot_settings.setdefault(key, {})
    seconds = max(seconds, wanted.get("delay", 0), crawler.settings.getfloat("DOWNLOAD_DELAY"))
    wanted.update(concurrency=1, delay=seconds, jitter=0)  # a slot made (again) later
    slot = downloader.slots.get(key)
    if slot is not None:
        slot.concurrency, slot.delay, slot.jitter = 1, seconds, 0
    request.meta["autothrottle_dont_adjust_delay"] = True
    return seconds


class HostPacing:
    """One request at a time, N seconds apart, to a host that asks for it: its robots.txt
    Crawl-delay, a source's `delay` key, or a request's `min_delay` (the DOJ News API's four
    requests a second). AutoThrottle never lowers such a host's delay."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._configured: dict[str, float] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "HostPacing":
        quiet_failure_logs(crawler.settings.getbool("MONITOR_PROGRESS"))  # robots.txt or not
        return cls(crawler)

    def configured(self) -> dict[str, float]:
        """host -> the longest `delay` of the sources on it."""
        if self._configured is None:
            self._configured = {}
            for source in (getattr(self.crawler.spider, "sources", None) or {}).values():
                host = origin(source.url)[0]
                if getattr(source, "delay", 0) and host:
                    self._configured[host] = max(self._configured.get(host, 0), source.delay)
        return self._configured

    def process_request(self, request: Request) -> None:
        wanted = max(self.configured().get(origin(request.url)[0], 0),
                     float(request.meta.get("robots_crawl_delay") or 0),
                     float(request.meta.get("min_delay") or 0))
        if wanted > 0:
            pace_slot(self.crawler, request, wanted)
        return None


# Bot challenges: (vendor, markers in the body, statuses they count on; None = any status).
CHALLENGE_SIGNS: tuple[tuple[str, tuple[bytes, ...], tuple[int, ...] | None], ...] = (
    ("Akamai", (b"bm-verify", b"powered and protected by akamai"), None),
    ("Cloudflare", (b"cf-chl", b"just a moment...", b"/cdn-cgi/challenge-platform/"), (403, 429, 503)),
    ("PerimeterX", (b"px-captcha", b"_pxappid", b"perimeterx"), (403, 429)),
    ("Incapsula", (b"_incapsula_resource", b"incapsula incident id"), None),
)
CHALLENGE_MAX_BYTES = 64 * 1024  # challenge pages are small; a long page is the real thing


def bot_challenge(status: int, headers, body: bytes) -> str | None:
    """The vendor whose bot challenge this response is, or None."""
    if (headers.get(b"cf-mitigated") or b"").lower() == b"challenge":
        return "Cloudflare"
    if len(body) > CHALLENGE_MAX_BYTES:
        return None
    lowered = body.lower()
    for vendor, markers, statuses in CHALLENGE_SIGNS:
        if (statuses is None or status in statuses) and any(m in lowered for m in markers):
            return vendor
    return None


class BotWallDetector:
    """A response that is a bot challenge (Akamai bm-verify, Cloudflare "Just a moment",
    PerimeterX, Incapsula) fails its request with `Blocked`, naming the vendor: never stored,
    never followed (no meta refresh, no retry, no challenge script). monitor respects the wall."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "BotWallDetector":
        return cls(crawler)

    def process_response(self, request: Request, response):
        vendor = bot_challenge(response.status, response.headers, response.body)
        if vendor is None:
            return response
        self.stats.inc_value(f"monitor/blocked/{request.meta.get('source')}")
        raise Blocked(vendor, f"HTTP {response.status}, {len(response.body)} bytes")


RATE_LIMIT_STATUSES = (429, 503)


def retry_after_seconds(value: bytes | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date; None when absent or unreadable."""
    text = (value or b"").decode("latin-1").strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class RateLimits:
    """429, or 503 with Retry-After: a wait of up to MONITOR_MAX_RETRY_AFTER seconds spaces
    the host's requests that far apart (the retry then waits it out); a longer one is not
    retried, and the host is left alone for the rest of the run: the requests queued for it
    are dropped, and every later one fails with `RateLimited`. The next run tries again.

    The answer is read when it arrives (`response_downloaded`), before the downloader sends
    the host's next queued request."""

    def __init__(self, crawler: Crawler, longest: float) -> None:
        self.crawler = crawler
        self.longest = longest
        self.closed: dict[str, str] = {}  # host -> why it is left alone
        crawler.signals.connect(self.downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "RateLimits":
        return cls(crawler, crawler.settings.getfloat("MONITOR_MAX_RETRY_AFTER"))

    def refusal(self, host: str) -> RateLimited:
        return RateLimited(f"{host} {self.closed[host]}; left alone for the rest of the run, "
                           f"the next run tries again", first=False)

    def process_request(self, request: Request) -> None:
        host = origin(request.url)[0]
        if host in self.closed:
            raise self.refusal(host)
        return None

    def downloaded(self, response, request) -> None:
        if response.status not in RATE_LIMIT_STATUSES:
            return
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            return  # a plain 503 or 429: the retry middleware's business
        if wait <= self.longest:
            pace_slot(self.crawler, request, wait)
            return
        host = origin(request.url)[0]
        self.closed[host] = f"answered HTTP {response.status} asking to wait {wait:.0f}s"
        self.crawler.stats.inc_value(f"monitor/rate_limited/{request.meta.get('source')}")
        slot = self.crawler.engine.downloader.slots.get(request.meta.get("download_slot"))
        queued = list(slot.queue) if slot is not None else []
        if slot is not None:
            slot.queue.clear()
        for waiting, deferred in queued:  # never sent: fail them as the host's refusal
            deferred.errback(Failure(self.refusal(host)))

    def process_response(self, request: Request, response):
        host = origin(request.url)[0]
        if response.status in RATE_LIMIT_STATUSES and host in self.closed:
            wait = retry_after_seconds(response.headers.get(b"Retry-After")) or 0
            raise RateLimited(f"HTTP {response.status} from {host} with Retry-After {wait:.0f}s "
                              f"(more than {self.longest:g}s): not retried; the host is left "
                              f"alone for the rest of the run, the next run tries again")
        return response


class ConditionalSourceRequests(StoreComponent):
    """Re-polls of feeds, sitemaps and listing pages are conditional (If-None-Match /
    If-Modified-Since), so an unchanged source costs one request answered 304.

    Validators are saved only when the run finished and the source had no error: otherwise a
    304 next time would hide the articles this run failed to fetch. (Pages skipped as not an
    article are fetched again by SkippedPageRetries, 304 or not.)"""

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


class KnownEntryFilter(StoreComponent):
    """A spider middleware for entries stored from a source's own fields, never fetched:
    - a feed-only entry already stored is dropped and counted as `known`;
    - a doj_api release this source sighted in an earlier run is dropped as `known` unless the
      API says it changed since (its `modified`), and the request for the next API page after
      a page holding one is dropped: the newer releases are all on the pages read.
    Off with MONITOR_REFETCH_KNOWN=1 (then every API page up to `pages` is read)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.started = utcnow()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "KnownEntryFilter":
        if crawler.settings.getbool("MONITOR_REFETCH_KNOWN") or crawler.settings.getbool("MONITOR_REMOTE"):
            raise NotConfigured  # everything is stored again / a Scrapyd node has no database
        return cls(crawler)

    def open_database(self) -> None:
        super().open_database()
        self.started = utcnow()

    def process_spider_output(self, response, result):
        state = {"known": False}
        for output in result:
            if self.keep(response, output, state):
                yield output

    async def process_spider_output_async(self, response, result):
        state = {"known": False}
        async for output in result:
            if self.keep(response, output, state):
                yield output

    def keep(self, response, output, state: dict) -> bool:
        api = response.meta.get("kind") == "doj_api"
        if isinstance(output, Page) and output.prepared is not None:
            if not api:
                known = self.store.is_known_url(output.url)
            else:
                earlier = self.store.earlier_sighting(output.url, output.source, before=self.started)
                state["known"] = state["known"] or earlier is not None
                known = earlier is not None and earlier["modified"] == output.prepared.get("modified")
            if known:
                self.stats.inc_value(f"monitor/known/{output.source}")
            return not known
        if api and state["known"] and isinstance(output, Request) and output.meta.get("kind") == "doj_api":
            self.stats.inc_value(f"monitor/api_pages_spared/{output.meta.get('source')}")
            return False
        return True


class SkippedPageRetries(StoreComponent):
    """A spider middleware adding, to a run's start, the pages of its sources that an earlier
    run skipped as `not_article` (a release published before its text was filled in, a page
    that failed to render) and that are still not stored: each is fetched again an hour after
    its last skip, at most MONITOR_SKIPPED_RETRIES times, even while its listing answers 304."""

    RETRY_AFTER_HOURS = 1

    def __init__(self, crawler: Crawler, attempts: int) -> None:
        super().__init__(crawler)
        self.attempts = attempts

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "SkippedPageRetries":
        attempts = crawler.settings.getint("MONITOR_SKIPPED_RETRIES")
        if attempts <= 0 or crawler.settings.getbool("MONITOR_CHECK_ONLY") \
                or crawler.settings.getbool("MONITOR_REMOTE"):
            raise NotConfigured  # off / sources check fetches no article / no database
        return cls(crawler, attempts)

    async def process_start(self, start):
        async for output in start:
            yield output
        spider = self.crawler.spider
        sources = getattr(spider, "sources", None) or {}
        retry = getattr(spider, "skipped_page_request", None)
        if not sources or retry is None or self.store is None:
            return
        now = datetime.now(timezone.utc)
        due = self.store.skipped_pages_due(
            list(sources), before=(now - timedelta(hours=self.RETRY_AFTER_HOURS)).isoformat(),
            since=(now - timedelta(days=7)).isoformat(), attempts=self.attempts)
        for page in due:
            request = retry(sources[page["source"]], page["url"])
            if request is not None:
                self.stats.inc_value(f"monitor/skipped_retried/{page['source']}")
                yield request
