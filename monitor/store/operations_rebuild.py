"""Rebuilding the `operations` table from the stored events: for a database made before the table
(its migration) or filled by bulk SQL (the desk benchmark). Apart from monitor.store.operations,
which intel_links calls for every saved event, so that neither module imports the other."""

from __future__ import annotations

import sqlite_utils

from monitor.store import operations
from monitor.store.intel_links import summaries_of

CHUNK = 500  # events read at once


def rebuild_operations(db: sqlite_utils.Database, *, now: str, only_missing: bool = False) -> int:
    """Write the operation row of every stored event (a database made before the table, or
    filled by bulk SQL), or only of those without one; return how many events were read."""
    sql = "SELECT id FROM events"
    if only_missing:
        sql += " WHERE NOT EXISTS (SELECT 1 FROM operations WHERE event_id = events.id)"
    ids = [row[0] for row in db.execute(sql + " ORDER BY rowid").fetchall()]
    for offset in range(0, len(ids), CHUNK):
        for summary in summaries_of(db, ids[offset:offset + CHUNK]):
            if summary.members:
                operations.save_operation(db, summary, now=now)
    return len(ids)
