"""d. Daemon memory: a real `monitor start --no-serve` with a 1-second schedule against a tiny
local feed, its resident memory (VmRSS from /proc) sampled after every run, for many runs;
growth after warm-up beside the size after warm-up.

Run: python -m benchmarks.daemon_memory [--runs 500]
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import report
from benchmarks.local_site import REPO_ROOT, LocalSite, monitor_env, rss_bytes, rss_feed, write_schedule
from benchmarks.repoll import article_html
from benchmarks.report import Row

GOAL_GROWTH = 0.10
WINDOW = 5                  # runs whose median RSS stands for a point in time
FINISHED = "run of schedule bench finished"
READY = "monitor daemon ready"


@dataclass
class DaemonMemory:
    runs_asked: int
    warmup: int
    ready_rss: int
    samples: list[int] = field(default_factory=list)    # RSS after each finished run
    wall: float = 0.0
    recorded: dict[str, int] = field(default_factory=dict)   # runs table: status -> count
    returncode: int | None = None

    @property
    def after_warmup(self) -> int:
        window = self.samples[self.warmup:self.warmup + WINDOW] or self.samples[-1:]
        return int(statistics.median(window)) if window else 0

    @property
    def final(self) -> int:
        window = self.samples[-WINDOW:]
        return int(statistics.median(window)) if window else 0

    @property
    def growth(self) -> float:
        return self.final / self.after_warmup - 1 if self.after_warmup else 0.0

    def rows(self) -> list[Row]:
        name = f"d. daemon memory ({len(self.samples)} runs)"
        ok = self.recorded.get("ok", 0)
        other = sum(self.recorded.values()) - ok
        peak = max(self.samples[self.warmup:] or self.samples or [0])
        return [
            Row(name, f"daemon RSS after the last runs (median of {WINDOW})",
                report.megabytes(self.final),
                f"RSS after warm-up ({self.warmup} runs)", report.megabytes(self.after_warmup),
                f"{self.growth * 100:+.1f} %", f"< {report.percent(GOAL_GROWTH)} growth",
                report.verdict(self.growth < GOAL_GROWTH)),
            Row(name, "daemon RSS: peak after warm-up", report.megabytes(peak),
                "at the ready line, before any run", report.megabytes(self.ready_rss)),
            Row(name, "runs recorded ok / other, in wall time",
                f"{ok} / {other} in {report.seconds(self.wall)}", "runs asked",
                str(self.runs_asked),
                f"{self.wall / len(self.samples):.2f} s per run" if self.samples else ""),
        ]


def run(runs: int = 500, *, warmup: int | None = None, workdir: Path | None = None) -> DaemonMemory:
    warmup = warmup if warmup is not None else max(2, runs // 10)
    with tempfile.TemporaryDirectory(prefix="bench-daemon-") as tmp:
        work = Path(workdir or tmp)
        db = work / "daemon.db"
        with LocalSite() as site:
            link = site.add("/a/1.html", article_html(1), "text/html; charset=utf-8", kind="article")
            feed = site.add("/feed.xml", rss_feed("Newsroom", [("Operation 1", link)]),
                            "application/rss+xml", kind="feed")
            write_schedule(work / "schedules", "bench", [{"name": "tiny", "url": feed}], every="1s")
            report.progress(f"d. daemon memory: monitor start, {runs} runs of a 1-second schedule")
            result = _watch(db, work / "schedules", runs, warmup)
        result.recorded = _recorded(db)
    return result


def _watch(db: Path, schedules: Path, runs: int, warmup: int) -> DaemonMemory:
    daemon = subprocess.Popen(
        [sys.executable, "-m", "monitor", "start", "--no-serve", "--db", str(db),
         "--schedules", str(schedules)], cwd=REPO_ROOT, env=monitor_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, done = threading.Event(), threading.Event()
    result = DaemonMemory(runs, warmup, 0)
    log_tail: list[str] = []

    def read_stdout() -> None:
        for line in daemon.stdout:
            if READY in line:
                result.ready_rss = rss_bytes(daemon.pid)
                ready.set()

    def read_stderr() -> None:
        for line in daemon.stderr:
            log_tail[:] = [*log_tail[-20:], line.rstrip()]
            if FINISHED in line and not done.is_set():
                result.samples.append(rss_bytes(daemon.pid))
                if len(result.samples) % 50 == 0:
                    report.progress(f"d. daemon memory: {len(result.samples)} runs, RSS "
                                    f"{report.megabytes(result.samples[-1])}")
                if len(result.samples) >= runs:
                    done.set()
        done.set()   # the daemon ended

    readers = [threading.Thread(target=target, daemon=True) for target in (read_stdout, read_stderr)]
    for reader in readers:
        reader.start()
    start = time.monotonic()
    try:
        if not ready.wait(timeout=60):
            raise RuntimeError("the daemon printed no ready line in 60 s:\n" + "\n".join(log_tail))
        done.wait(timeout=runs * 15 + 60)
        result.wall = time.monotonic() - start
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
        try:
            result.returncode = daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            daemon.kill()
            result.returncode = daemon.wait()
        for reader in readers:
            reader.join(timeout=5)
        daemon.stdout.close()
        daemon.stderr.close()
    if len(result.samples) < runs:
        raise RuntimeError(f"the daemon finished {len(result.samples)} of {runs} runs:\n"
                           + "\n".join(log_tail))
    return result


def _recorded(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall())
    finally:
        conn.close()


NOTES = [
    "**d. Daemon memory.** A real `python -m monitor start --no-serve` runs a schedule of "
    "`every = \"1s\"` with one source, a local feed of one article (stored by the first run; "
    "later runs re-poll it, 304). After each run (the daemon's `run of schedule ... finished` "
    f"log line) the daemon's VmRSS is read from /proc. Growth compares the median of the last "
    f"{WINDOW} runs with the median of the {WINDOW} runs after warm-up (the first tenth of the "
    "runs). Each run is a crawl process of its own, so the daemon's memory is the scheduler's.",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.daemon_memory",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args(argv)
    print(report.markdown_table(run(args.runs).rows()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
