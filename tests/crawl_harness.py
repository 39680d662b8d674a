"""Run `monitor` exactly as a user does (a subprocess of the installed CLI) against the fixture
site, on a fresh database, with politeness delays off for speed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAST_ENV = {"MONITOR_AUTOTHROTTLE": "0", "MONITOR_DOWNLOAD_DELAY": "0",
            "MONITOR_DOWNLOAD_TIMEOUT": "10", "MONITOR_RETRIES": "0"}


def write_schedule(directory: Path, base: str, sources: list[dict], name: str = "fixtures",
                   every: str = "15m") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    lines = [f'every = "{every}"', ""]
    for source in sources:
        lines.append("[[source]]")
        for key, value in source.items():
            if isinstance(value, str):
                value = '"' + value.replace("{base}", base) + '"'
            elif isinstance(value, bool):
                value = "true" if value else "false"
            lines.append(f"{key} = {value}")
        lines.append("")
    path = directory / f"{name}.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def monitor(*args: str, env: dict | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    """`python -m monitor ARGS` in the repository root; output captured as text."""
    return subprocess.run([sys.executable, "-m", "monitor", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=timeout,
                          env={**os.environ, **FAST_ENV, **(env or {})})
