"""A page that states its date only in its text, on a labelled line ("Release Date: Fri,
08/07/2026"), is dated from that line, month first as US newsrooms write it (issue 18 item 1)."""

import pytest

from monitor.extract import extract_article

BODY = "".join(f"<p>Paragraph {n}: federal agents arrested twelve people in a raid on Tuesday, officials "
               f"said of operation number {n} in Springfield, which lasted several days.</p>" for n in range(6))


def page(line: str, where: str = "article") -> str:
    dated = f"<p>{line}</p>"
    article = f"<article><h1>ICE arrests 12 in raid</h1>{dated if where == 'article' else ''}{BODY}</article>"
    footer = f"<footer>{dated}</footer>" if where == "footer" else ""
    return (f'<html lang="en"><head><title>ICE arrests 12 in raid</title></head><body>{article}{footer}'
            "</body></html>")


@pytest.mark.parametrize("line,expected", [
    ("Release Date: Mon, 06/05/2023", "2023-06-05"),
    ("Release Date: Fri, 08/07/2026", "2026-08-07"),
    ("Published May 31, 2025", "2025-05-31"),
    ("Posted on June 2, 2025 at 3:15 p.m. EDT", "2025-06-02"),
    ("Date: 2024-03-01", "2024-03-01"),
])
def test_a_labelled_date_line_dates_the_page_month_first(line, expected):
    article = extract_article(page(line), "http://127.0.0.1/news/ice-arrests-twelve.html")
    assert (article.published, article.published_from.split(":")[0]) == (expected, "text")


def test_a_date_line_in_the_footer_does_not_date_the_page():
    article = extract_article(page("Published May 31, 2025", where="footer"),
                              "http://127.0.0.1/news/ice-arrests-twelve.html")
    assert article.published_from != "text:published"


def test_metadata_still_wins_over_a_date_line():
    html = page("Release Date: Mon, 06/05/2023").replace(
        "<title>", '<meta property="article:published_time" content="2023-06-04T10:00:00-04:00"><title>')
    article = extract_article(html, "http://127.0.0.1/news/ice-arrests-twelve.html")
    assert article.published == "2023-06-04T10:00:00-04:00"
