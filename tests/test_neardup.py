"""Near-duplicates: MinHash signatures and LSH bands find syndicated copies and light edits through the
band index; independent reports and paraphrases of one event are not near-duplicates."""

import pytest

from monitor.extract import extract_article
from monitor.intel.neardup import (BANDS, NEAR_DUPLICATE_THRESHOLD, NUM_PERM, bands, near_duplicate_of,
                             reference_signature, shingles, signature, similarity)
from monitor.desk.static_site import SAMPLE_SITE as SITE


STORY = ("Federal immigration officers arrested 34 people in a five-day sweep across New Jersey last week, U.S. "
         "Immigration and Customs Enforcement said Tuesday, and blamed state rules that limit cooperation between "
         "local police and the agency. The arrests were made in Paterson, Passaic, Newark, Elizabeth and Trenton, ICE "
         "said. Nine of those arrested are from Mexico, seven from Ecuador, six from Honduras, five from Guatemala, "
         "four from El Salvador and three from the Dominican Republic. New Jersey's Immigrant Trust Directive, issued "
         "in 2018, bars state and local police from honoring most ICE detainers unless a person has been charged with "
         "or convicted of a serious crime. ICE said all of those arrested remain in custody.")


def page_text(path: str) -> str:
    return extract_article((SITE / path).read_bytes(), f"http://127.0.0.1/{path}").text


def test_signature_is_deterministic_and_fits_sqlite_integers():
    sig = signature(STORY)
    assert sig == signature(STORY)
    assert len(sig) == NUM_PERM
    assert all(0 <= v < 2**63 for v in sig)


@pytest.mark.parametrize("words", [1, 2, 3, 90, 5000])
def test_fast_signature_equals_the_definition(words):
    # stored signatures were made by earlier versions: the numpy sum must give the same integers,
    # also past one chunk of shingles (5,000 words) and for texts shorter than a shingle
    text = " ".join(f"{w}{i % 97}" for i, w in zip(range(words), (STORY.split() * 100)))
    fast = signature(text)
    assert fast == reference_signature(text)
    assert all(type(v) is int for v in fast)


def test_modular_arithmetic_is_exact_at_the_extremes():
    # the in-place sum only folds its partial sums and subtracts the prime once at the end: hashes
    # at 0, at 2**32 +- 1 and just below the prime push the terms to their bounds, and for each
    # permutation the hashes it maps to 0, 1 and 2 are where a folded sum can end at p + 0..2
    import numpy as np

    from monitor.intel.neardup import _MERSENNE, _PERMUTATIONS, _affine_mod_mersenne

    edges = [0, 1, 2**32 - 1, 2**32, 2**32 + 1, 2**60, _MERSENNE - 2**32, _MERSENNE - 2, _MERSENNE - 1]
    edges += [(r - b) * pow(a, -1, _MERSENNE) % _MERSENNE for a, b in _PERMUTATIONS for r in (0, 1, 2)]
    got = _affine_mod_mersenne(np.array([edges], dtype=np.uint64))
    assert got.tolist() == [[(a * h + b) % _MERSENNE for h in edges] for a, b in _PERMUTATIONS]


def test_bands_are_indexable_rows():
    rows = bands(signature(STORY))
    assert [band for band, _ in rows] == list(range(BANDS))
    assert all(isinstance(h, str) and len(h) == 16 for _, h in rows)


def test_identical_text_has_similarity_one():
    assert similarity(signature(STORY), signature(STORY)) == 1.0


def test_case_quotes_and_number_words_do_not_matter():
    assert shingles("ICE arrested thirty “people”") == shingles("ice arrested thirty \"people\"")
    assert shingles("nine from Mexico") == shingles("9 from Mexico")


def test_syndicated_copy_with_a_tagline_and_a_cut_sentence_is_found():
    copy = STORY.replace(" ICE said all of those arrested remain in custody.", "") + \
        " Copyright 2022 Garden State Observer. Used by permission."
    found = near_duplicate_of(signature(copy), [("original", signature(STORY), None)])
    assert found is not None and found[0] == "original" and found[1] >= NEAR_DUPLICATE_THRESHOLD


