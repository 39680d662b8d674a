"""monitor.extract on hand-written fixture pages (tests/fixtures/pages/), generated PDFs and real pages."""

import gzip
import io
import logging
import random
from pathlib import Path

import pytest
from pypdf import PdfWriter

from benchmarks.extraction import shared_data_dir
from monitor.extract import (
    NOT_ARTICLE_REASONS,
    Article,
    decode_html,
    extract_article,
    extract_pdf,
    why_not_article,
)

PAGES = Path(__file__).parent / "fixtures" / "pages"
RELEASE_URL = "https://www.ice.gov/news/releases/ice-boston-arrests-19"
NEWS_URL = "https://www.harborledger.example/2019/11/07/ice-arrests-19-massachusetts-drug-sweep/?utm_source=rss"


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


@pytest.fixture(scope="module")
def release() -> Article:
    article = extract_article(page("gov_press_release.html"), RELEASE_URL)
    assert article is not None
    return article


@pytest.fixture(scope="module")
def news() -> Article:
    article = extract_article(page("news_article.html"), NEWS_URL)
    assert article is not None
    return article


# ---------------------------------------------------------------- government press release


def test_press_release_title_is_the_headline(release):
    assert release.title == ("ICE Boston arrests 19 during four-day operation targeting drug traffickers "
                             "released by local jails")


def test_press_release_dates_come_from_time_elements(release):
    assert (release.published, release.published_from) == ("2019-11-06T12:00:00+00:00", "time[datetime]")
    assert (release.modified, release.modified_from) == ("2019-11-07T15:30:00+00:00", "time[datetime]")


def test_press_release_relative_canonical_is_made_absolute(release):
    assert release.canonical_url == "https://www.ice.gov/news/releases/ice-boston-arrests-19-during-four-day-operation"
    assert release.url == RELEASE_URL


def test_press_release_site_and_language(release):
    assert release.site == "U.S. Immigration and Customs Enforcement"
    assert release.language == "en"


def test_press_release_has_no_author(release):
    assert release.author is None


def test_press_release_text_keeps_dateline_and_key_sentences(release):
    assert release.text.startswith("BOSTON — Officers with U.S. Immigration and Customs Enforcement")
    assert "the Bahamas (1), Brazil (4), Cape Verde (4), the Dominican Republic (6)" in release.text
    assert "released by local authorities in March despite an active detainer" in release.text


def test_press_release_heading_is_its_own_paragraph(release):
    assert "Detainers ignored" in release.text.split("\n\n")


def test_press_release_title_is_not_repeated_in_text(release):
    assert release.title not in release.text


@pytest.mark.parametrize("boilerplate", [
    "An official website of the United States government",
    "Here’s how you know",
    "Secure .gov websites use HTTPS",
    "Skip to main content",
    "Most Wanted Fugitives",
    "Office of the Principal Legal Advisor",
    "Careers at ICE",
    "Newsroom",
    "Return to top",
    "Freedom of Information Act",
    "500 12th St SW",
])
def test_press_release_leaves_out_banner_menu_breadcrumbs_and_footer(release, boilerplate):
    assert boilerplate not in release.text


# ---------------------------------------------------------------- news article (the seed story)


def test_news_article_text_is_exactly_the_story(news):
    # the seed story (../shared/seed/000_e6764a2a34d389f4.txt) minus its last line, the footer form
    expected = (PAGES / "news_article.expected.txt").read_text(encoding="utf-8").strip()
    assert news.text == expected


def test_news_article_leaves_out_the_footer_contact_form(news):
    assert "Introduce Yourself" not in news.text
    assert "Company" not in news.text


