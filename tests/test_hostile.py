"""The hostile web (tests/hostile_server.py): one real crawl through the CLI of every case in
tests/hostile_cases.py, then a daemon that keeps running through a hostile run.

For every case: the crawl finishes (exit 0), the failure is a row in `errors` with a documented
kind and a readable message naming its URL, the good items of the same run are stored, no
request reaches a loopback admin service, and the crawl's memory stays bounded."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.request

import pytest

from monitor.items import ERROR_KINDS
from tests.hostile_cases import (CASE_BY_ID, CASES, HOSTILE_ENV, PEAK_RSS_LIMIT_MB,
                                 PEAK_TREE_LIMIT_MB, observe, run_hostile_crawl, schedule_sources)
from tests.crawl_harness import ROOT, write_schedule
from tests.db_rows import rows_as_dicts
from tests.hostile_server import HostileServer


@pytest.fixture(scope="module")
def server():
    with HostileServer() as hostile:
        yield hostile


@pytest.fixture(scope="module")
def hostile(server, tmp_path_factory):
    """The hostile crawl: every case, one `monitor crawl`, one database."""
    server.clear()
    run = run_hostile_crawl(server, tmp_path_factory.mktemp("hostile"))
    print(f"hostile run: {len(CASES)} cases in {run.seconds:.1f}s, peak RSS {run.peak_rss_mb:.0f} MB "
          f"(with extraction workers {run.peak_tree_mb:.0f} MB)")
    return run


def test_there_are_at_least_forty_cases_with_distinct_names():
    assert len(CASES) >= 40 and len(CASE_BY_ID) == len(CASES)
    assert all(case.kind is None or case.kind in ERROR_KINDS for case in CASES)


@pytest.mark.slow
def test_the_hostile_crawl_finishes_with_exit_zero_and_closes_its_run(hostile):
    assert hostile.returncode == 0, hostile.stderr[-3000:]
    assert "Traceback" not in hostile.stderr, hostile.stderr[-3000:]
    [run] = rows_as_dicts(hostile.db, "SELECT status, ended, errors FROM runs")
    assert run["status"] == "partial" and run["ended"] and run["errors"] > 40
    assert hostile.seconds < 120


@pytest.mark.slow
def test_memory_stays_bounded(hostile):
    assert hostile.peak_rss_mb < PEAK_RSS_LIMIT_MB, f"crawl process peaked at {hostile.peak_rss_mb:.0f} MB"
    assert hostile.peak_tree_mb < PEAK_TREE_LIMIT_MB, \
        f"crawl and workers peaked at {hostile.peak_tree_mb:.0f} MB"


@pytest.mark.slow
def test_no_request_reached_a_loopback_admin_service(server, hostile):
    assert server.hits("admin") == [] and server.hits("admin2") == []


@pytest.mark.slow
def test_no_local_file_was_read(hostile):
    texts = rows_as_dicts(hostile.db, "SELECT text FROM items WHERE text LIKE '%root:x:0:0%'")
    assert texts == []


@pytest.mark.slow
def test_every_error_row_has_a_documented_kind_a_source_a_url_and_a_readable_message(hostile):
    errors = rows_as_dicts(hostile.db, "SELECT source, url, kind, message FROM errors")
    assert errors
    for error in errors:
        assert error["kind"] in ERROR_KINDS, error
        assert error["source"] in CASE_BY_ID, error
        assert error["url"] and re.match(r"^[a-z]+:", error["url"]), error
        assert error["message"].isprintable() and "Traceback" not in error["message"], error


@pytest.mark.slow
def test_good_items_of_the_same_run_are_stored(hostile):
    good = rows_as_dicts(hostile.db, "SELECT title, text FROM items WHERE source = 'good-feed'")
    assert len(good) == 3 and all("Case file good-" in g["text"] for g in good)
    beside_failures = rows_as_dicts(hostile.db, "SELECT source FROM items WHERE source IN "
                                                "('body-50mb', 'gzip-bomb', 'slow-drip', 'status-500', "
                                                "'redirect-to-admin', 'offsite-admin-links', 'robots-disallow')")
    assert len(beside_failures) == 7
    consistent = rows_as_dicts(hostile.db, "SELECT (SELECT count(*) FROM items) AS items, "
                                           "(SELECT count(*) FROM items_fts) AS fts, "
                                           "(SELECT count(*) FROM items WHERE id NOT IN "
                                           "(SELECT item_id FROM sightings)) AS unsighted")
    assert consistent[0]["items"] == consistent[0]["fts"] and consistent[0]["unsighted"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case(server, hostile, case):
    verdict = observe(case, hostile.db, server)
    assert not verdict.new_problems, f"{case.what}: {verdict.observed}"


# -- the daemon through a hostile run ----------------------------------------------------------

NASTIEST = ["good-feed", "gzip-bomb", "brotli-bomb", "body-50mb-unannounced", "slow-headers",
            "dropped-connection", "garbage-status-line", "offsite-admin-links", "sitemap-nesting",
            "infinite-pagination", "xml-entity-bomb-feed", "deep-nesting", "pdf-broken-encrypted"]


@pytest.mark.slow
def test_daemon_keeps_running_through_a_hostile_run(server, tmp_path, monkeypatch):
    from tests.test_daemon import DaemonProcess, query, wait_for

    for name, value in HOSTILE_ENV.items():
        monkeypatch.setenv(name, value)
    server.clear()
    write_schedule(tmp_path / "s", "", schedule_sources([CASE_BY_ID[n] for n in NASTIEST],
                                                        server.urls()), name="hostile", every="1h")
    db = tmp_path / "m.db"
    daemon = DaemonProcess(db, tmp_path / "s")
    try:
        daemon.wait_ready()
        wait_for(lambda: query(db, "SELECT count(*) FROM runs WHERE ended IS NOT NULL")[0][0] == 1,
                 timeout=120)
        assert daemon.proc.poll() is None, daemon.errors[-20:]
        # still scheduling: a reload answers, and the run is closed with its errors
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: any("schedules reloaded: hostile" in line for line in daemon.errors))
        assert daemon.proc.poll() is None
    finally:
        status = daemon.stop()
    assert status == 0, daemon.errors[-20:]
    [(run_status, errors)] = query(db, "SELECT status, errors FROM runs")
    assert run_status == "partial" and errors >= 10
    assert query(db, "SELECT count(*) FROM items WHERE source = 'good-feed'")[0][0] == 3
    kinds = {k for (k,) in query(db, "SELECT DISTINCT kind FROM errors")}
    assert {"too_large", "timeout", "connection", "private_address", "limit"} <= kinds
    assert server.hits("admin") == []


@pytest.mark.slow
def test_the_server_runs_on_its_own_and_prints_its_addresses_then_ready():
    proc = subprocess.Popen([sys.executable, "-m", "tests.hostile_server"], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        hosts = {}
        for line in proc.stdout:
            word, *rest = line.split()
            if word == "READY":
                ready = rest[0]
                break
            hosts[rest[0]] = rest[1]
        assert set(hosts) == {"main", "offsite", "badrobots", "limited", "limited2", "admin", "admin2"}
        assert ready == hosts["main"] and hosts["offsite"].startswith("http://127.0.0.2:")
        with urllib.request.urlopen(ready + "/feeds/good.xml", timeout=10) as response:
            assert b"/a/good-1.html" in response.read()
    finally:
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(timeout=30)
        proc.stdout.close()
    assert status == 0
