"""Table pages that follow `_next` to the end list every row once, searched or not.

Datasette 0.65 pages a sorted table by keyset: the next page starts after the last row's
(sort value, primary key), and is ordered by the sort column then the primary key. The first
page, though, is ordered by the sort column alone, so the rows that share a sort value come in
SQLite's scan order (rowid, or an index read backwards), not by primary key. Where the last
row of the first page shares its value with others, the second page repeats some of them and
never shows others: paging the items table (sorted by published date, a text id as its key)
20 at a time lost 80 of 3,000 items and showed 15 twice. The desk gives the first page the
order of the others: Datasette's table query with a one-column order gets the primary key
(or rowid) after it, which is what Datasette's own later pages use.
"""

from __future__ import annotations

import re
import types
from contextvars import ContextVar

from datasette.utils import escape_sqlite

# (escaped table name, its escaped primary key order) while a request builds that table's page
_TABLE_PAGE: ContextVar[tuple[str, str] | None] = ContextVar("desk_table_page", default=None)
# the end of Datasette's table query when sorted by one column: ` order by [col] desc limit 51`
_ONE_COLUMN_ORDER = re.compile(
    r" order by (?P<column>\[[^\]]+\]|[A-Za-z_][A-Za-z0-9_]*)(?P<desc> desc)? limit (?P<limit>\d+)$")


def with_tiebreaker(sql: str, table: str, tiebreaker: str) -> str:
    """Datasette's query for a page of `table` (escaped name), ordered by one column, with the
    `tiebreaker` (the escaped primary key columns, or rowid) after it; any other SQL as it is."""
    if not sql.startswith("select ") or f" from {table} " not in sql:
        return sql
    order = _ONE_COLUMN_ORDER.search(sql)
    if order is None or order["column"] == tiebreaker:
        return sql
    return (f"{sql[:order.start()]} order by {order['column']}{order['desc'] or ''}, "
            f"{tiebreaker} limit {order['limit']}")


async def mark_table_page(db, table: str) -> None:
    """The rest of this request builds a page of `table`: its query gets a tiebreaker."""
    if not await db.table_exists(table):  # a view pages by offset, and has no key to add
        return
    pks = await db.primary_keys(table)
    tiebreaker = ", ".join(escape_sqlite(pk) for pk in pks) if pks else "rowid"
    _TABLE_PAGE.set((escape_sqlite(table), tiebreaker))


def forget_table_page():
    """Start a request with no table page marked; pass the token to end_request()."""
    return _TABLE_PAGE.set(None)


def end_request(token) -> None:
    _TABLE_PAGE.reset(token)


async def _execute_tiebroken(db, sql, *args, **kwargs):
    page = _TABLE_PAGE.get()
    if page is not None and isinstance(sql, str):
        sql = with_tiebreaker(sql, *page)
    return await db._desk_execute(sql, *args, **kwargs)


def tiebreak_table_pages(db) -> None:
    """Make this Datasette database order the first page of a sorted table as its next pages."""
    if getattr(db, "_desk_execute", None) is not None:
        return
    db._desk_execute = db.execute
    db.execute = types.MethodType(_execute_tiebroken, db)
