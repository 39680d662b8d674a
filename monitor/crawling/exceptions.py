"""Why a downloader middleware dropped a request: the spider's errback tells these apart."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest


class AlreadyStored(IgnoreRequest):
    """Raised by `monitor.crawling.middlewares.KnownArticleFilter` for an article that is stored already."""


class PrivateAddressRefused(IgnoreRequest):
    """Raised by `monitor.crawling.middlewares.PrivateAddressFilter`: a private or loopback address on a
    host that is not the source's own."""


class OverBudget(IgnoreRequest):
    """Raised by `monitor.crawling.middlewares.RequestBudget`: the source made all the requests one run
    allows it (MONITOR_MAX_REQUESTS_PER_SOURCE)."""


class Blocked(IgnoreRequest):
    """Raised by `monitor.crawling.middlewares.BotWallDetector`: the site answered with a bot
    challenge (Akamai, Cloudflare, PerimeterX, Incapsula) instead of the page. monitor records
    it and never tries to get around it."""

    def __init__(self, vendor: str, detail: str) -> None:
        self.vendor = vendor
        super().__init__(f"bot challenge from {vendor} ({detail}); not stored, not followed: "
                         f"monitor does not get around bot walls")


class RateLimited(IgnoreRequest):
    """Raised by `monitor.crawling.middlewares.RateLimits`: the host answered 429/503 asking to
    wait longer than monitor waits in a run (`first`), or it did so earlier in this run."""

    def __init__(self, message: str, *, first: bool = True) -> None:
        self.first = first
        super().__init__(message)
