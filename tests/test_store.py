"""The database: migrations, one transaction per item, dedup outcomes, revisions, safe search."""

import sqlite3

import pytest

from monitor.store import DUPLICATE, NEW, UNCHANGED, UPDATED, Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "monitor.db") as store:
        store.migrate()
        yield store


def article(text="Nineteen people were arrested in a four-day operation.", title="ICE arrests 19",
            canonical=None):
    return {"title": title, "text": text, "canonical_url": canonical, "published": "2019-11-06"}


def test_migrations_are_idempotent_and_create_the_schema(store):
    store.migrate()
    tables = set(store.db.table_names())
    assert {"items", "sightings", "revisions", "sources", "runs", "errors", "items_fts"} <= tables
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_new_then_unchanged_adds_one_item(store):
    assert store.save_article(article(), url="https://a.org/x", source="s")[0] == NEW
    assert store.save_article(article(), url="https://a.org/x", source="s")[0] == UNCHANGED
    assert store.count("items") == 1


def test_tracking_parameters_do_not_make_a_new_item(store):
    store.save_article(article(), url="https://a.org/x?utm_source=rss#top", source="s")
    outcome, _ = store.save_article(article(), url="https://a.org/x", source="s")
    assert outcome == UNCHANGED and store.count("items") == 1


def test_same_text_at_another_url_is_one_item_with_two_sightings(store):
    _, first = store.save_article(article(), url="https://a.org/x", source="s", run_id=1)
    outcome, second = store.save_article(article(text=" NINETEEN people were  arrested in a "
                                                 "four-day operation. "),
                                         url="https://a.org/archive/x", source="s", run_id=1)
    assert (outcome, second) == (DUPLICATE, first)
    assert store.count("items") == 1
    urls = {row["url"] for row in store.db["sightings"].rows}
    assert urls == {"https://a.org/x", "https://a.org/archive/x"}


def test_changed_text_updates_item_and_keeps_old_version(store):
    store.save_article(article(), url="https://a.org/x", source="s")
    outcome, ident = store.save_article(article(text="Twenty-one people were arrested."),
                                        url="https://a.org/x", source="s")
    assert outcome == UPDATED
    assert store.db["items"].get(ident)["text"] == "Twenty-one people were arrested."
    revisions = list(store.db["revisions"].rows)
    assert [r["text"] for r in revisions] == ["Nineteen people were arrested in a four-day operation."]


def test_search_finds_stemmed_words_and_survives_hostile_input(store):
    store.save_article(article(), url="https://a.org/x", source="s")
    assert [r["title"] for r in store.search("arrest operations")] == ["ICE arrests 19"]
    for hostile in ['"unbalanced', "AND OR NOT", "title:x*", "(((", "", "*", "NEAR(a b"]:
        store.search(hostile)  # never raises


def test_failed_write_leaves_no_partial_item(store):
    # The sighting is written after the item, in the same transaction: make it fail.
    with pytest.raises(sqlite3.Error):
        store.save_article(article(), url="https://a.org/y", source="s", via=object())
    assert store.count("items") == 0 and store.count("sightings") == 0


def test_runs_and_source_health(store):
    from monitor.config import Source
    store.sync_sources([Source(name="s", url="https://a.org/feed")])
    run = store.start_run(trigger="manual", schedule=None, sources=["s"])
    assert store.run(run)["status"] == "running"
    store.finish_run(run, status="failed",
                     per_source={"s": {"errors": 2, "status": "failed", "error": "HTTP 500"}})
    assert store.run(run)["status"] == "failed" and store.run(run)["errors"] == 2
    assert store.db["sources"].get("s")["failures_in_row"] == 1
    run = store.start_run(trigger="manual", schedule=None, sources=["s"])
    store.finish_run(run, status="ok", per_source={"s": {"new": 1, "links": 3, "status": "ok"}})
    assert store.db["run_sources"].get((run, "s"))["links"] == 3
    source = store.db["sources"].get("s")
    assert source["failures_in_row"] == 0 and source["last_new_item"] and source["last_success"]


