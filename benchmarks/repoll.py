"""b. Re-poll: a real `monitor crawl` of many unchanged local feeds (each one source listing one
article already stored): wall time, requests the server answered, articles fetched. Beside it,
the first (fresh) poll of the same sources and a plain HTTP loop sending the same conditional
requests.

Run: python -m benchmarks.repoll [--sources 1000 10000]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import sqlite3
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks import report
from benchmarks.local_site import LocalSite, run_monitor, rss_feed, write_schedule
from benchmarks.report import Row
from benchmarks.store_cost import text_for

GOAL_SECONDS = {10_000: 60.0}   # sources -> the most a re-poll of them may take
STORY_WORDS = 250


@dataclass
class Poll:
    wall: float
    feeds: int            # feed requests answered
    not_modified: int     # of them, 304
    articles: int         # article requests answered
    other: int            # robots.txt and anything else
    new: int              # items stored by the run

    @property
    def requests(self) -> int:
        return self.feeds + self.articles + self.other


@dataclass
class Repoll:
    sources: int
    fresh: Poll
    again: Poll
    plain_loop: float     # the same conditional GETs from a plain http.client loop

    def rows(self) -> list[Row]:
        name = f"b. re-poll ({self.sources:,} unchanged feeds)"
        goal = GOAL_SECONDS.get(self.sources)
        one_each = self.again.feeds == self.sources and self.again.articles == 0
        return [
            Row(name, "wall time of the re-poll (`monitor crawl`)", report.seconds(self.again.wall),
                "first poll of the same sources (feeds + articles)", report.seconds(self.fresh.wall),
                report.times(report.ratio(self.again.wall, self.fresh.wall)),
                f"< {goal:.0f} s" if goal else "",
                report.verdict(self.again.wall < goal) if goal else report.INFO),
            Row(name, "requests the server answered on the re-poll: feeds (304) + robots.txt",
                f"{self.again.feeds:,} ({self.again.not_modified:,}) + {self.again.other}",
                "sources", f"{self.sources:,}",
                f"{self.again.requests / self.sources:.3f} per source",
                "one per source", report.verdict(one_each)),
            Row(name, "articles fetched on the re-poll", f"{self.again.articles:,}",
                "first poll: articles fetched / stored", f"{self.fresh.articles:,} / {self.fresh.new:,}",
                "", "none", report.verdict(self.again.articles == 0)),
            Row(name, "re-poll wall time beside a plain HTTP loop", report.seconds(self.again.wall),
                "the same conditional GETs, one keep-alive connection, no Scrapy",
                report.seconds(self.plain_loop),
                report.times(report.ratio(self.again.wall, self.plain_loop))),
        ]


def article_html(number: int) -> bytes:
    """A local news story of its own (dated, marked up as an article): its text is mostly its
    own words, so stories are neither duplicates nor near-duplicates of each other. Not about
    an enforcement operation on purpose: stored and marked not relevant, so the first poll does
    not link thousands of same-day items into events (store_cost measures that)."""
    story = text_for(number, STORY_WORDS)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>Council {number} approves library budget</title>"
            f'<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="2023-11-14T12:00:00+00:00">'
            f'</head><body><header><nav><a href="/">Home</a> <a href="/news/">News</a></nav></header>'
            f"<main><article><h1>Council {number} approves library budget</h1>"
            f"<p>The town council of district {number} approved a library budget on Tuesday.</p>"
            f"<p>{story}</p></article></main><footer>Town footer</footer></body></html>").encode()


def build_site(site: LocalSite, count: int) -> list[dict]:
    sources = []
    for i in range(count):
        link = site.add(f"/a/{i}.html", article_html(i), "text/html; charset=utf-8", kind="article")
        url = site.add(f"/f/{i}.xml", rss_feed(f"Newsroom {i}", [(f"Operation {i}", link)]),
                       "application/rss+xml", kind="feed")
        sources.append({"name": f"feed-{i:05d}", "url": url})
    return sources


def _poll(site: LocalSite, work: Path) -> Poll:
    site.reset_counts()
    command = run_monitor(["crawl", "--db", str(work / "repoll.db"), "--schedules",
                           str(work / "schedules"), "--quiet"], workdir=work)
    if command.returncode != 0:
        raise RuntimeError(f"monitor crawl failed ({command.returncode}):\n{command.output}")
    counts = dict(site.requests)
    feeds, articles = counts.pop("feed", 0), counts.pop("article", 0)
    return Poll(command.wall, feeds, site.not_modified["feed"], articles, sum(counts.values()),
                _new_items(work / "repoll.db"))


def _new_items(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT coalesce(sum(new), 0) FROM runs "
                            "WHERE id = (SELECT max(id) FROM runs)").fetchone()[0]
    finally:
        conn.close()


def plain_get_loop(base_url: str, requests: list[tuple[str, str]]) -> float:
    """Seconds to send these (path, ETag) conditional GETs over one keep-alive connection."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    start = time.perf_counter()
    for path, etag in requests:
        connection.request("GET", path, headers={"If-None-Match": etag})
        connection.getresponse().read()
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def run(sources: int = 1000, *, workdir: Path | None = None) -> Repoll:
    with tempfile.TemporaryDirectory(prefix="bench-repoll-") as tmp:
        work = Path(workdir or tmp)
        with LocalSite() as site:
            write_schedule(work / "schedules", "repoll", build_site(site, sources))
            report.progress(f"b. re-poll: first poll of {sources:,} feeds")
            fresh = _poll(site, work)
            report.progress(f"b. re-poll: re-poll of {sources:,} unchanged feeds")
            again = _poll(site, work)
            report.progress(f"b. re-poll: plain HTTP loop over {sources:,} feeds")
            conditional = [(path, doc.etag) for path, doc in site.documents.items()
                           if doc.kind == "feed"]
            # its own process: this one serves the requests
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                plain = pool.submit(plain_get_loop, site.base_url, conditional).result()
    return Repoll(sources, fresh, again, plain)


NOTES = [
    "**b. Re-poll.** N sources, each an RSS feed on the local server listing one small article "
    "of its own (a local news story, stored as not relevant: no event linking), in one "
    "schedule. A first `monitor crawl` fetches every feed and article and "
    "stores the articles (its wall time is the baseline); a second one, unchanged, should send "
    "one conditional request per feed (answered 304) and fetch no article. Requests are counted "
    "by the server itself (robots.txt is fetched once per run). The plain loop sends the same "
    "conditional GETs with `http.client` over one keep-alive connection, from another process: "
    "the floor of the server and the loopback.",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.repoll",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, nargs="+", default=[1000, 10_000])
    args = parser.parse_args(argv)
    rows = [row for count in args.sources for row in run(count).rows()]
    print(report.markdown_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
