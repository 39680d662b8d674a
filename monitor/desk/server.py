"""The review desk: Datasette configured for monitor's database (metadata, canned queries,
dashboards, feeds, the item page), built in-process for tests or run as its own process.

Datasette only reads: the database is opened read-only by Datasette, no canned query writes,
and arbitrary SQL can be switched off. The desk binds 127.0.0.1 unless told to be public.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor import lifeline, settings
from monitor.desk import PLUGINS_DIR, TEMPLATES_DIR
from monitor.desk.metadata import (  # noqa: F401  (the desk's public API)
    database_name,
    datasette_metadata,
    load_desk_config,
    read_schema,
)

if TYPE_CHECKING:
    from datasette.app import Datasette

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = int(settings.get("MONITOR_DESK_PORT"))
PUBLIC_HOST = "0.0.0.0"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
# Datasette settings: bounded answers and downloads, no database file download.
SETTINGS: dict[str, Any] = {
    "default_page_size": 50,
    "max_returned_rows": 1000,  # most rows one page or JSON request returns
    "max_csv_mb": 10,  # largest CSV download
    "allow_download": False,  # never hand out the database file
    "sql_time_limit_ms": 3000,
    "facet_time_limit_ms": 150,  # a facet that takes longer is left out of the page, which still answers
    "suggest_facets": False,  # a scan per column of every page: slow on article text
    "truncate_cells_html": 300,  # long article text in table cells is cut
}


class DeskError(Exception):
    """The desk cannot start (bad host, port taken, Datasette exited)."""


def datasette_settings(allow_sql: bool) -> dict[str, Any]:
    return {**SETTINGS, "default_allow_sql": allow_sql}


def build_datasette(db_path: str | os.PathLike, *, allow_sql: bool = True, public: bool = False,
                    metadata: dict | None = None, settings: dict | None = None) -> "Datasette":
    """A configured `datasette.app.Datasette` for this database (tests, `--get` style use).
    Call `await ds.invoke_startup()` before its client."""
    from datasette.app import Datasette

    if metadata is None:
        metadata = datasette_metadata(db_path, allow_sql=allow_sql, public=public)
    return Datasette(
        [str(db_path)],
        metadata=metadata,
        plugins_dir=str(PLUGINS_DIR),
        template_dir=str(TEMPLATES_DIR),
        settings={**datasette_settings(allow_sql), **(settings or {})},
    )


def datasette_command(db_path: str | os.PathLike, metadata_path: str | os.PathLike, *,
                      host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                      allow_sql: bool = True) -> list[str]:
    """The `datasette serve` command line (same Python) for this database and metadata file.
    Never `-i` (immutable): the crawler writes to the file while the desk reads it."""
    command = [sys.executable, "-m", "datasette", "serve", str(db_path),
               "--host", host, "--port", str(port), "--metadata", str(metadata_path),
               "--plugins-dir", str(PLUGINS_DIR), "--template-dir", str(TEMPLATES_DIR)]
    for key, value in datasette_settings(allow_sql).items():
        if isinstance(value, bool):
            value = "on" if value else "off"
        command += ["--setting", key, str(value)]
    return command


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def port_problem(host: str, port: int) -> str | None:
    """Why the desk cannot listen on host:port (another process holds it, no permission), or
    None. A trial bind with SO_REUSEADDR, as Datasette's server binds: a port left in
    TIME_WAIT by a desk that just stopped counts as free, one another process listens on not."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except PermissionError:
            return f"port {port} needs privileges this user lacks; choose --port above 1023"
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} in use: another process listens on {host}:{port}; "
                        "stop it or choose another --port (0 picks a free one)")
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def missing_database(db_path: str | os.PathLike) -> str | None:
    """A message when the database file does not exist (a mistyped --db must not create an
    empty one), else None."""
    path = Path(db_path)
    if path.is_file():
        return None
    if path.exists():
        return f"{path}: not a database file"
    return (f"{path}: no such database; check --db (or MONITOR_DB), or create it with "
            "`monitor crawl` or `monitor start`")


