"""The operations table (one row per event, the figures users read), as the store keeps it while
it writes real articles, and the desk pages that read it: the operations list and page."""

from __future__ import annotations

import asyncio
import re

import pytest

from monitor.crawling.worker import analyse
from monitor.desk import server as desk
from monitor.intel.events import EventCandidate, EventSummary
from monitor.intel.facts import Fact
from monitor.intel.operation_figures import MemberInfo, disagreements_in_words, is_report, operation_row
from monitor.runs.notify import run_message
from monitor.store import Store

RELEASE = ("ICE arrests {n} in Texas during Operation Lone Star Sweep",
           "HOUSTON — U.S. Immigration and Customs Enforcement officers arrested {n} people in Houston, "
           "Texas, during Operation Lone Star Sweep, a four-day enforcement operation that ended "
           "Friday, the agency said.\n\nThe operation targeted people with criminal convictions. "
           "Officers from the Houston field office worked with local police in Harris County.\n\n"
           "Those arrested include nationals of Mexico, Honduras and Guatemala.")
COVERAGE = ("Federal agents detain {n} in Houston sweep",
            "Federal immigration agents arrested {n} people across Houston, Texas, in Operation Lone "
            "Star Sweep, a four-day operation that wrapped up Friday, according to the agency.\n\n"
            "The arrests in Harris County drew protests outside the Houston field office, where "
            "families gathered on Saturday.\n\nAdvocates said several of those detained had lived "
            "in Texas for years.")


def save(store: Store, url: str, title: str, text: str, *, published: str, kind: str = "press_release",
         source: str = "ice-news", agency: str | None = "ICE", site: str | None = None,
         relevance: str = "mark", run_id: int | None = 1):
    article = {"title": title, "text": text, "published": published, "site": site,
               "canonical_url": None, "language": "en", "content_type": "text/html"}
    intel = analyse(article, kind, relevance)
    return store.save_article(article, url=url, source=source, agency=agency, item_kind=kind,
                              intel=intel, run_id=run_id)


def operations(store: Store) -> list[dict]:
    return [dict(row) for row in store.db.query("SELECT * FROM operations ORDER BY first_date, event_id")]


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "monitor.db") as opened:
        opened.migrate()
        yield opened


def run_desk(db_path, paths):
    """GET each path through the desk's own Datasette; {path: response}."""
    async def fetch():
        ds = desk.build_datasette(db_path)
        await ds.invoke_startup()
        return {path: await ds.client.get(path) for path in paths}

    return asyncio.run(fetch())


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.text[:400]
    return response.json()


# -- the pure figures -------------------------------------------------------------------------


def _candidate(ident, kind, published, title, *facts):
    return EventCandidate(ident, kind, published, title, tuple(facts))


def test_the_release_figure_wins_over_later_coverage():
    summary = EventSummary("ev-1")
    summary.add(_candidate("rel", "press_release", "2024-05-02", "ICE arrests 19",
                           Fact("arrests", "19", count=19, qualifier="exact", field="title", quote="arrests 19"),
                           Fact("place", "Texas", code="TX", qualifier="state")), "first")
    summary.add(_candidate("news", "news", "2024-05-03", "Agents detain 21",
                           Fact("arrests", "21", count=21, qualifier="exact", field="title", quote="detain 21"),
                           Fact("place", "Texas", code="TX", qualifier="state")), "same operation")
    row = operation_row(summary, {"rel": MemberInfo("ice-news", "ICE"),
                                  "news": MemberInfo("ledger", None, "The Ledger")})
    assert (row["arrests"], row["arrests_by"], row["arrests_item"], row["arrests_role"]) == \
        (19, "ICE", "rel", "release")
    assert row["disagreements"] == "arrests: ICE: 19; The Ledger: 21"
    assert (row["releases"], row["coverage"] + row["follow_ups"], row["items"], row["outlets"]) == (1, 1, 2, 2)


