"""a. Fresh crawl speed: a real `monitor crawl` (fetch, extract, dedup, store) of a local corpus
of article pages, in pages per second, beside the extraction-bound limit: cores / (bare
trafilatura.extract seconds per page on the same pages, one process).

The corpus is made of the fixture site's article pages and the real pages of the Zyte
article-extraction benchmark, each copy carrying a sentence of its own inside its main text
so that dedup stores every copy as a new item. Feeds and sitemaps list the pages.

Run: python -m benchmarks.crawl_speed [--pages N]
"""

from __future__ import annotations

import argparse
import gzip
import logging
import math
import os
import re
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from benchmarks import report
from benchmarks.bare_crawl import bare_pool, extract_length
from benchmarks.extraction import BENCHMARK, shared_data_dir
from benchmarks.local_site import (REPO_ROOT, CommandRun, LocalSite, rss_feed, run_module,
                                   run_monitor, sitemap, write_schedule)
from benchmarks.report import Row
from monitor.extract import extract_article
from monitor.items import ArticleItem, Page
from monitor.crawling.worker import process_page
from monitor.desk.static_site import SAMPLE_SITE

FIXTURE_SITE = SAMPLE_SITE  # the fixture site's article pages are the sample newsroom's
FIXTURE_ARTICLES = ("gov/news/releases/*.html", "news/20*/*/*.html")
PLACEHOLDER = b"{{base}}"
PAGES_PER_SOURCE = 250
GOAL_SHARE = 0.9
# Five plain words of the main text, found again in the HTML: the copy's own sentence goes there.
PLAIN_WORD = re.compile(r"^[A-Za-z0-9,.]+$")


@dataclass
class BaseDocument:
    """A page the corpus copies: its HTML (fixture pages keep `{{base}}`), where it is served
    below a copy's prefix, and the words its copy sentence is put in front of."""

    name: str
    path: str
    html: bytes
    anchor: bytes
    seconds_ours: float
    seconds_bare: float

    def copy(self, number: int, base_url: str) -> tuple[str, bytes]:
        """(path, HTML) of copy `number`: the page with a sentence no other copy has."""
        prefix = f"/c{number}"
        html = self.html.replace(PLACEHOLDER, f"{base_url}{prefix}".encode())
        start = max(html.lower().find(b"<body"), 0)
        sentence = f"Benchmark copy {number} of {self.name} has serial {number:05d}-{self.name}. "
        html = html[:start] + html[start:].replace(self.anchor, sentence.encode() + self.anchor)
        return prefix + self.path, html


