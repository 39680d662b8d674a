"""`monitor serve` and `monitor demo`: the review desk from the command line.

Registered on the `monitor` group by monitor/cli/commands.py (`cli.add_command(serve)`,
`cli.add_command(demo)`); the work is done by monitor.desk.server and monitor.desk.demo.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import click

from monitor.desk import server as desk
from monitor.cli.options import common_options

PUBLIC_WARNING = ("Warning: the desk listens on all interfaces; anyone who can reach this "
                  "machine can read the database (there is no login).")


def _ready(url: str) -> None:
    click.echo(f"The desk is at {url}  (Ctrl-C to stop)")


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a command the way Ctrl-C does (children stopped, exit status 0)."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _port(value: int) -> int:
    if not 0 <= value <= 65535:
        raise click.BadParameter("must be between 0 and 65535 (0: any free port)")
    return value


@click.command()
@common_options
@click.option("--host", default=desk.DEFAULT_HOST, show_default=True,
              help="Address to listen on; other than loopback only with --public.")
@click.option("--port", "-p", type=int, default=desk.DEFAULT_PORT, show_default=True,
              callback=lambda ctx, param, value: _port(value), help="Port (0: any free port).")
@click.option("--public", is_flag=True,
              help="Listen on all interfaces (or --host): reachable from other machines.")
@click.option("--sql/--no-sql", "allow_sql", default=None,
              help="Allow arbitrary SQL queries (needed by the dashboards). "
                   "Default: on for 127.0.0.1, off with --public.")
def serve(db_path: str, schedules_dir: str, host: str, port: int, public: bool,
          allow_sql: bool | None) -> None:
    """Browse, search and follow the collected items in Datasette (read-only).

    Pages: / (start here), /-/item/<id> (one item for review), /-/dashboards (charts);
    canned queries such as latest_operations and search; `.atom` on them is a feed.

    \b
    Examples:
      monitor serve
      monitor serve --port 8002 --no-sql
      monitor serve --public --host 0.0.0.0
    """
    if public:
        click.echo(PUBLIC_WARNING, err=True)
    try:
        code = desk.serve(db_path, host=host, port=port, allow_sql=allow_sql, public=public,
                          on_ready=_ready)
    except desk.DeskError as exc:
        raise click.ClickException(str(exc)) from None
    if code:
        raise click.ClickException(f"Datasette stopped with exit status {code}")


@click.command()
@click.option("--host", default=desk.DEFAULT_HOST, show_default=True,
              help="Address the desk listens on (loopback only).")
@click.option("--port", "-p", type=int, default=desk.DEFAULT_PORT, show_default=True,
              callback=lambda ctx, param, value: _port(value), help="Port (0: any free port).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="Keep the demo database in this file (default: a temporary one).")
def demo(host: str, port: int, db_path: str | None) -> None:
    """Try monitor without network or configuration: serve a bundled sample newsroom on
    127.0.0.1, crawl it into a separate demo database and open the desk on it.

    \b
    Example:
      monitor demo          then open the URL it prints
    """
    from monitor.desk.demo import DemoError, run_demo

    def progress(message: str) -> None:
        click.echo(message, err=True)

    try:
        with _sigterm_as_interrupt():
            code = run_demo(host=host, port=port, db_path=db_path, progress=progress,
                            on_ready=_ready)
    except KeyboardInterrupt:
        code = 0
    except (desk.DeskError, DemoError) as exc:
        raise click.ClickException(str(exc)) from None
    if code:
        raise click.ClickException(f"Datasette stopped with exit status {code}")
