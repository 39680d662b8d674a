"""Events: a release, its coverage and follow-ups are one event; look-alike operations stay apart;
disagreeing counts are recorded."""

import pytest

from benchmarks.intel import load_labelled
from monitor.intel.events import (EVENT_WINDOW_DAYS, EventCandidate, EventSummary, candidate_window, group_events,
                            match_event)
from monitor.extract import extract_article
from monitor.desk.static_site import SAMPLE_SITE as SITE

MA_PAGES = {
    "release": ("gov/news/releases/ice-arrests-19-massachusetts-4-day-operation.html", "press_release"),
    "seed": ("news/2019/11/ice-arrests-19-in-massachusetts.html", "news"),
    "rewrite": ("news/2019/11/immigration-sweep-nets-19-drug-suspects.html", "news"),
    "followup": ("news/2019/11/ice-massachusetts-operation-arrests-rise-to-23.html", "news"),
    "ct-release": ("gov/news/releases/ice-arrests-41-connecticut-5-day-operation.html", "press_release"),
    "ct-news": ("news/2019/12/ice-reports-41-arrests-connecticut-operation.html", "news"),
    "removal": ("gov/news/releases/ero-boston-removes-dominican-national-convicted-of-fentanyl-trafficking.html",
                "press_release"),
}


@pytest.fixture(scope="module")
def pages() -> dict[str, EventCandidate]:
    out = {}
    for name, (path, kind) in MA_PAGES.items():
        article = extract_article((SITE / path).read_bytes(), f"http://127.0.0.1/{path}")
        out[name] = EventCandidate.from_text(name, kind, article.published, article.title, article.text)
    return out


@pytest.fixture(scope="module")
def labelled() -> dict[str, EventCandidate]:
    return {i.id: EventCandidate.from_text(i.id, i.kind, i.published, i.title, i.text) for i in load_labelled("tuned")}


def event_of(events: list[EventSummary], item_id: str) -> EventSummary:
    return next(e for e in events if item_id in e.item_ids)


def test_release_coverage_rewrite_and_follow_up_are_one_event(pages):
    events = group_events(pages.values())
    ma = event_of(events, "release")
    assert sorted(ma.item_ids) == ["followup", "release", "rewrite", "seed"]
    assert event_of(events, "ct-release") is event_of(events, "ct-news") is not ma
    assert event_of(events, "removal") is not ma


def test_story_links_to_the_release_it_derives_from(pages):
    ma = event_of(group_events(pages.values()), "seed")
    assert ma.release_id == "release"
    roles = {m.item.item_id: m.role for m in ma.members}
    assert roles == {"release": "release", "seed": "coverage", "rewrite": "coverage", "followup": "follow_up"}


def test_revised_count_is_recorded_as_a_disagreement(pages):
    ma = event_of(group_events(pages.values()), "seed")
    assert ma.disagreements()["arrests"] == {"19": ["release", "seed", "rewrite"], "23": ["followup"]}
    assert ma.arrests == 23  # the newest report's total


def test_story_published_before_its_release_still_joins_it(pages):
    event = EventSummary("e1")
    event.add(pages["seed"], "new event")
    event_id, reason = match_event(pages["release"], [event])
    assert event_id == "e1"
    assert "arrests 19" in reason
    assert event.role_for(pages["release"]) == "release"


def test_same_state_look_alike_operations_months_apart_are_two_events(labelled):
    events = group_events([labelled["t01-ma-patriot-release"], labelled["t02-ma-patriot-news"],
                           labelled["t05-ma-patriot2-release"], labelled["t06-ma-patriot2-news"]])
    assert sorted(sorted(e.item_ids) for e in events) == [["t01-ma-patriot-release", "t02-ma-patriot-news"],
                                                         ["t05-ma-patriot2-release", "t06-ma-patriot2-news"]]


def test_other_operations_in_the_same_state_and_week_stay_apart(labelled):
    patriot = EventSummary("patriot")
    patriot.add(labelled["t01-ma-patriot-release"], "new event")
    for item_id in ("t47-ma-worcester-drug-raids-news", "t48-ma-cape-worksite-release"):
        event_id, reason = match_event(labelled[item_id], [patriot])
        assert event_id is None, reason


def test_another_named_operation_is_a_hard_conflict(labelled):
    patriot = EventSummary("patriot")
    patriot.add(labelled["t01-ma-patriot-release"], "new event")
    candidate = labelled["t05-ma-patriot2-release"]
    moved = EventCandidate(candidate.item_id, candidate.kind, "2025-06-10", candidate.title, candidate.facts,
                           candidate.signature, candidate.keywords, candidate.lead_chars)
    event_id, reason = match_event(moved, [patriot])
    assert event_id is None
    assert "other operation 'Operation Patriot 2.0'" in reason


def test_another_state_is_a_hard_conflict(pages):
    event = EventSummary("ma")
    event.add(pages["release"], "new event")
    event_id, reason = match_event(pages["ct-release"], [event])
    assert event_id is None and "other state CT" in reason


def test_events_outside_the_time_window_are_not_candidates(labelled):
    old = EventSummary("may")
    old.add(labelled["t08-tx-may-release"], "new event")
    assert match_event(labelled["t10-tx-sep-release"], [old]) == (None, "no event in the time window")


def test_candidate_window_is_the_sql_prefilter():
    start, end = candidate_window("2019-11-06T12:00:00-05:00")
    assert start == "2019-09-22" and end == "2019-11-13"
    assert EVENT_WINDOW_DAYS == 45
    assert candidate_window(None) is None


def test_rows_for_the_store_and_rebuilding_from_them(pages):
    ma = event_of(group_events(pages.values()), "seed")
    row = ma.row()
    assert row["state"] == "MA" and row["item_count"] == 4 and row["arrests"] == 23
    assert row["first_published"].startswith("2019-11-06") and row["last_published"].startswith("2019-11-14")
    assert row["label"].startswith("ICE arrests 19 in Massachusetts during four-day operation")
    items = ma.item_rows()
    assert {r["item_id"]: r["role"] for r in items}["followup"] == "follow_up"
    rebuilt = EventSummary.from_members(ma.event_id, [(m.item, m.role, m.reason) for m in ma.members])
    assert rebuilt.row() == row


def test_claim_drift_between_two_reports(labelled):
    release = labelled["t12-nj-5day-release"]
    event = EventSummary("nj")
    event.add(release, "new event")
    event.add(labelled["t15-nj-5day-followup"], "follow-up")
    assert event.disagreements()["arrests"] == {"34": ["t12-nj-5day-release"], "37": ["t15-nj-5day-followup"]}


def test_the_score_is_a_table_of_named_rules_with_their_reasons():
    from monitor.intel.events import RULES, ScoreRule

    assert all(isinstance(r, ScoreRule) and r.name and r.why and callable(r.check) for r in RULES)
    assert len({r.name for r in RULES}) == len(RULES)


def test_a_veto_ends_the_score_with_its_reason_alone(pages):
    from monitor.intel.events import score

    # the Connecticut release scored against the Massachusetts event: another state
    event = EventSummary("e")
    event.add(pages["release"], "new event")
    points, reasons = score(pages["ct-release"], event)
    assert points == float("-inf") and len(reasons) == 1 and reasons[0].startswith("other state CT")
