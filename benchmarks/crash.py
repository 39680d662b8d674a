"""Crash safety: SIGKILL the crawl process at random moments and check the database after each
kill, then let the next run complete and check that nothing was lost or stored twice.

    python -m benchmarks.crash                # 50 kills against the fixture site
    python -m benchmarks.crash --runs 200 --seed 7

Each trial crawls the fixture site (tests/fixture_server.py, served on 127.0.0.1) into a new database
and kills `monitor crawl` with SIGKILL after a random delay: during start-up, migrations, item
transactions or the closing of the run. Right before the kill it reads the items committed so
far. After the kill: `PRAGMA integrity_check` is ok, the FTS index passes its own integrity
check and indexes every item, every item has a sighting, no foreign key dangles, and every item
committed before the kill is there exactly once. Then a run without a kill must complete and end
with the same items and sighted URLs as an undisturbed crawl. Exit status 1 if a trial failed.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    {"name": "gov-feed", "url": "{base}/gov/rss/news.xml", "agency": "ICE"},
    {"name": "gov-newsroom", "url": "{base}/gov/newsroom/", "kind": "listing",
     "follow": "/news/releases/", "pages": 3, "agency": "ICE"},
    {"name": "gov-sitemap", "url": "{base}/gov/sitemap.xml", "agency": "ICE"},
    {"name": "gov-broken", "url": "{base}/gov/rss/broken-links.xml", "agency": "ICE"},
    {"name": "ledger", "url": "{base}/news/"},
    {"name": "ledger-sitemap", "url": "{base}/news/sitemap-news.xml"},
]
CRAWL_ENV = {"MONITOR_AUTOTHROTTLE": "0", "MONITOR_DOWNLOAD_DELAY": "0",
             "MONITOR_DOWNLOAD_TIMEOUT": "10", "MONITOR_RETRIES": "0", "MONITOR_NOTIFY": ""}


@dataclass
class Reference:
    """An undisturbed crawl: what every trial must end with."""

    seconds: float
    items: int
    sighted: frozenset[str]


@dataclass
class Trial:
    number: int
    delay: float                     # seconds after the start, or 0 with `after_items`
    after_items: int = 0             # kill once this many items are committed
    committed: int = 0               # items committed when the kill came
    killed_running: bool = False     # the process was still running when killed
    after_kill: int = 0              # items right after the kill
    after_next: int = 0              # items after the next, complete run
    next_status: str = ""
    leaked: list[int] = field(default_factory=list)  # processes the killed crawl left behind
    left_running: int = 0            # runs still 'running' after the next run (the killed one)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        verdict = "ok" if self.ok else "FAIL: " + "; ".join(self.problems)
        leaked = f", {len(self.leaked)} process(es) left behind" if self.leaked else ""
        leaked += ", the killed run still 'running'" if self.left_running else ""
        moment = f"after {self.after_items:>2} items" if self.after_items else f"at {self.delay:5.2f}s"
        return (f"kill {self.number:>3} {moment:>15}: {self.committed:>2} item(s) committed, "
                f"{self.after_kill:>2} after the kill, {self.after_next:>2} after the next run "
                f"({self.next_status}){leaked}: {verdict}")


def write_schedule(directory: Path, base: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    lines = ['every = "1h"', ""]
    for source in SOURCES:
        lines.append("[[source]]")
        for key, value in source.items():
            lines.append(f'{key} = "{value.replace("{base}", base)}"' if isinstance(value, str)
                         else f"{key} = {value}")
        lines.append("")
    (directory / "crash.toml").write_text("\n".join(lines), encoding="utf-8")


def crawl_command(db: Path, schedules: Path) -> list[str]:
    return [sys.executable, "-m", "monitor", "crawl", "--quiet", "--db", str(db),
            "--schedules", str(schedules)]


def start_crawl(db: Path, schedules: Path, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:  # files, not pipes: nothing can block on a full pipe
        return subprocess.Popen(crawl_command(db, schedules), cwd=REPO_ROOT, stdout=out,
                                stderr=subprocess.STDOUT, env={**os.environ, **CRAWL_ENV})


def connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def committed_items(db: Path) -> dict[str, str]:
    """canonical_url -> id of the items a reader sees as committed now (none before the schema)."""
    if not db.exists():
        return {}
    conn = connect(db)
    try:
        return dict(conn.execute("SELECT canonical_url, id FROM items").fetchall())
    except sqlite3.OperationalError:  # no items table yet: killed before the migrations
        return {}
    finally:
        conn.close()


def writing_to(log: Path) -> list[int]:
    """Live processes whose stdout is this trial's log: the crawl and whatever it started
    (extraction workers inherit it), however they were re-parented after a kill."""
    target = str(log.resolve())
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            if os.readlink(f"/proc/{name}/fd/1").removesuffix(" (deleted)") != target:
                continue
            with open(f"/proc/{name}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(name))
        except OSError:
            continue
    return found


def check_database(db: Path) -> list[str]:
    """Integrity, FTS in sync, no item without its sighting, no dangling reference."""
    if not db.exists():
        return []
    conn = connect(db)
    problems = []
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        result = conn.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            problems.append(f"integrity_check: {result[:3]}")
        if "items" not in tables:
            return problems
        try:
            conn.execute("INSERT INTO items_fts(items_fts) VALUES('integrity-check')")
            conn.commit()
        except sqlite3.DatabaseError as exc:
            problems.append(f"items_fts integrity-check: {exc}")
        items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        indexed = conn.execute("SELECT count(*) FROM items_fts_docsize").fetchone()[0]
        if items != indexed:
            problems.append(f"{items} items but {indexed} in the FTS index")
        unsighted = conn.execute("SELECT count(*) FROM items WHERE id NOT IN "
                                 "(SELECT item_id FROM sightings)").fetchone()[0]
        if unsighted:
            problems.append(f"{unsighted} item(s) without a sighting")
        twice = conn.execute("SELECT count(*) - count(DISTINCT canonical_url) FROM items").fetchone()[0]
        if twice:
            problems.append(f"{twice} item(s) stored twice")
        dangling = conn.execute("PRAGMA foreign_key_check").fetchall()
        if dangling:
            problems.append(f"dangling references: {dangling[:3]}")
    finally:
        conn.close()
    return problems


def reference_crawl(base: str, workdir: Path) -> Reference:
    schedules, db = workdir / "ref-schedules", workdir / "reference.db"
    write_schedule(schedules, base)
    started = time.monotonic()
    status = subprocess.run(crawl_command(db, schedules), cwd=REPO_ROOT, capture_output=True,
                            text=True, env={**os.environ, **CRAWL_ENV}, timeout=300)
    if status.returncode != 0:
        raise RuntimeError(f"the reference crawl failed: {status.stderr[-2000:]}")
    seconds = time.monotonic() - started
    conn = connect(db)
    try:
        items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        sighted = frozenset(r[0] for r in conn.execute("SELECT DISTINCT url FROM sightings"))
    finally:
        conn.close()
    return Reference(seconds, items, sighted)


def count_items(db: Path) -> int:
    return len(committed_items(db))


def trial(number: int, moment: tuple[str, float], base: str, reference: Reference,
          workdir: Path) -> Trial:
    """One kill (("time", seconds) after the start, or ("items", n) once n items are
    committed) and its checks; then the next, undisturbed run and its checks."""
    kind, value = moment
    result = Trial(number, value if kind == "time" else 0.0, int(value) if kind == "items" else 0)
    here = workdir / f"trial-{number}"
    schedules, db, log = here / "schedules", here / "crash.db", here / "crawl.log"
    write_schedule(schedules, base)
    proc = start_crawl(db, schedules, log)
    deadline = time.monotonic() + (value if kind == "time" else 300)
    while time.monotonic() < deadline and proc.poll() is None:
        if kind == "items" and count_items(db) >= value:
            break
        time.sleep(0.01)
    before = committed_items(db)            # read, then kill: all of these were committed
    result.killed_running = proc.poll() is None
    if result.killed_running:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    result.committed = len(before)
    # Processes that end with the crawl (extraction workers, caught mid-start by the kill
    # perhaps) are gone within a few seconds; what is still there then was left behind.
    deadline = time.monotonic() + 5
    while writing_to(log) and time.monotonic() < deadline:
        time.sleep(0.1)
    result.leaked = writing_to(log)
    for pid in result.leaked:  # this trial's own leftovers: end them so trials do not pile up
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    result.problems += [f"after the kill: {p}" for p in check_database(db)]
    after = committed_items(db)
    result.after_kill = len(after)
    lost = {url for url, ident in before.items() if after.get(url) != ident}
    if lost:
        result.problems.append(f"{len(lost)} committed item(s) lost by the kill: {sorted(lost)[:3]}")
    done = subprocess.run(crawl_command(db, schedules), cwd=REPO_ROOT, capture_output=True,
                          text=True, env={**os.environ, **CRAWL_ENV}, timeout=300)
    result.next_status = (done.stdout.strip().splitlines() or ["no output"])[-1]
    if done.returncode != 0 or "Traceback" in done.stderr:
        result.problems.append(f"the next run failed ({done.returncode}): {done.stderr[-500:]}")
    result.problems += [f"after the next run: {p}" for p in check_database(db)]
    final = committed_items(db)
    result.after_next = len(final)
    if any(final.get(url) != ident for url, ident in before.items()):
        result.problems.append("an item committed before the kill changed identity or vanished")
    conn = connect(db)
    try:
        sighted = frozenset(r[0] for r in conn.execute("SELECT DISTINCT url FROM sightings"))
        unfinished = conn.execute("SELECT count(*) FROM runs WHERE ended IS NULL AND id = "
                                  "(SELECT max(id) FROM runs)").fetchone()[0]
        result.left_running = conn.execute("SELECT count(*) FROM runs WHERE status = 'running'"
                                           ).fetchone()[0]
    finally:
        conn.close()
    if len(final) != reference.items or sighted != reference.sighted:
        missing = sorted(reference.sighted - sighted)[:3]
        result.problems.append(f"after the next run {len(final)} items (an undisturbed crawl: "
                               f"{reference.items}); URLs never sighted: {missing}")
    if unfinished:
        result.problems.append("the next run was not closed")
    return result


def run_trials(runs: int, seed: int, base: str, workdir: Path, report=print) -> list[Trial]:
    reference = reference_crawl(base, workdir)
    report(f"undisturbed crawl: {reference.items} items, {len(reference.sighted)} sighted URLs "
           f"in {reference.seconds:.1f}s")
    trials = []
    for number, moment in enumerate(kill_moments(runs, seed, reference), start=1):
        trials.append(trial(number, moment, base, reference, workdir))
        report(trials[-1].line())
    return trials


def kill_moments(runs: int, seed: int, reference: Reference) -> list[tuple[str, float]]:
    """Random kill moments. Half are times spread over a whole crawl, from Python start-up to
    the closing of the run (one in each of equal slices); the other half wait until a random
    number of items is committed, since items arrive in a burst that times alone rarely hit."""
    rng = random.Random(seed)
    timed = runs - runs // 2
    span = reference.seconds * 1.1
    moments = [("time", max(0.2, (i + rng.random()) * span / timed)) for i in range(timed)]
    moments += [("items", float(rng.randint(1, max(1, reference.items - 1))))
                for _ in range(runs // 2)]
    rng.shuffle(moments)
    return moments


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crash",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="kills (default 50)")
    parser.add_argument("--seed", type=int, default=int(time.time()), help="random seed")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    from tests.fixture_server import FixtureServer

    print(f"seed {args.seed}")
    with FixtureServer() as server, tempfile.TemporaryDirectory(prefix="monitor-crash-") as tmp:
        trials = run_trials(args.runs, args.seed, server.base_url, Path(tmp))
    failed = [t for t in trials if not t.ok]
    mid = sum(1 for t in trials if t.killed_running and t.committed)
    leaked = sum(1 for t in trials if t.leaked)
    print(f"\n{len(trials)} kills ({mid} with items already committed): "
          f"{len(trials) - len(failed)} passed every check, {len(failed)} failed; "
          f"{leaked} left processes behind")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
