"""The desk's volume store: 3,000 items grown by the benchmarks' builder (the store's own
migrations), once a session (the `grown_desk_db` fixture of tests/conftest.py). It is shared, so
it is only read; a test that writes to it writes to its own `private_copy`."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

ITEMS = 3000


def grow(directory: Path) -> Path:
    """A store of ITEMS items, grown in `directory`."""
    # the builder imports the store and the benchmarks: only when a test asks for the store
    from benchmarks import desk_speed

    path = directory / "monitor.db"
    assert desk_speed.grow(path, ITEMS) == ITEMS
    return path


def private_copy(db: Path, target: Path) -> Path:
    """A copy of the store at `db` at `target`, for a test that writes (SQLite's backup: a
    consistent copy whatever connections are open on `db`)."""
    source = sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    return target


def fingerprint(db: Path) -> tuple[str, int]:
    """The database file's digest and the size of its write-ahead log: the same before and after
    the tests that only read it (a reader leaves no log, or an empty one)."""
    wal = db.with_name(db.name + "-wal")
    return (hashlib.sha256(db.read_bytes()).hexdigest(), wal.stat().st_size if wal.exists() else 0)
