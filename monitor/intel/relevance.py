"""Is a story about a law-enforcement operation (arrests, raids, sweeps, stings, detainers, removals,
indictments, seizures, worksite operations)? A rule score with readable reasons; no fetching."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from monitor.config import RELEVANCE_MODES
from monitor.intel.facts import Fact, extract_facts, lowered_exactly

# Points of evidence at which a story is relevant (score 0.5). Each positive cue adds its weight
# once; negative cues (awards, hiring, grants, meetings, ...) subtract theirs; a cue in the title
# counts TITLE_WEIGHT times. Chosen on the tuned part of tests/intel (benchmarks/intel.py).
RELEVANCE_THRESHOLD = 3.0
TITLE_WEIGHT = 1.5
# Negative cues in the body count less: extracted text can carry a sidebar or teaser of another story.
BODY_NEGATIVE_WEIGHT = 0.6


@dataclass(frozen=True)
class Relevance:
    score: float  # 0..1; 0.5 at the threshold
    relevant: bool
    reasons: list[str] = field(default_factory=list)


# (label, weight, pattern) for positive cues found in the text.
_POSITIVE = [
    ("operation word", 2.0, r"\b(?:sting(?: operation)?|raid(?:s|ed)?|sweep|crackdown|round-?up|takedown|(?:enforcement|"
                            r"targeted|undercover|fugitive|worksite|joint|month-long|\w+-day|\w+-week) "
                            r"(?:operation|action|surge|sweep)|enforcement surge|search warrants?|busted)\b"),
    ("arrest", 1.5, r"\b(?:arrest(?:ed|s|ing)?|apprehend(?:ed|s)?|taken into custody|took (?:him|her|them) into custody|"
                    r"detained|nabbed)\b"),
    ("prosecution", 1.5, r"\b(?:indict(?:ed|ment|s)|charged with|criminal complaint|pleaded guilty|pleads guilty|"
                         r"sentenced|convicted of|extradited|arraigned|faces? (?:\w+ )?charges)\b"),
    ("removal", 1.5, r"\b(?:(?:removed|removes|deported|deports|repatriated) (?:a |an |the )?(?:[\w-]+ ){0,3}?"
                     r"(?:nationals?|citizens?|fugitives?|noncitizens|aliens|immigrants|migrants|member)|"
                     r"deported|deportees|deportation flights?|removal flights?)\b"),
    ("detainer", 0.5, r"\bdetainers?\b"),
    ("seizure word", 1.0, r"\b(?:seized|seizes|seize|seizure|confiscated|offloaded|offloads|interdict\w+)\b"),
    ("fugitive", 0.5, r"\b(?:fugitives?|wanted (?:for|on|in))\b"),
]
_NEGATIVE = [
    ("award ceremony", 3.0, r"\b(?:awards? ceremony|awards? (?:were|was) presented|honou?r(?:s|ed|ing)? (?:\w+ ){0,3}"
                            r"(?:employees|officers|partners|agents|staff|chief)|recogni[sz]e[sd]? \d+ employees|"
                            r"annual awards?|certificates? of appreciation)\b"),
    ("ceremony", 2.0, r"\b(?:ceremony|sworn in|swearing-in|oath of office|change of command|graduation|graduates|"
                      r"retire[sd]?|retirement|farewell|anniversary|commemorat\w+|celebrat\w+|heritage month)\b"),
    ("hiring", 3.0, r"\b(?:hiring event|job fair|career fair|recruit(?:ment|ers|ing)?|applicants?|job offers?|"
                    r"entrance exam|now hiring)\b"),
    # the noun, not the verb: "will grant the press access", "granted bail" are no funding
    ("grants", 3.0, r"\b(?:(?<!will )(?<!to )(?<!would )(?<!could )(?<!not )grants?\b(?! (?:the|a|an|them|him|her|"
                    r"it|access|permission|asylum|bail|relief|parole|immunity)\b)|grantees|"
                    r"million in (?:grants|funding)|awards? to support)\b"),
    ("meeting", 2.0, r"\b(?:community (?:meeting|forum|event|outreach)|town hall|forum|workshop|open house|"
                     r"listening session|citizens academy|national night out|luncheon|potluck|"
                     r"meets? with|met (?:today |on \w+ )?with)\b"),
    ("technology announcement", 2.0, r"\b(?:unveil\w*|biometric|kiosks?|new technology|pilot program)\b"),
    ("other topic", 2.0, r"\b(?:backlog|budget|snowfall|inches of snow|championship|playoffs?|"
                         r"school committee|city council|detention population)\b"),
    # a court ruling on a law or a policy: arrests there are the case's background
    ("court ruling", 2.0, r"\b(?:preliminary injunction|(?:temporary )?restraining order|injunction|lawsuit|"
                          r"class[- ]action|unconstitutional|judge (?:\w+ ){0,2}(?:limits|blocks|bars|halts|rules|"
                          r"extends (?:a |the |her |his )?block)|block(?:s|ed)? on (?:[\w'’-]+ ){0,4}(?:law|policy|rule))\b"),
]
# A statistics page (an annual report, a data analysis, shares of arrests) cites arrests over a
# period, not an operation: when it shows two kinds of these cues (one in the title counts twice)
# and speaks of no operation, it loses STATISTICS_WEIGHT for each.
STATISTICS_WEIGHT = 2.0
_STATISTICS = [
    ("period", r"\b(?:fiscal year|fy ?\d{2,4}|annual (?:report|statistics|summary|data|figures)|year-end|"
               r"calendar year|so far this year|per year|during the year(?!['’])|compared with (?:\w+ ){0,3}last year|"
               r"same (?:period|stretch|months?) (?:of|last)|year[- ]over[- ]year|on average|an average of|"
               r"per (?:day|week|month))\b"),
    ("data", r"\b(?:data (?:show|shows|showed|released|published|obtained|project)|according to (?:[\w-]+ ){0,3}"
             r"(?:data|records|figures|statistics)|dataset|statistics|by the numbers|public records (?:request|lawsuit)|"
             r"analy[sz](?:ed|is)|figures (?:show|released)|tracker)\b"),
    ("share", r"(?:\b\d+(?:\.\d+)? ?(?:%|percent\b|per cent\b)|\bshare of\b|"
              r"\b(?:one|two|three|four|five|six|seven|eight|nine) in (?:ten|10)\b)"),
]


@dataclass(frozen=True)
class _Cue:
    """A cue's pattern, compiled twice: case-insensitive for any text, and case-sensitive for
    the text in lower case (its words are lower case), which Python's re searches in half the
    time. `lowered_exactly` says when the second is exact; lower-casing keeps every offset then."""

    label: str
    weight: float
    anycase: re.Pattern
    lowercase: re.Pattern

    def first_hit(self, text: str, lowered: str | None) -> str | None:
        """The first match in `text` (`lowered` is `lowered_exactly(text)`), as written there."""
        if lowered is None:
            return m[0] if (m := self.anycase.search(text)) else None
        return text[m.start():m.end()] if (m := self.lowercase.search(lowered)) else None


_POSITIVE_RES = [_Cue(label, weight, re.compile(rx, re.I), re.compile(rx)) for label, weight, rx in _POSITIVE]
_NEGATIVE_RES = [_Cue(label, weight, re.compile(rx, re.I), re.compile(rx)) for label, weight, rx in _NEGATIVE]
_STATISTICS_RES = [_Cue(label, 0.0, re.compile(rx, re.I), re.compile(rx)) for label, rx in _STATISTICS]
# "a nationwide surge", "the operation", "Operation Tidal Wave": the story is about one operation.
_ONE_OPERATION = re.compile(r"\b(?:a|an|the|this|its|their|that)\s+(?:[\w-]+\s+){0,3}?(?:operation|surge|sweep|"
                            r"crackdown|blitz|takedown|sting|raid|round-?up)\b", re.I)

_COUNT_KINDS = ("arrests", "charges", "nationality")
# A number followed by more digits or by "percent" was read from a share ("detained 49% of ..."):
# no count of people.
_SHARE_AFTER = re.compile(r"[\d.,]*\d|\s?(?:%|percent\b|per cent\b)")

_FACT_WEIGHTS = {"arrests": (3.0, "arrest count"), "charges": (2.5, "charge count"), "seizure": (2.5, "seizure"),
                 "operation": (1.0, "operation name"), "charge": (0.5, "charge type"),
                 "nationality": (1.0, "nationality count")}


def score_relevance(title: str | None, text: str, *, item_kind: str | None = None,
                    facts: list[Fact] | None = None) -> Relevance:
    """Score a story. Pass `facts` when they were already extracted for it (saves a second pass).
    `item_kind` (press_release | news) is accepted from callers, but the rules are the same for both:
    a per-kind prior gained nothing on the labelled set."""
    if facts is None:
        facts = extract_facts(text, title=title)
    points = 0.0
    reasons: list[str] = []
    seen_fact_kinds: set[str] = set()
    fields = {"title": title or "", "text": text}
    for fact in sorted(facts, key=lambda f: (f.field != "title", f.start)):
        if fact.kind == "nationality" and (fact.count or 0) < 2:
            continue
        if fact.kind in _COUNT_KINDS and (_is_share(fact, fields.get(fact.field, ""))
                                          or _over_a_period(fact, fields.get(fact.field, ""))):
            continue
        if fact.kind in _FACT_WEIGHTS and fact.kind not in seen_fact_kinds:
            weight, label = _FACT_WEIGHTS[fact.kind]
            seen_fact_kinds.add(fact.kind)
            points += weight
            reasons.append(f"{label}: '{fact.quote}'")
    texts = [(title, lowered_exactly(title), True)] if title else []
    texts.append((text, lowered_exactly(text), False))
    for cue in _POSITIVE_RES:
        hit = _first_hit(cue, texts)
        if hit:
            quote, in_title = hit
            points += cue.weight * (TITLE_WEIGHT if in_title else 1)
            reasons.append(f"{cue.label}: '{quote}'" + (" (title)" if in_title else ""))
    for cue in _NEGATIVE_RES:
        hit = _first_hit(cue, texts)
        if hit:
            quote, in_title = hit
            points -= cue.weight * (TITLE_WEIGHT if in_title else BODY_NEGATIVE_WEIGHT)
            reasons.append(f"negative: {cue.label} '{quote}'" + (" (title)" if in_title else ""))
    one_operation = "operation" in seen_fact_kinds or any(_ONE_OPERATION.search(t) for t, _, _ in texts)
    if not one_operation:
        hits = [(cue.label, hit) for cue in _STATISTICS_RES if (hit := _first_hit(cue, texts))]
        kinds = sum(2 if in_title else 1 for _, (_, in_title) in hits)
        if kinds >= 2:
            points -= STATISTICS_WEIGHT * kinds
            reasons.append("negative: statistics " + ", ".join(
                f"{label} '{quote}'" + (" (title)" if in_title else "") for label, (quote, in_title) in hits))
    score = 1 / (1 + math.exp(-(points - RELEVANCE_THRESHOLD)))
    return Relevance(round(score, 4), points >= RELEVANCE_THRESHOLD, reasons)


def _is_share(fact: Fact, source: str) -> bool:
    """Whether a count fact's number is (the start of) a share: "49%", "49 percent" of something."""
    return bool(source) and fact.quote[-1:].isdigit() and bool(_SHARE_AFTER.match(source, fact.end))


