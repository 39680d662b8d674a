"""The daemon: the scheduler checked without a clock, then the real process against the local
fixture server (ready line, runs recorded, hand crawls beside it, SIGHUP, SIGTERM, SIGKILL)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED

from monitor.config import Schedule, Source, load_schedules
from monitor.runs.daemon import build_scheduler, first_run_time
from tests.crawl_harness import FAST_ENV, ROOT, monitor, write_schedule

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc)


def schedule(name="s", every=timedelta(minutes=15), cron=None, jitter=0):
    return Schedule(name=name, path=f"{name}.toml", every=every if not cron else None, cron=cron,
                    jitter=jitter, sources=(Source(name=f"{name}-src", url="https://a.org/feed"),))


# -- the scheduler, without a clock -----------------------------------------------------------

def test_interval_schedule_resumes_from_last_recorded_run():
    last = NOW - timedelta(minutes=5)
    assert first_run_time(schedule(), last, NOW) == NOW + timedelta(minutes=10)


def test_overdue_or_never_run_schedule_runs_now():
    assert first_run_time(schedule(), NOW - timedelta(hours=3), NOW) == NOW
    assert first_run_time(schedule(), None, NOW) == NOW


def test_cron_schedule_runs_at_next_fire_time_or_now_when_missed():
    quarterly = schedule(cron="*/15 * * * *", every=None)
    now = NOW + timedelta(minutes=7)                       # 12:07
    assert first_run_time(quarterly, now - timedelta(minutes=5), now) == NOW + timedelta(minutes=15)
    assert first_run_time(quarterly, now - timedelta(minutes=40), now) == now  # missed 11:45, 12:00


def test_scheduler_has_one_job_per_schedule_with_its_trigger():
    schedules = [schedule("a"), schedule("b", cron="0 * * * *", every=None, jitter=30)]
    scheduler = build_scheduler(schedules, lambda name: None, now=NOW,
                                last_starts={"a": (NOW - timedelta(minutes=5)).isoformat()})
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"a", "b"}
        assert jobs["a"].next_run_time == NOW + timedelta(minutes=10)
        assert jobs["b"].next_run_time == NOW
        assert jobs["a"].trigger.interval == timedelta(minutes=15)
        assert jobs["b"].trigger.jitter == 30
        assert jobs["a"].max_instances == 1 and jobs["a"].coalesce is True
        nxt = jobs["b"].trigger.get_next_fire_time(None, NOW + timedelta(minutes=1))
        assert nxt.minute == 0 and nxt.hour == 13
    finally:
        scheduler.shutdown(wait=False)


def test_default_schedules_build_a_scheduler():
    schedules = load_schedules(ROOT / "schedules")
    scheduler = build_scheduler(schedules, lambda name: None, now=NOW, last_starts={})
    scheduler.start(paused=True)
    try:
        assert {j.id for j in scheduler.get_jobs()} == {s.name for s in schedules}
    finally:
        scheduler.shutdown(wait=False)


@pytest.mark.slow
def test_daemon_does_not_load_the_extractor():
    # the daemon lives for months and extracts nothing (each run is a crawl process of its own):
    # trafilatura and its parsers would only add to its memory
    probe = "import sys, monitor.runs.daemon; print(sorted({'trafilatura', 'htmldate'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_live_fire_runs_the_job():
    fired = threading.Event()
    names = []
    scheduler = build_scheduler([schedule("live", every=timedelta(seconds=1))],
                                lambda name: names.append(name), last_starts={})
    scheduler.add_listener(lambda event: fired.set(), EVENT_JOB_EXECUTED)
    scheduler.start()
    try:
        assert fired.wait(timeout=10)
        assert names[0] == "live"
    finally:
        scheduler.shutdown(wait=False)


# -- the real process -------------------------------------------------------------------------

class DaemonProcess:
    """`monitor start` as a subprocess; its stdout lines are collected by a thread."""

    def __init__(self, db, schedules_dir, *extra):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "start", "--no-serve", "--stop-grace", "5",
             "--db", str(db), "--schedules", str(schedules_dir), *extra],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **FAST_ENV})
        self.lines: list[str] = []
        self.errors: list[str] = []
        self.ready = threading.Event()
        self.readers = [threading.Thread(target=self._read, args=args, daemon=True) for args in
                        ((self.proc.stdout, self.lines, True), (self.proc.stderr, self.errors, False))]
        for reader in self.readers:
            reader.start()

    def _read(self, stream, sink, watch_ready):
        for line in stream:
            sink.append(line.rstrip())
            if watch_ready and line.startswith("monitor daemon ready"):
                self.ready.set()

    def wait_ready(self, timeout=60):
        assert self.ready.wait(timeout), f"no ready line; stderr: {self.errors[-20:]}"

    def stop(self, sig=signal.SIGTERM, timeout=60) -> int:
        self.proc.send_signal(sig)
        return self.wait(timeout)

    def wait(self, timeout=60) -> int:
        status = self.proc.wait(timeout=timeout)
        for reader in self.readers:
            reader.join(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return status


def wait_for(condition, timeout=60, interval=0.2, what="condition not met in time"):
    """Poll a condition on the database or the processes (a state we cannot be told about by
    an event)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(what)


