"""c. Dedup and store cost per item with 10k, 100k and 1M items already stored: the time of
`Store.save_article` for new items and for duplicates (the same text at another URL), of a new
relevant item with its intelligence (facts, near-duplicate bands, event), and of
`Store.is_known_url` (asked for every article link), each beside the same figure at 10k.

The database is grown with bulk SQL inserts that honour the schema (made by the store's own
migrations; the full-text index is filled by its triggers): items published at a steady rate
back from today, half of them relevant, each relevant one in an event of its own with two
facts (and what event matching keeps of its text), and every item with its near-duplicate
bands. Each copy is flushed to disk, then timed through `Store`.

Run: python -m benchmarks.store_cost [--sizes 10000 100000 1000000] [--samples 1500]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from benchmarks import report
from benchmarks.report import Row
from monitor.intel.identity import content_hash, item_id
from monitor.intel.events import FEATURES_VERSION, event_keywords, lead_length
from monitor.intel.facts import Fact
from monitor.store.intel_links import SAVE_FEATURES_SQL
from monitor.store import Store

GOAL_RATIO = 2.0            # at 1M, at most this many times the cost at 10k
BATCH = 20_000
HOSTS = 200
ITEMS_PER_DAY = 300         # the steady rate at which the stored items were published
STORED_WORDS = 100          # words of a bulk-inserted item's text
SAVED_WORDS = 400           # words of a timed item's text (a press release)
VOCABULARY = 20_000
BANDS = 40                  # near-duplicate bands per item (monitor.intel.neardup.BANDS)
STATES = ("Texas", "TX"), ("California", "CA"), ("Florida", "FL"), ("New York", "NY"), \
    ("Massachusetts", "MA"), ("Arizona", "AZ"), ("Georgia", "GA"), ("Illinois", "IL")
OPERATIONS = {"new": "save_article, new item (dedup + store)",
              "duplicate": "save_article, duplicate of a stored item",
              "intel": "save_article, new relevant item with its intelligence (facts, bands, event), "
                       "first ones of a run (the events of their window read from the database)",
              "intel_warm": "save_article, new relevant item with its intelligence, later ones "
                            "of the same run (event candidates cached)",
              "known": "is_known_url, stored link"}


@dataclass
class SizeCost:
    stored: int
    seconds: dict[str, float]       # operation -> mean seconds per call
    calls: dict[str, int]           # operation -> timed calls
    outcomes: dict[str, int]        # save_article outcome -> count, over the timed calls
    database_bytes: int
    events_in_window: int           # events a new item of today is compared with


@dataclass
class StoreCost:
    samples: int
    sizes: list[SizeCost] = field(default_factory=list)

    def rows(self) -> list[Row]:
        if not self.sizes:
            return []
        base = self.sizes[0]
        rows = []
        for size in self.sizes[1:]:
            name = f"c. store cost ({size.stored:,} stored)"
            gated = size.stored >= 1_000_000
            for operation, label in OPERATIONS.items():
                value, reference = size.seconds[operation], base.seconds[operation]
                ratio = value / reference if reference else 0.0
                rows.append(Row(
                    name, f"{label}, per item ({size.calls[operation]} timed)", _duration(value),
                    f"the same with {base.stored:,} stored", _duration(reference),
                    report.times(ratio), f"<= {GOAL_RATIO:.0f}x" if gated else "",
                    report.verdict(ratio <= GOAL_RATIO) if gated else report.INFO))
        for size in self.sizes:
            counts = " / ".join(str(size.outcomes.get(k, 0)) for k in ("new", "duplicate", "known"))
            rows.append(Row(f"c. store cost ({size.stored:,} stored)",
                            "database size; events in a new item's window; timed calls that "
                            "gave new / duplicate / known link",
                            f"{report.megabytes(size.database_bytes)}; {size.events_in_window:,}; "
                            f"{counts}", "timed calls (intel)",
                            f"{self.samples} ({size.calls['intel']})"))
        return rows


def _duration(seconds: float) -> str:
    return report.micros(seconds) if seconds < 0.01 else report.millis(seconds)


# ---------------------------------------------------------------- synthetic items


def _vocabulary() -> list[str]:
    rng = random.Random(7)
    syllables = ["ar", "be", "con", "da", "el", "fi", "gra", "ho", "in", "jo", "ka", "lo", "men",
                 "no", "or", "pre", "qui", "ra", "sto", "tu", "ul", "ve", "wa", "xi", "yo", "ze"]
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(VOCABULARY * 2)}
    return sorted(words)[:VOCABULARY]


WORDS = _vocabulary()
# Zipf-like word frequencies, like real text (cumulative: random.choices is O(log n) with them)
CUMULATIVE_WEIGHTS = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(WORDS))))


def text_for(number: int, words: int = STORED_WORDS) -> str:
    """The text of synthetic item `number` (the same every time it is asked for)."""
    rng = random.Random(number)
    body = " ".join(rng.choices(WORDS, cum_weights=CUMULATIVE_WEIGHTS, k=words))
    return f"Release {number}. {body}."


def url_for(number: int) -> str:
    return f"https://news{number % HOSTS}.example.org/releases/{number}/story-{number}"


def published_for(number: int) -> str:
    """Item 0 is today's; every ITEMS_PER_DAY items go one day further back."""
    return (date.today() - timedelta(days=number // ITEMS_PER_DAY)).isoformat()


ITEM_COLUMNS = ("id", "url", "canonical_url", "source", "agency", "kind", "title", "text",
                "published", "published_from", "language", "content_type", "content_hash",
                "first_seen", "last_seen", "last_changed", "status", "first_run",
                "last_run", "relevant", "relevance", "event_id")


def event_id_for(number: int) -> str | None:
    """The event a synthetic item starts: every relevant (even-numbered) item has one of its own."""
    return f"ev-{item_id(url_for(number))}" if number % 2 == 0 else None


def _rows_for(number: int, now: str) -> dict[str, list[tuple]]:
    """The rows one synthetic item adds to each table."""
    rng = random.Random(-number - 1)
    url, text = url_for(number), text_for(number)
    ident, published = item_id(url), published_for(number)
    relevant = number % 2 == 0
    event = event_id_for(number)
    rows: dict[str, list[tuple]] = {
        "items": [(ident, url, url, f"source-{number % HOSTS}", "ICE", "press_release",
                   f"Release {number}", text, published, "meta:article:published_time", "en",
                   "text/html", content_hash(text), now, now, now,
                   "live", 1, 1, int(relevant), 0.9 if relevant else 0.1, event)],
        "sightings": [(ident, url, f"source-{number % HOSTS}", 1, now, "bulk")],
        "lsh_bands": [(band, f"{rng.getrandbits(64):016x}", ident) for band in range(BANDS)],
        "facts": [], "events": [], "event_items": [], "event_features": []}
    if relevant:
        arrests = number % 60 + 2
        state, code = STATES[number % len(STATES)]
        rows["facts"] = [
            (ident, "arrests", str(arrests), None, arrests, "exact", 0, 12, f"{arrests} arrests", "1",
             "text"),
            (ident, "place", state, code, 1, "state", 20, 20 + len(state), state, "1", "text")]
        rows["events"] = [(event, f"Release {number}", code, None, published, published, now, now, 1,
                           arrests, None)]
        rows["event_items"] = [(event, ident, "release", "first item of this operation", now)]
        # what the store keeps of a linked item's text, computed as it does
        kept = [Fact(kind, value, code, count, qualifier, start, end, quote)
                for _, kind, value, code, count, qualifier, start, end, quote, _, _ in rows["facts"]]
        rows["event_features"] = [(json.dumps(sorted(event_keywords(f"Release {number}", text, kept))),
                                   lead_length(text), FEATURES_VERSION, ident)]
    return rows


INSERTS = {
    "items": f"INSERT INTO items ({', '.join(ITEM_COLUMNS)}) VALUES ({', '.join('?' * len(ITEM_COLUMNS))})",
    "sightings": "INSERT INTO sightings (item_id, url, source, run_id, seen_at, via) "
                 "VALUES (?, ?, ?, ?, ?, ?)",
    "lsh_bands": "INSERT OR IGNORE INTO lsh_bands (band, hash, item_id) VALUES (?, ?, ?)",
    "facts": 'INSERT INTO facts (item_id, kind, value, code, count, qualifier, start, "end", quote, '
             "extractor_version, field) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "events": "INSERT INTO events (id, label, state, operation, first_published, last_published, "
              "first_seen, last_seen, item_count, arrests, disagreements) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "event_items": "INSERT INTO event_items (event_id, item_id, role, reason, linked_at) "
                   "VALUES (?, ?, ?, ?, ?)",
    "event_features": SAVE_FEATURES_SQL,   # as the store writes them
}


def grow(db_path: Path, target: int, *, rows_for=None, inserts: dict | None = None) -> int:
    """Bulk-insert synthetic items (with their sightings, bands, facts and events) until
    `target` are stored. `rows_for(number, now)` and `inserts` replace `_rows_for` and
    `INSERTS` (the desk benchmark's variant of the same items)."""
    rows_for, inserts = rows_for or _rows_for, inserts or INSERTS
    with Store(db_path) as store:
        store.migrate()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -2000000")   # 2 GB of page cache for the build only
    try:
        if not conn.execute("SELECT count(*) FROM runs").fetchone()[0]:
            conn.execute("INSERT INTO runs (id, trigger, started, status) "
                         "VALUES (1, 'manual', '2023-11-14T12:00:00+00:00', 'ok')")
        start = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        now = "2023-11-14T12:00:00+00:00"
        for first in range(start, target, BATCH):
            batch: dict[str, list[tuple]] = {table: [] for table in inserts}
            for number in range(first, min(first + BATCH, target)):
                for table, rows in rows_for(number, now).items():
                    batch[table].extend(rows)
            batch["lsh_bands"].sort()   # index order: far fewer pages touched per batch
            with conn:
                for table, sql in inserts.items():
                    conn.executemany(sql, batch[table])
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return conn.execute("SELECT count(*) FROM items").fetchone()[0]
    finally:
        conn.close()
        flush(db_path)


def flush(db_path: Path) -> None:
    """Write the file's pages to disk now. The build runs with synchronous=OFF and a copy is
    written through the page cache: left dirty, gigabytes of them would be flushed by the first
    timed checkpoint's fsync (a one-second stall in one timed insert at 1M), a cost of the bulk
    build that no database grown item by item carries."""
    fd = os.open(db_path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------- timing


def _article(text: str, published: str = "2023-11-14", title: str | None = None) -> dict:
    return {"title": title or text[:60], "text": text, "canonical_url": None, "published": published,
            "published_from": "meta:article:published_time", "language": "en",
            "content_type": "text/html"}


def release_text(number: int) -> tuple[str, str]:
    """(title, text) of a relevant press release of its own, published today."""
    state, _ = STATES[number % len(STATES)]
    arrests, days = number % 70 + 3, number % 9 + 2
    title = f"ICE arrests {arrests} in {state} during {days}-day operation {number}"
    paragraphs = [
        f"U.S. Immigration and Customs Enforcement officers arrested {arrests} people in {state} "
        f"during a {days}-day enforcement operation that ended this week, the agency said.",
        f"The operation, led by the field office in district {number % 97}, targeted people with "
        f"criminal convictions and pending charges. Officers worked with local police and "
        f"sheriff's offices across {number % 12 + 2} counties.",
        f"Those arrested include nationals of Mexico, Guatemala and Honduras. Case {number} "
        "remains open and prosecutors are reviewing further charges.",
        text_for(-number - 7, SAVED_WORDS // 2)]
    return title, "\n\n".join(paragraphs)


def _intel_articles(serial: int, count: int) -> list[tuple[str, dict, dict]]:
    """(url, article, intel) of new relevant releases; intel computed as the extraction worker
    does (untimed)."""
    from monitor.crawling.worker import analyse

    today = date.today().isoformat()
    prepared = []
    for i in range(count):
        title, text = release_text(serial + i)
        article = _article(text, today, title)
        prepared.append((f"https://release.example.org/{serial}/{i}", article,
                         analyse(article, "press_release", "mark")))
    return prepared


def measure(db_path: Path, stored: int, samples: int, intel_samples: int,
            serial: int) -> tuple[dict, dict, dict]:
    """Total seconds and calls of each operation on a database of `stored` items, and the
    outcomes. `serial` keeps the new items' URLs and texts unique across calls."""
    rng = random.Random(serial)
    seconds: dict[str, float] = {}
    outcomes: dict[str, int] = {}
    fresh = [(f"https://new.example.org/{serial}/{i}", text_for(-serial - 100 - i, SAVED_WORDS))
             for i in range(samples)]
    copies = [(f"https://copy.example.org/{serial}/{i}", text_for(rng.randrange(stored)))
              for i in range(samples)]
    # the later releases are of the same states as the first ones: the events they are
    # compared with are those the first ones cached
    firsts = _intel_articles(serial, intel_samples)
    laters = _intel_articles(serial + len(STATES) * intel_samples, intel_samples)
    with Store(db_path) as store:
        store.migrate()
        for i in range(10):     # warm the connection and the caches, untimed
            store.save_article(_article(text_for(-serial - i - 1, SAVED_WORDS)),
                               url=f"https://warm.example.org/{serial}/{i}", source="bench")
        for operation, calls in (("new", fresh), ("duplicate", copies)):
            start = time.perf_counter()
            for url, text in calls:
                outcome, _ = store.save_article(_article(text), url=url, source="bench", run_id=1)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            seconds[operation] = time.perf_counter() - start
        # A crawl process starts with no event candidates in memory: its first relevant items
        # read those of their window from the database, the later ones find them cached.
        for operation, part in (("intel", firsts), ("intel_warm", laters)):
            start = time.perf_counter()
            for url, article, intel in part:
                outcome, _ = store.save_article(article, url=url, source="bench", run_id=1,
                                                item_kind="press_release", intel=intel)
                outcomes[f"intel-{outcome}"] = outcomes.get(f"intel-{outcome}", 0) + 1
            seconds[operation] = time.perf_counter() - start
        links = [url_for(rng.randrange(stored)) for _ in range(samples)]
        start = time.perf_counter()
        outcomes["known"] = sum(store.is_known_url(link) for link in links)
        seconds["known"] = time.perf_counter() - start
    calls = {"new": samples, "duplicate": samples, "intel": intel_samples, "intel_warm": intel_samples,
             "known": samples}
    return seconds, calls, outcomes


def events_in_window(db_path: Path) -> int:
    from monitor.intel.events import candidate_window

    start, end = candidate_window(date.today().isoformat())
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM events WHERE last_published >= ? AND "
                            "first_published <= ?", [start, end]).fetchone()[0]
    finally:
        conn.close()


def _file_bytes(db_path: Path) -> int:
    return sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*") if p.is_file())


def run(sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000), *, samples: int = 1500,
        intel_samples: int = 10, rounds: int = 3, workdir: Path | None = None) -> StoreCost:
    """Grow one database through the sizes, keeping a copy at each; then time every size in
    turn, `rounds` times, so that a change in the machine's load falls on all of them."""
    sizes = tuple(sorted(sizes))
    result = StoreCost(samples)
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        work = Path(workdir or tmp)
        growing = work / "growing.db"
        copies = []
        for size in sizes:
            report.progress(f"c. store cost: growing the database to {size:,} items")
            grow(growing, size)
            copy = work / f"store-{size}.db"
            if size == sizes[-1]:
                growing.rename(copy)
            else:
                shutil.copyfile(growing, copy)
                flush(copy)
            copies.append(copy)
        windows = {size: events_in_window(copy) for size, copy in zip(sizes, copies)}
        totals = {size: ({}, {}, {}) for size in sizes}
        report.progress(f"c. store cost: timing {samples} calls of each operation per size "
                        f"({intel_samples} with intelligence)")
        for number in range(rounds):
            count = samples // rounds + (1 if number < samples % rounds else 0)
            intel = intel_samples // rounds + (1 if number < intel_samples % rounds else 0)
            for index, (size, copy) in enumerate(zip(sizes, copies)):
                measured = measure(copy, size, count, intel, (number * 10 + index + 1) * 1_000_000)
                for total, part in zip(totals[size], measured):
                    for key, value in part.items():
                        total[key] = total.get(key, 0) + value
        for size, copy in zip(sizes, copies):
            seconds, calls, outcomes = totals[size]
            result.sizes.append(SizeCost(
                size, {op: seconds[op] / calls[op] if calls[op] else 0.0 for op in OPERATIONS},
                calls, outcomes, _file_bytes(copy), windows[size]))
    return result


NOTES = [
    f"**c. Store cost.** A database made by the store's own migrations is grown with bulk "
    f"`INSERT`s through the sizes, keeping a copy at each: items with {STORED_WORDS}-word texts "
    f"over a {VOCABULARY:,}-word Zipf vocabulary, published {ITEMS_PER_DAY} a day back from "
    f"today, a sighting and {BANDS} near-duplicate bands each; every other item relevant, with "
    "two facts, an event of its own and what event matching keeps of its text (the full-text "
    "index is filled by the schema's triggers); each copy is flushed to disk before timing, so "
    "that no timed write pays for the bulk build's unwritten pages. Then, on every copy in turn "
    "(three rounds, so that a change in the machine's load falls on all sizes alike), a fresh "
    f"`Store` saves new {SAVED_WORDS}-word items and duplicates (the text of a random stored item at a new URL), "
    "one transaction each as in a crawl, and new relevant releases of today with the "
    "intelligence the extraction worker computes for them (`monitor.crawling.worker.analyse`, "
    "untimed), timed apart for the first ones of a fresh `Store` (as a crawl process starts: "
    "the events of their window are read from the database) and as many after them, of the "
    "same states (those events cached); it asks `is_known_url` for random stored links. Figures are "
    "mean wall time per call, WAL checkpoints included.",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.store_cost",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--samples", type=int, default=1500)
    parser.add_argument("--intel-samples", type=int, default=10)
    args = parser.parse_args(argv)
    result = run(tuple(args.sizes), samples=args.samples, intel_samples=args.intel_samples)
    print(report.markdown_table(result.rows()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
