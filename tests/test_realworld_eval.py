"""Quality gate on the real-world development set (tests/intel/realworld/, issue 18): the set is
rendered as pages, served on 127.0.0.1, crawled by `monitor crawl` into a real store, and the
scores read back from that store stay at or above the floors in benchmarks/realworld_floor.json."""

import json

import pytest

from benchmarks.realworld import (
    FLOOR_FILE,
    FLOORED,
    Story,
    below_floors,
    load_set,
    render_feed,
    render_page,
    run,
    same_date,
)

FLOORS = json.loads(FLOOR_FILE.read_text(encoding="utf-8"))["metrics"]


@pytest.fixture(scope="module")
def scored():
    return run()


@pytest.mark.slow  # a real crawl, in a subprocess
def test_scores_stay_at_or_above_their_floors(scored):
    _, results, _ = scored
    assert below_floors(results, FLOORS) == []


def test_every_floored_metric_has_a_floor():
    assert {name: set(keys) for name, keys in FLOORED.items()} == \
        {name: set(FLOORS[name]) for name in FLOORED}
    assert "different-operation pairs merged" in FLOORS


def test_the_set_is_as_large_and_varied_as_the_issue_asks():
    stories = load_set()
    assert len(stories) >= 150
    assert len({s.event for s in stories if s.event}) >= 10
    assert sum(not s.relevant for s in stories) >= 30
    coverage = [s for s in stories if s.role == "coverage"]
    undated = [s for s in coverage if s.page_date in ("none", "feed")]
    assert len(undated) >= 0.15 * len(coverage)
    ids = {s.id for s in stories}
    assert {s.rewrite_of for s in stories if s.rewrite_of} <= ids
    assert {s.reports_release for s in stories if s.reports_release} <= ids


def _story(page_date: str, kind: str = "news") -> Story:
    return Story("x-01-news", kind, "harborledger.example", "2025-05-31T09:30:00-04:00", "ICE arrests 1,461",
                 "BOSTON — Federal agents arrested 1,461 people.\n\nThe operation ran all month.", True,
                 "x", "coverage", None, None, page_date, None, None, 1461, False, None, [], "a")


@pytest.mark.parametrize("page_date,in_meta,in_text,in_feed", [
    ("meta", True, False, True), ("text", False, True, False),
    ("feed", False, False, True), ("none", False, False, False)])
def test_a_page_shows_its_date_where_its_label_says(page_date, in_meta, in_text, in_feed):
    story = _story(page_date)
    page = render_page(story, "http://127.0.0.1/x.html").decode()
    feed = render_feed("Harbor Ledger", "http://127.0.0.1/", [(story, "http://127.0.0.1/x.html")]).decode()
    assert ('article:published_time' in page and "<time" in page) is in_meta
    assert ("Published May 31, 2025" in page) is in_text
    assert ("<pubDate>" in feed) is in_feed
    if not in_meta and not in_text:
        assert "2025" not in page


def test_a_release_shows_its_date_in_its_text_as_agencies_do():
    page = render_page(_story("text", kind="press_release"), "http://127.0.0.1/x.html").decode()
    assert "Release Date: Sat, 05/31/2025" in page


def test_a_feed_date_stored_in_utc_is_the_same_date():
    assert same_date("2025-05-31T13:30:00+00:00", "2025-05-31T09:30:00-04:00")
    assert not same_date("2025-06-01T13:30:00+00:00", "2025-05-31T09:30:00-04:00")
    assert same_date("2025-05-31", "2025-05-31T09:30:00-04:00")
    assert not same_date(None, "2025-05-31T09:30:00-04:00")
    assert same_date(None, None)
