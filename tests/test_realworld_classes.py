"""Error classes found on the real-world development set (issue 18 items 3 and 4), each pinned on
sentences written here: shares and statistics are no operation, a negative word in passing does
not sink a story that reports arrests, junk pages are no articles, an operation named without
the word Operation ("the surge known as Patriot 2.0") is still named."""

from monitor.extract import NOT_ARTICLE_REASONS, extract_article_with_reason
from monitor.intel.facts import extract_facts
from monitor.intel.relevance import score_relevance

# --- relevance: shares, statistics pages, annual reports -------------------------------------


def test_a_percentage_is_not_read_as_an_arrest_count():
    rel = score_relevance("Agency detained 38% of the people it arrested last winter",
                          "An analysis of booking records found the agency kept 38 percent of the roughly "
                          "52,000 people it picked up in custody for more than a week.")
    assert not any(reason.startswith("arrest count") for reason in rel.reasons), rel.reasons
    assert not rel.relevant


def test_a_data_analysis_of_arrests_is_not_relevant():
    rel = score_relevance("Arrests of people without records rose in Ohio",
                          "Arrests of people with no criminal history rose sharply in the spring, according to "
                          "federal data obtained by a research group. More than 6,200 arrests were recorded "
                          "in the state since January, and 41 percent of them involved no charge at all.")
    assert not rel.relevant
    assert any(reason.startswith("negative: statistics") for reason in rel.reasons), rel.reasons


def test_an_annual_report_with_big_arrest_totals_is_not_relevant():
    rel = score_relevance("Border agency publishes fiscal year 2023 enforcement statistics",
                          "The agency said its officers arrested 41,870 people in fiscal year 2023 and seized "
                          "more than 3,100 firearms. On average, officers made 115 arrests a day. The full "
                          "annual report is on the agency's website.")
    assert not rel.relevant


def test_a_count_over_a_fiscal_year_is_no_arrest_count():
    rel = score_relevance(None, "Deputies arrested 9,412 fugitives in fiscal year 2022, the office said.")
    assert not any(reason.startswith("arrest count") for reason in rel.reasons), rel.reasons


def test_statistics_about_one_operation_stay_relevant():
    rel = score_relevance("Half of those held in the June sweep had no record, data show",
                          "Of the 640 people arrested during the June sweep in Nevada, 51 percent had no "
                          "criminal record, according to agency data released Monday.")
    assert rel.relevant, rel.reasons


# --- relevance: negative words in passing ----------------------------------------------------


def test_statistics_in_the_title_of_an_operation_story_does_not_sink_it():
    rel = score_relevance("Governor questions agency statistics as Denver arrests top 300",
                          "Federal agents have arrested more than 300 people in the Denver area since the "
                          "operation began two weeks ago, the department said.")
    assert rel.relevant, rel.reasons


def test_granting_the_press_access_is_not_a_grant():
    rel = score_relevance("Agency will grant the press access to Tacoma center after 57 arrests",
                          "Immigration officers arrested 57 people in a three-day operation around Tacoma, "
                          "the agency said, adding that it would grant reporters a tour next week.")
    assert not any("grants" in reason for reason in rel.reasons), rel.reasons
    assert rel.relevant


def test_a_funding_grant_is_still_a_negative_cue():
    rel = score_relevance("Sheriff's office receives state grant for body cameras",
                          "The office will use the $400,000 grant to buy cameras for its deputies.")
    assert any(reason.startswith("negative: grants") for reason in rel.reasons), rel.reasons
    assert not rel.relevant


def test_a_forum_mentioned_in_passing_does_not_sink_an_arrest_story():
    rel = score_relevance("Police arrest 14 in Elm Street drug sting",
                          "Police arrested 14 people in an undercover drug sting on Elm Street, the chief said. "
                          "Residents had raised the corner's dealing at a community forum last month.")
    assert rel.relevant, rel.reasons


# --- relevance: court rulings on a law or a policy -------------------------------------------


def test_a_court_ruling_on_a_state_law_is_not_relevant():
    rel = score_relevance("Judge extends block on Iowa's new reentry law",
                          "A federal judge on Monday extended her order blocking the state from enforcing the "
                          "law. Lawyers for the plaintiffs said some people had been arrested under it before "
                          "the first order.")
    assert not rel.relevant, rel.reasons


def test_a_ruling_that_names_an_operation_in_passing_is_not_relevant():
    rel = score_relevance("Judge limits agents' use of tear gas near Portland facility",
                          "The temporary restraining order bars agents from firing chemical agents at reporters "
                          "who cover the enforcement operation the government calls Operation Pine Shield.")
    assert not rel.relevant, rel.reasons


# --- junk pages: galleries, forum threads, search and tag pages are not articles -------------

def _page(title: str, paragraphs: list[str], *, published: str | None = None) -> bytes:
    """A plain news page: its paragraphs are not links (as galleries and result pages often are)."""
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{meta}</head>'
            f'<body><header><a href="/">The Lakeside Gazette</a></header><main><article><h1>{title}</h1>'
            f"<div>{body}</div></article></main><footer><p>Lakeside Gazette</p></footer></body></html>").encode()


