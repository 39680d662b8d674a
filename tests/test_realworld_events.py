"""Events as real coverage makes them (issue 18 items 1 and 6): undated items carry no date, an
event is not absorbed through one member, two seizures at one port stay apart, every agency
release is a release and the stories repeating its count are its coverage, in any arrival order."""

from monitor.intel.events import EventCandidate, EventSummary, absorb_events, group_events
from monitor.intel.facts import extract_facts


def item(item_id: str, kind: str, published: str | None, title: str, text: str) -> EventCandidate:
    return EventCandidate.from_text(item_id, kind, published, title, text,
                                    facts=extract_facts(text, title=title, published=published))


PEDESTRIAN = ("CBP officers find 19,800 fentanyl pills strapped to pedestrian's legs at Nogales port",
              "NOGALES, Ariz. — Officers at the Port of Nogales stopped a pedestrian carrying 19,800 fentanyl "
              "pills strapped to both legs. The pedestrian was taken into custody, Port Director Humphries said.")
TRUNK = ("Nogales officers seize 446,200 fentanyl pills hidden in car trunk",
         "NOGALES, Ariz. — Officers at the Port of Nogales found 446,200 fentanyl pills in the trunk of a car. "
         "The driver was arrested, Port Director Humphries said. A day earlier officers had stopped a "
         "pedestrian with 19,800 fentanyl pills.")


def test_two_seizures_at_one_port_a_day_apart_are_two_events():
    events = group_events([item("ped", "press_release", "2023-01-04T10:00:00-07:00", *PEDESTRIAN),
                           item("trunk", "press_release", "2023-01-05T10:00:00-07:00", *TRUNK)])
    assert sorted(e.item_ids for e in events) == [["ped"], ["trunk"]]


def test_a_rounded_figure_of_the_same_seizure_still_joins():
    story = item("news", "news", "2023-01-05T18:00:00-07:00", "Nogales: 450,000 fentanyl pills found in a trunk",
                 "NOGALES, Ariz. — Officers found about 450,000 fentanyl pills in a car trunk at the port, "
                 "Port Director Humphries said. The driver was arrested.")
    events = group_events([item("trunk", "press_release", "2023-01-05T10:00:00-07:00", *TRUNK), story])
    assert [sorted(e.item_ids) for e in events] == [["news", "trunk"]]


RELEASE = ("ICE arrests 1,461 in Massachusetts during Operation Patriot",
           "BOSTON — ICE arrested 1,461 people in Massachusetts during Operation Patriot in May, the agency said.")
STORY = ("Federal agents arrest 1,461 in Massachusetts in May",
         "BOSTON — Federal immigration agents arrested 1,461 people across Massachusetts in May, ICE said.")
LATER = ("ICE arrests 1,406 in Massachusetts during Operation Patriot 2.0",
         "BOSTON — ICE arrested 1,406 people in Massachusetts during Operation Patriot 2.0 in September.")


def test_coverage_of_a_release_is_coverage_whichever_arrives_first():
    for order in (["release", "story"], ["story", "release"]):
        event = EventSummary("e")
        parts = {"release": item("release", "press_release", "2025-06-02T13:00:00-04:00", *RELEASE),
                 "story": item("story", "news", "2025-06-02T18:00:00-04:00", *STORY)}
        for name in order:
            event.add(parts[name], "test")
        assert {m.item.item_id: m.role for m in event.members} == {"release": "release", "story": "coverage"}


def test_every_agency_release_of_an_event_is_a_release():
    event = EventSummary("e")
    event.add(item("first", "press_release", "2025-04-26T10:00:00-04:00", "ICE arrests 780 in Operation Tidal Wave",
                   "MIAMI — ICE and Florida partners arrested 780 people in Operation Tidal Wave."), "test")
    event.add(item("update", "press_release", "2025-05-01T10:00:00-04:00", "Operation Tidal Wave tops 1,120",
                   "MIAMI — Operation Tidal Wave arrests rose to 1,120, ICE said."), "test")
    assert [m.role for m in event.members] == ["release", "release"]
    assert event.release_id == "first"


def test_an_event_is_not_absorbed_through_one_member_when_another_names_another_operation():
    patriot = EventSummary("patriot")
    patriot.add(item("release", "press_release", "2025-06-02T13:00:00-04:00", *RELEASE), "test")
    other = EventSummary("other")
    other.add(item("later", "press_release", "2025-06-20T13:00:00-04:00", *LATER), "test")
    other.add(item("bridge", "news", "2025-06-03T18:00:00-04:00", *STORY), "test")
    assert absorb_events(patriot, [other]) == []
    assert patriot.item_ids == ["release"]


