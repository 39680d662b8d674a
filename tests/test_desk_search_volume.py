"""The items table's search and the database page on a store of a few thousand items (grown by
the benchmarks' builder with the store's own migrations): a search that matches more items than
the desk's cap lists the newest of them and says how many match; any narrower search lists
exactly what the FTS query finds; following `next_url` from the first page to the last lists
every match once, whatever the sort; the database page counts small tables exactly and leaves
the large ones uncounted ("Many rows"), never a wrong figure. Behaviour only: speed is shown by
`python -m benchmarks --only desk`."""

from __future__ import annotations

import asyncio
import sqlite3
from urllib.parse import quote, urlsplit

import pytest

from monitor.desk import PLUGIN_NAME
from monitor.desk import server as desk
from monitor.desk.counts import COUNT_LIMIT
from monitor.desk.search import safe_fts_query
from tests.grown_store import ITEMS

CAP = 400  # the test store's search cap (the desk's default is 10,000)
EVERY = "Release"  # a word in every grown item's title
PAGED = "arlo"  # a word in about 100 grown items: several pages of 20, under the cap


@pytest.fixture(scope="module")
def volume_db(grown_desk_db):
    return grown_desk_db  # the session's grown store (tests/conftest.py): these tests only read it


@pytest.fixture(scope="module")
def get(volume_db):
    metadata = desk.datasette_metadata(volume_db, database="monitor")
    metadata["plugins"][PLUGIN_NAME]["search_cap"] = CAP
    loop = asyncio.new_event_loop()
    ds = desk.build_datasette(volume_db, metadata=metadata)
    loop.run_until_complete(ds.invoke_startup())

    def fetch(path):
        return loop.run_until_complete(ds.client.get(path))

    yield fetch
    loop.close()


def fts_ids(db_path, typed: str, newest: int | None = None) -> list[str]:
    """What the FTS query finds for text as typed, newest stored first."""
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            "SELECT i.id FROM items i JOIN items_fts f ON f.rowid = i.rowid "
            "WHERE items_fts MATCH ? ORDER BY i.rowid DESC", [safe_fts_query(typed)]).fetchall()
    finally:
        conn.close()
    return [row[0] for row in rows][:newest]


def one_page(get, path: str) -> tuple[list[str], dict]:
    """The ids of a search's rows, all on one page (the desk returns up to 1,000 a request)."""
    data = get(path + "&_size=1000&_shape=objects").json()
    assert data["next_url"] is None
    return [row["id"] for row in data["rows"]], data


def all_pages(get, path: str) -> tuple[list[str], int]:
    """The ids of the rows of every page from `path` on (following next_url), and how many
    pages there were."""
    ids: list[str] = []
    pages = 0
    while path:
        data = get(path).json()
        ids += [row["id"] for row in data["rows"]]
        pages += 1
        assert pages <= 200, path
        next_url = urlsplit(data["next_url"] or "")
        path = next_url.path and f"{next_url.path}?{next_url.query}"
    return ids, pages


def test_a_word_in_every_item_lists_the_newest_matches_and_says_how_many(volume_db, get):
    ids, data = one_page(get, f"/monitor/items.json?_search={EVERY}")
    assert len(ids) == len(set(ids)) == CAP == data["filtered_table_rows_count"]
    assert set(ids) == set(fts_ids(volume_db, EVERY, newest=CAP))
    description = data["human_description_en"]
    assert f'search matches "{EVERY}"' in description
    assert f"the {CAP:,} most recently stored of its {ITEMS:,} matches" in description
    page = get(f"/monitor/items?_search={EVERY}").text
    assert f"most recently stored of its {ITEMS:,} matches" in page
    assert f'value="{EVERY}"' in page


@pytest.mark.parametrize("typed", [
    "hotube", "ulhoulqui OR hotube", "hotube NOT ulhoulqui", "hotube -ulhoulqui",
    '"hotube elbeho"', "hoh*", "title:release hotube",
])
def test_a_search_under_the_cap_lists_exactly_what_the_fts_query_finds(volume_db, get, typed):
    expected = fts_ids(volume_db, typed)
    assert 0 < len(expected) <= CAP, typed  # the case under test: every match is listed
    ids, data = one_page(get, f"/monitor/items.json?_search={quote(typed)}")
    assert sorted(ids) == sorted(expected)
    assert data["filtered_table_rows_count"] == len(expected)
    assert "most recently stored" not in (data["human_description_en"] or "")


