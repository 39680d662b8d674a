"""Sources of kind `doj_api` (justice.gov's News API) on their own: `scrapy crawl doj_api`. The
paging lives in spiders/doj_api_paging.py (mixed into every SourceSpider), the parsing in
spiders/formats/doj_api.py."""

from __future__ import annotations

from spiders.base import SourceSpider


class DojApiSpider(SourceSpider):
    """`scrapy crawl doj_api -a url=https://www.justice.gov/api/v1/press_releases.json`"""

    name = "doj_api"
    default_kind = "doj_api"
