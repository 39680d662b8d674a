"""What the benchmarks crawl: documents held in memory, served on 127.0.0.1 by the package's
static-site server (monitor/desk/static_site.py), answering conditional requests and counting
every request itself; schedule files for them; and `monitor` run as a user runs it, with the
CPU time of its whole process tree."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from xml.sax.saxutils import escape

from monitor.desk.static_site import StaticHandler, StaticSite

REPO_ROOT = Path(__file__).resolve().parent.parent
# A local server needs no politeness: no AutoThrottle, no delay, many requests at a time.
FAST_ENV = {"MONITOR_AUTOTHROTTLE": "0", "MONITOR_DOWNLOAD_DELAY": "0",
            "MONITOR_CONCURRENCY_PER_DOMAIN": "16", "MONITOR_NOTIFY": ""}
LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"


@dataclass(frozen=True)
class Document:
    body: bytes
    content_type: str
    kind: str      # what the counts call it: robots, feed, sitemap, article, ...
    etag: str


class _Handler(StaticHandler):
    timeout = 120

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (quiet)
        pass

    def route(self, path: str, query: dict[str, list[str]], send_body: bool) -> bool:
        site: LocalSite = self.site  # type: ignore[assignment]
        document = site.served(path)
        if document is None:
            self.send(404, b"not found", "text/plain", send_body)
            return True
        validators = {"ETag": document.etag, "Last-Modified": LAST_MODIFIED}
        if self.headers.get("If-None-Match") == document.etag:
            site.count_not_modified(document.kind)
            self.send_not_modified(validators)
            return True
        self.send(200, document.body, document.content_type, send_body, validators)
        return True


class LocalSite(StaticSite):
    """The package's static-site server on 127.0.0.1 (a free port), serving in-memory
    documents instead of files.

    `requests[kind]` counts what it answered per document kind (`missing` for a 404),
    `not_modified[kind]` the 304s among them; `first_request` / `last_request` are
    `time.monotonic()` stamps. Use it as a context manager."""

    handler = _Handler

    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.requests: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.first_request: float | None = None
        self.last_request: float | None = None
        self._lock = threading.Lock()
        super().__init__()
        self.add("/robots.txt", ROBOTS_TXT, "text/plain", kind="robots")

    def add(self, path: str, body: bytes, content_type: str, *, kind: str) -> str:
        """Serve `body` at `path`; returns its absolute URL."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        self.documents[path] = Document(body, content_type, kind, etag)
        return self.base_url + path

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()
            self.not_modified.clear()
            self.first_request = self.last_request = None

    def served(self, path: str) -> Document | None:
        """The document at `path` (None: a 404), counted."""
        now = time.monotonic()
        document = self.documents.get(path)
        with self._lock:
            self.requests[document.kind if document else "missing"] += 1
            self.first_request = self.first_request or now
            self.last_request = now
        return document

    def count_not_modified(self, kind: str) -> None:
        with self._lock:
            self.not_modified[kind] += 1


# ---------------------------------------------------------------- feeds, sitemaps, schedules


def rss_feed(title: str, entries: list[tuple[str, str]]) -> bytes:
    """An RSS 2.0 feed of (title, absolute link) entries."""
    items = "".join(f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
                    f"<guid>{escape(link)}</guid><pubDate>Tue, 14 Nov 2023 22:13:20 GMT</pubDate></item>"
                    for t, link in entries)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{escape(title)}</title><link>http://127.0.0.1/</link>"
            f"<description>benchmark feed</description>{items}</channel></rss>").encode()


def sitemap(links: list[str]) -> bytes:
    urls = "".join(f"<url><loc>{escape(link)}</loc><lastmod>2023-11-14</lastmod></url>"
                   for link in links)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>').encode()


