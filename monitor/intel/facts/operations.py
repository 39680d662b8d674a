"""Named operations ("Operation Patriot 2.0") and seizures (drugs by weight, cash, firearms)."""

from __future__ import annotations

import re

from monitor.intel.facts.fact import Fact, Field
from monitor.intel.facts.numbers import NUM, Q, finditer, parse_number, qualifier
from monitor.intel.facts.places import is_place_name
from monitor.intel.facts.rules import Rule

# "Operation Patriot 2.0", "Operation “Red Dirt”": capitalised words, numbers or roman numerals after "Operation".
# "Operation Down the Rabbit Hole": "the" or "of" inside a name, before another capitalised word.
_OPERATION_RE = re.compile(r"\bOperation\s+(?P<q>[\"“])?"
                           r"(?P<name>[A-Z][\w'’-]*(?:\s+(?:(?:the|of)\s+(?!Operation\b)[A-Z][\w'’-]*|"
                           r"(?!Operation\b)[A-Z][\w'’-]*|\d+(?:\.\d+)*|[IVX]+)\b)*)[\"”]?")
# "Operation Reclaim and Rebuild", "Operation Safe and Sound": two single words joined by "and",
# where the name ends (punctuation, the end, or a word for the operation: "... Rebuild campaign").
# A second word that is a place or an acronym starts the sentence's next subject instead: "Operation
# Patriot and Boston police", "Operation Midway Blitz and ICE" (and a longer first part never joins).
_AND_NAME_RE = re.compile(r"\bOperation\s+(?P<name>[A-Z][a-z'’-]+\s+and\s+(?P<second>(?!Operation\b)[A-Z][a-z'’-]+))"
                          r"(?=\s*$|[,.;:!?)\"”]|\s+(?:campaign|operation|effort|initiative|sweep|sting|crackdown|"
                          r"program|programme|detail)s?\b)")
# "Patriot 2.0": a name with a version number, without the word Operation, counts where the
# sentence speaks of an operation (or the name is quoted).
_VERSIONED_RE = re.compile(r"(?<!Operation\s)(?<![\w.])(?P<quote>['‘\"“])?(?P<name>[A-Z][a-z]{2,}\s+\d\.\d)\b(?!\.\d)"
                           r"(?P<close>['’\"”])?")
_OPERATION_CONTEXT = re.compile(r"\b(?:operation|surge|sweep|crackdown|blitz|initiative|campaign)\b", re.I)
# "the operation it calls Charlotte's Web", "an investigation called Low Voltage", "the surge known as
# Patriot 2.0", "which called the investigation Low Voltage": a name without the word Operation,
# given by a naming verb with an operation word shortly before the name in the same sentence.
# ("named" alone is left out: "a man named ..." names people; "has named" is kept.)
_NAMED_RE = re.compile(r"\b(?:calls?|called|dubbed|nicknamed|code-?named|known as|the name|(?:has|have|had) named|"
                       r"(?:calls?|called|dubbed|named) (?:the|its|this) (?:investigation|operation|case|probe))"
                       r"\s+[\"“‘']?"
                       r"(?P<name>[A-Z][\w'’-]*(?:\s+(?:(?:the|of)\s+[A-Z][\w'’-]*|[A-Z][\w'’-]*|"
                       r"\d+(?:\.\d+)*|[IVX]+)\b){0,4})")
_NAMED_NOUN = re.compile(r"\b(?:operation|surge|sweep|crackdown|raid|investigation|case|effort|push|initiative|"
                         r"campaign|blitz|takedown)s?\b", re.I)
_NAMED_NOUN_BEFORE = 90  # characters before the naming verb that may hold the operation word
_SUBSTANCES = {"fentanyl": "fentanyl", "carfentanil": "carfentanil", "methamphetamine": "methamphetamine",
               "meth": "methamphetamine", "crystal meth": "methamphetamine", "cocaine": "cocaine",
               "crack cocaine": "cocaine", "crack": "cocaine", "heroin": "heroin", "marijuana": "marijuana",
               "cannabis": "marijuana", "oxycodone": "oxycodone", "MDMA": "MDMA", "ecstasy": "MDMA",
               "xylazine": "xylazine", "ketamine": "ketamine", "opioids": "opioids", "narcotics": "narcotics",
               "drugs": "drugs"}
