"""What spiders hand to the pipelines: fetched pages and crawl problems, and the error kinds."""

from __future__ import annotations

from dataclasses import dataclass, field

# What a run counts for each source: the crawl's summary, the run_sources columns and the Scrapy
# stats `monitor/<counter>/<source>` (pages is counted per response).
COUNTERS = ("pages", "new", "updated", "duplicate", "unchanged", "known", "not_modified",
            "gone", "skipped", "errors")
# The counters that show a source answered with something usable: a source with errors and none
# of these failed.
PRODUCED = ("new", "updated", "duplicate", "unchanged", "known", "skipped", "not_modified")

# Every kind of problem recorded in the `errors` table. The README's table is checked against it.
ERROR_KINDS: dict[str, str] = {
    "http_error": "the server answered 4xx or 5xx (after retries for 5xx and 429)",
    "timeout": "no complete answer within the download timeout",
    "connection": "DNS failure, refused or dropped connection, truncated or invalid HTTP response",
    "too_large": "the body was larger than MONITOR_MAX_PAGE_BYTES (after decompression)",
    "robots": "robots.txt forbids the URL",
    "redirect": "a redirect loop or too many redirects",
    "private_address": "a link or redirect to a private, loopback or link-local address on a host "
                       "other than the source's own (MONITOR_DENY_PRIVATE_HOSTS)",
    "limit": "a trap was cut short: the source used its request budget "
             "(MONITOR_MAX_REQUESTS_PER_SOURCE) or nested sitemap indexes too deep",
    "blocked": "the site answered with a bot challenge (Akamai, Cloudflare, PerimeterX, "
               "Incapsula) instead of the page: recorded, never stored, never followed",
    "rate_limited": "the host answered 429 (or 503 with Retry-After): not retried when it asks "
                    "for more than a minute; the host is left alone for the rest of the run",
    "bad_api": "an API answer that is not the expected JSON (doj_api)",
    "bad_feed": "a feed that could not be parsed or has no entries",
    "bad_sitemap": "a sitemap that could not be parsed",
    "bad_entry": "a feed or sitemap entry without a usable link",
    "unsafe_url": "a link to a scheme other than http(s) (file:, data:, ftp:, javascript:, mailto:)",
    "unsupported_content": "a response that is neither HTML, a feed, a sitemap nor a PDF",
    "no_links": "a listing page where no article link was found",
    "busy": "(a skip) another run was crawling this source at the same time",
    "extract_error": "the extractor failed on a page (a bug or a broken PDF)",
    "node_error": "a Scrapyd node could not run the job, lost it, or its crawl did not finish",
    "not_article": "(a skip) the page has no article text: a front page, a listing, a form",
    "not_relevant": "(a skip) not about an enforcement operation, on a source set to relevant_only",
    "spider_error": "an unexpected exception in a spider callback (a bug: please report it)",
    "pipeline_error": "an unexpected exception while extracting or storing a page (a bug, or a full disk)",
    "download_error": "any other download failure",
}


@dataclass
class Page:
    """A fetched article page (HTML or PDF), before extraction."""

    source: str
    url: str                     # the URL that answered (after redirects)
    body: bytes
    requested_url: str = ""      # the link as discovered (before redirects)
    status: int = 200
    content_type: str = ""
    agency: str | None = None
    item_kind: str | None = None
    via: str | None = None       # the feed, sitemap or listing page that linked to it
    hint: dict = field(default_factory=dict)  # title / published / summary seen in the feed
    recheck_of: str | None = None  # the stored item this fetch re-checks
    relevance_mode: str = "mark"   # the source's choice: mark | keep_all | relevant_only
    # An article already made from the source's own fields (an API record, a feed-only entry):
    # stored without extraction; `body` is then empty.
    prepared: dict | None = None
    content: str | None = None     # the source's CSS selector of the article's part of the page


@dataclass
class CrawlProblem:
    """Something that went wrong (or was skipped) for one URL of one source."""

    source: str | None
    url: str | None
    kind: str
    message: str
    severity: str = "error"      # "error" or "skip"

    def __post_init__(self) -> None:
        if self.kind not in ERROR_KINDS:
            raise ValueError(f"unknown error kind {self.kind!r}")


@dataclass
class ArticleItem:
    """A page with its extracted article (a dict of `monitor.extract.Article` fields)."""

    page: Page
    article: dict
    intel: dict | None = None    # relevance, facts and near-duplicate signature
    outcome: str | None = None   # set by the store: new, updated, duplicate, unchanged
    item_id: str | None = None


@dataclass
class ItemGone:
    """A stored item whose URL now answers 404 or 410."""

    source: str
    item_id: str
    url: str
    status: int
