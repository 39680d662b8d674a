"""HTML page -> article fields (text, title, dated sources, author, site, language, canonical URL)
via trafilatura's main-text extraction. A page that is not an article gives ``None``;
``why_not_article()`` (or ``extract_article_with_reason()``) says why."""

from __future__ import annotations

import logging
import re
from copy import deepcopy
from dataclasses import asdict, dataclass

from lxml.html import HtmlElement
from trafilatura import bare_extraction

from monitor.extract.decode import clean, decode_html, looks_binary, norm, parse_html
from monitor.extract.not_article import NOT_ARTICLE_MIN_CHARS, NOT_ARTICLE_REASONS, not_article_reason
from monitor.extract.page_metadata import PageMetadata, iso_date, trafilatura_metadata

logger = logging.getLogger(__name__)

# A precision-mode result shorter than this share of the balanced result lost the story:
# it latched onto a side block (a reprint notice, a caption), so the balanced result is used.
PRECISION_KEEP_SHARE = 0.3
# The precision pass runs without trafilatura's fallback extractors (readability, jusText), which
# double its cost and change the result on few pages; a result shorter than this is retried with them.
FALLBACK_BELOW_CHARS = 500

MAX_TITLE_CHARS = 500


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

    def to_dict(self) -> dict:
        return asdict(self)


def extract_article(html: str | bytes, url: str | None = None, *,
                    content: str | None = None) -> Article | None:
    """Extract the article of an HTML page (str or bytes in any encoding); ``None`` if it has none.
    ``content``: a CSS selector; the text is taken from the elements it matches only."""
    return extract_article_with_reason(html, url, content=content)[0]


def why_not_article(html: str | bytes, url: str | None = None) -> str:
    """Why the page gives no article, as ``"<code>: <explanation>"``; ``""`` if it is an article."""
    reason = extract_article_with_reason(html, url)[1]
    return f"{reason}: {NOT_ARTICLE_REASONS[reason]}" if reason else ""


def extract_article_with_reason(html: str | bytes, url: str | None = None, *,
                                content: str | None = None) -> tuple[Article | None, str]:
    """Both answers in one pass: ``(article, "")`` or ``(None, reason code from NOT_ARTICLE_REASONS)``.
    With ``content`` (a CSS selector, a source's `content` key) the main text comes from the
    matching elements only; title, dates and the other metadata still from the whole page."""
    if not html or not html.strip():
        return None, "empty"
    text = html if isinstance(html, str) else decode_html(html)
    if looks_binary(text):
        return None, "binary"
    if not text.strip():
        return None, "empty"
    page = parse_html(text)
    if page is None:
        return None, "not-html"
    tree = narrowed(page, content) if content else page
    if tree is None:
        return None, "no-content"

    visible = visible_chars(tree)
    main_text = extract_main_text(tree, url, favor_precision=True, fast=True)
    if len(main_text) < FALLBACK_BELOW_CHARS:
        main_text = extract_main_text(tree, url, favor_precision=True)
    # The balanced pass can only win when precision kept under PRECISION_KEEP_SHARE of the
    # balanced text, which is at most the page's visible text: most pages skip it.
    if len(main_text) < max(NOT_ARTICLE_MIN_CHARS, PRECISION_KEEP_SHARE * visible):
        balanced_text = extract_main_text(tree, url, favor_precision=False)
        if len(main_text) < max(NOT_ARTICLE_MIN_CHARS, PRECISION_KEEP_SHARE * len(balanced_text)):
            main_text = balanced_text
    meta = PageMetadata(page, url)
    published, published_from = meta.published()
    if published is None:
        published, published_from = meta.stated_published()
    found = trafilatura_metadata(page, url, with_date=published is None)
    title = bounded_title(clean(found.title))
    main_text = _without_title(main_text, title)
    # htmldate says January 1st when all it found was a year ("created in 2003"): no date is better
    if published is None and found.date and not found.date.endswith("-01-01"):
        published, published_from = iso_date(found.date), "htmldate"
    reason = not_article_reason(tree, main_text, meta, dated=published is not None)
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
        author=clean(found.author),
        site=meta.site_name() or clean(found.sitename),
        language=meta.language(),
        canonical_url=meta.canonical_url,
        description=clean(found.description) or meta.description(),
    )
    return article, ""


def narrowed(page: HtmlElement, selector: str) -> HtmlElement | None:
    """A copy of the page whose body holds only the elements `selector` matches (outermost
    ones, in page order); None when nothing matches."""
    try:
        matched = page.cssselect(selector)
    except Exception as exc:  # noqa: BLE001 -- cssselect raises several types; config checks first
        logger.warning("content selector %r unusable: %s", selector, exc)
        return None
    outermost = [e for e in matched if not any(a in matched for a in e.iterancestors())]
    if not outermost:
        return None
    copy = deepcopy(page)
    body = copy.find("body")
    if body is None:
        body = copy.makeelement("body", {})
        copy.append(body)
    for child in list(body):
        body.remove(child)
    for element in outermost:
        clone = deepcopy(element)
        clone.tail = None
        body.append(clone)
    return copy


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Page chrome that trafilatura keeps when a page has little main text: the U.S. Web Design System's
# "official website" banner, skip links and agency identifier, and landmark navigation. One
# expression, so the tree is walked once.
_BOILERPLATE_XPATH = "//*[@role='navigation' or @class and ({})]".format(" or ".join(
    _has_class(name) for name in ("usa-banner", "usa-skipnav", "usa-identifier", "usa-breadcrumb")))
_INVISIBLE = {"script", "style", "noscript", "template", "head", "svg"}


def visible_chars(tree: HtmlElement) -> int:
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


def extract_main_text(tree: HtmlElement, url: str | None, *, favor_precision: bool, fast: bool = False) -> str:
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


def _paragraphs(text: str) -> str:
    """One paragraph per extracted line (headings, list items included), blank-line separated."""
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n\n".join(line for line in lines if line)


def _without_title(text: str, title: str | None) -> str:
    """The title is its own field: drop it when the text repeats it as its first paragraph."""
    first, _, rest = text.partition("\n\n")
    return rest if title and norm(first) == norm(title) else text


def bounded_title(title: str | None) -> str | None:
    """A title of at most MAX_TITLE_CHARS, cut at a word boundary (some pages put a whole
    article, or junk, in <title>)."""
    if not title or len(title) <= MAX_TITLE_CHARS:
        return title
    cut = title[:MAX_TITLE_CHARS].rsplit(" ", 1)[0] or title[:MAX_TITLE_CHARS]
    return cut.rstrip(" ,;:-") + "\u2026"
