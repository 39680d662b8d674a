"""Near-duplicate fingerprints: MinHash over word shingles with banded LSH, so that syndicated copies
and lightly edited reposts are found through an index of band hashes, never by comparing all items."""

from __future__ import annotations

import hashlib
import operator
import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

from monitor.intel.identity import plain_punctuation

SHINGLE_WORDS = 3
NUM_PERM = 120
BANDS = 40
ROWS = NUM_PERM // BANDS
# With 40 bands of 3 rows, two texts share at least one band (and so are compared at all) with
# probability 1 - (1 - J**3)**40: 0.93 at Jaccard 0.4, 0.995 at 0.5, but 0.28 at 0.2 and 0.04 at 0.1
# (releases of one office sharing boilerplate), which keeps the candidate lists short.

# Estimated Jaccard similarity of word 3-shingles at or above which two texts are one story. Exact
# Jaccard values measured on real and labelled text (the estimate from 120 permutations is within about
# ±0.05 of them):
# - near-duplicates in tests/intel: syndicated copies with a new headline, a tagline or an editor's note
#   and a cut or reworded sentence 0.77-0.91; a teaser keeping the first two of five paragraphs 0.48;
#   a release and its archive copy at a second URL (fixture site) 1.0;
# - not near-duplicates: the seed story vs the ICE release it reports 0.14 (it quotes the release),
#   thehill vs nbcnews on the same DOJ plea (shared/data/real-pages) 0.10, the seed story vs its
#   paraphrase immigration-sweep-nets-19 0.08, releases of one office sharing boilerplate <= 0.12.
# 0.4 sits in that gap, nearer the copies' side so that teasers and trimmed copies still count. A
# paraphrase is not a near-duplicate: monitor.intel.events puts it in the same event instead.
NEAR_DUPLICATE_THRESHOLD = 0.4

_MERSENNE = (1 << 61) - 1


def _constant(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode("ascii"), digest_size=8).digest(), "big") % _MERSENNE


# Hash functions h(x) = (a*x + b) mod 2**61-1, derived from fixed names: stored signatures stay
# comparable across processes, runs and Python versions.
_PERMUTATIONS = [(_constant(f"minhash-a-{i}") or 1, _constant(f"minhash-b-{i}")) for i in range(NUM_PERM)]
_WORD = re.compile(r"[^\W_]+(?:['.][^\W_]+)*")
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """Word n-grams of the text, case-folded, with number words up to twenty as digits."""
    text = plain_punctuation(unicodedata.normalize("NFKC", text)).casefold()
    words = [_NUMBER_WORDS.get(w, w) for w in _WORD.findall(text)]
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def _hash64(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "big")


def signature(text: str) -> list[int]:
    """MinHash signature (NUM_PERM integers below 2**61, so they fit SQLite INTEGER). Empty for a
    text without words: such a text has no near-duplicates.

    Each value is min over the shingle hashes h of (a*h + b) mod 2**61-1, computed exactly with
    numpy in 64-bit pieces (`reference_signature` is the same sum in Python integers)."""
    hashes = np.fromiter((_hash64(s) for s in shingles(text)), dtype=np.uint64)
    if not hashes.size:
        return []
    minima = np.full(NUM_PERM, _MERSENNE, dtype=np.uint64)
    for start in range(0, hashes.size, _CHUNK):
        values = _affine_mod_mersenne(_reduce(hashes[start:start + _CHUNK])[np.newaxis, :])
        np.minimum(minima, values.min(axis=1), out=minima)
    return minima.tolist()


def reference_signature(text: str) -> list[int]:
    """`signature` in plain Python integers: the definition, kept to test the fast one against."""
    hashes = [_hash64(s) for s in shingles(text)]
    if not hashes:
        return []
    return [min((a * h + b) % _MERSENNE for h in hashes) for a, b in _PERMUTATIONS]


