"""The figures users read for one operation (an event): one arrest figure and who reported it,
one state, the agency, the operation's name and dates, its members by role and the
disagreements in plain words. Pure: the store keeps the result as a row of `operations`."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from monitor.intel.events import EventMember, EventSummary
from monitor.intel.facts import headline_count, primary_state
from monitor.intel.facts.agencies import GENERIC_AGENCIES

# A page that sums up a year or a period (an annual report, a statistics page, a "by the numbers"
# round-up) reports totals over many operations: it is not one, and its figures are no operation's.
_REPORT_TITLE = re.compile(
    r"\b(?:annual(?:\s+\w+)?\s+report|annual\s+(?:statistics|figures|review|results)|"
    r"year[- ](?:end|in[- ]review)|fiscal\s+year\s+(?:19|20)\d\d\s+(?:report|statistics|results|data)|"
    r"FY\s?(?:19|20)?\d\d\s+(?:report|statistics|results|data|annual)|"
    r"(?:enforcement|arrest|removal|detention)\s+statistics|statistics\s+(?:page|report|for)|"
    r"by\s+the\s+numbers|monthly\s+(?:report|update|statistics)|data\s+(?:release|dashboard))\b",
    re.I)


@dataclass(frozen=True)
class MemberInfo:
    """What the store knows of a member beyond its event candidate: who published it."""

    source: str | None = None
    agency: str | None = None
    site: str | None = None
    duplicate_of: str | None = None

    def reporter(self, kind: str) -> str:
        """Who said it, as a reader names them: the agency for its own release, else the
        outlet (the site's name, else the configured source)."""
        if kind == "press_release" and self.agency:
            return self.agency
        return self.site or self.source or self.agency or "unknown source"


def is_report(title: str | None) -> bool:
    """Does the title say the page sums up a period (annual report, statistics) rather than
    reporting one operation?"""
    return bool(title and _REPORT_TITLE.search(title))


def _arrest_claim(member: EventMember) -> tuple[int, str] | None:
    """(count, qualifier) of the member's headline arrest count."""
    facts = list(member.item.facts)
    count = headline_count(facts, "arrests")
    if not count:
        return None
    same = [f for f in facts if f.kind == "arrests" and f.count == count]
    same.sort(key=lambda f: f.field != "title")
    qualifier = (same[0].qualifier if same else None) or "exact"
    return int(count), qualifier


def operation_row(summary: EventSummary, info: Mapping[str, MemberInfo]) -> dict | None:
    """The `operations` row of an event, or None when it is no operation (only reports and
    statistics pages). `info`: item id -> MemberInfo of each member."""
    members = [m for m in summary.members if not is_report(m.item.title)]
    if not members:
        return None

    def about(member: EventMember) -> MemberInfo:
        return info.get(member.item.item_id) or MemberInfo()

    claims = {m.item.item_id: _arrest_claim(m) for m in members}
    releases = [m for m in members if m.role == "release" or m.item.kind == "press_release"]
    chosen: EventMember | None = None
    release_claims = [m for m in releases if claims[m.item.item_id]]
    if release_claims:
        # The agency's own figure; of several releases, the newest (a revised total).
        chosen = max(release_claims, key=lambda m: (m.item.published or "", m.role == "release"))
    else:
        # Otherwise the best exact figure: exact before hedged, then the figure most members
        # report, then the newest (follow-ups revise totals).
        support = Counter(claim[0] for claim in claims.values() if claim)
        ranked = sorted((m for m in members if claims[m.item.item_id]),
                        key=lambda m: (claims[m.item.item_id][1] == "exact",
                                       support[claims[m.item.item_id][0]], m.item.published or ""),
                        reverse=True)
        chosen = ranked[0] if ranked else None
    release = next((m for m in members if m.role == "release"), releases[0] if releases else None)

    state = primary_state(list(release.item.facts)) if release else None
    if state is None:
        states = Counter(s for s in (primary_state(list(m.item.facts)) for m in members) if s)
        state = states.most_common(1)[0][0] if states else summary.state
    agency = about(release).agency if release else None
    if not agency:
        named = Counter(a for m in members if m.item.kind == "press_release"
                        for a in [about(m).agency] if a)
        named = named or Counter(f.value for m in members for f in m.item.facts
                                 if f.kind == "agency" and f.value not in GENERIC_AGENCIES)
        agency = named.most_common(1)[0][0] if named else None

    dates = sorted(m.item.published[:10] for m in members if m.item.published)
    roles = Counter(m.role for m in members)
    names = {m.item.item_id: about(m).reporter(m.item.kind) for m in members}
    disagreements = {kind: values for kind, values in summary.disagreements().items()}
    figure = claims[chosen.item.item_id] if chosen else None
    return {
        "event_id": summary.event_id,
        "label": (release or members[0]).item.title or summary.label,
        "operation": summary.operation,
        "state": state,
        "agency": agency,
        "arrests": figure[0] if figure else None,
        "arrests_qualifier": figure[1] if figure else None,
        "arrests_item": chosen.item.item_id if chosen else None,
        "arrests_by": names[chosen.item.item_id] if chosen else None,
        "arrests_source": about(chosen).source if chosen else None,
        "arrests_role": chosen.role if chosen else None,
        "release_id": release.item.item_id if release else None,
        "first_date": dates[0] if dates else None,
        "last_date": dates[-1] if dates else None,
        "month": dates[0][:7] if dates else None,
        "items": len(members),
        "releases": roles.get("release", 0),
        "coverage": roles.get("coverage", 0),
        "follow_ups": roles.get("follow_up", 0),
        "copies": sum(1 for m in members if about(m).duplicate_of),
        "outlets": len({about(m).source or names[m.item.item_id] for m in members}),
        "disagreements": disagreements_in_words(disagreements, names) or None,
    }


def disagreements_in_words(disagreements: Mapping[str, Mapping[str, list[str]]],
                           names: Mapping[str, str]) -> str:
    """{"arrests": {"19": [ids], "21": [ids]}} as "arrests: ICE: 19; The Ledger: 21", one kind a
    line; members left out of `names` (reports) are not quoted."""
    lines = []
    for kind, values in disagreements.items():
        parts = []
        for value, ids in values.items():
            who = list(dict.fromkeys(names[i] for i in ids if i in names))
            if who:
                parts.append(f"{', '.join(who)}: {value}")
        if len(parts) > 1:
            label = kind.replace("nationality:", "nationals of ").replace("_", " ")
            lines.append(f"{label}: " + "; ".join(parts))
    return "\n".join(lines)
