"""The review desk through Datasette's own test client: home page, every canned query, the item
page, hostile input, Atom feeds, dashboards, and the read-only guarantees."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from monitor.desk import server as desk
from monitor.desk import metadata as desk_metadata
from monitor.store import Store
from monitor.store.operations_rebuild import rebuild_operations

HOSTILE_TITLE = '<script>alert("title")</script> Raid & <b>bold</b> claims'
HOSTILE_TEXT = ('Agents said <img src=x onerror=alert(1)> the raid in Dallas, Texas was planned.\n\n'
                'A second <b>paragraph</b> with <a href="javascript:alert(2)">a link</a>.')
MA_TEXT = ("BOSTON — U.S. Immigration and Customs Enforcement arrested 19 people in Massachusetts "
           "during a four-day operation that ended Nov. 4.\n\n"
           "A 38-year-old Cape Verde national was arrested in Brockton on Nov. 3.\n\n"
           "Those arrested came from Brazil (4), Cape Verde (4) and the Dominican Republic (6).")
STORY_TEXT = ("Federal agents arrested 19 people in a four-day sweep, including two in Brockton."
              "\n\nICE said all had drug convictions.")


def _span(text: str, quote: str) -> dict:
    start = text.index(quote)
    return {"start": start, "end": start + len(quote), "quote": quote}


def build_sample_db(path: Path) -> Path:
    """A migrated monitor database with a little of everything, including hostile markup."""
    with Store(path) as store:
        store.migrate()
        with store.write() as db:
            db["sources"].insert_all([
                {"name": "ice-news", "schedule": "federal", "kind": "feed", "agency": "ICE",
                 "url": "https://www.ice.gov/feeds/news.rss", "item_kind": "press_release",
                 "added": "2019-11-01T00:00:00+00:00", "last_success": "2019-11-07T10:00:00+00:00",
                 "last_new_item": "2019-11-06T18:00:00+00:00", "failures_in_row": 0, "last_run": 2},
                {"name": "ledger", "schedule": "news", "kind": "feed", "item_kind": "news",
                 "url": "https://ledger.example/feed.atom", "added": "2019-11-01T00:00:00+00:00",
                 "failures_in_row": 3, "last_error": "<script>alert('err')</script> timeout",
                 "last_run": 2},
                {"name": "usao-ma", "schedule": "doj", "kind": "listing", "agency": "USAO-MA",
                 "url": "https://www.justice.gov/usao-ma/pr", "item_kind": "press_release",
                 "added": "2019-11-01T00:00:00+00:00", "failures_in_row": 0},
            ])
            db["runs"].insert_all([
                {"id": 1, "trigger": "manual", "schedule": "federal", "sources": '["ice-news"]',
                 "started": "2019-11-06T18:00:00+00:00", "ended": "2019-11-06T18:01:00+00:00",
                 "status": "ok", "pages": 4, "new": 3},
                {"id": 2, "trigger": "schedule", "schedule": "news", "sources": '["ledger"]',
                 "started": "2019-11-07T10:00:00+00:00", "ended": "2019-11-07T10:01:00+00:00",
                 "status": "partial", "pages": 2, "errors": 1},
            ])
            base = {"content_hash": "", "last_seen": "2019-11-07T10:00:00+00:00",
                    "status": "live", "first_run": 1, "last_run": 2}
            items = [
                {"id": "rel-ma", "url": "https://www.ice.gov/news/releases/ma-19",
                 "canonical_url": "https://www.ice.gov/news/releases/ma-19", "source": "ice-news",
                 "agency": "ICE", "kind": "press_release",
                 "title": "ICE arrests 19 in Massachusetts during four-day operation",
                 "text": MA_TEXT, "published": "2019-11-06T12:00:00-05:00",
                 "published_from": "meta", "first_seen": "2019-11-06T18:00:00+00:00",
                 "last_changed": "2019-11-07T10:00:00+00:00", "relevance": 0.97, "relevant": 1,
                 "relevance_reasons": '["arrest count", "operation"]', "event_id": "ev-ma",
                 "content_hash": "h-ma"},
                {"id": "story-ma", "url": "https://ledger.example/2019/11/ice-arrests-19.html",
                 "canonical_url": "https://ledger.example/2019/11/ice-arrests-19.html",
                 "source": "ledger", "kind": "news", "author": "Dana Whitcomb",
                 "title": "ICE arrests 19 in Massachusetts during 4-day operation",
                 "text": STORY_TEXT,
                 "published": "2019-11-06T17:30:00-05:00", "first_seen": "2019-11-06T23:00:00+00:00",
                 "relevance": 0.9, "relevant": 1, "event_id": "ev-ma", "content_hash": "h-story"},
                {"id": "copy-ma", "url": "https://wire.example/sweep-nets-19",
                 "canonical_url": "https://wire.example/sweep-nets-19", "source": "ledger",
                 "kind": "news", "title": "Immigration sweep nets 19 with drug records",
                 "text": "Federal agents arrested 19 people in a four-day sweep, two in Brockton.",
                 "published": "2019-11-07T08:15:00-05:00", "first_seen": "2019-11-07T14:00:00+00:00",
                 "relevant": 1, "duplicate_of": "story-ma", "duplicate_score": 0.93,
                 "content_hash": "h-copy"},
                {"id": "hostile", "url": "javascript:alert(1)", "canonical_url": "javascript:alert(1)",
                 "source": "ledger", "kind": "news", "title": HOSTILE_TITLE, "text": HOSTILE_TEXT,
                 "description": "<i>desc</i>", "published": "2020-01-15",
                 "first_seen": "2020-01-16T09:00:00+00:00", "relevant": 1, "content_hash": "h-x"},
                {"id": "weather", "url": "https://ledger.example/2020/01/storm.html",
                 "canonical_url": "https://ledger.example/2020/01/storm.html", "source": "ledger",
                 "kind": "news", "title": "Storm drops up to 11 inches of snow on South Shore",
                 "text": "Crews worked through the night.", "published": "2020-01-19T10:30:00-05:00",
                 "first_seen": "2020-01-19T16:00:00+00:00", "relevant": 0, "content_hash": "h-w"},
                {"id": "unscored", "url": "https://www.justice.gov/usao-ma/pr/sentenced",
                 "canonical_url": "https://www.justice.gov/usao-ma/pr/sentenced",
                 "source": "usao-ma", "agency": "USAO-MA", "kind": "press_release",
                 "title": "Man sentenced for fentanyl trafficking", "text": "A man was sentenced.",
                 "first_seen": "2020-02-01T12:00:00+00:00", "content_hash": "h-u"},
            ]
            db["items"].insert_all([{**base, **item} for item in items])
            facts = [
                {"item_id": "rel-ma", "kind": "arrests", "value": "19", "count": 19,
                 "qualifier": "exact", **_span(MA_TEXT, "arrested 19 people")},
                {"item_id": "rel-ma", "kind": "duration", "value": "4 days",
                 **_span(MA_TEXT, "four-day operation")},
                {"item_id": "rel-ma", "kind": "place", "value": "Massachusetts", "code": "MA",
                 **_span(MA_TEXT, "Massachusetts")},
                {"item_id": "rel-ma", "kind": "place", "value": "Brockton", "code": "MA",
                 **_span(MA_TEXT, "Brockton")},
                {"item_id": "rel-ma", "kind": "nationality", "value": "Brazil", "code": "BR",
                 "count": 4, **_span(MA_TEXT, "Brazil (4)")},
                {"item_id": "rel-ma", "kind": "nationality", "value": "Cape Verde", "code": "CV",
                 "count": 4, **_span(MA_TEXT, "Cape Verde (4)")},
                {"item_id": "rel-ma", "kind": "nationality", "value": "Dominican Republic",
                 "code": "DO", "count": 6, **_span(MA_TEXT, "Dominican Republic (6)")},
                {"item_id": "rel-ma", "kind": "agency", "value": "ICE",
                 **_span(MA_TEXT, "U.S. Immigration and Customs Enforcement")},
                {"item_id": "rel-ma", "kind": "duration", "value": "P4D", "count": 4, "field": "title",
                 **_span("ICE arrests 19 in Massachusetts during four-day operation", "four-day")},
                {"item_id": "story-ma", "kind": "arrests", "value": "19", "count": 19,
                 "qualifier": "exact", **_span(STORY_TEXT, "arrested 19 people")},
                {"item_id": "story-ma", "kind": "place", "value": "Brockton", "code": "MA",
                 **_span(STORY_TEXT, "Brockton")},
                {"item_id": "hostile", "kind": "place", "value": "<b>Dallas</b>", "code": "TX",
                 "quote": "<script>alert('fact')</script>", "start": 10_000, "end": 10_010},
                {"item_id": "hostile", "kind": "arrests", "value": "7", "count": 7,
                 "qualifier": "at least", "quote": "at least 7"},
            ]
            db["facts"].insert_all([{**fact, "extractor_version": "test"} for fact in facts],
                                   alter=False)
            db["events"].insert({"id": "ev-ma", "label": "ICE operation in Massachusetts, Nov 2019",
                                 "state": "MA", "first_published": "2019-11-06", "item_count": 2,
                                 "arrests": 19, "disagreements": '["arrests: 19 vs 23"]'})
            db["event_items"].insert_all([
                {"event_id": "ev-ma", "item_id": "rel-ma", "role": "release", "reason": "agency"},
                {"event_id": "ev-ma", "item_id": "story-ma", "role": "coverage",
                 "reason": "same place, count and dates"},
            ])
            db["revisions"].insert({
                "item_id": "rel-ma", "title": "ICE arrests 17 in Massachusetts",
                "text": MA_TEXT.replace("arrested 19 people", "arrested 17 people"),
                "content_hash": "h-old", "valid_from": "2019-11-06T18:00:00+00:00",
                "replaced_at": "2019-11-07T10:00:00+00:00", "run_id": 2})
            db["sightings"].insert_all([
                {"item_id": "rel-ma", "url": "https://www.ice.gov/news/releases/ma-19",
                 "source": "ice-news", "run_id": 1, "seen_at": "2019-11-06T18:00:00+00:00",
                 "via": "feed"},
                {"item_id": "story-ma", "url": "https://syndicate.example/ice-arrests-19",
                 "source": "ledger", "run_id": 2, "seen_at": "2019-11-07T10:00:00+00:00",
                 "via": "feed"},
            ])
            db["errors"].insert_all([
                {"run_id": 2, "source": "ledger", "url": "https://ledger.example/feed.atom",
                 "kind": "timeout", "severity": "error", "message": "<b>timed out</b>",
                 "at": "2019-11-07T10:00:30+00:00"},
                {"run_id": 2, "source": "ledger", "url": "https://ledger.example/x",
                 "kind": "http", "severity": "error", "message": "HTTP 404",
                 "at": "2019-11-07T10:00:40+00:00"},
            ])
            # bulk rows bypass the store: write what it keeps as it writes
            rebuild_operations(db, now="2019-11-07T10:00:00+00:00")
    return path


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    return build_sample_db(tmp_path_factory.mktemp("desk") / "monitor.db")


@pytest.fixture(scope="module")
def client(sample_db):
    """GET through the desk's Datasette: `get(path) -> httpx.Response`."""
    ds = desk.build_datasette(sample_db)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(ds.invoke_startup())

    def get(path: str):
        return loop.run_until_complete(ds.client.get(path))

    get.datasette = ds
    yield get
    loop.close()


