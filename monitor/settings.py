"""Scrapy settings for monitor (`scrapy.cfg` points here) and every MONITOR_* setting.

Precedence: these defaults < schedules/*.toml < environment (MONITOR_*) < command-line flags.
"""

from __future__ import annotations

import os

from monitor import __version__

BOT_NAME = "monitor"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# -- monitor's own settings: name -> (default, one-line description) --------------------------
# Read them with `monitor.settings.get(name)`; the environment overrides each one, and a test
# fails if one is missing from the README.
MONITOR_SETTINGS: dict[str, tuple[object, str]] = {
    "MONITOR_DB": ("data/monitor.db", "Path of the SQLite database."),
    "MONITOR_SCHEDULES": ("schedules", "Directory of schedule files (*.toml)."),
    "MONITOR_DESK_PORT": (8001, "Port of the Datasette desk (`monitor start`, `monitor serve`); 0 picks a free one."),
    "MONITOR_CONTACT": ("https://github.com/monitor-news/monitor",
                        "Contact URL or e-mail sent in the User-Agent so site owners can reach you."),
    "MONITOR_MAX_PAGE_BYTES": (10 * 1024 * 1024,
                               "Largest response body accepted, in bytes (after decompression)."),
    "MONITOR_DOWNLOAD_TIMEOUT": (30, "Seconds before a request is abandoned."),
    "MONITOR_RETRIES": (2, "Retries of a request that failed with a timeout or a 5xx/429."),
    "MONITOR_CONCURRENCY_PER_DOMAIN": (2, "Parallel requests to one host."),
    "MONITOR_DOWNLOAD_DELAY": ("0.25", "Seconds between requests to one host (AutoThrottle may raise it)."),
    "MONITOR_EXTRACT_WORKERS": ("auto", "Extraction processes: auto = one per core, 0 = a thread of the crawl."),
    "MONITOR_EXTRACT_TIMEOUT": ("60", "Seconds one page's extraction may take before it is given up."),
    "MONITOR_SCRAPYD_NODES": ("", "Scrapyd node URLs (space or comma separated): runs go there instead of local processes."),
    "MONITOR_SCRAPYD_PROJECT": ("monitor", "Project name the spiders are deployed under on the Scrapyd nodes."),
    "MONITOR_NODE_LOST_AFTER": ("60", "Seconds a Scrapyd node may stay unreachable before its run is failed."),
    "MONITOR_REMOTE": (False, "Internal: set on Scrapyd jobs; export items instead of writing a database."),
    "MONITOR_OBEY_ROBOTS": (True, "Obey robots.txt (set 0 only for your own sites)."),
    "MONITOR_AUTOTHROTTLE": (True, "Adapt the request rate to each host's response times."),
    "MONITOR_REFETCH_KNOWN": (False, "Fetch article URLs that are already stored (normally skipped)."),
    "MONITOR_PROGRESS": (False, "Print a line per stored item or problem while crawling."),
    "MONITOR_CHECK_ONLY": (False, "Discover article links but fetch none (`monitor sources check`)."),
    "MONITOR_RUN_ID": (0, "Internal: the `runs` row a crawl process records into."),
    "MONITOR_NOTIFY": ("", "apprise URLs (space or comma separated) notified after every run."),
    "MONITOR_DENY_PRIVATE_HOSTS": (True, "Refuse requests to private, loopback and link-local addresses on hosts other than the source's own."),
    "MONITOR_MAX_REQUESTS_PER_SOURCE": (1000, "Most requests one source may make in one run, retries and redirects included (0 = no limit)."),
    # A 429/503 asking for a longer wait is not retried; its host is left alone until the next run.
    # An article page skipped as not_article is fetched again (an hour after its last skip) this often.
    "MONITOR_SKIPPED_RETRIES": (3, "Times a page skipped as not an article is fetched again, an hour after its last skip, even while its listing answers 304 (0 = never)."),
    "MONITOR_MAX_RETRY_AFTER": ("60", "Longest Retry-After (seconds) waited out within a run; a longer one leaves the host alone until the next run."),
}


def get(name: str, overrides: dict | None = None) -> object:
    """A MONITOR_* setting: command-line override, else environment, else default, typed like
    the default."""
    default, _ = MONITOR_SETTINGS[name]
    if overrides and overrides.get(name) is not None:
        return overrides[name]
    raw = os.environ.get(name)
    if raw is None:
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    return raw


def user_agent(contact: str | None = None) -> str:
    return f"monitor/{__version__} (news monitoring; +{contact or get('MONITOR_CONTACT')})"


# Scrapy reads these module attributes, so every MONITOR_* setting is a Scrapy setting too.
globals().update({name: get(name) for name in MONITOR_SETTINGS})

# -- Scrapy ------------------------------------------------------------------------------------
USER_AGENT = user_agent()
ROBOTSTXT_OBEY = bool(get("MONITOR_OBEY_ROBOTS"))
AUTOTHROTTLE_ENABLED = bool(get("MONITOR_AUTOTHROTTLE"))
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
# Scrapy starts this many tasks for the output of every response; an article page yields one
# item and a feed yields requests, so 100 (the default) cost ~2 ms of the crawl process per page.
CONCURRENT_ITEMS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = int(get("MONITOR_CONCURRENCY_PER_DOMAIN"))
DOWNLOAD_DELAY = float(get("MONITOR_DOWNLOAD_DELAY"))
DOWNLOAD_TIMEOUT = int(get("MONITOR_DOWNLOAD_TIMEOUT"))
DOWNLOAD_MAXSIZE = int(get("MONITOR_MAX_PAGE_BYTES"))
DOWNLOAD_WARNSIZE = DOWNLOAD_MAXSIZE // 2
RETRY_ENABLED = True
RETRY_TIMES = int(get("MONITOR_RETRIES"))
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Only the web: a link to file://, data:, ftp:// or s3:// must never read anything.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    "monitor.crawling.middlewares.PrivateAddressFilter": 50,  # first: a refused host gets no robots.txt fetch
    "monitor.crawling.middlewares.KnownArticleFilter": 90,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "monitor.crawling.middlewares.SafeRobotsTxtMiddleware": 100,
    "monitor.crawling.middlewares.ConditionalSourceRequests": 110,
    "monitor.crawling.middlewares.RequestBudget": 115,  # counts only requests that will be downloaded
    "monitor.crawling.middlewares.HostPacing": 120,  # after robots.txt: its Crawl-delay is known
    "monitor.crawling.middlewares.RateLimits": 560,  # its responses before RetryMiddleware (550)
    # after decompression (590), before meta refresh (580) and retries: a challenge is never followed
    "monitor.crawling.middlewares.BotWallDetector": 585,
}
SPIDER_MIDDLEWARES = {
    "monitor.crawling.middlewares.KnownEntryFilter": 950,  # entries stored from a source's own fields
    "monitor.crawling.middlewares.SkippedPageRetries": 960,  # adds due retries to a run's start
}
ITEM_PIPELINES = {
    "monitor.crawling.pipelines.ExtractPipeline": 100,
    "monitor.crawling.pipelines.StorePipeline": 800,
    "monitor.crawling.pipelines.RemoteExportPipeline": 800,
}
EXTENSIONS = {
    "monitor.crawling.extensions.CrawlReport": 500,
}
