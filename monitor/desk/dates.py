"""Date filters people use: "this week", "this month", or a range of days, on the items table
(?_when=week|month|today|year, ?_since=YYYY-MM-DD, ?_until=YYYY-MM-DD, days inclusive) and on
the operations table; the same words as parameters of the canned queries.

Dates are compared as the store writes them (monitor.store.dates.normalise_date): ISO 8601,
a day or a day and time with the page's own offset, so the first ten characters are the day
the page states. Weeks start on Monday; "this week" and "this month" are in UTC.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

WHEN = ("today", "week", "month", "year")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_PERIOD = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
# table -> (its date column, the column standing in when it is empty)
DATE_COLUMNS = {"items": ("published", "first_seen"), "operations": ("first_date", None)}


class DateFilterError(ValueError):
    """A date filter that cannot be understood (the message says what is accepted)."""


def since(when: str, today: date | None = None) -> date:
    """The first day of this week (Monday), this month, this year, or today."""
    today = today or date.today()
    if when == "today":
        return today
    if when == "week":
        return today - timedelta(days=today.weekday())
    if when == "month":
        return today.replace(day=1)
    if when == "year":
        return today.replace(month=1, day=1)
    raise DateFilterError(f"_when={when!r}: must be one of {', '.join(WHEN)}")


def day(value: str, name: str) -> str:
    """A day written YYYY-MM-DD (the items' _since / _until)."""
    if not _DAY.fullmatch(value or ""):
        raise DateFilterError(f"{name}={value!r}: a day is written YYYY-MM-DD, e.g. 2024-03-14")
    return bound(value, name, end=False)


def bound(value: str, name: str, *, end: bool) -> str:
    """'2024', '2024-05' or '2024-05-02' as the first (or, with `end`, the last) day it covers,
    ISO (the operations list's since / until)."""
    value = (value or "").strip()
    if not _PERIOD.fullmatch(value):
        raise DateFilterError(f"{name}: {value!r} is not a date (use 2024, 2024-05 or 2024-05-02)")
    parts = [int(p) for p in value.split("-")]
    try:
        if len(parts) == 3:
            return date(*parts).isoformat()
        if len(parts) == 2:
            first = date(parts[0], parts[1], 1)
            following = date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
            return ((following - timedelta(days=1)) if end else first).isoformat()
        return date(parts[0], 12, 31).isoformat() if end else date(parts[0], 1, 1).isoformat()
    except ValueError:
        raise DateFilterError(f"{name}={value!r}: no such {'day' if len(parts) == 3 else 'month'}") from None


def date_range(args, today: date | None = None) -> tuple[str | None, str | None, str]:
    """(first day, last day, a description) from _when / _since / _until; (None, None, "")
    when none is given. Raises DateFilterError on a bad value."""
    when, start, end = args.get("_when"), args.get("_since"), args.get("_until")
    first = since(when, today).isoformat() if when else None
    if start:
        first = max(first or "", day(start, "_since"))
    last = day(end, "_until") if end else None
    if first and last and first > last:
        raise DateFilterError(f"_since {first} is after _until {last}")
    if not (first or last):
        return None, None, ""
    words = {"today": "today", "week": "this week", "month": "this month", "year": "this year"}
    described = words.get(when, "") if when and not start and not end else ""
    span = (f"from {first} to {last}" if first and last else
            f"since {first}" if first else f"until {last}")
    return first, last, f"dated {described} ({span})" if described else f"dated {span}"


def where_clause(table: str, first: str | None, last: str | None) -> tuple[str, dict]:
    """SQL for rows of `table` dated within [first, last] (days, inclusive), and its params.
    Written so an index on the date column serves it: a day's times sort after the day."""
    column, fallback = DATE_COLUMNS[table]
    parts, params = [], {}
    if first:
        parts.append(f"[{column}] >= :desk_since")
        params["desk_since"] = first
    if last:
        parts.append(f"[{column}] < :desk_until")
        params["desk_until"] = (date.fromisoformat(last) + timedelta(days=1)).isoformat()
    clause = " and ".join(parts)
    if fallback:
        backup = clause.replace(f"[{column}]", f"[{fallback}]")
        clause = f"(({clause}) or ([{column}] is null and {backup}))"
    return clause, params
