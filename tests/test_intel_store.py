"""The intelligence layer in the store: near-duplicates linked through the banded index (both
rows kept), relevance modes per source, and `monitor inspect` explaining the decisions."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.crawling.worker import analyse
from monitor.store import Store
from tests.crawl_harness import monitor, write_schedule
from tests.spider_harness import SITE

STORY = ("Federal agents arrested 27 people during a three-day operation in Lowell, Massachusetts, "
         "targeting a fentanyl distribution network, the Drug Enforcement Administration said "
         "Thursday. Agents seized 12 kilograms of fentanyl and four firearms during searches at "
         "six homes. Those arrested face federal charges of conspiracy to distribute controlled "
         "substances. Eleven of them were already on probation, officials said, and two were "
         "wanted on outstanding warrants from New Hampshire. The investigation began last year "
         "after a series of overdose deaths in the Merrimack Valley.")


def save(store, url, text, title="Agents arrest 27 in Lowell fentanyl operation"):
    fields = {"title": title, "text": text, "published": "2026-11-20"}
    return store.save_article(fields, url=url, source="s", intel=analyse(fields, "news", "mark"))


def test_syndicated_copy_is_linked_to_the_original_and_keeps_its_row(tmp_path):
    with Store(tmp_path / "m.db") as store:
        store.migrate()
        _, original = save(store, "https://paper-a.example/lowell", STORY)
        copy_text = "LOWELL (AP) — " + STORY + " This story was first published by the Lowell Sun."
        outcome, copy = save(store, "https://paper-b.example/wire/lowell", copy_text)
        _, unrelated = save(store, "https://paper-c.example/budget",
                            "The city council approved a $40 million budget for schools and roads "
                            "on Tuesday after a long debate about property taxes and parking fees.",
                            title="Council approves budget")
        assert outcome == "new" and copy != original
        items = {row["id"]: row for row in store.db["items"].rows}
        assert items[copy]["duplicate_of"] == original and items[copy]["duplicate_score"] >= 0.4
        assert items[original]["duplicate_of"] is None and items[unrelated]["duplicate_of"] is None
        assert items[copy]["event_id"] == items[original]["event_id"] is not None
        assert store.db["sightings"].count == 3


def test_near_duplicate_candidates_come_from_the_band_index(tmp_path):
    with Store(tmp_path / "m.db") as store:
        store.migrate()
        _, original = save(store, "https://paper-a.example/lowell", STORY)
        bands = store.db.execute("SELECT count(*) FROM lsh_bands WHERE item_id = ?", [original]).fetchone()[0]
        assert bands == 40


@pytest.mark.slow
def test_relevant_only_source_records_irrelevant_pages_as_skips(site_server, tmp_path):
    write_schedule(tmp_path / "s", site_server.base_url, [
        {"name": "gov-feed", "url": "{base}/gov/rss/news.xml", "agency": "ICE",
         "relevance": "relevant_only"}])
    result = monitor("crawl", "--db", str(tmp_path / "m.db"), "--schedules", str(tmp_path / "s"))
    assert result.returncode == 0, result.stderr
    with Store(tmp_path / "m.db") as store:
        titles = [row["title"] for row in store.db["items"].rows]
        skips = list(store.db["errors"].rows_where("kind = 'not_relevant'"))
    # the hiring event and the annual report (a statistics page, not an operation) are skips
    assert not any("hiring event" in t or "annual" in t.lower() for t in titles) and len(titles) == 4
    assert len(skips) == 2 and {s["severity"] for s in skips} == {"skip"}
    by_page = {s["url"].rsplit("/", 1)[1]: s["message"] for s in skips}
    assert "negative: hiring" in by_page["ice-hosts-hiring-event-burlington-deportation-officers.html"]
    assert "statistics" in by_page["ice-hsi-annual-report-summary.pdf"]


@pytest.mark.slow
def test_keep_all_source_marks_everything_relevant_but_keeps_the_score(site_server, tmp_path):
    write_schedule(tmp_path / "s", site_server.base_url, [
        {"name": "gov-feed", "url": "{base}/gov/rss/news.xml", "agency": "ICE", "relevance": "keep_all"}])
    assert monitor("crawl", "--db", str(tmp_path / "m.db"), "--schedules", str(tmp_path / "s")).returncode == 0
    with Store(tmp_path / "m.db") as store:
        [hiring] = store.db["items"].rows_where("title LIKE '%hiring event%'")
    assert hiring["relevant"] == 1 and hiring["relevance"] < 0.5


def inspect_copy(tmp_path):
    """`monitor inspect` of a wire copy of STORY against the database tmp_path/m.db."""
    story = tmp_path / "copy.html"
    story.write_text(f"<html><head><title>Copy</title><meta property='article:published_time' "
                     f"content='2026-11-21T09:00:00-05:00'></head><body><article><h1>Agents arrest 27</h1>"
                     f"<p>{STORY}</p></article></body></html>")
    return CliRunner().invoke(cli, ["inspect", str(story), "--db", str(tmp_path / "m.db"), "--no-text"])


def test_inspect_explains_relevance_facts_and_decisions(tmp_path):
    page = SITE / "news/2019/11/ice-arrests-19-in-massachusetts.html"
    result = CliRunner().invoke(cli, ["inspect", str(page), "--json", "--db", str(tmp_path / "none.db")])
    fields = json.loads(result.output)
    assert fields["relevance"]["relevant"] and fields["relevance"]["reasons"]
    assert {f["code"] for f in fields["facts"] if f["kind"] == "nationality"} == {"BS", "BR", "CV", "DO", "FR", "GT", "HT"}
    assert fields["decisions"] is None            # no database: nothing to compare with
    with Store(tmp_path / "m.db") as store:
        store.migrate()
        _, original = save(store, "https://paper-a.example/lowell", STORY)
    result = inspect_copy(tmp_path)
    assert result.exit_code == 0, result.output
    assert "near-duplicate: yes" in result.output and "similarity" in result.output
    # as the store decides: a near-duplicate joins its original's event
    assert f"event: ev-{original}: near-duplicate of {original}" in result.output


def test_inspect_reads_a_database_of_an_earlier_version_as_it_is(tmp_path):
    # inspect opens the database read-only and migrates nothing: without event_features (m010)
    # its decisions come from the items' texts, as before that table
    with Store(tmp_path / "m.db") as store:
        store.migrate()
        save(store, "https://paper-a.example/lowell", STORY)
        store.db.execute("DROP TABLE event_features")
        store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm010_event_features'")
        store.conn.commit()
    result = inspect_copy(tmp_path)
    assert result.exit_code == 0, result.output
    assert "near-duplicate: yes" in result.output and "event: ev-" in result.output


def test_arrival_order_does_not_split_an_operation(tmp_path):
    """The follow-up (23 arrests, a week later) stored before the story and the release still
    ends in their event: events absorb each other when an item bridges them."""
    from monitor.extract import extract_article

    pages = ["news/2019/11/ice-massachusetts-operation-arrests-rise-to-23.html",
             "news/2019/11/ice-arrests-19-in-massachusetts.html",
             "gov/news/releases/ice-arrests-19-massachusetts-4-day-operation.html"]
    with Store(tmp_path / "m.db") as store:
        store.migrate()
        ids = []
        for path in pages:
            body = (SITE / path).read_bytes().replace(b"{{base}}", b"https://example.org")
            fields = extract_article(body, f"https://example.org/{path}").to_dict()
            kind = "press_release" if path.startswith("gov/") else "news"
            ids.append(store.save_article(fields, url=f"https://example.org/{path}", source="s",
                                          item_kind=kind, intel=analyse(fields, kind, "mark"))[1])
        events = {row["event_id"] for row in store.db["items"].rows}
        roles = {r["item_id"]: r["role"] for r in store.db["event_items"].rows}
        assert len(events) == 1 and store.db["events"].count == 1
        assert roles[ids[2]] == "release"
        [event] = store.db["events"].rows
        assert json.loads(event["disagreements"])["arrests"].keys() == {"19", "23"}


def test_event_matching_sees_an_item_as_it_is_now_not_as_first_read(tmp_path):
    # candidates of stored items are kept between matches; a changed item must be read anew
    from monitor.store.intel_links import candidate_of

    with Store(tmp_path / "m.db") as store:
        store.migrate()
        _, ident = save(store, "https://paper-a.example/lowell", STORY)
        before = candidate_of(store.db, ident)
        assert candidate_of(store.db, ident) is before  # unchanged: the kept one
        revised = STORY.replace("arrested 27 people", "arrested 31 people")
        assert save(store, "https://paper-a.example/lowell", revised)[0] == "updated"
        after = candidate_of(store.db, ident)
        arrests = {f.count for f in after.facts if f.kind == "arrests" and f.field == "text"}
        assert after is not before and 31 in arrests and 27 not in arrests


NAMED = ("Federal agents arrested 27 people during a three-day operation in Lowell, Massachusetts, "
         "targeting a fentanyl network run by Hector Valdivia, the Drug Enforcement Administration "
         "said Thursday. Agents seized 12 kilograms of fentanyl at six homes, including one owned by "
         "Valdivia.\n\nProsecutors said Valdivia supplied dealers across the Merrimack Valley.")


def test_a_new_process_builds_an_items_event_candidate_from_what_was_kept_of_its_text(tmp_path):
    # linking keeps the item's recurring names and lead length (event_features): a later process
    # builds its candidate without reading the text again, and gets the one the text gives
    from monitor.intel.events import EventCandidate
    from monitor.store.intel_links import candidate_of

    def built_anew(ident):
        with Store(tmp_path / "m.db") as store:  # a new handle: no candidate cached
            return candidate_of(store.db, ident)

    with Store(tmp_path / "m.db") as store:
        store.migrate()
        _, ident = save(store, "https://paper-a.example/lowell", NAMED)
        from_text = candidate_of(store.db, ident)
        # the text is made unreadable behind the store's back: only the kept features can give
        # the names now
        store.db.execute("UPDATE items SET text = 'unread' WHERE id = ?", [ident])
        store.conn.commit()
    assert from_text.keywords == {"Valdivia"}
    assert built_anew(ident) == from_text
    with Store(tmp_path / "m.db") as store:  # nor those of another version
        store.db.execute("UPDATE event_features SET version = version + 1")
        store.conn.commit()
    assert built_anew(ident).keywords == frozenset()
    with Store(tmp_path / "m.db") as store:
        store.db.execute("UPDATE event_features SET version = version - 1")
        # a retitle by a process of an earlier version, which knows nothing of event_features
        store.db.execute("UPDATE items SET title = 'Agents arrest 27' WHERE id = ?", [ident])
        store.conn.commit()
    assert built_anew(ident).keywords == frozenset()
    with Store(tmp_path / "m.db") as store:
        store.db.execute("UPDATE items SET title = ?, text = ? WHERE id = ?", [from_text.title, NAMED, ident])
        store.conn.commit()
    assert built_anew(ident) == from_text

    with Store(tmp_path / "m.db") as store:  # a changed text: what was kept of the old one goes
        revised = NAMED.replace("Hector Valdivia", "Ramon Ochoa").replace("Valdivia", "Ochoa")
        assert save(store, "https://paper-a.example/lowell", revised)[0] == "updated"
        [(kept,)] = store.db.execute("SELECT keywords FROM event_features WHERE item_id = ?",
                                     [ident]).fetchall()
        item = store.db["items"].get(ident)
    assert json.loads(kept) == ["Ochoa"]
    assert built_anew(ident) == EventCandidate.from_text(
        ident, "news", item["published"], item["title"], item["text"],
        facts=built_anew(ident).facts, sig=json.loads(item["signature"]))
    with Store(tmp_path / "m.db") as store:  # changed again, stored without intelligence: none kept
        store.save_article({"title": item["title"], "text": NAMED, "published": "2026-11-20"},
                           url="https://paper-a.example/lowell", source="s")
        assert store.db["event_features"].count == 0


def test_an_event_that_starts_on_the_last_day_of_the_window_is_a_candidate(tmp_path):
    # a story may precede its operation's first item by EVENT_LEAD_DAYS; that item's date may
    # be a datetime, which sorts after the bare date that ends the window
    import dataclasses

    from monitor.intel.events import EVENT_LEAD_DAYS
    from monitor.store.intel_links import candidate_events, candidate_of

    with Store(tmp_path / "m.db") as store:
        store.migrate()
        fields = {"title": "Agents arrest 27 in Lowell fentanyl operation", "text": STORY,
                  "published": "2026-11-27T10:00:00+00:00"}
        _, ident = store.save_article(fields, url="https://paper-a.example/lowell", source="s",
                                      intel=analyse(fields, "news", "mark"))
        [(event,)] = store.db.execute("SELECT event_id FROM items WHERE id = ?", [ident]).fetchall()
        earlier = dataclasses.replace(candidate_of(store.db, ident), item_id="other",
                                      published=f"2026-11-{27 - EVENT_LEAD_DAYS}")
        assert (event,) in candidate_events(store.db, earlier)
        too_early = dataclasses.replace(earlier, published=f"2026-11-{26 - EVENT_LEAD_DAYS}")
        assert (event,) not in candidate_events(store.db, too_early)


def test_a_changed_item_keeps_exactly_its_new_bands(tmp_path):
    # bands live in one WITHOUT ROWID B-tree and an item's old ones are deleted by key (m009)
    from monitor.intel.neardup import bands, signature

    with Store(tmp_path / "m.db") as store:
        store.migrate()
        _, ident = save(store, "https://paper-a.example/lowell", STORY)
        revised = STORY.replace("twelve", "nine").replace("Thursday", "Friday") + " More follows."
        assert save(store, "https://paper-a.example/lowell", revised)[0] == "updated"
        rows = set(store.db.execute("SELECT band, hash FROM lsh_bands WHERE item_id = ?", [ident]).fetchall())
        assert rows == set(bands(signature(revised))) != set(bands(signature(STORY)))
        table = store.db.execute("SELECT sql FROM sqlite_master WHERE name = 'lsh_bands'").fetchone()[0]
        assert "WITHOUT ROWID" in table
