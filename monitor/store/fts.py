"""Search text as people type it, made into an SQLite FTS5 query that always runs.

The syntax is FTS5's own, so its users get what they expect: words (all must match),
`OR`, `AND`, `NOT` (upper case, as in FTS5), "quoted phrases", prefix*, (groups) and
`title:word` / `text:word`; and, as in web search, `-word` leaves out items with the word.
Everything else is text: a lone `"`, stray brackets or operators, `NEAR(`, `^`, punctuation
and NUL characters never reach SQLite as syntax. Words are quoted only where FTS5 needs it,
so a query typed correctly comes back as typed.
"""

from __future__ import annotations

import re
import sqlite3
import threading

MAX_QUERY_CHARS = 1000
MATCH_NOTHING = '""'  # an empty phrase: valid FTS5, matches no row
COLUMNS = ("title", "text")  # the columns of items_fts
OPERATORS = ("AND", "OR", "NOT")
# A phrase (closed or running to the end), a bracket, or a run of anything else.
_TOKEN = re.compile(r'"([^"]*)"?|([()])|([^\s"()]+)')
_BAREWORD = re.compile(r"[A-Za-z0-9_\u0080-\U0010ffff]+")
_HAS_WORD = re.compile(r"\w", flags=re.UNICODE)
_COLUMN_FILTERS = tuple(f"{column}:" for column in COLUMNS)
_probe = threading.local()  # one in-memory FTS5 table per thread (Datasette runs SQL in threads)


def fts5_accepts(query: str) -> bool:
    """Would `... MATCH query` run without an error?"""
    if not query:
        return False
    conn = getattr(_probe, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        conn.execute(f"CREATE VIRTUAL TABLE probe USING fts5({', '.join(COLUMNS)}, "
                     "tokenize='porter')")
        _probe.conn = conn
    try:
        conn.execute("SELECT count(*) FROM probe WHERE probe MATCH ?", [query]).fetchone()
    except (sqlite3.Error, ValueError):
        return False
    return True


def _string(text: str) -> str:
    """One FTS5 string: bare when FTS5 reads it as a plain word, else quoted."""
    if _BAREWORD.fullmatch(text) and text not in OPERATORS and text != "NEAR":
        return text
    return '"' + text.replace('"', "") + '"'


def _term(chunk: str) -> str | None:
    """A word as typed (`fent*`, `title:raid`, `four-day`) as an FTS5 phrase, or None when it
    holds nothing searchable."""
    column = None
    name, colon, rest = chunk.partition(":")
    if colon and name.lower() in COLUMNS and _HAS_WORD.search(rest):
        column, chunk = name.lower(), rest
    prefix = chunk.endswith("*")
    chunk = chunk.strip("*")
    if not _HAS_WORD.search(chunk):
        return None
    phrase = _string(chunk) + ("*" if prefix else "")
    return f"{column}:{phrase}" if column else phrase


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, value) pairs: term, op, open, close, column (a `title:` before a phrase)."""
    out: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        phrase, bracket, chunk = match.groups()
        if bracket:
            out.append(("open" if bracket == "(" else "close", bracket))
        elif chunk is not None:
            if chunk in OPERATORS:
                out.append(("op", chunk))
            elif chunk.endswith(":") and chunk[:-1].lower() in COLUMNS:
                out.append(("column", chunk[:-1].lower()))
            elif chunk == "-":  # -(a group)
                out.append(("op", "-"))
            else:
                negated = chunk.startswith("-") and len(chunk) > 1
                term = _term(chunk[1:] if negated else chunk)
                if term:
                    if negated:
                        out.append(("op", "-"))
                    out.append(("term", term))
        elif phrase is not None and _HAS_WORD.search(phrase):
            closed = len(match.group(0)) > 1 and match.group(0).endswith('"')
            prefix = closed and text[match.end():match.end() + 1] == "*"
            out.append(("term", '"' + phrase + '"' + ("*" if prefix else "")))
    return out


def _group(tokens: list[tuple[str, str]], at: int) -> tuple[str | None, int]:
    """The FTS5 text of the tokens from `at` to the matching close bracket (or the end), and
    where it stopped. Operators without operands on both sides are dropped; a NOT (or -word)
    with nothing before it leaves its operand out of whatever the rest matches."""
    out: list[str] = []
    left_out: list[str] = []
    pending: str | None = None
    negate = False
    column: str | None = None
    while at < len(tokens):
        kind, value = tokens[at]
        at += 1
        if kind == "close":
            break
        if kind == "column":
            column = value
            continue
        if kind == "op":
            if value == "-" or (value == "NOT" and (not out or pending)):
                negate = True
            elif out and pending is None:
                pending = value
            continue
        if kind == "open":
            operand, at = _group(tokens, at)
            if operand is not None:
                operand = f"({operand})"
        else:
            operand = value
        if operand is not None and column and not operand.startswith(_COLUMN_FILTERS):
            operand = f"{column}:{operand}"
        column = None
        if operand is None:
            continue
        if negate:
            left_out.append(operand)
            negate, pending = False, None
            continue
        if out:
            # side by side is FTS5's implicit AND, but only between phrases, not groups
            grouped = operand.startswith("(") or out[-1].endswith(")")
            if pending or grouped:
                out.append(pending or "AND")
        out.append(operand)
        pending = None
    if not out:
        # only exclusions (`-fentanyl`, `NOT raid`): FTS5 cannot say "everything but", and
        # searching for the excluded words would list the opposite of what was asked
        return (MATCH_NOTHING if left_out else None), at
    query = " ".join(out)
    if left_out:
        query = (f"({query})" if len(out) > 1 else query) + "".join(f" NOT {n}" for n in left_out)
    return query, at


def user_query(text: object) -> str | None:
    """What a person typed as an FTS5 query that runs; None when it holds nothing to search
    for (blank, a lone quote, punctuation); MATCH_NOTHING for exclusions alone. Every result is checked against
    FTS5; in the unforeseen case that one fails, its words are searched instead."""
    text = str(text or "").replace("\x00", " ")[:MAX_QUERY_CHARS]
    tokens = _tokens(text)
    query, at = _group(tokens, 0)
    while at < len(tokens):  # text after an unmatched close bracket: go on as if it was not there
        more, at = _group(tokens, at)
        if more:
            query = f"{query} AND {more}" if query else more
    if query is None:
        return None
    if fts5_accepts(query):
        return query
    words = [_string(word) for word in re.findall(r"\w+", text, flags=re.UNICODE)]
    return " ".join(words) or None
