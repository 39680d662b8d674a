"""Events: the items (a release, its news coverage, follow-ups with updated totals) about one real-world
operation, grouped by their facts and text within a time window. Pure: the caller stores events."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from monitor.intel.facts import DEMONYMS, Fact, extract_facts, headline_count, merged_nationalities, primary_state
from monitor.intel.neardup import NEAR_DUPLICATE_THRESHOLD, signature, similarity

# An item joins an event published from EVENT_LEAD_DAYS before its first item (coverage can appear
# before the release is crawled) to EVENT_WINDOW_DAYS after its last one (follow-ups with revised
# totals come within weeks). Older events are not candidates: look up events in this window by date.
EVENT_LEAD_DAYS = 7
EVENT_WINDOW_DAYS = 45
# A date range that ended this long before an item was published is background ("in May, an earlier
# operation..."), not the period of the item's own operation.
OWN_RANGE_DAYS = 45
# Coverage published more than this many days after the event began is a follow-up.
FOLLOW_UP_AFTER_DAYS = 3
# Evidence score at or above which an item joins an event (see _score for the points).
MATCH_THRESHOLD = 4.5
# Date ranges at most this far apart can be one operation and its follow-up arrests.
RANGE_GAP_DAYS = 14
# A follow-up may revise a total by up to this share (19 -> 23 is 17 %); further apart is another operation.
REVISION_SHARE = 0.25

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
        return _date(self.published)


@functools.lru_cache(maxsize=65536)  # the same few hundred dates are read thousands of times a match
def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class _Features:
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


_GENERIC_AGENCIES = {"local police", "state police", "DHS", "DOJ", "U.S. Attorney's Office"}


def _features(item: EventCandidate) -> _Features:
    """The item's features, computed once and kept on the (frozen) candidate: matching one item
    against the events of its window reads every member's features, thousands of them."""
    try:
        return item.__dict__["_features"]
    except KeyError:
        value = _compute_features(item)
        object.__setattr__(item, "_features", value)
        return value


def _compute_features(item: EventCandidate) -> _Features:
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
    return _Features(
        state=primary_state(list(facts)),
        states=frozenset(f.code for f in facts if f.kind == "place" and f.code),
        all_arrests=frozenset(f.count for f in facts if f.kind == "arrests" and f.count),
        operation=operation.value if operation else None,
        arrests=headline_count(list(facts), "arrests"),
        charges=headline_count(list(facts), "charges"),
        durations=frozenset(f.count for f in facts if f.kind == "duration" and f.count),
        ranges=tuple(ranges),
        cities=frozenset(f"{f.value}|{f.code}" for f in facts
                         if f.kind == "place" and f.qualifier in ("city", "county", "dateline") and f.code),
        nationalities=nationalities,
        agencies=frozenset(f.value for f in facts if f.kind == "agency") - _GENERIC_AGENCIES,
        seizures=frozenset((f.value, f.code, f.count) for f in facts if f.kind == "seizure"),
        charge_types=frozenset(f.value for f in facts if f.kind == "charge"),
    )


@dataclass
class EventMember:
    item: EventCandidate
    role: str
    reason: str