@pytest.mark.parametrize("boilerplate", [
    "We use cookies",
    "Accept all cookies",
    "Advertisement",
    "Refinance today",
    "These 7 gadgets",
    "Sanctuary city debate heats up in Lawrence",
    "Brockton police chief responds",
    "More from The Harbor Ledger",
    "harborwatcher",
    "Local police should not be doing federal immigration work",
    "Leave a comment",
    "Share on Twitter",
    "Subscribe for $1",
    "Privacy policy",
])
def test_news_article_leaves_out_cookies_ads_related_links_and_comments(news, boilerplate):
    assert boilerplate not in news.text


def test_news_article_published_date_prefers_meta_tag(news):
    assert (news.published, news.published_from) == ("2019-11-07T09:15:00-05:00", "meta:article:published_time")


def test_news_article_modified_date_comes_from_the_json_ld_article_node(news):
    # the page's WebSite node has another dateModified; the NewsArticle node wins
    assert (news.modified, news.modified_from) == ("2019-11-07T11:40:00-05:00", "json-ld:dateModified")


def test_news_article_author_site_and_language(news):
    assert news.author == "Dana Whitfield"
    assert news.site == "The Harbor Ledger"
    assert news.language == "en"  # from lang="en-US"


def test_news_article_canonical_falls_back_to_og_url(news):
    assert news.canonical_url == "https://www.harborledger.example/2019/11/07/ice-arrests-19-massachusetts-drug-sweep/"
    assert news.url == NEWS_URL


def test_news_article_title_and_description(news):
    assert news.title == "ICE Arrests 19 in Massachusetts Drug Sweep, Blames Sanctuary Policies"
    assert news.description.startswith("A four-day ICE operation in Massachusetts")


def test_to_dict_has_every_field(news):
    fields = news.to_dict()
    assert set(fields) == {"url", "title", "text", "published", "published_from", "modified", "modified_from",
                           "author", "site", "language", "canonical_url", "description"}
    assert fields["text"] == news.text


def test_url_defaults_to_canonical_when_none_is_given():
    article = extract_article(page("news_article.html"))
    assert article.url == "https://www.harborledger.example/2019/11/07/ice-arrests-19-massachusetts-drug-sweep/"


def test_results_do_not_depend_on_earlier_documents(news):
    extract_article(page("gov_press_release.html"), RELEASE_URL)
    assert extract_article(page("news_article.html"), NEWS_URL) == news


def test_page_served_from_localhost_keeps_its_url():
    url = "http://127.0.0.1:8765/releases/ice-boston.html"
    article = extract_article(page("gov_press_release.html"), url)
    assert article is not None
    assert article.url == url
    assert article.canonical_url == (
        "http://127.0.0.1:8765/news/releases/ice-boston-arrests-19-during-four-day-operation")


def test_meta_date_strings_are_normalised_to_iso_8601():
    html = page("gov_press_release.html").replace(
        b"<head>", b'<head><meta name="pubdate" content="Wed, 06 Nov 2019 10:00:00 EST">', 1)
    article = extract_article(html, RELEASE_URL)
    assert (article.published, article.published_from) == ("2019-11-06T10:00:00-05:00", "meta:pubdate")


def test_date_found_only_in_text_is_recorded_from_its_line():
    article = extract_article(page("cp1252_no_charset.html"), "https://www.riverside.example/news/cafe-owner")
    assert (article.published, article.published_from) == ("2019-11-12", "text:posted")
    assert article.modified is None and article.modified_from is None


def test_a_bare_year_is_not_a_publication_date():
    html = page("cp1252_no_charset.html").replace(b"Posted Tuesday, November 12, 2019", b"Serving Riverside since 2009.")
    article = extract_article(html, "https://www.riverside.example/news/cafe-owner")
    assert (article.published, article.published_from) == (None, None)


# ---------------------------------------------------------------- encodings


def test_cp1252_page_without_charset_is_decoded():
    article = extract_article(page("cp1252_no_charset.html"), "https://www.riverside.example/news/cafe-owner")
    assert article.title == "Café owner charged in €40,000 counterfeit-goods case"
    assert "arrested José Ibáñez, 52, the owner of a café" in article.text
    assert "“People who buy these goods are funding criminal networks,” said Lt. Renée Marchetti." in article.text