_SUBSTANCE_RE = "|".join(re.escape(s) for s in sorted(_SUBSTANCES, key=len, reverse=True))
_UNITS_RE = {"lb": r"pounds?|lbs?\.?", "kg": r"kilograms?|kilos?|kg", "g": r"grams?", "oz": r"ounces?|oz\.?",
             "t": r"tons?"}
_UNIT_RE = "|".join(f"(?P<{u}>{rx})" for u, rx in _UNITS_RE.items())
# A quantity counts as a seizure only in a sentence that says it was seized, found or recovered.
_SEIZE_VERB = re.compile(r"\b(?:seiz\w+|recover\w*|confiscat\w+|found|find|took|turned up|offload\w*|intercept\w+|"
                         r"interdict\w+|stopped|discover\w+)\b", re.I)
_DRUG_SEIZURE_RE = re.compile(rf"(?:\b{Q}\s+)?(?P<n>{NUM})\s+(?:{_UNIT_RE})\s+of\s+(?:(?:[\w-]+\s+){{0,2}}?)"
                              rf"(?P<s>{_SUBSTANCE_RE})\b", re.I)
_CASH_RE = re.compile(rf"(?:\b{Q}\s+)?\$(?P<n>(?:\d{{1,3}}(?:,\d{{3}})+|\d{{1,12}})(?:\.\d{{1,2}})?)\s*(?P<scale>million|thousand)?\s+(?:in\s+)?"
                      r"(?:cash|currency|U\.S\. currency|bulk cash)\b", re.I)
_GUNS_RE = re.compile(rf"(?:\b{Q}\s+)?(?P<n>{NUM})\s+(?:[\w-]+\s+)?"
                      r"(?:firearms|guns|handguns|rifles|pistols|weapons|shotguns)\b", re.I)
_BOUGHT = re.compile(r"\b(?:bought|purchased|buying)\b")
# Pills by number: "446,200 fentanyl pills", "19,800 counterfeit oxycodone pills", "1.7 million pills".
_PILLS_RE = re.compile(rf"(?:\b{Q}\s+)?(?P<n>{NUM})\s+(?:(?!of\b)[\w-]+\s+){{0,2}}?pills\b", re.I)


def _read_drugs(m: re.Match, add) -> None:
    count = parse_number(m.group("n"))
    if count:
        unit = next(u for u in _UNITS_RE if m.group(u))
        add(_SUBSTANCES.get(m.group("s"), _SUBSTANCES.get(m.group("s").lower(), m.group("s").lower())),
            count, unit, qualifier(m.group("q")), m)


def _read_cash(m: re.Match, add) -> None:
    scale = {"million": 1e6, "thousand": 1e3}.get((m.group("scale") or "").lower(), 1)
    count = float(m.group("n").replace(",", "")) * scale
    add("cash", count, "USD", qualifier(m.group("q")), m)


def _read_pills(m: re.Match, add) -> None:
    count = parse_number(m.group("n"))
    if count and count == int(count) and count > 1:  # "fentanyl pills" or "pills": one seizure
        add("pills", count, "pills", qualifier(m.group("q")), m)


def _read_guns(m: re.Match, add) -> None:
    count = parse_number(m.group("n"))
    bought = _BOUGHT.search(m.string[max(0, m.start() - 40):m.start()])  # "bought 64 handguns" is no seizure
    if count and count == int(count) and not bought:
        add("firearms", count, "firearms", qualifier(m.group("q")), m)


# The family's rules, in the order they are read. A seizure's quantity counts only in a sentence
# that says it was seized, found or recovered (`_SEIZE_VERB`); its rule reads the match.
RULES = [
    Rule("operation", "Operation and a capitalised name", _OPERATION_RE),
    Rule("seizure", "a weight of a substance: 12 kilograms of fentanyl", _DRUG_SEIZURE_RE, read=_read_drugs),
    Rule("seizure", "cash: $40,000 in cash", _CASH_RE, read=_read_cash),
    Rule("seizure", "firearms: four firearms", _GUNS_RE, read=_read_guns),
    Rule("seizure", "pills by number: 446,200 fentanyl pills", _PILLS_RE, read=_read_pills),
]


