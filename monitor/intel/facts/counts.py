"""Counts of people arrested or charged ("arrested 19 foreign nationals", "Eight of the defendants
were indicted"), and the count a story reports as its total."""

from __future__ import annotations

import re

from monitor.intel.facts.dates import _MONTH
from monitor.intel.facts.fact import Fact, Field
from monitor.intel.facts.numbers import NUM, Q, finditer, parse_number, qualifier
from monitor.intel.facts.rules import rule

_PEOPLE = (r"(?:people|persons|individuals|men|women|adults|juveniles|minors|teens|teenagers|suspects|officers|guards|"
           r"managers|executives|deputies|staffers|"
           r"defendants|noncitizens|non-citizens|aliens|immigrants|migrants|nationals|fugitives|workers|"
           r"employees|members|offenders|others|smugglers|predators|buyers|criminals|drivers|associates|"
           r"arrestees|detainees)")
_ADJ = r"(?:(?!more\b|additional\b|other\b|of\b|the\b|those\b)[A-Za-z-]+\s+){0,3}?"
_ARRESTED = (r"(?:arrested|apprehended|detained|taken into (?:\w+\s+)?custody|picked up|rounded up|booked|"
             r"captured)")
_AUX = (r"(?:were|have(?:\s+now)?\s+been|had(?:\s+now)?\s+been|has(?:\s+now)?\s+been|was|are|being|got)\s+"
        r"(?:also\s+|later\s+|all\s+|now\s+)?")
# Not a count of people: "19-year-old", "40 percent", "36 grams", "four more people", "27 of those arrested".
_UNIT_AFTER = r"year|percent|%|pounds?|kilo|grams?|ounces?|times|counts?|days?|weeks?|months?|hours?|miles?"
_NOT_AFTER_UNIT = rf"(?![\s-]*(?:{_UNIT_AFTER}|more\b|additional\b))"
_NOT_AFTER = rf"(?![\s-]*(?:{_UNIT_AFTER}|more\b|additional\b|of\b))"
_PARTITIVE = r"of\s+(?:the|those|them)(?:\s+[\w'’-]+){0,2}?\s+"
_PARTITIVE_LONG = r"of\s+(?:the|those|them)(?:\s+[\w'’-]+){0,4}?\s+"
# "the agency arrested", "who were later arrested", "from the Phoenix and Tucson areas were arrested"
_SUBJECT = (r"(?:(?:who|that|whom)\s+|"
            r"(?:the\s+)?(?:agency|ICE|officers|agents|authorities|police|federal agents|"
            r"(?-i:(?:U\.S\.\s+)?[A-Z][\w.]*(?:\s+(?:and\s+)?[A-Z][\w.]*){0,5}))\s+(?:had\s+|has\s+)?)?")
_PLACE_GAP = r"(?:(?:from|of|in)\s+(?:[\w'’-]+\s+){1,5}?)?"


