"""Types of charge a story names ("drug trafficking", "illegal reentry", "DUI")."""

from __future__ import annotations

import re

from monitor.intel.facts.fact import Fact, Field
from monitor.intel.facts.numbers import lowered_exactly
from monitor.intel.facts.rules import rule

_DRUGS = (r"(?:fentanyl|heroin|cocaine|methamphetamine|meth|narcotics?|marijuana|drugs?|controlled substances?|"
          r"dangerous drugs?|oxycodone)")


# The family's rules, one per charge type, named by the value it yields: the first match in a
# field is its span. Case-insensitive but for DUI ("DUI", "OUI"). Each is tried only on a field
# holding one of the words every match contains (`Rule.words`, read from the pattern; for DUI's
# case-sensitive pattern too, as its words are then in the lower-cased field).
RULES = [rule("charge", name, rx, 0 if name == "DUI" else re.I, skip="lowered") for name, rx in [
    ("drug trafficking", r"drug[- ]trafficking|drug[- ]related trafficking|"
                         rf"trafficking(?: in)?(?: \w+){{0,2}}? {_DRUGS}|"
                         r"(?:distribut\w+|sale|sell\w*|dealing|deal\w*|possess\w* with intent to distribute|"
                         rf"transportation|possession)(?: of| in)?(?: \w+){{0,3}}? {_DRUGS}(?: for sale)?\b"
                         r"(?!\s+(?:overdose|deaths))|"
                         r"narcotics distribution|drug distribution|conspiracy to distribute|sale of narcotics|"
                         r"importation of a controlled substance|"
                         r"(?:fentanyl|heroin|cocaine|meth|methamphetamine|drug) "
                         r"(?:ring|network|distribution|trafficking organization)|"
                         r"(?:methamphetamine|heroin) (?:and \w+ )?sales"),
    ("illegal reentry", r"illegal(?:ly)? re-?entry|re-?entry (?:after|following) (?:removal|deportation)|"
                        r"re-?entered the (?:country|United States)(?: illegally)? after "
                        r"(?:being )?(?:removed|deported)|"
                        r"returned to the (?:country|United States) (?:illegally )?after being (?:removed|deported)"),
    ("child exploitation", r"child (?:pornography|sexual abuse material|exploitation)|child sex(?:ual)? exploitation|"
                           r"entic\w+ (?:of )?(?:a )?(?:minor|child)|"
                           r"sexual exploitation of (?:a )?(?:minors?|child(?:ren)?)|"
                           r"solicitation of a child|child predators?"),
    ("human trafficking", r"(?:human|sex|labor) trafficking|trafficking of (?:a )?minor"),
    ("human smuggling", r"(?:human|alien|migrant|people) smuggling|smuggling (?:of )?(?:aliens|migrants|people)"),
    ("firearms", r"firearms? (?:offenses?|violations?|trafficking|charges?|convictions?)|convictions? for firearms|"
                 r"felon in possession|possess\w* (?:of )?a firearm|dealing in firearms|"
                 r"false statements? in the purchase of (?:a )?firearms?|gun trafficking|straw purchas\w+|"
                 r"weapons? (?:offenses?|charges?|violations?)"),
    ("homicide", r"homicides?|murder|manslaughter"),
    ("sexual assault", r"sexual(?:ly)? assault\w*|\brape\b|aggravated sexual"),
    ("assault", r"(?<!sexual )(?<!sexually )\bassault\b(?! and murder)"),
    ("robbery", r"robber(?:y|ies)"),
    ("burglary", r"burglar(?:y|ies)|breaking and entering"),
    ("theft", r"(?<!wage )(?<!identity )\btheft|larceny|stolen property"),
    ("fraud", r"\bfraud\b|false statement in a passport application"),
    ("identity theft", r"identity theft"),
    ("money laundering", r"money laundering"),
    ("DUI", r"(?:driving|operating) (?:under the influence|while intoxicated)|drunk(?:en)? driving|"
            r"\bDUI\b|\bDWI\b|\bOUI\b"),
    ("prostitution", r"prostitut\w+|pandering|patronizing a prostitute"),
]]


def charge_type_facts(f: Field) -> list[Fact]:
    text, field = f.text, f.name
    facts = []
    lowered = lowered_exactly(text)
    for r in RULES:
        if r.cannot_match(text, lowered):
            continue
        m = r.pattern.search(text)
        if m:
            facts.append(Fact("charge", r.name, None, None, None, m.start(), m.end(), text[m.start():m.end()], field))
    return sorted(facts, key=lambda f: f.start)
