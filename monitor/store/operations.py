"""The `operations` table: one row per event with the figures users read (monitor.intel.
operation_figures), kept by the store whenever an event is saved, inside the item's transaction.
`operation_months` (by month, state and agency) is kept from it by triggers (schema m011), so the
desk's totals read a few hundred rows instead of grouping every item per request."""

from __future__ import annotations

import logging

import sqlite_utils

from monitor.intel.events import EventSummary
from monitor.intel.operation_figures import MemberInfo, operation_row

logger = logging.getLogger(__name__)

COLUMNS = ("event_id", "label", "operation", "state", "agency", "arrests", "arrests_qualifier",
           "arrests_item", "arrests_by", "arrests_source", "arrests_role", "release_id",
           "first_date", "last_date", "month", "items", "releases", "coverage", "follow_ups",
           "copies", "outlets", "disagreements")
_UPSERT = (f"INSERT INTO operations ({', '.join(COLUMNS)}, updated) "
           f"VALUES ({', '.join('?' * len(COLUMNS))}, ?) ON CONFLICT (event_id) DO UPDATE SET "
           + ", ".join(f"{c} = excluded.{c}" for c in (*COLUMNS[1:], "updated")))
_CHUNK = 500


def member_info(db: sqlite_utils.Database, item_ids: list[str]) -> dict[str, MemberInfo]:
    found: dict[str, MemberInfo] = {}
    for offset in range(0, len(item_ids), _CHUNK):
        chunk = item_ids[offset:offset + _CHUNK]
        for ident, source, agency, site, duplicate_of in db.execute(
                f"SELECT id, source, agency, site, duplicate_of FROM items "
                f"WHERE id IN ({','.join('?' * len(chunk))})", chunk).fetchall():
            found[ident] = MemberInfo(source, agency, site, duplicate_of)
    return found


def save_operation(db: sqlite_utils.Database, summary: EventSummary, *, now: str) -> None:
    """Write the event's operation row (or remove it when the event is no operation: reports
    and statistics pages). Called wherever an event is saved, so a revised member shows."""
    row = operation_row(summary, member_info(db, summary.item_ids))
    if row is None:
        db.execute("DELETE FROM operations WHERE event_id = ?", [summary.event_id])
        return
    db.execute(_UPSERT, [*(row[c] for c in COLUMNS), now])
