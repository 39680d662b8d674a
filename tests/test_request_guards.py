"""The guards against a hostile web, one behaviour at a time (no network): private addresses of
other hosts refused, a request budget per source, traps cut short, failures named plainly."""

from __future__ import annotations

import asyncio
import gzip

import pytest
from scrapy.http import HtmlResponse, Request, Response, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionDone
from twisted.python.failure import Failure
from twisted.web._newclient import ParseError, ResponseNeverReceived

from monitor.config import Source
from monitor.items import CrawlProblem
from monitor.crawling.middlewares import (PrivateAddressFilter, RequestBudget, is_public_address, origin,
                                 same_site)
from spiders.base import (MAX_ADVERTISED_FEEDS, OverBudget, PrivateAddressRefused, SourceSpider,
                          classify_failure)
from spiders.formats.feed import parse_feed
from tests.spider_harness import make_spider


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "10.1.2.3", "172.16.0.1",
                                     "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                                     "224.0.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1",
                                     "::", "not an address"])
def test_private_loopback_and_special_addresses_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_global_addresses_are_public(address):
    assert is_public_address(address)


def test_own_site_is_host_and_port_or_a_move_between_web_ports():
    own = origin("http://intranet.local/news")
    assert same_site(origin("https://intranet.local/a"), own)
    assert not same_site(origin("http://intranet.local:8080/admin"), own)
    assert same_site(origin("http://127.0.0.1:8000/x"), origin("http://127.0.0.1:8000/feed"))
    assert not same_site(origin("http://127.0.0.1:9000/x"), origin("http://127.0.0.1:8000/feed"))
    assert origin("http://example.org:99999/") == ("", None)


def guard(settings=None):
    crawler = get_crawler(SourceSpider, {"MONITOR_DENY_PRIVATE_HOSTS": True, **(settings or {})})
    crawler.spider = SourceSpider.from_crawler(crawler, sources=[
        Source(name="local", url="http://127.0.0.1:8000/feed.xml"),
        Source(name="public", url="http://93.184.216.34/feed.xml")])
    return PrivateAddressFilter.from_crawler(crawler)


def check(middleware, url, source):
    return asyncio.run(middleware.process_request(Request(url, meta={"source": source})))


def test_a_source_may_fetch_its_own_private_host():
    assert check(guard(), "http://127.0.0.1:8000/story.html", "local") is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000/admin", "http://127.0.0.2:8000/story",
                                 "http://169.254.169.254/latest/meta-data/", "http://[::1]:8000/",
                                 "http://0.0.0.0:8000/"])
def test_other_private_hosts_are_refused_even_for_a_private_source(url):
    with pytest.raises(PrivateAddressRefused, match="private or loopback address"):
        check(guard(), url, "local")


def test_a_public_source_cannot_reach_a_private_address():
    with pytest.raises(PrivateAddressRefused):
        check(guard(), "http://127.0.0.1:8000/story.html", "public")
    assert check(guard(), "http://8.8.8.8/story.html", "public") is None


def test_the_private_address_guard_can_be_switched_off():
    from scrapy.exceptions import NotConfigured
    with pytest.raises(NotConfigured):
        guard({"MONITOR_DENY_PRIVATE_HOSTS": False})


def test_request_budget_counts_per_source_and_refuses_beyond_it():
    crawler = get_crawler(SourceSpider, {"MONITOR_MAX_REQUESTS_PER_SOURCE": 3})
    budget = RequestBudget.from_crawler(crawler)
    for _ in range(3):
        budget.process_request(Request("http://a.org/x", meta={"source": "a"}))
    budget.process_request(Request("http://a.org/x", meta={"source": "b"}))
    budget.process_request(Request("http://a.org/robots.txt"))  # no source: not counted
    with pytest.raises(OverBudget, match="MONITOR_MAX_REQUESTS_PER_SOURCE"):
        budget.process_request(Request("http://a.org/y", meta={"source": "a"}))


def failure_of(exc, request):
    failure = Failure(exc)
    failure.request = request
    return failure


def test_a_redirect_to_a_file_url_is_unsafe_not_an_http_error():
    request = Request("http://a.org/r")
    response = Response("http://a.org/r", status=302, headers={"Location": "file:///etc/passwd"},
                        request=request)
    assert classify_failure(failure_of(HttpError(response), request)) == \
        ("unsafe_url", "redirect to a file: URL refused (file:///etc/passwd)")


