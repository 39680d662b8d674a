"""Parse-level tests of every spider kind on the fixture site's saved pages (no network)."""

from scrapy.http import HtmlResponse, Request, TextResponse

from monitor.config import Source
from monitor.items import CrawlProblem, Page
from spiders.feed import FeedSpider
from spiders.formats.feed import looks_like_feed, parse_feed
from spiders.listing import ListingSpider
from spiders.formats.listing import article_links, feed_links, next_page
from spiders.sitemap import SitemapSpider
from spiders.formats.sitemap import parse_sitemap
from tests.spider_harness import BASE, SITE, fixture_response, make_spider

SEED_PATH = "news/2019/11/ice-arrests-19-in-massachusetts.html"


def source(kind="auto", **kwargs):
    return Source(name=kwargs.pop("name", "src"), url=f"{BASE}/x", kind=kind, **kwargs)


def run(spider, path, kind="auto", page=1, **meta):
    response = fixture_response(path, meta={"source": "src", "kind": kind, "page": page, **meta})
    return list(spider.parse_source(response))


def requests(outputs):
    return [o for o in outputs if isinstance(o, Request)]


def problems(outputs):
    return [o for o in outputs if isinstance(o, CrawlProblem)]


def test_rss_feed_gives_article_requests_with_feed_hints():
    outputs = run(make_spider([source("feed")]), "gov/rss/news.xml", kind="feed")
    reqs = requests(outputs)
    assert len(reqs) >= 6 and not problems(outputs)
    assert all(r.meta["role"] == "article" and r.callback.__name__ == "parse_article" for r in reqs)
    first = reqs[0]
    assert first.meta["hint"]["title"] and first.meta["hint"]["published"].startswith("20")
    assert any(r.url.endswith(".pdf") for r in reqs)


def test_atom_feed_strips_fragment_and_keeps_tracking_link_once():
    reqs = requests(run(make_spider([source("feed")]), "news/feed.atom", kind="feed"))
    seed = [r for r in reqs if "ice-arrests-19-in-massachusetts" in r.url]
    assert len(seed) == 1 and "#" not in seed[0].url and "utm_source=rss" in seed[0].url


def test_json_feed_is_read():
    body = (SITE / "news/feed.json").read_bytes().replace(b"{{base}}", BASE.encode())
    assert looks_like_feed(body)
    feed = parse_feed(body, f"{BASE}/news/feed.json")
    assert len(feed.entries) == 3 and all(e.link.startswith(BASE) for e in feed.entries)


def test_broken_feed_links_become_problems_not_exceptions():
    outputs = run(make_spider([source("feed")]), "gov/rss/broken-links.xml", kind="feed")
    kinds = sorted(p.kind for p in problems(outputs))
    assert kinds == ["bad_entry", "unsafe_url"]
    assert not any(r.url.startswith("file:") for r in requests(outputs))


def test_garbage_as_feed_is_a_bad_feed_problem():
    spider = make_spider([source("feed")])
    response = TextResponse(f"{BASE}/feed.xml", body=b"\x00\x01 not a feed <<<",
                            request=Request(f"{BASE}/feed.xml", meta={"source": "src", "kind": "feed", "page": 1}))
    [problem] = spider.parse_source(response)
    assert problem.kind == "bad_feed" and problem.url.endswith("feed.xml")


def test_sitemap_index_follows_child_sitemaps():
    reqs = requests(run(make_spider([source("sitemap")]), "gov/sitemap.xml", kind="sitemap"))
    assert sorted(r.url.rsplit("/", 1)[-1] for r in reqs) == ["sitemap-pages.xml", "sitemap-releases.xml"]
    assert all(r.meta["role"] == "source" and r.meta["kind"] == "sitemap" for r in reqs)


def test_sitemap_urlset_gives_articles_newest_first():
    reqs = requests(run(make_spider([source("sitemap")]), "gov/sitemap-releases.xml", kind="sitemap"))
    assert len(reqs) >= 8 and all("/gov/news/releases/" in r.url for r in reqs)
    dates = [r.meta["hint"]["published"] for r in reqs]
    assert dates == sorted(dates, reverse=True)


def test_news_sitemap_titles_and_dates_are_read():
    body = (SITE / "news/sitemap-news.xml").read_bytes().replace(b"{{base}}", BASE.encode())
    sitemap = parse_sitemap(body)
    assert sitemap.type == "urlset" and sitemap.entries
    assert all(e.title and e.published for e in sitemap.entries)


def test_listing_follows_article_links_matching_pattern_and_next_page():
    spider = make_spider([source("listing", follow="/news/releases/", pages=3)])
    outputs = run(spider, "gov/newsroom/index.html", kind="listing")
    articles = [r for r in requests(outputs) if r.meta["role"] == "article"]
    nexts = [r for r in requests(outputs) if r.meta["role"] == "source"]
    assert articles and all("/gov/news/releases/" in r.url for r in articles)
    assert [r.url for r in nexts] == [f"{BASE}/gov/newsroom/page/2.html"]
    assert nexts[0].meta["page"] == 2


def test_listing_stops_at_the_pages_limit():
    spider = make_spider([source("listing", follow="/news/releases/", pages=2)])
    outputs = run(spider, "gov/newsroom/page/2.html", kind="listing", page=2)
    assert not [r for r in requests(outputs) if r.meta["role"] == "source"]


