"""Child processes that end with the process that started them.

A SIGKILLed parent cannot stop its children: the Datasette of `monitor serve` would keep the
desk's port, and the `monitor serve` of a killed daemon would keep its Datasette, so the next
`monitor start` could not serve. `command(argv)` wraps a command line so that, on Linux, the
kernel sends the child SIGTERM the moment its parent dies (prctl PR_SET_PDEATHSIG, which
survives exec); elsewhere the command runs unchanged.

    python -m monitor.lifeline PARENT_PID COMMAND [ARG...]
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def command(argv: list[str]) -> list[str]:
    """`argv` run through this module, tied to this process."""
    if not sys.platform.startswith("linux"):
        return list(argv)
    return [sys.executable, "-m", "monitor.lifeline", str(os.getpid()), *argv]


def main(args: list[str]) -> int:
    if len(args) < 2 or not args[0].isdigit():
        print("usage: python -m monitor.lifeline PARENT_PID COMMAND [ARG...]", file=sys.stderr)
        return 2
    parent, argv = int(args[0]), args[1:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        print(f"monitor.lifeline: prctl failed ({os.strerror(ctypes.get_errno())}); "
              f"{argv[0]} will not stop with its parent", file=sys.stderr)
    elif os.getppid() != parent:  # the parent died before the request was made
        return 0
    os.execvp(argv[0], argv)
    return 127  # not reached: execvp raises if it fails


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