# The family's rules: arrests and charges, each rule with a group n (the count) and, when
# the story qualifies it, q ("nearly", "more than").
RULES = [
    # "arrested 19 foreign nationals", "ICE arrests 41 during ...", "detained 312 workers"
    rule("arrests", "verb then count: arrested 19 foreign nationals",
         rf"\b(?:arrest(?:s|ed|ing)?|apprehend(?:s|ed|ing)?|detain(?:s|ed|ing)?|nets?|netted|nab(?:s|bed)?)"
         rf"\s+(?:{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}(?:\s+{_ADJ}{_PEOPLE})?", re.I),
    # "Nine men were arrested", "312 people detained", "87 arrested", "Eight of the defendants were arrested"
    rule("arrests", "count then verb: Nine men were arrested",
         rf"(?:\b{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}\s+(?:{_ADJ}{_PEOPLE}\s+)?(?:{_AUX})?{_ARRESTED}\b", re.I),
    rule("arrests", "count, people, then who were arrested",
         rf"(?:\b{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}\s+{_ADJ}{_PEOPLE}\s+(?:and\s+{_PEOPLE}\s+)?"
         rf"(?:{_SUBJECT}{_ARRESTED}\b|{_PLACE_GAP}{_AUX}{_ARRESTED}\b)", re.I),
    rule("arrests", "count of the people, arrested",
         rf"(?:\b{Q}\s+)?(?P<n>{NUM})\s+(?:{_PARTITIVE}|of\s+whom\s+){_AUX}{_ARRESTED}\b", re.I),
    # "took 244 people into custody", "the detention of 475", "leads to 475 detentions"
    rule("arrests", "took 244 people into custody",
         rf"\b(?:took|taken|takes|take|taking)\s+(?:{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}(?:\s+{_ADJ}{_PEOPLE})?"
         r"(?:\s+(?:of|from)(?:\s+[\w'’.-]+){1,6}?)?\s+into\s+(?:\w+\s+)?custody\b", re.I),
    # "the number of people arrested has climbed past 130"
    rule("arrests", "the number arrested has climbed past 130",
         rf"\bnumber\s+of\s+(?:[\w-]+\s+){{0,2}}?(?:arrested|detained|arrests|detentions)\b[^.]{{0,80}}?\b"
         rf"(?:climbed|risen|rose|grown|grew|reached|passed|topped|exceeded|increased)\s+"
         rf"(?:(?P<q>past|above|beyond|to|more than|nearly|about)\s+)?(?P<n>{NUM})", re.I),
    rule("arrests", "the detention of 475",
         rf"\b(?:detentions?|apprehensions?)\s+of\s+(?:{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}", re.I),
    rule("arrests", "475 detentions",
         rf"(?:\b{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}\s+(?:(?!of\b|the\b)[a-z-]+\s+){{0,2}}?(?:detentions|apprehensions)\b",
         re.I),
    # "19 arrests", "led to 1,157 arrests", "more than 50 arrests"
    rule("arrests", "count then arrests: 19 arrests",
         rf"(?:\b{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}\s+(?:(?!of\b|the\b)[a-z-]+\s+){{0,2}}?arrests\b", re.I),
    # "the arrests of 19 individuals"
    rule("arrests", "the arrests of 19",
         rf"\barrests?\s+of\s+(?:{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}(?:\s+{_ADJ}{_PEOPLE})?", re.I),
    # "raising the total number of arrests to 23", "arrests rose to 23"
    rule("arrests", "the total number of arrests to 23",
         rf"\b(?:total|tally|count|number)(?:\s+number)?\s+of\s+arrests\s+(?:[\w'’-]+\s+){{0,8}}?"
         rf"(?:to|at)\s+(?:{Q}\s+)?(?P<n>{NUM})", re.I),
    rule("arrests", "arrests rose to 23",
         rf"\barrests\s+(?:\w+\s+)?(?:rose|rise|rises|climbed|grew|increased|jumped)\s+to\s+"
         rf"(?:{Q}\s+)?(?P<n>{NUM})", re.I),
    # "... to 37, up from the 34 it reported", "1,157 arrests, 37 more than the 1,120 it announced"
    rule("arrests", "arrests, up from 34",
         rf"\barrests\b[^.]{{0,100}}?\bup from (?:the\s+)?(?P<n>{NUM})", re.I),
    rule("arrests", "arrests, 37 more than the 1,120 it announced",
         rf"\barrests\b[^.]{{0,60}}?\b(?:more|fewer|less) than (?:the\s+)?(?P<n>{NUM})\s+"
         r"(?:it|they|ICE|the agency)\s+(?:had\s+)?(?:announced|reported|said|first announced)", re.I),
    rule("charges", "verb then count: charged 12 people",
         rf"\b(?:charg(?:e|es|ed|ing)|indict(?:s|ed|ing)?)\s+(?:{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}"
         rf"(?:\s+{_ADJ}{_PEOPLE})?(?!\s+(?:counts?|with)\b)", re.I),
    rule("charges", "count then verb: 12 people were charged",
         rf"(?:\b{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER_UNIT}\s+(?:{_ADJ}{_PEOPLE}\s+|{_PARTITIVE})?(?:{_AUX})?"
         r"(?:charged|indicted)\b", re.I),
    rule("charges", "charges against 12",
         rf"\bcharges?\s+against\s+(?:{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER}(?:\s+{_ADJ}{_PEOPLE})?", re.I),
    rule("charges", "12 people face charges",
         rf"(?:\b{Q}\s+)?(?P<n>{NUM}){_NOT_AFTER_UNIT}\s+(?:{_ADJ}{_PEOPLE}\s+|{_PARTITIVE})?"
         r"(?:now\s+)?face\s+(?:[\w-]+\s+){0,3}?charges\b", re.I),
]


