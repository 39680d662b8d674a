"""Every desk page and data URL answers on a store of a few thousand items (grown by the
benchmarks' builder with the store's own migrations, once a session: tests/grown_store.py; here
a copy, plus real articles saved through the store): no "SQL Interrupted", no blank chart.
Behaviour only: speed is shown by `python -m benchmarks --only desk`, never asserted here."""

from __future__ import annotations

import asyncio

import pytest

from benchmarks import desk_speed
from monitor.desk import server as desk
from monitor.store import Store
from tests.grown_store import ITEMS, private_copy
from tests.test_operations import COVERAGE, RELEASE, save

NOT_A_FEED = "An Atom feed needs id"


@pytest.fixture(scope="module")
def volume_db(grown_desk_db, tmp_path_factory):
    # two articles are saved here: into a copy, the session's grown store is shared
    path = private_copy(grown_desk_db, tmp_path_factory.mktemp("volume") / "monitor.db")
    with Store(path) as store:
        title, text = RELEASE
        save(store, "https://www.ice.gov/news/lone-star", title.format(n=19), text.format(n=19),
             published="2024-05-03")
        ctitle, ctext = COVERAGE
        save(store, "https://ledger.example/houston-sweep", ctitle.format(n=21), ctext.format(n=21),
             published="2024-05-04", kind="news", source="ledger", agency=None, site="The Ledger")
    return path


@pytest.fixture(scope="module")
def answers(volume_db):
    urls = desk_speed.desk_urls(volume_db)

    async def fetch():
        ds = desk.build_datasette(volume_db)
        await ds.invoke_startup()
        return {label: await ds.client.get(path) for label, path in urls.items()}

    return asyncio.run(fetch())


def test_the_grown_store_has_operations_for_its_events(volume_db):
    with Store(volume_db) as store:
        events = store.conn.execute("SELECT count(*) FROM events").fetchone()[0]
        operations = store.conn.execute("SELECT count(*) FROM operations").fetchone()[0]
        covered = store.conn.execute("SELECT count(*) FROM operations WHERE items > 1").fetchone()[0]
    assert events == operations > ITEMS // 3
    assert covered > 0   # events with coverage, as the builder makes them


def test_every_desk_page_and_data_url_answers(answers):
    assert len(answers) > 60
    for label, response in answers.items():
        if label.endswith(".atom") and response.status_code == 400:
            # a query whose rows are not items (totals, errors) is no feed, and says so
            assert NOT_A_FEED in response.text, label
            continue
        assert response.status_code == 200, (label, response.text[:300])
        assert "SQL Interrupted" not in response.text and "interrupted" not in response.text.lower(), label


def test_the_feeds_to_follow_are_feeds(answers):
    for label in ("new_relevant_items.atom", "latest_operations.atom", "search.atom", "items.atom"):
        assert answers[label].status_code == 200, label
        assert answers[label].text.count("<entry>") > 10, label


def test_every_chart_gets_rows(answers):
    charts = {label: response for label, response in answers.items() if label.startswith("chart ")}
    assert len(charts) >= 10
    for label, response in charts.items():
        assert response.json()["rows"], label


@pytest.mark.slow  # the benchmark serves the desk with `datasette serve`
def test_the_desk_benchmark_times_every_url_at_each_size(tmp_path):
    result = desk_speed.run((300, 600), repeats=1, keep=tmp_path)
    assert [size.stored for size in result.sizes] == [300, 600]
    for size in result.sizes:
        assert size.status and all(code in (200, desk_speed.NOT_A_FEED) for code in size.status.values())
        # every URL timed but the Atom of queries that are no feeds
        assert set(size.seconds) == {label for label, code in size.status.items() if code == 200}
    rows = result.rows()
    assert rows and all(row.value for row in rows)


def test_the_operations_list_pages_through_every_operation(volume_db):
    import re

    async def walk():
        ds = desk.build_datasette(volume_db)
        await ds.invoke_startup()
        seen, path = [], "/-/operations"
        while path and len(seen) < 5000:
            page = (await ds.client.get(path)).text
            seen += re.findall(r'<a href="/-/operation/([^"]+)">', page)
            found = re.search(r'<a href="([^"]+)">Older operations', page)
            path = found.group(1).replace("&amp;", "&") if found else None
        return seen

    seen = asyncio.run(walk())
    with Store(volume_db) as store:
        stored = [row[0] for row in store.conn.execute(
            "SELECT event_id FROM operations ORDER BY first_date DESC, event_id DESC")]
    assert seen == stored   # every operation once, newest first, page after page
