"""Plain INSERT and UPDATE statements for the store's per-item writes. sqlite-utils' table methods
re-read the table's schema (table names, columns, primary keys) on every call: a dozen queries
per stored item, more than the writes themselves. Values must be plain (str, int, float, None)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils


def insert_row(db: sqlite_utils.Database, table: str, row: dict) -> None:
    """INSERT one row into an existing table."""
    insert_rows(db, table, [row])


def insert_rows(db: sqlite_utils.Database, table: str, rows: Sequence[dict]) -> None:
    """INSERT rows that all have the keys of the first one."""
    if not rows:
        return
    names = list(rows[0])
    columns = ", ".join(f'"{name}"' for name in names)
    db.conn.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(names))})',
                        [[row[name] for name in names] for row in rows])


def update_row(db: sqlite_utils.Database, table: str, ident: str, values: dict) -> None:
    """UPDATE the columns in `values` of the row whose `id` is `ident`."""
    assignments = ", ".join(f'"{name}" = ?' for name in values)
    db.execute(f'UPDATE "{table}" SET {assignments} WHERE id = ?', [*values.values(), ident])
