"""What event matching knows of one item: the EventCandidate (facts, text signature, recurring
names) and the features read from it once (state, counts, dates, places, ...)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.intel.facts import DEMONYMS, Fact, extract_facts, headline_count, merged_nationalities, primary_state
from monitor.intel.facts.counts import national_lead
from monitor.intel.facts.agencies import GENERIC_AGENCIES
from monitor.intel.neardup import signature

# A date range that ended this long before an item was published is background ("in May, an earlier
# operation..."), not the period of the item's own operation.
OWN_RANGE_DAYS = 45


# Version of what `event_keywords` and `lead_length` compute: the store keeps both per item, and
# ignores those kept under another version. Change it with either function.
FEATURES_VERSION = 1


_COMMON_CAPITALS = {
    "The", "A", "An", "In", "On", "At", "Of", "For", "And", "But", "He", "She", "They", "It", "His", "Her", "Their",
    "This", "That", "These", "Those", "When", "Where", "While", "After", "Before", "During", "Since", "According",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October", "November", "December", "Jan", "Feb", "Mar",
    "Apr", "Aug", "Sept", "Sep", "Oct", "Nov", "Dec", "United", "States", "U.S", "ICE", "ERO", "HSI", "CBP", "FBI",
    "DEA", "ATF", "DHS", "DOJ", "Immigration", "Customs", "Enforcement", "Removal", "Operations", "Homeland",
    "Security", "Investigations", "Border", "Protection", "Patrol", "Department", "Justice", "Office", "Attorney",
    "Field", "Director", "Special", "Agent", "Charge", "Police", "Sheriff", "County", "State", "Federal", "National",
    "Service", "Marshals", "Court", "District", "Judge", "President", "Secretary", "Officers", "Agents", "Most",
    "Some", "Many", "All", "One", "Two", "Three", "Among", "Members", "Anyone", "If", "As", "With", "From", "By",
    "Officials", "Advocates", "Local", "Operation", "Acting", "Deputy", "Chief", "Mayor", "Gov", "Sen", "Rep",
}
_DEMONYM_WORDS = {w for d in DEMONYMS for w in d.split()} | {w + "s" for d in DEMONYMS for w in d.split()}
_CAPITAL_WORD = re.compile(r"\b[A-Z][a-z][A-Za-z-]{2,}\b")
_MID_SENTENCE_CAPITAL = re.compile(r"(?<![.!?:\u201c\"]\s)(?<!^)(?<![\u201c\"])\b[A-Z][a-z][A-Za-z-]{2,}\b", re.M)


def lead_length(text: str, paragraphs: int = 2) -> int:
    """Offset in `text` where its first `paragraphs` paragraphs (blank-line separated) end."""
    breaks = [m.start() for m in re.finditer(r"\S\s*?\n\s*\n", text)]
    return breaks[paragraphs - 1] + 1 if len(breaks) >= paragraphs else len(text)


def event_keywords(title: str | None, text: str, facts: Sequence[Fact] = ()) -> frozenset[str]:
    """Names that recur in a story (a defendant, a company): capitalised words used at least twice and
    at least once mid-sentence, not common, and not a place, country or agency the facts already
    compare. An official named once per release ("said Director ...") is not among them."""
    known = {w for f in facts if f.kind in ("place", "nationality", "agency", "operation")
             for w in re.findall(r"[A-Za-z-]+", f"{f.value} {f.quote}")}
    joined = f"{title or ''}\n{text}"
    words = Counter(m.group(0) for m in _CAPITAL_WORD.finditer(joined))
    # A name is capitalised mid-sentence too; "Investigators" or "Officials" only start sentences.
    names = {m.group(0) for m in _MID_SENTENCE_CAPITAL.finditer(joined)}
    return frozenset(w for w, n in words.items()
                     if n >= 2 and w in names and w not in _COMMON_CAPITALS and w not in known
                     and w not in _DEMONYM_WORDS)


@dataclass(frozen=True)
class EventCandidate:
    """What event matching needs of one item. Build it with `from_text` or from stored rows."""

    item_id: str
    kind: str  # press_release | news
    published: str | None  # ISO 8601 date or datetime
    title: str | None
    facts: tuple[Fact, ...]
    signature: tuple[int, ...] = ()
    keywords: frozenset[str] = frozenset()
    # Length of the text's first two paragraphs (`lead_length`): operations named there are the item's own.
    lead_chars: int = 600

    def __hash__(self) -> int:
        # hashed once: candidates are dict keys (the store's cache) and set members many times over
        try:
            return self.__dict__["_hash"]
        except KeyError:
            value = hash((self.item_id, self.kind, self.published, self.title, self.facts,
                          self.signature, self.keywords, self.lead_chars))
            object.__setattr__(self, "_hash", value)
            return value

    def __getstate__(self) -> dict:
        # string hashes differ between processes: a pickled candidate hashes itself anew
        return {k: v for k, v in self.__dict__.items() if k not in ("_hash", "_features")}

    @classmethod
    def from_text(cls, item_id: str, kind: str, published: str | None, title: str | None, text: str,
                  facts: Sequence[Fact] | None = None, sig: Sequence[int] | None = None) -> EventCandidate:
        if facts is None:
            facts = extract_facts(text, title=title, published=published)
        return cls(item_id, kind, published, title, tuple(facts),
                   tuple(sig) if sig is not None else tuple(signature(text)), event_keywords(title, text, facts),
                   lead_length(text))

    @property
    def date(self) -> dt.date | None:
        return iso_date(self.published)


@functools.lru_cache(maxsize=65536)  # the same few hundred dates are read thousands of times a match
def iso_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Features:
    state: str | None
    states: frozenset[str]
    all_arrests: frozenset[int]
    operation: str | None
    arrests: int | None
    charges: int | None
    durations: frozenset[int]
    ranges: tuple[tuple[str, str], ...]
    cities: frozenset[str]
    nationalities: dict
    agencies: frozenset[str]
    seizures: frozenset[tuple]
    charge_types: frozenset[str]
    # the seizure the item reports (its title's, else its text's first): others it names may be
    # another case's ("a day after officers found 19,800 pills on a pedestrian")
    main_seizure: tuple | None = None
    # its own count is the whole country's ("810 arrested nationwide" in its lead)
    national: bool = False



def features(item: EventCandidate) -> Features:
    """The item's features, computed once and kept on the (frozen) candidate: matching one item
    against the events of its window reads every member's features, thousands of them."""
    try:
        return item.__dict__["_features"]
    except KeyError:
        value = _compute_features(item)
        object.__setattr__(item, "_features", value)
        return value


