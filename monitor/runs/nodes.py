"""Scrapyd nodes: deploy the spiders as an egg, send crawl runs to the least busy node, follow
the job, and bring its items home through the same store path as a local run.

A node runs the crawl with MONITOR_REMOTE on: it extracts pages but writes no database; its
items feed (JSON lines) is imported here only after the job closed cleanly, so a node that dies
mid-run leaves a failed run and no partial items."""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from monitor import settings
from monitor.config import Source
from monitor.runs.bookkeeping import (FAILED, begin_run, close_run, run_status, skipped,
                                     source_status)
from monitor.runs.locks import acquire_sources
from monitor.store import Store

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
SPIDER = "sources"
REQUEST_TIMEOUT = 15


class NodeError(Exception):
    """A node could not be reached or refused a request."""


@dataclass(frozen=True)
class Node:
    url: str
    username: str | None = None
    password: str | None = None

    def _request(self, path: str, data: dict | None = None, *, raw: bool = False,
                 files: dict[str, bytes] | None = None):
        url = self.url.rstrip("/") + "/" + path.lstrip("/")
        headers = {"User-Agent": settings.user_agent()}
        if self.username:
            token = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        body = None
        if files:
            boundary = "monitor-" + os.urandom(8).hex()
            body = _multipart(boundary, data or {}, files)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(url, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            raise NodeError(f"{self.url}: {path}: HTTP {exc.code} {exc.reason}") from None
        except (OSError, ValueError) as exc:
            raise NodeError(f"{self.url}: {path}: {exc}") from None
        if raw:
            return payload
        try:
            answer = json.loads(payload)
        except ValueError:
            raise NodeError(f"{self.url}: {path}: not a Scrapyd answer") from None
        if answer.get("status") != "ok":
            raise NodeError(f"{self.url}: {path}: {answer.get('message') or answer}")
        return answer

    def status(self) -> dict:
        return self._request("daemonstatus.json")

    def load(self) -> int:
        """Pending plus running jobs: how busy the node is."""
        answer = self.status()
        return int(answer.get("pending", 0)) + int(answer.get("running", 0))

    def jobs(self, project: str) -> dict[str, list[dict]]:
        return self._request("listjobs.json?" + urllib.parse.urlencode({"project": project}))

    def job_state(self, project: str, job: str) -> tuple[str, dict | None]:
        """'pending', 'running', 'finished' or 'unknown' (a node restarted and forgot it)."""
        jobs = self.jobs(project)
        for state in ("pending", "running", "finished"):
            for entry in jobs.get(state, []):
                if entry.get("id") == job:
                    return state, entry
        return "unknown", None

    def schedule(self, project: str, job: str, args: dict, job_settings: dict) -> None:
        data = {"project": project, "spider": SPIDER, "jobid": job, **args,
                "setting": [f"{k}={v}" for k, v in job_settings.items()]}
        self._request("schedule.json", data)

    def cancel(self, project: str, job: str) -> None:
        self._request("cancel.json", {"project": project, "job": job})

    def fetch(self, path: str) -> bytes:
        return self._request(path, raw=True)

    def add_version(self, project: str, version: str, egg: bytes) -> dict:
        return self._request("addversion.json", {"project": project, "version": version},
                             files={"egg": egg})


def _multipart(boundary: str, fields: dict, files: dict[str, bytes]) -> bytes:
    lines = []
    for name, value in fields.items():
        lines += [f"--{boundary}", f'Content-Disposition: form-data; name="{name}"', "", str(value)]
    body = "\r\n".join(lines).encode() + (b"\r\n" if lines else b"")
    for name, content in files.items():
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                 f'filename="{name}.egg"\r\nContent-Type: application/octet-stream\r\n\r\n').encode()
        body += content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


def configured_nodes(urls: list[str] | None = None) -> list[Node]:
    """Nodes from the command line or MONITOR_SCRAPYD_NODES; credentials from the environment
    (MONITOR_SCRAPYD_USERNAME / MONITOR_SCRAPYD_PASSWORD), never from a file."""
    urls = urls or str(settings.get("MONITOR_SCRAPYD_NODES")).replace(",", " ").split()
    username = os.environ.get("MONITOR_SCRAPYD_USERNAME") or None
    password = os.environ.get("MONITOR_SCRAPYD_PASSWORD") or None
    return [Node(url.rstrip("/"), username, password) for url in urls]


def project_name() -> str:
    return str(settings.get("MONITOR_SCRAPYD_PROJECT"))


