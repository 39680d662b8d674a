"""What every run records, wherever it crawls (this machine: monitor.runs.crawl; a Scrapyd node:
monitor.runs.nodes): its start with a skip for each source another run holds, each source's
status, the run's status, and its end with source health and one notification."""

from __future__ import annotations

from monitor.config import Source
from monitor.items import PRODUCED
from monitor.runs import health, notify
from monitor.store import FAILED, OK, PARTIAL, Store

SKIPPED = "skipped"  # a run whose every source was being crawled by another run
BUSY_MESSAGE = "another run is crawling this source; skipped"


def begin_run(store: Store, sources: list[Source], *, trigger: str, schedule: str | None,
              busy: list[str]) -> int:
    """Record the sources' configuration and a new run; a `busy` skip for each source that
    another run is crawling. The run's id."""
    store.sync_sources(sources)
    run_id = store.start_run(trigger=trigger, schedule=schedule, sources=[s.name for s in sources])
    for name in busy:
        store.record_error(run_id=run_id, source=name, url=None, kind="busy", severity="skip",
                           message=BUSY_MESSAGE)
    return run_id


def skipped(busy: list[str]) -> dict[str, dict]:
    """The per-source rows of sources skipped because another run held them."""
    return {name: {"skipped": 1, "status": SKIPPED} for name in busy}


def source_status(row: dict) -> str:
    """failed when a source only produced errors, partial with some errors, else ok."""
    produced = sum(row.get(c, 0) for c in PRODUCED)
    if row.get("errors", 0) and not produced:
        return FAILED
    return PARTIAL if row.get("errors", 0) else OK


def run_status(per_source: dict[str, dict]) -> str:
    crawled = [row["status"] for row in per_source.values() if row["status"] != SKIPPED]
    if not crawled:
        return SKIPPED
    if all(s == FAILED for s in crawled):
        return FAILED
    return OK if all(s == OK for s in crawled) else PARTIAL


def close_run(store: Store, run_id: int, *, status: str, message: str | None,
              per_source: dict[str, dict], crawled: list[str],
              notify_targets: list[str] | None) -> None:
    """Record a run's end, update the health of the sources it crawled, notify once."""
    store.finish_run(run_id, status=status, message=message, per_source=per_source)
    changes = health.update_states(store, crawled)
    _notify(store, run_id, changes, notify_targets)


def _notify(store: Store, run_id: int, changes: list[dict], targets: list[str] | None) -> None:
    targets = list(dict.fromkeys([*(targets or []), *notify.targets_from_env()]))
    if not targets:
        return
    message = notify.run_message(run_id, store.new_relevant_items(run_id), changes)
    if message:
        notify.send(targets, *message)
