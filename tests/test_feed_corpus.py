"""Every feed of the robustness corpus (../shared/data/feeds) goes through the feed spider's
whole path (kind detection, parsing, link following) without an exception escaping."""

import gzip
from pathlib import Path

import pytest
from scrapy.http import Request, XmlResponse

from monitor.config import Source
from monitor.items import CrawlProblem
from spiders.formats.feed import _salvage_entries, parse_feed
from tests.spider_harness import make_spider

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "feeds"


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".xml", ".gz", ".json")
                  and p.name != "manifest.json")


def read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"feed corpus not present at {CORPUS} "
                    "(shared data is optional; the fixture feeds in tests/ still run)")
def test_every_corpus_feed_is_handled_without_exception():
    files = corpus_files()
    assert len(files) > 2000
    spider = make_spider([Source(name="corpus", url="http://127.0.0.1/feed.xml", max_items=100000)])
    without_links = []
    for path in files:
        body = read(path)
        spider.seen_articles.clear()
        response = XmlResponse("http://127.0.0.1/feed.xml", body=body,
                               request=Request("http://127.0.0.1/feed.xml",
                                               meta={"source": "corpus", "kind": "auto", "page": 1}))
        outputs = list(spider.parse_source(response))
        assert all(isinstance(o, (Request, CrawlProblem)) for o in outputs), path
        if not any(isinstance(o, Request) for o in outputs):
            without_links.append(path)
    # The 200 real feeds of the benchmark set have items with links (but one, whose items
    # have none): the spider must find them, also in the half-dozen that are not well-formed.
    real = [p.name for p in without_links if p.parent.name == "fastfeedparser-benchmark"]
    assert real == ["cc314ce5dfbb3adc.gz"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"feed corpus not present at {CORPUS}")
def test_real_news_feeds_give_their_item_links():
    real = Path(CORPUS).parent / "real-pages" / "news-feeds"
    for path in sorted(real.glob("*.xml.gz")):
        feed = parse_feed(gzip.decompress(path.read_bytes()), "https://example.org/feed")
        assert feed.entries and all(e.link and e.link.startswith("http") for e in feed.entries), path
        assert all(e.title for e in feed.entries), path


def test_salvage_finds_links_in_a_feed_too_broken_for_feedparser():
    body = (b"<!-- x -->\n<?xml?xml version='1.0' ??>\n<rss rss:version=2.0><rss:channel>"
            b"<rss:item><rss:title>One &amp; two</rss:title><rss:link>https://a.org/1</rss:link>"
            b"</rss:item><rss:item><rss:link href='https://a.org/2'/></rss:item></rss:channel></rss>")
    feed = parse_feed(body, "https://a.org/feed")
    assert [(e.link, e.title) for e in feed.entries] == [("https://a.org/1", "One & two"),
                                                          ("https://a.org/2", None)]
    assert _salvage_entries(b"<html><body>no items</body></html>") == []
