"""The agencies' newsroom listings, faked locally (issue 17 items 5 and 6): Drupal's and USWDS's
pagers, a placeholder date on every listing row, an article's own "Release Date" line, and a
source's `content` selector against ICE's .nr-body / mission-statement trap."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.agency_fakes import Answer, FakeSite
from tests.crawl_harness import monitor, write_schedule

pytestmark = pytest.mark.slow  # every test here runs `monitor crawl` processes

ICE_ROWS = [  # (slug, title, listing date) of the fake newsroom's three pages
    [("ero-boston-arrests-fugitive-wanted-in-brazil", "ERO Boston arrests fugitive wanted in Brazil"),
     ("hsi-seizes-counterfeit-goods-at-port-of-boston", "HSI seizes counterfeit goods at Boston port"),
     ("ero-removes-convicted-trafficker-to-honduras", "ERO removes convicted trafficker to Honduras")],
    [("ero-arrests-sex-offender-in-lowell", "ERO arrests sex offender in Lowell"),
     ("hsi-dismantles-smuggling-ring-in-new-hampshire", "HSI dismantles smuggling ring in New Hampshire")],
    [("page-three-release-never-reached", "A release on a page past the limit")],
]
MISSION = "The agency's mission is to protect the homeland"


def ice_routes() -> dict:
    def newsroom(site: FakeSite, request) -> Answer:
        page = int(request.query.get("page", ["0"])[0])
        rows = "\n".join(
            f'<div class="views-row"><div class="news-title"><a href="/news/releases/{slug}">{title}'
            f'</a></div><div class="news-date">August {7 - page}, 2026</div></div>'
            for slug, title in ICE_ROWS[page])
        following = f"?page={page + 1}" if page + 1 < len(ICE_ROWS) else "#"
        return Answer(200, site.file("ice_newsroom.html", rows=rows, next=following))

    routes = {"/newsroom": newsroom}
    for page, rows in enumerate(ICE_ROWS):
        for slug, title in rows:
            routes[f"/news/releases/{slug}"] = (lambda t, p: lambda site, r: Answer(200, site.file(
                "ice_release.html", title=t, date=f"August {7 - p}, 2026",
                lede=f"{t}: officers made the arrest this week after an investigation.")))(title, page)
    return routes


def crawl(directory: Path, site: FakeSite, sources: list[dict]) -> subprocess.CompletedProcess:
    write_schedule(directory / "schedules", site.base, sources)
    result = monitor("crawl", "--db", str(directory / "m.db"), "--schedules", str(directory / "schedules"))
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def rows(directory: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(directory / "m.db") as db:
        return list(db.execute(sql))


def test_a_drupal_pager_is_followed_up_to_pages_and_content_picks_the_release_body(tmp_path):
    with FakeSite(ice_routes()) as site:
        crawl(tmp_path, site, [{"name": "ice", "url": "{base}/newsroom", "kind": "listing",
                                "follow": "/news/releases/[^/?#]+$", "content": ".nr-body",
                                "pages": 2, "agency": "ICE"}])
        listing_pages = [p for p in site.paths("/newsroom")]
    assert listing_pages == ["/newsroom", "/newsroom?page=1"]  # pages = 2: not ?page=2
    stored = rows(tmp_path, "SELECT url, title, text FROM items ORDER BY url")
    assert len(stored) == 5
    for url, title, text in stored:
        assert "/news/statements/" not in url
        assert text.startswith(f"{title}: officers made the arrest"), text[:200]
        assert MISSION not in text and "tip line" not in text


def test_without_the_content_key_the_mission_statement_trap_gets_in(tmp_path):
    with FakeSite(ice_routes()) as site:
        crawl(tmp_path, site, [{"name": "ice", "url": "{base}/newsroom", "kind": "listing",
                                "follow": "/news/releases/[^/?#]+$", "pages": 1, "agency": "ICE"}])
    texts = [text for (text,) in rows(tmp_path, "SELECT text FROM items")]
    assert len(texts) == 3 and all(MISSION in text for text in texts)


def test_a_content_selector_that_matches_nothing_is_a_not_article_skip_naming_it(tmp_path):
    with FakeSite(ice_routes()) as site:
        crawl(tmp_path, site, [{"name": "ice", "url": "{base}/newsroom", "kind": "listing",
                                "follow": "/news/releases/[^/?#]+$", "pages": 1,
                                "content": ".release-text"}])
    problems = rows(tmp_path, "SELECT kind, severity, message FROM errors")
    assert len(problems) == 3
    assert set(problems) == {("not_article", "skip", "no-content: nothing on the page matches the "
                                                     "source's content selector (a changed layout?)")}


def test_a_uswds_pager_and_the_listing_rows_dates(tmp_path):
    def listing(site: FakeSite, request) -> Answer:
        page = int(request.query.get("page", ["0"])[0])
        days = (7, 6) if page == 0 else (5, 4)
        rows_html = "\n".join(
            f'<li class="usa-collection__item"><h4 class="usa-collection__heading">'
            f'<a href="/news/2026/08/0{d}/dhs-announces-operation-day-{d}">Operation update {d}</a></h4>'
            f'<time datetime="2026-08-0{d}T15:00:00Z">August {d}, 2026</time></li>' for d in days)
        return Answer(200, site.file("dhs_listing.html", rows=rows_html, next=f"?page={page + 1}"))

    def release(site: FakeSite, request) -> Answer:
        day = request.path.rsplit("-", 1)[1]
        return Answer(200, site.file("cbp_release.html", title=f"Operation update {day}",
                                     release="", modified="",
                                     lede=f"Agents arrested {day} people in an enforcement operation."))
    routes = {"/news-releases/press-releases": listing,
              **{f"/news/2026/08/0{d}/dhs-announces-operation-day-{d}": release for d in (7, 6, 5, 4, 3, 2)}}
    with FakeSite(routes) as site:
        crawl(tmp_path, site, [{"name": "dhs", "url": "{base}/news-releases/press-releases",
                                "kind": "listing", "follow": r"/news/20\\d\\d/\\d\\d/\\d\\d/",
                                "pages": 2, "agency": "DHS"}])
        assert site.paths("/news-releases") == ["/news-releases/press-releases",
                                                "/news-releases/press-releases?page=1"]
    dated = dict(rows(tmp_path, "SELECT title, substr(published, 1, 10) FROM items"))
    assert dated == {f"Operation update {d}": f"2026-08-0{d}" for d in (7, 6, 5, 4)}


def cbp_routes() -> dict:
    placeholder = '<time datetime="2020-09-30T12:00:00+01:00">09/30/2020</time>'

    def listing(site: FakeSite, request) -> Answer:
        page = int(request.query.get("page", ["0"])[0])
        slugs = ["officers-seize-fentanyl-at-nogales", "officers-seize-cocaine-in-tomatoes"] if page == 0 \
            else ["agents-rescue-migrants-in-desert", "officers-find-meth-in-fuel-tank"]
        rows_html = "".join(f'<div class="views-row">{placeholder}<h3><a href="/newsroom/national-'
                            f'media-release/{slug}">{slug.replace("-", " ")}</a></h3></div>' for slug in slugs)
        pager = ('<ul class="pager"><li><a href="?field_newsroom_type_target_id_1=81">1</a></li>'
                 '<li><a href="?field_newsroom_type_target_id_1=81&amp;page=1">2</a></li></ul>')
        body = f"<html><body><main><h1>Media Releases</h1>{rows_html}{pager}</main></body></html>"
        return Answer(200, body.encode())

    def release(site: FakeSite, request) -> Answer:
        slug = request.path.rsplit("/", 1)[1]
        dated = slug == "officers-seize-fentanyl-at-nogales"
        return Answer(200, site.file(
            "cbp_release.html", title=slug.replace("-", " ").capitalize(),
            release="Fri, 08/07/2026" if dated else "", modified="Mon, 08/10/2026" if dated else "",
            lede=f"Officers at the port made a seizure ({slug}) during a routine inspection."))
    slugs = ("officers-seize-fentanyl-at-nogales", "officers-seize-cocaine-in-tomatoes",
             "agents-rescue-migrants-in-desert", "officers-find-meth-in-fuel-tank")
    return {"/newsroom/media-releases/all": listing,
            **{f"/newsroom/national-media-release/{s}": release for s in slugs}}


def test_a_placeholder_listing_date_is_ignored_and_the_release_date_wins(tmp_path):
    with FakeSite(cbp_routes()) as site:
        crawl(tmp_path, site, [{"name": "cbp", "url": "{base}/newsroom/media-releases/all?"
                                                      "field_newsroom_type_target_id_1=81",
                                "kind": "listing", "pages": 2, "agency": "CBP",
                                "follow": "/newsroom/(national|local)-media-release/"}])
        # a numbered pager only: the link to ?page=1 is the next page
        assert site.paths("/newsroom/media-releases/all") == [
            "/newsroom/media-releases/all?field_newsroom_type_target_id_1=81",
            "/newsroom/media-releases/all?field_newsroom_type_target_id_1=81&page=1"]
    dates = {url.rsplit("/", 1)[1]: (published, source)
             for url, published, source in rows(tmp_path, "SELECT url, published, published_from FROM items")}
    assert len(dates) == 4
    assert dates["officers-seize-fentanyl-at-nogales"][0] == "2026-08-07"  # not Last Modified
    assert dates["officers-seize-fentanyl-at-nogales"][1].startswith("text")
    assert not any((published or "").startswith("2020-09-30") for published, _ in dates.values())
