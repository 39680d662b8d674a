"""Cheap re-polls and re-checks, counted in the fixture server's own request log: an unchanged
source costs one conditional request; stored items are re-checked on a decaying schedule, a
changed one keeps its old version, a removed one is marked gone, never deleted."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from tests.crawl_harness import monitor, write_schedule
from tests.fixture_server import FixtureServer, copy_site

pytestmark = pytest.mark.slow  # every test here starts processes

SOURCES = [
    {"name": "gov-feed", "url": "{base}/gov/rss/news.xml", "agency": "ICE"},
    {"name": "gov-newsroom", "url": "{base}/gov/newsroom/", "kind": "listing",
     "follow": "/news/releases/", "pages": 3},
    {"name": "gov-sitemap", "url": "{base}/gov/sitemap.xml"},
    {"name": "ledger", "url": "{base}/news/feed.atom"},
]
RELEASE = "/gov/news/releases/ice-arrests-41-connecticut-5-day-operation.html"


@pytest.fixture
def own_site(tmp_path):
    """A private copy of the fixture site that a test may change, served on its own port."""
    root = copy_site(tmp_path / "site")
    with FixtureServer(root) as server:
        yield server, root


def crawl(server, tmp_path):
    server.clear_log()
    result = monitor("crawl", "--db", str(tmp_path / "m.db"), "--schedules", str(tmp_path / "s"))
    assert result.returncode == 0, result.stderr
    return [r for r in server.requests]


def db_rows(tmp_path, sql, params=()):
    conn = sqlite3.connect(tmp_path / "m.db")
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def age_items(tmp_path, hours):
    """Pretend every item was first seen `hours` ago (the re-check schedule counts from it)."""
    then = (datetime.now(timezone.utc) - timedelta(hours=hours)).replace(microsecond=0).isoformat()
    conn = sqlite3.connect(tmp_path / "m.db")
    with conn:
        conn.execute("UPDATE items SET first_seen = ?", [then])
    conn.close()


def test_unchanged_repoll_is_one_conditional_request_per_source(own_site, tmp_path):
    server, _ = own_site
    write_schedule(tmp_path / "s", server.base_url, SOURCES)
    first = crawl(server, tmp_path)
    assert len([r for r in first if "/news/releases/" in r.path or "/news/20" in r.path]) >= 15
    second = crawl(server, tmp_path)
    paths = sorted(r.path for r in second)
    assert paths == sorted(["/robots.txt", "/gov/rss/news.xml", "/gov/newsroom/", "/gov/sitemap.xml",
                            "/news/feed.atom"])
    assert all(r.status == 304 for r in second if r.path != "/robots.txt")
    assert all(r.header("If-None-Match") for r in second if r.path != "/robots.txt")
    summary = db_rows(tmp_path, "SELECT sum(not_modified), sum(new) FROM run_sources WHERE run_id = 2")
    assert summary == [(4, 0)]


def test_changed_source_is_fetched_again_but_not_its_known_articles(own_site, tmp_path):
    server, root = own_site
    write_schedule(tmp_path / "s", server.base_url, SOURCES[:1])
    crawl(server, tmp_path)
    feed = root / "gov/rss/news.xml"
    feed.write_text(feed.read_text().replace("</channel>", "<!-- touched --></channel>"))
    second = crawl(server, tmp_path)
    assert [r.status for r in second if r.path == "/gov/rss/news.xml"] == [200]
    assert not [r for r in second if r.path.startswith("/gov/news/releases/")]
    assert db_rows(tmp_path, "SELECT known FROM run_sources WHERE run_id = 2") == [(6,)]


def test_due_items_are_rechecked_and_changes_kept_as_revisions(own_site, tmp_path):
    server, root = own_site
    write_schedule(tmp_path / "s", server.base_url, SOURCES[:1])
    crawl(server, tmp_path)
    page = root / RELEASE.lstrip("/")
    page.write_text(page.read_text().replace("arrested 41 people", "arrested 43 people"))
    age_items(tmp_path, hours=2)           # past the 1 h re-check
    second = crawl(server, tmp_path)
    rechecked = {r.path for r in second if r.path.startswith("/gov/news/releases/")}
    assert len(rechecked) == 6             # every item is due once
    [(text, checks)] = db_rows(tmp_path, "SELECT text, checks FROM items WHERE canonical_url LIKE ?",
                               [f"%{RELEASE}"])
    assert "43" in text and checks == 1
    [(old,)] = db_rows(tmp_path, "SELECT r.text FROM revisions r JOIN items i ON i.id = r.item_id "
                                 "WHERE i.canonical_url LIKE ?", [f"%{RELEASE}"])
    assert "41" in old
    third = crawl(server, tmp_path)        # the next re-check is at 6 h: nothing is due yet
    assert not [r for r in third if r.path.startswith("/gov/news/releases/")]


def test_removed_release_is_marked_gone_not_deleted(own_site, tmp_path):
    server, root = own_site
    write_schedule(tmp_path / "s", server.base_url, SOURCES[:1])
    crawl(server, tmp_path)
    (root / RELEASE.lstrip("/")).unlink()
    age_items(tmp_path, hours=7)
    crawl(server, tmp_path)
    [(status, gone_since)] = db_rows(tmp_path, "SELECT status, gone_since FROM items "
                                               "WHERE canonical_url LIKE ?", [f"%{RELEASE}"])
    assert status == "gone" and gone_since
    assert db_rows(tmp_path, "SELECT count(*) FROM items WHERE status = 'live'") == [(5,)]
    assert db_rows(tmp_path, "SELECT gone FROM run_sources WHERE run_id = 2") == [(1,)]
