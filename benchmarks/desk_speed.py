"""f. The desk at volume: every desk page and data URL (home, items with their default facets,
full-text search, an item page, every canned query as HTML, JSON, CSV and Atom, every dashboard
and its charts' data, the operations list and an operation page), answered by a real `datasette
serve` process over HTTP, with 100k and 1M items stored, beside the same URL at 10k.

The databases are grown by the store-cost benchmark's builder (the store's own migrations, bulk
inserts that honour the schema), with first-seen times that follow publication, a fifth of the
relevant items joined to an earlier item's event as its coverage, and an error per hundred items;
the operations table is then written by the store's own code (`rebuild_operations`).

Run: python -m benchmarks.desk_speed [--sizes 10000 100000 1000000] [--repeats 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from benchmarks import report, store_cost
from benchmarks.report import Row

GOALS = {100_000: 0.5, 1_000_000: 1.0}   # seconds: every URL answers within this at that size
COVERAGE_EVERY = 5       # every 5th relevant item is coverage of the relevant item before it
ERROR_EVERY = 100        # one recorded error per this many items
SEARCH_WORDS = ("Release", "fentanyl")   # a word every item has, and one no item has
NOT_A_FEED = 0   # the status kept for an Atom URL of a query whose rows are not items (a 400 by design)
NOT_A_FEED_TEXT = b"An Atom feed needs"


@dataclass
class SizeTimes:
    stored: int
    seconds: dict[str, float]          # URL label -> median seconds
    status: dict[str, int]             # URL label -> HTTP status
    database_bytes: int = 0
    operations: int = 0


@dataclass
class DeskSpeed:
    repeats: int
    sizes: list[SizeTimes] = field(default_factory=list)

    def rows(self) -> list[Row]:
        if not self.sizes:
            return []
        base = self.sizes[0]
        rows = []
        for size in self.sizes:
            goal = GOALS.get(size.stored)
            name = f"f. desk ({size.stored:,} items)"
            slowest = max(size.seconds, key=size.seconds.get)
            failed = sorted(label for label, code in size.status.items() if code not in (200, NOT_A_FEED))
            ok = not failed and (goal is None or size.seconds[slowest] < goal)
            rows.append(Row(name, f"slowest of {len(size.seconds)} URLs: {slowest}",
                            _duration(size.seconds[slowest]),
                            "its time at " + f"{base.stored:,}" if size is not base else "",
                            _duration(base.seconds.get(slowest, 0.0)) if size is not base else "",
                            report.times(report.ratio(size.seconds[slowest], base.seconds.get(slowest, 0)))
                            if size is not base else "",
                            f"< {goal:g} s, all HTTP 200" if goal else "all HTTP 200",
                            report.verdict(ok)))
            if failed:
                rows.append(Row(name, "URLs not answering 200", ", ".join(
                    f"{label} ({size.status[label]})" for label in failed), verdict=report.MISSED))
            rows.append(Row(name, "database size; operations", f"{report.megabytes(size.database_bytes)}; "
                            f"{size.operations:,}"))
            feeds = sorted(label for label, code in size.status.items() if code == NOT_A_FEED)
            if feeds and size is base:
                rows.append(Row(name, "not timed: Atom of queries whose rows are not items (400, "
                                "\"An Atom feed needs ...\", by design)", ", ".join(feeds)))
            if size is base:
                continue
            for label, seconds in size.seconds.items():
                reference = base.seconds.get(label, 0.0)
                rows.append(Row(name, label, _duration(seconds), f"the same at {base.stored:,}",
                                _duration(reference), report.times(report.ratio(seconds, reference)),
                                f"< {goal:g} s" if goal else "",
                                report.verdict(seconds < goal and size.status[label] == 200)
                                if goal else report.INFO))
        return rows


def _duration(seconds: float) -> str:
    return report.millis(seconds) if seconds < 1 else report.seconds(seconds)


# ---------------------------------------------------------------- the database


def _desk_rows(number: int, now: str) -> dict[str, list[tuple]]:
    """store_cost's rows for one item, made to look like a desk's: first seen on its publication
    day, every COVERAGE_EVERY-th relevant item coverage in the event of the relevant item before
    it, an error every ERROR_EVERY items."""
    rows = store_cost._rows_for(number, now)
    seen = store_cost.published_for(number) + "T12:00:00+00:00"
    columns = store_cost.ITEM_COLUMNS
    item = list(rows["items"][0])
    for name in ("first_seen", "last_seen", "last_changed"):
        item[columns.index(name)] = seen
    if rows["events"] and number % (2 * COVERAGE_EVERY) == 2 * COVERAGE_EVERY - 2 and number >= 2:
        earlier = store_cost.event_id_for(number - 2)  # the release two items back (even too)
        item[columns.index("event_id")] = earlier
        item[columns.index("kind")] = "news"
        item[columns.index("agency")] = None
        rows["events"] = []
        rows["event_items"] = [(earlier, item[0], "coverage", "same operation (benchmark)", seen)]
    rows["items"] = [tuple(item)]
    rows["errors"] = ([(1, item[columns.index("source")], item[1], "http_error", "error",
                        f"HTTP 503 on {item[1]}", seen)] if number % ERROR_EVERY == 0 else [])
    return rows


_INSERTS = {**store_cost.INSERTS,
            "errors": "INSERT INTO errors (run_id, source, url, kind, severity, message, at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)"}


def grow(db_path: Path, target: int) -> int:
    """Grow the database to `target` items with store_cost's builder (these rows), then write
    what the store keeps as it writes: sources, and the operations of the new events."""
    from monitor.store import Store
    from monitor.store.operations_rebuild import rebuild_operations
    from monitor.store.schema import utcnow

    store_cost.grow(db_path, target, rows_for=_desk_rows, inserts=_INSERTS)
    with Store(db_path) as store:
        store.migrate()
        with store.write() as db:
            db.execute("INSERT OR IGNORE INTO sources (name, kind, url, agency, failures_in_row) "
                       "SELECT DISTINCT source, 'feed', 'https://' || source || '.example.org/feed', "
                       "'ICE', 0 FROM items")
            db.execute("UPDATE events SET item_count = (SELECT count(*) FROM event_items "
                       "WHERE event_id = events.id)")
            rebuild_operations(db, now=utcnow(), only_missing=True)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        count = store.conn.execute("SELECT count(*) FROM items").fetchone()[0]
    store_cost.flush(db_path)
    return count


# ---------------------------------------------------------------- the URLs


def desk_urls(db_path: Path) -> dict[str, str]:
    """label -> path of every desk page and data URL, for this database."""
    from datasette_dashboards import replace_opts_in_query

    from monitor.desk.metadata import database_name, datasette_metadata

    name = database_name(db_path)
    metadata = datasette_metadata(db_path, allow_sql=True)
    db = "/" + quote(name)
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        item = conn.execute("SELECT id FROM items WHERE event_id IS NOT NULL ORDER BY rowid LIMIT 1 "
                            "OFFSET 8").fetchone()[0]
        event = conn.execute("SELECT event_id FROM operations ORDER BY items DESC, first_date DESC "
                             "LIMIT 1").fetchone()
    finally:
        conn.close()
    urls = {"home": "/", "database page": db, "items (default facets)": f"{db}/items",
            "items.json": f"{db}/items.json", "items.atom": f"{db}/items.atom"}
    for word in SEARCH_WORDS:
        urls[f"items, full-text search '{word}'"] = f"{db}/items?_search={word}"
    urls["item page"] = f"/-/item/{quote(item, safe='')}"
    params = {"search": {"q": SEARCH_WORDS[0]}, "item_revisions": {"id": item},
              "recent_errors": {"source": "", "kind": ""}}
    for query in metadata["databases"][name]["queries"]:
        args = params.get(query, {})
        qs = ("?" + urlencode(args)) if args else ""
        for extension in ("", ".json", ".csv", ".atom"):
            urls[f"{query}{extension}"] = f"{db}/{query}{extension}{qs}"
    urls["operations table"] = f"{db}/operations"
    urls["operations list"] = "/-/operations"
    urls["operations list, filtered"] = "/-/operations?state=TX&since=2000-01-01"
    if event:
        urls["operation page"] = f"/-/operation/{quote(event[0], safe='')}"
    dashboards = metadata["plugins"].get("datasette-dashboards", {})
    for slug, dashboard in dashboards.items():
        urls[f"dashboard {slug}"] = f"/-/dashboards/{slug}"
        for chart_slug, chart in dashboard.get("charts", {}).items():
            sql = replace_opts_in_query(chart["query"], {})
            urls[f"chart {slug}/{chart_slug}"] = f"{db}.json?" + urlencode({"sql": sql, "_shape": "objects"})
        for filter_slug, flt in dashboard.get("filters", {}).items():
            if "query" in flt:
                urls[f"filter {slug}/{filter_slug}"] = f"{db}.json?" + urlencode(
                    {"sql": flt["query"], "_shape": "objects"})
    return urls


def _get(url: str) -> tuple[float, int]:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        body = exc.read()
        status = NOT_A_FEED if exc.code == 400 and body.startswith(NOT_A_FEED_TEXT) else exc.code
    return time.perf_counter() - start, status


def time_desk(db_path: Path, repeats: int) -> tuple[dict[str, float], dict[str, int]]:
    """Median seconds and the status of each URL, from a fresh `datasette serve` of the desk."""
    from monitor.desk.server import DeskServer

    urls = desk_urls(db_path)
    seconds: dict[str, list[float]] = {label: [] for label in urls}
    status: dict[str, int] = {}
    with DeskServer(db_path, port=0, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as server:
        base = server.url.rstrip("/")
        _get(base + "/")   # the first request pays for Datasette's start-up, untimed
        for _ in range(repeats):
            for label, path in urls.items():
                took, code = _get(base + path)
                seconds[label].append(took)
                status[label] = code if status.get(label, 200) == 200 else status[label]
    timed = {label: statistics.median(values) for label, values in seconds.items()
             if status[label] != NOT_A_FEED}
    return timed, status


def _file_bytes(db_path: Path) -> int:
    return sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*") if p.is_file())


def run(sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000), *, repeats: int = 3,
        keep: Path | None = None) -> DeskSpeed:
    """Grow one database through the sizes (kept in `keep`, when given, and reused by a later
    run), timing the desk at each."""
    sizes = tuple(sorted(sizes))
    result = DeskSpeed(repeats)
    with tempfile.TemporaryDirectory(prefix="bench-desk-") as tmp:
        work = Path(keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            copy = work / f"desk-{size}.db"
            if not copy.exists():
                report.progress(f"f. desk: growing a database to {size:,} items")
                smaller = [work / f"desk-{s}.db" for s in sizes if s < size and (work / f"desk-{s}.db").exists()]
                growing = work / "growing.db"
                if smaller:
                    shutil.copyfile(smaller[-1], growing)
                grow(growing, size)
                growing.rename(copy)
            else:
                grow(copy, size)   # migrates, and writes any operation missing
            report.progress(f"f. desk: timing every desk URL at {size:,} items ({repeats} rounds)")
            seconds, status = time_desk(copy, repeats)
            conn = sqlite3.connect(copy)
            operations = conn.execute("SELECT count(*) FROM operations").fetchone()[0]
            conn.close()
            result.sizes.append(SizeTimes(size, seconds, status, _file_bytes(copy), operations))
    return result


NOTES = [
    "**f. The desk at volume.** The store-cost benchmark's builder grows a database through the "
    "sizes (every other item relevant, each in an event of its own, and every "
    f"{COVERAGE_EVERY}th relevant item coverage of the one before it; items first seen on their "
    f"publication day; an error per {ERROR_EVERY} items); the store's own `rebuild_operations` "
    "writes the operations table from the events, as the store keeps it while it writes. A real "
    "`datasette serve` of the desk (`monitor.desk.server.DeskServer`, the settings of `monitor "
    "serve`) then answers every page and data URL over HTTP: the home and database pages, the "
    "items table with its default facets, its JSON and Atom, full-text searches for a word in "
    "every item (the table lists the 10,000 most recently stored of its matches, as the desk "
    "does for any search that matches more) and for one in none, an item page, every canned "
    "query as HTML, JSON, CSV and "
    "Atom (an Atom of a query that returns no items answers 400, by design), the operations list "
    "(filtered and not) and an operation page, every dashboard page, each chart's data "
    "(`/db.json?sql=...`, as the dashboard fetches it) and each dashboard filter. A figure is "
    "the median wall time of the rounds; the first request of a server is not timed.",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.desk_speed",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the grown databases here (and reuse them)")
    args = parser.parse_args(argv)
    result = run(tuple(args.sizes), repeats=args.repeats, keep=args.keep)
    print(report.markdown_table(result.rows()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
