"""Shared pytest fixtures (the local fixture-site HTTP server, the grown desk store), and the
guard of the fast layer: under `-m "not slow"` a test that starts a process without the `slow`
marker fails, naming it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import grown_store
from tests.fixture_server import FixtureServer

# Audit events of starting a program (sys.addaudithook: no patching of subprocess).
_PROCESS_EVENTS = {"subprocess.Popen", "os.system", "os.posix_spawn", "os.exec"}
_running: list[pytest.Item] = []  # the test whose setup, call or teardown runs now


def _refuse_unmarked_process(event: str, args: tuple) -> None:
    if event in _PROCESS_EVENTS and _running and _running[0].get_closest_marker("slow") is None:
        program = args[0] if args else "?"
        raise RuntimeError(f"{_running[0].nodeid} starts a process ({program!r}) but is not marked "
                           "slow: add @pytest.mark.slow (or a module pytestmark)")


def pytest_configure(config: pytest.Config) -> None:
    if "not slow" in (config.getoption("markexpr") or ""):  # the fast layer: keep it honest
        sys.addaudithook(_refuse_unmarked_process)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    _running.append(item)
    try:
        return (yield)
    finally:
        _running.remove(item)


@pytest.fixture(scope="session")
def site_server() -> Iterator[FixtureServer]:
    """The fixture site served on 127.0.0.1 (any free port) for the whole session."""
    with FixtureServer() as server:
        yield server


@pytest.fixture
def site_url(site_server: FixtureServer) -> str:
    """Base URL of the fixture site, with the request log cleared for this test."""
    site_server.clear_log()
    return site_server.base_url


@pytest.fixture(scope="session")
def grown_desk_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store of `grown_store.ITEMS` items, grown once for the whole session. Shared: read it,
    never write it (a test that writes takes `grown_store.private_copy`); a write fails here."""
    path = grown_store.grow(tmp_path_factory.mktemp("grown-desk"))
    before = grown_store.fingerprint(path)
    yield path
    assert grown_store.fingerprint(path) == before, \
        f"a test wrote to the shared grown store {path}: write to a grown_store.private_copy"
