"""Everyone on one database at once, for a bounded time: the daemon running a schedule every few
seconds, hand crawls one after another, Datasette answering reads over HTTP and the sqlite-utils
CLI counting items. Writers re-fetch every article (MONITOR_REFETCH_KNOWN) so that they write
throughout. Nothing may fail with "database is locked", and every reader sees consistent counts."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from monitor.desk import server as desk
from tests.crawl_harness import monitor, write_schedule

pytestmark = pytest.mark.slow  # every test here starts processes

DURATION = 20.0        # the least time everyone shares the database
MAX_DURATION = 240.0   # the most: a loaded machine runs fewer crawls in DURATION
RUNS_WANTED = 3        # scheduled and hand runs each, so that they overlap for sure
DAEMON_SOURCES = [{"name": "gov-feed", "url": "{base}/gov/rss/news.xml", "agency": "ICE"},
                  {"name": "gov-sitemap", "url": "{base}/gov/sitemap.xml", "agency": "ICE"}]
HAND_SOURCES = [{"name": "ledger", "url": "{base}/news/"},
                {"name": "ledger-sitemap", "url": "{base}/news/sitemap-news.xml"}]
SQLITE_UTILS = Path(sys.executable).parent / "sqlite-utils"
LOCKED = "database is locked"


class Readings:
    """What every reader saw: (monotonic time, items count) and any failure, per reader."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, list[tuple[float, int]]] = {}
        self.failures: list[str] = []

    def count(self, reader: str, value: int) -> None:
        with self.lock:
            self.counts.setdefault(reader, []).append((time.monotonic(), value))

    def fail(self, reader: str, message: str) -> None:
        with self.lock:
            self.failures.append(f"{reader}: {message[:500]}")


def read_datasette(base: str, name: str, readings: Readings, stop: threading.Event) -> None:
    count_url = (f"{base}{name}.json?sql=select+count(*)+as+n,+count(distinct+canonical_url)+as+d"
                 "+from+items&_shape=array")
    rows_url = f"{base}{name}/items.json?_shape=array&_size=20&_col=title"
    while not stop.is_set():
        for url in (count_url, rows_url):
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    data = json.loads(response.read())
            except Exception as exc:  # noqa: BLE001 -- any failure is a finding
                body = exc.read().decode(errors="replace") if hasattr(exc, "read") else ""
                readings.fail("datasette", f"{url}: {exc} {body}")
                continue
            if url == count_url:
                row = data[0]
                if row["n"] != row["d"]:
                    readings.fail("datasette", f"{row['n']} items but {row['d']} distinct URLs")
                readings.count("datasette", row["n"])


