"""The extractors of every fact kind, in the order their facts are listed, and `extract_facts`,
which runs them over a story's title and text."""

from __future__ import annotations

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


def extract_facts(text: str, *, title: str | None = None, published: str | None = None) -> list[Fact]:
    """Facts of a story. Title facts carry field="title" and offsets into the title; text facts carry
    field="text" and offsets into `text`. `published` (ISO date) dates ranges that omit the year."""
    date = dates._parse_published(published)
    hints = places.state_hints((title or "") + "\n" + text)
    facts = _field_facts(Field(text, "text", date, hints))
    if title:
        facts = _field_facts(Field(title, "title", date, hints)) + facts
    return dates._without_vague_ranges(facts)
