"""Quality gate for relevance, facts, near-duplicates and event linking: the scores of
`python -m benchmarks.intel` on the labelled set in tests/intel stay at or above the floors pinned in
benchmarks/intel_floor.json, and the project's targets hold on the summed labelled splits."""

import json
from collections import Counter

import pytest

from benchmarks.intel import FLOOR_FILE, LABELLED, SPLITS, TARGETS, load_labelled, run

FLOORS = json.loads(FLOOR_FILE.read_text(encoding="utf-8"))["splits"]


@pytest.fixture(scope="module")
def results():
    return run(SPLITS)


@pytest.mark.parametrize("split", [*SPLITS, "labelled"])
def test_scores_stay_at_or_above_their_floors(results, split):
    below = [f"{name} {key} {getattr(results[split][name], key):.3f} < {floor[key]}"
             for name, floor in FLOORS[split].items() for key in ("precision", "recall", "f1")
             if getattr(results[split][name], key) < floor[key]]
    assert below == []


def test_every_scored_metric_has_a_floor(results):
    assert {split: set(scores) for split, scores in results.items()} == \
        {split: set(floors) for split, floors in FLOORS.items() if split in results}


@pytest.mark.parametrize("metric,key", TARGETS)
def test_project_targets_hold_on_the_labelled_set(results, metric, key):
    assert getattr(results["labelled"][metric], key) >= TARGETS[(metric, key)]


def test_labelled_set_is_large_varied_and_consistent():
    items = {split: load_labelled(split) for split in LABELLED}
    every = [i for split in items.values() for i in split]
    assert len(every) >= 60
    assert len({i.id for i in every}) == len(every)
    assert sum(not i.relevant for i in every) >= 15
    groups = Counter(i.near_dup for i in every if i.near_dup)
    assert groups and min(groups.values()) >= 2
    roles = Counter(i.role for i in every)
    assert roles["follow_up"] >= 4 and roles["release"] >= 15
    events = {split: {i.event for i in split_items if i.event} for split, split_items in items.items()}
    assert not events["tuned"] & (events["heldout"] | events["heldout2"])
