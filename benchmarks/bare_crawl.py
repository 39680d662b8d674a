"""The ceiling over benchmark a: a Scrapy crawl that does nothing but fetch each article page and
run bare `trafilatura.extract` on it in a pool of one process per core, as monitor's extraction
pool does, and keeps nothing. No feed, no robots.txt, no dedup, no store, no facts.

Its pages per second is the most a crawl of monitor's design (Scrapy feeding a pool of one
process per core) can reach on this machine when every page costs exactly one bare extraction;
monitor's crawl does that and more. Concurrency and politeness come from monitor's settings, so
from the environment as for monitor: the benchmark runs it with politeness off.

Run (the benchmark starts it): python -m benchmarks.bare_crawl URL_FILE
URL_FILE holds one article URL a line. Prints the pages it extracted.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor

import scrapy
from scrapy.crawler import CrawlerProcess

from monitor import settings as monitor_settings

# monitor's own concurrency and politeness settings, as the environment sets them (the
# benchmark runs this with FAST_ENV: no AutoThrottle, no delay, 16 requests per host)
SETTINGS = {
    name: getattr(monitor_settings, name)
    for name in ("CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "CONCURRENT_ITEMS",
                 "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED")
} | {
    "ROBOTSTXT_OBEY": False,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
    "ITEM_PIPELINES": {f"{__name__}.BareExtraction": 100},
}


def extract_length(body: bytes) -> int:
    """Bare trafilatura on one page, in a pool worker (which preloaded trafilatura)."""
    import trafilatura

    return len(trafilatura.extract(body) or "")


def bare_pool(workers: int) -> ProcessPoolExecutor:
    """A pool like monitor's extraction pool: forkserver workers that preloaded the extractor
    (the process that starts them need not import it)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["trafilatura"])
    return ProcessPoolExecutor(workers, mp_context=context)


class BareExtraction:
    """Each page's body to bare trafilatura in a process pool; the result is dropped."""

    executor: ProcessPoolExecutor | None = None
    pages = 0

    async def process_item(self, item):
        if BareExtraction.executor is None:
            BareExtraction.executor = bare_pool(os.cpu_count() or 1)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(BareExtraction.executor, extract_length, item["body"])
        BareExtraction.pages += 1
        return None


class PagesSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, dont_filter=True)

    def parse(self, response):
        yield {"body": response.body}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as handle:
        urls = [line.strip() for line in handle if line.strip()]
    process = CrawlerProcess(SETTINGS)
    process.crawl(PagesSpider, urls=urls)
    process.start()
    if BareExtraction.executor is not None:
        BareExtraction.executor.shutdown()
    print(f"extracted {BareExtraction.pages} of {len(urls)} pages")
    return 0 if BareExtraction.pages == len(urls) else 1


if __name__ == "__main__":
    raise SystemExit(main())
