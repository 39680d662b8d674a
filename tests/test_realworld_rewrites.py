"""Rewrites (issue 18 item 5): a story that retells another (the same facts, numbers, names and
quotes in other words) is linked to it as a rewrite, the later-published to the earlier, in
whichever order they arrive; independent coverage of one event is not a rewrite."""

from __future__ import annotations

from monitor.crawling.worker import analyse
from monitor.intel.rewrites import Retelling, original_of, rewrite_score
from monitor.store import Store

ORIGINAL = ("BOSTON — Federal immigration agents arrested 370 people across Massachusetts over six days last "
            "week, and 205 of them had significant criminal convictions or pending charges, Immigration and "
            "Customs Enforcement said Monday.\n\nThe operation ran from March 18 through March 23 and was aimed "
            "at gang members, according to an ICE statement. Six of those arrested were wanted in other "
            "countries on charges that included murder and drug trafficking.\n\nMarian Toller, the acting "
            "director of the Boston field office, said the Commonwealth was safer because of the arrests.")
REWRITE = ("BOSTON — A six-day immigration enforcement push across Massachusetts led to 370 arrests, "
           "Immigration and Customs Enforcement announced on Monday. The agency said 205 of the people it "
           "picked up had significant criminal convictions or pending charges.\n\nAccording to ICE, the sweep "
           "lasted from March 18 to March 23 and targeted gang members. Six of the people arrested were "
           "wanted abroad, on charges such as murder and drug trafficking.\n\nMarian Toller, acting head of "
           "the Boston field office, credited the arrests with making the Commonwealth safer.")
OTHER = ("WORCESTER — Families in Worcester said immigration agents had detained neighbours at bus stops "
         "and outside a church last week. A local pastor said volunteers drove children to school while "
         "their parents sought lawyers. City councilors asked the police chief whether officers had helped; "
         "he said they had not. ICE said 370 people were arrested statewide over six days.")


def test_a_retelling_is_a_rewrite_and_independent_coverage_is_not():
    assert rewrite_score(Retelling.of(ORIGINAL), Retelling.of(REWRITE)) is not None
    assert rewrite_score(Retelling.of(ORIGINAL), Retelling.of(OTHER)) is None


def test_the_earlier_publication_is_the_original_and_undated_is_later():
    assert original_of("2025-03-24T10:00", "2025-03-24T18:00") == 0
    assert original_of("2025-03-25", "2025-03-24") == 1
    assert original_of(None, "2025-03-24") == 1
    assert original_of("2025-03-24", None) == 0


def save(store, url, text, published, title):
    fields = {"title": title, "text": text, "published": published}
    return store.save_article(fields, url=url, source="s", intel=analyse(fields, "news", "mark"))[1]


def test_the_store_links_the_later_story_to_the_earlier_whichever_arrives_first(tmp_path):
    for first_saved in ("original", "rewrite"):
        with Store(tmp_path / f"{first_saved}.db") as store:
            store.migrate()
            stories = {"original": ("https://a.example/370", ORIGINAL, "2025-03-24T12:00:00-04:00",
                                    "ICE arrests 370 in Massachusetts sweep"),
                       "rewrite": ("https://b.example/370", REWRITE, "2025-03-25T08:00:00-04:00",
                                   "Six-day immigration push in Massachusetts ends with 370 arrests")}
            order = [first_saved, *(k for k in stories if k != first_saved)]
            ids = {name: save(store, *stories[name]) for name in order}
            rows = {row["id"]: row for row in store.db["items"].rows}
            assert rows[ids["rewrite"]]["rewrite_of"] == ids["original"]
            assert rows[ids["original"]]["rewrite_of"] is None
            assert rows[ids["rewrite"]]["duplicate_of"] is None  # a rewrite is no copy


def test_a_copy_crawled_before_its_original_becomes_the_copy(tmp_path):
    wire = ("LOWELL (Wire) — " + ORIGINAL.replace("\n\n", " ") + " This story was first published by the Ledger.")
    with Store(tmp_path / "m.db") as store:
        store.migrate()
        copy = save(store, "https://wire.example/370", wire, "2025-03-25T08:00:00-04:00", "ICE arrests 370")
        original = save(store, "https://ledger.example/370", ORIGINAL, "2025-03-24T12:00:00-04:00", "ICE arrests 370")
        rows = {row["id"]: row for row in store.db["items"].rows}
        assert rows[copy]["duplicate_of"] == original and rows[original]["duplicate_of"] is None


def test_publication_times_compare_as_times_across_offsets():
    assert original_of("2025-09-20T09:00:00-05:00", "2025-09-20T11:15:00+00:00") == 1
