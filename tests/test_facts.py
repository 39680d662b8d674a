"""Facts with spans: counts, durations, date ranges, places, nationalities, agencies, operations,
seizures and charge types, each read from the exact text it quotes."""

from pathlib import Path

import pycountry
import pytest

from monitor.extract import extract_article
from monitor.intel.facts import (DEMONYMS, EXTRACTOR_VERSION, KINDS, Fact, extract_facts, headline_count,
                           merged_nationalities, parse_number, primary_state)
from monitor.desk.static_site import SAMPLE_SITE

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "tests" / "fixtures" / "seed" / "000_e6764a2a34d389f4.txt"  # from ../shared/seed
SEED_PAGE = SAMPLE_SITE / "news" / "2019" / "11" / "ice-arrests-19-in-massachusetts.html"
SEED_TITLE = "ICE arrests 19 in Massachusetts during 4-day operation"
SEED_NATIONALITIES = {"BS": 1, "BR": 4, "CV": 4, "DO": 6, "FR": 1, "GT": 1, "HT": 2}


def of(facts: list[Fact], kind: str) -> list[Fact]:
    return [f for f in facts if f.kind == kind]


def values(facts: list[Fact], kind: str) -> set:
    return {f.value for f in of(facts, kind)}


def counts(facts: list[Fact], kind: str) -> set:
    return {f.count for f in of(facts, kind)}


def assert_seed_facts(facts: list[Fact]) -> None:
    arrests = of(facts, "arrests")
    assert {(f.count, f.qualifier) for f in arrests} == {(19, "exact")}
    assert headline_count(facts) == 19
    assert counts(facts, "duration") == {4}
    assert primary_state(facts) == "MA"
    assert merged_nationalities(facts) == SEED_NATIONALITIES
    assert {"ICE", "U.S. Marshals"} <= values(facts, "agency")
    places = {(f.value, f.code) for f in of(facts, "place")}
    assert {("Brockton", "MA"), ("Massachusetts", "MA")} <= places


def test_seed_story_gives_its_facts():
    text = SEED.read_text(encoding="utf-8").rstrip()
    text = text[:text.rfind("\n")].rstrip()  # the last line is the page's contact form, not the story
    assert_seed_facts(extract_facts(text, published="2019-11-06"))


def test_seed_page_through_the_extractor_gives_the_same_facts():
    article = extract_article(SEED_PAGE.read_bytes(), "http://127.0.0.1/news/2019/11/ice-arrests-19-in-massachusetts.html")
    facts = extract_facts(article.text, title=article.title, published=article.published)
    assert_seed_facts(facts)
    assert {f.field for f in facts} == {"title", "text"}


@pytest.mark.parametrize("phrase,value", [
    ("19", 19), ("1,406", 1406), ("nineteen", 19), ("Twenty-one", 21), ("two hundred and five", 205),
    ("a dozen", 12), ("two dozen", 24), ("1.5 million", 1_500_000), ("Fifty-one", 51), ("purple", None),
])
def test_parse_number_reads_digits_and_words(phrase, value):
    assert parse_number(phrase) == value


@pytest.mark.parametrize("text,count,qualifier", [
    ("Officers arrested 19 individuals in Boston.", 19, "exact"),
    ("Nearly 1,500 people were arrested in the state.", 1500, "approximate"),
    ("Agents arrested more than 600 people during the sweep.", 600, "at_least"),
    ("The sting led to the arrests of nineteen people.", 19, "exact"),
    ("ICE reported 1,406 arrests in Massachusetts.", 1406, "exact"),
    ("Eight of the defendants were arrested Tuesday.", 8, "exact"),
])
def test_arrest_counts_in_digits_or_words_with_their_qualifier(text, count, qualifier):
    assert [(f.count, f.qualifier) for f in of(extract_facts(text), "arrests")] == [(count, qualifier)]


@pytest.mark.parametrize("text", [
    "ICE said 27 of those arrested had prior criminal convictions.",
    "Mexican nationals made up the largest group, with 402 arrests.",
    "Officers arrested four more people in follow-up actions.",
])
def test_subsets_ages_dates_and_increments_are_not_arrest_totals(text):
    assert of(extract_facts(text), "arrests") == []


def test_charge_counts_are_people_charged():
    facts = extract_facts("A federal grand jury returned an indictment charging 12 people. Six of the men face "
                          "state charges.")
    assert counts(facts, "charges") == {12, 6}


