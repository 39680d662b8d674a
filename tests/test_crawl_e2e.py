"""End to end: real crawls through the CLI against the fixture site served on 127.0.0.1,
asserting on the SQLite database and the server's own request log."""

from __future__ import annotations

import pytest

from tests.crawl_harness import monitor, write_schedule
from tests.db_rows import rows, rows_as_dicts

pytestmark = pytest.mark.slow  # every test here starts processes

SOURCES = [
    {"name": "gov-feed", "url": "{base}/gov/rss/news.xml", "agency": "ICE"},
    {"name": "gov-newsroom", "url": "{base}/gov/newsroom/", "kind": "listing",
     "follow": "/news/releases/", "pages": 3, "agency": "ICE"},
    {"name": "gov-sitemap", "url": "{base}/gov/sitemap.xml", "agency": "ICE"},
    {"name": "gov-broken", "url": "{base}/gov/rss/broken-links.xml", "agency": "ICE"},
    {"name": "ledger", "url": "{base}/news/"},
    {"name": "ledger-sitemap", "url": "{base}/news/sitemap-news.xml"},
    {"name": "embargoed", "url": "{base}/private/secret-release.html"},
]
SEED = "/news/2019/11/ice-arrests-19-in-massachusetts.html"
MA_RELEASE = "/gov/news/releases/ice-arrests-19-massachusetts-4-day-operation.html"


@pytest.fixture(scope="module")
def crawled(site_server, tmp_path_factory):
    """Two crawls of every fixture source into one database; the server log of each."""
    base = site_server.base_url
    tmp = tmp_path_factory.mktemp("e2e")
    write_schedule(tmp / "schedules", base, SOURCES)
    db = tmp / "monitor.db"
    args = ("crawl", "--db", str(db), "--schedules", str(tmp / "schedules"))
    site_server.clear_log()
    first = monitor(*args)
    first_log = list(site_server.requests)
    items_after_first = _count(db, "items")
    site_server.clear_log()
    second = monitor(*args)
    second_log = list(site_server.requests)
    return {"base": base, "db": db, "first": first, "second": second, "first_log": first_log,
            "second_log": second_log, "items_after_first": items_after_first}


def _count(db, table):
    return rows(db, f"SELECT count(*) FROM {table}")[0][0]


def test_crawl_exits_zero_with_a_per_source_summary(crawled):
    result = crawled["first"]
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split()
    assert header == ["source", "pages", "new", "updated", "duplicate", "unchanged", "known",
                      "not_modified", "gone", "skipped", "errors"]
    assert any(line.startswith("gov-feed ") for line in result.stdout.splitlines())
    assert "  new " in result.stderr  # live progress lines


def test_every_release_and_story_is_stored_once(crawled):
    urls = [r["canonical_url"] for r in rows_as_dicts(crawled["db"], "SELECT canonical_url FROM items")]
    assert len(urls) == len(set(urls))
    paths = {u.replace(crawled["base"], "") for u in urls}
    assert SEED in paths and MA_RELEASE in paths
    assert "/gov/news/releases/ice-hsi-annual-report-summary.pdf" in paths
    assert len([p for p in paths if p.startswith("/gov/news/releases/") and p.endswith(".html")]) == 9
    assert len([p for p in paths if p.startswith("/news/20")]) == 6


def test_seed_story_text_is_clean(crawled):
    [seed] = rows_as_dicts(crawled["db"], "SELECT * FROM items WHERE canonical_url = ?",
                           [crawled["base"] + SEED])
    assert "Brockton" in seed["text"] and "seven different countries" in seed["text"]
    assert "Introduce Yourself" not in seed["text"]
    assert "cookies" not in seed["text"].lower()
    assert seed["title"].startswith("ICE arrests 19")
    assert seed["published"].startswith("2019-11-06")
    assert (seed["kind"], seed["source"]) == ("news", "ledger") or seed["source"] == "ledger-sitemap"


def test_government_boilerplate_stays_out(crawled):
    [release] = rows_as_dicts(crawled["db"], "SELECT * FROM items WHERE canonical_url = ?",
                              [crawled["base"] + MA_RELEASE])
    assert "official website of the United States government" not in release["text"]
    assert "Here's how you know" not in release["text"]
    assert release["agency"] == "ICE" and release["kind"] == "press_release"


def test_same_release_at_two_urls_is_one_item_with_two_sightings(crawled):
    [release] = rows_as_dicts(crawled["db"], "SELECT id FROM items WHERE canonical_url = ?",
                              [crawled["base"] + MA_RELEASE])
    sighted = {r["url"].replace(crawled["base"], "") for r in
               rows_as_dicts(crawled["db"], "SELECT url FROM sightings WHERE item_id = ?",
                             [release["id"]])}
    assert {MA_RELEASE, "/gov/news/releases/archive/ice-arrests-19-massachusetts-4-day-operation.html"} <= sighted
    assert not rows_as_dicts(crawled["db"], "SELECT 1 FROM items WHERE canonical_url LIKE '%/archive/%'")


def test_tracking_parameters_do_not_make_a_second_item(crawled):
    seeds = rows_as_dicts(crawled["db"], "SELECT url FROM items WHERE canonical_url LIKE ?",
                          ["%ice-arrests-19-in-massachusetts%"])
    assert len(seeds) == 1


def test_full_text_search_finds_the_seed_story(crawled):
    found = rows_as_dicts(crawled["db"], "SELECT items.canonical_url FROM items JOIN items_fts ON "
                                         "items.rowid = items_fts.rowid "
                                         "WHERE items_fts MATCH 'brockton AND fentanyl'")
    assert crawled["base"] + SEED in {r["canonical_url"] for r in found}


