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