def json_rows(client, path: str) -> list[dict]:
    separator = "&" if "?" in path else "?"
    response = client(f"{path}{separator}_shape=array")
    assert response.status_code == 200, response.text[:500]
    return response.json()


# -- metadata -------------------------------------------------------------------------------


def test_every_table_and_column_is_described(tmp_path):
    db_path = tmp_path / "fresh.db"
    with Store(db_path) as store:
        store.migrate()
    metadata = desk.datasette_metadata(db_path)
    tables = metadata["databases"]["fresh"]["tables"]
    for table, columns in desk.read_schema(db_path).items():
        assert table in tables, f"table {table} is not in monitor/desk/desk.yml"
        if tables[table].get("hidden"):
            continue
        assert tables[table]["description"], table
        undescribed = [c for c in columns if not tables[table]["columns"].get(c)]
        assert not undescribed, f"{table}: describe {undescribed} in monitor/desk/desk.yml"


def test_plumbing_tables_are_hidden(sample_db):
    tables = desk.datasette_metadata(sample_db)["databases"]["monitor"]["tables"]
    for name in ("_sqlite_migrations", "lsh_bands", "items_fts", "items_fts_data",
                 "items_fts_idx", "items_fts_docsize", "items_fts_config"):
        assert tables[name]["hidden"] is True, name
    assert not tables["items"].get("hidden")


