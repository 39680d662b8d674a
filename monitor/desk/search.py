"""Search in the desk: what people type (FTS5's syntax: OR, NOT, -word, "phrases", prefix*,
see monitor.store.fts) always runs, in the items table's search box and in canned queries.

Datasette 0.65 passes `?_search=` through its SQL function escape_fts(), which quotes every
word (no OR, no prefixes) and still fails on input such as `"` (HTTP 400 "Invalid SQL"); the
desk registers its own escape_fts() in its place (plugins/desk_sql.py), so the box keeps the
text as typed. `?_searchmode=raw` passes FTS5 text untouched: it is kept only when valid.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from monitor.store.fts import MATCH_NOTHING, MAX_QUERY_CHARS, fts5_accepts, user_query

__all__ = ["MATCH_NOTHING", "fts5_accepts", "guard_query_string", "safe_fts_query",
           "safe_search_text"]


def _clean(text: object) -> str:
    return str(text or "").replace("\x00", " ")[:MAX_QUERY_CHARS]


def safe_fts_query(text: object) -> str:
    """User text as an FTS5 query that always runs, MATCH_NOTHING when nothing in it can be
    searched for. Registered as the SQL functions desk_fts() (canned queries) and
    escape_fts() (Datasette's table search)."""
    return user_query(_clean(text)) or MATCH_NOTHING


def safe_search_text(text: str) -> str | None:
    """A `_search` value as typed (NUL characters removed), or None when nothing in it can be
    searched for (blank, a lone quote, punctuation): then no search applies, as with an
    empty box."""
    cleaned = _clean(text)
    return cleaned if user_query(cleaned) is not None else None


def guard_query_string(query_string: bytes) -> bytes:
    """Rewrite a request's query string so table searches cannot fail: a `_search` or
    `_search_<column>` value with nothing searchable is dropped, and `_searchmode=raw` is kept
    only when every raw query is valid FTS5 (else the text is read as typed search)."""
    if b"_search" not in query_string:
        return query_string
    pairs = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
    searches = [value for key, value in pairs if key.startswith("_search") and key != "_searchmode"]
    raw = any(k == "_searchmode" and v == "raw" for k, v in pairs)
    raw_ok = raw and all(fts5_accepts(_clean(value)) for value in searches)
    guarded: list[tuple[str, str]] = []
    for key, value in pairs:
        if key == "_searchmode":
            if value != "raw" or raw_ok:
                guarded.append((key, value))
        elif key.startswith("_search"):
            safe = _clean(value) if raw_ok else safe_search_text(value)
            if safe is not None:
                guarded.append((key, safe))
        else:
            guarded.append((key, value))
    if guarded == pairs:
        return query_string
    return urlencode(guarded).encode("ascii")


# -- a search that matches most of a large store --------------------------------------------
# Datasette's table search (`rowid in (select rowid from items_fts where items_fts match ...)`)
# reads, sorts, counts and facets every matching row: a word in every item costs seconds at
# 100,000 items. When the search is the only filter and matches more than SEARCH_CAP items, the
# items table lists the SEARCH_CAP most recently stored matches (FTS5 reads them newest rowid
# first and stops), and its description says so with the number of all matches.

SEARCH_CAP = 10_000
# Request arguments that shape the page, not which rows match: with any other the search is exact.
NOT_FILTERS = frozenset({
    "_search", "_searchmode", "_sort", "_sort_desc", "_next", "_size", "_col", "_nocol",
    "_facet", "_facet_array", "_facet_date", "_facet_fact", "_facet_size", "_labels",
    "_nolabels", "_shape", "_json", "_json_infinity", "_nl", "_nofacet", "_nocount",
    "_nosuggest", "_trace", "_stream", "_dl", "_header",
})


def search_clause(fts_table: str, match: str, cap: int | None = None) -> str:
    """The where clause of a table search (Datasette's own shape), limited to the `cap` most
    recently stored matches when `cap` is given."""
    limit = f" order by rowid desc limit {int(cap)}" if cap else ""
    return f"rowid in (select rowid from {fts_table} where {fts_table} match {match}{limit})"


def only_search(args) -> bool:
    """Is the search the only thing that filters the rows (no column filter, no fact or date
    filter, no `_where`)?"""
    return all(key in NOT_FILTERS for key in args)


def capped_description(search: str, shown: int, matches: int | None) -> str:
    total = f"{matches:,}" if matches is not None else f"more than {shown:,}"
    return (f'search matches "{search}" (the {shown:,} most recently stored of its {total} '
            "matches: add words or a filter to reach the others)")
