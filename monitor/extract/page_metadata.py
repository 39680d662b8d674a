"""What a page says about itself: explicit metadata (meta tags, JSON-LD, microdata, <time>,
canonical links) read by monitor and trafilatura's metadata readers. This is the one module that
touches trafilatura internals (trafilatura.metadata, .settings):
trafilatura is pinned below 2.4 for them."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from copy import deepcopy
from datetime import date, datetime
from functools import cached_property
from urllib.parse import urljoin, urlsplit

from dateutil import parser as date_parser
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import (META_URL, examine_meta, extract_author, extract_meta_json,
                                  extract_sitename, extract_title, extract_url, set_date_params)
from trafilatura.settings import Document

from monitor.extract.decode import clean, norm

logger = logging.getLogger(__name__)


def trafilatura_metadata(tree: HtmlElement, url: str | None, *, with_date: bool) -> Document:
    """The fields of trafilatura's metadata monitor uses (title, author, site name, description),
    and htmldate's date only when asked: it costs as much as the rest together, and most pages
    give their date in explicit markup, which `PageMetadata` reads first."""
    found = examine_meta(tree)
    if found.author and " " not in found.author:
        found.author = None  # a single word is a handle or a site, not a byline
    try:
        found = extract_meta_json(tree, found)
    except Exception as exc:  # noqa: BLE001 -- trafilatura's JSON-LD reader raises on odd shapes
        logger.debug("JSON-LD metadata ignored: %s", exc)
    found.title = found.title or extract_title(tree)
    found.author = found.author or extract_author(tree)  # works on its own copy
    found.sitename = (found.sitename or extract_sitename(tree) or "").lstrip("@") or None
    if found.sitename and "." not in found.sitename and not found.sitename[0].isupper():
        found.sitename = found.sitename.title()
    if not found.sitename:
        page_url = found.url or extract_url(tree, url)
        match = META_URL.match(page_url or "")
        found.sitename = match[1] if match else None
    if with_date:
        config = set_date_params(True)
        config["url"] = found.url or url
        found.date = find_date(deepcopy(tree), **config)  # htmldate may clean the tree it gets
    found.clean_and_trim()
    return found


_CARD_XPATH = (
    "//body//*[self::li or self::article or self::div or self::section]"
    "[.//*[self::h2 or self::h3 or self::h4 or self::h5 or self::h6]]"
    "[.//a[@href and not(starts-with(@href, '#') or starts-with(@href, 'mailto:') or starts-with(@href, 'tel:'))]]"
    "[not(ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside)]"
)


def teaser_cards(tree: HtmlElement) -> dict[HtmlElement, str]:
    """Teaser cards: the innermost small boxes holding a heading and a link to another page,
    with their normalised text."""
    boxes = {element: norm(element.text_content()) for element in tree.xpath(_CARD_XPATH)}
    small = {element for element, text in boxes.items() if 40 <= len(text) <= 600}
    return {element: boxes[element] for element in small
            if not any(child in small for child in element.iterdescendants())}


_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "og:published_time", "published_time",
    "pubdate", "publishdate", "publish-date", "publish_date", "publication_date", "date.issued",
    "dcterms.issued", "dc.date.issued", "dcterms.created", "dc.date.created", "dcterms.date", "dc.date",
    "sailthru.date", "parsely-pub-date", "date",
)
_MODIFIED_META = (
    "article:modified_time", "og:article:modified_time", "og:updated_time", "modified_time",
    "dcterms.modified", "dc.date.modified", "last-modified", "lastmod",
)
_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
                  "report", "pressrelease", "socialmediaposting", "liveblogposting", "scholarlyarticle"}
_OTHER_PAGE_TYPES = {"aboutpage", "contactpage", "collectionpage", "searchresultspage", "profilepage", "faqpage",
                     "product"}
_UPDATE_HINT = re.compile(r"updat|modif|revis", re.I)
_STATED_DATE = re.compile(r"(?P<label>release date|date released|date of release|published(?: on)?|"
                          r"posted(?: on)?|date)\s*:?\s+(?P<date>(?:[A-Za-z]{3,9},?\s+)?"
                          r"(?:\d{1,2}/\d{1,2}/\d{4}|[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2}))"
                          r"(?:\s*(?:at\s+)?\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?)?\s*$", re.I)


class PageMetadata:
    """Explicit metadata of a parsed page: meta tags, JSON-LD, microdata, <time datetime>, links."""

    def __init__(self, tree: HtmlElement, url: str | None) -> None:
        self.tree = tree
        self.url = url
        self.meta = self._meta_tags()
        self.json_ld = self._json_ld_nodes()
        self.canonical_url = self._canonical()

    def _meta_tags(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for element in self.tree.iter("meta"):
            key = element.get("property") or element.get("name") or element.get("http-equiv")
            value = element.get("content")
            if key and value and value.strip():
                found.setdefault(key.strip().lower(), value.strip())
        return found

    def _json_ld_nodes(self) -> list[dict]:
        nodes: list[dict] = []
        for script in self.tree.iter("script"):
            if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
                continue
            try:
                data = json.loads(script.text, strict=False)
            except (ValueError, RecursionError):
                logger.debug("invalid JSON-LD block ignored")
                continue
            nodes.extend(_walk_json_ld(data))
        # article-like nodes first: a page's WebSite / Organization nodes carry other dates
        return sorted(nodes, key=lambda node: 0 if _json_ld_types(node) & _ARTICLE_TYPES else 1)

    def _canonical(self) -> str | None:
        candidates = [link.get("href") for link in self.tree.iter("link")
                      if "canonical" in (link.get("rel") or "").lower().split()]
        candidates.append(self.meta.get("og:url"))
        for href in candidates:
            if not href or not href.strip():
                continue
            try:
                absolute = urljoin(self.url or "", href.strip())
                parts = urlsplit(absolute)
            except ValueError:  # e.g. a broken IPv6 host
                continue
            if parts.scheme in ("http", "https") and parts.netloc:
                return absolute
        return None

    def declares_article(self) -> bool:
        """og:type article or an article-like JSON-LD node."""
        return self.meta.get("og:type", "").lower() == "article" or any(
            _json_ld_types(node) & _ARTICLE_TYPES for node in self.json_ld)

    def declares_other_type(self) -> bool:
        """Marked up as something else than an article: og:type website, an about / contact / listing page."""
        og_type = self.meta.get("og:type", "").lower()
        page_types = set().union(*(_json_ld_types(node) for node in self.json_ld)) if self.json_ld else set()
        return not self.declares_article() and (
            og_type == "website" or bool(page_types & _OTHER_PAGE_TYPES))

    def published(self) -> tuple[str | None, str | None]:
        return self._date(_PUBLISHED_META, "datePublished", modified=False)

    def modified(self) -> tuple[str | None, str | None]:
        return self._date(_MODIFIED_META, "dateModified", modified=True)

    def _date(self, meta_names: tuple[str, ...], schema_key: str, *, modified: bool) -> tuple[str | None, str | None]:
        for name in meta_names:
            value = iso_date(self.meta.get(name))
            if value:
                return value, f"meta:{name}"
        for node in self.json_ld:
            value = iso_date(_json_ld_text(node.get(schema_key)))
            if value:
                return value, f"json-ld:{schema_key}"
        for element in self.tree.xpath(f"//*[@itemprop='{schema_key}']"):
            value = iso_date(element.get("datetime") or element.get("content") or element.text_content())
            if value:
                return value, f"microdata:{schema_key}"
        for element in self._time_elements():
            hint = " ".join(filter(None, (element.get("class"), element.get("itemprop"),
                                          (element.getparent().text if element.getparent() is not None else None))))
            if bool(_UPDATE_HINT.search(hint)) != modified:
                continue
            value = iso_date(element.get("datetime"))
            if value:
                return value, "time[datetime]"
        return None, None

    def stated_published(self) -> tuple[str | None, str | None]:
        """A date the page states only in its text, on a labelled line of its own ("Release Date:
        Fri, 08/07/2026", "Published May 31, 2025"), read month first as US newsrooms write it
        (htmldate reads "06/05/2023" as 6 May). Lines in navigation, footers, asides and teaser
        cards date other pages."""
        scopes = self.tree.xpath("//article | //main | //*[@role='main']") or [self.tree]
        for scope in scopes:
            for element in scope.iter("p", "div", "span", "li", "time", "small", "strong", "em", "dd"):
                text = norm(element.text_content())
                if len(text) > 60 or not (match := _STATED_DATE.match(text)):
                    continue
                if element.xpath("ancestor::nav | ancestor::footer | ancestor::aside") or any(
                        ancestor in self.cards for ancestor in element.iterancestors()):
                    continue
                value = iso_date(match["date"])
                if value:
                    return value, "text:" + match["label"].lower().split()[0]
        return None, None

    @cached_property
    def cards(self) -> dict[HtmlElement, str]:
        return teaser_cards(self.tree)

    def _time_elements(self) -> Iterator[HtmlElement]:
        # a date in a teaser card dates the teaser, not the page
        scopes = self.tree.xpath("//article | //main | //*[@role='main']") or [self.tree]
        for scope in scopes:
            for element in scope.iter("time"):
                if (element.get("datetime") and not element.xpath("ancestor::nav | ancestor::footer | ancestor::aside")
                        and not any(ancestor in self.cards for ancestor in element.iterancestors())):
                    yield element

    def site_name(self) -> str | None:
        name = self.meta.get("og:site_name") or self.meta.get("application-name")
        if not name:
            for node in self.json_ld:
                publisher = node.get("publisher")
                if isinstance(publisher, list) and publisher:
                    publisher = publisher[0]
                if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
                    name = publisher["name"]
                    break
        return clean(name)

    def description(self) -> str | None:
        return clean(self.meta.get("description") or self.meta.get("og:description"))

    def language(self) -> str | None:
        for value in (self.tree.get("lang"), self.tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
                      self.meta.get("content-language"), self.meta.get("og:locale"), self.meta.get("language"),
                      *(_json_ld_text(node.get("inLanguage")) for node in self.json_ld)):
            code = language_code(value)
            if code:
                return code
        return None


def _walk_json_ld(data: object, depth: int = 0) -> Iterator[dict]:
    if depth > 8:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk_json_ld(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if isinstance(data.get(key), (list, dict)):
                yield from _walk_json_ld(data[key], depth + 1)


def _json_ld_types(node: dict) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _json_ld_text(value: object) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    return value if isinstance(value, str) else None


def language_code(value: str | None) -> str | None:
    """'en-US', 'en_US', 'EN' -> 'en'; anything that is not a language tag -> None."""
    if not value:
        return None
    match = re.match(r"^\s*([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]{1,8})*\s*$", value)
    return match.group(1).lower() if match else None


_FAR_PAST = datetime(1, 1, 1, 0, 0, 0)
# zone abbreviations common on US newsrooms; any other name (IST is three zones) stays naive
_ZONE_OFFSETS = {"UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
                 "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10}


def _zone(name: str | None, offset: int | None) -> int | None:
    """dateutil tzinfos hook: seconds east of UTC, or None to leave the time naive (no warning)."""
    if offset is not None:
        return offset
    hours = _ZONE_OFFSETS.get((name or "").upper())
    return None if hours is None else hours * 3600

_OTHER_PAST = datetime(2, 2, 2, 1, 1, 1)


def iso_date(value: str | None) -> str | None:
    """A date or datetime string -> ISO 8601 (date only when no time was given); junk -> None."""
    if not value or not re.search(r"\d", value):
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value)
        has_time = "T" in value or " " in value or len(value) > 10
    except ValueError:
        try:
            parsed = date_parser.parse(value, default=_FAR_PAST, tzinfos=_zone)
            other = date_parser.parse(value, default=_OTHER_PAST, tzinfos=_zone)
        except (ValueError, OverflowError):
            return None
        if (parsed.year, parsed.month, parsed.day) != (other.year, other.month, other.day):
            return None  # only part of a date ("2019", "November 2019")
        has_time = (parsed.hour, parsed.minute) == (other.hour, other.minute)
    if not 1990 <= parsed.year <= date.today().year + 1:
        return None
    return parsed.isoformat() if has_time else parsed.date().isoformat()
