"""Page -> article fields (text, title, dated sources, author, site, language, canonical URL) via trafilatura / pypdf.

A page that is not an article gives ``None``; ``why_not_article()`` (or ``extract_article_with_reason()``) says why."""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import logging
import re
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import asdict, dataclass
from datetime import date, datetime
from functools import cached_property
from urllib.parse import urljoin, urlsplit

import numpy as np
from dateutil import parser as date_parser
from lxml import etree
from lxml.html import HtmlElement
from pypdf import PdfReader
from htmldate import find_date
from trafilatura import bare_extraction, load_html
from trafilatura.deduplication import sample_tokens
from trafilatura.metadata import (META_URL, examine_meta, extract_author, extract_meta_json,
                                  extract_sitename, extract_title, extract_url, set_date_params)
from trafilatura.settings import Document

logger = logging.getLogger(__name__)

# Less main text than this is not an article (trafilatura's own MIN_EXTRACTED_SIZE).
NOT_ARTICLE_MIN_CHARS = 250
# Main text made mostly of link text (menus, teaser lists) is not an article.
NOT_ARTICLE_MAX_LINK_SHARE = 0.5
# A precision-mode result shorter than this share of the balanced result lost the story:
# it latched onto a side block (a reprint notice, a caption), so the balanced result is used.
PRECISION_KEEP_SHARE = 0.3
# The precision pass runs without trafilatura's fallback extractors (readability, jusText), which
# double its cost and change the result on few pages; a result shorter than this is retried with them.
FALLBACK_BELOW_CHARS = 500

NOT_ARTICLE_REASONS = {
    "empty": "empty document",
    "binary": "binary data, not text",
    "not-html": "not an HTML document",
    "no-main-text": "no main text found",
    "too-short": f"main text shorter than {NOT_ARTICLE_MIN_CHARS} characters",
    "mostly-links": "main text is mostly link text (navigation or a listing)",
    "listing": "a list of headlines or teasers (a listing or front page)",
    "undated": "no publication date and marked up as a website, not an article (an about or contact page)",
    "no-prose": "the main text is mostly digits and symbols (a table or a calendar), not prose",
}
NOT_ARTICLE_MIN_LETTER_SHARE = 0.35  # prose is ~75 % letters; an hour grid is under 10 %
MAX_TITLE_CHARS = 500

_PDF_MIN_CHARS = 80


@dataclass(frozen=True)
class Article:
    """One extracted article; dates are ISO 8601, each ``*_from`` says where its date was found."""

    url: str
    title: str | None
    text: str
    published: str | None
    published_from: str | None
    modified: str | None
    modified_from: str | None
    author: str | None
    site: str | None
    language: str | None
    canonical_url: str | None
    description: str | None
    fingerprint: str | None

    def to_dict(self) -> dict:
        return asdict(self)


def extract_article(html: str | bytes, url: str | None = None) -> Article | None:
    """Extract the article of an HTML page (str or bytes in any encoding); ``None`` if it has none."""
    return extract_article_with_reason(html, url)[0]


def why_not_article(html: str | bytes, url: str | None = None) -> str:
    """Why the page gives no article, as ``"<code>: <explanation>"``; ``""`` if it is an article."""
    reason = extract_article_with_reason(html, url)[1]
    return f"{reason}: {NOT_ARTICLE_REASONS[reason]}" if reason else ""


