"""The one format the store writes publication and modification dates in: ISO 8601, either a
day (`2024-03-14`, when the page gave no time) or a day and time to the second with the page's
own UTC offset (`2024-03-14T09:30:00-04:00`; a time without a zone is taken as UTC, a `Z` is
written `+00:00`). The first ten characters are always the day the page states, so day ranges
compare as strings and sort with the date index."""

from __future__ import annotations

from datetime import date, datetime, timezone


def normalise_date(value: object) -> str | None:
    """A stated date in the store's format; None for nothing; anything unreadable unchanged
    (nothing is thrown away)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if len(text) == 10:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return text
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return text
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.replace(microsecond=0).isoformat()