def write_schedule(directory: Path, name: str, sources: list[dict], *, every: str = "15m") -> Path:
    """One schedule file `<directory>/<name>.toml` with these [[source]] tables."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = [f'every = "{every}"', ""]
    for source in sources:
        lines.append("[[source]]")
        for key, value in source.items():
            lines.append(f"{key} = {value}" if isinstance(value, int) else f'{key} = "{value}"')
        lines.append("")
    path = directory / f"{name}.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# ---------------------------------------------------------------- running monitor


@dataclass
class CommandRun:
    """One `monitor` command: exit status, wall time, CPU seconds of its process tree."""

    returncode: int
    wall: float
    cpu_main: float                 # the command's own process (the Scrapy reactor for a crawl)
    cpu_children: float             # every descendant (extraction workers, forkserver, ...)
    descendants: int
    cpu_machine: float = 0.0        # every process on the machine, in the same time
    output: str = ""
    cpu_by_name: dict[str, float] = field(default_factory=dict)


def monitor_env(extra: dict | None = None) -> dict[str, str]:
    return {**os.environ, **FAST_ENV, **(extra or {})}


def run_monitor(args: list[str], *, workdir: Path, env: dict | None = None,
                timeout: float = 3600) -> CommandRun:
    """`python -m monitor ARGS` from the repository root, as a user runs it; its output goes to
    a file in `workdir` (the tail is kept for error messages)."""
    return run_module("monitor", args, workdir=workdir, env=env, timeout=timeout)


def run_module(module: str, args: list[str], *, workdir: Path, env: dict | None = None,
               timeout: float = 3600) -> CommandRun:
    """`python -m MODULE ARGS` from the repository root, measured as `run_monitor` measures."""
    log = workdir / f"{module.rpartition('.')[2]}-{int(time.time() * 1000)}.log"
    with log.open("wb") as out:
        busy = machine_busy_seconds()
        start = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", module, *args], cwd=REPO_ROOT,
                                   stdout=out, stderr=subprocess.STDOUT, env=monitor_env(env))
        sampler = TreeCpu(process.pid)
        while process.poll() is None:
            sampler.sample()
            if time.monotonic() - start > timeout:
                process.kill()
            time.sleep(0.2)
        wall = time.monotonic() - start
        busy = machine_busy_seconds() - busy
    output = log.read_text(encoding="utf-8", errors="replace")
    return CommandRun(process.returncode, wall, sampler.cpu_of_root(), sampler.cpu_of_descendants(),
                      sampler.descendant_count(), busy, output[-4000:], sampler.cpu_by_name())


TICKS = os.sysconf("SC_CLK_TCK")


class TreeCpu:
    """CPU seconds (user + system) of a process and all its descendants, from /proc, by
    repeated sampling (a descendant's last sample is its total, to within one interval)."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.seen: dict[tuple[int, int], tuple[float, str]] = {}   # (pid, start) -> (cpu, name)

    def sample(self) -> None:
        for pid in [self.root, *descendants(self.root)]:
            stat = _stat(pid)
            if stat:
                start, cpu, name = stat
                self.seen[(pid, start)] = (cpu, name)

    def cpu_of_root(self) -> float:
        return sum(cpu for (pid, _), (cpu, _) in self.seen.items() if pid == self.root)

    def cpu_of_descendants(self) -> float:
        return sum(cpu for (pid, _), (cpu, _) in self.seen.items() if pid != self.root)

    def descendant_count(self) -> int:
        return sum(1 for pid, _ in self.seen if pid != self.root)

    def cpu_by_name(self) -> dict[str, float]:
        totals: Counter[str] = Counter()
        for (pid, _), (cpu, name) in self.seen.items():
            totals["main" if pid == self.root else name] += cpu
        return dict(totals)


def machine_busy_seconds() -> float:
    """CPU seconds spent by every core on anything but idling since boot (/proc/stat)."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)   # idle + iowait
    guest = sum(fields[8:10]) if len(fields) > 9 else 0       # already counted in user
    return (sum(fields) - idle - guest) / TICKS


def descendants(pid: int) -> list[int]:
    """Every live descendant of `pid` (through /proc/PID/task/*/children)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    children = [int(c) for c in handle.read().split()]
            except OSError:
                continue
            found.extend(children)
            queue.extend(children)
    return found


def _stat(pid: int) -> tuple[int, float, str] | None:
    """(start time in ticks, CPU seconds, a short name) of a live process."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            raw = handle.read()
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    utime, stime, start = int(fields[11]), int(fields[12]), int(fields[19])
    name = "forkserver/worker" if "forkserver" in cmdline else (
        "resource_tracker" if "resource_tracker" in cmdline else "other")
    return start, (utime + stime) / TICKS, name


def rss_bytes(pid: int) -> int:
    """Resident set size of a live process (VmRSS), in bytes; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
