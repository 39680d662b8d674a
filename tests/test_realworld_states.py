"""The state a story is about (issue 18, the real-world set's state misses), pinned on sentences
written here: a dateline in a suburb across a state line loses to the operation's state when the
text ties the operation to a city and names that city's state; a city's short form ("South L.A.")
is a place without a cue word."""

from monitor.intel.facts import extract_facts, primary_state


def _state(text: str, title: str | None = None) -> str | None:
    return primary_state(extract_facts(text, title=title))


def test_an_operation_centered_across_the_state_line_keeps_its_state():
    text = ("HAMMOND, Ind. — A border official visited northwest Indiana on Monday to praise the "
            "enforcement operation centered on Chicago, which he said has made 2,100 arrests.\n\n"
            "Indiana troopers had joined the work on Indiana highways, he said, standing beside "
            "Indiana officials. Illinois leaders have asked the agents to leave.")
    assert _state(text, "In Hammond, official praises the Chicago operation") == "IL"


def test_a_dateline_story_about_its_own_state_keeps_the_dateline_state():
    # No operation tied to a city across the line: the Indiana dateline and text decide.
    text = ("HAMMOND, Ind. — Indiana State Police arrested 14 people on Indiana highways this week, "
            "troopers said, in a sweep of trucking stops near the Illinois line.")
    assert _state(text) == "IN"


def test_an_operation_centered_on_a_far_city_does_not_move_a_dateline():
    # Indianapolis is no suburb of Chicago: the dateline's state stands.
    text = ("INDIANAPOLIS, Ind. — Officials in Indiana said the operation centered on Chicago had "
            "not reached Indiana, where troopers made 9 arrests of their own. Illinois officials "
            "declined to comment.")
    assert _state(text) == "IN"


def test_a_short_form_after_a_compass_word_is_the_city():
    assert _state("Police took 19 people into custody in a sweep aimed at a street gang, officials said.",
                  "Agents arrest 19 in case against South L.A. crew") == "CA"


def test_a_short_form_alone_is_the_city():
    assert _state("Detectives said 6 people were arrested after a months-long L.A. investigation.") == "CA"


def test_two_letters_without_stops_are_not_los_angeles():
    # "LA" is Louisiana's postal code, not the short form.
    assert _state("Deputies in Baton Rouge, LA arrested 4 people on Friday.") == "LA"