def _compute_features(item: EventCandidate) -> Features:
    facts = item.facts
    # The item's own operation is named in its title or lead; one named further down ("unrelated to
    # Operation X", "part of Operation Martillo", an umbrella programme) is background.
    operations = [f for f in facts if f.kind == "operation"]
    title_ops = [f for f in operations if f.field == "title"]
    lead_ops = [f for f in operations if f.field == "text" and f.start < item.lead_chars]
    operation = (title_ops or lead_ops or [None])[0]
    published = item.date
    ranges = []
    for f in facts:
        if f.kind == "date_range" and not f.value.startswith("--"):
            start, end = f.value.split("/")
            if published is None or (dt.timedelta(days=-7) <= published - dt.date.fromisoformat(end)
                                     <= dt.timedelta(days=OWN_RANGE_DAYS)):
                ranges.append((start, end))
    nationalities = merged_nationalities(list(facts))
    return Features(
        state=primary_state(list(facts)),
        states=frozenset(f.code for f in facts if f.kind == "place" and f.code),
        all_arrests=frozenset(f.count for f in facts if f.kind == "arrests" and f.count),
        operation=operation.value if operation else None,
        arrests=headline_count(list(facts), "arrests"),
        charges=headline_count(list(facts), "charges"),
        durations=frozenset(f.count for f in facts if f.kind == "duration" and f.count),
        ranges=tuple(ranges),
        cities=frozenset(f"{f.value}|{f.code}" for f in facts
                         if f.kind == "place" and f.qualifier in ("city", "county", "dateline", "operation") and f.code),
        nationalities=nationalities,
        agencies=frozenset(f.value for f in facts if f.kind == "agency") - GENERIC_AGENCIES,
        seizures=frozenset((f.value, f.code, f.count) for f in facts if f.kind == "seizure"),
        charge_types=frozenset(f.value for f in facts if f.kind == "charge"),
        national=any(national_lead(f) for f in facts if f.kind == "arrests") and primary_state(list(facts)) is None,
        main_seizure=next(((f.value, f.code, f.count) for f in sorted(
            (f for f in facts if f.kind == "seizure"), key=lambda f: f.field != "title")), None),
    )
