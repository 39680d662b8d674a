"""One crawl run: record it, crawl its sources in this process with Scrapy, close it with totals.

A Twisted reactor cannot restart, so a process runs one crawl; the daemon starts a process
(`python -m monitor crawl ...`) per run, and `monitor crawl` is that same code path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from monitor.config import Source
from monitor.extensions import COUNTERS
from monitor.store import FAILED, OK, PARTIAL, Store

logger = logging.getLogger(__name__)


@dataclass
class CrawlResult:
    run_id: int | None
    status: str
    per_source: dict[str, dict[str, int]] = field(default_factory=dict)
    detected: dict[str, str] = field(default_factory=dict)
    links: dict[str, int] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        return {c: sum(row.get(c, 0) for row in self.per_source.values()) for c in COUNTERS}


def scrapy_settings(db_path: str, overrides: dict | None = None) -> Settings:
    """The project's Scrapy settings with monitor's run-specific values on top."""
    settings = Settings()
    settings.setmodule("monitor.settings", priority="project")
    settings.set("MONITOR_DB", str(db_path), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def source_failed(row: dict[str, int]) -> bool:
    """A source failed in a run when it only produced errors."""
    produced = sum(row.get(c, 0) for c in ("new", "updated", "duplicate", "unchanged", "known",
                                            "skipped"))
    return row.get("errors", 0) > 0 and produced == 0


def run_status(per_source: dict[str, dict[str, int]]) -> str:
    failed = [name for name, row in per_source.items() if source_failed(row)]
    errors = sum(row.get("errors", 0) for row in per_source.values())
    if per_source and len(failed) == len(per_source):
        return FAILED
    return PARTIAL if errors else OK


def run_crawl(sources: list[Source], *, db_path: str, trigger: str = "manual",
              schedule: str | None = None, progress: bool = False, check_only: bool = False,
              log_level: str = "WARNING", settings: dict | None = None) -> CrawlResult:
    """Crawl `sources` in this process and record the run. Call once per process."""
    from spiders.base import SourceSpider

    names = [s.name for s in sources]
    run_id = None
    if not check_only:
        with Store(db_path) as store:
            store.migrate()
            store.sync_sources(sources)
            run_id = store.start_run(trigger=trigger, schedule=schedule, sources=names)
    overrides = {"MONITOR_RUN_ID": run_id or 0, "MONITOR_PROGRESS": progress,
                 "MONITOR_CHECK_ONLY": check_only, "LOG_LEVEL": log_level, **(settings or {})}
    process = CrawlerProcess(scrapy_settings(db_path, overrides))
    crawler = process.create_crawler(SourceSpider)
    process.crawl(crawler, sources=sources)
    message = None
    try:
        process.start()
    except Exception as exc:  # the run is recorded as failed, never left "running"
        logger.exception("crawl failed")
        message = f"{exc.__class__.__name__}: {exc}"
    report = getattr(crawler, "monitor_report", None)
    per_source = report.per_source(names) if report else {n: {} for n in names}
    stats = crawler.stats.get_stats() if crawler.stats else {}
    detected = {n: stats[f"monitor/detected/{n}"] for n in names if f"monitor/detected/{n}" in stats}
    links = {n: int(stats.get(f"monitor/links/{n}", 0)) for n in names}
    status = FAILED if message else run_status(per_source)
    if stats.get("finish_reason") == "shutdown" and not message:
        status, message = "aborted", "interrupted"
    if run_id is not None:
        results = {n: {"failed": source_failed(row), "new": row.get("new", 0),
                       "error": None} for n, row in per_source.items()}
        totals = CrawlResult(run_id, status, per_source).totals
        with Store(db_path) as store:
            store.finish_run(run_id, status=status, counts=totals, message=message,
                             source_results=results)
    return CrawlResult(run_id, status, per_source, detected, links)