def test_a_redirect_loop_is_named_with_its_urls():
    from scrapy.exceptions import IgnoreRequest
    request = Request("http://a.org/a", meta={"redirect_urls": ["http://a.org/a", "http://a.org/b"]})
    kind, message = classify_failure(failure_of(IgnoreRequest("max redirections reached"), request))
    assert kind == "redirect"
    assert message == "redirect loop: http://a.org/a -> http://a.org/b -> http://a.org/a"


@pytest.mark.parametrize("reason, says", [
    (ConnectionDone("closed"), "the server closed the connection before a complete response"),
    (ParseError("non-integer status code", b"HTTP/1.1 2OO OK"), "not a valid HTTP response"),
])
def test_wrapped_connection_failures_read_plainly(reason, says):
    from scrapy.exceptions import DownloadFailedError
    wrapped = DownloadFailedError("[<Failure ...>]")
    wrapped.__cause__ = ResponseNeverReceived([Failure(reason)])
    kind, message = classify_failure(failure_of(wrapped, Request("http://a.org/")))
    assert kind == "connection" and message.startswith(says) and "<" not in message


def test_nested_sitemap_indexes_stop_at_the_depth_limit_with_one_problem():
    spider = make_spider([Source(name="s", url="http://a.org/sitemap.xml")])
    body = (b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<sitemap><loc>http://a.org/s1.xml</loc></sitemap></sitemapindex>")

    def parse(page):
        response = XmlResponse("http://a.org/s.xml", body=body, request=Request(
            "http://a.org/s.xml", meta={"source": "s", "kind": "sitemap", "page": page}))
        return list(spider.parse_source(response))

    assert [type(o).__name__ for o in parse(2)] == ["Request"]
    problems = parse(3) + parse(4)
    assert [(p.kind, p.url) for p in problems] == [("limit", "http://a.org/s.xml")]


def test_only_a_few_advertised_feeds_are_read():
    spider = make_spider([Source(name="s", url="http://a.org/")])
    links = "".join(f'<link rel="alternate" type="application/rss+xml" href="/f{i}.xml">'
                    for i in range(100))
    response = HtmlResponse("http://a.org/", body=f"<html><head>{links}</head></html>".encode(),
                            headers={"Content-Type": "text/html"},
                            request=Request("http://a.org/", meta={"source": "s", "kind": "auto", "page": 1}))
    assert len(list(spider.parse_source(response))) == MAX_ADVERTISED_FEEDS


def test_a_gzip_bomb_sitemap_is_too_large():
    spider = make_spider([Source(name="s", url="http://a.org/s.xml.gz")],
                         settings={"DOWNLOAD_MAXSIZE": 1000})
    response = Response("http://a.org/s.xml.gz", body=gzip.compress(b"<urlset>" + b" " * 100_000),
                        request=Request("http://a.org/s.xml.gz",
                                        meta={"source": "s", "kind": "auto", "page": 1}))
    [problem] = spider.parse_source(response)
    assert isinstance(problem, CrawlProblem) and problem.kind == "too_large"


@pytest.mark.parametrize("date", ["Fri, 31 Dec 9999 23:59:59 GMT", "Sat, 14 Oct 1066 09:00:00 GMT"])
def test_implausible_feed_dates_are_dropped(date):
    body = (f'<rss version="2.0"><channel><title>t</title><item><title>a</title>'
            f"<link>http://a.org/a</link><pubDate>{date}</pubDate></item></channel></rss>").encode()
    [entry] = parse_feed(body, "http://a.org/feed").entries
    assert entry.link == "http://a.org/a" and entry.published is None


def test_json_feed_dates_are_parsed_and_junk_dropped():
    body = (b'{"version": "https://jsonfeed.org/version/1.1", "items": ['
            b'{"url": "http://a.org/1", "date_published": "2024-05-02T10:00:00Z"},'
            b'{"url": "http://a.org/2", "date_published": "<script>"},'
            b'{"url": "http://a.org/3", "date_published": "9999-01-01T00:00:00Z"}]}')
    dates = [e.published for e in parse_feed(body, "http://a.org/feed.json").entries]
    assert dates == ["2024-05-02T10:00:00+00:00", None, None]