# -- deploying ---------------------------------------------------------------------------------

SETUP_PY = """from setuptools import find_packages, setup
setup(name="monitor", version={version!r}, packages=find_packages(include=["monitor*", "spiders*"]),
      package_data={{"monitor.desk": ["desk.yml", "templates/*.html", "plugins/*.py"]}},
      entry_points={{"scrapy": ["settings = monitor.settings"]}}, zip_safe=False)
"""


def build_egg(version: str | None = None) -> tuple[bytes, str]:
    """The spiders and the monitor package as an egg, as scrapyd-deploy would build it."""
    version = version or str(int(time.time()))
    with tempfile.TemporaryDirectory(prefix="monitor-egg-") as tmp:
        build = Path(tmp)
        for package in ("monitor", "spiders"):
            shutil.copytree(ROOT / package, build / package,
                            ignore=shutil.ignore_patterns("__pycache__", "sample_site"))
        (build / "setup.py").write_text(SETUP_PY.format(version=version))
        subprocess.run([sys.executable, "setup.py", "-q", "bdist_egg", "-d", str(build / "dist")],
                       cwd=build, check=True, capture_output=True)
        [egg] = list((build / "dist").glob("*.egg"))
        return egg.read_bytes(), version


def deploy(nodes: list[Node], project: str | None = None) -> dict[str, str]:
    """Upload a fresh egg to every node; {node url: result}."""
    egg, version = build_egg()
    results = {}
    for node in nodes:
        try:
            answer = node.add_version(project or project_name(), version, egg)
            results[node.url] = f"version {version}: {answer.get('spiders', '?')} spider(s)"
        except NodeError as exc:
            results[node.url] = f"failed: {exc}"
    return results


# -- running a schedule on a node --------------------------------------------------------------

@dataclass
class RemoteRun:
    run_id: int
    node: Node
    job: str
    sources: list[Source]


def least_busy(nodes: list[Node]) -> Node:
    """The reachable node with the fewest pending and running jobs."""
    loads = []
    for node in nodes:
        try:
            loads.append((node.load(), nodes.index(node), node))
        except NodeError as exc:
            logger.warning("node unavailable: %s", exc)
    if not loads:
        raise NodeError("no Scrapyd node is reachable")
    return min(loads)[2]


def busy_sources(store: Store, project: str, nodes: list[Node], names: list[str]) -> set[str]:
    """Sources that a job recorded as running on a node still crawls (checked with
    listjobs.json); jobs the nodes no longer run are closed in the table."""
    by_url = {n.url: n for n in nodes}
    busy: set[str] = set()
    for job in store.running_remote_jobs():
        node = by_url.get(job["node"])
        state = "unknown"
        if node is not None:
            try:
                state, _ = node.job_state(project, job["job"])
            except NodeError:
                state = "unreachable"
        if state in ("pending", "running", "unreachable"):
            busy |= set(json.loads(job["sources"])) & set(names)
        else:
            store.close_remote_job(job["job"], state)
    return busy


_DISPATCH = threading.Lock()  # choose-and-schedule is atomic: two due runs see each other's load


def start_remote_run(store: Store, nodes: list[Node], sources: list[Source], *, run_id: int) -> RemoteRun:
    job = f"monitor-run-{run_id}-{os.urandom(3).hex()}"
    args = {"sources_json": json.dumps([s.to_dict() for s in sources])}
    with _DISPATCH:
        node = least_busy(nodes)
        node.schedule(project_name(), job, args, {"MONITOR_REMOTE": "1"})
    store.record_remote_job(job=job, node=node.url, run_id=run_id, sources=[s.name for s in sources])
    logger.info("run %s sent to %s as job %s", run_id, node.url, job)
    return RemoteRun(run_id, node, job, sources)


def wait_for_job(remote: RemoteRun, *, time_limit: float, stop, poll: float = 1.0) -> str:
    """'finished', 'lost' (the node forgot the job or stayed unreachable) or 'aborted'
    (time limit or daemon shutdown: the job is cancelled)."""
    deadline = time.monotonic() + time_limit
    lost_after = float(settings.get("MONITOR_NODE_LOST_AFTER"))
    unreachable_since = None
    while True:
        if stop() or time.monotonic() > deadline:
            try:
                remote.node.cancel(project_name(), remote.job)
            except NodeError as exc:
                logger.warning("could not cancel %s: %s", remote.job, exc)
            return "aborted"
        try:
            state, _ = remote.node.job_state(project_name(), remote.job)
            unreachable_since = None
        except NodeError as exc:
            unreachable_since = unreachable_since or time.monotonic()
            if time.monotonic() - unreachable_since > lost_after:
                logger.error("node lost during run %s: %s", remote.run_id, exc)
                return "lost"
            state = "unreachable"
        if state == "finished":
            return "finished"
        if state == "unknown":
            return "lost"
        time.sleep(poll)


