"""The extractors of every fact kind, in the order their facts are listed, and `extract_facts`,
which runs them over a story's title and text."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from monitor.intel.facts import (agencies, charge_types, counts, dates, nationalities, operations,
                                 places)
from monitor.intel.facts.fact import KINDS, Fact, Field

# The family modules, each with its Rule table (RULES) and extractors.
FAMILIES = (counts, dates, places, nationalities, agencies, operations, charge_types)

# Fact kind -> the extractor that reads facts of that kind from one field. A new fact type is a
# family module with its Rule table and extractor, registered here (and named in KINDS).
EXTRACTORS: dict[str, Callable[[Field], list[Fact]]] = {
    "arrests": counts.arrest_facts,
    "charges": counts.charge_count_facts,
    "duration": dates.duration_facts,
    "date_range": dates.date_range_facts,
    "place": places.place_facts,
    "nationality": nationalities.nationality_facts,
    "agency": agencies.agency_facts,
    "operation": operations.operation_facts,
    "seizure": operations.seizure_facts,
    "charge": charge_types.charge_type_facts,
}
assert tuple(EXTRACTORS) == KINDS, "every kind has one extractor, in the order of KINDS"


def _field_facts(f: Field) -> list[Fact]:
    return [fact for extract in EXTRACTORS.values() for fact in extract(f)]


def _as_named(fact: Fact, named: list[str]) -> Fact | None:
    """A title-case headline's operation as the text names it, or None when the text does not."""
    for name in named:
        if fact.value == name or fact.value.startswith(name + " "):
            cut = len(name) - len(fact.value)
            return dataclasses.replace(fact, value=name, end=fact.end + cut if cut else fact.end,
                                       quote=fact.quote[:len(fact.quote) + cut] if cut else fact.quote)
    return None


def extract_facts(text: str, *, title: str | None = None, published: str | None = None) -> list[Fact]:
    """Facts of a story. Title facts carry field="title" and offsets into the title; text facts carry
    field="text" and offsets into `text`. `published` (ISO date) dates ranges that omit the year."""
    date = dates._parse_published(published)
    hints = places.state_hints((title or "") + "\n" + text)
    facts = _field_facts(Field(text, "text", date, hints))
    if title:
        title_facts = _field_facts(Field(title, "title", date, hints))
        if operations.is_title_case(title):
            # "Border Patrol Operation Targets Criminal Migrants": capitals are the headline's style;
            # a name there counts when the text names the operation too
            # (and a name running on into the headline's next words is cut back to the text's)
            named = sorted({f.value for f in facts if f.kind == "operation"}, key=len, reverse=True)
            title_facts = [_as_named(f, named) if f.kind == "operation" else f for f in title_facts]
            title_facts = [f for f in title_facts if f is not None]
        facts = title_facts + facts
    return dates._without_vague_ranges(facts)
