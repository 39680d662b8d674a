"""The item pipelines as Scrapy builds them (`scrapy.utils.test.get_crawler`, `from_crawler`),
fed real pages of the sample newsroom and writing a real temporary SQLite store: each switches
itself on or off by its settings, counts outcomes in Scrapy stats under `monitor/...`, and the
store keeps an article once."""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Spider, signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from monitor.crawling.pipelines import ExtractPipeline, RemoteExportPipeline, StorePipeline
from monitor.items import ArticleItem, CrawlProblem, ItemGone, Page
from monitor.settings import MONITOR_SETTINGS
from monitor.store import Store
from tests.db_rows import rows
from tests.fixture_server import site_file

SEED = "news/2019/11/ice-arrests-19-in-massachusetts.html"
BASE = "http://127.0.0.1:8000"


def crawler_for(**overrides):
    """A crawler with monitor's defaults for its MONITOR_* settings, and these instead."""
    settings = {name: default for name, (default, _) in MONITOR_SETTINGS.items()}
    return get_crawler(Spider, {**settings, **overrides})


def open_spider(crawler):
    crawler.signals.send_catch_log(signals.spider_opened, spider=Spider("test"))


def close_spider(crawler):
    crawler.signals.send_catch_log(signals.spider_closed, spider=Spider("test"), reason="finished")


def page(path: str = SEED, source: str = "ledger") -> Page:
    body = site_file(path).read_bytes().replace(b"{{base}}", BASE.encode())
    return Page(source=source, url=f"{BASE}/{path}", body=body, requested_url=f"{BASE}/{path}",
                content_type="text/html", item_kind="news", via=f"{BASE}/news/feed.atom")


def extracted(p: Page) -> ArticleItem | CrawlProblem:
    """The page through a real ExtractPipeline (extraction in a thread of this process)."""
    crawler = crawler_for(MONITOR_EXTRACT_WORKERS="0")
    pipeline = ExtractPipeline.from_crawler(crawler)
    try:
        return asyncio.run(pipeline.process_item(p))
    finally:
        close_spider(crawler)


@pytest.fixture
def store_pipeline(tmp_path):
    """A StorePipeline on a temporary database, opened as the spider opens; closed after."""
    crawler = crawler_for(MONITOR_DB=str(tmp_path / "m.db"))
    pipeline = StorePipeline.from_crawler(crawler)
    open_spider(crawler)
    yield pipeline, crawler.stats, tmp_path / "m.db"
    close_spider(crawler)


# -- ExtractPipeline ------------------------------------------------------------------------------


def test_extract_pipeline_turns_an_article_page_into_an_article_item():
    item = extracted(page())
    assert isinstance(item, ArticleItem)
    assert item.article["title"] == "ICE arrests 19 in Massachusetts during 4-day operation"
    assert "19 individuals" in item.article["text"]
    assert item.page.url == f"{BASE}/{SEED}" and item.intel is not None


def test_extract_pipeline_makes_a_page_without_an_article_a_skip():
    problem = extracted(page("gov/index.html", source="gov"))
    assert isinstance(problem, CrawlProblem)
    assert (problem.source, problem.kind, problem.severity) == ("gov", "not_article", "skip")
    assert problem.url == f"{BASE}/gov/index.html"


def test_extract_pipeline_passes_other_items_through():
    problem = CrawlProblem("gov", f"{BASE}/x", "http_error", "HTTP 500 Internal Server Error")
    crawler = crawler_for(MONITOR_EXTRACT_WORKERS="0")
    assert asyncio.run(ExtractPipeline.from_crawler(crawler).process_item(problem)) is problem


def test_extract_pipeline_gives_up_a_page_after_its_timeout():
    crawler = crawler_for(MONITOR_EXTRACT_WORKERS="0", MONITOR_EXTRACT_TIMEOUT="0.000001")
    pipeline = ExtractPipeline.from_crawler(crawler)
    try:
        problem = asyncio.run(pipeline.process_item(page()))
    finally:
        close_spider(crawler)
    assert isinstance(problem, CrawlProblem) and problem.kind == "extract_error"
    assert "longer than" in problem.message


# -- StorePipeline ---------------------------------------------------------------------------------


def test_store_pipeline_is_off_on_a_scrapyd_node(tmp_path):
    with pytest.raises(NotConfigured):
        StorePipeline.from_crawler(crawler_for(MONITOR_REMOTE=True, MONITOR_DB=str(tmp_path / "m.db")))
    assert not (tmp_path / "m.db").exists()