def query(db, sql, params=()):
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


FEED_SOURCES = [{"name": "gov-feed", "url": "{base}/gov/rss/news.xml", "agency": "ICE"}]


@pytest.mark.slow
def test_daemon_runs_schedules_and_stops_cleanly(site_server, tmp_path):
    write_schedule(tmp_path / "s", site_server.base_url, FEED_SOURCES, every="2s")
    db = tmp_path / "m.db"
    daemon = DaemonProcess(db, tmp_path / "s")
    try:
        daemon.wait_ready()
        assert "1 schedule(s)" in daemon.lines[0]
        wait_for(lambda: query(db, "SELECT count(*) FROM runs WHERE status != 'running'")[0][0] >= 2)
        second = DaemonProcess(db, tmp_path / "s")
        assert second.wait() == 1
        assert any("another monitor daemon" in line and "already running" in line for line in second.errors)
    finally:
        status = daemon.stop()
    assert status == 0, daemon.errors[-20:]
    runs = query(db, "SELECT trigger, schedule, status FROM runs ORDER BY id")
    assert runs[0] == ("schedule", "fixtures", "ok")
    assert all(r[2] in ("ok", "aborted") for r in runs)
    assert query(db, "SELECT count(*) FROM items")[0][0] == 6
    assert (tmp_path / "monitor.log").read_text().count("run of schedule fixtures finished") >= 2


@pytest.mark.slow
def test_hand_crawl_during_daemon_run_skips_the_busy_source(site_server, tmp_path):
    slow = [{"name": "slow-feed", "url": "{base}/slow?seconds=4&file=/gov/rss/news.xml"}]
    write_schedule(tmp_path / "s", site_server.base_url, slow, every="1h")
    db = tmp_path / "m.db"
    daemon = DaemonProcess(db, tmp_path / "s")
    try:
        daemon.wait_ready()
        wait_for(lambda: query(db, "SELECT count(*) FROM runs WHERE status = 'running'")[0][0] == 1)
        hand = monitor("crawl", "slow-feed", "--db", str(db), "--schedules", str(tmp_path / "s"))
        assert hand.returncode == 0, hand.stderr
        assert "skipped slow-feed: another run is crawling it" in hand.stderr
        wait_for(lambda: query(db, "SELECT count(*) FROM runs WHERE status = 'running'")[0][0] == 0)
    finally:
        assert daemon.stop() == 0
    runs = query(db, "SELECT trigger, status FROM runs ORDER BY id")
    assert runs == [("schedule", "ok"), ("manual", "skipped")]
    assert query(db, "SELECT kind, severity FROM errors") == [("busy", "skip")]
    assert query(db, "SELECT count(*), count(DISTINCT canonical_url) FROM items")[0] == (6, 6)