@dataclass
class CrawlSpeed:
    pages: int                 # article pages served and listed
    bases: int                 # distinct pages they were copied from
    sources: int
    fetched: int               # article requests the server answered
    new: int
    duplicate: int
    skipped: int
    errors: int
    near_duplicates: int       # new items linked to an earlier copy (near-duplicate index)
    relevant: int
    wall: float                # the `monitor crawl` command, start to exit
    startup: float             # command start -> first request at the server
    cores: int
    bare_before: float         # bare trafilatura.extract per page, one process, on the served
    bare_after: float          # pages: before monitor's crawl, and after the bare crawl and pool
    ours_per_page: float       # the extraction worker's job (monitor.crawling.worker.process_page:
                               # extraction, relevance, facts, MinHash), on the distinct pages
    bare_per_base: float       # bare trafilatura on the distinct pages (same sample as ours)
    cpu_crawl: float           # the crawl process (reactor, parsing, dedup, store)
    cpu_workers: float         # its descendants (extraction pool)
    cpu_server: float          # the local server (this process)
    cpu_machine: float         # every process on the machine during the crawl
    returncode: int
    bare_pool_per_page: float  # bare trafilatura in a pool of one process per core, no crawl
    # benchmarks.bare_crawl of the same article pages: Scrapy fetch + bare trafilatura in a pool
    bare_crawl_wall: float
    bare_crawl_startup: float  # command start -> first request at the server
    bare_crawl_fetched: int
    bare_crawl_cpu: float      # its crawl process
    bare_crawl_pool_cpu: float # its pool (and forkserver)

    @property
    def rate(self) -> float:
        return report.ratio(self.fetched, self.wall)

    @property
    def bare_per_page(self) -> float:
        """Bare trafilatura's time per page while the crawls ran: the mean of the timings that
        bracket them (this VM's speed drifts by a fifth within minutes)."""
        return (self.bare_before + self.bare_after) / 2

    @property
    def limit(self) -> float:
        return report.ratio(self.cores, self.bare_per_page)

    @property
    def bare_crawl_rate(self) -> float:
        return report.ratio(self.bare_crawl_fetched, self.bare_crawl_wall)

    @property
    def own_bound(self) -> float:
        return report.ratio(self.cores, self.ours_per_page)

    def rows(self) -> list[Row]:
        name = f"a. fresh crawl ({self.pages:,} pages)"
        steady = report.ratio(self.fetched, self.wall - self.startup)
        used = self.cpu_crawl + self.cpu_workers + self.cpu_server
        crawl_cpu, pool_cpu = (cpu / max(1, self.bare_crawl_fetched)
                               for cpu in (self.bare_crawl_cpu, self.bare_crawl_pool_cpu))
        bare_pool_rate = report.ratio(1, self.bare_pool_per_page)
        bare_crawl_steady = report.ratio(self.bare_crawl_fetched,
                                         self.bare_crawl_wall - self.bare_crawl_startup)
        others = max(0.0, self.cpu_machine - used)
        return [
            Row(name, "end-to-end pages/s of `monitor crawl` (fetch, extract, dedup, store)",
                f"{self.rate:.1f}/s",
                f"extraction-bound limit: {self.cores} cores / bare trafilatura "
                f"{report.millis(self.bare_per_page)} per page",
                f"{self.limit:.1f}/s", report.percent(report.ratio(self.rate, self.limit)),
                f">= {report.percent(GOAL_SHARE)} of the limit",
                report.verdict(self.rate >= GOAL_SHARE * self.limit)),
            Row(name, f"same, without the {report.seconds(self.startup)} of start-up "
                "(first request to exit)", f"{steady:.1f}/s", "extraction-bound limit", "",
                report.percent(report.ratio(steady, self.limit))),
            Row(name, "bare trafilatura.extract per page, one process, after the crawls and the "
                "pool (the limit uses the mean of both timings)", report.millis(self.bare_after),
                "the same, just before them", report.millis(self.bare_before),
                report.times(report.ratio(self.bare_after, self.bare_before))),
            Row(name, "worker time per page: monitor.crawling.worker.process_page (extraction, "
                f"relevance, facts, MinHash; {self.bases} distinct pages, one process)",
                report.millis(self.ours_per_page),
                "bare trafilatura.extract on the same pages", report.millis(self.bare_per_base),
                report.times(report.ratio(self.ours_per_page, self.bare_per_base))),
            Row(name, f"bare trafilatura.extract on the same pages in a pool of {self.cores} "
                "processes, fed without a crawl: what the cores give together",
                f"{bare_pool_rate:.1f}/s", "extraction-bound limit", f"{self.limit:.1f}/s",
                report.percent(report.ratio(bare_pool_rate, self.limit))),
            Row(name, "the most a crawl of monitor's design reaches here: a bare Scrapy crawl of "
                f"the same pages doing only bare trafilatura.extract in a pool of {self.cores} "
                "processes, nothing stored (benchmarks.bare_crawl)",
                f"{self.bare_crawl_rate:.1f}/s", "extraction-bound limit", f"{self.limit:.1f}/s",
                report.percent(report.ratio(self.bare_crawl_rate, self.limit))),
            Row(name, f"same, without its {report.seconds(self.bare_crawl_startup)} of start-up "
                "(first request to exit)", f"{bare_crawl_steady:.1f}/s", "extraction-bound limit",
                "", report.percent(report.ratio(bare_crawl_steady, self.limit))),
            Row(name, "the bare crawl's CPU per page: crawl process + pool",
                f"{report.millis(crawl_cpu)} + {report.millis(pool_cpu)}",
                "bare trafilatura.extract per page, one process (mean of both timings)",
                report.millis(self.bare_per_page),
                report.times(report.ratio(crawl_cpu + pool_cpu, self.bare_per_page))),
            Row(name, "end-to-end pages/s beside the bound of monitor's own worker",
                f"{self.rate:.1f}/s",
                f"{self.cores} cores / process_page {report.millis(self.ours_per_page)} per page",
                f"{self.own_bound:.1f}/s",
                report.percent(report.ratio(self.rate, self.own_bound))),
            Row(name, "CPU seconds: crawl process / extraction workers / local server / "
                "other processes on the machine",
                f"{self.cpu_crawl:.1f} / {self.cpu_workers:.1f} / {self.cpu_server:.1f} / "
                f"{others:.1f}", "cores x wall time", f"{self.cores * self.wall:.1f}",
                report.percent(report.ratio(used, self.cores * self.wall))
                + " ours"),
            Row(name, "pages fetched: new / duplicate / skipped / errors (new: near-duplicates "
                "linked, relevant)",
                f"{self.fetched:,}: {self.new:,} / {self.duplicate:,} / {self.skipped:,} / "
                f"{self.errors:,} ({self.near_duplicates:,}, {self.relevant:,})", "pages listed",
                f"{self.pages:,}"),
        ]


