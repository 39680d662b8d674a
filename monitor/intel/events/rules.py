"""The evidence that an item reports on an event, as a table of named rules evaluated in order:
points for each agreeing fact, penalties for facts that say another operation, and a veto for
hard conflicts (another state, another named operation)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from monitor.intel.events.candidate import EventCandidate, Features, features, iso_date
from monitor.intel.events.summary import EventSummary
from monitor.intel.neardup import NEAR_DUPLICATE_THRESHOLD, similarity

# Evidence score at or above which an item joins an event (see RULES for the points).
MATCH_THRESHOLD = 4.5
# Date ranges at most this far apart can be one operation and its follow-up arrests.
RANGE_GAP_DAYS = 14
# A seizure stated this much apart (446,200 vs "450,000 pills") is the same one, rounded.
SEIZURE_ROUNDING = 0.05
# A follow-up may revise a total by up to this share (19 -> 23 is 17 %); further apart is another operation.
REVISION_SHARE = 0.25


@dataclass(frozen=True)
class Pair:
    """An item and an event it is compared with: the item's features and its members'."""

    item: EventCandidate
    mine: Features
    event: EventSummary
    theirs: list[Features]


@dataclass(frozen=True)
class Veto:
    """A hard conflict: the item cannot be in the event, whatever else agrees."""

    reason: str


# What a rule finds: nothing to compare (None), points and/or a reason, or a veto.
Finding = tuple[float | None, str | None] | Veto | None


@dataclass(frozen=True)
class ScoreRule:
    name: str
    why: str
    check: Callable[[Pair], Finding]


def _near_duplicate(p: Pair) -> Finding:
    best_sim = max((similarity(p.item.signature, m.item.signature) for m in p.event.members), default=0.0)
    if best_sim >= NEAR_DUPLICATE_THRESHOLD:
        return 6, f"near-duplicate text ({best_sim:.2f})"
    return None


def _state(p: Pair) -> Finding:
    mine = p.mine
    states = {f.state for f in p.theirs if f.state} if mine.state else None
    if not states:
        return None
    if mine.state in states:
        return 1, f"same state {mine.state}"
    if mine.states & states:
        # A story about two states ("Indiana guns to Chicago") may lead with the other one.
        return -1, f"mainly {mine.state}, also {', '.join(sorted(mine.states & states))}"
    return Veto(f"other state {mine.state} (event: {', '.join(sorted(states))})")


def _scope(p: Pair) -> Finding:
    mine = p.mine
    national = sum(f.national for f in p.theirs)
    if mine.state and not mine.national and national and 2 * national >= len(p.theirs):
        return -3, f"a {mine.state} story vs a national operation"
    if mine.national and any(f.state for f in p.theirs) and not national:
        return -3, "a national operation vs a state one"
    return None


def _operation(p: Pair) -> Finding:
    mine = p.mine
    if not mine.operation and p.item.title:
        # "Midway Blitz has topped 3,000": the event's name in a headline without the word Operation
        for name in sorted({f.operation for f in p.theirs if f.operation}):
            bare = name.removeprefix("Operation ")
            if " " in bare and re.search(rf"\b{re.escape(bare)}\b", p.item.title):
                return 4, f"names '{name}' in its title"
    operations = {f.operation for f in p.theirs if f.operation} if mine.operation else None
    if not operations:
        return None
    if mine.operation not in operations:
        return Veto(f"other operation '{mine.operation}'")
    return 4, f"same operation '{mine.operation}'"


def _arrests(p: Pair) -> Finding:
    mine, item, event = p.mine, p.item, p.event
    counts = {f.arrests for f in p.theirs if f.arrests} if mine.arrests else None
    if not counts:
        return None
    if mine.arrests in counts:
        return (3.5 if mine.arrests > 2 else 1), f"arrests {mine.arrests}"
    if mine.operation and mine.operation in {f.operation for f in p.theirs}:
        # one named operation reports growing totals as it goes on (13, 550, 800, 3,000)
        return None
    nearest = min(counts, key=lambda c: abs(c - mine.arrests))
    share = abs(nearest - mine.arrests) / max(nearest, mine.arrests)
    later = item.date and iso_date(event.first_published) and item.date > iso_date(event.first_published)
    cited = sorted(mine.all_arrests & counts)
    if later and cited:
        # "1,157 arrests, 37 more than the 1,120 it announced": the item cites the event's total.
        return 3, f"arrests {mine.arrests}, citing {cited[0]}"
    if share <= REVISION_SHARE and later:
        return 1.5, f"arrests {mine.arrests} revises {nearest}"
    return -3, f"arrests {mine.arrests} vs {nearest}"


def _charge_types(p: Pair) -> Finding:
    if not p.mine.charge_types:
        return None
    shared_types = p.mine.charge_types & set().union(*(f.charge_types for f in p.theirs))
    return (min(0.5 * len(shared_types), 1.0), None) if shared_types else None


def _charged(p: Pair) -> Finding:
    if p.mine.charges and any(f.charges == p.mine.charges for f in p.theirs):
        return 2, f"charged {p.mine.charges}"
    return None


def _seizures(p: Pair) -> Finding:
    mine = p.mine
    seizures = set().union(*(f.seizures for f in p.theirs)) if mine.seizures else None
    if not seizures:
        return None
    main, theirs = mine.main_seizure, {f.main_seizure for f in p.theirs if f.main_seizure}
    same_kind = [t for t in theirs if main and t[:2] == main[:2]]
    if same_kind and not any(abs(t[2] - main[2]) <= SEIZURE_ROUNDING * max(t[2], main[2]) for t in same_kind):
        # the seizures the stories report differ: another case, whatever quantities they cite
        return -4, f"other seizure {main[2]} {main[1]} {main[0]}"
    if mine.seizures & seizures:
        value, unit, count = sorted(mine.seizures & seizures, key=str)[0]
        return 3, f"seizure {count} {unit} {value}"
    # a rounded figure of the same seizure ("450,000 pills" for 446,200) is the same seizure
    close = [(a, b) for a in mine.seizures for b in seizures
             if a[:2] == b[:2] and abs(a[2] - b[2]) <= SEIZURE_ROUNDING * max(a[2], b[2])]
    if close:
        value, unit, count = close[0][0]
        return 2, f"seizure about {count} {unit} {value}"
    if {s[:2] for s in mine.seizures} & {s[:2] for s in seizures}:
        # the same substance and unit in other amounts: another seizure (two loads at one port)
        return -4, "other seizure"
    if {s[0] for s in mine.seizures} & {s[0] for s in seizures}:
        return None  # the same substance in other units: no evidence either way
    return -1, None


def _durations(p: Pair) -> Finding:
    if not p.mine.durations:
        return None
    shared_durations = p.mine.durations & set().union(*(f.durations for f in p.theirs))
    return (1.5, f"{min(shared_durations)}-day duration") if shared_durations else None


def _overlaps(a: tuple[str, str], b: tuple[str, str]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _gap_days(a: tuple[str, str], b: tuple[str, str]) -> int:
    first, second = sorted((a, b))
    return (dt.date.fromisoformat(second[0]) - dt.date.fromisoformat(first[1])).days


def _date_ranges(p: Pair) -> Finding:
    mine = p.mine
    ranges = [r for f in p.theirs for r in f.ranges] if mine.ranges else None
    if not ranges:
        return None
    if any(_overlaps(a, b) for a in mine.ranges for b in ranges):
        return 2, f"dates {mine.ranges[0][0]}/{mine.ranges[0][1]}"
    if not any(_gap_days(a, b) <= RANGE_GAP_DAYS for a in mine.ranges for b in ranges):
        # Follow-up arrests days after an operation ended are fine; May vs September is another operation.
        return -4, "other dates"
    return None


def _places(p: Pair) -> Finding:
    if not p.mine.cities:
        return None
    shared_cities = p.mine.cities & set().union(*(f.cities for f in p.theirs))
    if not shared_cities:
        return None
    return (min(0.75 * len(shared_cities), 2.25),
            "places " + ", ".join(sorted(c.split("|")[0] for c in shared_cities)[:3]))


def _their_nationalities(p: Pair) -> dict[str, set]:
    nat: dict[str, set] = {}
    for f in p.theirs:
        for code, count in f.nationalities.items():
            nat.setdefault(code, set()).add(count)
    return nat


def _nationalities(p: Pair) -> Finding:
    mine = p.mine
    nat = _their_nationalities(p) if mine.nationalities else None
    if not nat:
        return None
    shared = set(mine.nationalities) & set(nat)
    return (2 * len(shared) / len(set(mine.nationalities) | set(nat)),
            "nationalities " + ", ".join(sorted(shared)[:4]) if shared else None)


def _nationality_counts(p: Pair) -> Finding:
    mine = p.mine
    nat = _their_nationalities(p) if mine.nationalities else None
    if not nat:
        return None
    shared = set(mine.nationalities) & set(nat)
    same_counts = [c for c in shared if mine.nationalities[c] and mine.nationalities[c] > 1
                   and mine.nationalities[c] in nat[c]]
    return (2, None) if len(same_counts) >= 2 else None


def _agencies(p: Pair) -> Finding:
    if p.mine.agencies and p.mine.agencies & set().union(*(f.agencies for f in p.theirs)):
        return 0.5, None
    return None


def _names(p: Pair) -> Finding:
    if not p.item.keywords:
        return None
    shared_words = p.item.keywords & set().union(*(m.item.keywords for m in p.event.members))
    if not shared_words:
        return None
    return min(1.25 * len(shared_words), 2.5), "names " + ", ".join(sorted(shared_words)[:3])


def _days_apart(p: Pair) -> Finding:
    dates = [m.item.date for m in p.event.members if m.item.date]
    if not (p.item.date and dates):
        return None
    gap = min(abs((p.item.date - d).days) for d in dates)
    return (1 if gap <= 3 else -1 if gap > 21 else None), f"{gap} days apart"


# Evaluated in this order; the points add up in it, the reasons are listed in it. Each rule first
# asks whether the item has the fact at all: an item is scored against every event of its window,
# and most rules have nothing to compare.
RULES = [
    ScoreRule("near-duplicate", "a copy of a member's text is the same story", _near_duplicate),
    ScoreRule("state", "one operation happens in one state; a story may lead with a neighbour", _state),
    ScoreRule("scope", "a national operation (its count the country's) is no one state's, and the reverse",
              _scope),
    ScoreRule("operation", "a named operation is the strongest identity; another name is another one",
              _operation),
    ScoreRule("arrests", "the same total; a later item may cite or revise it, other counts say otherwise",
              _arrests),
    ScoreRule("charge types", "the same charges are weak evidence: many operations share them", _charge_types),
    ScoreRule("charged", "the same number charged", _charged),
    ScoreRule("seizures", "the same quantity of a substance; a seizure of something else counts against",
              _seizures),
    ScoreRule("duration", "the same length of operation", _durations),
    ScoreRule("date ranges", "overlapping periods; periods weeks apart are other operations", _date_ranges),
    ScoreRule("places", "the same cities or counties", _places),
    ScoreRule("nationalities", "the same countries, by share of all named", _nationalities),
    ScoreRule("nationality counts", "two or more countries with the same counts", _nationality_counts),
    ScoreRule("agencies", "the same specific agency (generic ones are left out of the features)", _agencies),
    ScoreRule("names", "the same recurring names (a defendant, a company)", _names),
    ScoreRule("days apart", "coverage follows within days; a month later is less likely the same", _days_apart),
]


def score(item: EventCandidate, event: EventSummary) -> tuple[float, list[str]]:
    """Evidence that `item` reports on `event`: the points of RULES and their reasons, or -inf with
    the reason of the first veto."""
    pair = Pair(item, features(item), event, [features(m.item) for m in event.members])
    reasons: list[str] = []
    total = 0.0
    for rule in RULES:
        found = rule.check(pair)
        if found is None:
            continue
        if isinstance(found, Veto):
            return float("-inf"), [found.reason]
        points, reason = found
        if points is not None:
            total += points
        if reason is not None:
            reasons.append(reason)
    return total, reasons