@dataclass
class EventSummary:
    """An event and its members, in the order they joined. Everything else is derived from the
    members, so the caller stores only (event id, item id, role, reason) and can rebuild it."""

    event_id: str
    members: list[EventMember] = field(default_factory=list)

    @classmethod
    def from_members(cls, event_id: str, members: Iterable[tuple[EventCandidate, str, str]]) -> EventSummary:
        summary = cls(event_id)
        for item, role, reason in members:
            summary.members.append(EventMember(item, role, reason))
        return summary

    def add(self, item: EventCandidate, reason: str) -> EventMember:
        member = EventMember(item, self.role_for(item), reason)
        self.members.append(member)
        return member

    # --- derived values -----------------------------------------------------------------------
    @property
    def item_ids(self) -> list[str]:
        return [m.item.item_id for m in self.members]

    @property
    def release_id(self) -> str | None:
        return next((m.item.item_id for m in self.members if m.role == "release"), None)

    @property
    def first_published(self) -> str | None:
        dates = [m.item.published for m in self.members if m.item.published]
        return min(dates) if dates else None

    @property
    def last_published(self) -> str | None:
        dates = [m.item.published for m in self.members if m.item.published]
        return max(dates) if dates else None

    @property
    def state(self) -> str | None:
        states = Counter(_features(m.item).state for m in self.members if _features(m.item).state)
        return states.most_common(1)[0][0] if states else None

    @property
    def operation(self) -> str | None:
        ops = Counter(_features(m.item).operation for m in self.members if _features(m.item).operation)
        return ops.most_common(1)[0][0] if ops else None

    @property
    def label(self) -> str:
        release = next((m for m in self.members if m.role == "release"), None)
        first = release or (self.members[0] if self.members else None)
        return (first.item.title or first.item.item_id) if first else self.event_id

    @property
    def arrests(self) -> int | None:
        """The latest reported total: follow-ups revise counts, so the newest item's count wins."""
        dated = sorted((m.item.published or "", i, _features(m.item).arrests) for i, m in enumerate(self.members))
        counts = [count for _, _, count in dated if count]
        return counts[-1] if counts else None

    def disagreements(self) -> dict[str, dict[str, list[str]]]:
        """Facts on which the event's items disagree, e.g. {"arrests": {"19": [ids], "23": [ids]}}:
        claim drift between a release and its coverage, or a revised total."""
        claims: dict[str, dict[str, list[str]]] = {}

        def claim(kind: str, value: object, item_id: str) -> None:
            if value is not None:
                ids = claims.setdefault(kind, {}).setdefault(str(value), [])
                if item_id not in ids:
                    ids.append(item_id)

        for m in self.members:
            feats = _features(m.item)
            claim("arrests", feats.arrests, m.item.item_id)
            claim("charges", feats.charges, m.item.item_id)
            for code, count in feats.nationalities.items():
                if count and count > 1:
                    claim(f"nationality:{code}", count, m.item.item_id)
        return {kind: values for kind, values in claims.items() if len(values) > 1}

    def role_for(self, item: EventCandidate) -> str:
        if item.kind == "press_release" and self.release_id is None:
            return "release"
        if not self.members:
            return "coverage"
        first = _date(self.first_published)
        published = item.date
        if first and published and (published - first).days > FOLLOW_UP_AFTER_DAYS:
            return "follow_up"
        count = _features(item).arrests
        known = {_features(m.item).arrests for m in self.members} - {None}
        if count and known and count not in known and published and first and published > first:
            return "follow_up"
        if item.kind == "press_release":
            return "follow_up"
        return "coverage"

    def row(self) -> dict:
        """The `events` row: id, label, state, operation, first/last published, item count, arrests,
        disagreements (a dict the caller stores as JSON)."""
        return {"id": self.event_id, "label": self.label, "state": self.state, "operation": self.operation,
                "first_published": self.first_published, "last_published": self.last_published,
                "item_count": len(self.members), "arrests": self.arrests, "disagreements": self.disagreements()}

    def item_rows(self) -> list[dict]:
        """The `event_items` rows: event_id, item_id, role, reason."""
        return [{"event_id": self.event_id, "item_id": m.item.item_id, "role": m.role, "reason": m.reason}
                for m in self.members]


def candidate_window(published: str | None) -> tuple[str, str] | None:
    """Dates (ISO, inclusive) within which an event's last item must fall for `published` to join it:
    the caller's SQL prefilter (events.last_published >= start AND events.first_published <= end)."""
    date = _date(published)
    if date is None:
        return None
    return ((date - dt.timedelta(days=EVENT_WINDOW_DAYS)).isoformat(),
            (date + dt.timedelta(days=EVENT_LEAD_DAYS)).isoformat())


