"""justice.gov's News API (`/api/v1/press_releases.json`): page URLs, and each release of a
page as the fields monitor stores. Pure functions: no Scrapy, no database.

The API's shape (its documentation and other projects' probes): an envelope
{"metadata": {"resultset": {"count", "pagesize", "page"}}, "results": [...]}; a release has
uuid, title (with HTML entities), body and teaser (HTML), date (epoch seconds as a string),
created/changed (an HTML <time> whose text is epoch seconds), url (without "www."),
component (a list of {uuid, name}), topic and number. Of a release, uuid, topic and number
are not read."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html

from spiders.formats.prepared import prepared_article

PAGE_SIZE = 50  # the API's maximum; larger values are capped by it
# Asked of every page: newest first (the API's own default is oldest first).
PAGE_QUERY = {"sort": "date", "direction": "DESC", "pagesize": str(PAGE_SIZE)}
# Elements whose end is a line break in the text.
_BLOCKS = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
           "table", "thead", "tbody", "tfoot", "tr", "section", "article", "pre", "dl", "dt",
           "dd", "figure", "figcaption", "address", "hr"}
_SKIPPED = {"script", "style", "noscript", "template", "head"}
_EPOCH = re.compile(r"^\s*-?\d{9,11}\s*$")
_ABBREVIATION = re.compile(r"\(([A-Z][A-Za-z&]{1,11})\)\s*$")
_USAO_PATH = re.compile(r"^/(usao-[a-z]{2,6})(/|$)")
_WWW_HOSTS = {"justice.gov"}  # the API spells its links without the www the site uses


@dataclass
class Release:
    """One press release as monitor stores it (the article fields) plus what it is filed under."""

    url: str
    title: str | None
    text: str
    description: str | None
    published: str | None
    modified: str | None
    components: list[str] = field(default_factory=list)

    def article(self) -> dict:
        """The release as an article's fields (`Page.prepared`)."""
        return prepared_article(self.url, self.text, dated_from="api", title=self.title,
                                description=self.description, published=self.published,
                                modified=self.modified, site="U.S. Department of Justice",
                                language="en", canonical_url=self.url)


@dataclass
class ApiPage:
    releases: list[Release]
    count: int | None = None       # releases the API holds in all
    pagesize: int | None = None
    problem: str | None = None     # why the body is not a page of releases
    skipped: list[str] = field(default_factory=list)  # why some records were unusable


def page_url(url: str, page: int) -> str:
    """The configured API URL asking for one page (0-based), newest first, 50 a page. Other
    parameters of the configured URL (e.g. parameters[title]=...) are kept."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in PAGE_QUERY and k != "page"]
    query += [*PAGE_QUERY.items(), ("page", str(page))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def parse_page(body: bytes) -> ApiPage:
    """A page of the API; a body that is not one gives an ApiPage with a problem."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return ApiPage([], problem=f"not JSON: {exc}"[:300])
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return ApiPage([], problem="JSON without a 'results' list (not the News API's envelope)")
    resultset = (data.get("metadata") or {}).get("resultset") if isinstance(data.get("metadata"), dict) else None
    resultset = resultset if isinstance(resultset, dict) else {}
    releases, skipped = [], []
    for index, record in enumerate(data["results"]):
        release, why = parse_release(record)
        if release is None:
            skipped.append(f"result {index}: {why}")
        else:
            releases.append(release)
    return ApiPage(releases, count=_int(resultset.get("count")),
                   pagesize=_int(resultset.get("pagesize")), skipped=skipped)


def parse_release(record: object) -> tuple[Release | None, str]:
    """(Release, "") or (None, why the record cannot be stored)."""
    if not isinstance(record, dict):
        return None, "not an object"
    url = canonical_release_url(record.get("url"))
    if url is None:
        return None, f"no usable url ({str(record.get('url'))[:100]!r})"
    text = html_to_text(_string(record.get("body")))
    teaser = html_to_text(_string(record.get("teaser"))) or None
    if not text:
        text = teaser or ""
    if not text:
        return None, f"no body or teaser text ({url})"
    title = _clean(html.unescape(_string(record.get("title")))) or None
    published = epoch_date(record.get("date")) or epoch_date(record.get("created"))
    return Release(url=url, title=title, text=text, description=teaser, published=published,
                   modified=epoch_date(record.get("changed")),
                   components=names(record.get("component"))), ""


