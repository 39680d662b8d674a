"""Near-duplicate fingerprints: MinHash over word shingles with banded LSH, so that syndicated copies
and lightly edited reposts are found through an index of band hashes, never by comparing all items."""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from collections.abc import Iterable, Sequence

SHINGLE_WORDS = 3
NUM_PERM = 120
BANDS = 40
ROWS = NUM_PERM // BANDS  # 3 rows a band: items with Jaccard 0.5 share a band with p ≈ 0.995, 0.2 with p ≈ 0.28

# Estimated Jaccard similarity of word 3-shingles at or above which two texts are the same story.
# Chosen on real and labelled text (python -m benchmarks.intel prints the pairs):
# - copies with a changed headline, a wire tagline or an editor's note, a dropped or reworded
#   sentence, score 0.62-0.93 (labelled set); an identical release body at a second URL scores 1.0;
# - independent coverage of one event scores far lower even when it quotes the same release: thehill
#   vs nbcnews on the Carlineo plea 0.04, the fixture seed story vs its ICE release 0.09, a
#   reworded rewrite of the seed story (immigration-sweep-nets-19) 0.02, a news story vs the
#   release it derives from ≤ 0.15; two different releases of one office sharing boilerplate ≤ 0.10.
# 0.5 sits in the wide gap, nearer the copies' side: a copy must keep at least ~2/3 of its shingles
# (Jaccard 0.5), which a trimmed syndicated copy (the last paragraphs cut) still does. A paraphrase
# is not a near-duplicate here: monitor.events links it to the same event instead.
NEAR_DUPLICATE_THRESHOLD = 0.4

_MERSENNE = (1 << 61) - 1
_rng = random.Random(0x5EED_1906)  # fixed: signatures must stay comparable across processes and runs
_PERMUTATIONS = [(_rng.randrange(1, _MERSENNE), _rng.randrange(0, _MERSENNE)) for _ in range(NUM_PERM)]
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
_WORD = re.compile(r"[^\W_]+(?:['.][^\W_]+)*")
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """Word n-grams of the text, case-folded, with number words up to twenty as digits."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    words = [_NUMBER_WORDS.get(w, w) for w in _WORD.findall(text)]
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def _hash64(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "big")


def signature(text: str) -> list[int]:
    """MinHash signature (NUM_PERM integers below 2**61, so they fit SQLite INTEGER). Empty for a
    text without words: such a text has no near-duplicates."""
    hashes = [_hash64(s) for s in shingles(text)]
    if not hashes:
        return []
    return [min((a * h + b) % _MERSENNE for h in hashes) for a, b in _PERMUTATIONS]


def bands(sig: Sequence[int]) -> list[tuple[int, str]]:
    """(band index, band hash) pairs: store them as rows of `lsh_bands(band, hash, item_id)`; items
    sharing any row are candidates to compare with `similarity`."""
    if not sig:
        return []
    out = []
    for band in range(BANDS):
        rows = ",".join(str(v) for v in sig[band * ROWS:(band + 1) * ROWS])
        out.append((band, hashlib.blake2b(rows.encode("ascii"), digest_size=8).hexdigest()))
    return out


def similarity(sig_a: Sequence[int], sig_b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets (share of equal minima)."""
    if not sig_a or not sig_b or len(sig_a) != len(sig_b):
        return 0.0
    return sum(1 for a, b in zip(sig_a, sig_b) if a == b) / len(sig_a)


class NearDuplicateIndex:
    """In-memory LSH index with the same band logic as the SQLite table: for tests and small runs."""

    def __init__(self, threshold: float = NEAR_DUPLICATE_THRESHOLD) -> None:
        self.threshold = threshold
        self._signatures: dict[str, list[int]] = {}
        self._buckets: dict[tuple[int, str], list[str]] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def add(self, item_id: str, text: str | None = None, *, sig: Sequence[int] | None = None) -> list[int]:
        """Index an item by its text (or a signature computed earlier); returns the signature."""
        sig = list(sig) if sig is not None else signature(text or "")
        self._signatures[item_id] = sig
        for key in bands(sig):
            self._buckets.setdefault(key, []).append(item_id)
        return sig

    def candidates(self, sig: Sequence[int]) -> set[str]:
        """Items sharing at least one band with the signature."""
        found: set[str] = set()
        for key in bands(sig):
            found.update(self._buckets.get(key, ()))
        return found

    def find(self, text: str | None = None, *, sig: Sequence[int] | None = None,
             exclude: Iterable[str] = ()) -> tuple[str, float] | None:
        """The most similar indexed item at or above the threshold, as (item_id, score), or None."""
        sig = list(sig) if sig is not None else signature(text or "")
        skip = set(exclude)
        best: tuple[str, float] | None = None
        for item_id in sorted(self.candidates(sig) - skip):
            score = similarity(sig, self._signatures[item_id])
            if score >= self.threshold and (best is None or score > best[1]):
                best = (item_id, score)
        return best
