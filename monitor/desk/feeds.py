"""Atom feeds of query results: any table view or canned query that returns items.

Our own renderer (datasette-atom 0.9 answers HTTP 500 on an empty result and on timestamps
without a time zone; feedgen 1.0 drops the rel of entry links), written with ElementTree. A result can be a feed when it has an item id, a title and a
time: either the atom_* columns (atom_id, atom_title, atom_updated, atom_link, atom_summary) or
the items table's own names (id, title, first_seen/published, url, description). Everything is
written as text, never as HTML: scraped markup reaches the feed reader escaped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timezone
from urllib.parse import quote

from monitor.desk import ITEM_PATH, OPERATION_PATH
from monitor.desk.review import is_web_url

ID_COLUMNS = ("atom_id", "id")
TITLE_COLUMNS = ("atom_title", "title")
UPDATED_COLUMNS = ("atom_updated", "first_seen", "last_changed", "published")
LINK_COLUMNS = ("atom_link", "url", "canonical_url")
SUMMARY_COLUMNS = ("atom_summary", "description", "snippet", "text")
# Key facts shown at the top of an entry's summary when the query returns them.
# Arrests are the operation's one figure (the store's operations table) where a query gives it.
FACT_COLUMNS = (("arrests", "Arrests"), ("arrests_by", "Reported by"), ("state", "State"),
                ("states", "States"), ("nationalities", "Nationalities"), ("agencies", "Agencies"),
                ("operation", "Operation"), ("disagreements", "Figures differ"))
CATEGORY_COLUMNS = ("source", "agency", "kind")
SUMMARY_CHARS = 600
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
ATOM_NS = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot carry; scraped text sometimes has them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def can_render_atom(columns: Sequence[str]) -> bool:
    """Does a result with these columns have what an Atom entry needs?"""
    return all(any(c in columns for c in group)
               for group in (ID_COLUMNS, TITLE_COLUMNS, UPDATED_COLUMNS))


def parse_timestamp(value: object) -> datetime | None:
    """An ISO 8601 date or time as an aware datetime (UTC when no offset is given), or None."""
    if value is None or value == "":
        return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def _text(value: object) -> str:
    return _NOT_XML.sub("", str(value)) if value is not None else ""


def _first(row: Mapping, names: Iterable[str]) -> object:
    for name in names:
        if row.get(name) not in (None, ""):
            return row[name]
    return None


def _summary(row: Mapping) -> str:
    facts = [f"{label}: {row[name]}" for name, label in FACT_COLUMNS
             if row.get(name) not in (None, "")]
    body = _text(_first(row, SUMMARY_COLUMNS) or "")
    if len(body) > SUMMARY_CHARS:
        body = body[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
    return "\n\n".join(part for part in ("; ".join(facts), body) if part)


def _element(parent: ET.Element, tag: str, text: object = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attributes.items() if v})
    if text is not None:
        element.text = _text(text)
    return element


def _timestamp(value: datetime) -> str:
    return value.isoformat()


def atom_feed(rows: Iterable[Mapping], *, feed_url: str, title: str, desk_url: str,
              html_url: str | None = None, subtitle: str | None = None) -> bytes:
    """An Atom 1.0 document for these rows; no rows gives a valid feed without entries.

    `desk_url` is the desk's root URL (for each entry's review page link); `feed_url` is this
    feed's own address, used as its id and rel=self link."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    feed = ET.Element("feed", xmlns=ATOM_NS)
    _element(feed, "id", feed_url)
    _element(feed, "title", title or "monitor", type="text")
    if subtitle:
        _element(feed, "subtitle", subtitle, type="text")
    updated_element = _element(feed, "updated")
    author = _element(feed, "author")
    _element(author, "name", "monitor")
    _element(feed, "link", rel="self", href=feed_url, type="application/atom+xml")
    if html_url:
        _element(feed, "link", rel="alternate", href=html_url, type="text/html")
    _element(feed, "generator", "monitor")
    newest: datetime | None = None
    for row in rows:
        item_id = _first(row, ID_COLUMNS)
        if item_id is None:
            continue
        updated = parse_timestamp(_first(row, UPDATED_COLUMNS)) or now
        newest = max(newest, updated) if newest else updated
        review_url = f"{desk_url.rstrip('/')}{ITEM_PATH}{quote(str(item_id), safe='')}"
        entry = _element(feed, "entry")
        _element(entry, "id", item_id if row.get("atom_id") else f"urn:monitor:item:{item_id}")
        _element(entry, "title", _first(row, TITLE_COLUMNS) or "(untitled)", type="text")
        _element(entry, "updated", _timestamp(updated))
        published = parse_timestamp(row.get("published"))
        if published:
            _element(entry, "published", _timestamp(published))
        link = _first(row, LINK_COLUMNS)
        _element(entry, "link", rel="alternate", href=link if is_web_url(link) else review_url)
        _element(entry, "link", rel="related", href=review_url, title="Review in the desk")
        if row.get("event_id"):
            _element(entry, "link", rel="related", title="The operation",
                     href=f"{desk_url.rstrip('/')}{OPERATION_PATH}{quote(str(row['event_id']), safe='')}")
        if row.get("author"):
            _element(_element(entry, "author"), "name", row["author"])
        for name in CATEGORY_COLUMNS:
            if row.get(name):
                _element(entry, "category", term=row[name], label=name)
        summary = _summary(row)
        if summary:
            _element(entry, "summary", summary, type="text")
    updated_element.text = _timestamp(newest or now)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