def canonical_release_url(value: object) -> str | None:
    """The release's link as the site (and its RSS feed) spells it: https, www.justice.gov."""
    if not isinstance(value, str) or not value.strip():
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if host in _WWW_HOSTS:
        host = "www." + host
    scheme = "https" if host.endswith("justice.gov") else parts.scheme
    return urlunsplit((scheme, host, parts.path or "/", parts.query, ""))


def epoch_date(value: object) -> str | None:
    """'1754582400', 1754582400 or '<time datetime="...">1754582400</time>' -> ISO 8601 (UTC)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        raw = str(int(value))
    else:
        raw = str(value)
        if "<" in raw:
            found = re.search(r"datetime=[\"']([^\"']+)[\"']", raw)
            inner = _clean(lxml.html.fragment_fromstring(raw, create_parent="div").text_content())
            raw = inner if inner and _EPOCH.match(inner) else (found.group(1) if found else inner or "")
        raw = raw.strip()
    if _EPOCH.match(raw):
        try:
            return datetime.fromtimestamp(int(raw), tz=timezone.utc).isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).isoformat()


def names(value: object) -> list[str]:
    """Component names from the API's variable shapes: a list of {name} objects or of
    strings, one string, or HTML (anchors) -- without repeats, in order."""
    found: list[str] = []
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, str):
        if "<" in value:
            tree = lxml.html.fragment_fromstring(value, create_parent="div")
            anchors = [_clean(a.text_content()) for a in tree.iter("a")]
            value = anchors or [_clean(tree.text_content())]
        else:
            value = [part for part in re.split(r"\s*[,;|]\s*", value)]
    if isinstance(value, list):
        for entry in value:
            name = entry.get("name") if isinstance(entry, dict) else entry
            if isinstance(name, str):
                name = _clean(html.unescape(name))
                if name and name not in found:
                    found.append(name)
    return found


def agency_of(release: Release) -> str:
    """USAO-MA for a U.S. Attorney's office (from the link's /usao-ma/ path), else the
    abbreviation a component names ("Drug Enforcement Administration (DEA)" -> DEA), else DOJ."""
    office = _USAO_PATH.match(urlsplit(release.url).path)
    if office:
        return office.group(1).upper()
    for name in release.components:
        found = _ABBREVIATION.search(name)
        if found and found.group(1) != "USAO":
            return found.group(1).upper()
    return "DOJ"


def keep(release: Release, components: tuple[str, ...] | list[str]) -> bool:
    """A release filed under one of these component names (case and spacing aside); every
    release when none are given. The API ignores component filters, so this is done here."""
    if not components:
        return True
    wanted = {_key(c) for c in components}
    return any(_key(name) in wanted for name in release.components)


def html_to_text(fragment: str) -> str:
    """Text of an HTML fragment: paragraphs separated by blank lines, a table row as its cells
    joined by " | " (the defendants' tables some releases end with are kept)."""
    if not fragment or not fragment.strip():
        return ""
    if "<" not in fragment:
        return _clean(html.unescape(fragment))
    try:
        tree = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # noqa: BLE001 -- lxml raises several types on junk
        return _clean(re.sub(r"<[^>]+>", " ", fragment))
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = _clean(" ".join(current))
        current.clear()
        if line:
            lines.append(line)

    def walk(element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIPPED:
            if element.tail:
                current.append(element.tail)
            return
        if tag == "tr":
            flush()
            cells = [_clean(cell.text_content()) for cell in element if cell.tag in ("td", "th")]
            row = " | ".join(cell for cell in cells if cell)
            if row:
                lines.append(row)
        else:
            if tag in _BLOCKS:
                flush()
            if tag == "br":
                flush()
            if element.text:
                current.append(element.text)
            for child in element:
                walk(child)
            if tag in _BLOCKS:
                flush()
        if element.tail:
            current.append(element.tail)

    walk(tree)
    flush()
    return "\n\n".join(lines)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _string(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):  # some fields arrive as a one-element list
        return " ".join(_string(v) for v in value)
    if isinstance(value, dict):
        return _string(value.get("value") or value.get("name") or "")
    return ""


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