def is_title_case(title: str) -> bool:
    """A headline with (nearly) every word capitalised: its capitals do not mark names."""
    words = re.findall(r"[A-Za-z][\w'’-]*", title)
    long_words = [w for w in words if len(w) > 3]
    return len(long_words) >= 4 and sum(w[0].isupper() for w in long_words) >= 0.8 * len(long_words)


def operation_facts(f: Field) -> list[Fact]:
    text, field = f.text, f.name
    facts: dict[str, Fact] = {}
    for m in _VERSIONED_RE.finditer(text):
        left = max(text.rfind(". ", 0, m.start()) + 1, text.rfind("\n", 0, m.start()) + 1, 0)
        right = min([i for i in (text.find(". ", m.end()), text.find("\n", m.end())) if i >= 0] or [len(text)])
        quoted = bool(m.group("quote") and m.group("close"))
        if quoted or _OPERATION_CONTEXT.search(text, left, right):
            value = f"Operation {m.group('name')}"
            facts.setdefault(value, Fact("operation", value, None, None, None, m.start("name"), m.end("name"),
                                         m.group("name"), field))
    joined = []  # spans of names with an inner "and": the rule below would cut them at it
    for m in _AND_NAME_RE.finditer(text):
        if not is_place_name(m.group("second")):
            value = f"Operation {m.group('name')}"
            joined.append((m.start(), m.end()))
            facts.setdefault(value, Fact("operation", value, None, None, None, m.start(), m.end(),
                                         m.group(0), field))
    for r in RULES:
        if r.kind != "operation":
            continue
        for m in r.pattern.finditer(text):
            if any(start <= m.start() < end for start, end in joined):
                continue
            name = re.sub(r"\s+(?:In|On|At|The|And)$", "", m.group("name")).rstrip("'’")
            value = f"Operation {name}"
            end = m.start("name") + len(name)
            if value not in facts:
                facts[value] = Fact("operation", value, None, None, None, m.start(), end, text[m.start():end], field)
    for m in _NAMED_RE.finditer(text):
        left = max(_sentence_start(text, m.start()), m.start() - _NAMED_NOUN_BEFORE)
        if _NAMED_NOUN.search(text, left, m.start("name")):
            name = re.sub(r"\s+(?:In|On|At|The|And|Of)$", "", m.group("name")).rstrip("'’")
            value = name if name.startswith("Operation ") else f"Operation {name}"
            facts.setdefault(value, Fact("operation", value, None, None, None, m.start("name"),
                                         m.start("name") + len(name), name, field))
    return list(facts.values())


def _sentence_start(text: str, pos: int) -> int:
    """Where the sentence holding `pos` starts; the stop of "U.S." or "Mr." ends no sentence."""
    start = pos
    while (dot := text.rfind(". ", 0, start)) >= 0:
        word = text[:dot].rsplit(None, 1)[-1] if text[:dot].strip() else ""
        if not (word[:1].isupper() and (len(word) <= 3 or "." in word)):
            return max(dot + 1, text.rfind("\n", 0, pos) + 1)
        start = dot
    return text.rfind("\n", 0, pos) + 1


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(text.rfind(". ", 0, start) + 1, text.rfind("\n", 0, start) + 1, 0)
    right_candidates = [i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0]
    return left, (min(right_candidates) if right_candidates else len(text))


def seizure_facts(f: Field) -> list[Fact]:
    text, field = f.text, f.name
    facts: dict[tuple, Fact] = {}

    def seized_nearby(m: re.Match) -> bool:
        left, right = _sentence_bounds(text, m.start(), m.end())
        return bool(_SEIZE_VERB.search(text[left:right]))

    def add(value: str, count: float, unit: str, qualifier: str, m: re.Match) -> None:
        if unit != "pills" and not seized_nearby(m):  # pills by number are seized ones ("found with")
            return
        count = int(count) if float(count).is_integer() else count
        key = (value, unit, count)
        if key not in facts:
            facts[key] = Fact("seizure", value, unit, count, qualifier, m.start(), m.end(), text[m.start():m.end()],
                              field)

    for r in RULES:
        if r.kind == "seizure":
            for m in finditer(r.pattern, text):
                r.read(m, add)
    return sorted(facts.values(), key=lambda f: f.start)
