"""What the desk does to every answer so scraped text cannot act on whoever reads it:
spreadsheet formulas in CSV and JSON exports neutralised, security headers on every page, and
with --public, no debug or introspection pages (they show file paths, threads and settings).

Formulas: OWASP's advice on CSV injection is to prefix a cell that starts with `=`, `+`, `-`,
`@`, a tab or a carriage return with a single quote, so that a spreadsheet shows it as text
instead of evaluating it (`=HYPERLINK(...)` in a scraped title). Cells that are plain numbers
(`-5`, `+1.5`) are left alone: they cannot be formulas. JSON strings get the same prefix (and
the document stays valid JSON), since JSON exports are opened in spreadsheets too.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from monitor.desk import ITEM_PATH, OPERATION_PATH, OPERATIONS_PATH

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# JSON keys whose values are the request's own SQL, not data.
_NOT_DATA_KEYS = frozenset({"sql", "query"})

# With unsafe-inline: Datasette's pages and the dashboards carry inline scripts and styles;
# unsafe-eval: Vega compiles chart expressions with the Function constructor. What the policy
# buys is that nothing loads from, posts to or frames into anywhere but the desk itself.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii")),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
# Under /-/ a public desk serves only these: static files, and the desk's own pages (the item
# page, dashboards, the operations list and pages), which show no path or setting.
PUBLIC_PREFIXES = ("/-/static/", "/-/static-plugins/", ITEM_PATH, "/-/dashboards", OPERATIONS_PATH, OPERATION_PATH)
DEBUG_ARGS = ("_trace",)  # `.csv?_trace=1` wraps the CSV, unescaped, in an HTML page


def neutralise_cell(value: Any) -> Any:
    """A text cell a spreadsheet would evaluate, prefixed with a single quote; anything else
    unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) \
            and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_csv(body: str) -> str:
    """Every cell of a CSV document (Datasette writes the excel dialect, CRLF lines)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv.reader(io.StringIO(body, newline="")):
        writer.writerow([neutralise_cell(cell) for cell in row])
    return out.getvalue()


def _neutralise_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: item if key in _NOT_DATA_KEYS else _neutralise_json(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_neutralise_json(item) for item in value]
    return neutralise_cell(value)


def neutralise_json(body: str) -> str | None:
    """Every string value of a JSON document (or of each line of newline-delimited JSON),
    re-serialised as valid JSON; None when the body is not JSON."""
    try:
        return json.dumps(_neutralise_json(json.loads(body)), ensure_ascii=False)
    except ValueError:
        pass
    lines = []
    try:
        for line in body.splitlines():
            lines.append(json.dumps(_neutralise_json(json.loads(line)), ensure_ascii=False)
                         if line.strip() else line)
    except ValueError:
        return None
    return "\n".join(lines) + ("\n" if body.endswith("\n") else "")


def export_format(path: str, query_string: bytes) -> str | None:
    """'csv' or 'json' when a request asks for a data export (by extension or _format)."""
    args = dict(parse_qsl(query_string.decode("utf-8", "replace")))
    fmt = args.get("_format")
    if fmt in ("csv", "json"):
        return fmt
    for ext in ("csv", "json"):
        if path.endswith("." + ext):
            return ext
    return None


def is_debug_path(path: str) -> bool:
    """An introspection page (/-/versions, /-/databases with file paths, /-/threads, ...)."""
    return path.startswith("/-/") and not path.startswith(PUBLIC_PREFIXES)


def without_debug_args(query_string: bytes) -> bytes:
    if b"_trace" not in query_string:
        return query_string
    pairs = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
    return urlencode([(k, v) for k, v in pairs if k not in DEBUG_ARGS]).encode("ascii")


def _with_headers(headers: list, *, length: int | None = None) -> list:
    drop = {name for name, _ in SECURITY_HEADERS}
    if length is not None:
        drop.add(b"content-length")
    out = [(name, value) for name, value in headers if name.lower() not in drop]
    out += list(SECURITY_HEADERS)
    if length is not None:
        out.append((b"content-length", str(length).encode("ascii")))
    return out


def safety_wrapper(app, *, public: bool):
    """ASGI middleware: security headers on every answer, formulas neutralised in CSV and
    JSON exports, debug arguments dropped, and with `public` debug pages answer 404."""

    async def wrapped(scope, receive, send):
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        path = scope.get("path", "")
        if public and is_debug_path(path):
            await _not_found(send)
            return
        query_string = without_debug_args(scope.get("query_string") or b"")
        if query_string != scope.get("query_string"):
            scope = dict(scope, query_string=query_string)
        fmt = export_format(path, query_string)
        if fmt is None or path.startswith("/-/"):
            async def send_with_headers(message):
                if message["type"] == "http.response.start":
                    message = {**message, "headers": _with_headers(message.get("headers", []))}
                await send(message)

            await app(scope, receive, send_with_headers)
            return
        start: dict = {}
        chunks: list[bytes] = []

        async def buffered(message):  # exports are bounded (max_csv_mb, max_returned_rows)
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            content_type = dict(start.get("headers", [])).get(b"content-type", b"").decode()
            if start.get("status") == 200 and not content_type.startswith("text/html"):
                text = body.decode("utf-8", "replace")
                changed = neutralise_csv(text) if fmt == "csv" else neutralise_json(text)
                if changed is not None:
                    body = changed.encode("utf-8")
            await send({**start, "headers": _with_headers(start.get("headers", []),
                                                          length=len(body))})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, buffered)

    return wrapped


async def _not_found(send) -> None:
    body = b"Not found: this page is not served by a public desk."
    await send({"type": "http.response.start", "status": 404,
                "headers": _with_headers([(b"content-type", b"text/plain; charset=utf-8")],
                                         length=len(body))})
    await send({"type": "http.response.body", "body": body})
