"""Locks that die with their holder (fcntl.flock on files beside the database): one per source,
so no source is crawled by two runs at once, and one for the daemon."""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path


class LockHeld(Exception):
    """Another process holds the lock."""


class FileLock:
    """A non-blocking exclusive flock. The kernel releases it when the process dies, so a
    SIGKILLed crawl never leaves a source locked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> "FileLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockHeld(str(self.path)) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def holder_pid(self) -> int | None:
        try:
            return int(self.path.read_text().strip() or 0) or None
        except (OSError, ValueError):
            return None

    def __enter__(self) -> "FileLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_dir(db_path: str | os.PathLike) -> Path:
    return Path(f"{db_path}.locks")


def source_lock(db_path: str | os.PathLike, source: str) -> FileLock:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", source)
    return FileLock(lock_dir(db_path) / f"source-{safe}.lock")


def daemon_lock(db_path: str | os.PathLike) -> FileLock:
    return FileLock(lock_dir(db_path) / "daemon.lock")


def crawl_process_lock(db_path: str | os.PathLike, pid: int | None = None) -> FileLock:
    """Held by a crawl process for its whole life: a run whose process no longer holds it was
    abandoned (killed or crashed). Unlike a pid check, this is not fooled by zombies."""
    return FileLock(lock_dir(db_path) / f"crawl-{pid or os.getpid()}.lock")


def is_held(lock: FileLock) -> bool:
    if not lock.path.exists():
        return False
    try:
        lock.acquire()
    except LockHeld:
        return True
    lock.release()
    try:
        lock.path.unlink()
    except OSError:
        pass
    return False


def run_is_alive(db_path: str | os.PathLike):
    """For Store.mark_abandoned_runs: a run is alive while its crawl process holds its lock."""
    return lambda run: bool(run["pid"]) and is_held(crawl_process_lock(db_path, run["pid"]))


def acquire_sources(db_path: str | os.PathLike, names: list[str]) -> tuple[dict[str, FileLock], list[str]]:
    """Lock every source that is free; return (locks held, names that another run holds)."""
    held, busy = {}, []
    for name in names:
        try:
            held[name] = source_lock(db_path, name).acquire()
        except LockHeld:
            busy.append(name)
    return held, busy
