"""Listing pages: article links (narrowed by a `follow` pattern or by URL shape), pagination
up to the source's `pages` limit, and the feeds a page advertises (for auto-detection)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from scrapy.http import HtmlResponse


FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/rdf+xml", "application/json")
NEXT_TEXTS = {"next", "next page", "next ›", "next »", "›", "»", "older", "older posts",
              "older entries", "more", "load more"}
# Paths that are sections, not stories.
NOT_ARTICLE_PATH = re.compile(
    r"/(tag|tags|topic|topics|category|categories|author|authors|page|search|login|logout|"
    r"register|subscribe|about|contact|privacy|terms|careers|jobs|feed|rss|sitemap)(/|$|\.|\?)",
    re.IGNORECASE)
SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+){2,}", re.IGNORECASE)
DATE_IN_PATH = re.compile(r"/(19|20)\d\d/\d{1,2}/")


def feed_links(response: HtmlResponse) -> list[str]:
    """The feeds a page advertises with <link rel="alternate" type="...rss+xml">, in order."""
    links = []
    for link in response.css("link[rel~=alternate][href]"):
        kind = (link.attrib.get("type") or "").split(";")[0].strip().lower()
        if kind in FEED_TYPES:
            url = response.urljoin(link.attrib["href"])
            if url not in links and urlsplit(url).scheme in ("http", "https"):
                links.append(url)
    return links


def next_page(response: HtmlResponse) -> str | None:
    """The next page of a paginated listing, if the page says which it is."""
    candidates = response.css("a[rel~=next]::attr(href), link[rel~=next]::attr(href)").getall()
    if not candidates:
        for anchor in response.css("a[href]"):
            text = " ".join(anchor.css("::text").getall()).strip().lower()
            label = (anchor.attrib.get("aria-label") or "").strip().lower()
            if text in NEXT_TEXTS or label in NEXT_TEXTS or label.startswith("next"):
                candidates.append(anchor.attrib["href"])
    for href in candidates:
        url = response.urljoin(href.strip())
        if urlsplit(url).scheme in ("http", "https") and url != response.url:
            return url
    return None


def looks_like_article_url(url: str, listing_url: str) -> bool:
    """A guess from the URL alone, used when the source has no `follow` pattern: a slug of
    three or more words or a date in the path, and not a section, tag or utility page."""
    path = urlsplit(url).path
    if not path or path in ("/", urlsplit(listing_url).path) or NOT_ARTICLE_PATH.search(path):
        return False
    last = path.rstrip("/").rsplit("/", 1)[-1]
    last = re.sub(r"\.(s?html?|php|aspx?|pdf)$", "", last, flags=re.IGNORECASE)
    return bool(SLUG.fullmatch(last) or DATE_IN_PATH.search(path) or path.lower().endswith(".pdf"))


def article_links(response: HtmlResponse, follow: str | None = None,
                  allow_offsite: bool = False, exclude: set[str] | None = None) -> list[str]:
    """Links to articles on a listing page, in page order, without duplicates."""
    pattern = re.compile(follow) if follow else None
    host = urlsplit(response.url).hostname
    exclude = exclude or set()
    found: list[str] = []
    for href in response.css("a[href]::attr(href)").getall():
        url = urljoin(response.url, href.strip()).split("#", 1)[0]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or url in exclude or url in found:
            continue
        if not allow_offsite and parts.hostname != host:
            continue
        if pattern.search(url) if pattern else looks_like_article_url(url, response.url):
            found.append(url)
    return found
