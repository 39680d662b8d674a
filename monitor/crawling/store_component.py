"""The base of Scrapy components that use the monitor database: it is opened when the spider
opens and closed when the spider closes."""

from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler

from monitor.store import Store


class StoreComponent:
    """Holds `self.store` for the life of the spider. Subclasses may override `before_close`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = crawler.settings.get("MONITOR_DB")
        self.store: Store | None = None
        crawler.signals.connect(self.open_database, signal=signals.spider_opened)
        crawler.signals.connect(self.close_database, signal=signals.spider_closed)

    def open_database(self) -> None:
        self.store = Store(self.db_path)
        self.store.migrate()

    def before_close(self, reason: str) -> None:
        """Last writes of the run, with the database still open."""

    def close_database(self, reason: str) -> None:
        if self.store is not None:
            self.before_close(reason)
            self.store.close()
            self.store = None
