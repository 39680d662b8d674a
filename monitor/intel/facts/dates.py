"""Durations ("a four-day operation") and date ranges ("Sept. 4 to Sept. 30", "during May") of
the operation a story reports."""

from __future__ import annotations

import datetime as dt
import re

from monitor.intel.facts.fact import Fact, Field
from monitor.intel.facts.numbers import NUM, Q, finditer, parse_number, qualifier
from monitor.intel.facts.rules import rule

_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
           "oct": 10, "nov": 11, "dec": 12}
_MONTH = (r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|March|Mar\.|April|Apr\.|May|June|Jun\.|July|Jul\.|"
          r"Aug(?:ust|\.)?|Sept(?:ember|\.)?|Sep\.|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)")
_DAY = r"(?P<{0}>\d{{1,2}})(?:st|nd|rd|th)?\b"


_OPERATION_WORDS = re.compile(r"\b(?:operation|sweep|raid|surge|crackdown|round-?up|blitz|sting)\b", re.I)


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


_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}


def _read_range(m: re.Match, f: Field, durations: list[Fact]) -> tuple[str | None, str | None] | None:
    if m.group("conn") == "and" and m.group("lead") != "between":
        return None  # "arrested on Oct. 30 and Oct. 31": two dates, not a period
    m1 = _month(m.group("m1"))
    m2 = _month(m.group("m2")) if m.group("m2") else m1
    d1, d2 = int(m.group("d1")), int(m.group("d2"))
    y2 = _resolve_year(m2, d2, m.group("y2") or m.group("y1"), f.published)
    y1 = m.group("y1") and int(m.group("y1")) or (y2 - 1 if y2 and m1 > m2 else y2)
    return _iso(y1, m1, d1), _iso(y2, m2, d2)


def _read_month_range(m: re.Match, f: Field, durations: list[Fact]) -> tuple[str | None, str | None]:
    m1, m2 = _month(m.group("m1")), _month(m.group("m2"))
    y1, y2 = int(m.group("y1")), int(m.group("y2"))
    return _iso(y1, m1, 1), _iso(y2, m2, _last_day(y2, m2))


def _read_whole_month(m: re.Match, f: Field, durations: list[Fact]) -> tuple[str | None, str | None] | None:
    text = f.text
    if m.group("w").lower() == "in":
        # "in May" names an operation's period only next to an operation word ("an operation in May"),
        # not in "released in March".
        sentence_start = max(text.rfind(".", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        window = text[max(sentence_start, m.start() - 80):m.end() + 80]
        if not _OPERATION_WORDS.search(window) or _NOT_THE_OPERATION.search(window):
            return None
    month = _month(m.group("m"))
    year = _resolve_year(month, 1, m.group("y"), f.published)
    return _iso(year, month, 1), _iso(year, month, _last_day(year, month))


def _read_ended(m: re.Match, f: Field, durations: list[Fact]) -> tuple[str | None, str | None] | None:
    """"... a 10-day operation that ended Sept. 30": the range is the duration up to that day."""
    paragraph_start = max(f.text.rfind("\n", 0, m.start()) + 1, m.start() - 250)
    in_sentence = [d for d in durations if paragraph_start <= d.start < m.start() and d.value.endswith("D")]
    if not in_sentence or in_sentence[-1].count > 62:
        return None
    month, day = _month(m.group("m")), int(m.group("d"))
    year = _resolve_year(month, day, m.group("y"), f.published)
    end = _iso(year, month, day)
    if end and year is not None:
        start = dt.date.fromisoformat(end) - dt.timedelta(days=in_sentence[-1].count - 1)
        return start.isoformat(), end
    return None


# The family's rules, in the order they are tried. A duration's pattern has groups u (unit) and,
# unless the unit alone says it ("day-long"), n and q (count, qualifier); a date range's rule
# reads its match into (first day, last day).
RULES = [
    rule("duration", "a count of days, weeks or months before an operation word",
         rf"(?:\b{Q}\s+)?(?:an?\s+)?(?P<n>{NUM})[\s-](?P<u>day|week|month)s?-?(?:long)?"
         r"(?=[\s-]+(?:[a-z-]+\s+){0,2}"
         r"(?:operation|sweep|sting|surge|investigation|probe|effort|enforcement|crackdown|undercover|"
         r"fugitive|targeted|initiative|blitz|campaign|roundup|action|period|raid|program))", re.I),
    rule("duration", "day-long, week-long, month-long", r"\b(?P<u>day|week|month)-?long\b", re.I),
    rule("duration", "for / over / during N days",
         rf"\b(?:for|over|during|in)\s+(?:the\s+)?(?:{Q}\s+)?(?P<n>{NUM})\s+(?P<u>day|week)s\b"
         r"(?!\s+(?:of\s+)?(?:before|after|later|earlier|ago))", re.I),
    rule("date_range", "Month D to (Month) D", _RANGE, read=_read_range),
    rule("date_range", "between Month YYYY and Month YYYY", _MONTH_RANGE, read=_read_month_range),
    rule("date_range", "during / throughout / in Month", _WHOLE_MONTH, read=_read_whole_month),
    rule("date_range", "ended Month D, after an N-day operation", _ENDED, read=_read_ended),
]


def _durations(f: Field) -> list[Fact]:
    text, field = f.text, f.name
    found: dict[int, Fact] = {}
    for r in RULES:
        if r.kind != "duration":
            continue
        for m in finditer(r.pattern, text):
            unit = m.group("u").lower()
            n = parse_number(m.group("n")) if "n" in r.pattern.groupindex else 1
            if not n or n != int(n):
                continue
            days = int(n) * _UNIT_DAYS[unit]
            qualifier_ = qualifier(m.groupdict().get("q"))
            if unit == "month":
                qualifier_ = "approximate"
            value = f"P{int(n)}{unit[0].upper()}"
            if days not in found:
                found[days] = Fact("duration", value, None, days, qualifier_, m.start(), m.end(),
                                   text[m.start():m.end()], field)
    return sorted(found.values(), key=lambda f: f.start)


def duration_facts(f: Field) -> list[Fact]:
    return f.once("durations", _durations)


def date_range_facts(f: Field) -> list[Fact]:
    text, field = f.text, f.name
    durations = f.once("durations", _durations)
    facts: list[Fact] = []
    for r in RULES:
        if r.kind != "date_range":
            continue
        for m in r.pattern.finditer(text):
            days = r.read(m, f, durations)
            if days is None:
                continue
            start, end = days
            if start and end and start <= end and all(o.value != f"{start}/{end}" for o in facts):
                facts.append(Fact("date_range", f"{start}/{end}", None, None, None, m.start(), m.end(),
                                  text[m.start():m.end()], field))
    return sorted(facts, key=lambda f: f.start)


def _parse_published(published: str | None) -> dt.date | None:
    if not published:
        return None
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None


def _without_vague_ranges(facts: list[Fact]) -> list[Fact]:
    """Drop "in September" when the story also gives "Sept. 4 to Sept. 30": the precise range wins."""
    ranges = [f for f in facts if f.kind == "date_range"]

    def vague(f: Fact) -> bool:
        start, end = f.value.split("/")
        return any(o is not f and start <= o.value.split("/")[0] and o.value.split("/")[1] <= end
                   and o.value != f.value for o in ranges)

    return [f for f in facts if f.kind != "date_range" or not vague(f)]
