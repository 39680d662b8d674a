"""What every `monitor` command shares: --db and --schedules, and config errors as exit 2."""

from __future__ import annotations

import functools

import click

from monitor import settings as monitor_settings
from monitor.config import ConfigError, Schedule, load_schedules


class ConfigProblem(click.ClickException):
    """A bad schedule file or name: one line, exit status 2."""

    exit_code = 2


def common_options(command):
    """--db and --schedules, the same on every command (env MONITOR_DB, MONITOR_SCHEDULES)."""
    @click.option("--db", "db_path", type=click.Path(dir_okay=False), envvar="MONITOR_DB",
                  default=monitor_settings.MONITOR_SETTINGS["MONITOR_DB"][0], show_default=True,
                  help="SQLite database file (env MONITOR_DB).")
    @click.option("--schedules", "schedules_dir", type=click.Path(file_okay=False),
                  envvar="MONITOR_SCHEDULES", show_default=True,
                  default=monitor_settings.MONITOR_SETTINGS["MONITOR_SCHEDULES"][0],
                  help="Directory of schedule files (env MONITOR_SCHEDULES).")
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        return command(*args, **kwargs)
    return wrapper


def read_schedules(schedules_dir: str) -> list[Schedule]:
    try:
        return load_schedules(schedules_dir)
    except ConfigError as exc:
        raise ConfigProblem(str(exc)) from None