GALLERY = [f"Photo {n} of 9: {caption}" for n, caption in enumerate([
    "Marchers carry a long banner across the Harbor Street bridge on Sunday afternoon.",
    "A drummer keeps time for the crowd outside the federal building downtown.",
    "Two sisters hold hand-painted signs in front of the courthouse steps.",
    "Volunteers pass out rain ponchos as the weather turns in the late afternoon.",
    "A police officer directs traffic around the rally near the train station."], start=1)]
THREAD = [f"Reply #{n} — posted by {who}: {post}" for n, (who, post) in enumerate([
    ("riverrat", "Anyone else see the white vans on Fourth Avenue this morning near the bakery?"),
    ("gardener22", "Yes, two of them, parked by the school for about an hour before they left."),
    ("modteam", "Please keep this thread to things you saw yourself and do not post plates."),
    ("riverrat", "Fair enough. I only saw them from the bus window so I cannot say more than that.")], start=12)]
TEASERS = ["Deputies arrest three after a chase on Route 9 ends in a field. Oct. 3, 2025. Crime",
           "School board delays vote on the new bus contract again. Oct. 2, 2025. Education",
           "Harbor cleanup draws record turnout of volunteers on a windy day. Sept. 30, 2025. Community",
           "County opens a second cooling center as the heat wave continues. Sept. 28, 2025. Weather",
           "Local bakery celebrates fifty years with free bread for its neighbours. Sept. 25, 2025. Business"]


def test_a_photo_gallery_of_numbered_captions_is_not_an_article():
    article, reason = extract_article_with_reason(_page("Photos: Sunday's march downtown", GALLERY),
                                                  "https://gazette.example/photos/march")
    assert (article, reason) == (None, "gallery")


def test_a_forum_thread_of_numbered_posts_is_not_an_article():
    article, reason = extract_article_with_reason(_page("Vans on Fourth Avenue? (page 2)", THREAD),
                                                  "https://boards.example/t/4411/page-2")
    assert (article, reason) == (None, "forum")


def test_a_tag_page_of_unlinked_dated_teasers_is_not_an_article():
    article, reason = extract_article_with_reason(_page("Tag: Local news", TEASERS),
                                                  "https://gazette.example/tag/local-news")
    assert (article, reason) == (None, "search-or-tag")


def test_a_search_page_that_counts_its_results_is_not_an_article():
    article, reason = extract_article_with_reason(
        _page("Lakeside Gazette", ["Showing 1 to 5 of 87 results for “harbor”", *TEASERS]),
        "https://gazette.example/search?q=harbor")
    assert (article, reason) == (None, "search-or-tag")


def test_an_article_with_dated_paragraphs_stays_an_article():
    paragraphs = ["Deputies arrested three men on Oct. 3, 2025, after a chase on Route 9 that ended in a "
                  "field near the county line, the sheriff's office said on Friday.",
                  "The men had been sought since Sept. 30, 2025, when a store on Main Street was robbed "
                  "shortly before closing, investigators said.",
                  "A fourth man, arrested on Sept. 25, 2025, in a related case, is due in court next week, "
                  "according to the district attorney's office."]
    article, reason = extract_article_with_reason(
        _page("Three arrested after Route 9 chase", paragraphs, published="2025-10-04T09:00:00-04:00"),
        "https://gazette.example/news/route-9-chase")
    assert reason == "" and article is not None


def test_every_new_reason_code_is_explained():
    assert {"search-or-tag", "gallery", "forum"} <= set(NOT_ARTICLE_REASONS)


# --- operation names without the word Operation ----------------------------------------------

def _operations(text: str, title: str | None = None) -> set[str]:
    return {f.value for f in extract_facts(text, title=title) if f.kind == "operation"}


def test_a_name_given_by_calls_after_an_operation_word_is_an_operation():
    text = "Agents arrested 212 people in the operation that the agency calls Northern Lights, officials said."
    assert _operations(text) == {"Operation Northern Lights"}


def test_a_name_known_as_after_a_surge_is_an_operation():
    assert _operations("The weeklong surge, known as Harbor Shield, ended on Friday with 97 arrests.") == {
        "Operation Harbor Shield"}


def test_a_name_keeps_its_possessive_and_inner_the():
    assert _operations("Prosecutors said the case grew from an investigation called Over the Hill, "
                       "and that the crackdown they call Nana's Kitchen is over.") == {
        "Operation Over the Hill", "Operation Nana's Kitchen"}


def test_calls_the_investigation_a_name_is_an_operation():
    assert _operations("The U.S. attorney's office, which called the investigation Dry Creek, said 31 "
                       "people were detained.") == {"Operation Dry Creek"}


def test_a_stop_after_an_abbreviation_does_not_end_the_sentence_before_the_name():
    assert _operations("Agents made 80 arrests during the operation U.S. Immigration and Customs "
                       "Enforcement calls Granite 3.0, the agency said.") == {"Operation Granite 3.0"}


def test_a_name_given_in_the_text_as_operation_is_not_doubled():
    assert _operations("The sweep, which officials called Operation Tall Pines, netted 40 arrests.") == {
        "Operation Tall Pines"}


def test_a_person_named_in_a_raid_story_is_no_operation():
    assert _operations("During the raid, agents arrested a man named Victor Reyes at the back door.") == set()


def test_a_naming_verb_without_an_operation_word_names_no_operation():
    assert _operations("Residents called Mayor Lopez after the arrests; neighbours know him as Big Ray.") == set()
