"""Tests for the fixture HTTP server and for the integrity of the fixture site it serves."""

from __future__ import annotations

import email.utils
import gzip
import http.client
import json
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree, html

from tests.fixture_server import SITE_EXTRAS, FixtureServer, content_type_for, site_file, site_files

REPO_ROOT = Path(__file__).resolve().parent.parent
# Every file the fixture site serves, by its path under the site (the extras win).
FILES = site_files()
SEED_FILE = Path(__file__).resolve().parent / "fixtures" / "seed" / "000_e6764a2a34d389f4.txt"
MA_RELEASE = "/gov/news/releases/ice-arrests-19-massachusetts-4-day-operation.html"
MA_ARCHIVE = "/gov/news/releases/archive/ice-arrests-19-massachusetts-4-day-operation.html"
SEED_STORY = "/news/2019/11/ice-arrests-19-in-massachusetts.html"
# Links that are broken on purpose (see tests/fixtures/site_extras/README.md).
DELIBERATELY_MISSING = {"/gov/news/releases/removed-release.html"}
# Namespace and vocabulary identifiers are not links; no other absolute URL may appear.
ALLOWED_ABSOLUTE = {
    "http://www.sitemaps.org/schemas/sitemap/0.9",
    "http://www.google.com/schemas/sitemap-news/0.9",
    "http://www.w3.org/2005/Atom",
    "http://www.w3.org/2000/svg",
    "https://jsonfeed.org/version/1.1",
    "https://schema.org",
}
TEXT_FILES = sorted(p for p in FILES.values() if p.suffix in {".html", ".xml", ".atom", ".json", ".txt"})
RELEASE_PAGES = sorted(p for name, p in FILES.items() if re.fullmatch(r"gov/news/releases/[^/]+\.html", name))
STORY_PAGES = sorted(p for name, p in FILES.items() if re.fullmatch(r"news/20[^/]*/[^/]+/[^/]+\.html", name))


def fetch(
    server: FixtureServer, path: str, headers: dict[str, str] | None = None, method: str = "GET", timeout: float = 10
) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def rel(path: Path) -> str:
    """The URL path the site serves a fixture file at."""
    return "/" + next(name for name, file in FILES.items() if file == path)


def substituted(path: Path, base: str = "http://127.0.0.1:8000") -> str:
    return path.read_text(encoding="utf-8").replace("{{base}}", base)


def article_text(doc: html.HtmlElement) -> str:
    """Text of the article body: paragraphs, subheadings and list items, ads excluded."""
    body = doc.cssselect(".news-release-body, .story-body")[0]
    parts = []
    for el in body.iter("p", "h2", "li"):
        if el.xpath("ancestor::aside"):
            continue
        if el.tag == "p" and el.getparent().tag == "li":
            continue
        parts.append(el.text_content().strip())
    return "\n\n".join(parts)


# --------------------------------------------------------------------------- serving


def test_serves_release_with_base_substituted(site_server: FixtureServer) -> None:
    status, headers, body = fetch(site_server, MA_RELEASE)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    text = body.decode("utf-8")
    assert "{{base}}" not in text
    assert f'<link rel="canonical" href="{site_server.base_url}{MA_RELEASE}">' in text


def test_query_string_is_ignored_when_mapping_to_files(site_server: FixtureServer) -> None:
    _, _, plain = fetch(site_server, SEED_STORY)
    status, _, tracked = fetch(site_server, SEED_STORY + "?utm_source=rss&utm_medium=feed")
    assert status == 200
    assert tracked == plain


def test_missing_file_is_404(site_server: FixtureServer) -> None:
    status, headers, body = fetch(site_server, "/gov/news/releases/removed-release.html")
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    assert b"404" in body


def test_trailing_slash_serves_directory_index(site_server: FixtureServer) -> None:
    status, _, body = fetch(site_server, "/gov/")
    assert status == 200
    assert body == fetch(site_server, "/gov/index.html")[2]


def test_directory_without_slash_redirects_to_slash(site_server: FixtureServer) -> None:
    status, headers, _ = fetch(site_server, "/gov")
    assert status == 301
    assert headers["Location"] == site_server.base_url + "/gov/"


