"""An event as its members make it: the EventSummary (members in the order they joined, the
role each plays) and what it derives from them: label, dates, state, latest total, and the
facts on which its items disagree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from monitor.intel.events.candidate import EventCandidate, features, iso_date

# Coverage published more than this many days after the event began is a follow-up.
FOLLOW_UP_AFTER_DAYS = 3
# A hedged count this close to a release's ("more than 1,100" for 1,120) reports it.
HEDGE_SHARE = 0.1


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
        member = EventMember(item, "coverage", reason)
        self.members.append(member)
        self.assign_roles()
        return member

    def assign_roles(self) -> None:
        """Every member's role from the whole event, whatever order its items arrived in: an
        agency's release is a release; a story published within FOLLOW_UP_AFTER_DAYS of a
        release whose arrest count it repeats reports that release (coverage); other stories are
        coverage in the first days of the event, follow-ups after."""
        releases = [m for m in self.members if m.item.kind == "press_release"]
        first = iso_date(self.first_published)
        for m in self.members:
            if m.item.kind == "press_release":
                m.role = "release"
            elif self.reported_release(m.item, releases) is not None:
                m.role = "coverage"
            else:
                published = m.item.date
                late = first and published and (published - first).days > FOLLOW_UP_AFTER_DAYS
                m.role = "follow_up" if late else "coverage"

    def role_for(self, item: EventCandidate) -> str:
        """The role `item` would have in this event."""
        trial = EventSummary(self.event_id, [EventMember(m.item, m.role, m.reason) for m in self.members])
        return trial.add(item, "").role

    @staticmethod
    def reported_release(item: EventCandidate, releases: list[EventMember]) -> EventMember | None:
        """The release a story reports: one with the story's arrest count, or, for a story naming
        the release's operation, with any arrest count it states, published at most
        FOLLOW_UP_AFTER_DAYS before it (an undated story: any such release)."""
        mine = features(item)
        count = mine.arrests
        # a story about the release's named operation that repeats the release's figure anywhere
        # ("37 in a raid as the tally tops 800") reports it too, whatever its own headline count
        others = [(f.count, f.qualifier) for f in item.facts
                  if f.kind == "arrests" and f.count and f.count != count] if mine.operation else []
        if not count and not others:
            return None

        def repeats(theirs: int | None, figure: int, qualifier: str | None) -> bool:
            # a hedged figure ("more than eleven hundred") reports a release's 1,120
            return bool(theirs) and (theirs == figure or (qualifier not in (None, "exact")
                                                          and abs(theirs - figure) <= HEDGE_SHARE * theirs))

        qualifier = next((f.qualifier for f in item.facts if f.kind == "arrests" and f.count == count), "exact")
        for release in sorted(releases, key=lambda m: m.item.published or ""):
            theirs = features(release.item)
            same_operation = mine.operation and theirs.operation == mine.operation
            if not (count and repeats(theirs.arrests, count, qualifier)) and not (
                    same_operation and any(repeats(theirs.arrests, n, q) for n, q in others)):
                continue
            gap = (item.date - release.item.date).days if item.date and release.item.date else 0
            if -1 <= gap <= FOLLOW_UP_AFTER_DAYS:
                return release
        return None

    # --- derived values -----------------------------------------------------------------------
    @property
    def item_ids(self) -> list[str]:
        return [m.item.item_id for m in self.members]

    @property
    def release_id(self) -> str | None:
        releases = [m for m in self.members if m.role == "release"]
        return min(releases, key=lambda m: m.item.published or "").item.item_id if releases else None

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
        states = Counter(features(m.item).state for m in self.members if features(m.item).state)
        return states.most_common(1)[0][0] if states else None

    @property
    def operation(self) -> str | None:
        ops = Counter(features(m.item).operation for m in self.members if features(m.item).operation)
        return ops.most_common(1)[0][0] if ops else None

    @property
    def operation_dates(self) -> str | None:
        """The operation's own period ("2025-05-01/2025-05-31"), as its members report it: the
        period most members state (a release's counts twice), not when they were published."""
        votes: Counter = Counter()
        for m in self.members:
            for start, end in set(features(m.item).ranges):
                votes[f"{start}/{end}"] += 2 if m.item.kind == "press_release" else 1
        return max(votes, key=lambda r: (votes[r], r)) if votes else None

    @property
    def label(self) -> str:
        release = next((m for m in self.members if m.role == "release"), None)
        first = release or (self.members[0] if self.members else None)
        return (first.item.title or first.item.item_id) if first else self.event_id

    @property
    def arrests(self) -> int | None:
        """The latest reported total: follow-ups revise counts, so the newest item's count wins."""
        dated = sorted((m.item.published or "", i, features(m.item).arrests) for i, m in enumerate(self.members))
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
            feats = features(m.item)
            claim("arrests", feats.arrests, m.item.item_id)
            claim("charges", feats.charges, m.item.item_id)
            for code, count in feats.nationalities.items():
                if count and count > 1:
                    claim(f"nationality:{code}", count, m.item.item_id)
        return {kind: values for kind, values in claims.items() if len(values) > 1}


    def row(self) -> dict:
        """The `events` row: id, label, state, operation, first/last published, item count, arrests,
        disagreements (a dict the caller stores as JSON)."""
        return {"id": self.event_id, "label": self.label, "state": self.state, "operation": self.operation,
                "operation_dates": self.operation_dates,
                "first_published": self.first_published, "last_published": self.last_published,
                "item_count": len(self.members), "arrests": self.arrests, "disagreements": self.disagreements()}

    def item_rows(self) -> list[dict]:
        """The `event_items` rows: event_id, item_id, role, reason."""
        return [{"event_id": self.event_id, "item_id": m.item.item_id, "role": m.role, "reason": m.reason}
                for m in self.members]
