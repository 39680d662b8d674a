"""Agencies a story names ("ICE ERO", "U.S. Marshals", "local police"). A component implies its
parent agency (ICE ERO -> ICE, Border Patrol -> CBP)."""

from __future__ import annotations

import re

from monitor.intel.facts.fact import Fact, Field
from monitor.intel.facts.rules import rule

# The family's rules: one per agency, named by the value it yields, in the order they are tried
# (a local police match may not overlap an earlier agency's). The patterns are case-sensitive,
# and each is tried only on a text holding one of the words every match of it contains
# (`Rule.words`, read from the pattern): most stories name two or three agencies of sixteen.
RULES = [rule("agency", name, rx, skip="text") for name, rx in [
    ("ICE ERO", r"\bEnforcement and Removal Operations\b|\bERO\b"),
    ("ICE HSI", r"\bHomeland Security Investigations\b|\bHSI\b"),
    ("ICE", r"\bImmigration and Customs Enforcement\b|\bICE\b"),
    ("Border Patrol", r"\bBorder Patrol\b|\bUSBP\b"),
    ("CBP", r"\bCustoms and Border Protection\b|\bCBP\b"),
    ("FBI", r"\bFederal Bureau of Investigation\b|\bFBI\b"),
    ("DEA", r"\bDrug Enforcement Administration\b|\bDEA\b"),
    ("ATF", r"\bBureau of Alcohol, Tobacco, Firearms,? and Explosives\b|\bATF\b"),
    ("U.S. Marshals", r"\b(?:U\.S\.|United States) [Mm]arshals?\b(?: Service)?|\bMarshals Service\b|\bUSMS\b|"
                      r"\bdeputy (?:U\.S\. )?marshals\b"),
    ("Diplomatic Security", r"\bDiplomatic Security(?: Service)?\b|\bDSS\b"),
    ("Coast Guard", r"\bCoast Guard\b|\bUSCG\b"),
    ("U.S. Attorney's Office", r"\b(?:U\.S\.|United States) Attorney(?:['’]s Office)?\b|\bUSAO\b"),
    ("DOJ", r"\bDepartment of Justice\b|\bJustice Department\b|\bDOJ\b"),
    ("DHS", r"\bDepartment of Homeland Security\b|\bDHS\b"),
    ("state police", r"\b(?:[A-Z][a-z]+ )+State (?:Police|Patrol)\b|\b(?:[A-Z][a-z]+ )+Highway Patrol\b|"
                     r"\b(?!Federal\b)(?:[A-Z][a-z]+ )+Bureau of (?:Investigation|Narcotics)\b|"
                     r"\b(?:[A-Z][a-z]+ )+Department of Public Safety\b"),
    ("local police", r"\b(?:[A-Z][A-Za-z'-]+ ){1,3}(?:Police Department|Police|police|"
                     r"Sheriff['’]s (?:Office|Department)|County Sheriff)\b"),
]]


_PARENT = {"ICE ERO": "ICE", "ICE HSI": "ICE", "Border Patrol": "CBP"}
# Agencies a story names that say nothing of who led an operation (events do not match on them,
# and an operation is not credited to them).
GENERIC_AGENCIES = frozenset({"local police", "state police", "DHS", "DOJ", "U.S. Attorney's Office"})
_NOT_LOCAL = {"The", "A", "An", "Local", "State", "National", "Federal", "Tribal", "Military", "Transit", "Capitol",
              "Campus", "Border", "Secret", "Some", "Several", "Many", "Most", "All", "Other", "Their", "His", "Her",
              "Its", "When", "Where", "If", "But", "And", "Those", "These", "Both", "City", "County", "Our", "Retiring",
              "Chief", "Deputy", "Interim", "Acting", "Former", "U.S.", "Mounted"}


def _agencies(f: Field) -> tuple[list[Fact], list[tuple[int, int]]]:
    text, field = f.text, f.name
    facts: dict[str, Fact] = {}
    spans: list[tuple[int, int]] = []
    taken: list[tuple[int, int]] = []
    for r in RULES:
        if r.cannot_match(text, None):
            continue
        name = r.name
        for m in r.pattern.finditer(text):
            start, end = m.start(), m.end()
            if name == "local police":
                words = m.group(0).split()
                while words and words[0] in _NOT_LOCAL:
                    start += len(words[0]) + 1
                    words = words[1:]
                if len(words) < 2 or any(a <= start < b or a < end <= b for a, b in taken):
                    continue
            if name == "U.S. Attorney's Office" and re.match(r"\s+General", text[end:]):
                continue
            if name == "local police" and re.search(r"\bNational Police\b", text[start:end]):
                continue  # a foreign country's national police
            taken.append((start, end))
            spans.append((start, end))
            for value in (name, _PARENT.get(name)):
                if value and value not in facts:
                    facts[value] = Fact("agency", value, None, None, None, start, end, text[start:end], field)
    return sorted(facts.values(), key=lambda f: f.start), spans


def agency_facts(f: Field) -> list[Fact]:
    return f.once("agencies", _agencies)[0]


def agency_spans(f: Field) -> list[tuple[int, int]]:
    """Where the field names an agency: no place is read there ("Nebraska State Patrol")."""
    return f.once("agencies", _agencies)[1]