def _in_window(item: EventCandidate, event: EventSummary) -> bool:
    published, first, last = item.date, _date(event.first_published), _date(event.last_published)
    if published is None or first is None or last is None:
        return True
    try:
        return first - dt.timedelta(days=EVENT_LEAD_DAYS) <= published <= last + dt.timedelta(days=EVENT_WINDOW_DAYS)
    except OverflowError:  # a date near year 1 or 9999: no operation spans that
        return False


def _overlaps(a: tuple[str, str], b: tuple[str, str]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _gap_days(a: tuple[str, str], b: tuple[str, str]) -> int:
    first, second = sorted((a, b))
    return (dt.date.fromisoformat(second[0]) - dt.date.fromisoformat(first[1])).days


def _score(item: EventCandidate, event: EventSummary) -> tuple[float, list[str]]:
    """Evidence that `item` reports on `event`: points for each agreeing fact, penalties for facts that
    say another operation, and -inf for hard conflicts (another state, another named operation).
    Each rule first asks whether the item has the fact at all: an item is scored against every event
    of its window, and most rules have nothing to compare."""
    mine = _features(item)
    theirs = [_features(m.item) for m in event.members]
    reasons: list[str] = []
    score = 0.0

    best_sim = max((similarity(item.signature, m.item.signature) for m in event.members), default=0.0)
    if best_sim >= NEAR_DUPLICATE_THRESHOLD:
        score += 6
        reasons.append(f"near-duplicate text ({best_sim:.2f})")

    states = {f.state for f in theirs if f.state} if mine.state else None
    if states:
        if mine.state in states:
            score += 1
            reasons.append(f"same state {mine.state}")
        elif mine.states & states:
            # A story about two states ("Indiana guns to Chicago") may lead with the other one.
            score -= 1
            reasons.append(f"mainly {mine.state}, also {', '.join(sorted(mine.states & states))}")
        else:
            return float("-inf"), [f"other state {mine.state} (event: {', '.join(sorted(states))})"]

    operations = {f.operation for f in theirs if f.operation} if mine.operation else None
    if operations:
        if mine.operation not in operations:
            return float("-inf"), [f"other operation '{mine.operation}'"]
        score += 4
        reasons.append(f"same operation '{mine.operation}'")

    counts = {f.arrests for f in theirs if f.arrests} if mine.arrests else None
    if counts:
        if mine.arrests in counts:
            score += 3.5 if mine.arrests > 2 else 1
            reasons.append(f"arrests {mine.arrests}")
        else:
            nearest = min(counts, key=lambda c: abs(c - mine.arrests))
            share = abs(nearest - mine.arrests) / max(nearest, mine.arrests)
            later = item.date and _date(event.first_published) and item.date > _date(event.first_published)
            cited = sorted(mine.all_arrests & counts)
            if later and cited:
                # "1,157 arrests, 37 more than the 1,120 it announced": the item cites the event's total.
                score += 3
                reasons.append(f"arrests {mine.arrests}, citing {cited[0]}")
            elif share <= REVISION_SHARE and later:
                score += 1.5
                reasons.append(f"arrests {mine.arrests} revises {nearest}")
            else:
                score -= 3
                reasons.append(f"arrests {mine.arrests} vs {nearest}")

    if mine.charge_types:
        shared_types = mine.charge_types & set().union(*(f.charge_types for f in theirs))
        if shared_types:
            score += min(0.5 * len(shared_types), 1.0)

    if mine.charges and any(f.charges == mine.charges for f in theirs):
        score += 2
        reasons.append(f"charged {mine.charges}")

    seizures = set().union(*(f.seizures for f in theirs)) if mine.seizures else None
    if seizures:
        if mine.seizures & seizures:
            score += 3
            value, unit, count = sorted(mine.seizures & seizures, key=str)[0]
            reasons.append(f"seizure {count} {unit} {value}")
        elif {s[0] for s in mine.seizures} & {s[0] for s in seizures}:
            pass
        else:
            score -= 1

    if mine.durations:
        shared_durations = mine.durations & set().union(*(f.durations for f in theirs))
        if shared_durations:
            score += 1.5
            reasons.append(f"{min(shared_durations)}-day duration")

    ranges = [r for f in theirs for r in f.ranges] if mine.ranges else None
    if ranges:
        if any(_overlaps(a, b) for a in mine.ranges for b in ranges):
            score += 2
            reasons.append(f"dates {mine.ranges[0][0]}/{mine.ranges[0][1]}")
        elif not any(_gap_days(a, b) <= RANGE_GAP_DAYS for a in mine.ranges for b in ranges):
            # Follow-up arrests days after an operation ended are fine; May vs September is another operation.
            score -= 4
            reasons.append("other dates")

    if mine.cities:
        shared_cities = mine.cities & set().union(*(f.cities for f in theirs))
        if shared_cities:
            score += min(0.75 * len(shared_cities), 2.25)
            reasons.append("places " + ", ".join(sorted(c.split("|")[0] for c in shared_cities)[:3]))

    if mine.nationalities:
        nat: dict[str, set] = {}
        for f in theirs:
            for code, count in f.nationalities.items():
                nat.setdefault(code, set()).add(count)
        if nat:
            shared = set(mine.nationalities) & set(nat)
            score += 2 * len(shared) / len(set(mine.nationalities) | set(nat))
            same_counts = [c for c in shared if mine.nationalities[c] and mine.nationalities[c] > 1
                           and mine.nationalities[c] in nat[c]]
            if len(same_counts) >= 2:
                score += 2
            if shared:
                reasons.append("nationalities " + ", ".join(sorted(shared)[:4]))

    if mine.agencies and mine.agencies & set().union(*(f.agencies for f in theirs)):
        score += 0.5

    if item.keywords:
        shared_words = item.keywords & set().union(*(m.item.keywords for m in event.members))
        if shared_words:
            score += min(1.25 * len(shared_words), 2.5)
            reasons.append("names " + ", ".join(sorted(shared_words)[:3]))

    dates = [m.item.date for m in event.members if m.item.date]
    if item.date and dates:
        gap = min(abs((item.date - d).days) for d in dates)
        if gap <= 3:
            score += 1
        elif gap > 21:
            score -= 1
        reasons.append(f"{gap} days apart")
    return score, reasons


def match_event(item: EventCandidate, candidates: Iterable[EventSummary]) -> tuple[str | None, str]:
    """The event `item` belongs to among `candidates` (events in the time window), with the reason, or
    (None, why not) when no event has enough evidence."""
    best: tuple[float, str, list[str]] | None = None
    for event in candidates:
        if not _in_window(item, event):
            continue
        score, reasons = _score(item, event)
        if best is None or score > best[0]:
            best = (score, event.event_id, reasons)
    if best is None:
        return None, "no event in the time window"
    score, event_id, reasons = best
    text = "; ".join(reasons) or "no shared facts"
    if score >= MATCH_THRESHOLD:
        return event_id, f"score {score:.1f}: {text}"
    return None, f"best score {score:.1f} < {MATCH_THRESHOLD}: {text}"


def group_events(items: Iterable[EventCandidate], new_id=None) -> list[EventSummary]:
    """Assign items to events in publication order, in memory (the lead's store does the same with
    SQL lookups): each item joins its best event in the window or starts a new one."""
    events: list[EventSummary] = []
    ordered = sorted(items, key=lambda i: (i.published or "", i.kind != "press_release", i.item_id))
    for item in ordered:
        event_id, reason = match_event(item, events)
        if event_id is None:
            event = EventSummary(new_id(item) if new_id else f"event-{len(events) + 1}")
            event.add(item, "new event")
            events.append(event)
        else:
            next(e for e in events if e.event_id == event_id).add(item, reason)
    return events