# A hedged title count stands for an exact body count this close: "more than 200" for 224, "about
# 70" for 76; below "nearly 1,500" only 5 % (1,461): "close to 400" beside a first week's 370 is
# another figure.
HEDGE_RESOLUTION = 0.15
HEDGE_BELOW = 0.05
_TOTAL_WORDS = re.compile(r"\b(?:total|tally|rose|rise|rises|grew|climbed|revis\w+|raised|now counts)\b", re.I)


# A count the story says is wanted, not made: "expected to hit 1,500", "a goal of 3,000 arrests a
# day", "sent to find and detain some 800" (an infinitive before the count or its verb).
_TARGET_BEFORE = re.compile(
    r"(?:\b(?:expect\w*|aim\w*|plan\w*|hop\w*|seek\w*|intend\w*|want\w*|push\w*|order\w*|told)\s+"
    r"(?:\w+\s+){0,2}?to\s+(?:\w+\s+){0,4}|\b(?:goal|target|quota|aim)\s+(?:of|is|was)\s+(?:\w+\s+){0,3}|"
    r"\bto\s+(?:\w+\s+(?:and|or)\s+)?(?:arrest|detain|apprehend)\w*\s+|"
    r"\bto\s+(?:reach|hit|make|meet|top|double|triple)\s+(?:\w+\s+){0,2})$", re.I)


# A count said of the whole country ("66,463 arrests nationwide"): its code is "US". A story about
# one state's operation that cites it reports the state's count as its own.
_NATIONWIDE = re.compile(r"\b(?:nationwide|nationally|national (?:[\w-]+\s+){0,2}?(?:crackdown|operation|surge|sweep|effort)|"
                         r"across the (?:country|nation|United States)|"
                         r"in all 50 states|around the country|throughout the country)\b", re.I)


def _scope(text: str, m: re.Match) -> str | None:
    left = max(text.rfind(". ", 0, m.start()) + 2, text.rfind("\n", 0, m.start()) + 1, 0)
    right = min([i for i in (text.find(". ", m.end()), text.find("\n", m.end())) if i >= 0] or [len(text)])
    return "US" if _NATIONWIDE.search(text, left, right) else None


# A national count this early in the text (the lead) is the story's subject, not a citation.
NATIONAL_LEAD_CHARS = 400


def national_lead(f: Fact) -> bool:
    """A nationwide count in the title or the lead: the story is about the national operation."""
    return f.code == "US" and (f.field == "title" or f.start < NATIONAL_LEAD_CHARS)


# A count of another, earlier operation named by its time: "the May operation's 1,500 arrests",
# "the May operation that ICE said led to nearly 1,500 arrests".
_EARLIER_OPERATION = re.compile(
    rf"\bthe\s+(?:{_MONTH}|earlier|previous|prior|spring|summer|fall|winter)\s+"
    r"(?:operation|surge|sweep|crackdown|raid)s?\b", re.I)


# The end of a sentence, not of an abbreviation ("U.S. Immigration", "Gov. Healey").
_SENTENCE_END = re.compile(r"(?<![A-Z])(?<!\b[A-Z][a-z])(?<!\bSt)[.!?][\"”’]?\s+(?=[A-Z\"“])|\n")


def _sentence_start(text: str, pos: int) -> int:
    window = max(0, pos - 400)
    ends = [e.end() for e in _SENTENCE_END.finditer(text, window, pos)]
    return ends[-1] if ends else window


def _is_other_operations(text: str, m: re.Match) -> bool:
    return bool(_EARLIER_OPERATION.search(text, _sentence_start(text, m.start()), m.start()))


def _is_target(text: str, m: re.Match) -> bool:
    sentence_start = max(text.rfind(". ", 0, m.start()) + 2, text.rfind("\n", 0, m.start()) + 1, 0)
    before = text[max(sentence_start, m.start() - 80):m.start()]
    head = re.match(r"(?:arrest|detain|apprehend)\w*\s+", m.group(0), re.I)
    return bool(_TARGET_BEFORE.search(before + (head.group(0) if head else "")))