def test_directory_without_index_is_404_not_a_listing(site_server: FixtureServer) -> None:
    status, _, body = fetch(site_server, "/gov/news/releases/")
    assert status == 404
    assert b"ice-arrests-19" not in body


@pytest.mark.parametrize("path", ["/gov/../../fixture_server.py", "/%2e%2e/fixture_server.py", "/gov/%2e%2e/%2e%2e/conftest.py"])
def test_path_traversal_is_refused(site_server: FixtureServer, path: str) -> None:
    assert fetch(site_server, path)[0] == 404


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/gov/index.html", "text/html; charset=utf-8"),
        ("/gov/sitemap.xml", "application/xml; charset=utf-8"),
        ("/gov/rss/news.xml", "application/rss+xml; charset=utf-8"),
        ("/news/feed.atom", "application/atom+xml; charset=utf-8"),
        ("/news/feed.json", "application/feed+json; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/gov/news/releases/ice-hsi-annual-report-summary.pdf", "application/pdf"),
    ],
)
def test_content_types(site_server: FixtureServer, path: str, content_type: str) -> None:
    status, headers, _ = fetch(site_server, path)
    assert status == 200
    assert headers["Content-Type"] == content_type


def test_content_type_for_is_pure() -> None:
    assert content_type_for("gov/rss/broken-links.xml") == "application/rss+xml; charset=utf-8"
    assert content_type_for("news/sitemap-news.xml") == "application/xml; charset=utf-8"
    assert content_type_for("somewhere/blob.bin") == "application/octet-stream"


def test_binary_files_are_served_verbatim(site_server: FixtureServer) -> None:
    path = site_file("gov/news/releases/ice-hsi-annual-report-summary.pdf")
    status, headers, body = fetch(site_server, rel(path))
    assert status == 200
    assert body == path.read_bytes()
    assert int(headers["Content-Length"]) == len(body)


def test_robots_txt_disallows_private(site_server: FixtureServer) -> None:
    _, _, body = fetch(site_server, "/robots.txt")
    text = body.decode()
    assert "User-agent: *\nDisallow: /private/\n" in text
    assert f"Sitemap: {site_server.base_url}/gov/sitemap.xml" in text


def test_head_sends_headers_without_body(site_server: FixtureServer) -> None:
    status, headers, body = fetch(site_server, MA_RELEASE, method="HEAD")
    assert status == 200
    assert body == b""
    assert int(headers["Content-Length"]) == len(fetch(site_server, MA_RELEASE)[2])


def test_post_is_not_allowed(site_server: FixtureServer) -> None:
    status, headers, _ = fetch(site_server, "/gov/contact.html", method="POST")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"


# --------------------------------------------------------------------------- conditional requests


