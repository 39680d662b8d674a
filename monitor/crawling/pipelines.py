"""Thin Scrapy glue: extract each fetched page, then store it (or the problem) in SQLite.

Outcomes are counted in Scrapy stats under `monitor/<outcome>/<source>`."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool as BrokenExecutor

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from monitor.crawling.store_component import StoreComponent
from monitor.crawling.worker import exit_with_parent, extract_workers, process_page
from monitor.items import ArticleItem, CrawlProblem, ItemGone, Page

logger = logging.getLogger(__name__)


class ExtractPipeline:
    """Page -> ArticleItem via `monitor.extract`, in a pool of worker processes (extraction is
    CPU-bound: it must not run on the reactor thread, and it should use every core). A page
    without an article becomes a skip; a crashed or hung extraction costs that page only."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.workers = extract_workers(crawler.settings.get("MONITOR_EXTRACT_WORKERS"))
        self.timeout = crawler.settings.getfloat("MONITOR_EXTRACT_TIMEOUT")
        self.executor: Executor | None = None
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ExtractPipeline":
        return cls(crawler)

    def _pool(self) -> Executor:
        if self.executor is None:
            if self.workers:
                # forkserver: workers are forked from a clean process that preloaded the
                # extractor, never from this one with its reactor and threads.
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["monitor.crawling.worker"])
                self.executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                                    initializer=exit_with_parent,
                                                    initargs=(os.getpid(),))
            else:
                self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract")
        return self.executor

    async def process_item(self, item):
        if not isinstance(item, Page):
            return item
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._pool(), process_page, item)
            return await asyncio.wait_for(future, timeout=self.timeout)
        except BrokenExecutor:
            logger.error("an extraction worker died on %s; starting a new pool", item.url)
            self.executor = None
            return CrawlProblem(item.source, item.url, "extract_error",
                                "the extraction worker died on this page")
        except asyncio.TimeoutError:
            return CrawlProblem(item.source, item.url, "extract_error",
                                f"extraction took longer than {self.timeout:g}s")

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)


class StorePipeline(StoreComponent):
    """Writes every ArticleItem and CrawlProblem to the database, one transaction each."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.run_id = crawler.settings.getint("MONITOR_RUN_ID") or None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "StorePipeline":
        if crawler.settings.getbool("MONITOR_REMOTE"):
            raise NotConfigured  # a Scrapyd node exports its items instead
        return cls(crawler)

    def process_item(self, item):
        if isinstance(item, CrawlProblem):
            counter = self.store.record(dataclasses.asdict(item), run_id=self.run_id)
            self.stats.inc_value(f"monitor/{counter}/{item.source}")
            return item
        if isinstance(item, ItemGone):
            self.store.mark_gone(item.item_id, run_id=self.run_id)
            self.stats.inc_value(f"monitor/gone/{item.source}")
            return item
        if isinstance(item, ArticleItem):
            page = item.page
            page.body = b""  # the text is stored; do not keep the raw page in memory
            item.outcome, item.item_id = self.store.save(
                item.article, dataclasses.asdict(page), run_id=self.run_id, intel=item.intel)
            self.stats.inc_value(f"monitor/{item.outcome}/{page.source}")
        return item


class RemoteExportPipeline:
    """On a Scrapyd node (MONITOR_REMOTE): every outcome becomes a plain JSON record in the
    job's items feed, which the daemon imports through the store when the job has finished."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "RemoteExportPipeline":
        if not crawler.settings.getbool("MONITOR_REMOTE"):
            raise NotConfigured  # local runs store directly
        return cls()

    def process_item(self, item):
        if isinstance(item, ArticleItem):
            page = {k: v for k, v in dataclasses.asdict(item.page).items() if k != "body"}
            return {"type": "article", "page": page, "article": item.article, "intel": item.intel}
        if isinstance(item, CrawlProblem):
            return {"type": "problem", **dataclasses.asdict(item)}
        if isinstance(item, ItemGone):
            return {"type": "gone", **dataclasses.asdict(item)}
        return item