def _count_facts(kind: str, text: str, field: str) -> list[Fact]:
    found: dict[int | float, Fact] = {}
    for r in RULES:
        if r.kind != kind:
            continue
        for m in finditer(r.pattern, text):
            count = parse_number(m.group("n"))
            if count is None or count <= 0 or count != int(count) or count > 10_000_000:
                continue
            if _is_date_or_age(text, m.start("n"), m.end("n")) or _is_group_share(text, m) or \
                    _is_target(text, m):
                continue
            qualifier_ = qualifier(m.groupdict().get("q"))
            if qualifier_ == "exact" and re.search(r"(?i)dozen", m.group("n")):
                qualifier_ = "approximate"
            # code: "US" for a count of the whole country, "context" for an earlier operation's
            scope = "context" if _is_other_operations(text, m) else _scope(text, m)
            fact = Fact(kind, str(int(count)), scope, int(count), qualifier_, m.start(), m.end(),
                        text[m.start():m.end()], field)
            old = found.get(count)
            if old is None or fact.start < old.start:
                found[count] = fact
    return sorted(found.values(), key=lambda f: f.start)


def _is_group_share(text: str, m: re.Match) -> bool:
    """'Mexican nationals made up the largest group, with 402 arrests': a share, not a total."""
    before = text[max(0, m.start() - 70):m.start()]
    return bool(re.match(r"(?:with|at)\s+(?!least\b)", m.group(0), re.I)) or bool(
        re.search(r"\b(?:largest|group|nationals|citizens)\b[^.]*\bwith\s*$", before, re.I))


def _is_date_or_age(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 12):start]
    after = text[end:end + 8]
    if re.search(rf"\b(?:{_MONTH})\s*$", before) or re.match(r"\s*(?:-|–)?\s*year", after):
        return True
    return bool(re.match(r"(?:,\s*\d{4}|\d{2}\b)", after)) and bool(re.search(_MONTH, before))


# One person arrested: "the driver was arrested", "agents arrested a 34-year-old man".
_ONE = (r"(?:man|woman|driver|passenger|suspect|teen|teenager|student|father|mother|person|worker|"
        r"defendant|fugitive|pedestrian|traveler|smuggler|citizen|national|resident|(?:\d+|[a-z]+-)-?year-old)")
# Parts that add up: "two men and sixteen women were arrested" (18), "sixty-one men and one woman
# arrested", "arrested 61 men and one woman" (62).
_PART = rf"{_ADJ}(?:{_PEOPLE}|{_ONE})"
_PARTS = re.compile(rf"(?P<a>{NUM})\s+{_PART},?\s+and\s+(?P<b>{NUM})\s+{_PART}\s+"
                    rf"(?:{_SUBJECT})?(?:{_AUX})?{_ARRESTED}\b|"
                    rf"\b(?:arrested|detained|apprehended)\s+(?P<c>{NUM})\s+{_PART},?\s+and\s+(?P<d>{NUM})\s+"
                    rf"{_PART}\b", re.I)
# More arrests on top of a count just stated: "Two more men were arrested on other counts" after
# "sixty-one men and one woman arrested" (64), "four additional people were detained".
_MORE = re.compile(rf"(?P<n>{NUM})\s+(?:more|additional|other)\s+(?!than\b)(?:{_PART}\s+)?(?:{_AUX})?"
                   rf"{_ARRESTED}\b", re.I)
# How far before "two more ..." the count it adds to may be: the sentence before, or the one before that.
_MORE_REACH = 300
_SINGLE_TITLE = re.compile(rf"^(?:[\w'’.-]+\s+){{0,3}}?{_ONE}\b[^,;:]{{0,60}}?\b(?:arrested|detained|in custody)\b|"
                           rf"\barrest(?:s|ed)?\s+(?:a\s+|an\s+|the\s+)?{_ADJ}{_ONE}\b", re.I)