def test_every_canned_query_and_chart_compiles_against_the_schema(sample_db):
    config = desk.load_desk_config()
    metadata = desk.datasette_metadata(sample_db)
    assert set(metadata["databases"]["monitor"]["queries"]) == set(config["queries"])
    dashboards = metadata["plugins"]["datasette-dashboards"]
    for slug, dashboard in config["dashboards"].items():
        assert set(dashboards[slug]["charts"]) == set(dashboard["charts"]), slug


def test_a_query_for_a_table_that_does_not_exist_yet_is_left_out(sample_db, monkeypatch):
    config = desk.load_desk_config()
    config["queries"]["future"] = {"title": "Future", "sql": "select * from not_yet_there"}
    config["queries"]["fallback"] = {"title": "Fallback",
                                     "sql": ["select nope from items", "select id from items"]}
    monkeypatch.setattr(desk_metadata, "load_desk_config", lambda: config)
    queries = desk.datasette_metadata(sample_db)["databases"]["monitor"]["queries"]
    assert "future" not in queries
    assert queries["fallback"]["sql"] == "select id from items"


# -- home page and items --------------------------------------------------------------------


def test_home_page_has_a_search_box_and_the_ways_in(client):
    response = client("/")
    assert response.status_code == 200
    page = response.text
    assert "monitor: the review desk" in page
    assert 'action="/monitor/items"' in page and 'name="_search"' in page
    for name in desk.load_desk_config()["queries"]:
        assert f'href="/monitor/{name}"' in page, name
    assert 'href="/-/dashboards/operations"' in page
    assert "lsh_bands" not in page and "_sqlite_migrations" not in page


