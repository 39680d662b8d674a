"""The arrest count a story reports (issue 18 item 2): custody and detention wordings, one person
arrested, parts that add up, a body total over a title subset, targets that are not results, a
national figure beside the story's own."""

import pytest

from monitor.intel.facts import extract_facts, headline_count


def count(text: str, title: str | None = None) -> int | None:
    return headline_count(extract_facts(text, title=title), "arrests")


@pytest.mark.parametrize("text,expected", [
    ("Federal agents took 244 people into custody during the four-day operation.", 244),
    ("Agents took 28 suspected members of a street gang into custody on Thursday.", 28),
    ("The operation led to the detention of 475 workers at the plant.", 475),
    ("A search warrant at the site led to 475 detentions, officials said.", 475),
    ("Close to 550 people have now been arrested in the operation.", 550),
    ("At least 13 people had been arrested by Wednesday in the operation.", 13),
    ("The number of people arrested has climbed past 130, the department said.", 130),
    ("Officials said 28 members and associates of the gang were taken into custody.", 28),
    ("Nearly half of the 1,461 people U.S. Immigration and Customs Enforcement arrested had no record.", 1461),
])
def test_custody_and_detention_wordings_are_counts(text, expected):
    assert count(text) == expected


@pytest.mark.parametrize("text", [
    "Officers stopped the car on Route 9. The driver was arrested and handed over to investigators.",
    "Officers arrested a 38-year-old man on Nov. 3 in Brockton.",
    "The pedestrian was taken into custody and turned over to Homeland Security Investigations.",
])
def test_a_single_arrest_is_one(text):
    assert count(text) == 1


def test_a_single_arrest_in_the_title_is_one_beside_an_earlier_sweeps_count():
    text = ("One of the defendants was arrested Monday. Twenty-eight defendants were arrested "
            "on the day of the sweep in August.")
    assert count(text, title="Fugitive in gang case arrested in Riverside County") == 1


def test_an_arrest_dated_to_a_past_year_is_background():
    assert count("He pleaded guilty on Tuesday. He was arrested in June 2022 after a long inquiry.") is None


@pytest.mark.parametrize("text,expected", [
    ("Two men and sixteen women were arrested at the spa on Friday.", 18),
    ("The sting ended with sixty-one men and one woman arrested on suspicion of soliciting.", 62),
    ("The task force arrested 61 men and one woman for soliciting prostitution.", 62),
])
def test_parts_that_add_up_are_summed(text, expected):
    assert count(text) == expected


def test_more_arrests_on_top_of_a_count_are_added_to_it():
    text = ("The sting ended with sixty-one men and one woman arrested on suspicion of soliciting. "
            "Two more men were arrested on other counts, the department said.")
    assert count(text) == 64


@pytest.mark.parametrize("text,expected", [
    # "more than" compares, it adds nothing
    ("Agents arrested 1,157 people, 37 more than the 1,120 it announced.", 1157),
    # a hedged count is no base to add to
    ("Nearly 200 people were arrested. Four more were arrested on Friday.", 200),
    # a count a page further on is another part of the story
    ("Agents arrested 40 people on Monday. " + "The hearings will take months. " * 12 +
     "Two more people were arrested in another state.", 40),
])
def test_more_adds_only_to_an_exact_count_just_stated(text, expected):
    assert count(text) == expected


def test_a_body_total_beats_a_title_subset():
    text = ("Federal agents arrested 370 people across Massachusetts over six days, and 205 of them "
            "had significant criminal convictions, the agency said.")
    assert count(text, title="ICE arrests 205 with criminal records in Massachusetts sweep") == 370


@pytest.mark.parametrize("text", [
    "Officials said the operation was expected to hit 1,500 arrests by the end of the month.",
    "Agents were sent to find and detain some 800 people, according to a memo.",
    "The White House set a goal of 3,000 arrests a day nationwide.",
])
def test_targets_and_expectations_are_not_results(text):
    assert count(text) is None


def test_a_national_figure_is_not_a_state_operations_count():
    title = "Florida's Tidal Wave arrests come as ICE touts 66,463 arrests nationwide in 100 days"
    text = ("ICE said it had arrested 66,463 people nationwide in 100 days. In Florida alone, officers "
            "arrested 780 people in the first four days of Operation Tidal Wave.")
    assert count(text, title=title) == 780


def test_a_national_figure_alone_is_the_storys_count():
    assert count("The DEA said its surge led to 810 arrests nationwide over eight weeks.") == 810


def test_a_story_whose_count_is_national_is_about_no_one_state():
    from monitor.intel.facts import primary_state
    text = ("TAMPA — Federal drug agents arrested 810 people across the country in an eight-week crackdown, "
            "the DEA said Thursday, and officials in Florida said the state was among the hardest hit.")
    assert primary_state(extract_facts(text, title="810 arrested in national fake-pill crackdown")) is None


def test_a_state_story_citing_a_national_count_keeps_its_state():
    from monitor.intel.facts import primary_state
    text = ("ABINGDON, Va. — A federal grand jury in Virginia has indicted three people on charges of selling "
            "counterfeit pills in Virginia, court records show. Prosecutors filed the case in Abingdon after a "
            "long investigation by local and federal agents into a ring that sold pills at truck stops along "
            "the interstate, they said. The three are due in court in Abingdon next week, and their lawyers said they would plead not guilty.\n\nThe indictments came a week after the DEA said 810 people had been "
            "arrested nationwide in its crackdown.")
    assert primary_state(extract_facts(text)) == "VA"


def test_a_national_count_cited_further_down_is_not_the_storys_count():
    text = ("ABINGDON, Va. — A federal grand jury has indicted three people on charges of selling counterfeit "
            "pills, court records show. Prosecutors filed the case after a long investigation by local and "
            "federal agents into a ring that sold pills at truck stops along the interstate, they said, and "
            "the defendants will appear in court next week. Their lawyers said they would plead not guilty and asked for bail.\n\nThe indictments came a week after the DEA said "
            "810 people had been arrested nationwide in its crackdown.")
    assert count(text) is None


@pytest.mark.parametrize("text", [
    "The name recalls Operation Patriot, the May operation that U.S. Immigration and Customs Enforcement "
    "said led to nearly 1,500 arrests across the state.",
    "DHS confirmed a new operation in the state a few months after the May operation's 1,500 arrests.",
])
def test_a_count_of_an_earlier_operation_named_by_its_time_is_context(text):
    assert count(text) is None


def test_a_hedged_title_below_a_figure_stands_for_a_close_exact_count_only():
    assert count("ICE said it arrested 1,461 people in May.", title="ICE arrests nearly 1,500 in May") == 1461
    assert count("Agents made close to 400 apprehensions, he said. A document showed 370 arrests in the first "
                 "week.", title="Commander says close to 400 apprehended") == 400


def test_a_city_after_of_a_is_a_place():
    from monitor.intel.facts import primary_state
    facts = extract_facts("Agents took 28 suspected members of a Los Angeles street gang into custody on Thursday.")
    assert primary_state(facts) == "CA"


@pytest.mark.parametrize("text", [
    "ICE detained 49% of the people it arrested in the state.",
    "Agents detained 49 percent of those they stopped.",
])
def test_a_share_holds_no_count_in_its_digits(text):
    # "49%" is no count, and neither is its first digit
    assert count(text) is None
