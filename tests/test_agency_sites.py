"""monitor against local fakes of the real agency sites: the DOJ News API, bot walls, robots.txt
Crawl-delay, rate limits (issue 17). Each test runs `monitor crawl` as a user does, against a
FakeSite on 127.0.0.1, and reads the database it wrote."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.agency_fakes import AGENCY, Answer, FakeSite, serve_file
from tests.crawl_harness import FAST_ENV, ROOT, monitor, write_schedule

pytestmark = pytest.mark.slow  # every test here runs `monitor crawl` processes

RELEASES = json.loads((AGENCY / "doj_api_releases.json").read_text(encoding="utf-8"))
API_PATH = "/api/v1/press_releases.json"
PER_PAGE = 3  # the fake caps pages at 3 releases (the real API caps at 50) and says so


def fake_api(releases: list[dict] = RELEASES, per_page: int = PER_PAGE):
    def route(site: FakeSite, request) -> Answer:
        page = int(request.query.get("page", ["0"])[0])
        envelope = {"metadata": {"resultset": {"count": len(releases), "pagesize": per_page,
                                               "page": page}},
                    "results": releases[page * per_page:(page + 1) * per_page]}
        return Answer(200, json.dumps(envelope).encode(), {"Content-Type": "application/json"})
    return route


def crawl(tmp_path: Path, site: FakeSite, sources: list[dict], *, env: dict | None = None):
    schedules = tmp_path / "schedules"
    write_schedule(schedules, site.base, sources)
    result = monitor("crawl", "--db", str(tmp_path / "m.db"), "--schedules", str(schedules), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def rows(tmp_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(tmp_path / "m.db") as db:
        return list(db.execute(sql, params))


def api_pages(site: FakeSite) -> list[int]:
    return [int(s.query["page"][0]) for s in site.seen if s.path.startswith(API_PATH)]


# -- doj_api ---------------------------------------------------------------------------------

def test_doj_api_pages_newest_first_up_to_pages_and_stores_the_api_fields(tmp_path):
    with FakeSite({API_PATH: fake_api()}) as site:
        crawl(tmp_path, site, [{"name": "doj", "url": "{base}" + API_PATH, "kind": "doj_api",
                                "pages": 2}])
        asked = [s for s in site.seen if s.path.startswith(API_PATH)]
        assert api_pages(site) == [0, 1]
        for request in asked:
            assert {k: v[0] for k, v in request.query.items() if k != "page"} == {
                "sort": "date", "direction": "DESC", "pagesize": "50"}
        # never a release page: every request was robots.txt or the API
        assert {s.path.split("?")[0] for s in site.seen} == {"/robots.txt", API_PATH}
    stored = {r[0]: r[1:] for r in rows(tmp_path, "SELECT url, agency, kind, published, modified, "
                                                  "description, text FROM items")}
    assert len(stored) == 2 * PER_PAGE
    brockton = stored["https://www.justice.gov/usao-ma/pr/eleven-charged-fentanyl-ring-brockton"]
    agency, kind, published, modified, description, text = brockton
    assert (agency, kind) == ("USAO-MA", "press_release")
    assert published == "2026-08-07T00:00:00+00:00" and modified == "2026-08-07T01:00:00+00:00"
    assert description == "Eleven people were charged after a joint fentanyl investigation in Brockton."
    assert "Dario Almonte | 34 | Brockton" in text and "Keisha Moran | 29 | Taunton" in text
    assert "BOSTON – Eleven people" in text  # &ndash; decoded
    agencies = {url.split("/")[3]: row[0] for url, row in stored.items()}
    assert agencies["opa"] in ("DEA", "DOJ") and agencies["usao-sdny"] == "USAO-SDNY"
    assert stored["https://www.justice.gov/opa/pr/dea-announces-results-regional-methamphetamine-surge"][0] == "DEA"
    assert stored["https://www.justice.gov/opa/pr/justice-department-settles-housing-discrimination-case"][0] == "DOJ"
    # intel is applied as for pages: relevance and facts
    assert rows(tmp_path, "SELECT count(*) FROM items WHERE relevance IS NOT NULL")[0][0] == 2 * PER_PAGE
    assert rows(tmp_path, "SELECT count(*) FROM facts")[0][0] > 0


def test_an_unchanged_rerun_reads_page_0_only_and_a_changed_release_is_updated(tmp_path):
    releases = [dict(r) for r in RELEASES]
    source = [{"name": "doj", "url": "{base}" + API_PATH, "kind": "doj_api", "pages": 3}]
    with FakeSite({API_PATH: fake_api(releases)}) as site:
        crawl(tmp_path, site, source)
        assert api_pages(site) == [0, 1, 2]
        site.seen.clear()
        earlier = (datetime.now(timezone.utc) - timedelta(hours=2)).replace(microsecond=0)
        with sqlite3.connect(tmp_path / "m.db") as db:  # due for a re-check, were it a page
            db.execute("UPDATE items SET first_seen = ?", [earlier.isoformat()])
        second = crawl(tmp_path, site, source)
        assert api_pages(site) == [0]
        assert {s.path.split("?")[0] for s in site.seen} == {"/robots.txt", API_PATH}
        assert " known" in second.stdout.splitlines()[0]
        site.seen.clear()
        releases[1] = {**releases[1], "body": releases[1]["body"] + "<p>Corrected: 88 arrests.</p>",
                       "changed": str(int(releases[1]["date"]) + 7200)}
        third = crawl(tmp_path, site, source)
        assert api_pages(site) == [0]
    summary = {line.split()[0]: line.split() for line in third.stdout.splitlines()[2:]}
    assert summary["doj"][1:5] == ["1", "0", "1", "0"]  # pages, new, updated, duplicate
    assert rows(tmp_path, "SELECT count(*) FROM items")[0][0] == len(RELEASES)
    assert rows(tmp_path, "SELECT count(*) FROM revisions")[0][0] == 1


def test_doj_api_components_keep_only_those_offices(tmp_path):
    with FakeSite({API_PATH: fake_api()}) as site:
        crawl(tmp_path, site, [{"name": "usao-ma", "url": "{base}" + API_PATH, "kind": "doj_api",
                                "components": ["USAO - Massachusetts"],
                                "agency": "USAO-MA"}])
    stored = rows(tmp_path, "SELECT url, agency FROM items ORDER BY published DESC")
    assert [url.rsplit("/", 1)[1] for url, _ in stored] == [
        "eleven-charged-fentanyl-ring-brockton", "two-arrested-firearms-trafficking-worcester",
        "massachusetts-pharmacist-charged-opioid-diversion"]
    assert {agency for _, agency in stored} == {"USAO-MA"}


def test_the_feed_only_backup_stores_summaries_and_dedupes_with_the_api(tmp_path):
    routes = {API_PATH: fake_api(),
              "/news/rss": serve_file("doj_rss.xml", "application/rss+xml")}
    with FakeSite(routes) as site:
        crawl(tmp_path, site, [{"name": "doj-rss", "url": "{base}/news/rss?type=press_release",
                                "kind": "feed", "feed_only": True, "agency": "DOJ"}])
        assert {s.path.split("?")[0] for s in site.seen} == {"/robots.txt", "/news/rss"}
        summary = rows(tmp_path, "SELECT text, published FROM items WHERE url LIKE '%counterfeit%'")
        assert summary == [("Three Worcester residents pleaded guilty to pressing counterfeit "
                            "oxycodone pills that contained fentanyl, following an investigation "
                            "by the DEA and local police.", "2026-08-06T18:00:00+00:00")]
        crawl(tmp_path, site, [{"name": "doj-api", "url": "{base}" + API_PATH, "kind": "doj_api",
                                "pages": 1},
                               {"name": "doj-rss", "url": "{base}/news/rss?type=press_release",
                                "kind": "feed", "feed_only": True, "agency": "DOJ"}])
    brockton = rows(tmp_path, "SELECT text FROM items WHERE url LIKE '%eleven-charged%'")
    assert len(brockton) == 1 and "Dario Almonte | 34 | Brockton" in brockton[0][0]
    assert rows(tmp_path, "SELECT count(*) FROM items")[0][0] == PER_PAGE + 1


def test_doj_api_keeps_to_four_requests_a_second(tmp_path):
    with FakeSite({API_PATH: fake_api()}) as site:
        crawl(tmp_path, site, [{"name": "doj", "url": "{base}" + API_PATH, "kind": "doj_api"}])
        times = [s.at for s in site.seen if s.path.startswith(API_PATH)]
    assert len(times) == 3
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.24  # 0.25 s, start to start


def test_scrapy_crawl_doj_api_stores_press_releases_without_an_agency(tmp_path):
    # `scrapy crawl doj_api -a url=...` builds its Source from the arguments: a release is a
    # press release there too, as in a schedule (config's default for kind doj_api)
    scrapy = [sys.executable, "-m", "scrapy", "crawl", "doj_api"]
    env = {**os.environ, **FAST_ENV, "MONITOR_DB": str(tmp_path / "m.db")}
    with FakeSite({API_PATH: fake_api()}) as site:
        result = subprocess.run([*scrapy, "-a", f"url={site.url(API_PATH)}", "-a", "pages=1"],
                                cwd=ROOT, capture_output=True, text=True, env=env, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    assert rows(tmp_path, "SELECT kind, count(*) FROM items GROUP BY kind") == [
        ("press_release", PER_PAGE)]


def test_a_page_that_is_not_the_api_envelope_is_bad_api(tmp_path):
    with FakeSite({API_PATH: Answer(200, b'{"error": "nope"}', {"Content-Type": "application/json"})}) as site:
        crawl(tmp_path, site, [{"name": "doj", "url": "{base}" + API_PATH, "kind": "doj_api"}])
    assert rows(tmp_path, "SELECT kind FROM errors") == [("bad_api",)]


# -- bot walls -------------------------------------------------------------------------------

def test_a_bot_challenge_is_blocked_never_stored_never_followed(tmp_path):
    routes = {"/usao-ma/pr": serve_file("akamai_challenge.html"),
              "/news": serve_file("cloudflare_challenge.html", status=403)}
    with FakeSite(routes) as site:
        result = crawl(tmp_path, site, [
            {"name": "usao-ma", "url": "{base}/usao-ma/pr", "kind": "listing"},
            {"name": "cf-news", "url": "{base}/news", "kind": "listing"}])
        assert sorted(site.paths()) == ["/news", "/robots.txt", "/usao-ma/pr"]  # no retry, no link
    problems = rows(tmp_path, "SELECT source, kind, message FROM errors ORDER BY source")
    assert [(s, k) for s, k, _ in problems] == [("cf-news", "blocked"), ("usao-ma", "blocked")]
    assert "Cloudflare" in problems[0][2] and "Akamai" in problems[1][2]
    assert rows(tmp_path, "SELECT count(*) FROM items")[0][0] == 0
    assert "blocked" in result.stderr
    status = monitor("status", "--db", str(tmp_path / "m.db"), "--schedules", str(tmp_path / "schedules"))
    lines = {line.split()[0]: line for line in status.stdout.splitlines() if line.strip()}
    assert " blocked " in lines["usao-ma"] and "Akamai" in lines["usao-ma"]
    assert "does not get around bot walls" in lines["usao-ma"]


def test_sources_check_shows_a_blocked_source_with_a_hint(tmp_path):
    with FakeSite({"/usao-ma/pr": serve_file("akamai_challenge.html")}) as site:
        schedules = tmp_path / "schedules"
        write_schedule(schedules, site.base, [{"name": "usao-ma", "url": "{base}/usao-ma/pr",
                                               "kind": "listing"}])
        result = monitor("sources", "check", "--db", str(tmp_path / "m.db"), "--schedules", str(schedules))
    assert result.returncode == 1
    assert result.stdout.startswith("BLKD usao-ma")
    assert "blocked:" in result.stdout and "hint: the site answers automated clients with a bot challenge" in result.stdout


def test_an_article_behind_a_challenge_is_blocked_and_its_listing_still_works(tmp_path):
    listing = b"".join([b"<html><body><ul>",
                        b'<li><a href="/news/deputies-arrest-two-burglary-investigation">One</a></li>',
                        b'<li><a href="/news/walled-release-about-a-seizure">Two</a></li>',
                        b"</ul></body></html>"])
    routes = {"/news": Answer(200, listing),
              "/news/deputies-arrest-two-burglary-investigation": lambda site, r: Answer(
                  200, site.file("sheriff_article.html", title="Deputies arrest two")),
              "/news/walled-release-about-a-seizure": serve_file("akamai_challenge.html")}
    with FakeSite(routes) as site:
        crawl(tmp_path, site, [{"name": "sheriff", "url": "{base}/news", "kind": "listing"}])
        assert "/_sec/verify?provider=interstitial" not in " ".join(site.paths())
    assert rows(tmp_path, "SELECT kind, url FROM errors") == [
        ("blocked", site.url("/news/walled-release-about-a-seizure"))]
    assert rows(tmp_path, "SELECT title FROM items") == [("Deputies arrest two",)]


# -- Crawl-delay and delay -------------------------------------------------------------------

def feed_site_routes(robots: str | None) -> dict:
    routes = {"/feed.xml": serve_file("plain_feed.xml", "application/rss+xml")}
    for slug, title in (("deputies-arrest-two-burglary-investigation", "Deputies arrest two"),
                        ("sheriff-seizes-methamphetamine-traffic-stop", "Sheriff seizes meth")):
        routes[f"/news/{slug}"] = (lambda t: lambda site, r: Answer(
            200, site.file("sheriff_article.html", title=t)))(title)
    if robots:
        routes["/robots.txt"] = serve_file(robots, "text/plain")
    return routes


def test_robots_crawl_delay_spaces_a_hosts_requests_one_at_a_time(tmp_path):
    with FakeSite(feed_site_routes("robots_crawl_delay.txt")) as site:
        crawl(tmp_path, site, [{"name": "sheriff", "url": "{base}/feed.xml", "kind": "feed"}])
        times = site.times()
    assert len(times) == 4  # robots.txt, the feed, two articles
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps[1:]) >= 0.98, gaps  # Crawl-delay: 1, measured where the server saw them
    assert rows(tmp_path, "SELECT count(*) FROM items")[0][0] == 2


def test_a_source_delay_spaces_its_hosts_requests(tmp_path):
    with FakeSite(feed_site_routes(None)) as site:
        crawl(tmp_path, site, [{"name": "sheriff", "url": "{base}/feed.xml", "kind": "feed",
                                "delay": "1s"}])
        times = site.times()
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(times) == 4 and min(gaps[1:]) >= 0.98, gaps  # the first one includes a connect


# -- rate limits -----------------------------------------------------------------------------

def test_a_429_asking_for_more_than_a_minute_is_rate_limited_and_the_host_left_alone(tmp_path):
    routes = {"/feed.xml": Answer(429, b"slow down", {"Retry-After": "120"}),
              "/other.xml": serve_file("plain_feed.xml", "application/rss+xml")}
    with FakeSite(routes) as site:
        crawl(tmp_path, site, [{"name": "gdelt", "url": "{base}/feed.xml", "kind": "feed"},
                               {"name": "gdelt-2", "url": "{base}/other.xml", "kind": "feed"}],
              env={"MONITOR_RETRIES": "2", "MONITOR_CONCURRENCY_PER_DOMAIN": "1"})
        first = site.paths()
        site.seen.clear()
        crawl(tmp_path, site, [{"name": "gdelt", "url": "{base}/feed.xml", "kind": "feed"}])
        assert site.paths("/feed.xml") == ["/feed.xml"]  # the next run tries again
    assert first.count("/feed.xml") == 1  # not retried
    problems = rows(tmp_path, "SELECT source, kind, message FROM errors WHERE run_id = 1 ORDER BY id")
    assert problems[0][:2] == ("gdelt", "rate_limited") and "Retry-After 120s" in problems[0][2]
    # the host was left alone: the other source on it fetched at most what was already under way
    assert all(kind == "rate_limited" for _, kind, _ in problems)


def test_a_short_retry_after_is_waited_out_and_retried(tmp_path):
    answers = iter([Answer(429, b"slow down", {"Retry-After": "1"})])

    def feed(site, request):
        return next(answers, None) or Answer(200, site.file("plain_feed.xml"),
                                             {"Content-Type": "application/rss+xml"})
    routes = {**feed_site_routes(None), "/feed.xml": feed}
    with FakeSite(routes) as site:
        crawl(tmp_path, site, [{"name": "sheriff", "url": "{base}/feed.xml", "kind": "feed"}],
              env={"MONITOR_RETRIES": "2"})
        feed_times = [s.at for s in site.seen if s.path == "/feed.xml"]
    assert len(feed_times) == 2 and feed_times[1] - feed_times[0] >= 0.98
    assert rows(tmp_path, "SELECT count(*) FROM errors")[0][0] == 0
    assert rows(tmp_path, "SELECT count(*) FROM items")[0][0] == 2


def test_a_429_without_retry_after_is_rate_limited_after_the_retries(tmp_path):
    with FakeSite({"/feed.xml": Answer(429, b"slow down")}) as site:
        crawl(tmp_path, site, [{"name": "gdelt", "url": "{base}/feed.xml", "kind": "feed"}],
              env={"MONITOR_RETRIES": "1"})
        assert site.paths("/feed.xml") == ["/feed.xml", "/feed.xml"]
    assert [k for (k,) in rows(tmp_path, "SELECT kind FROM errors")] == ["rate_limited"]


# -- issue 19 --------------------------------------------------------------------------------

def test_an_unreachable_host_is_one_line_not_a_traceback(tmp_path):
    with FakeSite({}) as site:
        closed = site.base  # the server is gone once the block ends: its port refuses
    schedules = tmp_path / "schedules"
    write_schedule(schedules, closed, [{"name": "gone", "url": "{base}/feed.xml", "kind": "feed"}])
    result = monitor("crawl", "--db", str(tmp_path / "m.db"), "--schedules", str(schedules))
    assert result.returncode == 0
    assert "Traceback" not in result.stderr, result.stderr
    mentions = [line for line in result.stderr.splitlines() if "feed.xml" in line or "robots.txt" in line]
    assert len(mentions) <= 2, result.stderr
    assert [k for (k,) in rows(tmp_path, "SELECT kind FROM errors")] == ["connection"]
    quiet = monitor("crawl", "-q", "--db", str(tmp_path / "m.db"), "--schedules", str(schedules))
    assert "Traceback" not in quiet.stderr + quiet.stdout  # the daemon's runs are quiet ones
    named = [line for line in quiet.stderr.splitlines() if "127.0.0.1" in line]
    assert len(named) == 1 and "feed.xml" in named[0] and "refused" in named[0], quiet.stderr


def test_an_article_skipped_once_is_retried_while_its_listing_answers_304(tmp_path):
    first_kind = "not_article"
    ready = {"article": False}
    etag = '"listing-v1"'
    listing = (b'<html><body><ul><li><a href="/news/deputies-arrest-two-burglary-investigation">'
               b"Deputies arrest two</a></li></ul></body></html>")

    def listing_route(site, request):
        if request.headers.get("If-None-Match") == etag:
            return Answer(304, b"", {"ETag": etag})
        return Answer(200, listing, {"ETag": etag})

    def article_route(site, request):
        if not ready["article"]:  # not yet filled in: a page without an article
            return Answer(200, b"<html><body><p>Coming soon.</p></body></html>")
        return Answer(200, site.file("sheriff_article.html", title="Deputies arrest two"))
    routes = {"/news": listing_route,
              "/news/deputies-arrest-two-burglary-investigation": article_route}
    source = [{"name": "sheriff", "url": "{base}/news", "kind": "listing"}]
    article = "/news/deputies-arrest-two-burglary-investigation"
    with FakeSite(routes) as site:
        crawl(tmp_path, site, source)
        assert [k for (k,) in rows(tmp_path, "SELECT kind FROM errors")] == [first_kind]
        ready["article"] = True
        site.seen.clear()
        crawl(tmp_path, site, source)  # minutes later: the listing answers 304, nothing else
        assert site.paths("/news") == ["/news"]
        earlier = (datetime.now(timezone.utc) - timedelta(hours=2)).replace(microsecond=0)
        with sqlite3.connect(tmp_path / "m.db") as db:  # the skip was over an hour ago
            db.execute("UPDATE errors SET at = ?", [earlier.isoformat()])
        site.seen.clear()
        crawl(tmp_path, site, source)
        assert sorted(site.paths("/news")) == ["/news", article]
        assert [s.headers.get("If-None-Match") for s in site.seen if s.path == "/news"] == [etag]
    assert rows(tmp_path, "SELECT title FROM items") == [("Deputies arrest two",)]
