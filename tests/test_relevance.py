"""Relevance: enforcement operations are kept, agency news about awards, hiring, grants and events is not;
every decision carries readable reasons."""

import re

import pytest

from monitor.extract import extract_article
from monitor.intel.relevance import (_NEGATIVE_RES, _POSITIVE_RES, RELEVANCE_MODES, Relevance, decide,
                               score_relevance)
from monitor.desk.static_site import SAMPLE_SITE as SITE


ARREST_STORY = ("A four-day sting operation in Massachusetts has led to the arrests of 19 individuals who have been "
                "convicted of or charged with drug trafficking, ICE said Wednesday.")
AWARDS_RELEASE = ("Leaders of ICE offices gathered Monday to recognize 32 employees and five partner agencies at the "
                  "annual awards ceremony. The Lifesaving Award went to a deportation officer.")
HIRING_RELEASE = ("ICE will hold a hiring event Saturday for people interested in careers as deportation officers. "
                  "Deportation officers locate, arrest, transport and supervise people subject to removal. "
                  "Applicants must be U.S. citizens.")


def test_arrest_story_is_relevant_with_its_count_as_reason():
    rel = score_relevance("ICE arrests 19 in Massachusetts", ARREST_STORY)
    assert rel.relevant
    assert "arrest count: 'arrests 19'" in rel.reasons
    assert any(r.startswith("operation word: 'sting operation'") for r in rel.reasons)


def test_awards_ceremony_is_not_relevant():
    rel = score_relevance("ICE Boston honors employees and partners at annual awards ceremony", AWARDS_RELEASE,
                          item_kind="press_release")
    assert not rel.relevant
    assert any(r.startswith("negative: award ceremony") for r in rel.reasons)


def test_hiring_event_is_not_relevant_although_it_mentions_arrests():
    rel = score_relevance("ICE to host hiring event for deportation officers", HIRING_RELEASE,
                          item_kind="press_release")
    assert not rel.relevant
    assert any(r.startswith("negative: hiring") for r in rel.reasons)


def test_score_is_a_probability_that_crosses_half_at_the_threshold():
    for title, text in [("ICE arrests 19 in Massachusetts", ARREST_STORY), ("Awards", AWARDS_RELEASE)]:
        rel = score_relevance(title, text)
        assert 0.0 <= rel.score <= 1.0
        assert rel.relevant == (rel.score >= 0.5)


def test_removal_of_a_national_is_relevant():
    rel = score_relevance("ERO Newark removes Colombian fugitive wanted for homicide",
                          "Officers removed a 52-year-old Colombian national on Jan. 10 who is wanted for homicide. "
                          "ERO officers arrested him at his home in 2022.")
    assert rel.relevant


def test_cues_are_quoted_as_written_whatever_the_case_and_the_text_around_them():
    rel = score_relevance("AGENTS ARRESTED 19 IN STING", "No further details.")
    assert "arrest: 'ARRESTED' (title)" in rel.reasons
    assert "operation word: 'STING' (title)" in rel.reasons
    # "İ" lower-cases to two characters; "ſ", "ı" and the Kelvin sign match "s", "i" and "k" only
    # when case is ignored: the cue is still found, and quoted from the text as it stands
    for odd, quote in [("İstanbul police said the suspects were Arrested at dawn.", "Arrested"),
                       ("Officers ſeized 40 kilograms of cocaine.", "ſeized"),
                       ("Two men were detaıned at the port.", "detaıned"),
                       ("A joint taskforce led the ta\u212aedown.", "ta\u212aedown")]:
        rel = score_relevance(None, odd)
        assert any(reason.endswith(f"'{quote}'") for reason in rel.reasons), rel.reasons


def test_cue_patterns_hold_no_upper_case_letter():
    # cues are also searched, case-sensitively, in lower-cased text: an upper-case letter there
    # would never match
    for cue in [*_POSITIVE_RES, *_NEGATIVE_RES]:
        assert not re.search(r"(?<!\\)[A-Z]", cue.lowercase.pattern), cue.label


FIXTURE_PAGES = {
    "gov/news/releases/ice-arrests-19-massachusetts-4-day-operation.html": True,
    "gov/news/releases/ice-arrests-41-connecticut-5-day-operation.html": True,
    "gov/news/releases/ero-boston-arrests-brazilian-fugitive-wanted-for-homicide.html": True,
    "gov/news/releases/ero-boston-removes-dominican-national-convicted-of-fentanyl-trafficking.html": True,
    "gov/news/releases/hsi-cbp-seize-114-pounds-fentanyl-nogales-port-of-entry.html": True,
    "gov/news/releases/hsi-executes-worksite-enforcement-warrants-north-texas-trailer-manufacturer.html": True,
    "gov/news/releases/hsi-task-force-arrests-9-undercover-child-exploitation-operation-new-hampshire.html": True,
    "gov/news/releases/ice-boston-honors-employees-annual-awards-ceremony.html": False,
    "gov/news/releases/ice-hosts-hiring-event-burlington-deportation-officers.html": False,
    "news/2019/11/ice-arrests-19-in-massachusetts.html": True,
    "news/2019/11/immigration-sweep-nets-19-drug-suspects.html": True,
    "news/2019/11/ice-massachusetts-operation-arrests-rise-to-23.html": True,
    "news/2019/12/ice-reports-41-arrests-connecticut-operation.html": True,
    "news/2019/12/ashcombe-school-committee-backs-budget.html": False,
    "news/2020/01/storm-drops-up-to-11-inches-on-south-shore.html": False,
}


@pytest.mark.parametrize("path,relevant", FIXTURE_PAGES.items())
def test_fixture_pages_as_extracted(path, relevant):
    article = extract_article((SITE / path).read_bytes(), f"http://127.0.0.1/{path}")
    kind = "press_release" if path.startswith("gov/") else "news"
    assert score_relevance(article.title, article.text, item_kind=kind).relevant is relevant


IRRELEVANT = Relevance(0.1, False, ["negative: hiring 'hiring event' (title)"])
RELEVANT = Relevance(0.9, True, ["arrest count: '19 individuals'"])


@pytest.mark.parametrize("mode,relevance,decision", [
    ("keep_all", IRRELEVANT, "store"), ("keep_all", RELEVANT, "store"),
    ("relevant_only", IRRELEVANT, "drop"), ("relevant_only", RELEVANT, "store"),
    ("mark", IRRELEVANT, "store_marked"), ("mark", RELEVANT, "store"),
])
def test_decide_per_mode(mode, relevance, decision):
    assert mode in RELEVANCE_MODES
    assert decide(mode, relevance) == decision


def test_decide_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="unknown relevance mode 'everything'"):
        decide("everything", RELEVANT)
