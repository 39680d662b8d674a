"""Reading a test's SQLite store: open it read-only, run one query, close it. Read-only, so a
test that reads cannot change what it checks, nor create a missing database."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path


def _read_only(db: Path | str) -> sqlite3.Connection:
    return sqlite3.connect(Path(db).resolve().as_uri() + "?mode=ro", uri=True)


def rows(db: Path | str, sql: str, params: Sequence = ()) -> list[tuple]:
    """The rows the query finds in the database at `db`, as tuples."""
    conn = _read_only(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def rows_as_dicts(db: Path | str, sql: str, params: Sequence = ()) -> list[dict]:
    """The rows the query finds in the database at `db`, as column name -> value."""
    conn = _read_only(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()
