"""One crawl run: lock its sources, record it, crawl them in this process with Scrapy, close it
with per-source counts, update source health and send one notification.

A Twisted reactor cannot restart, so a process runs one crawl; the daemon starts a process
(`python -m monitor crawl ...`) per run, and `monitor crawl` by hand is that same code path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from monitor.config import Source
from monitor.items import COUNTERS
from monitor.runs.bookkeeping import (SKIPPED, begin_run, close_run, run_status, skipped,
                                     source_status)
from monitor.runs.locks import acquire_sources, crawl_process_lock, run_is_alive
from monitor.store import ABORTED, FAILED, OK, Store

logger = logging.getLogger(__name__)

SPIDER = "sources"  # spiders.base.SourceSpider, found through SPIDER_MODULES


@dataclass
class CrawlResult:
    run_id: int | None
    status: str
    per_source: dict[str, dict] = field(default_factory=dict)
    detected: dict[str, str] = field(default_factory=dict)
    busy: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {c: sum(row.get(c, 0) for row in self.per_source.values()) for c in COUNTERS}

    def links(self, name: str) -> int:
        return self.per_source.get(name, {}).get("links", 0)


def scrapy_settings(db_path: str, overrides: dict | None = None) -> Settings:
    """The project's Scrapy settings with monitor's run-specific values on top."""
    settings = Settings()
    settings.setmodule("monitor.settings", priority="project")
    settings.set("MONITOR_DB", str(db_path), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(sources: list[Source], *, db_path: str, trigger: str = "manual",
              schedule: str | None = None, progress: bool = False, check_only: bool = False,
              log_level: str = "WARNING", settings: dict | None = None,
              notify_targets: list[str] | None = None) -> CrawlResult:
    """Crawl `sources` in this process and record the run. Call once per process."""

    if check_only:
        return _crawl(sources, db_path, None, progress, True, log_level, settings, [])[0]
    names = [s.name for s in sources]
    process_lock = crawl_process_lock(db_path).acquire()  # released by the kernel if we die
    locks, busy = acquire_sources(db_path, names)
    try:
        with Store(db_path) as store:
            store.migrate()
            # A run a killed crawl left "running" is closed by whoever comes next, daemon or not.
            store.mark_abandoned_runs(alive=run_is_alive(db_path))
            run_id = begin_run(store, sources, trigger=trigger, schedule=schedule, busy=busy)
            checked = [s.name for s in sources if s.name in locks and s.fetches_item_pages]
            rechecks = store.items_due_for_recheck(checked) if checked else []
        free = [s for s in sources if s.name in locks]
        result, message, reason = (_crawl(free, db_path, run_id, progress, False, log_level,
                                          settings, rechecks) if free
                                   else (CrawlResult(run_id, SKIPPED), None, "finished"))
        result.per_source.update(skipped(busy))
        result.busy = busy
        result.status = FAILED if message else run_status(result.per_source)
        if reason == "shutdown" and not message:
            result.status, message = ABORTED, "interrupted (SIGINT/SIGTERM)"
        with Store(db_path) as store:
            close_run(store, run_id, status=result.status, message=message,
                      per_source=result.per_source, crawled=list(locks),
                      notify_targets=notify_targets)
        return result
    finally:
        for lock in locks.values():
            lock.release()
        process_lock.release()


def _crawl(sources, db_path, run_id, progress, check_only, log_level, settings, rechecks):
    overrides = {"MONITOR_RUN_ID": run_id or 0, "MONITOR_PROGRESS": progress,
                 "MONITOR_CHECK_ONLY": check_only, "LOG_LEVEL": log_level, **(settings or {})}
    process = CrawlerProcess(scrapy_settings(db_path, overrides))
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a broken PDF is an `errors` row already
    crawler = process.create_crawler(SPIDER)  # by name: monitor imports no spider
    process.crawl(crawler, sources=sources, rechecks=rechecks)
    message = None
    try:
        process.start()
    except Exception as exc:  # the run is recorded as failed, never left "running"
        logger.exception("crawl failed")
        message = f"{exc.__class__.__name__}: {exc}"
    names = [s.name for s in sources]
    report = getattr(crawler, "monitor_report", None)
    per_source = report.per_source(names) if report else {n: {} for n in names}
    stats = crawler.stats.get_stats() if crawler.stats else {}
    for name, row in per_source.items():
        row["links"] = int(stats.get(f"monitor/links/{name}", 0))
        row["status"] = source_status(row)
        if row["status"] == FAILED:
            row["error"] = _last_error(db_path, run_id, name)
    detected = {n: stats[f"monitor/detected/{n}"] for n in names if f"monitor/detected/{n}" in stats}
    result = CrawlResult(run_id, OK, per_source, detected)
    return result, message, stats.get("finish_reason")


def _last_error(db_path: str, run_id: int | None, source: str) -> str | None:
    if run_id is None:
        return None
    with Store(db_path) as store:
        return store.last_error(run_id, source)
