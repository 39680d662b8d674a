"""The Rule record every family declares its patterns in, and the words a pattern needs: the
literal text every match of it contains, read from the pattern itself so that a family's
"skip a field without these words" table is never written twice."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from re import _constants as sre  # the parser re compiles with (sre_parse is deprecated)
from re import _parser as sre_parse


@dataclass(frozen=True)
class Rule:
    """One named pattern of a family. `words`: text every match contains (lower case when
    `lowered`, to look for in `lowered_exactly(field)`), None when the rule is tried on every
    field. `read`: for a family whose rules read their matches differently, how this one does."""

    kind: str
    name: str
    pattern: re.Pattern
    words: tuple[str, ...] | None = None
    lowered: bool = False
    read: Callable | None = None

    def cannot_match(self, text: str, lowered: str | None) -> bool:
        """True when the field lacks every one of the rule's words: the pattern need not be tried.
        `lowered` is `lowered_exactly(text)` (None: lower case would not be exact, nothing skipped)."""
        if self.words is None:
            return False
        if self.lowered:
            return lowered is not None and not any(word in lowered for word in self.words)
        return not any(word in text for word in self.words)


def rule(kind: str, name: str, regex: str | re.Pattern, flags: int = 0, *, skip: str | None = None,
         read: Callable | None = None) -> Rule:
    """A Rule from a regex. skip="text": tried only on a field holding one of the words every
    match contains, as written; skip="lowered": the same in the field's lower case."""
    pattern = regex if isinstance(regex, re.Pattern) else re.compile(regex, flags)
    words = required_words(pattern, lower=skip == "lowered") if skip else None
    return Rule(kind, name, pattern, words, skip == "lowered", read)


# ---------------------------------------------------------------------------------------------
# Words every match contains, from the parsed pattern. A part of a pattern is "exact" when the
# strings it can match are few and known (literals, small classes, optional literals, zero-width
# assertions as ""); a run of exact parts matches one of their concatenations. Other parts
# contribute what their own content requires (a group, each branch, a repeat of at least one).

_MOST_STRINGS = 64  # concatenations kept for one run of exact parts
_SHORTEST_WORD = 3  # a word shorter than this is in nearly every text: no use as a filter
_MOST_WORDS = 32  # more words than this (a list of countries) cost more to look for than they save


def required_words(pattern: re.Pattern, *, lower: bool = False) -> tuple[str, ...] | None:
    """Strings of which every match of `pattern` contains at least one (lower-cased with `lower`;
    without it, parts matched ignoring case give none), fewest first; None when none are known."""
    found = _required_seq(sre_parse.parse(pattern.pattern, pattern.flags), lower,
                          bool(pattern.flags & re.IGNORECASE))
    if not found or min(map(len, found)) < _SHORTEST_WORD or len(found) > _MOST_WORDS:
        return None
    # a word holding another one adds nothing: the other is in every text the longer one is in
    return tuple(sorted(w for w in found if not any(o != w and o in w for o in found)))


def _cross(sets) -> frozenset[str] | None:
    out = {""}
    for strings in sets:
        out = {a + b for a in out for b in strings}
        if len(out) > _MOST_STRINGS:
            return None
    return frozenset(out)


def _ignores_case(av, icase: bool) -> bool:
    _, add_flags, del_flags, _ = av
    return (icase or bool(add_flags & sre.SRE_FLAG_IGNORECASE)) and not del_flags & sre.SRE_FLAG_IGNORECASE


def _exact(op, av, lower: bool, icase: bool) -> frozenset[str] | None:
    """The strings this part matches, when few and known."""
    if op is sre.LITERAL:
        return None if icase and not lower else frozenset({chr(av).lower() if lower else chr(av)})
    if op is sre.IN:
        if (icase and not lower) or not all(o is sre.LITERAL for o, _ in av):
            return None
        return frozenset(chr(c).lower() if lower else chr(c) for _, c in av)
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return frozenset({""})  # zero width: consumes nothing
    if op is sre.SUBPATTERN:
        return _exact_seq(av[3], lower, _ignores_case(av, icase))
    if op is sre.BRANCH:
        branches = [_exact_seq(b, lower, icase) for b in av[1]]
        return None if None in branches else frozenset().union(*branches)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[1] == 1:
        inner = _exact_seq(av[2], lower, icase)
        return None if inner is None else inner | ({""} if av[0] == 0 else set())
    return None


def _exact_seq(items, lower: bool, icase: bool) -> frozenset[str] | None:
    sets = [_exact(op, av, lower, icase) for op, av in items]
    return None if None in sets else _cross(sets)


def _required(op, av, lower: bool, icase: bool) -> frozenset[str] | None:
    if op is sre.SUBPATTERN:
        return _required_seq(av[3], lower, _ignores_case(av, icase))
    if op is sre.BRANCH:
        branches = [_required_seq(b, lower, icase) for b in av[1]]
        return None if None in branches else frozenset().union(*branches)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1:
        return _required_seq(av[2], lower, icase)
    return None


def _required_seq(items, lower: bool, icase: bool) -> frozenset[str] | None:
    """The best set of which a match of this sequence contains one: from a run of exact parts
    (all its concatenations, or the plain literal text inside it), or from one other part. Best:
    words long enough to filter, then the fewest words, then the longest shortest word."""
    found: list[frozenset[str]] = []
    run: list[frozenset[str]] = []

    def end_run() -> None:
        literal = ""
        for strings in [*run, frozenset({"", "-"})]:  # a sentinel ends the last literal stretch
            if len(strings) == 1:
                literal += next(iter(strings))
                continue
            if literal:
                found.append(frozenset({literal}))
            literal = ""
        whole = _cross(run) if run else None
        if whole and "" not in whole:
            found.append(whole)
        run.clear()

    for op, av in items:
        strings = _exact(op, av, lower, icase)
        if strings is not None:
            run.append(strings)
        else:
            end_run()
        required = _required(op, av, lower, icase)  # a group's or branch's own best words
        if required:
            found.append(required)
    end_run()
    return max(found, key=lambda s: (min(map(len, s)) >= _SHORTEST_WORD, -len(s), min(map(len, s))),
               default=None)
