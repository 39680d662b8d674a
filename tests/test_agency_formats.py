"""Parse-level checks of issue 17's pieces: pagers, listing dates, the DOJ News API's shapes,
bot-challenge recognition, Retry-After, and the new source keys' validation."""

from __future__ import annotations

import pytest
from scrapy.http import Headers, HtmlResponse

from monitor.config import ConfigError, load_schedule
from monitor.crawling.middlewares import bot_challenge, retry_after_seconds
from spiders.formats import doj_api
from spiders.formats.listing import link_dates, next_page
from tests.agency_fakes import AGENCY


def html(body: str, url: str = "https://www.agency.example/newsroom") -> HtmlResponse:
    return HtmlResponse(url, body=f"<html><body>{body}</body></html>".encode(), encoding="utf-8")


@pytest.mark.parametrize("pager,expected", [
    ('<li class="pager__item pager__item--next"><a href="/newsroom/older">&rsaquo;&rsaquo;</a></li>',
     "https://www.agency.example/newsroom/older"),
    ('<a class="usa-pagination__link usa-pagination__next-page" href="/newsroom/p2"><span>&gt;</span></a>',
     "https://www.agency.example/newsroom/p2"),
    ('<a href="?page=3">4</a><a href="?page=1">2</a><a href="?page=2">3</a>',
     "https://www.agency.example/newsroom?page=1"),
    ('<a href="?page=0">1</a>', None),
])
def test_next_page_of_drupal_uswds_and_numbered_pagers(pager, expected):
    assert next_page(html(pager)) == expected


def test_a_numbered_pager_counts_from_the_current_page():
    response = html('<a href="?page=1">2</a><a href="?page=3">4</a>', "https://www.agency.example/newsroom?page=2")
    assert next_page(response) == "https://www.agency.example/newsroom?page=3"


def test_listing_dates_by_row_and_a_shared_date_is_a_placeholder():
    rows = "".join(f'<li><a href="/news/{n}">Story {n}</a> <time datetime="2026-08-0{n}T10:00:00Z">x</time></li>'
                   for n in (1, 2))
    response = html(f"<ul>{rows}</ul>")
    links = [f"https://www.agency.example/news/{n}" for n in (1, 2)]
    assert link_dates(response, links) == {links[0]: "2026-08-01T10:00:00+00:00",
                                           links[1]: "2026-08-02T10:00:00+00:00"}
    same = response.replace(body=response.body.replace(b"2026-08-02", b"2026-08-01"))
    assert link_dates(same, links) == {}


def test_a_date_outside_the_links_row_is_not_its_date():
    response = html('<time datetime="2026-08-01">x</time><ul><li><a href="/news/1">One</a></li></ul>')
    assert link_dates(response, ["https://www.agency.example/news/1"]) == {}


@pytest.mark.parametrize("value,expected", [
    ([{"uuid": "1", "name": "Drug Trafficking"}, {"uuid": "2", "name": "Opioids"}], ["Drug Trafficking", "Opioids"]),
    ("Drug Trafficking", ["Drug Trafficking"]),
    ('<a href="/t/1">Financial Fraud</a>, <a href="/t/2">Elder Justice</a>', ["Financial Fraud", "Elder Justice"]),
    (["Civil Rights", "Housing", "Civil Rights"], ["Civil Rights", "Housing"]),
    ({"name": "Firearms"}, ["Firearms"]),
    (None, []), (17, []),
])
def test_component_names_of_every_shape(value, expected):
    assert doj_api.names(value) == expected


@pytest.mark.parametrize("value,expected", [
    ("1786060800", "2026-08-07T00:00:00+00:00"),
    (1786060800, "2026-08-07T00:00:00+00:00"),
    ('<time datetime="1786064400">1786064400</time>', "2026-08-07T01:00:00+00:00"),
    ('<time datetime="2026-08-07T09:30:00Z">Aug 7</time>', "2026-08-07T09:30:00+00:00"),
    ("", None), ("soon", None), (None, None), (True, None),
])
def test_api_dates(value, expected):
    assert doj_api.epoch_date(value) == expected


def test_api_urls_get_the_sites_www_and_https():
    assert doj_api.canonical_release_url("https://justice.gov/usao-mn/pr/x") == "https://www.justice.gov/usao-mn/pr/x"
    assert doj_api.canonical_release_url("http://www.justice.gov/opa/pr/y") == "https://www.justice.gov/opa/pr/y"
    assert doj_api.canonical_release_url("/opa/pr/z") is None


def test_page_url_keeps_other_parameters_and_sets_the_paging():
    url = doj_api.page_url("https://www.justice.gov/api/v1/press_releases.json?parameters%5Btitle%5D=fentanyl&page=9", 2)
    assert url == ("https://www.justice.gov/api/v1/press_releases.json?parameters%5Btitle%5D=fentanyl"
                   "&sort=date&direction=DESC&pagesize=50&page=2")


