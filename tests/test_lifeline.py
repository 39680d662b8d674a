"""Children that end with their parent: a SIGKILLed `monitor serve` or daemon leaves no Datasette
holding the desk's port (monitor.lifeline, Linux's parent-death signal)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.desk import server as desk
from tests.crawl_harness import FAST_ENV, ROOT, write_schedule
from tests.test_daemon import wait_for

pytestmark = [pytest.mark.slow,  # every test here starts processes
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="the parent-death signal is a Linux feature")]


def ended(pid: int) -> bool:
    """Gone, or a zombie nobody reaps (PID 1 of a container may not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_a_child_ends_when_its_parent_is_killed():
    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys, time\n"
         "from monitor import lifeline\n"
         "child = subprocess.Popen(lifeline.command([sys.executable, '-c', 'import time; time.sleep(120)']))\n"
         "print(child.pid, flush=True)\n"
         "time.sleep(120)\n"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        # the wrapper has set the parent-death signal once it has become the sleeper (exec)
        wait_for(lambda: b"monitor.lifeline" not in Path(f"/proc/{child}/cmdline").read_bytes(),
                 timeout=20, interval=0.05, what="the wrapper never ran its command")
        assert not ended(child)
        parent.kill()
        parent.wait()
        wait_for(lambda: ended(child), timeout=10, what="the child outlived its killed parent")
    finally:
        parent.kill()
        parent.stdout.close()


def test_usage_error_names_the_arguments():
    result = subprocess.run([sys.executable, "-m", "monitor.lifeline", "not-a-pid"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 2 and "PARENT_PID COMMAND" in result.stderr


def test_a_killed_daemon_takes_its_desk_along(site_server, tmp_path):
    write_schedule(tmp_path / "s", site_server.base_url,
                   [{"name": "gov-feed", "url": "{base}/gov/rss/news.xml", "agency": "ICE"}], every="1h")
    port = desk.free_port()
    daemon = subprocess.Popen(
        [sys.executable, "-m", "monitor", "start", "--port", str(port), "--db", str(tmp_path / "m.db"),
         "--schedules", str(tmp_path / "s")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **FAST_ENV})
    try:
        wait_for(lambda: answers(port), timeout=60, what="the desk never answered")
        daemon.send_signal(signal.SIGKILL)
        daemon.wait()
        # monitor serve gets SIGTERM and stops its Datasette, which would get one too
        wait_for(lambda: not answers(port), timeout=30, what="the desk outlived the daemon")
    finally:
        daemon.kill()
        daemon.wait()
