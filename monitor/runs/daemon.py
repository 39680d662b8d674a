"""The daemon: APScheduler 3 runs one job per schedule; each due run is a separate crawl process
(`python -m monitor crawl SCHEDULE`) under a time limit. It never runs Scrapy itself."""

from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor import lifeline, settings
from monitor.config import ConfigError, Schedule, load_schedules
from monitor.runs.locks import LockHeld, crawl_process_lock, daemon_lock, run_is_alive
from monitor.store import Store

logger = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 20      # a crawl asked to stop gets this long before SIGKILL
DATASETTE_RESTART_SECONDS = 30  # restart a crashed Datasette at most this often
DESK_PORT = int(settings.get("MONITOR_DESK_PORT"))
LOG_BYTES, LOG_BACKUPS = 5 * 1024 * 1024, 5


def make_trigger(schedule: Schedule) -> BaseTrigger:
    if schedule.every:
        return IntervalTrigger(seconds=int(schedule.every.total_seconds()),
                               jitter=schedule.jitter or None, timezone=timezone.utc)
    trigger = CronTrigger.from_crontab(schedule.cron, timezone=timezone.utc)
    trigger.jitter = schedule.jitter or None
    return trigger


def first_run_time(schedule: Schedule, last_start: datetime | None, now: datetime) -> datetime:
    """When a schedule runs next after a (re)start, from its last recorded run: a 15-minute
    schedule that last ran 5 minutes ago runs in 10 minutes; an overdue or never-run one runs
    now (missed runs coalesce into one)."""
    if last_start is None:
        return now
    if schedule.every:
        due = last_start + schedule.every
        return due if due > now else now
    missed = make_trigger(schedule).get_next_fire_time(None, last_start)
    if missed is not None and missed <= now:
        return now
    return make_trigger(schedule).get_next_fire_time(None, now)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def build_scheduler(schedules: list[Schedule], run_job, *, last_starts: dict[str, str | None],
                    now: datetime | None = None) -> BackgroundScheduler:
    """A scheduler (not started) with one job per enabled schedule. `run_job(name)` is called
    when a schedule is due; at most one run of a schedule at a time, missed runs coalesce."""
    now = now or datetime.now(timezone.utc)
    scheduler = BackgroundScheduler(
        timezone=timezone.utc,
        executors={"default": ThreadPoolExecutor(max_workers=max(4, len(schedules)))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
    add_jobs(scheduler, schedules, run_job, last_starts=last_starts, now=now)
    return scheduler


def add_jobs(scheduler, schedules, run_job, *, last_starts, now) -> None:
    for schedule in schedules:
        if not schedule.enabled:
            continue
        scheduler.add_job(
            run_job, make_trigger(schedule), args=[schedule.name], id=schedule.name,
            name=f"{schedule.name} ({schedule.trigger_text})", replace_existing=True,
            next_run_time=first_run_time(schedule, _parse_time(last_starts.get(schedule.name)), now))


def next_run_times(schedules: list[Schedule], db_path: str, now: datetime | None = None) -> dict[str, datetime]:
    """Next run of each enabled schedule as the daemon would compute it now (for `status`)."""
    now = now or datetime.now(timezone.utc)
    with Store(db_path) as store:
        store.migrate()
        return {s.name: first_run_time(s, _parse_time(store.last_run_start(s.name)), now)
                for s in schedules if s.enabled}


def setup_logging(db_path: str, level: int = logging.INFO) -> Path:
    """Logs to stderr and to a rotating file beside the database."""
    log_path = Path(db_path).resolve().parent / "monitor.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(level)
    for handler in (logging.StreamHandler(sys.stderr),
                    logging.handlers.RotatingFileHandler(log_path, maxBytes=LOG_BYTES,
                                                         backupCount=LOG_BACKUPS)):
        handler.setFormatter(formatter)
        root.addHandler(handler)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return log_path


class Daemon:
    """`monitor start`: schedules, crawl processes, Datasette beside, clean shutdown."""

    def __init__(self, db_path: str, schedules_dir: str, *, serve: bool = True, port: int = DESK_PORT,
                 stop_grace: float = STOP_GRACE_SECONDS, nodes: list | None = None) -> None:
        self.db_path, self.schedules_dir = str(db_path), str(schedules_dir)
        self.serve, self.port, self.stop_grace = serve, port, stop_grace
        self.schedules: dict[str, Schedule] = {}
        self.children: dict[int, subprocess.Popen] = {}
        self.children_lock = threading.Lock()
        self.stopping = threading.Event()
        self.reload_requested = threading.Event()
        self.scheduler: BackgroundScheduler | None = None
        self.datasette: subprocess.Popen | None = None
        self.datasette_started = 0.0
        self.lock = daemon_lock(self.db_path)
        self.nodes = nodes or []              # Scrapyd nodes: runs go there instead
        # Runs sent to nodes are "ours" while this process lives (see run_is_alive).
        self.process_lock = crawl_process_lock(self.db_path)

    # -- the job ---------------------------------------------------------------------------

    def crawl_command(self, name: str) -> list[str]:
        return [sys.executable, "-m", "monitor", "crawl", name, "--trigger", "schedule", "--quiet",
                "--db", self.db_path, "--schedules", self.schedules_dir]

    def run_schedule(self, name: str) -> None:
        """Run one schedule in its own crawl process, within its time limit."""
        schedule = self.schedules.get(name)
        if schedule is None or self.stopping.is_set():
            return
        if self.nodes:
            self.run_schedule_on_nodes(schedule)
            return
        logger.info("run of schedule %s starting", name)
        child = subprocess.Popen(self.crawl_command(name), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, start_new_session=True)
        with self.children_lock:
            self.children[child.pid] = child
        reader = threading.Thread(target=self._relay, args=(name, child), daemon=True)
        reader.start()
        try:
            child.wait(timeout=schedule.time_limit)
        except subprocess.TimeoutExpired:
            logger.error("run of schedule %s exceeded its time limit of %ss: stopping it",
                         name, schedule.time_limit)
            self._stop_child(child)
        finally:
            reader.join(timeout=5)
            with self.children_lock:
                self.children.pop(child.pid, None)
        if child.returncode != 0:
            logger.error("run of schedule %s ended with exit status %s", name, child.returncode)
        self._mark_aborted()
        logger.info("run of schedule %s finished", name)

    def run_schedule_on_nodes(self, schedule: Schedule) -> None:
        from monitor.runs.nodes import run_on_nodes

        sources = [s for s in schedule.sources if s.enabled]
        logger.info("run of schedule %s starting on Scrapyd nodes", schedule.name)
        try:
            run_id = run_on_nodes(self.db_path, self.nodes, sources, schedule=schedule.name,
                                  time_limit=schedule.time_limit, stop=self.stopping.is_set,
                                  notify_targets=list(schedule.notify))
        except Exception:  # a node's odd answer must not end the daemon
            logger.exception("run of schedule %s on nodes failed", schedule.name)
            return
        with Store(self.db_path) as store:
            run = store.run(run_id)
        logger.info("run of schedule %s finished: run %s %s%s", schedule.name, run_id,
                    run["status"], f" ({run['message']})" if run["message"] else "")

    def _relay(self, name: str, child: subprocess.Popen) -> None:
        for line in child.stdout:
            line = line.rstrip()
            if line:
                logger.info("[%s] %s", name, line)

    def _stop_child(self, child: subprocess.Popen) -> None:
        """SIGTERM (Scrapy closes the run as aborted), then SIGKILL after the grace period."""
        if child.poll() is not None:
            return
        child.send_signal(signal.SIGTERM)  # the crawl itself first: Scrapy closes the run
        try:
            child.wait(timeout=self.stop_grace)
        except subprocess.TimeoutExpired:
            logger.error("crawl process %s did not stop in %ss: killing it", child.pid, self.stop_grace)
            # The crawl runs in a session of its own: end its extraction workers with it.
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                child.kill()
            child.wait()

    def _mark_aborted(self) -> None:
        with Store(self.db_path) as store:
            for run_id in store.mark_abandoned_runs(alive=run_is_alive(self.db_path)):
                logger.warning("run %s was left running by a process that is gone: marked aborted", run_id)

    # -- life cycle ------------------------------------------------------------------------

    def load(self) -> list[Schedule]:
        schedules = load_schedules(self.schedules_dir)
        self.schedules = {s.name: s for s in schedules}
        return schedules

    def reload(self) -> None:
        """SIGHUP: read the schedules again; a bad config is reported and the old one kept."""
        try:
            schedules = load_schedules(self.schedules_dir)
        except ConfigError as exc:
            logger.error("reload failed, keeping the running schedules: %s", exc)
            return
        with Store(self.db_path) as store:
            last = {s.name: store.last_run_start(s.name) for s in schedules}
        self.schedules = {s.name: s for s in schedules}
        for job in self.scheduler.get_jobs():
            if job.id not in self.schedules or not self.schedules[job.id].enabled:
                job.remove()
        add_jobs(self.scheduler, schedules, self.run_schedule, last_starts=last,
                 now=datetime.now(timezone.utc))
        logger.info("schedules reloaded: %s", ", ".join(sorted(self.schedules)))

    def start(self) -> int:
        """Run until SIGTERM/SIGINT; return the exit status."""
        try:
            self.lock.acquire()
        except LockHeld:
            pid = self.lock.holder_pid()
            raise RuntimeError(f"another monitor daemon (pid {pid}) is already running on "
                               f"{self.db_path}; stop it first") from None
        self.process_lock.acquire()
        try:
            return self._run()
        finally:
            self.process_lock.release()
            self.lock.release()

    def _run(self) -> int:
        schedules = self.load()
        with Store(self.db_path) as store:
            store.migrate()
            for run_id in store.mark_abandoned_runs(alive=run_is_alive(self.db_path)):
                logger.warning("run %s was left running by a killed process: marked aborted", run_id)
            last = {s.name: store.last_run_start(s.name) for s in schedules}
        self.scheduler = build_scheduler(schedules, self.run_schedule, last_starts=last)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stopping.set())
        signal.signal(signal.SIGHUP, lambda *_: self.reload_requested.set())
        if self.serve:
            self.datasette = self._start_datasette()
        self.scheduler.start()
        upcoming = ", ".join(f"{job.id} at {job.next_run_time:%H:%M:%S}"
                             for job in self.scheduler.get_jobs())
        served = f"; Datasette on http://127.0.0.1:{self.port}/" if self.datasette else ""
        if self.nodes:
            served += f"; runs go to {len(self.nodes)} Scrapyd node(s)"
        print(f"monitor daemon ready: {len(self.scheduler.get_jobs())} schedule(s) "
              f"({upcoming}){served}", flush=True)
        while not self.stopping.wait(timeout=0.5):
            if self.reload_requested.is_set():
                self.reload_requested.clear()
                self.reload()
            if self.datasette and self.datasette.poll() is not None \
                    and time.monotonic() - self.datasette_started > DATASETTE_RESTART_SECONDS:
                logger.error("Datasette exited with status %s; restarting it", self.datasette.returncode)
                self.datasette = self._start_datasette()
        self.shutdown()
        return 0

    def shutdown(self) -> None:
        logger.info("stopping: no new runs; stopping %d running crawl(s)", len(self.children))
        self.scheduler.shutdown(wait=False)
        with self.children_lock:
            children = list(self.children.values())
        threads = [threading.Thread(target=self._stop_child, args=(c,)) for c in children]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self._mark_aborted()
        if self.datasette and self.datasette.poll() is None:
            self.datasette.terminate()
            try:
                self.datasette.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.datasette.kill()
        logger.info("stopped")

    def _start_datasette(self) -> subprocess.Popen:
        command = [sys.executable, "-m", "monitor", "serve", "--db", self.db_path,
                   "--schedules", self.schedules_dir, "--port", str(self.port)]
        self.datasette_started = time.monotonic()
        # a SIGKILLed daemon takes its desk along (`monitor serve` then stops its Datasette)
        return subprocess.Popen(lifeline.command(command), stdin=subprocess.DEVNULL,
                                start_new_session=True)