def test_body_html_to_text_keeps_the_defendants_table():
    text = doj_api.html_to_text("<p>Charged:</p><table><tr><th>Name</th><th>Age</th></tr>"
                                "<tr><td>A. Smith</td><td>40</td></tr></table><p>Ends.</p><script>x()</script>")
    assert text == "Charged:\n\nName | Age\n\nA. Smith | 40\n\nEnds."


def test_agency_from_office_path_component_or_doj():
    release = doj_api.Release("https://www.justice.gov/usao-sdny/pr/x", "t", "text", None, None, None)
    assert doj_api.agency_of(release) == "USAO-SDNY"
    release.url, release.components = "https://www.justice.gov/opa/pr/x", ["U.S. Attorneys (USAO)", "Drug Enforcement Administration (DEA)"]
    assert doj_api.agency_of(release) == "DEA"
    release.components = ["Civil Division"]
    assert doj_api.agency_of(release) == "DOJ"


def test_a_release_is_an_article_with_the_fields_of_an_extracted_one():
    from dataclasses import fields
    from monitor.extract.html import Article
    from spiders.formats.prepared import prepared_article
    release = doj_api.Release("https://www.justice.gov/opa/pr/x", "T", "text", "teaser",
                              "2026-08-07T00:00:00+00:00", None)
    article = release.article()
    assert list(article) == [f.name for f in fields(Article)]  # spiders may not import Article
    assert Article(**article).published_from == "api" and article["modified_from"] is None
    assert (article["canonical_url"], article["description"]) == (release.url, "teaser")
    with pytest.raises(TypeError, match="not an article field: body"):
        prepared_article("u", "t", dated_from="feed", body="x")


def test_a_record_without_url_or_text_is_skipped_with_a_reason():
    page = doj_api.parse_page(b'{"metadata": {"resultset": {"count": 2}}, "results": [{"title": "x"}, '
                              b'{"url": "https://justice.gov/opa/pr/a", "body": ""}]}')
    assert page.releases == [] and page.count == 2
    assert page.skipped[0].startswith("result 0: no usable url") and "no body or teaser" in page.skipped[1]
    assert doj_api.parse_page(b"<html>").problem.startswith("not JSON")


@pytest.mark.parametrize("name,status,headers,vendor", [
    ("akamai_challenge.html", 200, {}, "Akamai"),
    ("cloudflare_challenge.html", 403, {}, "Cloudflare"),
    ("cloudflare_challenge.html", 200, {}, None),     # the words alone, on a 200: an article about them
    ("sheriff_article.html", 403, {"cf-mitigated": "challenge"}, "Cloudflare"),
    ("sheriff_article.html", 200, {}, None),
])
def test_bot_challenges_are_recognised_by_vendor(name, status, headers, vendor):
    body = (AGENCY / name).read_bytes()
    assert bot_challenge(status, Headers(headers), body) == vendor


@pytest.mark.parametrize("body,status,vendor", [
    (b'<div id="px-captcha"></div><script>window._pxAppId="PXabc";</script>', 403, "PerimeterX"),
    (b'<iframe src="/_Incapsula_Resource?SWUDNSAI=1"></iframe>Incapsula incident ID: 1-2', 200, "Incapsula"),
])
def test_perimeterx_and_incapsula_pages(body, status, vendor):
    assert bot_challenge(status, Headers({}), body) == vendor


def test_retry_after_as_seconds_or_a_date():
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds(b"Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470) == 10
    assert retry_after_seconds(b"") is None and retry_after_seconds(b"later") is None


SOURCE = '''every = "15m"

[[source]]
name = "s"
url = "https://www.justice.gov/api/v1/press_releases.json"
'''


@pytest.mark.parametrize("extra,message", [
    ('kind = "listing"\ncomponents = ["USAO - Massachusetts"]', "key 'components': only a doj_api source has components"),
    ('kind = "doj_api"\ncomponents = "USAO - Massachusetts"', "key 'components': expected a list of DOJ component names"),
    ('delay = "soon"', "key 'delay': expected a duration"),
    ('delay = "2h"', "key 'delay': at most 60m"),
    ('content = "div["', "key 'content': not a valid CSS selector"),
    ('kind = "doj_api"\ncontent = ".nr-body"', "key 'content': a doj_api source fetches no page"),
    ('kind = "listing"\nfeed_only = true', "key 'feed_only': feed_only needs kind = \"feed\""),
    ('feed_only = "yes"', "key 'feed_only': expected true or false"),
])
def test_new_source_keys_are_validated_with_file_source_and_key(tmp_path, extra, message):
    path = tmp_path / "doj.toml"
    path.write_text(SOURCE + extra + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_schedule(path)
    assert str(caught.value).startswith(f"{path}:") and "source 's'" in str(caught.value)
    assert message in str(caught.value)


def test_new_source_keys_load():
    path = AGENCY.parent.parent.parent / "schedules" / "doj.toml"
    sources = {s.name: s for s in load_schedule(path).sources}
    assert sources["doj-api"].kind == "doj_api" and sources["doj-api"].item_kind == "press_release"
    assert sources["doj-press-releases-rss"].feed_only
