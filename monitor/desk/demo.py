"""`monitor demo`: a bundled sample newsroom (an agency's releases and a local paper, all
fictional) served on 127.0.0.1, crawled into a separate database, then shown in the desk.

Nothing leaves the machine and no configuration is read: the demo writes its own schedule.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from monitor.desk import server as desk
from monitor.desk.static_site import SAMPLE_SITE, StaticSite

logger = logging.getLogger(__name__)

CRAWL_TIMEOUT_SECONDS = 300
# The demo's sources: the agency's feed and paginated newsroom, the paper's feed and news
# sitemap, and a retired feed (404) so that source health and errors have something to show.
DEMO_SOURCES = [
    {"name": "ice-releases", "url": "{base}/gov/rss/news.xml", "kind": "feed", "agency": "ICE"},
    {"name": "ice-newsroom", "url": "{base}/gov/newsroom/", "kind": "listing",
     "follow": "/news/releases/", "pages": 3, "agency": "ICE"},
    {"name": "ice-old-feed", "url": "{base}/gov/rss/retired.xml", "kind": "feed", "agency": "ICE"},
    {"name": "bay-state-ledger", "url": "{base}/news/feed.atom", "kind": "feed"},
    {"name": "bay-state-ledger-sitemap", "url": "{base}/news/sitemap-news.xml", "kind": "sitemap"},
]


class DemoError(Exception):
    """The demo could not be prepared (the crawl failed)."""


def write_demo_schedule(directory: Path, base_url: str) -> Path:
    """The demo's one schedule file, its sources pointing at `base_url`."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = ['description = "monitor demo: the bundled sample newsroom"', 'every = "1h"', ""]
    for source in DEMO_SOURCES:
        lines.append("[[source]]")
        for key, value in source.items():
            if isinstance(value, str):
                value = json.dumps(value.replace("{base}", base_url))  # a valid TOML string
            lines.append(f"{key} = {value}")
        lines.append("")
    path = directory / "demo.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def crawl_demo(db_path: Path, schedules_dir: Path) -> None:
    """Crawl the demo schedule into `db_path` in a child process (a Twisted reactor runs once
    per process), with politeness delays off: the site is our own, on this machine."""
    env = {**os.environ, "MONITOR_AUTOTHROTTLE": "0", "MONITOR_DOWNLOAD_DELAY": "0",
           "MONITOR_RETRIES": "0"}
    command = [sys.executable, "-m", "monitor", "crawl", "--quiet", "--db", str(db_path),
               "--schedules", str(schedules_dir)]
    result = subprocess.run(command, env=env, capture_output=True, text=True,
                            timeout=CRAWL_TIMEOUT_SECONDS)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise DemoError(f"the demo crawl failed (exit status {result.returncode}): {tail}")
    logger.info("demo crawl:\n%s", result.stdout)


def run_demo(*, host: str = desk.DEFAULT_HOST, port: int = desk.DEFAULT_PORT,
             db_path: str | os.PathLike | None = None,
             progress: Callable[[str], None] = lambda message: None,
             on_ready: Callable[[str], None] | None = None) -> int:
    """Serve the sample newsroom, crawl it, and run the desk on the result until Ctrl-C or
    SIGTERM. Without `db_path` the database is temporary. Returns the desk's exit status."""
    with tempfile.TemporaryDirectory(prefix="monitor-demo-") as scratch, StaticSite(SAMPLE_SITE) as site:
        database = Path(db_path) if db_path else Path(scratch) / "demo.db"
        progress(f"Serving the sample newsroom at {site.base_url}/")
        schedules = Path(scratch) / "schedules"
        write_demo_schedule(schedules, site.base_url)
        progress(f"Crawling it into {database} ...")
        crawl_demo(database, schedules)
        return desk.serve(database, host=host, port=port, allow_sql=True, on_ready=on_ready)
