"""Sitemaps: urlsets, sitemap indexes and Google News sitemaps (gzipped or not)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import lxml.etree


logger = logging.getLogger(__name__)


@dataclass
class SitemapEntry:
    loc: str
    lastmod: str | None = None
    title: str | None = None        # news:title
    published: str | None = None    # news:publication_date


@dataclass
class ParsedSitemap:
    type: str                       # "urlset", "sitemapindex" or "" when unreadable
    entries: list[SitemapEntry]
    problem: str | None = None


def looks_like_sitemap(body: bytes) -> bool:
    head = body[:2048].lower()
    return b"<urlset" in head or b"<sitemapindex" in head


def parse_sitemap(body: bytes) -> ParsedSitemap:
    """Entries of a sitemap or sitemap index. Never raises; entities are never resolved."""
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True,
                                  remove_comments=True, huge_tree=False)
    try:
        root = lxml.etree.fromstring(body, parser=parser)
    except (lxml.etree.XMLSyntaxError, ValueError) as exc:
        return ParsedSitemap("", [], problem=f"unreadable XML: {exc}")
    if root is None:
        return ParsedSitemap("", [], problem="unreadable XML: empty document")
    kind = lxml.etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        return ParsedSitemap("", [], problem=f"not a sitemap (root element <{kind}>)")
    entries = []
    for element in root:
        if not isinstance(element.tag, str) or lxml.etree.QName(element).localname not in ("url", "sitemap"):
            continue
        fields = {}
        for child in element.iter():
            if isinstance(child.tag, str):
                name = lxml.etree.QName(child).localname
                if name not in fields and child.text and child.text.strip():
                    fields[name] = child.text.strip()
        if fields.get("loc"):
            entries.append(SitemapEntry(loc=fields["loc"], lastmod=fields.get("lastmod"),
                                        title=fields.get("title"),
                                        published=fields.get("publication_date")))
    return ParsedSitemap(kind, entries, problem=None if entries else "no entries")
