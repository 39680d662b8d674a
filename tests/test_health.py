"""Source health states from recorded runs and items: ok, new, failing, empty, stale."""

from datetime import datetime, timedelta, timezone

import pytest

from monitor.config import Source
from monitor.runs.health import source_health, update_states, usual_interval
from monitor.store import Store

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "m.db") as store:
        store.migrate()
        store.sync_sources([Source(name="s", url="https://a.org/feed")])
        yield store


def run(store, **row):
    run_id = store.start_run(trigger="manual", schedule=None, sources=["s"])
    store.finish_run(run_id, status=row.get("status", "ok"), per_source={"s": {"status": "ok", **row}})


def state(store, now=NOW):
    [row] = source_health(store, now=now)
    return row["state"], row["reason"]


def test_usual_interval_is_the_median_gap():
    dates = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-10"]
    assert usual_interval(dates) == timedelta(days=1)
    assert usual_interval(["2026-11-01", "2026-11-02"]) is None


def test_new_source_until_first_success(store):
    assert state(store)[0] == "new"
    run(store, links=3, new=3)
    assert state(store)[0] == "ok"


def test_failing_after_three_failed_runs(store):
    for _ in range(3):
        run(store, status="failed", errors=1, error="http_error: HTTP 500 Internal Server Error")
    current, reason = state(store)
    assert current == "failing" and "3 failed runs in a row" in reason and "HTTP 500" in reason


def test_empty_when_links_disappear(store):
    run(store, links=5, new=5)
    run(store, links=0)
    assert state(store)[0] == "empty"


def test_not_modified_run_is_not_empty(store):
    run(store, links=5, new=5)
    run(store, links=0, not_modified=1)
    assert state(store)[0] == "ok"


def test_stale_when_no_new_item_for_several_usual_intervals(store):
    run(store, links=3, new=3)
    for day in range(1, 6):
        store.save_article({"title": f"t{day}", "text": f"text {day}", "published": f"2026-10-0{day}"},
                           url=f"https://a.org/{day}", source="s")
    with store.write() as db:
        db.execute("UPDATE sources SET last_new_item = '2026-10-05T00:00:00+00:00'")
    current, reason = state(store)
    assert current == "stale" and "usually every 24h" in reason
    assert state(store, now=datetime(2026, 10, 6, tzinfo=timezone.utc))[0] == "ok"


def test_state_changes_are_reported_once(store):
    run(store, links=3, new=3)
    assert update_states(store, ["s"]) == []      # first state: nothing to compare with
    run(store, links=0)
    [change] = update_states(store, ["s"])
    assert (change["previous"], change["state"]) == ("ok", "empty")
    assert update_states(store, ["s"]) == []
