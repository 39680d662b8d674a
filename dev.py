#!/usr/bin/env python3
"""Set up and run monitor with nothing but Python 3.11+ installed.

    python3 dev.py run [ARGS...]   create .venv, install, then `monitor start ARGS...`: the
                                   daemon with every schedule, and the Datasette desk beside it
    python3 dev.py test [ARGS...]  create .venv, install (and Debian's chromium for the browser
                                   test, when run as root with apt-get), then the whole test suite
    python3 dev.py bench [ARGS...] create .venv, install, then the benchmarks

The virtual environment is reused while requirements.txt is unchanged.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("MONITOR_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"


def ensure_environment() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"monitor needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    requirements = (ROOT / "requirements.txt").read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    stamp = VENV / ".requirements.sha256"
    digest = hashlib.sha256(requirements).hexdigest()
    if stamp.exists() and stamp.read_text() == digest and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"creating {VENV} ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing requirements ...", file=sys.stderr)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + ["-r", str(ROOT / "requirements.txt")], check=True)
    subprocess.run(pip + ["--no-deps", "-e", str(ROOT)], check=True)
    stamp.write_text(digest)


def ensure_chromium() -> None:
    """The browser test drives Debian's chromium; install it when missing and possible."""
    if shutil.which("chromium") or not shutil.which("apt-get") or os.geteuid() != 0:
        return
    print("installing Debian's chromium for the browser test ...", file=sys.stderr)
    quiet = {"stdout": subprocess.DEVNULL}
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, **quiet)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
                   check=False, env=env, **quiet)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "bench"):
        print(__doc__, file=sys.stderr)
        return 2
    ensure_environment()
    command, rest = argv[0], argv[1:]
    if command == "run":
        args = [str(BIN / "monitor"), "start", *rest]
    elif command == "test":
        ensure_chromium()
        args = [str(PYTHON), "-m", "pytest", *rest]
    else:
        args = [str(PYTHON), "-m", "benchmarks", *rest]
    os.chdir(ROOT)
    return subprocess.call(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
