"""The Fact record, the kinds of fact, and the field (title or text) they are read from."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field as dataclass_field
from typing import Any

# Bump when a change to the rules can change the facts of an already stored item.
EXTRACTOR_VERSION = "facts-2026.12"

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
      a dateline place has qualifier "dateline", a city an operation is tied to ("the operation
      centered on Chicago") "operation".
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


@dataclass
class Field:
    """One field of a story as the extractors read it: its text, its name ("text" or "title"), the
    story's publication date and the states it mentions anywhere (`places.state_hints`)."""

    text: str
    name: str
    published: dt.date | None = None
    hints: Counter = dataclass_field(default_factory=Counter)
    _kept: dict[str, Any] = dataclass_field(default_factory=dict, repr=False)

    def once(self, key: str, compute: Callable[[Field], Any]) -> Any:
        """`compute(self)`, computed once per field: what one family reads and another needs (the
        agencies' spans for places, the durations for date ranges)."""
        if key not in self._kept:
            self._kept[key] = compute(self)
        return self._kept[key]