def test_without_a_release_an_exact_figure_beats_a_hedged_one():
    summary = EventSummary("ev-2")
    summary.add(_candidate("a", "news", "2024-05-02", "Nearly 30 detained",
                           Fact("arrests", "30", count=30, qualifier="approximate", field="title",
                                quote="Nearly 30")), "first")
    summary.add(_candidate("b", "news", "2024-05-01", "27 detained",
                           Fact("arrests", "27", count=27, qualifier="exact", field="title", quote="27")), "x")
    row = operation_row(summary, {"a": MemberInfo("paper-a", site="Paper A"), "b": MemberInfo("paper-b")})
    assert (row["arrests"], row["arrests_qualifier"], row["arrests_by"]) == (27, "exact", "paper-b")


def test_a_report_alone_is_no_operation():
    assert is_report("ICE Annual Report: Fiscal Year 2024 enforcement statistics")
    assert is_report("Enforcement statistics for May")
    assert not is_report("ICE arrests 19 in Texas during four-day operation")
    summary = EventSummary("ev-3")
    summary.add(_candidate("r", "press_release", "2024-12-19", "ICE Annual Report for fiscal year 2024",
                           Fact("arrests", "113431", count=113431, qualifier="exact")), "first")
    assert operation_row(summary, {}) is None


def test_disagreements_in_plain_words_name_who_said_what():
    words = disagreements_in_words({"arrests": {"19": ["a"], "21": ["b", "c"]}},
                                   {"a": "ICE", "b": "The Ledger", "c": "Metro Daily"})
    assert words == "arrests: ICE: 19; The Ledger, Metro Daily: 21"


# -- the table, as the store keeps it ----------------------------------------------------------


def test_a_revised_release_shows_its_new_figure_everywhere(store):
    title, text = RELEASE
    save(store, "https://www.ice.gov/news/lone-star", title.format(n=12), text.format(n=12),
         published="2024-05-03")
    [row] = operations(store)
    assert (row["arrests"], row["arrests_by"], row["state"]) == (12, "ICE", "TX")
    outcome, _ = save(store, "https://www.ice.gov/news/lone-star", title.format(n=14), text.format(n=14),
                      published="2024-05-03")
    assert outcome == "updated"
    [row] = operations(store)
    assert row["arrests"] == 14
    [(month, arrests, count)] = store.conn.execute(
        "SELECT month, arrests, operations FROM operation_months WHERE operations > 0").fetchall()
    assert (month, arrests, count) == ("2024-05", 14, 1)
    answers = run_desk(store.path, [
        "/monitor/latest_operations.json?_shape=array", "/monitor/arrests_by_state_month.json?_shape=array",
        "/monitor/new_relevant_items.json?_shape=array", "/monitor/events_with_coverage.json?_shape=array",
        "/monitor/latest_operations.atom"])
    assert [r["arrests"] for r in rows_of(answers["/monitor/latest_operations.json?_shape=array"])] == [14]
    assert [(r["state"], r["arrests"], r["operations"]) for r in
            rows_of(answers["/monitor/arrests_by_state_month.json?_shape=array"])] == [("TX", 14, 1)]
    assert [r["arrests"] for r in rows_of(answers["/monitor/new_relevant_items.json?_shape=array"])] == [14]
    assert [r["arrests"] for r in rows_of(answers["/monitor/events_with_coverage.json?_shape=array"])] == [14]
    feed = answers["/monitor/latest_operations.atom"]
    assert feed.status_code == 200 and "Arrests: 14" in feed.text and "Arrests: 12" not in feed.text


