"""Build spiders and responses for parse-level tests, the way Scrapy would."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request, XmlResponse
from scrapy.utils.test import get_crawler

from monitor.config import Source
from spiders.base import SourceSpider
from tests.fixture_server import SAMPLE_SITE, site_file

SITE = SAMPLE_SITE  # the pages a parse test reads; site_file() also finds the test-only extras
BASE = "http://127.0.0.1:8000"


def make_spider(sources: list[Source], settings: dict | None = None, cls=SourceSpider):
    crawler = get_crawler(cls, settings or {})
    crawler.spider = cls.from_crawler(crawler, sources=sources)
    return crawler.spider


def fixture_response(path: str, *, meta: dict, base: str = BASE, body: bytes | None = None):
    """A response for a file of the fixture site, with {{base}} substituted as the server does."""
    url = f"{base}/{path}"
    if body is None:
        body = site_file(path).read_bytes().replace(b"{{base}}", base.encode())
    cls = XmlResponse if path.endswith((".xml", ".atom", ".rss")) else HtmlResponse
    headers = {"Content-Type": "text/html; charset=utf-8"} if cls is HtmlResponse else {}
    return cls(url, body=body, headers=headers, request=Request(url, meta=meta))
