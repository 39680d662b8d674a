"""The operations list (/-/operations, filtered by state, agency, dates and name) and the operation
page (/-/operation/<event id>: its figures and who reported which, its releases, its coverage by
outlet, a timeline, disagreements in words), read from the store's `operations` table."""

from __future__ import annotations

from typing import Any

from datasette.database import Database

from monitor.desk import dates
from monitor.desk.review import is_web_url

PAGE_SIZE = 100
FILTERS = ("state", "agency", "since", "until", "name")


def operation_filters(args: dict[str, str]) -> tuple[str, list[Any], list[str], list[str]]:
    """(WHERE clause, parameters, what was chosen in words, problems) for the list's filters:
    state (USPS code), agency, since / until (a year, month or day, on the operation's dates),
    name (words in the operation's name or label)."""
    where, params, chosen, problems = [], [], [], []
    state = (args.get("state") or "").strip().upper()
    if state:
        where.append("state = ?")
        params.append(state)
        chosen.append(f"state {state}")
    agency = (args.get("agency") or "").strip()
    if agency:
        where.append("agency = ?")
        params.append(agency)
        chosen.append(f"agency {agency}")
    for key, column, end in (("since", "last_date", False), ("until", "first_date", True)):
        raw = (args.get(key) or "").strip()
        if not raw:
            continue
        try:
            bound = dates.bound(raw, key, end=end)
        except dates.DateFilterError as problem:
            problems.append(str(problem))
            continue
        where.append(f"{column} {'<=' if end else '>='} ?")
        params.append(bound)
        chosen.append(f"{key} {bound}")
    name = (args.get("name") or "").strip()
    if name:
        for word in name.split()[:8]:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append("(coalesce(operation, '') || ' ' || coalesce(label, '')) LIKE ? ESCAPE '\\'")
            params.append(f"%{escaped}%")
        chosen.append(f"name contains {name!r}")
    return (" AND ".join(where) or "1 = 1"), params, chosen, problems


async def _rows(db: Database, sql: str, params: Any = None) -> list[dict]:
    return [dict(row) for row in (await db.execute(sql, params or []))]


async def operations_list(db: Database, args: dict[str, str]) -> dict:
    """The list page's content: operations matching the filters, newest first, a page at a
    time (keyset: `before` is the last row's first_date|event_id)."""
    where, params, chosen, problems = operation_filters(args)
    before = (args.get("before") or "").split("|", 1)
    if len(before) == 2 and before[0]:  # after a dated row: older ones, then the undated
        where += (" AND (first_date < ? OR (first_date = ? AND event_id < ?) OR first_date IS NULL)")
        params += [before[0], before[0], before[1]]
    elif len(before) == 2:  # after an undated row: the undated ones left
        where += " AND first_date IS NULL AND event_id < ?"
        params.append(before[1])
    # newest first by the first_date index (undated ones last: NULL sorts lowest)
    rows = await _rows(db, f"SELECT * FROM operations WHERE {where} "
                           f"ORDER BY first_date DESC, event_id DESC LIMIT {PAGE_SIZE + 1}",
                       params)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    states = [r["state"] for r in await _rows(
        db, "SELECT DISTINCT state FROM operation_months WHERE state != '' AND operations > 0 ORDER BY state")]
    agencies = [r["agency"] for r in await _rows(
        db, "SELECT DISTINCT agency FROM operation_months WHERE agency != '' AND operations > 0 ORDER BY agency")]
    return {
        "operations": rows,
        "chosen": chosen,
        "problems": problems,
        "args": {key: args.get(key, "") for key in FILTERS},
        "states": states,
        "agencies": agencies,
        "next_before": f"{rows[-1]['first_date'] or ''}|{rows[-1]['event_id']}" if more and rows else None,
    }


_ROLE_WORDS = {"release": "agency release", "coverage": "coverage", "follow_up": "follow-up"}


def _claims(facts: list[dict]) -> dict[str, list[dict]]:
    """item id -> its arrest facts (count, qualifier, quote)."""
    claims: dict[str, list[dict]] = {}
    for fact in facts:
        claims.setdefault(fact["item_id"], []).append(fact)
    return claims


async def operation_detail(db: Database, event_id: str) -> dict | None:
    """Everything the operation page shows, or None if there is no such operation."""
    found = await _rows(db, "SELECT * FROM operations WHERE event_id = ?", [event_id])
    if not found:
        return None
    operation = found[0]
    members = await _rows(
        db, "SELECT i.id, i.title, i.source, i.agency, i.site, i.kind, i.published, i.first_seen, "
            "i.last_changed, i.url, i.duplicate_of, i.status, ei.role, ei.reason, ei.linked_at "
            "FROM event_items ei JOIN items i ON i.id = ei.item_id WHERE ei.event_id = ? "
            "ORDER BY coalesce(i.published, i.first_seen), i.first_seen", [event_id])
    ids = [m["id"] for m in members]
    marks = ",".join("?" * len(ids))
    facts = await _rows(db, f"SELECT item_id, count, qualifier, quote, field FROM facts "
                            f"WHERE kind = 'arrests' AND item_id IN ({marks}) ORDER BY field = 'text', id",
                        ids) if ids else []
    claims = _claims(facts)
    revisions = await _rows(db, f"SELECT item_id, replaced_at FROM revisions WHERE item_id IN ({marks}) "
                                f"ORDER BY replaced_at", ids) if ids else []
    outlets: dict[str, dict] = {}
    timeline = []
    for member in members:
        member["is_link"] = is_web_url(member.get("url"))
        member["who"] = (member["agency"] if member.get("kind") == "press_release" and member.get("agency")
                         else member.get("site") or member.get("source") or "unknown source")
        member["arrest_facts"] = claims.get(member["id"], [])
        outlets.setdefault(member["who"], {"who": member["who"], "source": member["source"],
                                           "items": []})["items"].append(member)
        timeline.append({"date": (member.get("published") or member.get("first_seen") or "")[:10],
                         "what": _ROLE_WORDS.get(member.get("role"), member.get("role") or "item"),
                         "item": member})
    by_id = {member["id"]: member for member in members}
    for revision in revisions:
        timeline.append({"date": revision["replaced_at"][:10], "what": "revised", "item": by_id[revision["item_id"]]})
    timeline.sort(key=lambda entry: entry["date"] or "9999")
    event = (await _rows(db, "SELECT first_seen, last_seen FROM events WHERE id = ?", [event_id]) or [{}])[0]
    return {
        "operation": operation,
        "event": event,
        "members": members,
        "releases": [m for m in members if m.get("kind") == "press_release"],
        "outlets": sorted(outlets.values(), key=lambda o: (-len(o["items"]), o["who"])),
        "timeline": timeline,
        "disagreements": (operation.get("disagreements") or "").splitlines(),
        "figure_item": by_id.get(operation.get("arrests_item")),
    }

