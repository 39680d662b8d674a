"""Scrapy extension: per-source counts of a crawl, spider bugs recorded as errors, and the
live progress lines of `monitor crawl`."""

from __future__ import annotations

import logging
import sys
from collections import Counter, defaultdict

from scrapy import signals
from scrapy.crawler import Crawler

from monitor.items import COUNTERS, ArticleItem, CrawlProblem
from monitor.store import Store

logger = logging.getLogger(__name__)



class CrawlReport:
    """Counts responses per source and prints one line per stored item or problem when
    MONITOR_PROGRESS is on. `report.per_source` is the summary table's data."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.progress = crawler.settings.getbool("MONITOR_PROGRESS")
        self.db_path = crawler.settings.get("MONITOR_DB")
        self.run_id = crawler.settings.getint("MONITOR_RUN_ID") or None
        self.pages: Counter[str] = Counter()
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)
        crawler.signals.connect(self.item_error, signal=signals.item_error)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CrawlReport":
        extension = cls(crawler)
        crawler.monitor_report = extension  # the crawl runner reads the totals from here
        return extension

    def response_received(self, response, request) -> None:
        self.pages[request.meta.get("source") or "-"] += 1

    def item_scraped(self, item) -> None:
        if not self.progress:
            return
        if isinstance(item, ArticleItem):
            title = (item.article.get("title") or item.page.url)[:90]
            _line(f"  {item.outcome:<9} {item.page.source:<20} {title}")
        elif isinstance(item, CrawlProblem):
            label = "skipped" if item.severity == "skip" else "error"
            _line(f"  {label:<9} {item.source or '-':<20} {item.kind}: {item.url}: {item.message[:120]}")

    def spider_error(self, failure, response) -> None:
        source = response.meta.get("source") if response.request else None
        message = f"{failure.type.__name__}: {failure.value}"
        self.crawler.stats.inc_value(f"monitor/errors/{source}")
        if self.crawler.settings.getbool("MONITOR_REMOTE"):
            logger.error("spider error on %s: %s", response.url, message)
            return
        with Store(self.db_path) as store:
            store.record_error(run_id=self.run_id, source=source, url=response.url,
                               kind="spider_error", message=message)

    def item_error(self, item, response, failure) -> None:
        """An exception in a pipeline (a store bug, a full disk): the page is recorded as
        failed instead of vanishing from the run."""
        page = getattr(item, "page", item)
        source = getattr(page, "source", None) or (response.meta.get("source") if response else None)
        url = getattr(page, "url", None) or (response.url if response else None)
        message = f"{failure.type.__name__}: {failure.value}"
        logger.error("pipeline error on %s: %s", url, message)
        self.crawler.stats.inc_value(f"monitor/errors/{source}")
        if self.crawler.settings.getbool("MONITOR_REMOTE"):
            return
        try:
            with Store(self.db_path) as store:
                store.record_error(run_id=self.run_id, source=source, url=url,
                                   kind="pipeline_error", message=message)
        except Exception:  # the database itself may be what failed
            logger.exception("could not record the pipeline error on %s", url)

    def per_source(self, sources: list[str]) -> dict[str, dict[str, int]]:
        """{source: {pages, new, updated, duplicate, unchanged, known, skipped, errors}}."""
        stats = self.crawler.stats.get_stats()
        table: dict[str, dict[str, int]] = defaultdict(dict)
        for name in sources:
            table[name]["pages"] = self.pages.get(name, 0)
            for counter in COUNTERS[1:]:
                table[name][counter] = int(stats.get(f"monitor/{counter}/{name}", 0))
        return dict(table)


def _line(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
