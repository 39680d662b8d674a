"""Intelligence quality: relevance, facts, near-duplicates and event linking, scored on the labelled
set under tests/intel/ (the tuned and the held-out part reported separately) and on labelled pages
(the fixture site and real news pages, extracted with monitor.extract).

Run: python -m benchmarks.intel [--split tuned|heldout|pages|all] [--details] [--json]
Floors: benchmarks/intel_floor.json, checked by tests/test_intel_eval.py.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from monitor.intel.events import EventCandidate, group_events
from monitor.intel.facts import Fact, extract_facts, headline_count, merged_nationalities, primary_state
from monitor.intel.neardup import bands, near_duplicate_of, signature
from monitor.intel.relevance import score_relevance

REPO_ROOT = Path(__file__).resolve().parent.parent
INTEL_DIR = REPO_ROOT / "tests" / "intel"
FLOOR_FILE = Path(__file__).resolve().parent / "intel_floor.json"
SPLITS = ("tuned", "heldout", "heldout2", "pages")
LABELLED = ("tuned", "heldout", "heldout2")  # summed into the "labelled" column
# What the project asked of these modules, checked on the summed labelled splits.
TARGETS = {("relevance", "precision"): 0.95, ("relevance", "recall"): 0.95, ("arrests (headline)", "f1"): 0.95,
           ("state (primary)", "f1"): 0.98, ("nationality", "f1"): 0.9, ("near-duplicate pairs", "f1"): 0.95,
           ("event pairs", "f1"): 0.9}
FACT_KEYS = ("arrests", "arrests_total", "charges", "state", "places", "nationalities", "agencies", "duration",
             "date_range", "operation", "seizures", "charge_types")
# Row name in the table -> label key.
FACT_ROWS = {"arrests": "arrests", "arrests (headline)": "arrests_total", "charges": "charges",
             "state (primary)": "state", "place": "places", "nationality": "nationalities", "agency": "agencies",
             "duration": "duration", "date_range": "date_range", "operation": "operation", "seizure": "seizures",
             "charge": "charge_types"}


@dataclass
class LabelledItem:
    id: str
    kind: str
    published: str | None
    title: str | None
    text: str
    relevant: bool
    event: str | None = None
    role: str | None = None
    near_dup: str | None = None
    facts: dict | None = None


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def compare(self, item_id: str, predicted: set, expected: set) -> None:
        self.tp += len(predicted & expected)
        self.fp += len(predicted - expected)
        self.fn += len(expected - predicted)
        if predicted != expected:
            self.misses.append(f"{item_id}: extra {sorted(map(str, predicted - expected))} "
                               f"missing {sorted(map(str, expected - predicted))}")

    def pairs(self, predicted: set, expected: set, name=str) -> None:
        """Count a whole set of predicted pairs (or items) against the expected ones, each miss
        named on its own line (the real-world gate's event and rewrite pairs)."""
        self.tp += len(predicted & expected)
        self.fp += len(predicted - expected)
        self.fn += len(expected - predicted)
        self.misses += [f"extra {name(p)}" for p in sorted(predicted - expected)]
        self.misses += [f"missing {name(p)}" for p in sorted(expected - predicted)]


def parse_item(raw: str, name: str = "?") -> LabelledItem:
    """One labelled file: a JSON header, a line '---', then the article text."""
    head, sep, body = raw.partition("\n---\n")
    if not sep:
        raise ValueError(f"{name}: no '---' line between header and text")
    header = json.loads(head)
    facts = header.get("facts")
    if header["relevant"] and (facts is None or set(facts) != set(FACT_KEYS)):
        raise ValueError(f"{name}: a relevant item needs facts with keys {', '.join(FACT_KEYS)}")
    return LabelledItem(header["id"], header["kind"], header.get("published"), header.get("title"), body.strip(),
                        header["relevant"], header.get("event"), header.get("role"), header.get("near_dup"), facts)


def load_labelled(split: str) -> list[LabelledItem]:
    items = [parse_item(p.read_text(encoding="utf-8"), p.name) for p in sorted((INTEL_DIR / split).glob("*.txt"))]
    for item, path in zip(items, sorted((INTEL_DIR / split).glob("*.txt"))):
        if item.id != path.stem:
            raise ValueError(f"{path.name}: id {item.id!r} differs from the file name")
    return items


def shared_data_dir() -> Path:
    return Path(os.environ.get("MONITOR_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


def load_pages() -> list[LabelledItem]:
    """Labelled HTML pages (fixture site and real news pages), extracted as production does.
    Pages whose file is absent (no shared data directory) are skipped."""
    from monitor.extract import extract_article

    spec = json.loads((INTEL_DIR / "pages.json").read_text(encoding="utf-8"))
    roots = {"repo": REPO_ROOT, "shared": shared_data_dir()}
    items = []
    for page in spec["pages"]:
        path = roots[page["root"]] / page["path"]
        if not path.exists():
            continue
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        article = extract_article(data, "http://127.0.0.1/" + page["path"])
        if article is None:
            raise ValueError(f"{page['path']}: no article extracted")
        items.append(LabelledItem(page["id"], page["kind"], article.published, article.title, article.text,
                                  page["relevant"], page.get("event"), page.get("role"), page.get("near_dup"),
                                  page.get("facts")))
    return items


def _expected(item: LabelledItem, key: str) -> set:
    value = item.facts[key]
    if key == "nationalities":
        return {f"{code}:{'' if count is None else count}" for code, count in value.items()}
    if key in ("arrests_total", "state"):
        return set() if value is None else {value}
    return {str(v) for v in value}


def _predicted(facts: list[Fact], key: str) -> set:
    def of(kind: str) -> list[Fact]:
        return [f for f in facts if f.kind == kind]

    if key == "arrests":
        return {str(f.count) for f in of("arrests")}
    if key == "charges":
        return {str(f.count) for f in of("charges")}
    if key == "arrests_total":
        count = headline_count(facts, "arrests")
        return set() if count is None else {count}
    if key == "state":
        state = primary_state(facts)
        return set() if state is None else {state}
    if key == "places":
        return {f"{f.value}|{f.code}" for f in of("place")}
    if key == "nationalities":
        return {f"{code}:{'' if count is None else count}" for code, count in merged_nationalities(facts).items()}
    if key == "agencies":
        return {f.value for f in of("agency")}
    if key == "duration":
        return {str(f.count) for f in of("duration")}
    if key == "date_range":
        return {f.value for f in of("date_range")}
    if key == "operation":
        return {f.value for f in of("operation")}
    if key == "seizures":
        return {f"{f.count}|{f.code}|{f.value}" for f in of("seizure")}
    if key == "charge_types":
        return {f.value for f in of("charge")}
    raise KeyError(key)


def pairs(groups: dict[str, str | None]) -> set[tuple[str, str]]:
    """Unordered pairs of ids that share a (non-null) group."""
    by_group: dict[str, list[str]] = {}
    for item_id, group in groups.items():
        if group:
            by_group.setdefault(group, []).append(item_id)
    return {tuple(sorted(p)) for ids in by_group.values() for p in combinations(ids, 2)}


def near_duplicates(ordered: list[LabelledItem], signatures: dict[str, list[int]]) -> dict[str, str]:
    """Item id -> the original it nearly repeats, decided as the store decides for items stored in
    this order (neardup.near_duplicate_of over the items sharing a band, most bands first)."""
    buckets: dict[tuple[int, str], list[str]] = {}
    dup_of: dict[str, str] = {}
    for item in ordered:
        sig = signatures[item.id]
        shared = Counter(other for key in bands(sig) for other in buckets.get(key, ()))
        candidates = sorted(shared, key=lambda other: (-shared[other], other))
        best = near_duplicate_of(sig, ((c, signatures[c], dup_of.get(c)) for c in candidates))
        if best is not None:
            dup_of[item.id] = best[0]
        for key in bands(sig):
            buckets.setdefault(key, []).append(item.id)
    return dup_of


def evaluate(items: list[LabelledItem]) -> dict[str, Score]:
    scores: dict[str, Score] = {"relevance": Score()}
    facts_of: dict[str, list[Fact]] = {}
    for item in items:
        facts = extract_facts(item.text, title=item.title, published=item.published)
        facts_of[item.id] = facts
        rel = score_relevance(item.title, item.text, item_kind=item.kind, facts=facts)
        scores["relevance"].compare(item.id, {"yes"} if rel.relevant else set(), {"yes"} if item.relevant else set())
        if item.relevant and item.facts is not None:
            for row, key in FACT_ROWS.items():
                scores.setdefault(row, Score()).compare(item.id, _predicted(facts, key), _expected(item, key))

    ordered = sorted(items, key=lambda i: (i.published or "", i.id))
    signatures = {i.id: signature(i.text) for i in ordered}
    dup_of = near_duplicates(ordered, signatures)
    predicted_groups = {i.id: dup_of.get(i.id, i.id if i.id in dup_of.values() else None) for i in ordered}
    scores["near-duplicate pairs"] = Score()
    scores["near-duplicate pairs"].compare("pairs", pairs(predicted_groups), pairs({i.id: i.near_dup for i in items}))

    relevant = [i for i in items if i.relevant and i.event]
    candidates = [EventCandidate.from_text(i.id, i.kind, i.published, i.title, i.text, facts=facts_of[i.id],
                                           sig=signatures[i.id]) for i in relevant]
    events = group_events(candidates, duplicates=dup_of)
    predicted = {item_id: e.event_id for e in events for item_id in e.item_ids}
    scores["event pairs"] = Score()
    scores["event pairs"].compare("pairs", pairs(predicted), pairs({i.id: i.event for i in relevant}))
    releases = {i.event: i.id for i in relevant if i.role == "release"}
    release_of = {item_id: e.release_id for e in events for item_id in e.item_ids}
    link = Score()
    for item in relevant:
        if item.kind == "news" and item.event in releases:
            link.compare(item.id, {release_of.get(item.id)} - {None}, {releases[item.event]})
    scores["news→release link"] = link
    return scores


def run(splits: Sequence[str]) -> dict[str, dict[str, Score]]:
    """Scores per split, plus "labelled" (the labelled splits' counts summed) when more than one ran."""
    results = {}
    for split in splits:
        items = load_pages() if split == "pages" else load_labelled(split)
        if items:
            results[split] = evaluate(items)
    summed = [results[s] for s in LABELLED if s in results]
    if len(summed) > 1:
        total: dict[str, Score] = {}
        for scores in summed:
            for name, score in scores.items():
                t = total.setdefault(name, Score())
                t.tp, t.fp, t.fn = t.tp + score.tp, t.fp + score.fp, t.fn + score.fn
        results["labelled"] = total
    return results


def table(results: dict[str, dict[str, Score]]) -> str:
    splits = list(results)
    rows = list(dict.fromkeys(name for scores in results.values() for name in scores))
    head = f"{'metric':<22}" + "".join(f" | {s:^24}" for s in splits)
    sub = f"{'':<22}" + "".join(f" | {'P':>6} {'R':>6} {'F1':>6} {'n':>3}" for _ in splits)
    lines = [head, sub, "-" * len(sub)]
    for name in rows:
        cells = []
        for split in splits:
            s = results[split].get(name)
            cells.append(f" | {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.tp + s.fn:>3}" if s
                         else f" | {'':>24}")
        lines.append(f"{name:<22}" + "".join(cells))
    return "\n".join(lines)


def as_json(results: dict[str, dict[str, Score]]) -> dict:
    return {split: {name: {"precision": round(s.precision, 4), "recall": round(s.recall, 4), "f1": round(s.f1, 4),
                           "tp": s.tp, "fp": s.fp, "fn": s.fn} for name, s in scores.items()}
            for split, scores in results.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.intel", description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=(*SPLITS, "all"), default="all")
    parser.add_argument("--details", action="store_true", help="print every item whose facts differ from the labels")
    parser.add_argument("--json", action="store_true", help="print scores as JSON")
    args = parser.parse_args(argv)
    results = run(SPLITS if args.split == "all" else (args.split,))
    if args.json:
        print(json.dumps(as_json(results), indent=2))
        return 0
    print(table(results))
    if args.details:
        for split, scores in results.items():
            for name, s in scores.items():
                for miss in s.misses:
                    print(f"[{split}] {name}: {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