def read_sqlite_utils(db: Path, readings: Readings, stop: threading.Event) -> None:
    while not stop.is_set():
        done = subprocess.run([str(SQLITE_UTILS), "query", str(db),
                               "select count(*) as n from items"],
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            readings.fail("sqlite-utils", done.stderr or done.stdout)
            continue
        readings.count("sqlite-utils", json.loads(done.stdout)[0]["n"])


def crawl_by_hand(db: Path, schedules: Path, results: list, stop: threading.Event) -> None:
    while not stop.is_set():
        results.append(monitor("crawl", "hand", "--db", str(db), "--schedules", str(schedules),
                               env={"MONITOR_REFETCH_KNOWN": "1"}))


def enough_runs(db: Path) -> bool:
    from tests.test_daemon import query

    finished = query(db, "SELECT trigger, count(*) FROM runs WHERE status != 'running' GROUP BY 1")
    return all(dict(finished).get(trigger, 0) >= RUNS_WANTED for trigger in ("schedule", "manual"))


def test_daemon_hand_crawls_datasette_and_sqlite_utils_share_the_database(site_server, tmp_path,
                                                                         monkeypatch):
    from tests.test_daemon import DaemonProcess, query

    base = site_server.base_url
    schedules = tmp_path / "s"
    write_schedule(schedules, base, DAEMON_SOURCES, name="daemon", every="3s")
    write_schedule(schedules, base, HAND_SOURCES, name="hand", every="1d")
    # the hand schedule exists for `monitor crawl hand`; the daemon must not run it
    (schedules / "hand.toml").write_text((schedules / "hand.toml").read_text()
                                         .replace('every = "1d"', 'every = "1d"\nenabled = false'))
    db = tmp_path / "concurrency.db"
    first = monitor("crawl", "--db", str(db), "--schedules", str(schedules), "daemon")
    assert first.returncode == 0, first.stderr  # the schema and some items exist before readers

    monkeypatch.setenv("MONITOR_REFETCH_KNOWN", "1")
    readings, stop, hand_results = Readings(), threading.Event(), []
    daemon = DaemonProcess(db, schedules)
    desk_log = open(tmp_path / "desk.log", "w+")  # a file: a full pipe would stall Datasette
    server = desk.DeskServer(db, port=0, stdout=subprocess.DEVNULL, stderr=desk_log)
    try:
        daemon.wait_ready()
        base_url = server.start()
        workers = [threading.Thread(target=read_datasette, args=(base_url, "concurrency", readings, stop)),
                   threading.Thread(target=read_sqlite_utils, args=(db, readings, stop)),
                   threading.Thread(target=crawl_by_hand, args=(db, schedules, hand_results, stop))]
        for worker in workers:
            worker.start()
        # shared for DURATION, and then until the daemon and the hand crawls have each run
        # RUNS_WANTED times: their count depends on the machine's load, not on the clock
        deadline = time.monotonic() + MAX_DURATION
        stop.wait(DURATION)
        while time.monotonic() < deadline and not enough_runs(db):
            stop.wait(1.0)
        stop.set()
        for worker in workers:
            worker.join(timeout=240)
    finally:
        stop.set()
        desk_status = server.stop()
        daemon_status = daemon.stop()
        desk_log.seek(0)
        desk_errors = desk_log.read()
        desk_log.close()
    assert daemon_status == 0, daemon.errors[-20:]
    print(f"runs {query(db, 'SELECT trigger, status, count(*) FROM runs GROUP BY 1, 2')}, "
          f"reads {({k: len(v) for k, v in readings.counts.items()})}, hand crawls {len(hand_results)}")

    assert readings.failures == []
    logs = "\n".join(daemon.errors) + desk_errors + "".join(r.stderr + r.stdout for r in hand_results)
    log_file = tmp_path / "monitor.log"
    logs += log_file.read_text() if log_file.exists() else ""
    assert LOCKED not in logs.lower()
    assert query(db, "SELECT count(*) FROM errors WHERE message LIKE ?", [f"%{LOCKED}%"])[0][0] == 0

    assert len(hand_results) >= 2 and all(r.returncode == 0 for r in hand_results), \
        [r.stderr[-500:] for r in hand_results if r.returncode]
    runs = query(db, "SELECT trigger, status FROM runs")
    scheduled = [status for trigger, status in runs if trigger == "schedule"]
    manual = [status for trigger, status in runs if trigger == "manual"]
    assert len(scheduled) >= RUNS_WANTED and len(manual) >= RUNS_WANTED, runs
    assert set(scheduled + manual) <= {"ok", "aborted"}, runs  # aborted: the one SIGTERM stopped

    final = query(db, "SELECT count(*), count(DISTINCT canonical_url) FROM items")[0]
    assert final[0] == final[1]
    assert query(db, "SELECT count(*) FROM items WHERE source LIKE 'ledger%'")[0][0] >= 6
    for reader in ("datasette", "sqlite-utils"):
        seen = [value for _, value in sorted(readings.counts.get(reader, []))]
        assert len(seen) >= 5, (reader, seen)
        assert seen == sorted(seen), (reader, seen)   # items are never removed: counts only grow
        assert seen[-1] <= final[0]
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert desk_status is not None
