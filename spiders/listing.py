"""Paginated listing pages of article links. The parsing lives in spiders/formats/listing.py."""

from __future__ import annotations

from spiders.base import SourceSpider


class ListingSpider(SourceSpider):
    """`scrapy crawl listing -a url=https://www.ice.gov/newsroom -a follow=/news/releases/`"""

    name = "listing"
    default_kind = "listing"
