"""The item review page's content: one item with its facts, sightings, copies, revisions and
related coverage, read from the database and shaped for the template (which escapes it all)."""

from __future__ import annotations

import difflib
import json
import re
from typing import Any
from urllib.parse import urlsplit

from datasette.database import Database

CONTEXT_CHARS = 60
MAX_DIFF_LINES = 400
MAX_DIFF_INPUT_CHARS = 200_000
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def paragraphs(text: str | None) -> list[str]:
    """Plain text as paragraphs: split on blank lines, or on single newlines when the text has
    no blank lines (PDF text and some extractors give one line per paragraph)."""
    if not text:
        return []
    text = text.replace("\r\n", "\n").strip()
    parts = _PARAGRAPH_BREAK.split(text) if _PARAGRAPH_BREAK.search(text) else text.split("\n")
    return [" ".join(part.split()) for part in parts if part.strip()]


def is_web_url(value: object) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https")


def fact_context(text: str | None, start: object, end: object,
                 width: int = CONTEXT_CHARS) -> tuple[str, str, str] | None:
    """(before, span, after) around a fact's span in the item text, or None when the offsets
    do not fit the text (e.g. the text changed since the fact was extracted)."""
    if not text or not isinstance(start, int) or not isinstance(end, int):
        return None
    if not 0 <= start < end <= len(text):
        return None
    before = text[max(0, start - width):start]
    after = text[end:end + width]
    before = ("… " + before.split(" ", 1)[-1]) if start > width else before
    after = (after.rsplit(" ", 1)[0] + " …") if end + width < len(text) else after
    return " ".join(before.split()) + " ", " ".join(text[start:end].split()), " " + " ".join(after.split())


def text_diff(old: str | None, new: str | None, max_lines: int = MAX_DIFF_LINES) -> list[tuple[str, str]]:
    """A unified diff of two texts by paragraph, as (kind, line) pairs with kind in
    'hunk', 'del', 'add', 'same'; '' when there is no difference."""
    old_lines = paragraphs((old or "")[:MAX_DIFF_INPUT_CHARS])
    new_lines = paragraphs((new or "")[:MAX_DIFF_INPUT_CHARS])
    out: list[tuple[str, str]] = []
    for line in difflib.unified_diff(old_lines, new_lines, lineterm="", n=1):
        if line.startswith(("---", "+++")):
            continue
        kind = {"@": "hunk", "-": "del", "+": "add"}.get(line[:1], "same")
        out.append((kind, line[1:] if kind != "hunk" else line))
        if len(out) >= max_lines:
            out.append(("hunk", "… diff cut short"))
            break
    return out


def diff_text(old: str | None, new: str | None) -> str:
    """The same diff as plain text (the SQL function desk_diff)."""
    marks = {"hunk": "", "del": "- ", "add": "+ ", "same": "  "}
    return "\n".join(marks[kind] + line for kind, line in text_diff(old, new))


def reasons(value: object) -> list[str]:
    """relevance_reasons (a JSON list, of strings or objects) as display strings."""
    if not value:
        return []
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return [str(value)]
    if not isinstance(parsed, list):
        parsed = [parsed]
    return [item if isinstance(item, str) else json.dumps(item, ensure_ascii=False) for item in parsed]


async def _rows(db: Database, sql: str, params: list[Any]) -> list[dict]:
    return [dict(row) for row in (await db.execute(sql, params)).rows]


async def _tables(db: Database) -> set[str]:
    return set(await db.table_names())


async def item_review(db: Database, item_id: str) -> dict | None:
    """Everything the review page shows for one item, or None if there is no such item."""
    found = await _rows(db, "SELECT * FROM items WHERE id = ?", [item_id])
    if not found:
        return None
    item = found[0]
    tables = await _tables(db)
    text = item.get("text") or ""
    context: dict[str, Any] = {
        "item": item,
        "paragraphs": paragraphs(text),
        "original_is_link": is_web_url(item.get("url")),
        "reasons": reasons(item.get("relevance_reasons")),
        "facts": [],
        "sightings": await _rows(db, "SELECT * FROM sightings WHERE item_id = ? ORDER BY seen_at, id",
                                 [item_id]) if "sightings" in tables else [],
        "original": None,
        "copies": await _rows(db, "SELECT id, title, source, url, first_seen, duplicate_score "
                                  "FROM items WHERE duplicate_of = ? ORDER BY first_seen", [item_id]),
        "revisions": [],
        "events": [],
    }
    if item.get("duplicate_of"):
        originals = await _rows(db, "SELECT id, title, source, url, first_seen FROM items WHERE id = ?",
                                [item["duplicate_of"]])
        context["original"] = originals[0] if originals else {"id": item["duplicate_of"]}
    if "facts" in tables:
        # Title facts count their offsets within the title (facts.field), text facts within the text.
        for fact in await _rows(db, "SELECT * FROM facts WHERE item_id = ? "
                                    "ORDER BY coalesce(field, 'text') = 'text', start, id", [item_id]):
            source = item.get("title") if fact.get("field") == "title" else text
            fact["context"] = fact_context(source, fact.get("start"), fact.get("end"))
            context["facts"].append(fact)
    if "revisions" in tables:
        context["revisions"] = _revisions_with_diffs(
            item, await _rows(db, "SELECT * FROM revisions WHERE item_id = ? ORDER BY id", [item_id]))
    if {"events", "event_items"} <= tables:
        context["events"] = await _related_coverage(db, item, tables)
    return context


def _revisions_with_diffs(item: dict, revisions: list[dict]) -> list[dict]:
    """Each earlier version with the diff to the version that replaced it, newest first."""
    versions = revisions + [item]
    out = []
    for old, new in zip(versions, versions[1:]):
        out.append({**old, "new_title": new.get("title") if new.get("title") != old.get("title") else None,
                    "diff": text_diff(old.get("text"), new.get("text"))})
    return list(reversed(out))


async def _related_coverage(db: Database, item: dict, tables: set[str] | None = None) -> list[dict]:
    """The events this item belongs to, each with its other items and, where the store keeps
    it, its operation row (the one arrest figure and who reported it)."""
    events = await _rows(
        db, "SELECT * FROM events WHERE id IN (SELECT event_id FROM event_items WHERE item_id = ? "
            "UNION SELECT ?) ORDER BY first_published", [item["id"], item.get("event_id")])
    with_operations = tables is not None and "operations" in tables
    for event in events:
        event["operation_row"] = None
        if with_operations:
            found = await _rows(db, "SELECT * FROM operations WHERE event_id = ?", [event["id"]])
            event["operation_row"] = found[0] if found else None
            if found:  # the figure users read everywhere
                event["arrests"] = found[0]["arrests"]
                event["state"] = found[0]["state"]
        # members, and items pointing to the event (both looked up by index)
        event["items"] = await _rows(
            db, "SELECT i.id, i.title, i.source, i.agency, i.kind, i.published, i.url, "
                "ei.role, ei.reason FROM items i LEFT JOIN event_items ei "
                "ON ei.item_id = i.id AND ei.event_id = :event "
                "WHERE i.id != :item AND i.id IN (SELECT item_id FROM event_items WHERE event_id = :event "
                "UNION SELECT id FROM items WHERE event_id = :event) "
                "ORDER BY coalesce(i.published, i.first_seen)",
            {"event": event["id"], "item": item["id"]})
        if event["operation_row"] and event["operation_row"].get("disagreements"):
            event["disagreement_list"] = event["operation_row"]["disagreements"].splitlines()
        else:
            event["disagreement_list"] = reasons(event.get("disagreements"))
    return events