def test_items_are_newest_first(client):
    rows = json_rows(client, "/monitor/items.json?_col=published")
    published = [row["published"] for row in rows if row["published"]]
    assert published == sorted(published, reverse=True)
    assert rows[-1]["id"] == "unscored"  # no date: last


def test_items_have_facets_including_state_and_nationality_from_facts(client):
    data = client("/monitor/items.json").json()
    facets = data["facet_results"]
    for name in ("source", "agency", "kind", "status", "relevant", "state", "nationality"):
        assert name in facets, name
    states = {v["value"]: v["count"] for v in facets["state"]["results"]}
    assert states == {"MA": 2, "TX": 1}
    nationalities = {v["value"] for v in facets["nationality"]["results"]}
    assert nationalities == {"BR", "CV", "DO"}


def test_a_fact_facet_value_filters_the_items(client):
    assert {r["id"] for r in json_rows(client, "/monitor/items.json?_fact_state=MA")} == \
        {"rel-ma", "story-ma"}
    assert {r["id"] for r in json_rows(
        client, "/monitor/items.json?_fact_state=ma&_fact_nationality=CV")} == {"rel-ma"}
    page = client("/monitor/items?_fact_state=MA").text
    assert 'state is &#34;MA&#34;' in page or "state is &quot;MA&quot;" in page


def test_item_titles_link_to_the_review_page(client):
    page = client("/monitor/items?_search=brockton").text
    assert 'href="/-/item/rel-ma"' in page
    page = client("/monitor/latest_operations").text
    assert 'href="/-/item/rel-ma"' in page


