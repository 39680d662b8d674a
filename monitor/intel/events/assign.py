"""Which event an item joins: the time window of candidate events, the best-scoring match, and
grouping items in memory in publication order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from monitor.intel.events.candidate import EventCandidate, iso_date
from monitor.intel.events.rules import MATCH_THRESHOLD, score
from monitor.intel.events.summary import EventSummary

# An item joins an event published from EVENT_LEAD_DAYS before its first item (coverage can appear
# before the release is crawled) to EVENT_WINDOW_DAYS after its last one (follow-ups with revised
# totals come within weeks). Older events are not candidates: look up events in this window by date.
EVENT_LEAD_DAYS = 7
EVENT_WINDOW_DAYS = 45


def candidate_window(published: str | None) -> tuple[str, str] | None:
    """Dates (ISO, inclusive) within which an event's last item must fall for `published` to join it:
    the caller's SQL prefilter (events.last_published >= start AND events.first_published <= end)."""
    date = iso_date(published)
    if date is None:
        return None
    return ((date - dt.timedelta(days=EVENT_WINDOW_DAYS)).isoformat(),
            (date + dt.timedelta(days=EVENT_LEAD_DAYS)).isoformat())


def _in_window(item: EventCandidate, event: EventSummary) -> bool:
    published, first, last = item.date, iso_date(event.first_published), iso_date(event.last_published)
    if published is None or first is None or last is None:
        return True
    try:
        return first - dt.timedelta(days=EVENT_LEAD_DAYS) <= published <= last + dt.timedelta(days=EVENT_WINDOW_DAYS)
    except OverflowError:  # a date near year 1 or 9999: no operation spans that
        return False


def match_event(item: EventCandidate, candidates: Iterable[EventSummary]) -> tuple[str | None, str]:
    """The event `item` belongs to among `candidates` (events in the time window), with the reason, or
    (None, why not) when no event has enough evidence."""
    best: tuple[float, str, list[str]] | None = None
    for event in candidates:
        if not _in_window(item, event):
            continue
        points, reasons = score(item, event)
        if best is None or points > best[0]:
            best = (points, event.event_id, reasons)
    if best is None:
        return None, "no event in the time window"
    points, event_id, reasons = best
    text = "; ".join(reasons) or "no shared facts"
    if points >= MATCH_THRESHOLD:
        return event_id, f"score {points:.1f}: {text}"
    return None, f"best score {points:.1f} < {MATCH_THRESHOLD}: {text}"


def group_events(items: Iterable[EventCandidate], new_id=None) -> list[EventSummary]:
    """Assign items to events in publication order, in memory (the lead's store does the same with
    SQL lookups): each item joins its best event in the window or starts a new one."""
    events: list[EventSummary] = []
    ordered = sorted(items, key=lambda i: (i.published or "", i.kind != "press_release", i.item_id))
    for item in ordered:
        event_id, reason = match_event(item, events)
        if event_id is None:
            event = EventSummary(new_id(item) if new_id else f"event-{len(events) + 1}")
            event.add(item, "new event")
            events.append(event)
        else:
            next(e for e in events if e.event_id == event_id).add(item, reason)
    return events
