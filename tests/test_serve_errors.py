"""`monitor serve`, `start` and `status` refuse clearly, and create nothing, when the port is
held by another process or --db names no database (a typo must not make an empty database)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.desk import server as desk
from tests.crawl_harness import monitor, write_schedule
from tests.test_desk import build_sample_db

pytestmark = pytest.mark.slow  # every test here starts `monitor` processes


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another socket listens on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.fixture
def schedules(tmp_path) -> Path:
    # a source on a port nothing listens on: these commands must never get as far as crawling
    write_schedule(tmp_path / "s", "http://127.0.0.1:9", [{"name": "gov", "url": "{base}/feed.xml"}],
                   every="1h")
    return tmp_path / "s"


def test_port_problem_names_the_held_port(held_port):
    problem = desk.port_problem("127.0.0.1", held_port)
    assert problem.startswith(f"port {held_port} in use: another process listens")
    assert desk.port_problem("127.0.0.1", desk.free_port()) is None


def test_serve_on_a_held_port_says_so_and_exits_1(tmp_path, held_port):
    db = build_sample_db(tmp_path / "monitor.db")
    result = monitor("serve", "--db", str(db), "--port", str(held_port), timeout=60)
    assert result.returncode == 1, result.stderr
    assert f"Error: port {held_port} in use" in result.stderr
    assert "The desk is at" not in result.stdout
    assert "Traceback" not in result.stderr


def test_start_on_a_held_port_refuses_before_scheduling(tmp_path, held_port, schedules):
    db = tmp_path / "m.db"
    result = monitor("start", "--db", str(db), "--schedules", str(schedules),
                     "--port", str(held_port), timeout=60)
    assert result.returncode == 1, result.stderr
    assert f"the desk cannot start: port {held_port} in use" in result.stderr
    assert "(or --no-serve)" in result.stderr
    assert "monitor daemon ready" not in result.stdout
    assert not db.exists()  # nothing was started, so nothing was created


def test_serve_on_a_missing_database_says_so_and_creates_nothing(tmp_path):
    missing = tmp_path / "monitr.db"
    result = monitor("serve", "--db", str(missing), "--port", "0", timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"Error: {missing}: no such database; check --db (or "
                                     "MONITOR_DB), or create it with `monitor crawl` or "
                                     "`monitor start`")
    assert not missing.exists()
    assert not list(tmp_path.iterdir())


def test_status_on_a_missing_database_says_so_and_creates_nothing(tmp_path, schedules):
    missing = tmp_path / "data" / "monitr.db"
    result = monitor("status", "--db", str(missing), "--schedules", str(schedules), timeout=60)
    assert result.returncode == 1
    assert f"Error: {missing}: no such database" in result.stderr
    assert result.stdout == ""
    assert not missing.parent.exists()


def test_status_on_an_existing_database_still_reports(tmp_path, schedules):
    db = build_sample_db(tmp_path / "monitor.db")
    result = monitor("status", "--db", str(db), "--schedules", str(schedules), timeout=60)
    assert result.returncode == 0, result.stderr
    assert "daemon: not running" in result.stdout
