"""Source health: ok | blocked | stale | failing | empty | new, from the runs and items recorded."""

from __future__ import annotations

import re
import statistics
from datetime import datetime, timedelta, timezone

from monitor.store import Store

FAILING_AFTER = 3          # failed runs in a row
STALE_FACTOR = 4           # no new item for this many times the usual interval
STALE_MINIMUM = timedelta(days=2)
CADENCE_SAMPLE = 20        # newest items used to learn a source's usual interval


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def usual_interval(published: list[str | None]) -> timedelta | None:
    """Median gap between consecutive publication dates; None with fewer than 3 dates."""
    dates = sorted({d for d in (_parse(p) for p in published) if d})
    if len(dates) < 3:
        return None
    gaps = [b - a for a, b in zip(dates, dates[1:]) if b > a]
    return statistics.median(gaps) if gaps else None


def source_health(store: Store, names: list[str] | None = None,
                  now: datetime | None = None) -> list[dict]:
    """One row per source with its state and the reason for it."""
    now = now or datetime.now(timezone.utc)
    rows = []
    for source in store.sources(names):
        name = source["name"]
        recent = store.latest_published(name, CADENCE_SAMPLE)
        interval = usual_interval(recent)
        runs = store.recent_source_runs(name, 10)
        newest = _parse(recent[0]) if recent else None
        last_new = max([d for d in (newest, _parse(source["last_new_item"])) if d], default=None)
        state, reason = "ok", ""
        blocks = store.last_run_blocks(name)
        if blocks:
            state, reason = "blocked", blocked_reason(blocks)
        elif source["failures_in_row"] >= FAILING_AFTER:
            state, reason = "failing", f"{source['failures_in_row']} failed runs in a row: {source['last_error'] or ''}".strip()
        elif runs and runs[0]["links"] == 0 and runs[0]["status"] != "failed" \
                and any(r["links"] for r in runs[1:]):
            state, reason = "empty", "no article links in the last run, though earlier runs had some"
        elif not source["last_success"]:
            state, reason = "new", "no successful run yet"
        elif interval and last_new and now - last_new > max(interval * STALE_FACTOR, STALE_MINIMUM):
            state = "stale"
            reason = (f"no new item since {last_new.date()} (usually every "
                      f"{_human(interval)})")
        rows.append({"name": name, "schedule": source["schedule"], "state": state,
                     "reason": reason, "last_success": source["last_success"],
                     "last_new_item": source["last_new_item"],
                     "failures_in_row": source["failures_in_row"],
                     "usual_interval": _human(interval) if interval else None,
                     "links_last_run": runs[0]["links"] if runs else None})
    return rows


BLOCKED_HINT = ("the site answers automated clients with a bot challenge; monitor does not get "
                "around bot walls: use the agency's API or feed instead (see README, Default "
                "sources), ask the site to allow monitor's User-Agent, or disable this source")


def blocked_reason(blocks: list[dict]) -> str:
    """'bot challenge (Akamai) on 3 pages of the last run, e.g. URL: hint'."""
    vendors = sorted({_vendor(b["message"]) for b in blocks})
    pages = f"{len(blocks)} page{'s' if len(blocks) != 1 else ''}"
    return (f"bot challenge ({', '.join(vendors)}) on {pages} of the last run, e.g. "
            f"{blocks[0]['url']}: {BLOCKED_HINT}")


def _vendor(message: str) -> str:
    found = re.match(r"bot challenge from (\S+)", message or "")
    return found.group(1) if found else "unknown vendor"


def _human(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f}h" if hours < 48 else f"{hours / 24:.0f}d"


def update_states(store: Store, names: list[str]) -> list[dict]:
    """Store each source's state; return the sources whose state changed (for notifications)."""
    changes = []
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    stored = {source["name"]: source["state"] for source in store.sources(names)}
    for row in source_health(store, names):
        previous = stored.get(row["name"])
        if previous != row["state"]:
            if previous is not None:
                changes.append({**row, "previous": previous})
            store.set_source_state(row["name"], row["state"], since=now)
    return changes
