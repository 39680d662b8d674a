"""Beyond one machine: two real Scrapyd processes on 127.0.0.1 (auth on), the spiders deployed
as an egg, a real daemon dispatching runs to both; items land once; a node killed mid-run
gives a failed run and no partial items."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from monitor.runs.nodes import Node, NodeError, build_egg
from tests.crawl_harness import FAST_ENV, monitor, write_schedule
from tests.test_daemon import DaemonProcess, _children, wait_for

pytestmark = pytest.mark.slow  # every test here starts processes

USER, PASSWORD = "desk", "s3cret-test"
CONF = """[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
username = {user}
password = {password}
poll_interval = 0.3
max_proc = 4
logs_dir = {root}/logs
items_dir = {root}/items
eggs_dir = {root}/eggs
dbs_dir = {root}/dbs
jobs_to_keep = 50
"""


def free_port() -> int:
    """A port the kernel says is free now (Scrapyd cannot listen on port 0 and report it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Scrapyd:
    """One Scrapyd process in a directory of its own, ready when it says where it listens."""

    def __init__(self, root: Path):
        root.mkdir(parents=True)
        self.port = free_port()
        (root / "scrapyd.conf").write_text(CONF.format(port=self.port, user=USER,
                                                       password=PASSWORD, root=root))
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=root,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, **FAST_ENV}, start_new_session=True)
        self.ready = threading.Event()
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        assert self.ready.wait(60), self.lines[-20:]

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            if "Scrapyd web console available at" in line:
                self.ready.set()

    def kill(self):
        """SIGKILL the node and its crawl processes: a machine that dies."""
        for pid in _children(self.proc.pid) + [self.proc.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.reader.join(timeout=10)
        self.proc.stdout.close()


@pytest.fixture
def nodes(tmp_path):
    started = [Scrapyd(tmp_path / "node-a"), Scrapyd(tmp_path / "node-b")]
    env = {"MONITOR_SCRAPYD_USERNAME": USER, "MONITOR_SCRAPYD_PASSWORD": PASSWORD}
    deployed = monitor("nodes", "deploy", *(n.url for n in started), env=env)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert deployed.stdout.count("spider(s)") == 2
    yield started
    for node in started:
        node.stop()


def query(db, sql):
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def start_daemon(db, schedules, nodes, **env):
    args = [arg for node in nodes for arg in ("--node", node.url)]
    extra = {"MONITOR_SCRAPYD_USERNAME": USER, "MONITOR_SCRAPYD_PASSWORD": PASSWORD, **env}
    os.environ.update(extra)
    try:
        return DaemonProcess(db, schedules, *args)
    finally:
        for key in extra:
            os.environ.pop(key, None)


def test_nodes_refuse_requests_without_credentials(nodes):
    with pytest.raises(NodeError, match="HTTP 401"):
        Node(nodes[0].url).status()
    assert Node(nodes[0].url, USER, PASSWORD).status()["status"] == "ok"


def test_daemon_spreads_runs_over_both_nodes_and_items_land_once(site_server, nodes, tmp_path):
    schedules = tmp_path / "s"
    write_schedule(schedules, site_server.base_url,
                   [{"name": "gov-feed", "url": "{base}/gov/rss/news.xml", "agency": "ICE"}],
                   name="gov", every="1h")
    write_schedule(schedules, site_server.base_url,
                   [{"name": "gov-sitemap", "url": "{base}/gov/sitemap-releases.xml", "agency": "ICE"},
                    {"name": "ledger", "url": "{base}/news/feed.atom"}],
                   name="more", every="1h")
    db = tmp_path / "m.db"
    daemon = start_daemon(db, schedules, nodes)
    try:
        daemon.wait_ready()
        assert "runs go to 2 Scrapyd node(s)" in daemon.lines[0]
        wait_for(lambda: query(db, "SELECT count(*) FROM runs WHERE status NOT IN ('running')")[0][0] == 2,
                 timeout=120)
        status = monitor("status", "--db", str(db), "--schedules", str(schedules),
                         env={"MONITOR_SCRAPYD_NODES": " ".join(n.url for n in nodes),
                              "MONITOR_SCRAPYD_USERNAME": USER, "MONITOR_SCRAPYD_PASSWORD": PASSWORD})
        assert status.stdout.count("127.0.0.1") >= 2 and " ok " in status.stdout
    finally:
        assert daemon.stop() == 0
    runs = query(db, "SELECT schedule, status, trigger FROM runs ORDER BY schedule")
    assert runs == [("gov", "ok", "schedule"), ("more", "ok", "schedule")]
    used = {r[0] for r in query(db, "SELECT node FROM remote_jobs WHERE state = 'finished'")}
    assert used == {n.url for n in nodes}                      # both nodes got a run
    total, distinct = query(db, "SELECT count(*), count(DISTINCT canonical_url) FROM items")[0]
    assert total == distinct and total == 9 + 1 + 6             # 9 releases, the PDF, 6 stories
    seed = query(db, "SELECT text FROM items WHERE canonical_url LIKE '%ice-arrests-19-in-massachusetts%'")
    assert len(seed) == 1 and "Brockton" in seed[0][0]
    counts = query(db, "SELECT source, new FROM run_sources ORDER BY source")
    assert sum(c[1] for c in counts) == total


def test_node_killed_mid_run_fails_the_run_without_partial_items(site_server, nodes, tmp_path):
    schedules = tmp_path / "s"
    write_schedule(schedules, site_server.base_url, [
        {"name": "gov-feed", "url": "{base}/gov/rss/news.xml"},
        {"name": "slow", "url": "{base}/slow?seconds=20&file=/gov/sitemap-releases.xml"}],
        every="1h")
    db = tmp_path / "m.db"
    daemon = start_daemon(db, schedules, nodes[:1], MONITOR_NODE_LOST_AFTER="3")
    try:
        daemon.wait_ready()
        wait_for(lambda: query(db, "SELECT count(*) FROM remote_jobs")[0][0] == 1)
        wait_for(lambda: len(_children(nodes[0].proc.pid)) >= 1)   # the job's crawl runs
        nodes[0].kill()
        wait_for(lambda: query(db, "SELECT status FROM runs WHERE status != 'running'"), timeout=120)
    finally:
        assert daemon.stop() == 0
    assert query(db, "SELECT status FROM runs") == [("failed",)]
    assert query(db, "SELECT count(*) FROM items") == [(0,)]        # nothing half-imported
    assert query(db, "SELECT kind FROM errors") == [("node_error",)]
    assert query(db, "SELECT state FROM remote_jobs") == [("lost",)]


def test_egg_contains_the_spiders_and_settings_entry_point():
    import io
    import zipfile
    egg, version = build_egg("7")
    names = zipfile.ZipFile(io.BytesIO(egg)).namelist()
    assert "spiders/base.py" in names and "monitor/settings.py" in names
    entry = zipfile.ZipFile(io.BytesIO(egg)).read("EGG-INFO/entry_points.txt").decode()
    assert "settings = monitor.settings" in entry