def base_documents(limit: int | None = None, data_dir: str | Path | None = None) -> list[BaseDocument]:
    """Fixture article pages, then the benchmark's real pages; only pages monitor's extraction
    worker takes for articles and in whose HTML a piece of the main text is found again (the
    copy sentence goes there). Times the worker and bare trafilatura on each page on the way."""
    candidates: list[tuple[str, str, bytes]] = []
    for pattern in FIXTURE_ARTICLES:
        for file in sorted(FIXTURE_SITE.glob(pattern)):
            path = "/" + file.relative_to(FIXTURE_SITE).as_posix()
            candidates.append((file.stem[:40], path, file.read_bytes()))
    real = shared_data_dir(data_dir) / BENCHMARK / "html"
    for file in sorted(real.glob("*.html.gz")) if real.is_dir() else []:
        page_id = file.name.split(".")[0]
        candidates.append((page_id[:12], f"/real/{page_id}.html", gzip.decompress(file.read_bytes())))
    trafilatura.extract(candidates[0][2])   # imports and first-call set-up, untimed
    documents = []
    for name, path, html in candidates:
        if limit is not None and len(documents) >= limit:
            break
        sample = html.replace(PLACEHOLDER, b"http://127.0.0.1:1/c0")
        page = Page(source="bench", url="http://127.0.0.1:1/c0" + path, body=sample,
                    content_type="text/html", item_kind="news")
        start = time.perf_counter()
        done = process_page(page)   # the extraction worker's whole job for one page
        middle = time.perf_counter()
        trafilatura.extract(sample)
        end = time.perf_counter()
        anchor = _anchor(html, done.article["text"]) if isinstance(done, ArticleItem) else None
        document = BaseDocument(name, path, html, anchor or b"", middle - start, end - middle)
        if anchor and _copies_differ(document):
            documents.append(document)
    return documents


def _copies_differ(document: BaseDocument) -> bool:
    """Does a copy's own sentence reach the extracted text (so dedup keeps copies apart)?"""
    url, html = document.copy(1, "http://127.0.0.1:1")
    article = extract_article(html, "http://127.0.0.1:1" + url)
    return article is not None and f"serial 00001-{document.name}" in article.text


def _anchor(html: bytes, text: str) -> bytes | None:
    body = max(html.lower().find(b"<body"), 0)
    paragraphs = sorted((p for p in text.split("\n\n") if len(p.split()) >= 8), key=len, reverse=True)
    for paragraph in paragraphs[:10]:
        words = paragraph.split()
        for i in range(0, len(words) - 4, 3):
            window = words[i:i + 5]
            if all(PLAIN_WORD.match(w) for w in window):
                probe = " ".join(window).encode()
                if html.find(probe, body) >= 0:
                    return probe
                break
    return None


