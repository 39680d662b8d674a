"""Which event an item joins: the time window of candidate events, the best-scoring match, the
events it then absorbs. The store feeds these decisions from SQL (monitor/store/intel_links.py);
`group_events` feeds them from memory, for the benchmark and the tests."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence

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


# The reason recorded for an item that starts an event.
NEW_EVENT_REASON = "first item of this operation"


def _overlapping(event: EventSummary, start: str, end: str, states: set[str]) -> bool:
    """Whether the event's dates overlap [start, end] (ISO dates, inclusive) and its state is unknown
    or one of `states` (any state when `states` is empty): the store's SQL prefilter, in memory."""
    first, last = event.first_published, event.last_published
    return (first is not None and last is not None and last >= start and first[:10] <= end
            and (not states or event.state is None or event.state in states))


def item_states(item: EventCandidate) -> set[str]:
    """The states an item names: an event in another state cannot be its operation."""
    return {f.code for f in item.facts if f.kind == "place" and f.code}


def could_join(item: EventCandidate, event: EventSummary) -> bool:
    """Whether the event is a candidate for the item at all (in its time window, in a state it
    names): what the store selects with SQL before `assign_event` compares."""
    window = candidate_window(item.published)
    return window is None or _overlapping(event, *window, item_states(item))


def assign_event(item: EventCandidate, candidates: Iterable[EventSummary], *, original: str | None = None,
                 original_event: str | None = None) -> tuple[str | None, str]:
    """The event the item joins and why, or (None, why not): a new event. A near-duplicate of an
    item already in an event (`original`, in `original_event`) follows it; otherwise the best match
    among the candidate events (those `could_join` admits)."""
    if original_event is not None:
        return original_event, f"near-duplicate of {original}"
    return match_event(item, candidates)


def absorb_window(event: EventSummary) -> tuple[str, str, set[str]] | None:
    """(start, end, states) of the events `event` may absorb: any whose items could join it, or its
    items join them; None for an event without dates."""
    first, last = event.first_published, event.last_published
    if not first or not last:
        return None
    start = candidate_window(first)[0]
    end = (dt.date.fromisoformat(last[:10]) + dt.timedelta(days=EVENT_WINDOW_DAYS)).isoformat()
    return start, end, {event.state} if event.state else set()


def absorb_events(event: EventSummary, others: Sequence[EventSummary]) -> list[str]:
    """Arrival order must not split an operation: a follow-up seen before the story it follows
    starts an event of its own, which joins `event` once an item bridges them. Moves the members
    of every one of `others` (events in `absorb_window`, in order) of which at least half the
    members match `event`, and none is vetoed by it, into it, and returns their ids: the caller
    drops those events."""
    absorbed = []
    for other in others:
        matched = [(member, match_event(member.item, [event])) for member in other.members]
        joining = sum(found == event.event_id for _, (found, _) in matched)
        # One matching member does not bring its whole event: most of it must match, and none
        # may be vetoed (recorded as another named operation, in another state)
        if not joining or 2 * joining < len(matched) or any(
                score(member.item, event)[0] == float("-inf") for member, _ in matched):
            continue
        for member, (_, reason) in matched:
            event.add(member.item, f"joined from event {other.event_id}: {reason or member.reason}")
        absorbed.append(other.event_id)
    return absorbed


def group_events(items: Iterable[EventCandidate], new_id=None,
                 duplicates: Mapping[str, str] | None = None) -> list[EventSummary]:
    """Assign items to events in publication order, in memory, through the decisions the store
    makes with SQL lookups: each item joins the event of its original (`duplicates`: item id ->
    the item it nearly repeats) or its best candidate event, or starts one; then absorbs the
    events it bridges."""
    events: list[EventSummary] = []
    numbers = itertools.count(1)
    ordered = sorted(items, key=lambda i: (i.published or "", i.kind != "press_release", i.item_id))
    for item in ordered:
        original = (duplicates or {}).get(item.item_id)
        original_event = next((e.event_id for e in events if original in e.item_ids), None) if original else None
        event_id, reason = assign_event(item, [e for e in events if could_join(item, e)], original=original,
                                        original_event=original_event)
        if event_id is None:
            event = EventSummary(new_id(item) if new_id else f"event-{next(numbers)}")
            event.add(item, NEW_EVENT_REASON)
        else:
            event = next(e for e in events if e.event_id == event_id)
            event.add(item, reason)
        window = absorb_window(event)
        others = [e for e in events if e is not event and window and (
            _overlapping(e, *window) or (e.first_published is None and e.state in (None, event.state)))]
        gone = set(absorb_events(event, others))
        events = [e for e in events if e.event_id not in gone]
        if event_id is None:
            events.append(event)
    return events
