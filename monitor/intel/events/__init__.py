"""Events: the items (a release, its news coverage, follow-ups with updated totals) about one real-world
operation, grouped by their facts and text within a time window. Pure: the caller stores events.

candidate: what matching knows of one item; summary: an event and its members' roles; rules: the
scoring table; assign: the time window, the best match, grouping. This package keeps the public names."""

from monitor.intel.events.assign import (EVENT_LEAD_DAYS, EVENT_WINDOW_DAYS, NEW_EVENT_REASON, absorb_events,
                                         absorb_window, assign_event, candidate_window, could_join, group_events,
                                         item_states, match_event)
from monitor.intel.events.candidate import (FEATURES_VERSION, OWN_RANGE_DAYS, EventCandidate, event_keywords,
                                            lead_length)
from monitor.intel.events.rules import MATCH_THRESHOLD, RANGE_GAP_DAYS, REVISION_SHARE, RULES, ScoreRule, score
from monitor.intel.events.summary import FOLLOW_UP_AFTER_DAYS, EventMember, EventSummary

__all__ = ["EVENT_LEAD_DAYS", "EVENT_WINDOW_DAYS", "FEATURES_VERSION", "FOLLOW_UP_AFTER_DAYS", "MATCH_THRESHOLD",
           "NEW_EVENT_REASON", "absorb_events", "absorb_window", "assign_event", "could_join", "item_states",
           "OWN_RANGE_DAYS", "RANGE_GAP_DAYS", "REVISION_SHARE", "RULES", "EventCandidate", "EventMember",
           "EventSummary", "ScoreRule", "candidate_window", "event_keywords", "group_events", "lead_length",
           "match_event", "score"]