# -- canned queries -------------------------------------------------------------------------


def test_every_canned_query_page_answers(client):
    for name in desk.load_desk_config()["queries"]:
        response = client(f"/monitor/{name}")
        assert response.status_code == 200, (name, response.text[:500])
        assert client(f"/monitor/{name}.json").status_code == 200, name


def test_latest_operations_lists_each_operation_once_with_its_figures(client):
    # one row per operation (event), titled by its release; an item in no event is no operation
    [row] = json_rows(client, "/monitor/latest_operations.json")
    assert (row["id"], row["event_id"], row["title"]) == \
        ("rel-ma", "ev-ma", "ICE arrests 19 in Massachusetts during four-day operation")
    assert (row["arrests"], row["arrests_by"], row["state"], row["agency"], row["items"]) == \
        (19, "ICE", "MA", "ICE", 2)


def test_new_relevant_items_are_in_the_order_found(client):
    rows = json_rows(client, "/monitor/new_relevant_items.json")
    assert [r["id"] for r in rows] == ["hostile", "story-ma", "rel-ma"]


def test_saved_search_with_filters(client):
    assert {r["id"] for r in json_rows(client, "/monitor/search.json?q=brockton")} == \
        {"rel-ma", "story-ma", "copy-ma"}
    assert {r["id"] for r in json_rows(client, "/monitor/search.json?q=brockton&kind=news")} == \
        {"story-ma", "copy-ma"}
    assert {r["id"] for r in json_rows(client, "/monitor/search.json?q=&state=tx")} == {"hostile"}
    assert {r["id"] for r in json_rows(client, "/monitor/search.json?q=snow&relevant=0")} == \
        {"weather"}
    [row] = json_rows(client, "/monitor/search.json?q=brockton&source=ice-news")
    assert "[Brockton]" in row["snippet"]


def test_arrests_by_state_and_month_count_each_operation_once(client):
    rows = json_rows(client, "/monitor/arrests_by_state_month.json")
    by_key = {(r["state"], r["month"]): r for r in rows}
    # The release and its coverage are one event: 19, not 38; the copy is left out.
    assert by_key[("MA", "2019-11")]["arrests"] == 19
    assert by_key[("MA", "2019-11")]["operations"] == 1
    assert ("TX", "2020-01") not in by_key   # an item in no event is no operation


def test_items_by_agency_per_week(client):
    rows = json_rows(client, "/monitor/items_by_agency_week.json")
    ice = [r for r in rows if r["agency"] == "ICE"]
    assert ice == [{"week": "2019-11-04", "agency": "ICE", "items": 1, "relevant": 1,
                    "press_releases": 1, "news": 0}]
    assert any(r["agency"] == "(news outlets)" for r in rows)


def test_source_health_puts_failing_sources_first(client):
    rows = json_rows(client, "/monitor/source_health.json")
    assert rows[0]["source"] == "ledger" and rows[0]["failures_in_row"] == 3
    health = {r["source"]: r["health"] for r in rows}
    assert health["ice-news"] == "ok"
    assert {r["source"]: r["items"] for r in rows}["ledger"] == 4


def test_recent_errors_newest_first_and_filtered(client):
    rows = json_rows(client, "/monitor/recent_errors.json")
    assert [r["kind"] for r in rows] == ["http", "timeout"]
    assert [r["kind"] for r in json_rows(client, "/monitor/recent_errors.json?kind=timeout")] == \
        ["timeout"]


def test_duplicates_with_their_originals(client):
    rows = json_rows(client, "/monitor/duplicates.json")
    near = [r for r in rows if r["type"] == "near-duplicate"]
    assert [(r["id"], r["original_id"], r["score"]) for r in near] == [("copy-ma", "story-ma", 0.93)]
    elsewhere = [r for r in rows if r["type"] != "near-duplicate"]
    assert [(r["url"], r["original_id"]) for r in elsewhere] == \
        [("https://syndicate.example/ice-arrests-19", "story-ma")]


