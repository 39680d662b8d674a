"""Numbers in digits or words with their qualifier ("nearly", "more than"), and the ways the
families search text fast: patterns tried only where a number can open, lower-cased text."""

from __future__ import annotations

import functools
import re

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
_NUMWORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES, "dozen"], key=len, reverse=True))
_WORDS = rf"(?:an?\s+(?=dozen|hundred))?(?:{_NUMWORD})(?:(?:\s+|-)(?:and\s+)?(?:{_NUMWORD})){{0,6}}"
# A number is whole: "49%" holds no "4" (nor "1,234" a "1,23").
_DIGITS = r"(?<![\d$.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]*%)(?!\d)|(?<![\d$.,])\d+(?:\.\d+)?(?!\d)"
NUM = rf"(?:(?:{_DIGITS})(?:\s+(?:million|thousand)\b)?|\b(?i:{_WORDS})\b)"
_APPROX = r"nearly|almost|about|approximately|roughly|around|some|an estimated|close to|just under|up to"
_ATLEAST = r"more than|over|at least|upwards of|in excess of|no fewer than"
Q = rf"(?P<q>(?i:{_APPROX}|{_ATLEAST}))"

# Most count patterns open with an optional qualifier and a number ("nearly 1,500 ..."). Python's re
# tries a pattern at every position of the text; the positions where that opening can match at all
# are found once per text instead, and those patterns are tried only there (same matches, a
# fraction of the time: `finditer` below).
_OPENINGS = (rf"(?:\b{Q}\s+)?(?P<n>{NUM})", rf"(?:\b{Q}\s+)?(?:an?\s+)?(?P<n>{NUM})")
# re.I: a superset either way. The first lookahead is implied by the second (a qualifier or number
# word starts a word, an article starts with "a", a numeral with a digit) and rejects most positions
# of a text at once, where the second tries every alternative there: the same positions, half the time.
_OPENING = re.compile(rf"(?=\b\w|a|\d)(?=(?:\b{Q}\s+)?(?:an?\s+)?(?:{NUM}))", re.I)


@functools.lru_cache(maxsize=8)
def _opening_positions(text: str) -> tuple[int, ...]:
    return tuple(m.start() for m in _OPENING.finditer(text))


# The only characters re.IGNORECASE equates with an ASCII letter ("ſ" with "s"): in a text with
# one of them, lower-casing does not show every word a pattern matches. The first ("İ") is also the
# only character whose lower case is longer than itself.
_ODD_FOLDS = "\u0130\u0131\u017f\u212a"


def lowered_exactly(text: str) -> str | None:
    """`text` in lower case, where a pattern of lower-case words matches exactly where it matches
    `text` ignoring case, at the same offsets; None when that would not hold (see `_ODD_FOLDS`)."""
    return None if any(c in text for c in _ODD_FOLDS) else text.lower()


def finditer(pattern: re.Pattern, text: str):
    """`pattern.finditer(text)`; for a pattern that starts with one of `_OPENINGS`, tried only
    where such an opening can match (every match of it starts there)."""
    if not pattern.pattern.startswith(_OPENINGS):
        yield from pattern.finditer(text)
        return
    end = 0
    for start in _opening_positions(text):
        if start >= end and (m := pattern.match(text, start)):
            yield m
            end = max(m.end(), start + 1)


def parse_number(phrase: str) -> int | float | None:
    """'1,406' -> 1406, 'twenty-one' -> 21, 'two hundred and five' -> 205, 'a dozen' -> 12."""
    words = phrase.lower().replace(",", "").split()
    if words and re.fullmatch(r"\d{1,12}(?:\.\d{1,6})?", words[0]):
        value = float(words[0]) if "." in words[0] else int(words[0])
        for word in words[1:]:
            value *= _SCALES.get(word, 1)
        return int(value) if float(value).is_integer() else value
    if words and words[0][:1].isdigit():
        return None  # not a count anyone writes in a story
    total, current, seen = 0, 0, False
    for word in re.split(r"[\s-]+", phrase.lower()):
        if word in ("a", "an", "and", ""):
            continue
        seen = True
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "dozen":
            current = (current or 1) * 12
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0
        else:
            return None
    return total + current if seen else None


def alternation(words) -> str:
    """A regex matching any of `words`, longest first, factored into a trie: Python's re tries the
    branches of a flat alternation one by one at every position, which is slow for 400 names."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        optional = "" in node
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if optional else body

    return "(?:" + build(trie) + ")"


def qualifier(word: str | None) -> str:
    if not word:
        return "exact"
    return "at_least" if re.fullmatch(_ATLEAST, word.lower()) else "approximate"
