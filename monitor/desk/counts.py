"""Row counts on the database page that cannot hold it up.

Datasette 0.65 counts every table's rows for the database page (and the home page of a small
database) with `select count(*) from [table]` under a 5-10 ms time limit. SQLite answers that
count with one instruction that walks a whole b-tree, and its time limit (a progress handler
between instructions) cannot stop it: at 1,000,000 items the database page took 2.2 s counting
lsh_bands (40 rows per item), facts and the FTS index. The desk counts as Datasette 1.0 does
(its issue #2398): at most COUNT_LIMIT + 1 rows, a scan the time limit can stop. A table with
more rows than COUNT_LIMIT gets no count, which Datasette shows as "Many rows" (null in JSON),
never a wrong figure; the table's own page still counts its rows exactly.
"""

from __future__ import annotations

import sqlite3
import types

from datasette.database import QueryInterrupted
from datasette.utils import escape_sqlite

COUNT_LIMIT = 10_000


def count_sql(table: str, limit: int = COUNT_LIMIT) -> str:
    return f"select count(*) from (select 1 from {escape_sqlite(table)} limit {limit + 1})"


async def bounded_table_counts(db, limit: int = 10) -> dict[str, int | None]:
    """{table: its row count, or None when it has more than COUNT_LIMIT rows or counting took
    longer than `limit` ms}: Database.table_counts with a count that stops."""
    counts: dict[str, int | None] = {}
    for table in await db.table_names():
        try:
            rows = (await db.execute(count_sql(table), custom_time_limit=limit)).rows
            count = rows[0][0]
        except (QueryInterrupted, sqlite3.OperationalError, sqlite3.DatabaseError):
            count = None
        counts[table] = count if count is not None and count <= COUNT_LIMIT else None
    return counts


def bound_counts(db) -> None:
    """Make this Datasette database count its tables with bounded_table_counts."""
    db.table_counts = types.MethodType(bounded_table_counts, db)
