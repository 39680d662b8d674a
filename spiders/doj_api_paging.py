"""Sources of kind `doj_api`: justice.gov's News API (press releases of DOJ and the U.S.
Attorneys' offices), mixed into `spiders.base.SourceSpider`. The JSON parsing lives in
spiders/formats/doj_api.py.

Each release is stored from the API's own fields; the release's HTML page is never fetched
(justice.gov answers automated clients there with a bot challenge). Pages are asked for newest
first, at most `pages` a run and at most four requests a second (the API's documented limit);
paging stops after a page holding a release this source stored in an earlier run
(`monitor.crawling.middlewares.KnownEntryFilter`), so an unchanged re-run reads page 0 only."""

from __future__ import annotations

import scrapy
from scrapy.http import Response

from monitor.config import Source
from monitor.items import CrawlProblem, Page
from spiders.formats.doj_api import agency_of, keep, page_url, parse_page

# "More than 4 requests per second will experience degraded performance and may be blocked."
API_MIN_DELAY = 0.25


class DojApi:
    """The doj_api part of SourceSpider (it provides `sources`, `crawler`, `on_error`,
    `note_detected`, `claim` and `check_only`)."""

    def doj_api_request(self, source: Source, page: int) -> scrapy.Request:
        """Page `page` (0-based) of the API for this source."""
        return scrapy.Request(page_url(source.url, page), callback=self.parse_doj_api,
                              errback=self.on_error, dont_filter=True,
                              meta={"source": source.name, "role": "source", "kind": "doj_api",
                                    "page": page + 1, "api_page": page,
                                    "min_delay": API_MIN_DELAY,
                                    "handle_httpstatus_list": [304]})

    def parse_doj_api(self, response: Response):
        source = self.sources[response.meta["source"]]
        page = response.meta["api_page"]
        if response.status == 304:
            self.crawler.stats.inc_value(f"monitor/not_modified/{source.name}")
            return
        if page == 0:
            self.note_detected(source, "doj_api")
        parsed = parse_page(response.body)
        if parsed.problem:
            yield CrawlProblem(source.name, response.url, "bad_api", parsed.problem)
            return
        self.crawler.stats.inc_value(f"monitor/links/{source.name}", len(parsed.releases))
        for why in parsed.skipped[:10]:
            yield CrawlProblem(source.name, response.url, "bad_entry", why)
        for release in parsed.releases:
            if not keep(release, source.components) or not self.claim(source, release.url):
                continue
            yield Page(source=source.name, url=release.url, body=b"", requested_url=release.url,
                       content_type="application/json", agency=source.agency or agency_of(release),
                       item_kind=source.item_kind, via=response.url,
                       relevance_mode=source.relevance, prepared=release.article())
        size = parsed.pagesize or len(parsed.releases)
        more = parsed.count is None or (page + 1) * max(size, 1) < parsed.count
        if parsed.releases and more and page + 1 < source.pages and not self.check_only:
            # KnownEntryFilter drops this request when the page above held a known release
            yield self.doj_api_request(source, page + 1)
