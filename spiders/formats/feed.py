"""Feeds: RSS 0.9x/1.0/2.0 and Atom (through feedparser) and JSON Feed; broken feeds tolerated."""

from __future__ import annotations

import html
import io
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import feedparser


logger = logging.getLogger(__name__)

@dataclass
class FeedEntry:
    link: str | None
    title: str | None = None
    published: str | None = None
    summary: str | None = None


@dataclass
class ParsedFeed:
    entries: list[FeedEntry]
    title: str | None = None
    problem: str | None = None   # why the feed is unreadable; entries may still be partial


def looks_like_feed(body: bytes, content_type: str = "") -> bool:
    """RSS, Atom, RDF or JSON Feed, judged from the first bytes (content types often lie)."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{"):
        return b"jsonfeed.org" in head
    return any(marker in head for marker in (b"<rss", b"<feed", b"<rdf:rdf", b"<rdf"))


def parse_feed(body: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """Entries of a feed. Never raises: an unreadable feed gives no entries and a problem."""
    if body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return _parse_json_feed(body)
    try:
        # BytesIO: feedparser fetches URLs and reads files when handed a string.
        parsed = feedparser.parse(io.BytesIO(body), response_headers={
            "content-location": url, "content-type": content_type or "application/xml"})
    except Exception as exc:  # feedparser is robust, but a parser bug must not end the crawl
        return ParsedFeed([], problem=f"feed parser failed: {exc.__class__.__name__}: {exc}")
    entries = [_entry(e) for e in parsed.entries] or _salvage_entries(body)
    title = parsed.feed.get("title") if parsed.get("feed") else None
    problem = None
    if not entries:
        reason = parsed.get("bozo_exception")
        problem = f"no entries ({reason})" if reason else "no entries"
        if not parsed.get("version") and not parsed.get("feed"):
            problem = f"not a feed ({reason})" if reason else "not a feed"
    elif parsed.get("bozo"):
        logger.debug("tolerating malformed feed %s: %s", url, parsed.get("bozo_exception"))
    return ParsedFeed(entries, title=title, problem=problem)


# Last resort for feeds too broken for feedparser (bad declarations, stray prefixes): item
# blocks and their first link, found by pattern. Bounded patterns keep this linear.
ITEM_BLOCK = re.compile(rb"<(?:[\w-]+:)?(item|entry)\b[^>]{0,500}>(.{0,20000}?)</(?:[\w-]+:)?\1\s*>",
                        re.DOTALL | re.IGNORECASE)
ITEM_LINK = re.compile(rb"<(?:[\w-]+:)?link\b[^>]{0,500}?(?:href\s*=\s*[\"']([^\"'<>]{1,2000})[\"'][^>]{0,500}>"
                       rb"|>\s*(https?://[^<\s]{1,2000})\s*<)", re.IGNORECASE)
ITEM_TITLE = re.compile(rb"<(?:[\w-]+:)?title\b[^>]{0,500}>([^<]{1,1000})<", re.IGNORECASE)


def _salvage_entries(body: bytes) -> list[FeedEntry]:
    entries = []
    for match in ITEM_BLOCK.finditer(body):
        block = match.group(2)
        link = ITEM_LINK.search(block)
        title = ITEM_TITLE.search(block)
        if link:
            href = (link.group(1) or link.group(2)).decode("utf-8", "replace")
            entries.append(FeedEntry(link=html.unescape(href.strip()), title=html.unescape(
                title.group(1).decode("utf-8", "replace")).strip() if title else None))
    return entries


def _entry(entry: dict) -> FeedEntry:
    link = entry.get("link")
    if not link:
        for candidate in entry.get("links", []):
            if candidate.get("href") and candidate.get("rel", "alternate") == "alternate":
                link = candidate["href"]
                break
    if not link and entry.get("id", "").startswith(("http://", "https://")):
        link = entry["id"]
    return FeedEntry(link=link, title=_text(entry.get("title")),
                     published=_iso(entry.get("published_parsed") or entry.get("updated_parsed")),
                     summary=_text(entry.get("summary")))


def _parse_json_feed(body: bytes) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8-sig", errors="replace"))
    except ValueError as exc:
        return ParsedFeed([], problem=f"invalid JSON Feed: {exc}")
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return ParsedFeed([], problem="invalid JSON Feed: no 'items' list")
    entries = []
    for item in data["items"]:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        if not isinstance(link, str):
            link = item.get("id") if str(item.get("id", "")).startswith("http") else None
        entries.append(FeedEntry(link=link, title=_text(item.get("title")),
                                 published=_iso_text(item.get("date_published")),
                                 summary=_text(item.get("summary"))))
    problem = None if entries else "no entries"
    return ParsedFeed(entries, title=_text(data.get("title")), problem=problem)


def _text(value: object) -> str | None:
    return value.strip()[:2000] or None if isinstance(value, str) else None


# A feed's date is only a hint for an undated page; one outside these years is a feed's bug
# (or a trick to sort first forever), not a publication date.
FIRST_PLAUSIBLE_YEAR = 1990


def _plausible(moment: datetime) -> bool:
    return FIRST_PLAUSIBLE_YEAR <= moment.year <= datetime.now(timezone.utc).year + 1


def _iso(parsed: time.struct_time | None) -> str | None:
    if not parsed:
        return None
    try:
        moment = datetime(*parsed[:6], tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None
    return moment.isoformat() if _plausible(moment) else None


def _iso_text(value: object) -> str | None:
    """A JSON Feed date (RFC 3339) as ISO 8601, or None when it is not a plausible date."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat() if _plausible(moment) else None