def test_item_revisions_with_a_diff(client):
    [row] = json_rows(client, "/monitor/item_revisions.json?id=rel-ma")
    assert row["old_title"] == "ICE arrests 17 in Massachusetts"
    assert row["new_title"].startswith("ICE arrests 19")
    assert "- BOSTON" in row["diff"] and "arrested 17 people" in row["diff"]
    assert "+ BOSTON" in row["diff"] and "arrested 19 people" in row["diff"]
    # by address too
    assert json_rows(client, "/monitor/item_revisions.json?id=https://www.ice.gov/news/releases/ma-19")
    page = client("/monitor/item_revisions?id=rel-ma").text
    assert '<pre class="desk-diff">' in page


def test_events_with_their_coverage(client):
    [row] = json_rows(client, "/monitor/events_with_coverage.json")
    assert row["id"] == "ev-ma" and row["sources"] == "ice-news, ledger"


# -- the item page --------------------------------------------------------------------------


class _Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(page: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def test_item_page_shows_everything_a_reviewer_needs(client):
    response = client("/-/item/rel-ma")
    assert response.status_code == 200
    page = response.text
    assert "<h1>ICE arrests 19 in Massachusetts during four-day operation</h1>" in page
    assert "ice-news" in page and "ICE" in page and "2019-11-06T12:00:00-05:00" in page
    assert 'href="https://www.ice.gov/news/releases/ma-19"' in page
    assert page.count("<p>A 38-year-old Cape Verde national") == 1  # a paragraph of its own
    assert "<mark>arrested 19 people</mark>" in page and "<mark>Brazil (4)</mark>" in page
    assert "<mark>four-day</mark>" in page  # a title fact is quoted from the title
    assert "syndicate.example" not in page  # that is story-ma's sighting
    assert "https://www.ice.gov/news/releases/ma-19" in page  # its own sighting
    assert 'href="/-/item/story-ma"' in page  # related coverage of the same event
    assert "arrests: 19 vs 23" in page
    assert 'class="del"' in page and 'class="add"' in page  # the revision's diff
    assert "ICE arrests 17 in Massachusetts" in page


def test_item_page_of_a_copy_links_its_original_and_the_original_its_copies(client):
    assert 'href="/-/item/story-ma"' in client("/-/item/copy-ma").text
    story = client("/-/item/story-ma").text
    assert 'href="/-/item/copy-ma"' in story and "syndicate.example" in story


def test_item_page_never_renders_scraped_markup(client):
    page = client("/-/item/hostile").text
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;b&gt;Dallas&lt;/b&gt;" in page and "&lt;i&gt;desc&lt;/i&gt;" in page
    tags = tags_of(page)
    assert not [t for t, a in tags if t in ("img", "b", "i")]
    assert not [a for t, a in tags if any("javascript:" in (v or "") for v in a.values())]
    assert not [a for t, a in tags if any(k.startswith("on") for k in a)]
    scripts = [a for t, a in tags if t == "script"]
    assert len(scripts) == len([a for t, a in tags_of(client("/-/item/rel-ma").text) if t == "script"])


def test_unknown_item_is_a_404(client):
    assert client("/-/item/no-such-item").status_code == 404


# -- search safety --------------------------------------------------------------------------

HOSTILE_SEARCHES = ['"', '""', '"""', " ", "", "\x00", "a\x00b", "(", ")", "*", "^", "-", "+",
                    "NEAR(", "a OR", "AND", "NOT", "title:", "{title}: x", 'brockton"', '"brock',
                    "fentanyl' OR 1=1 --", "<script>alert(1)</script>", "%", "\\", "a" * 3000,
                    "🚨", "é\u0301", ":q", "';--"]


@pytest.mark.parametrize("text", HOSTILE_SEARCHES)
def test_hostile_search_input_never_errors(client, text):
    from urllib.parse import quote as q

    for path in (f"/monitor/items?_search={q(text)}",
                 f"/monitor/items.json?_search={q(text)}",
                 f"/monitor/items?_searchmode=raw&_search={q(text)}",
                 f"/monitor/items?_search_title={q(text)}",
                 f"/monitor/search?q={q(text)}",
                 f"/monitor/search.json?q={q(text)}",
                 f"/monitor/search.atom?q={q(text)}"):
        response = client(path)
        assert response.status_code == 200, (path, response.text[:300])


def test_search_still_finds_after_guarding(client):
    assert {r["id"] for r in json_rows(client, "/monitor/items.json?_search=brockton%22")} == \
        {"rel-ma", "story-ma", "copy-ma"}
    raw = json_rows(client, "/monitor/items.json?_searchmode=raw&_search=snow%20OR%20brazil")
    assert {r["id"] for r in raw} == {"weather", "rel-ma"}


def test_safe_fts_query_always_compiles():
    import random

    from monitor.desk.search import safe_fts_query

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, text, tokenize='porter')")
    alphabet = ['"', "'", "*", "^", "(", ")", ":", "-", "+", "a", "OR", "AND", "NOT", "NEAR",
                " ", "\\", "{", "}", "title", ",", ".", "\x00", "é", "\t"]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        conn.execute("SELECT * FROM t WHERE t MATCH ?", [safe_fts_query(text)]).fetchall()


