"""Thin Scrapy glue: extract each fetched page, then store it (or the problem) in SQLite.

Outcomes are counted in Scrapy stats under `monitor/<outcome>/<source>`."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
import os
import select
import threading
import time
from datetime import datetime, timezone
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool as BrokenExecutor

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from monitor import extract
from monitor.intel import facts, neardup, relevance
from monitor.items import ArticleItem, CrawlProblem, ItemGone, Page
from monitor.crawling.database import DatabaseComponent

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
                context.set_forkserver_preload(["monitor.extract"])
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
            future = loop.run_in_executor(self._pool(), extract_page, item)
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


def exit_with_parent(parent_pid: int) -> None:
    """In each extraction worker: exit when the crawl process is gone. A SIGKILLed crawl
    cannot shut its pool down, and orphaned workers would hold its stdout open for good."""
    def watch() -> None:
        try:
            handle = os.pidfd_open(parent_pid)  # Linux: wakes the moment the crawl ends
            select.select([handle], [], [])
        except (AttributeError, OSError):
            while _alive(parent_pid):  # elsewhere: look once a second
                time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-crawl", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def extract_workers(value: object) -> int:
    """MONITOR_EXTRACT_WORKERS: 'auto' = one per core, 0 = a thread of the crawl process."""
    if value in (None, "", "auto"):
        return os.cpu_count() or 1
    return max(0, int(value))


def extract_page(page: Page) -> ArticleItem | CrawlProblem:
    """Run the right extractor on a fetched page; never raises for bad input."""
    is_pdf = page.content_type == "application/pdf"
    try:
        if is_pdf:
            article = extract.extract_pdf(page.body, page.url)
            reason = "PDF without extractable text (broken, encrypted or scanned)"
        else:
            article, code = extract.extract_article_with_reason(page.body, page.url)
            reason = f"{code}: {extract.NOT_ARTICLE_REASONS.get(code, '')}".rstrip(": ")
    except Exception as exc:  # an extractor bug must cost one page, not the crawl
        logger.exception("extractor failed on %s", page.url)
        return CrawlProblem(page.source, page.url, "extract_error",
                            f"{exc.__class__.__name__}: {exc}")
    if article is None:
        kind = "extract_error" if is_pdf else "not_article"
        return CrawlProblem(page.source, page.url, kind, reason,
                            severity="error" if is_pdf else "skip")
    fields = article.to_dict()
    hint = page.hint or {}
    if not fields.get("title") and hint.get("title"):
        fields["title"] = hint["title"]
    if not fields.get("published") and plausible_date(hint.get("published")):
        fields["published"], fields["published_from"] = hint["published"], "feed"
    fields["content_type"] = page.content_type
    intel = analyse(fields, page.item_kind, page.relevance_mode)
    if intel["decision"] == "drop":
        reasons = "; ".join(intel["relevance"]["reasons"]) or "no enforcement cue"
        return CrawlProblem(page.source, page.url, "not_relevant",
                            f"not about an enforcement operation ({reasons})", severity="skip")
    # the raw page stays here: the crawl process needs its text, not its bytes back
    return ArticleItem(page=dataclasses.replace(page, body=b""), article=fields, intel=intel)


def plausible_date(value: str | None) -> bool:
    """A date a feed or sitemap may give an item: 1990 to next year (not 1066 or 9999)."""
    year = value[:4] if isinstance(value, str) else ""
    return year.isdigit() and 1990 <= int(year) <= datetime.now(timezone.utc).year + 1


def analyse(fields: dict, item_kind: str | None, mode: str) -> dict:
    """Relevance, facts and the near-duplicate signature of an extracted article (CPU work,
    done in the extraction worker). `relevant` follows the source's relevance mode."""
    found = facts.extract_facts(fields["text"], title=fields.get("title"),
                                published=fields.get("published"))
    scored = relevance.score_relevance(fields.get("title"), fields["text"], item_kind=item_kind,
                                       facts=found)
    decision = relevance.decide(mode, scored)
    return {"relevance": dataclasses.asdict(scored), "decision": decision,
            "relevant": 1 if mode == "keep_all" or scored.relevant else 0,
            "facts": [dataclasses.asdict(f) for f in found],
            "signature": neardup.signature(fields["text"])}


class StorePipeline(DatabaseComponent):
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
            self.store.record_error(run_id=self.run_id, source=item.source, url=item.url,
                                    kind=item.kind, message=item.message, severity=item.severity)
            counter = "skipped" if item.severity == "skip" else "errors"
            self.stats.inc_value(f"monitor/{counter}/{item.source}")
            return item
        if isinstance(item, ItemGone):
            self.store.mark_gone(item.item_id, run_id=self.run_id)
            self.stats.inc_value(f"monitor/gone/{item.source}")
            return item
        if isinstance(item, ArticleItem):
            page = item.page
            item.outcome, item.item_id = self.store.save_article(
                item.article, url=page.url, requested_url=page.requested_url,
                source=page.source, agency=page.agency, item_kind=page.item_kind,
                via=page.via, run_id=self.run_id, intel=item.intel)
            self.stats.inc_value(f"monitor/{item.outcome}/{page.source}")
            if page.recheck_of:
                self.store.mark_checked(page.recheck_of)
            page.body = b""  # the text is stored; do not keep the raw page in memory
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