_CHUNK = 4096  # shingle hashes per step: NUM_PERM x _CHUNK 64-bit values, about 4 MB
_M = np.uint64(_MERSENNE)
_LOW32 = np.uint64(0xFFFFFFFF)
_A = np.array([a for a, _ in _PERMUTATIONS], dtype=np.uint64)[:, np.newaxis]
_B = np.array([b for _, b in _PERMUTATIONS], dtype=np.uint64)[:, np.newaxis]
_A_HIGH, _A_LOW = _A >> np.uint64(32), _A & _LOW32


def _reduce(x: np.ndarray) -> np.ndarray:
    """x mod 2**61-1 for any uint64 x (2**61 = 1 modulo the Mersenne prime)."""
    x = (x & _M) + (x >> np.uint64(61))
    return np.where(x >= _M, x - _M, x)


def _affine_mod_mersenne(h: np.ndarray) -> np.ndarray:
    """(a*h + b) mod 2**61-1 for every permutation (rows) and reduced hash h < 2**61 (columns),
    without overflow: a and h split in 32-bit halves (the high halves are below 2**29), and
    2**61 = 1, 2**64 = 8 modulo the prime. Partial sums are only folded (x & p) + (x >> 61), which
    keeps their value modulo p, and one subtraction at the end brings each below p. In place on
    three arrays: this runs on every page, and temporaries cost more than the arithmetic."""
    h_high, h_low = h >> _S32, h & _LOW32
    total = _A_HIGH * h_high
    total <<= _S3                                        # a1*h1 * 2**64 = 8*a1*h1 < 2**61
    part = _A_HIGH * h_low
    spare = _A_LOW * h_high
    part += spare                                        # a1*h0 + a0*h1 < 2**62, times 2**32:
    np.right_shift(part, _S29, out=spare)
    part &= _LOW29
    part <<= _S32
    part += spare                                        # < 2**61 + 2**33
    total += part
    np.multiply(_A_LOW, h_low, out=part)                 # a0*h0 < 2**64
    _fold(part, spare)                                   # < 2**61 + 8
    total += part                                        # < 2**63
    _fold(total, spare)                                  # <= p + 3
    total += _B                                          # < 2p + 3
    _fold(total, spare)                                  # <= p + 2
    np.subtract(total, _M, out=total, where=total >= _M)
    return total


def _fold(x: np.ndarray, spare: np.ndarray) -> None:
    """x := (x & p) + (x >> 61), in place: the same value modulo p = 2**61-1, at most p + 7."""
    np.right_shift(x, _S61, out=spare)
    x &= _M
    x += spare


_S3, _S29, _S32, _S61 = np.uint64(3), np.uint64(29), np.uint64(32), np.uint64(61)
_LOW29 = np.uint64((1 << 29) - 1)


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
    return sum(map(operator.eq, sig_a, sig_b)) / len(sig_a)  # True counts 1: C speed, same sum


def closest(sig: Sequence[int], candidates: Iterable[tuple[str, Sequence[int], str | None]]
            ) -> tuple[str, str, float] | None:
    """Of the `candidates` (item id, signature, the item it duplicates or None), the most similar
    to `sig`, the first of equals in the order given: (its id, the original it stands for: itself
    or the one it duplicates, similarity); None without a candidate."""
    best: tuple[str, str, float] | None = None
    for item_id, candidate_sig, duplicate_of in candidates:
        if not candidate_sig:
            continue
        score = similarity(sig, candidate_sig)
        if best is None or score > best[2]:
            best = (item_id, duplicate_of or item_id, score)
    return best


def near_duplicate_of(sig: Sequence[int], candidates: Iterable[tuple[str, Sequence[int], str | None]],
                      threshold: float = NEAR_DUPLICATE_THRESHOLD) -> tuple[str, float] | None:
    """The decision the store makes for a new item (and the benchmark replays in memory): the
    closest of the `candidates` that share a band with `sig`, when it is at or above `threshold`,
    as (the original it copies: that candidate, or the one it duplicates itself, similarity);
    else None. (`monitor inspect` shows `closest` below the threshold too.)"""
    best = closest(sig, candidates)
    return (best[1], best[2]) if best is not None and best[2] >= threshold else None