@pytest.mark.slow
def test_sighup_reload_keeps_old_config_when_new_one_is_bad(site_server, tmp_path):
    path = write_schedule(tmp_path / "s", site_server.base_url, FEED_SOURCES, every="1h")
    db = tmp_path / "m.db"
    daemon = DaemonProcess(db, tmp_path / "s")
    try:
        daemon.wait_ready()
        path.write_text(path.read_text().replace("[[source]]", "[[source]", 1))
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: any("reload failed, keeping the running schedules" in l and "fixtures.toml" in l
                             for l in daemon.errors))
        write_schedule(tmp_path / "s", site_server.base_url, FEED_SOURCES, name="second", every="1h")
        path.unlink()
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: any("schedules reloaded: second" in l for l in daemon.errors))
        assert daemon.proc.poll() is None
    finally:
        assert daemon.stop() == 0


@pytest.mark.slow
def test_daemon_refuses_to_start_on_bad_config(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "bad.toml").write_text('cron = "61 * * * *"\n[[source]]\nname="a"\nurl="https://a.org"\n')
    result = monitor("start", "--no-serve", "--db", str(tmp_path / "m.db"), "--schedules", str(tmp_path / "s"))
    assert result.returncode == 2
    assert result.stderr.strip().startswith(f"Error: {tmp_path / 's' / 'bad.toml'}:1: key 'cron'")


@pytest.mark.slow
def test_time_limit_stops_a_run_and_marks_it_aborted(site_server, tmp_path):
    slow = [{"name": "slow-feed", "url": "{base}/slow?seconds=20&file=/gov/rss/news.xml"}]
    path = write_schedule(tmp_path / "s", site_server.base_url, slow, every="1h")
    path.write_text(path.read_text().replace('every = "1h"', 'every = "1h"\ntime_limit = "2s"'))
    db = tmp_path / "m.db"
    daemon = DaemonProcess(db, tmp_path / "s")
    try:
        daemon.wait_ready()
        wait_for(lambda: query(db, "SELECT status FROM runs WHERE status != 'running'"), timeout=60)
    finally:
        assert daemon.stop() == 0
    assert query(db, "SELECT status FROM runs") == [("aborted",)]
    assert any("exceeded its time limit" in line for line in daemon.errors)


@pytest.mark.slow
def test_sigkill_during_a_run_then_restart_loses_and_duplicates_nothing(site_server, tmp_path):
    sources = [{"name": "gov-feed", "url": "{base}/gov/rss/news.xml"},
               {"name": "slow-sitemap", "url": "{base}/slow?seconds=6&file=/gov/sitemap-releases.xml"}]
    write_schedule(tmp_path / "s", site_server.base_url, sources, every="1h")
    db = tmp_path / "m.db"
    daemon = DaemonProcess(db, tmp_path / "s")
    daemon.wait_ready()
    wait_for(lambda: query(db, "SELECT count(*) FROM items")[0][0] >= 1)  # mid-run: some stored
    stored = {r[0] for r in query(db, "SELECT canonical_url FROM items")}
    for pid in _children(daemon.proc.pid) + [daemon.proc.pid]:
        os.kill(pid, signal.SIGKILL)
    daemon.wait(timeout=30)
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert query(db, "SELECT status FROM runs") == [("running",)]
    restarted = DaemonProcess(db, tmp_path / "s")
    try:
        restarted.wait_ready()
        wait_for(lambda: query(db, "SELECT count(*) FROM runs WHERE status = 'ok'")[0][0] >= 1, timeout=90)
    finally:
        assert restarted.stop() == 0
    statuses = [r[0] for r in query(db, "SELECT status FROM runs ORDER BY id")]
    assert statuses[0] == "aborted" and "ok" in statuses[1:]
    after = [r[0] for r in query(db, "SELECT canonical_url FROM items")]
    assert stored <= set(after) and len(after) == len(set(after))
    assert len(after) >= 10  # the 6 feed releases + the 9 sitemap releases, deduplicated
    assert query(db, "PRAGMA integrity_check") == [("ok",)]


def _children(pid: int) -> list[int]:
    """Child processes of pid, from /proc (the crawl runs in a session of its own)."""
    found = []
    for stat in os.listdir("/proc"):
        if stat.isdigit():
            try:
                with open(f"/proc/{stat}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(stat))
    return found