def extract_article_with_reason(html: str | bytes, url: str | None = None) -> tuple[Article | None, str]:
    """Both answers in one pass: ``(article, "")`` or ``(None, reason code from NOT_ARTICLE_REASONS)``."""
    if not html or not html.strip():
        return None, "empty"
    text = html if isinstance(html, str) else decode_html(html)
    if _looks_binary(text):
        return None, "binary"
    if not text.strip():
        return None, "empty"
    tree = _parse(text)
    if tree is None:
        return None, "not-html"

    visible = _visible_chars(tree)
    main_text = _main_text(tree, url, favor_precision=True, fast=True)
    if len(main_text) < FALLBACK_BELOW_CHARS:
        main_text = _main_text(tree, url, favor_precision=True)
    # The balanced pass can only win when precision kept under PRECISION_KEEP_SHARE of the
    # balanced text, which is at most the page's visible text: most pages skip it.
    if len(main_text) < max(NOT_ARTICLE_MIN_CHARS, PRECISION_KEEP_SHARE * visible):
        balanced_text = _main_text(tree, url, favor_precision=False)
        if len(main_text) < max(NOT_ARTICLE_MIN_CHARS, PRECISION_KEEP_SHARE * len(balanced_text)):
            main_text = balanced_text
    meta = _PageMetadata(tree, url)
    published, published_from = meta.published()
    found = _trafilatura_metadata(tree, url, with_date=published is None)
    title = _bounded_title(_clean(found.title))
    main_text = _without_title(main_text, title)
    # htmldate says January 1st when all it found was a year ("created in 2003"): no date is better
    if published is None and found.date and not found.date.endswith("-01-01"):
        published, published_from = _iso_date(found.date), "htmldate"
    reason = _not_article_reason(tree, main_text, meta, dated=published is not None)
    if reason:
        return None, reason
    modified, modified_from = meta.modified()
    article = Article(
        url=url or meta.canonical_url or "",
        title=title,
        text=main_text,
        published=published,
        published_from=published_from if published else None,
        modified=modified,
        modified_from=modified_from,
        author=_clean(found.author),
        site=meta.site_name() or _clean(found.sitename),
        language=meta.language(),
        canonical_url=meta.canonical_url,
        description=_clean(found.description) or meta.description(),
        fingerprint=simhash(f"{title} {main_text}"),
    )
    return article, ""


def extract_pdf(data: bytes, url: str | None = None) -> Article | None:
    """Extract a PDF press release via pypdf; encrypted, broken or text-less PDFs give ``None``."""
    if not data or b"%PDF-" not in data[:1024]:
        logger.warning("not a PDF document: %s", url)
        return None
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            logger.warning("encrypted PDF, cannot read: %s", url)
            return None
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        created = info.creation_date if info else None
        changed = info.modification_date if info else None
        info_title = info.title if info else None
        info_author = info.author if info else None
        language = reader.trailer["/Root"].get("/Lang")
    except Exception as exc:  # noqa: BLE001 -- malformed PDFs make pypdf raise all kinds of errors
        logger.warning("unreadable PDF %s: %s", url, exc)
        return None

    text = _pdf_paragraphs("\n".join(pages))
    if len(text) < _PDF_MIN_CHARS:
        logger.warning("PDF without extractable text: %s", url)
        return None
    title = _bounded_title(_clean(str(info_title))) if info_title else None
    if not title:
        title = text.split("\n\n", 1)[0][:200]
    published = created.isoformat() if isinstance(created, datetime) else None
    modified = changed.isoformat() if isinstance(changed, datetime) else None
    return Article(
        url=url or "",
        title=title,
        text=text,
        published=published,
        published_from="pdf:metadata" if published else None,
        modified=modified,
        modified_from="pdf:metadata" if modified else None,
        author=_clean(str(info_author)) if info_author else None,
        site=None,
        language=_language_code(str(language)) if language else None,
        canonical_url=None,
        description=None,
        fingerprint=simhash(f"{title} {text}"),
    )


