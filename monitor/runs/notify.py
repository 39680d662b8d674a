"""Notifications through apprise: new relevant items (one message per run) and source health
changes. Targets come from schedule files (`notify = [...]`) or MONITOR_NOTIFY, never from
the database."""

from __future__ import annotations

import logging

from monitor import settings

logger = logging.getLogger(__name__)

MAX_ITEMS_IN_MESSAGE = 20


def targets_from_env() -> list[str]:
    """MONITOR_NOTIFY: apprise URLs separated by spaces or commas."""
    raw = str(settings.get("MONITOR_NOTIFY"))
    return [t for t in raw.replace(",", " ").split() if t]


def run_message(run_id: int, new_items: list[dict], health_changes: list[dict]) -> tuple[str, str] | None:
    """(title, body) for one run, or None when there is nothing to say."""
    if not new_items and not health_changes:
        return None
    parts = []
    if new_items:
        parts.append(f"{len(new_items)} new relevant item(s):")
        for item in new_items[:MAX_ITEMS_IN_MESSAGE]:
            published = (item.get("published") or "")[:10]
            parts.append(f"- [{item.get('agency') or item.get('source')}] {item.get('title')} "
                         f"{published}\n  {item.get('url')}")
            figures = operation_line(item)
            if figures:
                parts.append(f"  {figures}")
        if len(new_items) > MAX_ITEMS_IN_MESSAGE:
            parts.append(f"... and {len(new_items) - MAX_ITEMS_IN_MESSAGE} more")
    if health_changes:
        parts.append("Source health changed:")
        for change in health_changes:
            parts.append(f"- {change['name']}: {change['previous']} -> {change['state']}"
                         + (f" ({change['reason']})" if change.get("reason") else ""))
    title = (f"monitor: {len(new_items)} new item(s)" if new_items
             else "monitor: source health changed") + f" (run {run_id})"
    return title, "\n".join(parts)


def operation_line(item: dict) -> str | None:
    """The item's operation as the desk shows it: "Operation X, TX: 14 arrests (ICE)"; None when
    the item is in no operation. The figure is the operation's (the store's operations table),
    not the item's own."""
    name = ", ".join(str(v) for v in (item.get("operation"), item.get("state")) if v)
    if item.get("arrests") is None:
        return f"Operation: {name}" if name else None
    who = f" (reported by {item['arrests_by']})" if item.get("arrests_by") else ""
    return f"{name + ': ' if name else 'Operation: '}{item['arrests']} arrests{who}"


def send(targets: list[str], title: str, body: str) -> bool:
    """Deliver to every target; a bad URL or a failed delivery is logged, never raised."""
    if not targets:
        return False
    import apprise

    notifier = apprise.Apprise(asset=apprise.AppriseAsset(app_id="monitor"))
    for target in targets:
        if not notifier.add(target):
            logger.error("notification target is not a valid apprise URL: %s", target)
    if not len(notifier):
        return False
    delivered = bool(notifier.notify(title=title, body=body))
    if not delivered:
        logger.error("notification delivery failed for at least one of %d target(s)", len(notifier))
    return delivered