def test_utf16_page_with_bom_is_decoded():
    article = extract_article(page("utf16_bom.html"), "https://noticias.example/seguridad/operativo")
    assert article.title == "Detienen a 12 personas en operativo contra el tráfico de fentanilo en Ciudad Juárez"
    assert "CIUDAD JUÁREZ — Agentes de la Fiscalía General del Estado" in article.text
    assert article.language == "es"
    assert (article.published, article.published_from) == ("2019-11-14T18:20:00-07:00", "meta:article:published_time")


def test_declared_charset_is_respected():
    html = '<html><head><meta charset="koi8-r"></head><body><p>Задержаны 12 человек</p></body></html>'
    assert "Задержаны 12 человек" in decode_html(html.encode("koi8-r"))


def test_invalid_utf8_bytes_do_not_break_extraction():
    html = page("news_article.html").replace(b"<main>", b"<main>\xff\xfe\xc3", 1)
    article = extract_article(html, NEWS_URL)
    assert article is not None
    assert "seven different countries" in article.text


# ---------------------------------------------------------------- not articles


def test_navigation_only_front_page_is_not_an_article():
    assert extract_article(page("front_page.html"), "https://sheriff.example/") is None
    assert why_not_article(page("front_page.html"), "https://sheriff.example/").startswith("mostly-links:")


def test_listing_page_is_not_an_article():
    assert extract_article(page("listing_page.html"), "https://www.justice.example/usao-ma/news") is None
    assert why_not_article(page("listing_page.html"), "https://www.justice.example/usao-ma/news").startswith("listing:")


def test_front_page_of_teaser_cards_is_a_listing():
    # headings without links, each card with its own "Read more" link
    assert why_not_article(page("card_front_page.html"), "https://sheriff.example/").startswith("listing:")


def test_undated_page_marked_up_as_website_is_not_an_article():
    assert why_not_article(page("about_page.html"), "https://sheriff.example/units/marine").startswith("undated:")


@pytest.mark.parametrize("html", [b"", "", b"   \n", "<html><head><title>Nothing</title></head><body></body></html>"])
def test_empty_page_is_not_an_article(html):
    assert extract_article(html, "https://example.org/empty") is None


def test_short_contact_page_is_not_an_article():
    html = ("<html><head><title>Contact</title></head><body><h1>Contact us</h1>"
            "<p>Call 555-0100 or write to 1 Main St.</p><form><input name='email'></form></body></html>")
    assert why_not_article(html, "https://example.org/contact").startswith("too-short:")


@pytest.mark.parametrize("junk", [
    random.Random(7).randbytes(8192),
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
    gzip.compress(b"<html><body><p>compressed</p></body></html>"),
])
def test_binary_junk_is_not_an_article(junk):
    assert extract_article(junk, "https://example.org/blob") is None
    assert why_not_article(junk, "https://example.org/blob").startswith("binary:")


def test_why_not_article_is_empty_for_an_article():
    assert why_not_article(page("news_article.html"), NEWS_URL) == ""


def test_every_reason_code_is_explained():
    assert all(code and explanation for code, explanation in NOT_ARTICLE_REASONS.items())


def test_real_justice_gov_front_page_is_not_an_article():
    path = shared_data_dir() / "real-pages" / "gov" / "justice.gov-front-2020-11.html"
    if not path.exists():
        pytest.skip(f"real-pages/gov not present: {path}")
    assert extract_article(path.read_bytes(), "https://www.justice.gov/") is None


# ---------------------------------------------------------------- PDF

RELEASE_LINES = [
    "U.S. Attorney's Office",
    "District of Massachusetts",
    "FOR IMMEDIATE RELEASE",
    "Lowell man sentenced for distributing fentanyl from his apartment",
    "BOSTON - A Lowell man was sentenced today in federal court in Boston for distributing",
    "fentanyl and cocaine base from his apartment.",
    "The defendant, 34, was sentenced by U.S. District Court Judge to 78 months in prison and",
    "four years of supervised release. He pleaded guilty in July to three counts of distribution.",
]


def pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def build_pdf(lines: list[str], info: dict[str, str]) -> bytes:
    """A one-page PDF 1.4 in Helvetica with an /Info dictionary, written by hand."""
    content = "BT /F1 11 Tf 14 TL 72 740 Td\n" + "".join(f"{pdf_string(line)} Tj T*\n" for line in lines) + "ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R /Lang (en-US) >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content.encode('latin-1'))} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        "<< " + " ".join(f"/{key} {pdf_string(value)}" for key, value in info.items()) + " >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@pytest.fixture(scope="module")
def release_pdf() -> bytes:
    return build_pdf(RELEASE_LINES, {
        "Title": "Lowell man sentenced for distributing fentanyl",
        "Author": "USAO Massachusetts",
        "CreationDate": "D:20191106103000-05'00'",
        "ModDate": "D:20191107090000-05'00'",
    })


def test_pdf_text_and_metadata(release_pdf):
    article = extract_pdf(release_pdf, "https://www.justice.example/usao-ma/pr/lowell.pdf")
    assert article.title == "Lowell man sentenced for distributing fentanyl"
    assert ("was sentenced today in federal court in Boston for distributing fentanyl and cocaine base "
            "from his apartment.") in article.text
    assert (article.published, article.published_from) == ("2019-11-06T10:30:00-05:00", "pdf:metadata")
    assert (article.modified, article.modified_from) == ("2019-11-07T09:00:00-05:00", "pdf:metadata")
    assert article.author == "USAO Massachusetts"
    assert article.language == "en"
    assert article.url == "https://www.justice.example/usao-ma/pr/lowell.pdf"


def test_pdf_lines_are_joined_into_paragraphs(release_pdf):
    paragraphs = extract_pdf(release_pdf).text.split("\n\n")
    assert paragraphs[:3] == ["U.S. Attorney's Office", "District of Massachusetts", "FOR IMMEDIATE RELEASE"]
    assert paragraphs[-1].startswith("The defendant, 34, was sentenced") and paragraphs[-1].endswith("distribution.")


def test_pdf_without_title_metadata_uses_its_first_line():
    article = extract_pdf(build_pdf(RELEASE_LINES, {}))
    assert article.title == "U.S. Attorney's Office"
    assert article.published is None and article.published_from is None


def test_encrypted_pdf_gives_none_and_a_warning(release_pdf, caplog):
    writer = PdfWriter(clone_from=io.BytesIO(release_pdf))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with caplog.at_level(logging.WARNING, logger="monitor.extract"):
        assert extract_pdf(buffer.getvalue(), "https://example.org/locked.pdf") is None
    assert "encrypted" in caplog.text


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_pdf_gives_none(release_pdf, keep):
    assert extract_pdf(release_pdf[: int(len(release_pdf) * keep)], "https://example.org/cut.pdf") is None


@pytest.mark.parametrize("data", [b"", b"<html><body>not a pdf</body></html>", b"%PDF-1.7\n\x00\xff garbage"])
def test_non_pdf_bytes_give_none(data):
    assert extract_pdf(data) is None


# ---------------------------------------------------------------- real pages


def test_real_news_pages_give_articles_with_titles():
    folder = shared_data_dir() / "real-pages" / "news-articles"
    if not folder.is_dir():
        pytest.skip(f"real-pages/news-articles not present: {folder} (set MONITOR_SHARED_DATA)")
    paths = sorted(folder.glob("*.html.gz"))
    assert len(paths) == 7
    for path in paths:
        article = extract_article(gzip.decompress(path.read_bytes()))
        assert article is not None, path.name
        assert article.title, path.name
        assert len(article.text) > 500, path.name