# ---------------------------------------------------------------- decoding and parsing

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.-]+)|<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_:.-]+)""",
    re.I,
)
# WHATWG: these labels mean windows-1252; a UTF-16 label without a BOM means UTF-8.
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252",
                    "us-ascii": "cp1252", "iso8859-1": "cp1252", "utf-16": "utf-8", "utf-16le": "utf-8",
                    "utf-16be": "utf-8", "x-user-defined": "cp1252"}


def decode_html(data: bytes) -> str:
    """Decode page bytes: BOM, then a declared charset, then UTF-8, then windows-1252 (never raises)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    # UTF-16 without a BOM shows as NUL bytes around the first "<"
    if data[:2] == b"<\x00":
        return data.decode("utf-16-le", errors="replace")
    if data[:2] == b"\x00<":
        return data.decode("utf-16-be", errors="replace")
    declared = _declared_charset(data[:4096])
    if declared:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Bytes that fail their declared charset: a declared UTF-8 is usually windows-1252 in
    # disguise; another declared charset is kept, with replacements where it fails.
    if declared and declared.replace("-", "").replace("_", "").lower() not in ("utf8", "utf16", "utf32"):
        return data.decode(declared, errors="replace")
    return data.decode("cp1252", errors="replace")


def _declared_charset(head: bytes) -> str | None:
    match = _DECLARED_CHARSET.search(head)
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _looks_binary(text: str) -> bool:
    # random bytes are ~12% control characters; text has next to none (a stray NUL is tolerated)
    head = text[:4096]
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\n\r\f")
    return controls > 0.02 * len(head)


def _parse(text: str) -> HtmlElement | None:
    try:
        return load_html(text)
    except (etree.ParserError, ValueError, TypeError) as exc:
        logger.debug("unparseable HTML: %s", exc)
        return None


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Page chrome that trafilatura keeps when a page has little main text: the U.S. Web Design System's
# "official website" banner, skip links and agency identifier, and landmark navigation. One
# expression, so the tree is walked once.
_BOILERPLATE_XPATH = "//*[@role='navigation' or @class and ({})]".format(" or ".join(
    _has_class(name) for name in ("usa-banner", "usa-skipnav", "usa-identifier", "usa-breadcrumb")))
_INVISIBLE = {"script", "style", "noscript", "template", "head", "svg"}


def _visible_chars(tree: HtmlElement) -> int:
    """Characters of the page's text outside scripts and styles, whitespace runs counted once: an
    upper bound for any main text extracted from it."""
    body = tree.find("body")
    root = body if body is not None else tree
    parts: list[str] = []
    hidden: set[HtmlElement] = set()  # no recursion: hostile pages nest thousands deep
    for element in root.iter():
        if element is not root:
            if element.getparent() in hidden:
                hidden.add(element)
                continue
            if element.tail:
                parts.append(element.tail)
        if not isinstance(element.tag, str):  # a comment: only its tail is text
            continue
        if element is not root and element.tag in _INVISIBLE:
            hidden.add(element)
        elif element.text:
            parts.append(element.text)
    return len(" ".join(" ".join(parts).split()))


def _trafilatura_metadata(tree: HtmlElement, url: str | None, *, with_date: bool) -> Document:
    """The fields of trafilatura's metadata monitor uses (title, author, site name, description),
    and htmldate's date only when asked: it costs as much as the rest together, and most pages
    give their date in explicit markup, which `_PageMetadata` reads first."""
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


def _main_text(tree: HtmlElement, url: str | None, *, favor_precision: bool, fast: bool = False) -> str:
    # no dedup cache (process-wide state), no comments; bare_extraction copies the tree it is given
    document = bare_extraction(
        tree,
        url=url,
        favor_precision=favor_precision,
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        include_links=False,
        include_images=False,
        deduplicate=False,
        fast=fast,
        output_format="python",
        prune_xpath=_BOILERPLATE_XPATH,
    )
    return _paragraphs(document.text) if document is not None and document.text else ""


_SIMHASH_BITS = 64
_SIMHASH_SHIFTS = np.arange(_SIMHASH_BITS - 1, -1, -1, dtype=np.uint64)  # most significant first


