"""Listing pages: article links (narrowed by a `follow` pattern or by URL shape), pagination
up to the source's `pages` limit, and the feeds a page advertises (for auto-detection)."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qsl, urljoin, urlsplit

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


# Pagers that mark their "next" link by class: Drupal's and the U.S. Web Design System's.
NEXT_SELECTORS = "li.pager__item--next a::attr(href), a.usa-pagination__next-page::attr(href)"
# Elements that hold one entry of a listing, around its link (and its date).
ROW_TAGS = {"li", "tr", "article", "dd"}
ROW_CLASSES = re.compile(r"\b(views-row|usa-collection__item|teaser|card|news-item|row)\b")


def next_page(response: HtmlResponse) -> str | None:
    """The next page of a paginated listing, if the page says which it is: rel=next, a Drupal
    or USWDS pager's next link, a "Next" link, else a link to this page with ?page=N+1."""
    candidates = response.css("a[rel~=next]::attr(href), link[rel~=next]::attr(href)").getall()
    candidates += response.css(NEXT_SELECTORS).getall()
    if not candidates:
        for anchor in response.css("a[href]"):
            text = " ".join(anchor.css("::text").getall()).strip().lower()
            label = (anchor.attrib.get("aria-label") or "").strip().lower()
            if text in NEXT_TEXTS or label in NEXT_TEXTS or label.startswith("next"):
                candidates.append(anchor.attrib["href"])
    if not candidates:
        candidates = [href for href in response.css("a[href*='page=']::attr(href)").getall()
                      if _is_following_page(response.url, response.urljoin(href.strip()))]
    for href in candidates:
        url = response.urljoin(href.strip())
        if urlsplit(url).scheme in ("http", "https") and url != response.url:
            return url
    return None


def _page_number(url: str) -> int | None:
    values = [v for k, v in parse_qsl(urlsplit(url).query) if k == "page"]
    return int(values[0]) if values and values[0].isdigit() else None


def _is_following_page(current: str, candidate: str) -> bool:
    """Same path and other parameters, and ?page= one more (Drupal counts from 0, its first
    page having no ?page)."""
    here, there = urlsplit(current), urlsplit(candidate)
    if (here.netloc, here.path) != (there.netloc, there.path):
        return False
    rest = lambda url: sorted((k, v) for k, v in parse_qsl(urlsplit(url).query) if k != "page")  # noqa: E731
    number = _page_number(candidate)
    return rest(current) == rest(candidate) and number is not None \
        and number == (_page_number(current) or 0) + 1


def link_dates(response: HtmlResponse, links: list[str]) -> dict[str, str]:
    """The date shown beside each article link in its listing row (a <time datetime>), by
    link. A date that every row shows alike is a placeholder of the template (CBP's rows all
    say 2020-09-30) and is left out, as are rows without one."""
    wanted = set(links)
    found: dict[str, str] = {}
    for anchor in response.css("a[href]"):
        url = urljoin(response.url, anchor.attrib["href"].strip()).split("#", 1)[0]
        if url not in wanted or url in found:
            continue
        row = _row_of(anchor)
        if row is None:
            continue
        stamp = row.css("time::attr(datetime)").get()
        date = _iso(stamp)
        if date:
            found[url] = date
    if len(found) >= 2 and len({d[:10] for d in found.values()}) == 1:
        return {}
    return found


def _row_of(anchor):
    """The nearest ancestor that is one listing entry, if it holds only this entry."""
    node = anchor
    for _ in range(5):
        parents = node.xpath("..")
        if not parents:
            return None
        node = parents[0]
        tag = node.root.tag if isinstance(node.root.tag, str) else ""
        if tag in ("ul", "ol", "table", "tbody", "body", "main"):
            return None
        if tag in ROW_TAGS or ROW_CLASSES.search(node.attrib.get("class", "")):
            return node
    return None


def _iso(value: str | None) -> str | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.isoformat() if "T" in value else parsed.date().isoformat()


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