def test_archive_copy_of_a_release_is_a_near_duplicate():
    release = page_text("gov/news/releases/ice-arrests-19-massachusetts-4-day-operation.html")
    archive = page_text("gov/news/releases/archive/ice-arrests-19-massachusetts-4-day-operation.html")
    assert similarity(signature(release), signature(archive)) == 1.0


def test_news_story_and_the_release_it_reports_are_not_near_duplicates():
    release = page_text("gov/news/releases/ice-arrests-19-massachusetts-4-day-operation.html")
    story = page_text("news/2019/11/ice-arrests-19-in-massachusetts.html")
    assert similarity(signature(release), signature(story)) < NEAR_DUPLICATE_THRESHOLD


def test_a_paraphrase_of_a_story_is_not_a_near_duplicate():
    story = page_text("news/2019/11/ice-arrests-19-in-massachusetts.html")
    rewrite = page_text("news/2019/11/immigration-sweep-nets-19-drug-suspects.html")
    assert similarity(signature(story), signature(rewrite)) < NEAR_DUPLICATE_THRESHOLD


def test_unrelated_text_is_not_even_a_candidate():
    # candidates are the items sharing a band (the store's lsh_bands rows)
    other = signature(page_text("news/2020/01/storm-drops-up-to-11-inches-on-south-shore.html"))
    assert not set(bands(other)) & set(bands(signature(STORY)))
    assert near_duplicate_of(other, [("story", signature(STORY), None)]) is None


def test_text_without_words_has_no_fingerprint():
    assert signature("  ...  ") == []
    assert bands([]) == []
    assert similarity([], signature(STORY)) == 0.0
    assert near_duplicate_of(signature(""), [("empty", signature(""), None)]) is None


@pytest.mark.parametrize("threshold", [0.3, 0.9])
def test_the_threshold_can_be_set(threshold):
    half = STORY[:len(STORY) // 2]
    found = near_duplicate_of(signature(half), [("original", signature(STORY), None)], threshold)
    assert (found is not None) == (similarity(signature(half), signature(STORY)) >= threshold)


def test_the_near_duplicate_decision_picks_the_most_similar_original_above_the_threshold():
    story = ("Federal agents arrested 27 people during a three-day operation in Lowell, targeting a fentanyl "
             "network, the agency said Thursday. Agents seized 12 kilograms of fentanyl and four firearms.")
    sig = signature(story)
    copy = signature("LOWELL (AP) — " + story)
    other = signature("The city council approved a $40 million budget for schools and roads on Tuesday.")
    # a copy of a copy points to the first item: the original of the candidate it matches
    assert near_duplicate_of(sig, [("other", other, None), ("copy", copy, "first")]) == \
        ("first", similarity(sig, copy))
    assert near_duplicate_of(sig, [("other", other, None), ("empty", [], None)]) is None
    # of equals, the first in the order given (the store's: most shared bands first)
    assert near_duplicate_of(sig, [("a", copy, None), ("b", copy, None)])[0] == "a"


def test_closest_is_near_duplicate_of_without_the_threshold():
    """inspect shows the closest stored item even below the threshold; the store's decision is
    that same candidate when it reaches the threshold, standing for what it duplicates."""
    from monitor.intel.neardup import closest, near_duplicate_of

    base = "Immigration officers arrested nineteen people in a four day operation across the state"
    sig = signature(base + " on Tuesday.")
    near = ("near", signature(base + " on Friday."), "orig")
    far = ("far", signature("A school committee backed the budget after a long public hearing."), None)
    found = closest(sig, [far, near])
    assert found[:2] == ("near", "orig") and found[2] >= NEAR_DUPLICATE_THRESHOLD
    assert near_duplicate_of(sig, [far, near]) == ("orig", found[2])
    below = closest(sig, [far])
    assert below[0] == "far" and below[2] < NEAR_DUPLICATE_THRESHOLD
    assert near_duplicate_of(sig, [far]) is None