_SINGLE = re.compile(
    rf"\b(?:(?:he|she)\s+(?:was|has been|had been)|(?:was|has been|had been|is being)|"
    rf"(?:a|an|the)\s+{_ADJ}{_ONE}\s+(?:was\s+|has been\s+)?)\s*(?:also\s+|later\s+)?"
    r"(?:arrested|taken into (?:\w+\s+)?custody|detained|apprehended|booked)\b|"
    rf"\b(?:arrested|detained|apprehended)\s+(?:a|an|the)\s+{_ADJ}{_ONE}\b", re.I)


_PAST_YEAR = re.compile(rf"\s+(?:\w+\s+){{0,3}}?(?:on|in)\s+(?:{_MONTH}\s+)?(?:\d{{1,2}},?\s+)?(?:19|20)\d\d\b")


def arrest_facts(f: Field) -> list[Fact]:
    found = _count_facts("arrests", f.text, f.name)
    for m in _PARTS.finditer(f.text):
        a, b = parse_number(m.group("a") or m.group("c")), parse_number(m.group("b") or m.group("d"))
        if a and b and a == int(a) and b == int(b) and not _is_target(f.text, m):
            total = int(a + b)
            found = [x for x in found if x.count not in (int(a), int(b), total)]
            found.append(Fact("arrests", str(total), None, total, "exact", m.start(), m.end(), m.group(0), f.name))
    found.sort(key=lambda x: x.start)
    for m in finditer(_MORE, f.text):
        more = parse_number(m.group("n"))
        before = [x for x in found if x.end <= m.start() and m.start() - x.end <= _MORE_REACH]
        if more and more == int(more) and before and before[-1].code is None and before[-1].qualifier == "exact" \
                and not _is_target(f.text, m):
            base = before[-1]
            total = base.count + int(more)
            found = [x for x in found if x is not base and x.count != total]
            found.append(Fact("arrests", str(total), None, total, "exact", base.start, m.end(),
                              f.text[base.start:m.end()], f.name))
            found.sort(key=lambda x: x.start)
    if not found:  # a story of one arrest states no count; one dated to a past year is background
        for m in (_SINGLE_TITLE if f.name == "title" else _SINGLE).finditer(f.text):
            if not _is_target(f.text, m) and not _PAST_YEAR.match(f.text, m.end()):
                return [Fact("arrests", "1", None, 1, "exact", m.start(), m.end(), m.group(0), f.name)]
    return sorted(found, key=lambda x: x.start)


def charge_count_facts(f: Field) -> list[Fact]:
    return _count_facts("charges", f.text, f.name)


def headline_count(facts: list[Fact], kind: str = "arrests") -> int | None:
    """The count an item reports as its total: the title's exact count; for an approximate title count
    ("nearly 1,500") the body's exact count on the right side of it; else the body's first count."""
    own = [f for f in facts if f.kind == kind and f.code != "context"]
    if any(f.code != "US" for f in own):  # a national figure cited beside the story's own
        own = [f for f in own if f.code != "US"]
    elif own and not any(national_lead(f) for f in own) and any(
            f.kind == "place" and f.qualifier == "dateline" and f.code not in (None, "DC") for f in facts):
        return None  # a state story citing a national figure further down: another operation's count
    title = [f for f in own if f.field == "title"]
    body = [f for f in own if f.field == "text"]
    exact_body = [f for f in body if f.qualifier == "exact"]
    for f in title:
        if f.qualifier == "exact":
            # "ICE arrests 205 with criminal records" over a body whose total is 370: the title
            # gives a part of the total the body states first (and never as its own count).
            if f.count > 1 and exact_body and exact_body[0].count > f.count and all(b.count != f.count for b in body):
                return exact_body[0].count
            return f.count
    if title:
        guess = title[0]
        below = re.search(r"\b(?:nearly|almost|just under|close to)\b", guess.quote, re.I)
        sided = [f for f in exact_body
                 if (f.count <= guess.count if below else f.count >= guess.count
                     if guess.qualifier == "at_least" else True)]
        within = HEDGE_BELOW if below else HEDGE_RESOLUTION
        near = [f for f in sided if abs(f.count - guess.count) <= within * guess.count]
        return min(near, key=lambda f: abs(f.count - guess.count)).count if near else guess.count
    totals = [f for f in exact_body if _TOTAL_WORDS.search(f.quote)]
    if totals:
        return totals[0].count
    return (exact_body or body or [Fact(kind, "")]) [0].count