def test_headline_count_prefers_the_body_figure_behind_an_approximate_title():
    facts = extract_facts("Agents arrested 1,461 people in May.", title="Nearly 1,500 arrested in sweep")
    assert headline_count(facts) == 1461


def test_headline_count_prefers_a_revised_total():
    facts = extract_facts("ICE first announced 19 arrests. Officers arrested four more people, raising the total "
                          "number of arrests to 23.")
    assert headline_count(facts) == 23


def test_headline_count_prefers_the_title_count():
    facts = extract_facts("ICE first announced 19 arrests on Nov. 6.", title="Operation arrests rise to 23")
    assert headline_count(facts) == 23


@pytest.mark.parametrize("text,days,value", [
    ("a four-day operation", 4, "P4D"), ("during a 6-day sweep", 6, "P6D"), ("a two-week undercover operation", 14, "P2W"),
    ("a month-long operation", 30, "P1M"), ("a 14-month investigation", 420, "P14M"), ("officers worked for 31 days", 31, "P31D"),
])
def test_durations_in_days(text, days, value):
    assert [(f.count, f.value) for f in of(extract_facts(text), "duration")] == [(days, value)]


def test_a_sentence_is_not_a_duration():
    assert of(extract_facts("He was sentenced to 46 months in prison and may remain for up to six months."),
              "duration") == []


@pytest.mark.parametrize("text,published,value", [
    ("The operation ran from Sept. 4 to Sept. 30.", "2023-10-03", "2023-09-04/2023-09-30"),
    ("Officers arrested 1,012 people during May.", "2023-06-05", "2023-05-01/2023-05-31"),
    ("An enforcement surge from Dec. 28 to Jan. 3 ended.", "2024-01-05", "2023-12-28/2024-01-03"),
    ("A five-day operation that ended March 11 netted 34 arrests.", "2022-03-15", "2022-03-07/2022-03-11"),
    ("The arrests were made between Nov. 8 and Nov. 12.", "2019-11-14", "2019-11-08/2019-11-12"),
])
def test_date_ranges_take_the_year_from_publication(text, published, value):
    assert values(extract_facts(text, published=published), "date_range") == {value}


def test_a_single_past_month_or_two_dates_are_not_an_operation_period():
    text = "He was released in March despite a detainer. Twelve people were arrested on Oct. 30 and Oct. 31."
    assert of(extract_facts(text, published="2019-11-06"), "date_range") == []


def test_precise_range_replaces_the_month_it_falls_in():
    facts = extract_facts("The operation ran from Sept. 4 to Sept. 30.", title="ICE arrests 987 in September operation",
                          published="2023-10-03")
    assert values(facts, "date_range") == {"2023-09-04/2023-09-30"}


def test_city_with_ap_state_abbreviation():
    facts = extract_facts("A Cape Verde national was arrested in Brockton, Mass. on Sunday.")
    assert {(f.value, f.code, f.qualifier) for f in of(facts, "place")} == {
        ("Brockton", "MA", "city"), ("Massachusetts", "MA", "state")}


def test_ambiguous_city_is_resolved_by_the_state_of_the_story():
    facts = extract_facts("Officers made arrests across Massachusetts, in Lawrence and Springfield.")
    assert {(f.value, f.code) for f in of(facts, "place")} >= {("Lawrence", "MA"), ("Springfield", "MA")}


def test_dateline_is_a_place_and_weighs_on_the_primary_state():
    facts = extract_facts("NEWARK, N.J. — Officers arrested 34 people. Some had lived in New York.")
    dateline = [f for f in of(facts, "place") if f.qualifier == "dateline"]
    assert {(f.value, f.code) for f in dateline} == {("Newark", "NJ"), ("New Jersey", "NJ")}
    assert primary_state(facts) == "NJ"


def test_state_inside_an_agency_name_is_not_a_place():
    facts = extract_facts("The Nebraska State Patrol and the Grand Island Police Department assisted in Grand Island.")
    assert ("Nebraska", "NE") not in {(f.value, f.code) for f in of(facts, "place")}
    assert ("Grand Island", "NE") in {(f.value, f.code) for f in of(facts, "place")}


def test_part_of_a_longer_name_is_not_the_city():
    facts = extract_facts("The men were arrested at a motel near Union Gap, in the Merrimack Valley.")
    assert of(facts, "place") == []


def test_county_is_resolved_by_the_story_state():
    facts = extract_facts("He was convicted in Essex County. ICE arrested him in Lawrence, Massachusetts.")
    assert ("Essex County", "MA") in {(f.value, f.code) for f in of(facts, "place")}


