"""Structured facts in a story (counts, places, nationalities, agencies, dates, operations, seizures,
charges), each with the exact span of text it came from. Pure: no I/O beyond packaged gazetteers.

One module per family of facts, each with its Rule table (`rules.Rule`) and extractors; `registry`
lists the extractors (EXTRACTORS) that `extract_facts` runs. This package keeps the public names."""

from monitor.intel.facts.counts import headline_count
from monitor.intel.facts.fact import EXTRACTOR_VERSION, KINDS, Fact, Field
from monitor.intel.facts.nationalities import DEMONYMS, merged_nationalities
from monitor.intel.facts.numbers import finditer, lowered_exactly, parse_number
from monitor.intel.facts.places import primary_state
from monitor.intel.facts.registry import EXTRACTORS, FAMILIES, extract_facts
from monitor.intel.facts.rules import Rule, required_words

__all__ = ["DEMONYMS", "EXTRACTORS", "EXTRACTOR_VERSION", "FAMILIES", "KINDS", "Fact", "Field", "Rule", "extract_facts",
           "finditer", "headline_count", "lowered_exactly", "merged_nationalities", "parse_number",
           "primary_state", "required_words"]