def simhash(text: str) -> str:
    """The item's `fingerprint` column: trafilatura's `content_fingerprint(text)` (a 64-bit
    Charikar simhash of the words its `sample_tokens` keeps, in hex), the same value, with the
    per-bit votes counted by numpy instead of one Python list per word (a quarter of the time).

    Bit i is set when at least half of the words' 8-byte BLAKE2b hashes have bit i set."""
    tokens = sample_tokens(text, _SIMHASH_BITS)
    digests = b"".join([hashlib.blake2b(token.encode(), digest_size=8).digest() for token in tokens])
    # one row of bits per word, most significant first
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8)).reshape(-1, _SIMHASH_BITS)
    keep = 2 * bits.sum(axis=0, dtype=np.int64) >= len(tokens)
    return f"{int((keep.astype(np.uint64) << _SIMHASH_SHIFTS).sum()):x}"


def _paragraphs(text: str) -> str:
    """One paragraph per extracted line (headings, list items included), blank-line separated."""
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n\n".join(line for line in lines if line)


def _without_title(text: str, title: str | None) -> str:
    """The title is its own field: drop it when the text repeats it as its first paragraph."""
    first, _, rest = text.partition("\n\n")
    return rest if title and _norm(first) == _norm(title) else text


def _pdf_paragraphs(text: str) -> str:
    """Join PDF lines into paragraphs: a line clearly shorter than the longest one (a heading or the
    last line of a paragraph) closes its paragraph."""
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    width = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        current.append(line)
        if len(line) < 0.75 * width:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    value = re.sub(r"\s+", " ", value).strip()
    return value or None


def _bounded_title(title: str | None) -> str | None:
    """A title of at most MAX_TITLE_CHARS, cut at a word boundary (some pages put a whole
    article, or junk, in <title>)."""
    if not title or len(title) <= MAX_TITLE_CHARS:
        return title
    cut = title[:MAX_TITLE_CHARS].rsplit(" ", 1)[0] or title[:MAX_TITLE_CHARS]
    return cut.rstrip(" ,;:-") + "\u2026"


# ---------------------------------------------------------------- not-an-article rules

# The link share of longer blocks is not measured: a longer paragraph counts as unlinked.
_LINK_BLOCK_MAX_CHARS = 600
_LINK_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "td", "th", "a", "span", "div")
_DATE_LINE = re.compile(
    r"^(?:\w+,? )?(?:\d{1,2} )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? (?:\d{1,2},? )?\d{4}$"
    r"|^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$",
    re.I,
)


def _not_article_reason(tree: HtmlElement, text: str, meta: _PageMetadata, *, dated: bool) -> str:
    if not text:
        return "no-main-text"
    if len(text) < NOT_ARTICLE_MIN_CHARS:
        return "too-short"
    if sum(ch.isalpha() for ch in text) < NOT_ARTICLE_MIN_LETTER_SHARE * len(text):
        return "no-prose"
    lines = text.split("\n\n")
    shares = _link_shares(tree, {_norm(line) for line in lines})
    link_chars = sum(shares.get(_norm(line), 0.0) * len(line) for line in lines)
    if link_chars > NOT_ARTICLE_MAX_LINK_SHARE * sum(len(line) for line in lines):
        return "mostly-links"
    # a listing: several linked headlines, or one date line per teaser
    headlines = [line for line in lines if shares.get(_norm(line), 0.0) >= 0.9 and len(line.split()) >= 4]
    dates = sum(1 for line in lines if _DATE_LINE.match(line))
    if (len(headlines) >= 5 and sum(map(len, headlines)) >= 0.2 * len(text)) or dates >= 4:
        return "listing"
    # main text taken from teaser cards; a page that declares itself an article is a listicle instead
    declared_article = meta.declares_article()
    if not declared_article and len(meta.cards) >= 3:
        card_words = [set(card.split()) for card in meta.cards.values()]
        in_cards = sum(len(line) for line in lines if len(line) >= 40 and _inside_any(line, card_words))
        if in_cards >= 0.5 * len(text):
            return "listing"
    if not dated and meta.declares_other_type():
        return "undated"
    return ""


