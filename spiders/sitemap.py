"""Sitemaps, sitemap indexes and news sitemaps. The parsing lives in spiders/formats/sitemap.py."""

from __future__ import annotations

from spiders.base import SourceSpider


class SitemapSpider(SourceSpider):
    """`scrapy crawl sitemap -a url=https://example.org/news-sitemap.xml`"""

    name = "sitemap"
    default_kind = "sitemap"