def test_the_notification_gives_the_operations_figure(covered):
    # the coverage saying 21 was found in run 2: its message gives the operation's 19, by ICE
    ctitle, ctext = COVERAGE
    save(covered, "https://weekly.example/houston", "Operation Lone Star Sweep: 21 held in Houston",
         "Twenty-one people were arrested in Houston, Texas, during Operation Lone Star Sweep, "
         "federal officials told The Weekly.\n\nThe four-day operation in Harris County ended on "
         "Friday. Church groups in Houston offered legal help to relatives on Sunday.\n\nImmigration "
         "lawyers in Texas said they expected more hearings next week.", published="2024-05-04",
         kind="news", source="weekly", agency=None, site="The Weekly", run_id=2)
    assert covered.conn.execute("SELECT count(*) FROM operations").fetchone()[0] == 1
    items = covered.new_relevant_items(2)
    assert [(i["arrests"], i["arrests_by"], i["state"]) for i in items] == [(19, "ICE", "TX")]
    _, body = run_message(2, items, [])
    assert "Operation Lone Star Sweep, TX: 19 arrests (reported by ICE)" in body
    assert "21 arrests" not in body


def test_an_operation_is_counted_once_in_its_own_state(store):
    save(store, "https://www.ice.gov/news/tx-many-states",
         "ICE arrests 40 in Texas during five-day operation",
         "DALLAS — ICE officers arrested 40 people in Dallas, Texas, during a five-day enforcement "
         "operation that ended Thursday.\n\nSome of those arrested had earlier convictions in "
         "Oklahoma, Louisiana and New Mexico, the agency said.\n\nOfficers from the Dallas field "
         "office led the operation in Texas.", published="2024-06-07")
    [row] = operations(store)
    assert (row["state"], row["arrests"]) == ("TX", 40)
    answers = run_desk(store.path, ["/monitor/arrests_by_state_month.json?_shape=array"])
    assert [(r["state"], r["arrests"]) for r in
            rows_of(answers["/monitor/arrests_by_state_month.json?_shape=array"])] == [("TX", 40)]


def test_an_annual_report_is_not_an_operation(store):
    # a source that keeps everything as relevant (relevance = "keep_all") gives it an event
    save(store, "https://www.ice.gov/news/annual-report-2024",
         "ICE Annual Report: fiscal year 2024 enforcement statistics",
         "WASHINGTON — U.S. Immigration and Customs Enforcement officers arrested 113,431 people in "
         "fiscal year 2024, the agency's annual report said on Thursday.\n\nOfficers removed 271,484 "
         "people and arrested more noncitizens with criminal convictions than the year before.\n\n"
         "The report covers every field office in the United States.", published="2024-12-19",
         relevance="keep_all")
    assert store.conn.execute("SELECT count(*) FROM items WHERE relevant = 1").fetchone()[0] == 1
    assert store.conn.execute("SELECT count(*) FROM events").fetchone()[0] == 1   # an event ...
    assert operations(store) == []                                                # ... no operation
    assert store.conn.execute("SELECT count(*) FROM operation_months WHERE operations > 0").fetchone()[0] == 0


@pytest.fixture
def covered(store):
    """A release (19 arrests) and two outlets' coverage of it, one saying 21."""
    title, text = RELEASE
    save(store, "https://www.ice.gov/news/lone-star", title.format(n=19), text.format(n=19),
         published="2024-05-03")
    ctitle, ctext = COVERAGE
    save(store, "https://ledger.example/2024/05/houston-sweep", ctitle.format(n=21), ctext.format(n=21),
         published="2024-05-04", kind="news", source="ledger", agency=None, site="The Ledger")
    save(store, "https://metro.example/houston-sweep-19", ctitle.format(n=19),
         ctext.format(n=19).replace("families gathered", "relatives waited"),
         published="2024-05-05", kind="news", source="metro", agency=None, site="Metro Daily")
    return store


def test_release_and_coverage_are_one_operation_with_the_release_figure(covered):
    [row] = operations(covered)
    assert (row["arrests"], row["arrests_by"], row["state"], row["operation"]) == \
        (19, "ICE", "TX", "Operation Lone Star Sweep")
    assert (row["items"], row["releases"], row["first_date"], row["last_date"]) == \
        (3, 1, "2024-05-03", "2024-05-05")
    assert row["disagreements"] == "arrests: ICE, Metro Daily: 19; The Ledger: 21"


