"""Shared pytest fixtures: the local fixture-site HTTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixture_server import FixtureServer


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