def build_site(site: LocalSite, bases: list[BaseDocument], pages: int) -> list[dict]:
    """Serve `pages` copies and the feeds and sitemaps listing them; return the sources."""
    links = []
    for i in range(pages):
        base = bases[i % len(bases)]
        path, html = base.copy(i // len(bases), site.base_url)
        links.append((f"{base.name} (copy {i // len(bases)})", site.add(path, html, "text/html",
                                                                       kind="article")))
    count = max(2, math.ceil(pages / PAGES_PER_SOURCE))
    sources = []
    for j in range(count):
        share = links[j::count]
        if j % 2 == 0:
            url = site.add(f"/feeds/{j}.xml", rss_feed(f"feed {j}", share), "application/rss+xml",
                           kind="feed")
        else:
            url = site.add(f"/sitemaps/{j}.xml", sitemap([link for _, link in share]),
                           "application/xml", kind="sitemap")
        sources.append({"name": f"bench-{j}", "url": url, "max_items": pages})
    return sources


def time_bare_extraction(bodies: list[bytes]) -> float:
    """Seconds per page of bare trafilatura.extract over these pages, one process."""
    start = time.perf_counter()
    for body in bodies:
        trafilatura.extract(body)
    return (time.perf_counter() - start) / max(1, len(bodies))


def run(pages: int = 2000, *, bases_limit: int | None = None, workdir: Path | None = None,
        data_dir: str | Path | None = None) -> CrawlSpeed:
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    logging.getLogger("htmldate").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        work = Path(workdir or tmp)
        report.progress("a. fresh crawl: choosing and timing the pages to copy")
        bases = base_documents(bases_limit, data_dir)
        with LocalSite() as site:
            sources = build_site(site, bases, pages)
            articles = [path for path, document in site.documents.items()
                        if document.kind == "article"]
            bodies = [site.documents[path].body for path in articles]
            report.progress(f"a. fresh crawl: timing bare trafilatura on {pages:,} pages")
            bare_before = time_bare_extraction(bodies)
            write_schedule(work / "schedules", "bench", sources)
            db = work / "crawl.db"
            report.progress(f"a. fresh crawl: monitor crawl of {pages:,} pages, "
                            f"{len(sources)} sources")
            site.reset_counts()
            server_cpu = time.process_time()
            started = time.monotonic()
            command = run_monitor(["crawl", "--db", str(db), "--schedules", str(work / "schedules"),
                                   "--quiet"], workdir=work)
            server_cpu = time.process_time() - server_cpu
            startup = (site.first_request or started) - started
            fetched = site.requests["article"]
            if command.returncode != 0:
                raise RuntimeError(f"monitor crawl failed ({command.returncode}):\n"
                                   f"{command.output}")
            report.progress(f"a. fresh crawl: a bare Scrapy crawl of the same {pages:,} pages")
            bare_run, bare_crawl_startup, bare_crawl_fetched = _bare_crawl(site, articles, work)
            report.progress(f"a. fresh crawl: timing bare trafilatura on {pages:,} pages in a "
                            "pool")
            pooled = time_bare_pool(bodies, os.cpu_count() or 1)
            report.progress(f"a. fresh crawl: timing bare trafilatura on {pages:,} pages again")
            bare_after = time_bare_extraction(bodies)
        counts = _run_counts(db)
    return CrawlSpeed(
        pages=pages, bases=len(bases), sources=len(sources), fetched=fetched,
        new=counts["new"], duplicate=counts["duplicate"], skipped=counts["skipped"],
        errors=counts["errors"], near_duplicates=counts["near_duplicates"],
        relevant=counts["relevant"], wall=command.wall, startup=startup, cores=os.cpu_count() or 1,
        bare_before=bare_before, bare_after=bare_after,
        ours_per_page=sum(b.seconds_ours for b in bases) / len(bases),
        bare_per_base=sum(b.seconds_bare for b in bases) / len(bases),
        cpu_crawl=command.cpu_main, cpu_workers=command.cpu_children, cpu_server=server_cpu,
        cpu_machine=command.cpu_machine, returncode=command.returncode,
        bare_pool_per_page=pooled, bare_crawl_wall=bare_run.wall,
        bare_crawl_startup=bare_crawl_startup, bare_crawl_fetched=bare_crawl_fetched,
        bare_crawl_cpu=bare_run.cpu_main, bare_crawl_pool_cpu=bare_run.cpu_children)


def time_bare_pool(bodies: list[bytes], workers: int) -> float:
    """Wall seconds per page of bare trafilatura.extract over these pages in a pool of `workers`
    processes, fed as fast as it takes pages (its start-up untimed)."""
    with bare_pool(workers) as pool:
        list(pool.map(extract_length, bodies[:2 * workers]))   # every worker started, untimed
        start = time.perf_counter()
        list(pool.map(extract_length, bodies))
        return (time.perf_counter() - start) / max(1, len(bodies))


def _bare_crawl(site: LocalSite, articles: list[str], work: Path) -> tuple[CommandRun, float, int]:
    """benchmarks.bare_crawl over the site's article pages (their paths): the command, its
    start-up (to the first request) and the article requests it sent; fails loudly if any page
    is lost."""
    urls = work / "article-urls.txt"
    urls.write_text("".join(f"{site.base_url}{path}\n" for path in articles), encoding="utf-8")
    site.reset_counts()
    started = time.monotonic()
    command = run_module("benchmarks.bare_crawl", [str(urls)], workdir=work)
    if command.returncode != 0:
        raise RuntimeError(f"the bare crawl failed ({command.returncode}):\n{command.output}")
    return command, (site.first_request or started) - started, site.requests["article"]


def _run_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT sum(new), sum(duplicate), sum(skipped), sum(errors) "
                           "FROM run_sources").fetchone()
        linked = conn.execute("SELECT count(*), coalesce(sum(relevant), 0) FROM items "
                              "WHERE duplicate_of IS NOT NULL").fetchone()
        relevant = conn.execute("SELECT coalesce(sum(relevant), 0) FROM items").fetchone()[0]
    finally:
        conn.close()
    counts = dict(zip(("new", "duplicate", "skipped", "errors"), (int(v or 0) for v in row)))
    return {**counts, "near_duplicates": int(linked[0]), "relevant": int(relevant)}