def test_the_migration_fills_the_table_for_an_existing_database(covered):
    with covered.write() as db:
        db.execute("DELETE FROM operations")
        db.execute("DROP TABLE operations")
        db.execute("DROP TABLE operation_months")
        db.execute("DROP TABLE item_weeks")
        for trigger in ("items_ai_weeks", "items_ad_weeks", "items_au_weeks", "events_ad_operations"):
            db.execute(f"DROP TRIGGER {trigger}")
        db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm011_operations'")
    covered.migrate()
    [row] = operations(covered)
    assert (row["arrests"], row["arrests_by"], row["items"]) == (19, "ICE", 3)
    assert covered.conn.execute("SELECT sum(items) FROM item_weeks").fetchone()[0] == 3


# -- the pages ---------------------------------------------------------------------------------


def test_the_operation_page_shows_figures_who_said_them_coverage_and_timeline(covered):
    [row] = operations(covered)
    release_id = row["release_id"]
    page = f"/-/operation/{row['event_id']}"
    answers = run_desk(covered.path, [page, f"/-/item/{release_id}", "/monitor/latest_operations"])
    html = answers[page].text
    assert answers[page].status_code == 200
    assert re.search(r"<strong>19</strong>, reported by ICE", html)
    assert "arrests: ICE, Metro Daily: 19; The Ledger: 21" in html
    for outlet in ("The Ledger", "Metro Daily", "ICE"):
        assert f"<h3>{outlet}" in html
    assert html.count("/-/item/") >= 6   # every member linked, in the table and the timeline
    assert html.index("2024-05-03") < html.index("2024-05-05")
    # both ways: the item page links its operation page, and shows the operation's figure
    item_page = answers[f"/-/item/{release_id}"].text
    assert f'href="/-/operation/{row["event_id"]}"' in item_page
    assert "19 arrests (reported by ICE)" in item_page
    assert f'href="/-/operation/{row["event_id"]}"' in answers["/monitor/latest_operations"].text


def test_the_operations_list_filters_by_state_agency_dates_and_name(covered):
    save(covered, "https://www.ice.gov/news/fl-op", "ICE arrests 33 in Florida during Operation Tidewater",
         "MIAMI — ICE officers arrested 33 people in Miami, Florida, during Operation Tidewater, a "
         "three-day enforcement operation, the agency said.\n\nThe operation targeted fugitives.\n\n"
         "Officers from the Miami field office took part.", published="2024-08-20")
    answers = run_desk(covered.path, [
        "/-/operations", "/-/operations?state=fl", "/-/operations?state=TX&agency=ICE",
        "/-/operations?since=2024-06", "/-/operations?until=2024-05-31", "/-/operations?name=tidewater",
        "/-/operations?name=lone+star&state=FL", "/-/operations?since=soon", "/-/operation/nope"])

    def listed(path):
        assert answers[path].status_code == 200, answers[path].text[:300]
        return re.findall(r'<a href="/-/operation/[^"]+">([^<]+)</a>', answers[path].text)

    assert listed("/-/operations") == ["Operation Tidewater", "Operation Lone Star Sweep"]
    assert listed("/-/operations?state=fl") == ["Operation Tidewater"]
    assert listed("/-/operations?state=TX&agency=ICE") == ["Operation Lone Star Sweep"]
    assert listed("/-/operations?since=2024-06") == ["Operation Tidewater"]
    assert listed("/-/operations?until=2024-05-31") == ["Operation Lone Star Sweep"]
    assert listed("/-/operations?name=tidewater") == ["Operation Tidewater"]
    assert listed("/-/operations?name=lone+star&state=FL") == []
    assert answers["/-/operations?since=soon"].status_code == 400
    assert "is not a date" in answers["/-/operations?since=soon"].text
    assert answers["/-/operation/nope"].status_code == 404
