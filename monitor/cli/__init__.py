"""The `monitor` command: click commands over the library (commands.py), its shared options
(options.py) and the desk commands (desk_commands.py)."""

from monitor.cli.commands import cli, main

__all__ = ["cli", "main"]