def _inside_any(line: str, boxes: list[set[str]]) -> bool:
    words = set(_norm(line).split())
    return any(len(words & box) >= 0.8 * len(words) for box in boxes)


_CARD_XPATH = (
    "//body//*[self::li or self::article or self::div or self::section]"
    "[.//*[self::h2 or self::h3 or self::h4 or self::h5 or self::h6]]"
    "[.//a[@href and not(starts-with(@href, '#') or starts-with(@href, 'mailto:') or starts-with(@href, 'tel:'))]]"
    "[not(ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside)]"
)


def _cards(tree: HtmlElement) -> dict[HtmlElement, str]:
    """Teaser cards: the innermost small boxes holding a heading and a link to another page,
    with their normalised text."""
    boxes = {element: _norm(element.text_content()) for element in tree.xpath(_CARD_XPATH)}
    small = {element for element, text in boxes.items() if 40 <= len(text) <= 600}
    return {element: boxes[element] for element in small
            if not any(child in small for child in element.iterdescendants())}


def _link_shares(tree: HtmlElement, lines: set[str]) -> dict[str, float]:
    """Normalised text of each short block of the page that is one of `lines` (normalised main
    text lines) -> share of it that is link text.

    Same-page links (a table of contents) are not link text, and a text that also appears
    unlinked (the heading a table of contents points to) keeps its lowest share."""
    shares: dict[str, float] = {}
    body = tree.find("body")
    root = body if body is not None else tree
    # Inner blocks first: a block's normalised text is never shorter than any of its blocks', so
    # once one is too long its ancestors are too, and their (longer) texts are never collected.
    too_long: set[HtmlElement] = set()
    for element in reversed(list(root.iter(*_LINK_BLOCKS))):
        if element in too_long:
            continue
        text = _norm(element.text_content())
        if len(text) > _LINK_BLOCK_MAX_CHARS:
            for ancestor in element.iterancestors():
                if ancestor in too_long:
                    break
                too_long.add(ancestor)
            continue
        if not text or text not in lines:
            continue
        anchors = [element] if element.tag == "a" else element.iter("a")
        linked = sum(len(_norm(a.text_content())) for a in anchors if not (a.get("href") or "#").startswith("#"))
        shares[text] = min(shares.get(text, 1.0), linked / len(text))
    return shares


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


# ---------------------------------------------------------------- page metadata

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


class _PageMetadata:
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
            value = _iso_date(self.meta.get(name))
            if value:
                return value, f"meta:{name}"
        for node in self.json_ld:
            value = _iso_date(_json_ld_text(node.get(schema_key)))
            if value:
                return value, f"json-ld:{schema_key}"
        for element in self.tree.xpath(f"//*[@itemprop='{schema_key}']"):
            value = _iso_date(element.get("datetime") or element.get("content") or element.text_content())
            if value:
                return value, f"microdata:{schema_key}"
        for element in self._time_elements():
            hint = " ".join(filter(None, (element.get("class"), element.get("itemprop"),
                                          (element.getparent().text if element.getparent() is not None else None))))
            if bool(_UPDATE_HINT.search(hint)) != modified:
                continue
            value = _iso_date(element.get("datetime"))
            if value:
                return value, "time[datetime]"
        return None, None

    @cached_property
    def cards(self) -> dict[HtmlElement, str]:
        return _cards(self.tree)

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
        return _clean(name)

    def description(self) -> str | None:
        return _clean(self.meta.get("description") or self.meta.get("og:description"))

    def language(self) -> str | None:
        for value in (self.tree.get("lang"), self.tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
                      self.meta.get("content-language"), self.meta.get("og:locale"), self.meta.get("language"),
                      *(_json_ld_text(node.get("inLanguage")) for node in self.json_ld)):
            code = _language_code(value)
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


def _language_code(value: str | None) -> str | None:
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


def _iso_date(value: str | None) -> str | None:
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
