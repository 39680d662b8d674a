"""Operation names as real reports write them (issue 18 item 4): a title-case headline's capitals
are no name, "Patriot 2.0" is one without the word Operation, "the" inside a name is kept."""

import pytest

from monitor.intel.facts import extract_facts


def names(text: str, title: str | None = None) -> list[str]:
    return [f.value for f in extract_facts(text, title=title) if f.kind == "operation"]


@pytest.mark.parametrize("title", [
    "Border Patrol Operation Targets Criminal Migrants In Charlotte",
    "Florida Immigration Operation Results: 1,120 Arrests",
])
def test_title_case_headline_fragments_are_not_names(title):
    assert names("Agents arrested 81 people in the city this week.", title=title) == []


def test_a_title_case_headline_names_the_operation_its_text_names():
    assert names("ICE said Operation Patriot ran all of May.",
                 title="ICE Arrests 1,461 In Operation Patriot Across Massachusetts") == ["Operation Patriot"] * 2


def test_a_sentence_case_title_keeps_its_name():
    assert names("Agents made the arrests.", title="ICE arrests 1,406 in Operation Patriot 2.0") == \
        ["Operation Patriot 2.0"]


@pytest.mark.parametrize("text", [
    "The Patriot 2.0 operation began Monday across Massachusetts.",
    "ICE called the surge 'Patriot 2.0' in a statement.",
])
def test_a_versioned_name_is_an_operation_without_the_word(text):
    assert names(text) == ["Operation Patriot 2.0"]


def test_a_version_number_outside_an_operation_is_no_name():
    assert names("The office still runs Windows 3.1 on two computers.") == []


def test_the_inside_a_name_is_kept_and_two_names_stay_two():
    assert names("Operation Down the Rabbit Hole ended. Operation Patriot and Operation Tidal Wave ran.") == \
        ["Operation Down the Rabbit Hole", "Operation Patriot", "Operation Tidal Wave"]


@pytest.mark.parametrize("text,expected", [
    ("Deputies took part in Operation Reclaim and Rebuild, a statewide effort.", "Operation Reclaim and Rebuild"),
    ("It was part of the statewide Operation Reclaim and Rebuild campaign.", "Operation Reclaim and Rebuild"),
    ("The arrests came in Operation Safe and Sound.", "Operation Safe and Sound"),
])
def test_and_inside_a_name_is_kept_where_the_name_ends(text, expected):
    assert names(text) == [expected]


@pytest.mark.parametrize("text,expected", [
    ("Agents in Operation Midway Blitz and Chicago police clashed on Tuesday.", "Operation Midway Blitz"),
    ("The surge, Operation Patriot and Boston, drew protests.", "Operation Patriot"),
    ("Officers in Operation Patriot and ICE, the agency said.", "Operation Patriot"),
    ("Operation Patriot and Healey said nothing more.", "Operation Patriot"),
])
def test_and_before_a_place_an_acronym_or_a_sentence_goes_on_is_no_part_of_a_name(text, expected):
    assert names(text) == [expected]