def test_store_pipeline_opens_and_migrates_its_database_when_the_spider_opens(store_pipeline):
    pipeline, _, db = store_pipeline
    assert pipeline.store is not None
    tables = {name for (name,) in rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"items", "errors", "sightings", "runs"} <= tables


def test_store_pipeline_records_a_problem_and_counts_it(store_pipeline):
    pipeline, stats, db = store_pipeline
    problem = CrawlProblem("gov", f"{BASE}/gov/rss/broken-links.xml", "bad_feed", "no entries")
    assert pipeline.process_item(problem) is problem
    assert rows(db, "SELECT source, url, kind, severity, message FROM errors") == [
        ("gov", f"{BASE}/gov/rss/broken-links.xml", "bad_feed", "error", "no entries")]
    assert stats.get_value("monitor/errors/gov") == 1


def test_store_pipeline_counts_a_skip_apart_from_errors(store_pipeline):
    pipeline, stats, db = store_pipeline
    pipeline.process_item(CrawlProblem("gov", f"{BASE}/gov/", "not_article", "a front page", "skip"))
    assert rows(db, "SELECT kind, severity FROM errors") == [("not_article", "skip")]
    assert stats.get_value("monitor/skipped/gov") == 1
    assert stats.get_value("monitor/errors/gov") is None


def test_store_pipeline_writes_the_run_id_it_is_given(tmp_path):
    db = tmp_path / "m.db"
    store = Store(db)
    store.migrate()
    run_id = store.start_run(trigger="test", schedule=None, sources=["gov"])
    store.close()
    crawler = crawler_for(MONITOR_DB=str(db), MONITOR_RUN_ID=run_id)
    pipeline = StorePipeline.from_crawler(crawler)
    open_spider(crawler)
    try:
        pipeline.process_item(CrawlProblem("gov", f"{BASE}/status/404", "http_error", "HTTP 404"))
    finally:
        close_spider(crawler)
    assert rows(db, "SELECT run_id FROM errors") == [(run_id,)]


def test_store_pipeline_stores_an_article_once(store_pipeline):
    pipeline, stats, db = store_pipeline
    first = extracted(page())
    again = extracted(page())
    pipeline.process_item(first)
    pipeline.process_item(again)
    assert first.outcome == "new" and again.outcome != "new"
    assert first.item_id == again.item_id
    assert rows(db, "SELECT count(*), min(title) FROM items") == [
        (1, "ICE arrests 19 in Massachusetts during 4-day operation")]
    assert stats.get_value("monitor/new/ledger") == 1
    assert stats.get_value(f"monitor/{again.outcome}/ledger") == 1
    assert first.page.body == b""  # the raw page is not kept once its text is stored


def test_store_pipeline_marks_a_removed_item_gone_and_counts_it(store_pipeline):
    pipeline, stats, db = store_pipeline
    item = extracted(page())
    pipeline.process_item(item)
    pipeline.process_item(ItemGone("ledger", item.item_id, item.page.url, 404))
    assert rows(db, "SELECT status FROM items") == [("gone",)]
    assert stats.get_value("monitor/gone/ledger") == 1


def test_store_pipeline_closes_its_database_when_the_spider_closes(tmp_path):
    crawler = crawler_for(MONITOR_DB=str(tmp_path / "m.db"))
    pipeline = StorePipeline.from_crawler(crawler)
    open_spider(crawler)
    close_spider(crawler)
    assert pipeline.store is None


# -- RemoteExportPipeline --------------------------------------------------------------------------


def test_remote_export_is_off_for_local_runs():
    with pytest.raises(NotConfigured):
        RemoteExportPipeline.from_crawler(crawler_for())


def test_remote_export_makes_plain_records_without_the_page_body():
    pipeline = RemoteExportPipeline.from_crawler(crawler_for(MONITOR_REMOTE=True))
    article = pipeline.process_item(extracted(page()))
    assert article["type"] == "article" and "body" not in article["page"]
    assert article["page"]["url"] == f"{BASE}/{SEED}"
    assert article["article"]["title"] == "ICE arrests 19 in Massachusetts during 4-day operation"
    problem = pipeline.process_item(CrawlProblem("gov", f"{BASE}/x", "timeout", "no answer"))
    assert problem == {"type": "problem", "source": "gov", "url": f"{BASE}/x", "kind": "timeout",
                       "message": "no answer", "severity": "error"}
    gone = pipeline.process_item(ItemGone("ledger", "abc", f"{BASE}/y", 410))
    assert gone["type"] == "gone" and gone["item_id"] == "abc"