NOTES = [
    "**a. Fresh crawl.** The corpus copies the fixture site's article pages and the 181 real "
    "pages of the Zyte article-extraction benchmark (only pages monitor's extraction worker "
    "takes for articles and where a copy's own sentence reaches the extracted text): each copy "
    "is stored as a new item (copies of one page are linked as near-duplicates). The pages are held in memory and served on 127.0.0.1 by a threaded "
    "HTTP server (keep-alive, ETag); RSS feeds and sitemaps of 250 pages each list them. A real "
    "`python -m monitor crawl --quiet` on an empty database crawls them with politeness off for "
    "the local server (`MONITOR_AUTOTHROTTLE=0`, `MONITOR_DOWNLOAD_DELAY=0`, "
    "`MONITOR_CONCURRENCY_PER_DOMAIN=16`) and the default extraction pool (one process per "
    "core). Pages per second = article pages answered by the server / wall time of the "
    "command. The limit is cores / the mean time of bare `trafilatura.extract(html)` on every "
    "served page, in one process, timed just before monitor's crawl and again after the bare "
    "crawl and the pool figure: everything compared with the limit falls between the two "
    "timings, and the limit uses their mean (this machine's speed drifts within minutes; their "
    "ratio shows by how much in this run). CPU seconds are sampled "
    "from /proc for the crawl process and its descendants; the server's is this process's. "
    "The pool figure runs bare `trafilatura.extract` over the same pages in a pool of one "
    "process per core fed by this process, without a crawl (pool start-up untimed): the limit "
    "assumes the cores add up perfectly, and this shows how far they do. The bare crawl is "
    "`benchmarks.bare_crawl`, run right after monitor's crawl on the same served pages: a "
    "Scrapy crawl with monitor's concurrency settings whose only work is bare "
    "`trafilatura.extract` of each page in a pool of one process per core, as monitor's pool "
    "runs; it lists no feed, fetches no robots.txt and stores nothing. A crawl of the same "
    "design that does more per page cannot beat it on the same machine.",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crawl_speed",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args(argv)
    print(report.markdown_table(run(args.pages).rows()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