def test_listing_without_pattern_guesses_article_urls():
    response = fixture_response("gov/newsroom/index.html", meta={})
    links = article_links(response)
    assert links and all("/news/releases/" in link for link in links)
    assert not any(link.endswith(("/about.html", "/contact.html")) for link in links)


def test_listing_without_article_links_is_a_no_links_problem():
    spider = make_spider([source("listing", follow="/nothing-matches/")])
    outputs = run(spider, "gov/newsroom/index.html", kind="listing")
    assert [p.kind for p in problems(outputs)] == ["no_links"]


def test_auto_detects_page_advertising_a_feed():
    spider = make_spider([source()])
    reqs = requests(run(spider, "gov/index.html"))
    assert [r.url for r in reqs] == [f"{BASE}/gov/rss/news.xml"]
    assert reqs[0].meta["kind"] == "feed" and spider.detected["src"] == "feed"
    assert feed_links(fixture_response("gov/index.html", meta={})) == [f"{BASE}/gov/rss/news.xml"]


def test_auto_detects_feed_sitemap_and_listing():
    for path, expected in (("gov/rss/news.xml", "feed"), ("gov/sitemap.xml", "sitemap"),
                           ("gov/newsroom/index.html", "listing")):
        spider = make_spider([source()])
        run(spider, path)
        assert spider.detected["src"] == expected, path


def test_next_page_found_by_rel_next():
    assert next_page(fixture_response("gov/newsroom/page/2.html", meta={})) == f"{BASE}/gov/newsroom/page/3.html"
    assert next_page(fixture_response("gov/newsroom/page/3.html", meta={})) is None


def test_article_response_becomes_a_page_with_source_fields():
    spider = make_spider([source(agency="ICE", item_kind="press_release")])
    response = fixture_response(SEED_PATH, meta={"source": "src", "via": f"{BASE}/news/feed.atom",
                                                 "hint": {"title": "t"}})
    [page] = spider.parse_article(response)
    assert isinstance(page, Page)
    assert (page.source, page.agency, page.item_kind, page.via) == ("src", "ICE", "press_release",
                                                                  f"{BASE}/news/feed.atom")
    assert page.content_type == "text/html" and b"Brockton" in page.body


def test_binary_article_response_is_unsupported_content():
    spider = make_spider([source()])
    url = f"{BASE}/image.png"
    response = HtmlResponse(url, body=b"\x89PNG\r\n", headers={"Content-Type": "image/png"},
                            request=Request(url, meta={"source": "src"}))
    [problem] = spider.parse_article(response)
    assert problem.kind == "unsupported_content"


def test_max_items_caps_article_requests_per_source():
    spider = make_spider([source("feed", max_items=2)])
    assert len(requests(run(spider, "gov/rss/news.xml", kind="feed"))) == 2


def test_kind_spiders_take_a_url_argument():
    from scrapy.utils.test import get_crawler
    for cls, kind in ((FeedSpider, "feed"), (SitemapSpider, "sitemap"), (ListingSpider, "listing")):
        spider = cls.from_crawler(get_crawler(cls), url=f"{BASE}/a", follow="/x/")
        [only] = spider.sources.values()
        assert only.kind == kind and only.url == f"{BASE}/a" and only.follow == "/x/"


def test_a_release_over_one_sources_cap_is_left_to_the_next_doj_api_source():
    import json
    from tests.agency_fakes import AGENCY
    releases = json.loads((AGENCY / "doj_api_releases.json").read_text(encoding="utf-8"))[:3]
    body = json.dumps({"metadata": {"resultset": {"count": 3, "pagesize": 3}},
                       "results": releases}).encode()
    spider = make_spider([source("doj_api", name="capped", max_items=1),
                          source("doj_api", name="all")])
    taken = {}
    for name in ("capped", "all"):
        response = TextResponse(f"{BASE}/api", body=body, request=Request(
            f"{BASE}/api", meta={"source": name, "api_page": 0}))
        taken[name] = [o.url for o in spider.parse_doj_api(response) if isinstance(o, Page)]
    assert len(taken["capped"]) == 1 and len(taken["all"]) == 2
    assert set(taken["capped"]) | set(taken["all"]) == {
        release["url"].replace("://justice.gov", "://www.justice.gov") for release in releases}


def test_a_feed_only_entry_is_stored_at_its_link_as_a_request_would_spell_it():
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            b'<item><title>Caf\xc3\xa9 raid</title><link>/news/caf\xc3\xa9 raid.html#top</link>'
            b'<description>Agents searched a caf\xc3\xa9.</description></item>'
            b'<item><title>Again</title><link>/news/caf\xc3\xa9 raid.html</link></item>'
            b'<item><title>No link</title></item></channel></rss>')
    spider = make_spider([source("feed", feed_only=True)])
    response = fixture_response("feed.rss", body=body,
                                meta={"source": "src", "kind": "feed", "page": 1})
    outputs = list(spider.parse_source(response))
    [page] = [o for o in outputs if isinstance(o, Page)]
    assert page.url == Request(f"{BASE}/news/café raid.html").url == f"{BASE}/news/caf%C3%A9%20raid.html"
    assert (page.prepared["url"], page.prepared["text"]) == (page.url, "Agents searched a café.")
    assert [p.kind for p in problems(outputs)] == ["bad_entry"]  # the entry without a link
