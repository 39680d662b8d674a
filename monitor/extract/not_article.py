"""The rules that say a page is not an article (too short, mostly links, a listing of teasers,
search results or a tag page, a photo gallery, a forum thread, no prose, an undated about page),
each with a reason code."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from monitor.extract.decode import norm
from monitor.extract.page_metadata import PageMetadata

# Less main text than this is not an article (trafilatura's own MIN_EXTRACTED_SIZE).
NOT_ARTICLE_MIN_CHARS = 250
# Main text made mostly of link text (menus, teaser lists) is not an article.
NOT_ARTICLE_MAX_LINK_SHARE = 0.5

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
    "no-content": "nothing on the page matches the source's content selector (a changed layout?)",
    "search-or-tag": "search results or a tag or topic page: dated teasers of other pages",
    "gallery": "a photo gallery: numbered captions, not an article",
    "forum": "a forum thread or comment page: numbered user posts, not an article",
}
NOT_ARTICLE_MIN_LETTER_SHARE = 0.35  # prose is ~75 % letters; an hour grid is under 10 %
# Lines of one kind (dated teasers, numbered captions, user posts) that make a page no article,
# linked or not.
NOT_ARTICLE_MIN_MARKED_LINES = 3

# A search-result, tag or topic page says so in its title or heading, or counts its results.
_SEARCH_OR_TAG_HEADING = re.compile(
    r"^\s*(?:search results?\b|search\s*[:|—–-]|results for\b|tag(?:ged)?\s*[:|—–]|tags?\s*:|topics?\s*:|"
    r"archives?\s*:|category\s*:)|[|—–-]\s*search results?\s*$", re.I)
_RESULT_COUNT = re.compile(r"\b(?:showing\s+)?\d+\s*(?:[-–]|to)\s*\d+\s+of\s+[\d,]+\s+(?:results|stories|articles|"
                           r"items|posts)\b|\babout\s+[\d,]+\s+results\b|^search results for\b", re.I)
# A teaser's date: "Oct. 20, 2025", "Sept. 5, 2025", "3 hours ago".
_TEASER_DATE = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.? \d{1,2}, \d{4}\b|"
                          r"\b\d+ (?:minutes?|hours?|days?|weeks?|months?) ago\b", re.I)
# "Photo 3 of 12: ...", "Image 1 of 8:" (a gallery's captions); "Reply #41 — posted by ..." (a thread's posts).
_CAPTION = re.compile(r"^(?:photo|image|slide|picture)\s+\d+\s+(?:of|/)\s+\d+\b", re.I)
_USER_POST = re.compile(r"^(?:reply|post|comment)\s+#?\d+\b|\bposted by\s+@?[\w.-]+\s*:", re.I)

# The link share of longer blocks is not measured: a longer paragraph counts as unlinked.
_LINK_BLOCK_MAX_CHARS = 600
_LINK_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "td", "th", "a", "span", "div")
_DATE_LINE = re.compile(
    r"^(?:\w+,? )?(?:\d{1,2} )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? (?:\d{1,2},? )?\d{4}$"
    r"|^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$",
    re.I,
)


_BULLET = re.compile(r"^\s*[-•*]\s+")


def not_article_reason(tree: HtmlElement, text: str, meta: PageMetadata, *, dated: bool) -> str:
    if not text:
        return "no-main-text"
    if len(text) < NOT_ARTICLE_MIN_CHARS:
        return "too-short"
    if sum(ch.isalpha() for ch in text) < NOT_ARTICLE_MIN_LETTER_SHARE * len(text):
        return "no-prose"
    lines = text.split("\n\n")
    # Lines are matched to the page's blocks as written: a list item ("- text") or a run-on
    # line matches none, so its links count as prose. Measuring them as links (stripping the
    # bullet, finding the run-on line's container) also ruled out real posts whose body is a
    # list of links (three trafilatura-eval pages); a junk list page is told by its own marks
    # instead (_marked_lines_reason).
    keys = {line: norm(line) for line in lines}
    shares = _link_shares(tree, set(keys.values()))
    link_chars = sum(shares.get(keys[line], 0.0) * len(line) for line in lines)
    if link_chars > NOT_ARTICLE_MAX_LINK_SHARE * sum(len(line) for line in lines):
        return "mostly-links"
    # a listing: several linked headlines, or one date line per teaser
    headlines = [line for line in lines if shares.get(keys[line], 0.0) >= 0.9 and len(line.split()) >= 4]
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
    if reason := _marked_lines_reason(tree, [_BULLET.sub("", line) for line in lines]):
        return reason
    if not dated and meta.declares_other_type():
        return "undated"
    return ""


def _marked_lines_reason(tree: HtmlElement, lines: list[str]) -> str:
    """A gallery, a forum thread or a search/tag page by its lines' own marks, linked or not."""
    if sum(1 for line in lines if _CAPTION.match(line)) >= NOT_ARTICLE_MIN_MARKED_LINES:
        return "gallery"
    if sum(1 for line in lines if _USER_POST.search(line)) >= NOT_ARTICLE_MIN_MARKED_LINES:
        return "forum"
    # dates are counted, not lines: a fallback extractor may join a tag page's list in one line
    if (sum(len(_TEASER_DATE.findall(line)) for line in lines) >= NOT_ARTICLE_MIN_MARKED_LINES
            and (any(_SEARCH_OR_TAG_HEADING.search(h) for h in _headings(tree))
                 or any(_RESULT_COUNT.search(line) for line in lines[:3]))):
        return "search-or-tag"
    return ""


def _headings(tree: HtmlElement) -> list[str]:
    """The page's own names for itself: its <title>, og:title and first <h1>."""
    found = [tree.findtext(".//title") or ""]
    found += [m.get("content") or "" for m in tree.iterfind(".//meta[@property='og:title']")][:1]
    h1 = tree.find(".//h1")
    if h1 is not None:
        found.append(h1.text_content())
    return [" ".join(h.split()) for h in found if h and h.strip()]


def _inside_any(line: str, boxes: list[set[str]]) -> bool:
    words = set(norm(line).split())
    return any(len(words & box) >= 0.8 * len(words) for box in boxes)


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
        text = norm(element.text_content())
        if len(text) > _LINK_BLOCK_MAX_CHARS:
            for ancestor in element.iterancestors():
                if ancestor in too_long:
                    break
                too_long.add(ancestor)
            continue
        if not text or text not in lines:
            continue
        anchors = [element] if element.tag == "a" else element.iter("a")
        linked = sum(len(norm(a.text_content())) for a in anchors if not (a.get("href") or "#").startswith("#"))
        shares[text] = min(shares.get(text, 1.0), linked / len(text))
    return shares
