"""Reliability against a hostile web: run the hostile crawl and write docs/reliability.md.

    python -m benchmarks.reliability                 # the hostile crawl; rewrites docs/reliability.md
    python -m benchmarks.reliability --crash 50      # and 50 SIGKILLs (benchmarks/crash.py)
    python -m benchmarks.reliability --out -         # print the page instead

Every case of tests/hostile_cases.py is a source of one `monitor crawl` (through the CLI, as a
user runs it) against tests/hostile_server.py; each case is judged by the same code as
tests/test_hostile.py, so the page shows exactly what the tests assert.
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DOC = REPO_ROOT / "docs" / "reliability.md"


def cell(text: str) -> str:
    """Table-safe Markdown: no pipes, no raw HTML, no run-specific ports."""
    text = re.sub(r"http://127\.0\.0\.\d+:\d+", "", str(text))
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("\n", " "))


def hostile_section() -> tuple[list[str], int]:
    from monitor.items import ERROR_KINDS
    from tests.hostile_cases import (CASES, HOSTILE_ENV, PEAK_RSS_LIMIT_MB, PEAK_TREE_LIMIT_MB,
                                     observe, run_hostile_crawl)
    from tests.hostile_server import HostileServer

    with HostileServer() as server, tempfile.TemporaryDirectory(prefix="monitor-hostile-") as tmp:
        run = run_hostile_crawl(server, Path(tmp))
        verdicts = [observe(case, run.db, server) for case in CASES]
        admin_hits = len(server.hits("admin")) + len(server.hits("admin2"))
    passed = sum(v.ok for v in verdicts)
    known = [v for v in verdicts if not v.new_problems and v.known_problems]
    failed = [v for v in verdicts if v.new_problems]
    settings = ", ".join(f"`{k}={v}`" for k, v in HOSTILE_ENV.items())
    lines = [
        "## The hostile crawl",
        "",
        f"{len(CASES)} cases, each a source of one `monitor crawl` (exit status {run.returncode}) "
        f"against the hostile server: {run.seconds:.1f} s, **peak RSS {run.peak_rss_mb:.0f} MB** for "
        f"the crawl process ({run.peak_tree_mb:.0f} MB with its extraction workers; the tests "
        f"allow {PEAK_RSS_LIMIT_MB} MB and {PEAK_TREE_LIMIT_MB} MB), {admin_hits} requests "
        f"reached the loopback admin services. Settings of the run: {settings}; the page limit "
        "is the default 10 MB.",
        "",
        f"**{passed} as expected, {len(known)} with a known defect outside the spiders, "
        f"{len(failed)} failing.**",
        "",
        "| case | what the server does | expected outcome | error kind | observed |",
        "|---|---|---|---|---|",
    ]
    for verdict in verdicts:
        case = verdict.case
        kind = f"`{case.kind}`" + (f" ×{case.errors}" if case.errors != 1 else "") if case.kind else "—"
        if verdict.ok:
            observed = f"ok: {verdict.observed}"
        elif not verdict.new_problems:
            observed = f"KNOWN DEFECT: {verdict.observed} ({'; '.join(verdict.known_problems)})"
        else:
            observed = f"FAIL: {verdict.observed} ({'; '.join(verdict.new_problems)})"
        lines.append(f"| `{case.id}` | {cell(case.what)} | {cell(case.expected)} | {kind} | "
                     f"{cell(observed)} |")
    if known:
        lines += ["", "Known defects, each pinned by a strict `xfail` in tests/test_hostile.py:", ""]
        lines += [f"- `{v.case.id}`: {cell(v.case.known[1])}" for v in known]
    lines += ["", "Error kinds (`monitor/items.py`, the README's table):", ""]
    lines += [f"- `{kind}`: {cell(meaning)}" for kind, meaning in ERROR_KINDS.items()]
    return lines, len(failed)


def crash_section(runs: int) -> tuple[list[str], int]:
    from benchmarks.crash import run_trials
    from tests.fixture_server import FixtureServer

    seed = int(time.time())
    log: list[str] = []
    with FixtureServer() as server, tempfile.TemporaryDirectory(prefix="monitor-crash-") as tmp:
        trials = run_trials(runs, seed, server.base_url, Path(tmp), report=log.append)
    failed = [t for t in trials if not t.ok]
    mid = sum(1 for t in trials if t.killed_running and t.committed)
    leaked = sum(1 for t in trials if t.leaked)
    lines = [
        "## Crash safety",
        "",
        f"`python -m benchmarks.crash --runs {runs} --seed {seed}`: {runs} SIGKILLs of `monitor crawl` "
        f"against the fixture site, {mid} of them with items already committed. After each: "
        "`PRAGMA integrity_check`, the FTS index's own integrity check and its row count, every "
        "item with a sighting, no dangling foreign key, every item committed before the kill "
        "present once; then the next run must complete with the items and sighted URLs of an "
        "undisturbed crawl.",
        "",
        f"**{runs - len(failed)} of {runs} kills passed every check.** Also checked "
        "(tests/test_crash.py): "
        f"{leaked} kills left a process of the crawl behind (its extraction workers exit with it), "
        f"and after {sum(1 for t in trials if t.left_running)} the killed run was still 'running' "
        "after the next hand crawl (every crawl closes the runs a kill left open).",
        "",
        "```",
        *log,
        "```",
    ]
    return lines, len(failed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reliability",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--crash", type=int, default=0, metavar="N",
                        help="also SIGKILL N crawls (benchmarks/crash.py) and report them")
    parser.add_argument("--out", default=str(DOC), help="the page to write, - for stdout")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    lines = [
        "# Reliability: a hostile web, kills and bad configuration",
        "",
        "Generated by `python -m benchmarks.reliability"
        + (f" --crash {args.crash}" if args.crash else "") + "` on "
        f"{time.strftime('%Y-%m-%d')} ({platform.system()} {platform.machine()}, Python "
        f"{platform.python_version()}); do not edit by hand. The same cases are asserted by "
        "`tests/test_hostile.py` (the crawl, and a daemon that keeps running through a hostile "
        "run), `tests/test_crash.py` (five kills), `tests/test_concurrency.py` (daemon, hand "
        "crawls, Datasette and the sqlite-utils CLI on one database for 20 s: no \"database is "
        "locked\") and `tests/test_bad_config.py` (every bad schedule file: one line with file "
        "and line, exit status 2, the daemon refuses to start).",
        "",
        "The server (`python -m tests.hostile_server`) listens on 127.0.0.1 (the sources), "
        "127.0.0.2 (an off-site host), 127.0.0.3 (a host with a garbage robots.txt), 127.0.0.4 "
        "and 127.0.0.5 (hosts answering 429 and 503 with a Retry-After of hours, which leaves "
        "them alone for the rest of the run) and two \"admin services\" on loopback ports that "
        "must never be called.",
        "",
    ]
    started = time.monotonic()
    hostile, failures = hostile_section()
    lines += hostile
    if args.crash:
        crash, crash_failures = crash_section(args.crash)
        lines += ["", *crash]
        failures += crash_failures
    page = "\n".join(lines) + "\n"
    if args.out == "-":
        sys.stdout.write(page)
    else:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(page, encoding="utf-8")
        print(f"wrote {args.out} in {time.monotonic() - started:.0f} s "
              f"({'all as expected' if not failures else f'{failures} failing'})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
