"""The SQLite database, the only package that holds SQL: the schema (schema.py), the `Store`
that reads and writes it (database.py), and the linking of items to near-duplicates and events
(intel_links.py)."""

from monitor.store.database import (ABORTED, DEFAULT_DB, DUPLICATE, FAILED, NEW, OK, PARTIAL,
                                    RUNNING, UNCHANGED, UPDATED, Store, connect)

__all__ = ["ABORTED", "DEFAULT_DB", "DUPLICATE", "FAILED", "NEW", "OK", "PARTIAL", "RUNNING",
           "UNCHANGED", "UPDATED", "Store", "connect"]
