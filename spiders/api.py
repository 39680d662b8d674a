"""JSON API sources: justice.gov's News API. The paging and parsing live in spiders/doj_api.py
and spiders/formats/doj_api.py."""

from __future__ import annotations

from spiders.base import SourceSpider


class DojApiSpider(SourceSpider):
    """`scrapy crawl doj_api -a url=https://www.justice.gov/api/v1/press_releases.json`"""

    name = "doj_api"
    default_kind = "doj_api"