def _over_a_period(fact: Fact, source: str) -> bool:
    """Whether a count fact's sentence counts over a fiscal year or a year's report (a statistic)."""
    left = max(source.rfind(". ", 0, fact.start) + 1, source.rfind("\n", 0, fact.start) + 1)
    right = min([i for i in (source.find(". ", fact.end), source.find("\n", fact.end)) if i >= 0] or [len(source)])
    return _STATISTICS_RES[0].anycase.search(source, left, right) is not None


def _first_hit(cue: _Cue, texts: list[tuple[str, str | None, bool]]) -> tuple[str, bool] | None:
    """(quote, in title) of the cue's first match: in the title, else in the text."""
    for text, lowered, is_title in texts:
        if (quote := cue.first_hit(text, lowered)) is not None:
            return quote, is_title
    return None


def decide(mode: str, relevance: Relevance) -> str:
    """What to do with a scored item: "store", "store_marked" (kept, flagged not relevant) or "drop".
    A drop is never silent: the caller records it (stats, a skipped-items row)."""
    if mode not in RELEVANCE_MODES:
        raise ValueError(f"unknown relevance mode {mode!r}; expected one of {', '.join(RELEVANCE_MODES)}")
    if mode == "keep_all" or relevance.relevant:
        return "store"
    return "store_marked" if mode == "mark" else "drop"