@pytest.mark.parametrize("text,expected", [
    ("Those arrested are citizens of Bahamas (1), Brazil (4) and Cape Verde (4).", {"BS": 1, "BR": 4, "CV": 4}),
    ("six from the Dominican Republic, four each from Brazil and Cape Verde, and one apiece from France and Haiti",
     {"DO": 6, "BR": 4, "CV": 4, "FR": 1, "HT": 1}),
    ("There were also 205 Hondurans and 199 Guatemalans among those arrested.", {"HN": 205, "GT": 199}),
    ("In the case of a Cape Verde national who was arrested in Brockton", {"CV": 1}),
    ("Two hundred and one of those detained are South Korean citizens.", {"KR": 201}),
    ("Mexican nationals made up the largest group, with 402 arrests.", {"MX": 402}),
    ("The workers were from Honduras, Guatemala and Ecuador.", {"HN": None, "GT": None, "EC": None}),
])
def test_nationalities_with_counts(text, expected):
    assert merged_nationalities(extract_facts(text)) == expected


def test_a_country_inside_a_city_name_is_no_nationality():
    assert merged_nationalities(extract_facts("Two are from Indianapolis; the drugs came from Mexico.")) == {}


def test_demonym_table_codes_are_iso_countries():
    unknown = {code for code in DEMONYMS.values() if pycountry.countries.get(alpha_2=code) is None}
    assert unknown == set()


@pytest.mark.parametrize("text,expected", [
    ("U.S. Immigration and Customs Enforcement Enforcement and Removal Operations (ERO) officers", {"ICE", "ICE ERO"}),
    ("Homeland Security Investigations special agents", {"ICE HSI", "ICE"}),
    ("Border Patrol agents and the Drug Enforcement Administration", {"Border Patrol", "CBP", "DEA"}),
    ("the U.S. Marshals Service and the Diplomatic Security Service", {"U.S. Marshals", "Diplomatic Security"}),
    ("Worcester police and the Massachusetts State Police", {"local police", "state police"}),
    ("officials of the Colombian National Police", set()),
])
def test_agencies_are_normalised(text, expected):
    assert values(extract_facts(text), "agency") == expected


def test_operation_names_keep_their_version():
    facts = extract_facts("Operation Patriot 2.0 followed Operation Patriot, ICE said.")
    assert values(facts, "operation") == {"Operation Patriot 2.0", "Operation Patriot"}


def test_seizures_need_a_seizure_verb():
    facts = extract_facts("CBP officers found 114 pounds of fentanyl and seized $140,000 in cash. Possession of "
                          "400 grams or more of fentanyl carries ten years. He was charged with trafficking 36 grams "
                          "of fentanyl.")
    assert {(f.count, f.code, f.value) for f in of(facts, "seizure")} == {(114, "lb", "fentanyl"),
                                                                         (140000, "USD", "cash")}


def test_charge_types():
    facts = extract_facts("convictions for illegal re-entry, possession with intent to distribute cocaine, and "
                          "attempted enticement of a minor; workers complained of wage theft")
    assert values(facts, "charge") == {"illegal reentry", "drug trafficking", "child exploitation"}


@pytest.mark.parametrize("text", ["Officers arrested a man for drunk driving on Route 9.",
                                  "He faces a drunken driving charge.", "She was charged with DUI."])
def test_drunk_driving_is_dui(text):
    assert values(extract_facts(text), "charge") == {"DUI"}


def test_every_quote_is_the_text_at_its_span():
    title = "ICE arrests 19 in Massachusetts during 4-day operation"
    text = ("BOSTON — ERO Boston arrested 19 people in Brockton, Mass. and Lawrence between Nov. 1 and Nov. 4.\n\n"
            "Those arrested are citizens of Brazil (4) and Haiti (2). Officers seized 2 kilograms of fentanyl.")
    facts = extract_facts(text, title=title, published="2019-11-06")
    assert {f.kind for f in facts} >= {"arrests", "place", "nationality", "agency", "seizure", "date_range"}
    for f in facts:
        source = title if f.field == "title" else text
        assert source[f.start:f.end] == f.quote, f


def test_empty_and_wordless_text_give_no_facts():
    assert extract_facts("") == []
    assert extract_facts("!!! ??? ...", title="") == []


def test_kinds_and_version_are_declared():
    assert EXTRACTOR_VERSION
    facts = extract_facts("ICE arrested 19 people in Boston, Mass. during a four-day operation.")
    assert {f.kind for f in facts} <= set(KINDS)