def test_known_url_lookup_uses_canonical_spelling(store):
    store.save_article(article(), url="https://a.org/x", source="s")
    assert store.is_known_url("HTTPS://A.ORG/x?utm_campaign=z#frag")
    assert not store.is_known_url("https://a.org/other")


def test_known_urls_are_the_canonical_one_the_fetched_one_and_a_copys(store):
    # an item is looked up by its id (the hash of its canonical URL); other addresses it was
    # seen at are sightings
    story = article(text="Agents arrested 12 people in a two-day sweep.", canonical="https://a.org/story")
    store.save_article(story, url="https://a.org/story?page=1", source="s")
    store.save_article(article(text=story["text"]), url="https://b.org/copy", source="s")
    assert store.db["items"].count == 1
    for url in ("https://a.org/story", "https://a.org/story?page=1", "https://b.org/copy"):
        assert store.is_known_url(url), url
    assert not store.is_known_url("https://a.org/story?page=2")


def test_full_text_index_follows_text_changes_only(store):
    store.save_article(article(), url="https://example.org/a", source="s")
    store.save_article(article(), url="https://example.org/a", source="s")  # a sighting: last_seen only
    store.save_article(article(text="Forty people were detained at a plant."), url="https://example.org/a", source="s")
    store.save_article(article(text="Unrelated story about snowfall."), url="https://example.org/b", source="s")
    store.conn.execute("UPDATE items SET relevance = 0.9, last_seen = 'x'")  # no text change
    # FTS5 compares its index with the items table: raises on any missing or stale entry
    store.conn.execute("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')")
    assert [r["url"] for r in store.search("detained")] == ["https://example.org/a"]
    assert store.search("nineteen") == []
    trigger = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'items_au'").fetchone()[0]
    assert 'UPDATE OF "title", "text"' in trigger


def test_m009_moves_the_bands_into_one_btree_and_keeps_every_row(tmp_path):
    # a database as m002-m008 left it: lsh_bands a rowid table, an item indexed before m005
    # stored signatures; m009 must keep every band row and give that item its signature
    import json

    from monitor.intel.neardup import bands, signature

    path = tmp_path / "m.db"
    with Store(path) as store:
        store.migrate()
        _, ident = store.save_article(article(), url="https://a.org/x", source="s")
        store.conn.executescript("""
            DROP TABLE lsh_bands;
            CREATE TABLE lsh_bands (band INTEGER, hash TEXT, item_id TEXT, PRIMARY KEY (band, hash, item_id));
            CREATE INDEX idx_lsh_bands_item_id ON lsh_bands (item_id);
            DELETE FROM _sqlite_migrations WHERE name = 'm009_lsh_bands_one_btree';""")
        old = [(b, h, ident) for b, h in bands(signature(article()["text"]))]
        store.conn.executemany("INSERT INTO lsh_bands VALUES (?, ?, ?)", old + [(1, "ffff", "other")])
        store.conn.commit()
    with Store(path) as store:
        store.migrate()
        rows = set(store.conn.execute("SELECT band, hash, item_id FROM lsh_bands").fetchall())
        assert rows == set(old) | {(1, "ffff", "other")}
        table = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'lsh_bands'").fetchone()[0]
        assert "WITHOUT ROWID" in table
        stored = store.conn.execute("SELECT signature FROM items WHERE id = ?", [ident]).fetchone()[0]
        assert json.loads(stored) == signature(article()["text"])


def test_the_unread_fingerprint_column_is_dropped_and_items_stay(tmp_path):
    """m019: a database of an earlier version keeps its items (and their full-text index) when the
    never-read fingerprint column goes."""
    import sqlite_utils

    from monitor.store.schema import migrations

    db = sqlite_utils.Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m019_drop_fingerprint")
    assert "fingerprint" in db["items"].columns_dict
    not_null = {c.name: "x" for c in db["items"].columns if c.notnull}
    db["items"].insert({**not_null, "id": "a", "url": "https://x.example/a", "title": "ICE arrests 19",
                        "text": "Officers arrested 19 people.", "fingerprint": "ff"})
    db.close()
    with Store(tmp_path / "old.db") as store:
        store.migrate()
        assert "fingerprint" not in store.db["items"].columns_dict
        assert store.search("arrested")[0]["id"] == "a"