def free_port(host: str = DEFAULT_HOST) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def resolve_binding(host: str, public: bool, allow_sql: bool | None) -> tuple[str, bool]:
    """(host, allow_sql) after the safety rules: a non-loopback address needs `public`;
    `public` alone means all interfaces; arbitrary SQL defaults to on only on loopback."""
    if public and is_loopback(host):
        host = PUBLIC_HOST
    if not public and not is_loopback(host):
        raise DeskError(f"binding {host} makes the desk reachable from other machines; "
                        "use --public to mean it")
    if allow_sql is None:
        allow_sql = not public
    return host, allow_sql


class DeskServer:
    """`datasette serve` for one database, as a child process: start(), url, stop()."""

    def __init__(self, db_path: str | os.PathLike, *, host: str = DEFAULT_HOST,
                 port: int = DEFAULT_PORT, allow_sql: bool | None = None, public: bool = False,
                 stdout: Any = None, stderr: Any = None) -> None:
        self.db_path = Path(db_path)
        self.host, self.allow_sql = resolve_binding(host, public, allow_sql)
        self.public = public
        self.port = port or free_port(DEFAULT_HOST if self.host == PUBLIC_HOST else self.host)
        self.stdout, self.stderr = stdout, stderr
        self.process: subprocess.Popen | None = None
        self._scratch: tempfile.TemporaryDirectory | None = None

    @property
    def url(self) -> str:
        host = DEFAULT_HOST if self.host == PUBLIC_HOST else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/"

    def start(self, timeout: float = READY_TIMEOUT_SECONDS) -> str:
        """Apply pending migrations, start Datasette, wait until it answers; return its URL.
        A missing database or a port another process holds is a DeskError, before anything
        is started or created."""
        from monitor.store import Store

        problem = missing_database(self.db_path) or port_problem(self.host, self.port)
        if problem:
            raise DeskError(problem)
        if self.public:
            logger.info("the desk listens on %s:%s: anyone who can reach this machine can "
                        "read the database (there is no login)", self.host, self.port)
        with Store(self.db_path) as store:  # the schema is current before queries are checked
            store.migrate()
        self._scratch = tempfile.TemporaryDirectory(prefix="monitor-desk-")
        metadata_path = Path(self._scratch.name) / "metadata.json"
        metadata = datasette_metadata(self.db_path, allow_sql=self.allow_sql, public=self.public)
        metadata_path.write_text(json.dumps(metadata), encoding="utf-8")
        command = datasette_command(self.db_path, metadata_path, host=self.host, port=self.port,
                                    allow_sql=self.allow_sql)
        # ends with this process even when it is SIGKILLed (the thread that starts it must live
        # as long: the kernel's parent-death signal follows the starting thread)
        self.process = subprocess.Popen(lifeline.command(command), stdout=self.stdout,
                                        stderr=self.stderr)
        self._wait_ready(timeout)
        return self.url

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        probe = self.url + "-/static/app.css"  # served public or not (/-/versions is not)
        while True:
            code = self.process.poll()
            if code is not None:
                self.stop()
                raise DeskError(f"Datasette exited with status {code} before it was ready "
                                f"(is port {self.port} in use? --port 0 picks a free one)")
            try:
                with urllib.request.urlopen(probe, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise DeskError(f"Datasette did not answer on {self.url} within {timeout:.0f} s")
            time.sleep(0.1)

    def poll(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int | None:
        """Terminate Datasette (kill it if it lingers) and remove the metadata file."""
        code = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            code = self.process.returncode
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
        return code

    def __enter__(self) -> "DeskServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Terminate(Exception):
    """SIGTERM arrived: stop like Ctrl-C."""


def _raise_terminate(signum: int, frame: object) -> None:
    raise _Terminate()


def serve(db_path: str | os.PathLike, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
          allow_sql: bool | None = None, public: bool = False,
          on_ready: Callable[[str], None] | None = None) -> int:
    """Run the desk until Ctrl-C or SIGTERM (exit status 0) or until Datasette stops by itself
    (its status). `on_ready(url)` is called once it answers."""
    server = DeskServer(db_path, host=host, port=port, allow_sql=allow_sql, public=public)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_terminate) if main_thread else None
    try:
        url = server.start()
        if on_ready is not None:
            on_ready(url)
        return server.process.wait()
    except (KeyboardInterrupt, _Terminate):
        return 0
    finally:
        server.stop()
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