def test_problems_are_recorded_with_kinds(crawled):
    errors = rows_as_dicts(crawled["db"], "SELECT source, url, kind, severity, message FROM errors")
    kinds = {(e["source"], e["kind"]) for e in errors}
    assert ("gov-broken", "http_error") in kinds
    assert ("gov-broken", "bad_entry") in kinds
    assert ("gov-broken", "unsafe_url") in kinds
    assert ("gov-broken", "extract_error") in kinds          # the truncated PDF
    assert ("embargoed", "robots") in kinds                  # /private/ is disallowed
    not_article = [e for e in errors if e["kind"] == "not_article"]
    assert not_article and all(e["severity"] == "skip" for e in not_article)
    assert any(e["url"].endswith("/gov/about.html") for e in not_article)
    http = [e for e in errors if e["kind"] == "http_error"]
    assert http[0]["message"] == "HTTP 404 Not Found" and http[0]["url"].endswith("removed-release.html")


def test_robots_txt_is_obeyed(crawled):
    assert not [r for r in crawled["first_log"] if r.path.startswith("/private/")]
    assert not rows_as_dicts(crawled["db"], "SELECT 1 FROM items WHERE text LIKE '%PURPLE-OTTER-EMBARGO%'")


def test_runs_are_recorded(crawled):
    runs = rows_as_dicts(crawled["db"], "SELECT * FROM runs ORDER BY id")
    assert [r["status"] for r in runs] == ["partial", "partial"]  # the broken feed's errors
    assert runs[0]["new"] == crawled["items_after_first"] and runs[0]["pages"] > 20
    assert runs[1]["new"] == 0 and runs[1]["ended"]


def test_second_run_adds_nothing_and_fetches_no_stored_article(crawled):
    assert crawled["second"].returncode == 0, crawled["second"].stderr
    assert _count(crawled["db"], "items") == crawled["items_after_first"]
    fetched = {r.path.split("?")[0] for r in crawled["second_log"]}
    assert SEED not in fetched and MA_RELEASE not in fetched
    assert "/gov/rss/news.xml" in fetched  # the sources themselves are polled


def test_user_agent_is_descriptive(crawled):
    agents = {r.header("User-Agent") for r in crawled["first_log"]}
    assert agents and all(a.startswith("monitor/") and "+http" in a for a in agents)


# -- enforcement intelligence on the stored items -------------------------------------------

def item_by_path(crawled, path):
    [item] = rows_as_dicts(crawled["db"], "SELECT * FROM items WHERE canonical_url = ?",
                           [crawled["base"] + path])
    return item


def test_seed_story_facts_are_stored_with_their_quotes(crawled):
    seed = item_by_path(crawled, SEED)
    assert seed["relevant"] == 1 and seed["relevance"] > 0.5
    facts = rows_as_dicts(crawled["db"], "SELECT kind, value, code, count, qualifier, quote, field, "
                                         "start, \"end\" FROM facts WHERE item_id = ?", [seed["id"]])
    text_facts = [f for f in facts if f["field"] == "text"]
    assert {(f["count"], f["qualifier"]) for f in text_facts if f["kind"] == "arrests"} == {(19, "exact")}
    assert {f["count"] for f in facts if f["kind"] == "duration"} == {4}
    assert {f["code"] for f in facts if f["kind"] == "place" and f["qualifier"] == "state"} == {"MA"}
    assert {f["value"] for f in facts if f["kind"] == "place"} >= {"Brockton", "Massachusetts"}
    nationalities = {f["code"]: f["count"] for f in facts if f["kind"] == "nationality"}
    assert nationalities == {"BS": 1, "BR": 4, "CV": 4, "DO": 6, "FR": 1, "GT": 1, "HT": 2}
    assert {f["value"] for f in facts if f["kind"] == "agency"} >= {"ICE", "U.S. Marshals"}
    for fact in text_facts:  # every fact quotes the stored text exactly
        assert seed["text"][fact["start"]:fact["end"]] == fact["quote"]


def test_awards_and_hiring_releases_are_marked_not_relevant(crawled):
    for slug in ("ice-boston-honors-employees-annual-awards-ceremony",
                 "ice-hosts-hiring-event-burlington-deportation-officers"):
        item = item_by_path(crawled, f"/gov/news/releases/{slug}.html")
        assert item["relevant"] == 0 and item["event_id"] is None
        assert "negative" in item["relevance_reasons"]


def test_story_release_rewrite_and_follow_up_form_one_event_with_claim_drift(crawled):
    seed = item_by_path(crawled, SEED)
    release = item_by_path(crawled, MA_RELEASE)
    assert seed["event_id"] == release["event_id"]
    members = {r["item_id"]: r["role"] for r in
               rows_as_dicts(crawled["db"], "SELECT item_id, role FROM event_items WHERE event_id = ?",
                             [seed["event_id"]])}
    assert members[release["id"]] == "release" and members[seed["id"]] == "coverage"
    assert len(members) == 4                         # + the rewrite and the follow-up (23)
    [event] = rows_as_dicts(crawled["db"], "SELECT * FROM events WHERE id = ?", [seed["event_id"]])
    assert event["state"] == "MA" and '"19"' in event["disagreements"] and '"23"' in event["disagreements"]
    connecticut = item_by_path(crawled, "/gov/news/releases/ice-arrests-41-connecticut-5-day-operation.html")
    assert connecticut["event_id"] != seed["event_id"]