def test_etag_is_stable_and_matches_body(site_server: FixtureServer) -> None:
    _, first, _ = fetch(site_server, MA_RELEASE)
    _, second, _ = fetch(site_server, MA_RELEASE)
    assert first["ETag"] == second["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', first["ETag"])
    assert first["ETag"] != fetch(site_server, SEED_STORY)[1]["ETag"]


def test_matching_if_none_match_gives_304_without_body(site_server: FixtureServer) -> None:
    _, headers, _ = fetch(site_server, MA_RELEASE)
    status, again, body = fetch(site_server, MA_RELEASE, {"If-None-Match": headers["ETag"]})
    assert status == 304
    assert body == b""
    assert again["ETag"] == headers["ETag"]


def test_weak_and_listed_etags_match(site_server: FixtureServer) -> None:
    etag = fetch(site_server, MA_RELEASE)[1]["ETag"]
    assert fetch(site_server, MA_RELEASE, {"If-None-Match": f'"nope", W/{etag}'})[0] == 304


def test_stale_etag_gives_200(site_server: FixtureServer) -> None:
    status, _, body = fetch(site_server, MA_RELEASE, {"If-None-Match": '"0123456789abcdef"'})
    assert status == 200
    assert body


def test_if_modified_since_last_modified_gives_304(site_server: FixtureServer) -> None:
    _, headers, _ = fetch(site_server, SEED_STORY)
    status, _, body = fetch(site_server, SEED_STORY, {"If-Modified-Since": headers["Last-Modified"]})
    assert status == 304
    assert body == b""


def test_if_modified_since_older_date_gives_200(site_server: FixtureServer) -> None:
    mtime = site_file(SEED_STORY).stat().st_mtime
    older = email.utils.formatdate(mtime - 3600, usegmt=True)
    assert fetch(site_server, SEED_STORY, {"If-Modified-Since": older})[0] == 200


def test_if_none_match_takes_precedence_over_if_modified_since(site_server: FixtureServer) -> None:
    _, headers, _ = fetch(site_server, SEED_STORY)
    both = {"If-None-Match": '"stale"', "If-Modified-Since": headers["Last-Modified"]}
    assert fetch(site_server, SEED_STORY, both)[0] == 200


# --------------------------------------------------------------------------- dynamic routes


@pytest.mark.parametrize("code", [404, 410, 500, 503])
def test_status_route_answers_that_status(site_server: FixtureServer, code: int) -> None:
    status, headers, body = fetch(site_server, f"/status/{code}")
    assert status == code
    assert headers["Content-Type"].startswith("text/html")
    assert str(code).encode() in body


def test_status_route_redirect_has_location(site_server: FixtureServer) -> None:
    status, headers, _ = fetch(site_server, "/status/301")
    assert status == 301
    assert headers["Location"] == site_server.base_url + "/status/200"


@pytest.mark.parametrize("bad", ["abc", "99", "600"])
def test_status_route_rejects_bad_codes(site_server: FixtureServer, bad: str) -> None:
    assert fetch(site_server, f"/status/{bad}")[0] == 404


def test_slow_route_waits_before_answering(site_server: FixtureServer) -> None:
    started = time.monotonic()
    status, _, _ = fetch(site_server, "/slow?seconds=0.3")
    assert status == 200
    assert time.monotonic() - started >= 0.3


def test_slow_route_trips_client_timeout(site_server: FixtureServer) -> None:
    with pytest.raises(TimeoutError):
        fetch(site_server, "/slow?seconds=3", timeout=0.3)


def test_drop_closes_connection_without_answer(site_server: FixtureServer) -> None:
    site_server.clear_log()
    with pytest.raises(ConnectionError):
        fetch(site_server, "/drop")
    assert [(r.path, r.status) for r in site_server.requests] == [("/drop", None)]


def test_redirect_loop_points_to_itself(site_server: FixtureServer) -> None:
    status, headers, _ = fetch(site_server, "/redirect-loop")
    assert status == 302
    assert headers["Location"] == site_server.base_url + "/redirect-loop"


def test_oversize_sends_requested_length(site_server: FixtureServer) -> None:
    status, headers, body = fetch(site_server, "/oversize?bytes=5000")
    assert status == 200
    assert headers["Content-Length"] == "5000"
    assert len(body) == 5000


def test_gzip_bomb_inflates_far_beyond_its_size(site_server: FixtureServer) -> None:
    _, headers, body = fetch(site_server, "/gzip-bomb")
    assert headers["Content-Encoding"] == "gzip"
    assert len(body) < 64 * 1024
    assert len(gzip.decompress(body)) == 10 * 1024 * 1024


def test_wrong_charset_body_is_not_utf8(site_server: FixtureServer) -> None:
    _, headers, body = fetch(site_server, "/wrong-charset")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


# --------------------------------------------------------------------------- request log


def test_request_log_records_method_path_status_and_headers(site_server: FixtureServer, site_url: str) -> None:
    fetch(site_server, "/gov/index.html?x=1", {"User-Agent": "monitor-test/1.0", "If-None-Match": '"abc"'})
    fetch(site_server, "/nope.html")
    records = site_server.requests
    assert [(r.method, r.path, r.status) for r in records] == [("GET", "/gov/index.html?x=1", 200), ("GET", "/nope.html", 404)]
    assert records[0].header("user-agent") == "monitor-test/1.0"
    assert records[0].headers["If-None-Match"] == '"abc"'
    assert records[1].header("If-Modified-Since") is None


def test_count_and_clear_log(site_server: FixtureServer, site_url: str) -> None:
    assert site_server.count("/") == 0
    fetch(site_server, "/gov/index.html")
    fetch(site_server, "/gov/about.html")
    fetch(site_server, "/news/index.html")
    assert site_server.count("/gov/") == 2
    assert site_server.count() == 3
    site_server.clear_log()
    assert site_server.requests == []


def test_site_url_is_base_url(site_server: FixtureServer, site_url: str) -> None:
    assert site_url == site_server.base_url
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", site_url)


def test_context_manager_stops_server(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>{{base}}</p>")
    with FixtureServer(tmp_path) as server:
        base = server.base_url
        assert fetch(server, "/")[2] == f"<p>{base}</p>".encode()
        port = server.port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        with pytest.raises(ConnectionRefusedError):
            conn.request("GET", "/")
    finally:
        conn.close()


# --------------------------------------------------------------------------- subprocess mode


def read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    """Read one stdout line, failing after timeout seconds instead of hanging."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"no line on stdout within {timeout}s")
    return proc.stdout.readline()


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_subprocess_prints_ready_and_exits_cleanly_on_signal(sig: signal.Signals) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fixture_server"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = read_line(proc, timeout=30)
        match = re.fullmatch(r"READY (http://127\.0\.0\.1:(\d+))\n", line)
        assert match, line
        conn = http.client.HTTPConnection("127.0.0.1", int(match.group(2)), timeout=5)
        try:
            conn.request("GET", "/robots.txt")
            response = conn.getresponse()
            assert response.status == 200
            assert match.group(1) in response.read().decode()
        finally:
            conn.close()
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr
    assert stdout == ""
    assert stderr == ""


@pytest.mark.slow
def test_subprocess_serves_custom_root(tmp_path: Path) -> None:
    (tmp_path / "hello.txt").write_text("hi from {{base}}\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fixture_server", "--root", str(tmp_path), "--port", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base = read_line(proc, timeout=30).split()[1]
        port = int(base.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/hello.txt")
            assert conn.getresponse().read() == f"hi from {base}\n".encode()
        finally:
            conn.close()
        proc.terminate()
        proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0


# --------------------------------------------------------------------------- fixture site integrity


def test_every_base_link_points_to_an_existing_file() -> None:
    broken = []
    for path in TEXT_FILES:
        for target in re.findall(r"\{\{base\}\}(/[^\s\"'<>]*)", path.read_text(encoding="utf-8")):
            url_path = unquote(urlsplit(target).path)
            if url_path in DELIBERATELY_MISSING:
                continue
            name = url_path.lstrip("/") + ("index.html" if url_path.endswith("/") else "")
            if name not in FILES:
                broken.append(f"{rel(path)} -> {target}")
    assert broken == []


def test_deliberately_missing_links_are_documented() -> None:
    readme = (SITE_EXTRAS / "README.md").read_text(encoding="utf-8")
    for path in DELIBERATELY_MISSING:
        assert path in readme


def test_no_absolute_url_except_base_and_namespaces() -> None:
    found = set()
    for path in TEXT_FILES:
        found.update(re.findall(r"https?://[^\s\"'<>)]+", path.read_text(encoding="utf-8")))
    assert found <= ALLOWED_ABSOLUTE


def test_readme_lists_every_fixture_file() -> None:
    readme = (SITE_EXTRAS / "README.md").read_text(encoding="utf-8")
    missing = ["/" + name for name in FILES if name != "README.md" and "/" + name not in readme]
    assert missing == []


@pytest.mark.parametrize("path", RELEASE_PAGES + STORY_PAGES, ids=lambda p: p.name)
def test_article_pages_parse_with_title_date_canonical_and_length(path: Path) -> None:
    doc = html.fromstring(substituted(path))
    assert len(doc.xpath("//h1")) == 1
    assert doc.findtext(".//title").strip()
    published = doc.xpath("string(//meta[@property='article:published_time']/@content)")
    assert re.fullmatch(r"20(19|20)-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", published)
    canonical = doc.xpath("//link[@rel='canonical']/@href")
    assert canonical == ["http://127.0.0.1:8000" + rel(path)]
    assert 250 <= len(article_text(doc).split()) <= 600


def test_archive_copy_has_same_text_and_no_canonical() -> None:
    main = html.fromstring(substituted(site_file(MA_RELEASE)))
    archive = html.fromstring(substituted(site_file(MA_ARCHIVE)))
    assert archive.xpath("//link[@rel='canonical']") == []
    assert "Archived content" in archive.text_content()
    assert "Archived content" not in main.text_content()
    assert article_text(archive) == article_text(main)
    assert archive.findtext(".//h1") == main.findtext(".//h1")


def test_seed_story_body_is_the_seed_text_without_its_footer_line() -> None:
    seed = SEED_FILE.read_text(encoding="utf-8")
    story_text, footer_line = seed.rsplit("\n", 1)
    doc = html.fromstring(substituted(site_file(SEED_STORY)))
    assert article_text(doc) == story_text.strip()
    assert doc.xpath("//div[@class='story-body']/h2/text()") == ["ICE vs. Law Enforcement"]
    assert doc.xpath("//footer[@class='site-footer']//h3/text()") == [footer_line]
    assert footer_line not in doc.cssselect(".story")[0].text_content()


def test_newsroom_pages_list_every_release_once() -> None:
    listed = []
    for name in ["index.html", "page/2.html", "page/3.html"]:
        doc = html.fromstring(substituted(site_file("gov/newsroom/" + name)))
        listed += doc.xpath("//li[contains(@class,'news-teaser')]//h2/a/@href")
        assert doc.xpath("//link[@rel='alternate']") == []
        has_next = bool(doc.xpath("//a[@rel='next']"))
        assert has_next == (name != "page/3.html")
    assert sorted(listed) == sorted("http://127.0.0.1:8000" + rel(p) for p in RELEASE_PAGES)


def test_gov_home_advertises_rss_feed() -> None:
    doc = html.fromstring(substituted(site_file("gov/index.html")))
    feeds = doc.xpath("//link[@rel='alternate' and @type='application/rss+xml']")
    assert [(f.get("title"), f.get("href")) for f in feeds] == [("ICE News Releases", "http://127.0.0.1:8000/gov/rss/news.xml")]


@pytest.mark.parametrize("path", [p for p in TEXT_FILES if p.suffix in {".xml", ".atom"}], ids=lambda p: rel(p))
def test_xml_files_are_well_formed(path: Path) -> None:
    etree.fromstring(substituted(path).encode("utf-8"))


def test_json_feed_is_valid_json_feed() -> None:
    feed = json.loads(substituted(site_file("news/feed.json")))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert len(feed["items"]) == 3


def test_atom_seed_entry_has_tracking_parameters_and_fragment() -> None:
    root = etree.fromstring(substituted(site_file("news/feed.atom")).encode())
    hrefs = root.xpath("//a:entry/a:link/@href", namespaces={"a": "http://www.w3.org/2005/Atom"})
    assert "http://127.0.0.1:8000" + SEED_STORY + "?utm_source=rss&utm_medium=feed&utm_campaign=news#comments" in hrefs
    assert len(hrefs) == len(STORY_PAGES)


def test_pdf_release_has_extractable_text_and_broken_pdf_does_not() -> None:
    import pypdf
    reader = pypdf.PdfReader(site_file("gov/news/releases/ice-hsi-annual-report-summary.pdf"), strict=True)
    text = " ".join(reader.pages[0].extract_text().split())
    assert text.startswith("HSI releases fiscal year 2019 annual report summary January 15, 2020")
    assert "more than 37,000 criminal arrests" in text
    with pytest.raises(pypdf.errors.PyPdfError):
        pypdf.PdfReader(site_file("gov/news/releases/broken.pdf")).pages[0].extract_text()


def test_committed_pdfs_match_their_generator() -> None:
    from tests.fixtures import make_pdf

    good = make_pdf.build_pdf()
    assert make_pdf.GOOD_PDF.read_bytes() == good
    assert make_pdf.BROKEN_PDF.read_bytes() == make_pdf.build_broken_pdf(good)