def test_sorting_by_a_missing_column_is_a_400_not_a_500(client):
    assert client("/monitor/items?_sort=nope").status_code == 400


# -- Atom feeds -----------------------------------------------------------------------------


def parse_feed(client, path: str):
    response = client(path)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_new_relevant_items_feed(client):
    feed = parse_feed(client, "/monitor/new_relevant_items.atom")
    assert feed.feed.title.startswith("New relevant items")
    assert [e.id for e in feed.entries] == ["urn:monitor:item:hostile", "urn:monitor:item:story-ma",
                                            "urn:monitor:item:rel-ma"]
    ma = feed.entries[2]
    assert ma.link == "https://www.ice.gov/news/releases/ma-19"
    assert [l.href for l in ma.links if l.rel == "related"] == \
        ["http://localhost/-/item/rel-ma", "http://localhost/-/operation/ev-ma"]
    assert ma.updated_parsed[:6] == (2019, 11, 6, 18, 0, 0)
    assert "Arrests: 19" in ma.summary
    hostile = feed.entries[0]
    assert hostile.title == HOSTILE_TITLE  # text, not markup
    assert hostile.link == "http://localhost/-/item/hostile"  # never a javascript: link
    assert hostile.published_parsed[:3] == (2020, 1, 15)  # a bare date gets a time zone


def test_saved_search_feed(client):
    feed = parse_feed(client, "/monitor/search.atom?q=brockton&kind=news")
    assert "q: brockton" in feed.feed.title and "kind: news" in feed.feed.title
    assert {e.id for e in feed.entries} == {"urn:monitor:item:story-ma", "urn:monitor:item:copy-ma"}
    assert feed.feed.links[0].href == "http://localhost/monitor/search.atom?q=brockton&kind=news"


def test_empty_result_is_a_valid_empty_feed(client):
    feed = parse_feed(client, "/monitor/search.atom?q=nothingmatchesthis")
    assert feed.entries == []
    assert feed.feed.title.startswith("Saved search") and feed.feed.updated


def test_a_searched_items_table_is_a_feed_too(client):
    feed = parse_feed(client, "/monitor/items.atom?_search=brockton&kind=news")
    assert {e.id for e in feed.entries} == {"urn:monitor:item:story-ma", "urn:monitor:item:copy-ma"}


def test_results_that_are_not_items_are_no_feed(client):
    assert client("/monitor/recent_errors.atom").status_code == 400
    assert "recent_errors.atom" not in client("/monitor/recent_errors").text
    assert "new_relevant_items.atom" in client("/monitor/new_relevant_items").text


# -- dashboards -----------------------------------------------------------------------------


def test_dashboards_render_every_chart(client):
    config = desk.load_desk_config()["dashboards"]
    assert client("/-/dashboards").status_code == 200
    for slug, dashboard in config.items():
        for query in ("", "?state=MA&agency=ICE"):
            response = client(f"/-/dashboards/{slug}{query}")
            assert response.status_code == 200, (slug, response.text[:300])
            for chart in dashboard["charts"]:
                assert f"renderChart('{chart}'" in response.text, (slug, chart)