def test_an_undated_story_has_no_date_and_does_not_stretch_its_event():
    event = EventSummary("e")
    event.add(item("release", "press_release", "2025-06-02T13:00:00-04:00", *RELEASE), "test")
    event.add(item("undated", "news", None, *STORY), "test")
    assert (event.first_published, event.last_published) == ("2025-06-02T13:00:00-04:00",) * 2
    assert event.row()["operation_dates"] == "2025-05-01/2025-05-31"


def test_a_state_story_citing_a_national_operations_count_is_not_that_operation():
    release = item("dea", "press_release", "2021-09-30T10:00:00-04:00",
                   "DEA surge leads to 810 arrests nationwide",
                   "WASHINGTON — The DEA said its eight-week surge led to 810 arrests across the country and the "
                   "seizure of 1.8 million pills.")
    story = item("va", "news", "2021-10-06T10:00:00-04:00", "Three indicted in Virginia over counterfeit pills",
                 "ABINGDON, Va. — A federal grand jury in Virginia indicted three people on charges of selling "
                 "counterfeit pills at truck stops in Virginia, court records show. The three are due in court "
                 "in Abingdon next week, and their lawyers said they would plead not guilty to every count. "
                 "Prosecutors said the ring had sold thousands of pills since last spring, most of them at two "
                 "truck stops off the interstate, and that more charges could follow.\n\n"
                 "The case came days after the DEA reported 810 arrests nationwide and 1.8 million pills seized.")
    assert sorted(e.item_ids for e in group_events([release, story])) == [["dea"], ["va"]]


def test_an_operations_name_in_a_headline_without_the_word_operation_is_that_operation():
    from monitor.intel.events import score
    event = EventSummary("blitz")
    event.add(item("dhs", "press_release", "2025-09-08T10:00:00-05:00", "DHS launches Operation Midway Blitz",
                   "CHICAGO — DHS launched Operation Midway Blitz in Illinois on Monday."), "test")
    story = item("gary", "news", "2025-09-12T10:00:00-05:00", "Secretary says Midway Blitz has topped 300 arrests",
                 "GARY, Ind. — The secretary spoke in Gary about the arrests in Chicago, Illinois.")
    assert "names 'Operation Midway Blitz' in its title" in score(story, event)[1]


# --- a story naming the release's operation that repeats the release's figure beside its own ---------


def _harbor() -> EventSummary:
    # The operation began a month before the release: a story weeks after the start is a follow-up
    # unless it reports the release.
    event = EventSummary("harbor")
    event.add(item("launch", "press_release", "2025-06-02T10:00:00-04:00", "DHS launches Operation Harbor Sweep",
                   "WASHINGTON — The department launched Operation Harbor Sweep in Ohio on Monday."), "test")
    event.add(item("rel", "press_release", "2025-07-01T10:00:00-04:00",
                   "More than 600 arrested in Operation Harbor Sweep",
                   "WASHINGTON — Immigration officers have made more than 600 arrests across Ohio during "
                   "Operation Harbor Sweep, the department announced today."), "test")
    return event


def _raid(published: str, *, repeats_figure: bool) -> EventCandidate:
    tally = (", and the department said more than 600 people have now been arrested across Ohio since "
             "Operation Harbor Sweep began." if repeats_figure else " as part of Operation Harbor Sweep, "
             "the department said.")
    return item("raid", "news", published, "Agents arrest 41 in Toledo raid" + (" as tally tops 600" if repeats_figure
                                                                                 else ""),
                "TOLEDO, Ohio — Federal agents arrested 41 people in an overnight raid on a warehouse" + tally)


def test_a_story_repeating_the_releases_figure_beside_its_own_raid_count_is_its_coverage():
    assert _harbor().role_for(_raid("2025-07-01T18:00:00-04:00", repeats_figure=True)) == "coverage"


def test_a_story_with_only_its_own_count_weeks_after_the_start_is_a_follow_up():
    assert _harbor().role_for(_raid("2025-07-01T18:00:00-04:00", repeats_figure=False)) == "follow_up"


def test_a_story_repeating_the_figure_a_week_after_the_release_is_a_follow_up():
    assert _harbor().role_for(_raid("2025-07-09T18:00:00-04:00", repeats_figure=True)) == "follow_up"
