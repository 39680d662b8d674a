"""`monitor serve` and `monitor demo`: binding rules, and both as real processes (ready line,
a page fetched, then SIGTERM or SIGINT and exit status 0)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.desk import server as desk
from monitor.cli import desk_commands as desk_cli
from tests.test_desk import build_sample_db

ROOT = Path(__file__).resolve().parents[1]
READY = re.compile(r"The desk is at (http://127\.0\.0\.1:\d+/)")


def monitor_command(*args: str) -> list[str]:
    """`python -m monitor ARGS`, as a user runs it."""
    return [sys.executable, "-m", "monitor", *args]


class Running:
    """A command started in its own process; its stdout lines are collected by a thread."""

    def __init__(self, command: list[str], env: dict | None = None) -> None:
        self.stderr = tempfile.TemporaryFile(mode="w+")  # a file: a full pipe would block it
        # its own process group: kill() also reaches a Datasette child left behind, whose open
        # stdout would otherwise keep the reader thread (and the test) waiting for good
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                        stderr=self.stderr, text=True, start_new_session=True,
                                        env={**os.environ, **(env or {})})
        self.lines: list[str] = []
        self.url_found = threading.Event()
        self.url: str | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            match = READY.search(line)
            if match and self.url is None:
                self.url = match.group(1)
                self.url_found.set()
        self.url_found.set()  # the process ended: stop waiting

    def wait_for_url(self, timeout: float) -> str:
        assert self.url_found.wait(timeout), "no URL line within the timeout"
        assert self.url, f"exited {self.process.poll()} without a URL: {self.stderr_tail()}"
        return self.url

    def stop(self, sig: int, timeout: float = 30) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout)
        self._reader.join(timeout)
        return code

    def stderr_tail(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-2000:]

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self._reader.join(30)
        self.process.stdout.close()
        self.stderr.close()


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode("utf-8")


def port_is_closed(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=5)
    except OSError:
        return True
    return False


# -- binding rules --------------------------------------------------------------------------


def test_loopback_is_the_default_and_allows_sql():
    assert desk.resolve_binding("127.0.0.1", public=False, allow_sql=None) == ("127.0.0.1", True)


def test_public_listens_everywhere_and_turns_sql_off_unless_asked():
    assert desk.resolve_binding("127.0.0.1", public=True, allow_sql=None) == ("0.0.0.0", False)
    assert desk.resolve_binding("127.0.0.1", public=True, allow_sql=True) == ("0.0.0.0", True)
    assert desk.resolve_binding("192.0.2.10", public=True, allow_sql=None) == ("192.0.2.10", False)


def test_another_address_needs_public():
    with pytest.raises(desk.DeskError, match="--public"):
        desk.resolve_binding("0.0.0.0", public=False, allow_sql=None)


def test_serve_refuses_a_public_address_without_the_flag(tmp_path):
    result = CliRunner().invoke(desk_cli.serve, ["--db", str(tmp_path / "m.db"),
                                                 "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: binding 0.0.0.0 makes the desk reachable")


def test_serve_public_warns_and_passes_the_choice_on(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(desk, "serve", lambda db, **kw: calls.append((db, kw)) or 0)
    result = CliRunner().invoke(desk_cli.serve, ["--db", str(tmp_path / "m.db"), "--public",
                                                 "--port", "9000", "--no-sql"])
    assert result.exit_code == 0, result.output
    assert "Warning: the desk listens on all interfaces" in result.output
    assert calls[0][1]["public"] is True and calls[0][1]["port"] == 9000
    assert calls[0][1]["allow_sql"] is False


def test_serve_rejects_a_bad_port(tmp_path):
    result = CliRunner().invoke(desk_cli.serve, ["--db", str(tmp_path / "m.db"), "--port", "70000"])
    assert result.exit_code == 2 and "between 0 and 65535" in result.output


def test_a_port_in_use_is_a_clear_error(tmp_path):
    import socket

    db = build_sample_db(tmp_path / "monitor.db")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(desk.DeskError, match=f"port {port} in use"):
            desk.DeskServer(db, port=port).start()


# -- real processes -------------------------------------------------------------------------


@pytest.mark.slow
def test_serve_runs_until_sigterm(tmp_path):
    db = build_sample_db(tmp_path / "monitor.db")
    running = Running(monitor_command("serve", "--db", str(db), "--port", "0"))
    try:
        url = running.wait_for_url(60)
        status, page = fetch(url + "-/item/rel-ma")
        assert status == 200 and "ICE arrests 19 in Massachusetts" in page
        assert running.stop(signal.SIGTERM) == 0
        assert port_is_closed(url)  # Datasette went with it
    finally:
        running.kill()


@pytest.mark.slow
def test_demo_serves_a_crawled_sample_newsroom_until_ctrl_c():
    running = Running(monitor_command("demo", "--port", "0"))
    try:
        url = running.wait_for_url(240)
        status, page = fetch(url)
        assert status == 200 and "monitor: the review desk" in page
        status, items = fetch(url + "demo/items.json?_shape=array&_col=title")
        titles = [row["title"] for row in json.loads(items)]
        assert any("Massachusetts" in title for title in titles), titles
        status, health = fetch(url + "demo/source_health.json?_shape=array")
        assert "ice-old-feed" in health  # the retired feed shows as failing
        assert running.stop(signal.SIGINT) == 0
        assert port_is_closed(url)
    finally:
        running.kill()
