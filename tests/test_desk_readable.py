"""The readable items view for reviewers: title linked to the review page, source, agency, date,
state, arrests, relevance; no hashes or signatures. The raw table stays for SQL users."""

from __future__ import annotations

from tests.test_desk import client, json_rows, sample_db  # noqa: F401  (fixtures)

COLUMNS = ["id", "title", "source", "agency", "date", "state", "arrests", "relevance", "kind",
           "status"]


def test_the_readable_view_has_what_a_reviewer_reads(client):
    rows = json_rows(client, "/monitor/items_readable.json")
    assert list(rows[0]) == COLUMNS
    by_id = {row["id"]: row for row in rows}
    assert by_id["rel-ma"] == {
        "id": "rel-ma", "title": "ICE arrests 19 in Massachusetts during four-day operation",
        "source": "ice-news", "agency": "ICE", "date": "2019-11-06T12:00:00-05:00",
        "state": "MA", "arrests": 19, "relevance": "relevant (0.97)", "kind": "press_release",
        "status": "live"}
    assert by_id["weather"]["relevance"] == "not relevant"
    assert [row["id"] for row in rows][:2] == ["weather", "hostile"]  # newest first


def test_its_titles_link_to_the_review_page_and_no_plumbing_shows(client):
    page = client("/monitor/items_readable").text
    assert '<a href="/-/item/rel-ma">ICE arrests 19 in Massachusetts' in page
    for plumbing in ("content_hash", "signature", "fingerprint", "h-ma"):
        assert plumbing not in page


def test_it_filters_like_the_saved_search(client):
    assert {r["id"] for r in json_rows(client, "/monitor/items_readable.json?state=ma")} == \
        {"rel-ma", "story-ma"}  # the copy has no place facts of its own
    assert {r["id"] for r in json_rows(client, "/monitor/items_readable.json?agency=ICE")} == {"rel-ma"}


def test_the_home_page_leads_to_it_and_keeps_the_raw_table(client):
    page = client("/").text
    assert '<a href="/monitor/items_readable">All items</a>' in page
    assert '<a href="/monitor/items_readable?when=week">this week</a>' in page
    assert '<a href="/monitor/items">items table</a>' in page
    assert client("/monitor/items.json?_shape=array&id=rel-ma").json()[0]["content_hash"] == "h-ma"
