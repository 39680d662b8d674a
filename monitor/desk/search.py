"""Search input made safe for SQLite FTS5: no text a user types can reach SQLite as a syntax error.

Datasette 0.65 escapes `?_search=` with `escape_fts`, which still fails on input such as `"`,
blank text or a NUL character (HTTP 400 "Invalid SQL"), and `?_searchmode=raw` passes FTS syntax
through untouched. Each candidate query is tried against a tiny in-memory FTS5 table first.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from urllib.parse import parse_qsl, urlencode

from datasette.utils import escape_fts

MAX_SEARCH_CHARS = 1000
MATCH_NOTHING = '""'  # an empty phrase: valid FTS5, matches no row
_WORD = re.compile(r"\w+", flags=re.UNICODE)
_probe = threading.local()  # one probe connection per thread (Datasette runs SQL in threads)


def _probe_connection() -> sqlite3.Connection:
    conn = getattr(_probe, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE VIRTUAL TABLE probe USING fts5(title, text, tokenize='porter')")
        _probe.conn = conn
    return conn


def fts5_accepts(query: str) -> bool:
    """Would `... MATCH query` run without an error?"""
    if not query:
        return False
    try:
        _probe_connection().execute("SELECT count(*) FROM probe WHERE probe MATCH ?",
                                    [query]).fetchone()
    except (sqlite3.Error, ValueError):
        return False
    return True


def _clean(text: object) -> str:
    return str(text or "").replace("\x00", " ")[:MAX_SEARCH_CHARS]


def _quoted_words(text: str) -> str:
    return " ".join(f'"{word}"' for word in _WORD.findall(text))


def safe_fts_query(text: object) -> str:
    """User text as an FTS5 query that always runs: Datasette's escaping (which keeps quoted
    phrases) when that is valid, else the words quoted one by one, else a query matching
    nothing. Registered as the SQL function desk_fts() for canned queries."""
    text = _clean(text)
    escaped = escape_fts(text)
    if fts5_accepts(escaped):
        return escaped
    return _quoted_words(text) or MATCH_NOTHING


def safe_search_text(text: str) -> str | None:
    """A `_search` value that Datasette's own escaping turns into a valid query: the text as
    typed when possible, else its words; None when nothing in it can be searched."""
    cleaned = _clean(text)
    if fts5_accepts(escape_fts(cleaned)):
        return cleaned
    words = " ".join(_WORD.findall(cleaned))
    return words or None


def guard_query_string(query_string: bytes) -> bytes:
    """Rewrite a request's query string so table searches cannot fail: every `_search` and
    `_search_<column>` value made safe (dropped if nothing is searchable), and `_searchmode=raw`
    (FTS5 syntax for power users) kept only when the raw query is valid."""
    if b"_search" not in query_string:
        return query_string
    pairs = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
    searches = [value for key, value in pairs if key.startswith("_search") and key != "_searchmode"]
    raw_ok = all(fts5_accepts(_clean(value)) for value in searches)
    guarded: list[tuple[str, str]] = []
    for key, value in pairs:
        if key == "_searchmode":
            if value != "raw" or raw_ok:
                guarded.append((key, value))
        elif key.startswith("_search"):
            if raw_ok and any(k == "_searchmode" and v == "raw" for k, v in pairs):
                guarded.append((key, _clean(value)))
                continue
            safe = safe_search_text(value)
            if safe is not None:
                guarded.append((key, safe))
        else:
            guarded.append((key, value))
    if guarded == pairs:
        return query_string
    return urlencode(guarded).encode("ascii")