def collect_items(remote: RemoteRun) -> list[dict] | None:
    """The job's items, or None when its log does not show a clean finish (a crawl process
    killed on the node leaves a partial feed: it is not imported)."""
    project = project_name()
    log = remote.node.fetch(f"logs/{project}/{SPIDER}/{remote.job}.log").decode("utf-8", "replace")
    if "Spider closed (finished)" not in log:
        return None
    try:
        raw = remote.node.fetch(f"items/{project}/{SPIDER}/{remote.job}.jl")
    except NodeError:
        raw = b""  # a run that found nothing writes no feed
    records = []
    for line in raw.decode("utf-8", "replace").splitlines():
        if line.strip():
            records.append(json.loads(line))
    return records


def import_items(store: Store, run_id: int, records: list[dict],
                 names: list[str]) -> dict[str, dict[str, int]]:
    """Store a node's records exactly as the local pipelines would; per-source counts."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for record in records:
        kind = record.get("type")
        if kind == "article":
            page = record["page"]
            outcome, _ = store.save(record["article"], page, run_id=run_id,
                                    intel=record.get("intel"))
            counts[page["source"]][outcome] += 1
        elif kind == "problem":
            counts[record.get("source")][store.record(record, run_id=run_id)] += 1
        elif kind == "gone":
            store.mark_gone(record["item_id"], run_id=run_id)
            counts[record["source"]]["gone"] += 1
    for row in counts.values():
        # A node's run counts what reached its feed: each record is one fetched article URL.
        row["pages"] = row["links"] = sum(v for k, v in row.items() if k not in ("pages", "links"))
    return {name: dict(counts.get(name, {})) for name in names}


def run_on_nodes(db_path: str, nodes: list[Node], sources: list[Source], *, schedule: str,
                 time_limit: float, stop, notify_targets: list[str] | None = None,
                 poll: float = 1.0) -> int:
    """One scheduled run on the least busy node: the daemon's counterpart of `run_crawl`.
    Holds the sources' local locks for the whole job, so a hand crawl here skips them too."""
    names = [s.name for s in sources]
    locks, busy = acquire_sources(db_path, names)
    try:
        with Store(db_path) as store:
            store.migrate()
            busy += sorted(busy_sources(store, project_name(), nodes, list(locks)))
            free = [s for s in sources if s.name in locks and s.name not in busy]
            run_id = begin_run(store, sources, trigger="schedule", schedule=schedule, busy=busy)
            per_source = skipped(busy)
            message = None
            if free:
                try:
                    remote = start_remote_run(store, nodes, free, run_id=run_id)
                except NodeError as exc:
                    remote, message = None, f"could not start the run on a node: {exc}"
                outcome = "failed" if remote is None else wait_for_job(
                    remote, time_limit=time_limit, stop=stop, poll=poll)
                records = None
                if outcome == "finished":
                    try:
                        records = collect_items(remote)
                    except NodeError as exc:
                        message = f"could not collect the job's items: {exc}"
                    if records is None and message is None:
                        message = f"job {remote.job} on {remote.node.url} did not finish cleanly"
                elif outcome == "lost":
                    message = f"node {remote.node.url} lost job {remote.job}"
                elif outcome == "aborted":
                    message = "time limit or shutdown: the job was cancelled"
                if remote is not None:
                    store.close_remote_job(remote.job, outcome)
                if records is not None:
                    counts = import_items(store, run_id, records, [s.name for s in free])
                    for name, row in counts.items():
                        row["status"] = source_status(row)
                        per_source[name] = row
                else:
                    for source in free:
                        per_source[source.name] = {"errors": 1, "status": FAILED, "error": message}
                    if outcome != "aborted":
                        store.record_error(run_id=run_id, source=None, url=remote.node.url if remote else None,
                                           kind="node_error", message=message or outcome)
            status = "aborted" if free and outcome == "aborted" else run_status(per_source)
            close_run(store, run_id, status=status, message=message, per_source=per_source,
                      crawled=[s.name for s in free], notify_targets=notify_targets)
            return run_id
    finally:
        for lock in locks.values():
            lock.release()
