"""Feeds: RSS 0.9x/1.0/2.0, Atom and JSON Feed. The parsing lives in spiders/formats/feed.py."""

from __future__ import annotations

from spiders.base import SourceSpider


class FeedSpider(SourceSpider):
    """`scrapy crawl feed -a url=https://www.fbi.gov/feeds/boston-news/rss.xml`"""

    name = "feed"
    default_kind = "feed"
