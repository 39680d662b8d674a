"""A page whose text holds references to control characters (`&#27;`, `&#x1;`) is still an
article: lxml turned them into raw controls that trafilatura's XML steps refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.extract import extract_article
from monitor.extract.decode import without_invalid_references

PAGE = Path(__file__).parent / "fixtures" / "pages" / "control_references.html"
URL = "https://courier.example/2024/03/task-force-arrests-12-worcester-sweep.html"


def test_a_page_with_control_character_references_is_an_article():
    article = extract_article(PAGE.read_bytes(), URL)
    assert article is not None
    assert article.title == "Task force arrests 12 in Worcester sweep"
    assert article.published == "2024-03-14T09:30:00-04:00"
    assert "arrested 12 people on drug and weapons charges" in article.text
    assert "a spokesperson for the task force said on Thursday afternoon" in article.text
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in article.text)


@pytest.mark.parametrize(("text", "kept"), [
    ("a&#27;b", "ab"), ("a&#x1B;b", "ab"), ("a&#x1b b", "a b"), ("a&#0;b", "ab"),
    ("a&#12;b", "ab"), ("a&#xD800;b", "ab"), ("a&#xFFFE;b", "ab"), ("a&#1114112;b", "ab"),
    ("a&#99999999999;b", "ab"),
    ("a&#8217;b", "a&#8217;b"), ("a&#x27;b", "a&#x27;b"), ("a&#39;b", "a&#39;b"),
    ("a&#9;b&#10;c&#13;", "a&#9;b&#10;c&#13;"), ("&#150;", "&#150;"), ("&#x1F6A8;", "&#x1F6A8;"),
    ("no references", "no references"),
])
def test_only_references_xml_cannot_hold_are_removed(text, kept):
    assert without_invalid_references(text) == kept