def test_absurd_numbers_are_no_counts():
    text = "Agents arrested " + "9" * 400 + " people and seized $" + "9" * 500 + " in cash. Brazil (" + "9" * 50 + ")"
    facts = extract_facts(text)
    assert of(facts, "arrests") == [] and of(facts, "seizure") == [] and of(facts, "nationality") == []


def test_patterns_tried_only_at_number_openings_find_what_a_full_scan_finds():
    # monitor.intel.facts.finditer skips the positions where no "qualifier + number" opening can match;
    # on every labelled story and the seed it must give exactly the matches of re's own finditer
    import re

    from monitor.intel.facts import FAMILIES, numbers

    texts = [SEED.read_text(encoding="utf-8"), SEED_TITLE]
    texts += [path.read_text(encoding="utf-8") for path in sorted((REPO / "tests" / "intel").rglob("*.txt"))]
    patterns = [r.pattern for family in FAMILIES for r in family.RULES]
    patterns += [value for family in FAMILIES for value in vars(family).values() if isinstance(value, re.Pattern)]
    anchored = [p for p in patterns if p.pattern.startswith(numbers._OPENINGS)]
    assert len(anchored) >= 10 and len(texts) >= 30
    for pattern in patterns:
        for text in texts:
            fast = [(m.span(), m.groupdict()) for m in numbers.finditer(pattern, text)]
            assert fast == [(m.span(), m.groupdict()) for m in pattern.finditer(text)], pattern.pattern[:80]


def test_the_guard_of_the_opening_scan_keeps_every_position():
    # _OPENING's first lookahead ("a word starts, or an 'a', or a digit") only rejects positions
    # quickly; the positions must be those of the second lookahead alone, also where an article
    # ends a word ("Rayan 12"), a numeral follows letters or "$", digits are not ASCII, or a letter
    # folds to ASCII only under re.IGNORECASE ("ſome" is "some")
    import re

    from monitor.intel.facts import numbers as facts

    guard = r"(?=\b\w|a|\d)"
    assert facts._OPENING.pattern.startswith(guard)
    unguarded = re.compile(facts._OPENING.pattern[len(guard):], re.I)
    texts = ["Rayan 12 men", "COVID19 and A19", "$5, 1,406 and 3.5", "\u0661\u0662 arrests",
             "ſome 40 and nearly a dozen", "an estimated two hundred and five", "_twenty one",
             "up to 30, more than  twenty-one, at least an 8", "KAN 7 ıt İn 9", "x" * 50 + "a 1"]
    texts += [SEED.read_text(encoding="utf-8"), SEED_TITLE]
    texts += [path.read_text(encoding="utf-8") for path in sorted((REPO / "tests" / "intel").rglob("*.txt"))]
    for text in texts:
        assert facts._opening_positions(text) == tuple(m.start() for m in unguarded.finditer(text)), text[:40]


def test_agencies_skipped_by_their_words_are_exactly_those_that_cannot_match():
    # an agency's pattern is tried only on a text holding one of its words (read from the pattern):
    # wherever the words are missing the pattern must find nothing, on every labelled story, fixture
    # page, the seed, and each spelling the patterns know (every named agency must be seen to match)
    import re

    from monitor.intel.facts import agencies

    spellings = ["Enforcement and Removal Operations", "ERO", "Homeland Security Investigations", "HSI",
                 "Immigration and Customs Enforcement", "ICE", "Border Patrol", "USBP",
                 "Customs and Border Protection", "CBP", "Federal Bureau of Investigation", "FBI",
                 "Drug Enforcement Administration", "DEA", "ATF",
                 "Bureau of Alcohol, Tobacco, Firearms and Explosives",
                 "Bureau of Alcohol, Tobacco, Firearms, and Explosives", "U.S. Marshals Service",
                 "United States marshal", "Marshals Service", "USMS", "deputy U.S. marshals",
                 "Diplomatic Security Service", "DSS", "Coast Guard", "USCG", "U.S. Attorney's Office",
                 "United States Attorney", "USAO", "Department of Justice", "Justice Department", "DOJ",
                 "Department of Homeland Security", "DHS"]
    texts = [SEED.read_text(encoding="utf-8"), SEED_TITLE, *spellings]
    texts += [path.read_text(encoding="utf-8") for path in sorted((REPO / "tests" / "intel").rglob("*.txt"))]
    texts += [re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8", errors="replace"))
              for path in sorted((REPO / "tests" / "fixtures").rglob("*.html"))]
    named = {r.name for r in agencies.RULES} - {"state police", "local police"}
    assert all(r.words for r in agencies.RULES)
    found = set()
    for text in texts:
        for r in agencies.RULES:
            if r.pattern.search(text):
                found.add(r.name)
                assert any(word in text for word in r.words), (r.name, text[:60])
    assert found >= named


