"""The extraction worker's job, run in a pool process for each fetched page: extract the article
(monitor.extract), then relevance, facts and the near-duplicate signature (monitor.intel). The
pipeline, `monitor inspect` and the benchmarks all call `process_page`."""

from __future__ import annotations

import dataclasses
import logging
import os
import select
import threading
import time
from datetime import datetime, timezone

from monitor import extract
from monitor.intel import facts, neardup, relevance
from monitor.items import ArticleItem, CrawlProblem, Page

logger = logging.getLogger(__name__)


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


def process_page(page: Page) -> ArticleItem | CrawlProblem:
    """Run the right extractor on a fetched page; never raises for bad input."""
    if page.prepared is not None:  # made from an API record or a feed entry: nothing to extract
        return _analysed(page, dict(page.prepared))
    is_pdf = page.content_type == "application/pdf"
    try:
        if is_pdf:
            article = extract.extract_pdf(page.body, page.url)
            reason = "PDF without extractable text (broken, encrypted or scanned)"
        else:
            article, code = extract.extract_article_with_reason(page.body, page.url,
                                                                content=page.content)
            reason = f"{code}: {extract.NOT_ARTICLE_REASONS.get(code, '')}".rstrip(": ")
    except Exception as exc:  # an extractor bug must cost one page, not the crawl
        logger.exception("extractor failed on %s", page.url)
        return CrawlProblem(page.source, page.url, "extract_error",
                            f"{exc.__class__.__name__}: {exc}")
    if article is None:
        kind = "extract_error" if is_pdf else "not_article"
        return CrawlProblem(page.source, page.url, kind, reason,
                            severity="error" if is_pdf else "skip")
    return _analysed(page, article.to_dict())


def _analysed(page: Page, fields: dict) -> ArticleItem | CrawlProblem:
    """An extracted (or prepared) article with the feed's hints, relevance, facts and signature."""
    hint = page.hint or {}
    if not fields.get("title") and hint.get("title"):
        fields["title"] = hint["title"]
    if not fields.get("published") and plausible_date(hint.get("published")):
        fields["published"] = hint["published"]
        fields["published_from"] = hint.get("published_from", "feed")
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