# The grown store's items share their published and first_seen dates 300 at a time, so pages end
# inside a run of equal sort values: the next page must start right after the last row shown.
@pytest.mark.parametrize("sort", [
    "",  # the table's own order: newest published first
    "&_sort=published", "&_sort_desc=first_seen", "&_sort=kind",
    "&_sort_desc=agency",  # 300 items have no agency: the last pages are those
])
def test_paging_through_a_search_lists_every_match_once(volume_db, get, sort):
    expected = fts_ids(volume_db, PAGED)
    assert 60 < len(expected) <= CAP
    ids, pages = all_pages(get, f"/monitor/items.json?_search={PAGED}&_size=20&_shape=objects{sort}")
    assert pages == -(-len(expected) // 20)
    assert len(ids) == len(set(ids)), "a row shown twice"
    assert set(ids) == set(expected)


@pytest.mark.parametrize("sort", ["", "&_sort=published"])
def test_paging_through_a_capped_search_lists_the_newest_matches_once(volume_db, get, sort):
    ids, pages = all_pages(get, f"/monitor/items.json?_search={EVERY}&_size=30&_shape=objects{sort}")
    assert pages == -(-CAP // 30)
    assert len(ids) == len(set(ids)) == CAP
    assert set(ids) == set(fts_ids(volume_db, EVERY, newest=CAP))


def test_paging_through_the_table_lists_every_item_once(volume_db, get):
    ids, pages = all_pages(get, "/monitor/items.json?_size=500&_col=published&_shape=objects")
    assert pages == ITEMS // 500
    assert len(ids) == len(set(ids)) == ITEMS


def test_a_streamed_download_holds_every_item_once(get):
    text = get("/monitor/items.csv?_stream=on&_col=published&_size=100").text
    ids = [line.split(",", 1)[0] for line in text.splitlines()[1:]]
    assert len(ids) == len(set(ids)) == ITEMS


def test_sql_typed_by_a_user_runs_as_typed_after_a_table_page(volume_db):
    typed = "select id from items order by published desc limit 40"
    conn = sqlite3.connect(volume_db)
    try:
        as_typed = [row[0] for row in conn.execute(typed)]
        tiebroken = [row[0] for row in conn.execute(typed.replace("desc", "desc, id"))]
    finally:
        conn.close()
    assert as_typed != tiebroken  # the case under test: SQLite's tie order is not the key's

    async def pages():
        ds = desk.build_datasette(volume_db)
        await ds.invoke_startup()
        # one task for both: what the table page's request marks must end with it
        table = await ds.client.get("/monitor/items.json?_size=40&_shape=objects")
        query = await ds.client.get(f"/monitor.json?sql={quote(typed)}&_shape=objects")
        return [row["id"] for row in table.json()["rows"]], [row["id"] for row in query.json()["rows"]]

    table, query = asyncio.run(pages())
    assert table == tiebroken
    assert query == as_typed


def test_with_a_filter_the_search_is_exact(volume_db, get):
    conn = sqlite3.connect(volume_db)
    try:
        source = conn.execute("SELECT source FROM items GROUP BY source "
                              "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        expected = {row[0] for row in conn.execute("SELECT id FROM items WHERE source = ?",
                                                   [source])}
    finally:
        conn.close()
    ids, data = one_page(get, f"/monitor/items.json?_search={EVERY}&source={source}")
    assert set(ids) == expected and len(ids) == len(expected)
    assert "most recently stored" not in data["human_description_en"]


def test_a_word_in_no_item_lists_nothing(get):
    data = get("/monitor/items.json?_search=fentanyl").json()
    assert data["rows"] == [] and data["filtered_table_rows_count"] == 0


def test_the_database_page_counts_small_tables_and_leaves_large_ones_uncounted(volume_db, get):
    response = get("/monitor.json?_show_hidden=1")
    assert response.status_code == 200
    counts = {table["name"]: table["count"] for table in response.json()["tables"]}
    conn = sqlite3.connect(volume_db)
    try:
        exact = {name: conn.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
                 for name in counts}
    finally:
        conn.close()
    assert exact["lsh_bands"] > COUNT_LIMIT and counts["lsh_bands"] is None
    assert counts["_sqlite_migrations"] == exact["_sqlite_migrations"]
    assert counts["runs"] == exact["runs"]
    for name, count in counts.items():  # exact, or none at all: never a wrong figure
        assert count in (exact[name], None), name
        if exact[name] > COUNT_LIMIT:
            assert count is None, name
    page = get("/monitor?_show_hidden=1").text
    assert "Many rows" in page
    # the table's own page still counts every row
    assert get("/monitor/lsh_bands.json?_size=1").json()["filtered_table_rows_count"] == \
        exact["lsh_bands"]