def test_charge_types_skipped_by_their_words_are_exactly_those_that_cannot_match():
    # a charge type is searched only in a field holding one of its words (read from its pattern); on
    # every labelled story, fixture page text and the seed, it must find what a full search finds
    import re

    from monitor.intel.facts import Field, charge_types

    def full_search(text):
        found = [(r.name, r.pattern.search(text)) for r in charge_types.RULES]
        return sorted(((name, m.start(), m.end()) for name, m in found if m), key=lambda f: f[1])

    texts = [SEED.read_text(encoding="utf-8"), SEED_TITLE]
    texts += [path.read_text(encoding="utf-8") for path in sorted((REPO / "tests" / "intel").rglob("*.txt"))]
    texts += [re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8", errors="replace"))
              for path in sorted((REPO / "tests" / "fixtures").rglob("*.html"))]
    assert all(r.words for r in charge_types.RULES)
    matched = set()
    for text in texts:
        expected = full_search(text)
        assert [(f.value, f.start, f.end) for f in charge_types.charge_type_facts(Field(text, "text"))] == expected
        matched |= {name for name, _, _ in expected}
    assert len(matched) >= 8 and len(texts) >= 30
    # "ſ" matches "s" under re.IGNORECASE but lower-cases to itself: nothing is skipped then
    odd = "Charged with human \u017fmuggling and DUI."
    assert [f.value for f in charge_types.charge_type_facts(Field(odd, "text"))] == ["human smuggling", "DUI"]


def test_nationality_patterns_skipped_by_their_words_are_exactly_those_that_cannot_match(monkeypatch):
    import dataclasses

    from monitor.intel.facts import Field, nationalities

    texts = [SEED.read_text(encoding="utf-8"), SEED_TITLE, "Three citizens of Mexico were held.",
             "Nationals of Honduras made up the largest group, with 12."]
    texts += [path.read_text(encoding="utf-8") for path in sorted((REPO / "tests" / "intel").rglob("*.txt"))]
    skipping = [nationalities.nationality_facts(Field(text, "text")) for text in texts]
    assert sum(1 for r in nationalities.RULES if r.words) >= 5
    monkeypatch.setattr(nationalities, "RULES", [dataclasses.replace(r, words=None) for r in nationalities.RULES])
    assert skipping == [nationalities.nationality_facts(Field(text, "text")) for text in texts]
    assert sum(1 for found in skipping if found) >= 10


def test_every_kind_has_one_extractor_in_the_order_of_kinds():
    from monitor.intel.facts import EXTRACTORS

    assert tuple(EXTRACTORS) == KINDS


def test_every_family_reads_through_one_table_of_named_rules():
    from monitor.intel.facts import FAMILIES, Rule

    for family in FAMILIES:
        assert family.RULES and all(isinstance(r, Rule) and r.name and r.kind in KINDS for r in family.RULES)
        names = [(r.kind, r.name) for r in family.RULES]
        assert len(names) == len(set(names)), family.__name__


def test_required_words_are_the_text_every_match_contains():
    import re

    from monitor.intel.facts import required_words

    assert required_words(re.compile(r"\bEnforcement and Removal Operations\b|\bERO\b")) == \
        ("ERO", "Enforcement and Removal Operations")
    # a group of literals and an optional letter: the plain literal stretch is enough (re's parser
    # factors out the "U" both branches start with)
    assert required_words(re.compile(r"\b(?:U\.S\.|United States) [Mm]arshals?\b|\bUSMS\b")) == ("SMS", "arshal")
    # case-insensitive parts give words only for the lower-cased text
    assert required_words(re.compile(r"\bfraud\b", re.I)) is None
    assert required_words(re.compile(r"\bFRAUD\b", re.I), lower=True) == ("fraud",)
    assert required_words(re.compile(r"(?i:citizens|nationals)\s+of"), lower=True) == ("citizens", "nationals")
    # nothing every match must contain, or only words too short to filter anything
    assert required_words(re.compile(r"[A-Z][a-z]+ Police|\d+")) is None
    assert required_words(re.compile(r"ab?c|de")) is None