def test_every_chart_query_returns_data(client):
    from urllib.parse import urlencode

    charts = client.datasette.plugin_config("datasette-dashboards")
    for slug, dashboard in charts.items():
        for chart_slug, chart in dashboard["charts"].items():
            for params in ({}, {"state": "MA", "agency": "ICE"}):
                sql = re.sub(r"\[\[(.*?)\]\]", (lambda m: m.group(1)) if params else "",
                             chart["query"], flags=re.S)
                query = urlencode({"sql": sql, **{k: v for k, v in params.items()
                                                  if f":{k}" in sql}})
                response = client(f"/monitor.json?{query}&_shape=objects")
                assert response.status_code == 200, (slug, chart_slug, response.text[:300])
                assert response.json()["rows"], (slug, chart_slug)


def test_table_chart_text_is_html_escaped(client):
    chart = client.datasette.plugin_config("datasette-dashboards")["sources"]["charts"]["health_table"]
    from urllib.parse import urlencode

    rows = client(f"/monitor.json?{urlencode({'sql': chart['query']})}&_shape=array").json()
    ledger = next(r for r in rows if r["source"] == "ledger")
    assert ledger["last_error"] == "&lt;script&gt;alert(&#x27;err&#x27;)&lt;/script&gt; timeout"


# -- safety ---------------------------------------------------------------------------------


def test_nothing_can_be_written_through_datasette(client, sample_db):
    before = sqlite3.connect(sample_db).execute("SELECT count(*) FROM items").fetchone()[0]
    for sql in ("delete from items", "update items set title = 'x'", "drop table items",
                "insert into errors (kind) values ('x')"):
        from urllib.parse import quote as q

        assert client(f"/monitor.json?sql={q(sql)}").status_code == 400, sql
    after = sqlite3.connect(sample_db).execute("SELECT count(*) FROM items").fetchone()[0]
    assert before == after


def test_limits_and_no_database_download(client):
    settings = client("/-/settings.json").json()
    assert settings["max_csv_mb"] == 10 and settings["max_returned_rows"] == 1000
    assert settings["allow_download"] is False
    assert client("/monitor.db").status_code in (403, 404)


def test_search_engines_are_asked_to_stay_away(client):
    response = client("/robots.txt")
    assert response.status_code == 200 and "Disallow: /" in response.text


def test_without_sql_the_queries_work_and_arbitrary_sql_does_not(sample_db):
    async def run():
        ds = desk.build_datasette(sample_db, allow_sql=False)
        await ds.invoke_startup()
        return [(await ds.client.get(path)).status_code for path in (
            "/monitor.json?sql=select+1", "/monitor/latest_operations.json", "/",
            "/-/dashboards/operations", "/-/item/rel-ma")]

    assert asyncio.run(run()) == [403, 200, 200, 404, 200]


@pytest.mark.slow
def test_datasette_get_smoke(sample_db, tmp_path):
    metadata = tmp_path / "metadata.json"
    metadata.write_text(json.dumps(desk.datasette_metadata(sample_db)))
    command = desk.datasette_command(sample_db, metadata)
    for path, expected in (("/", 0), ("/-/item/rel-ma", 0), ("/monitor/latest_operations", 0),
                           ("/-/dashboards/operations", 0), ("/-/item/nope", 1)):
        result = subprocess.run(command + ["--get", path], capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == expected, (path, result.stdout[-500:], result.stderr[-500:])
    assert "ICE arrests 19" in subprocess.run(command + ["--get", "/-/item/rel-ma"],
                                              capture_output=True, text=True, timeout=60).stdout


def test_datasette_command_never_opens_the_file_immutable(sample_db, tmp_path):
    command = desk.datasette_command(sample_db, tmp_path / "m.json")
    assert "-i" not in command and "--immutable" not in command
    assert command[:4] == [sys.executable, "-m", "datasette", "serve"]
    assert command[command.index("--host") + 1] == "127.0.0.1"
