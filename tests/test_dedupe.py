"""Canonical URLs and content hashes: the first two layers of deduplication."""

import pytest

from monitor.intel.identity import (PLAIN_PUNCTUATION, canonical_url, choose_canonical, content_hash, item_id,
                            plain_punctuation)


@pytest.mark.parametrize("url,expected", [
    ("HTTPS://WWW.Example.COM:443/a/b?utm_source=rss&utm_medium=feed&id=3#comments",
     "https://www.example.com/a/b?id=3"),
    ("http://example.com:80", "http://example.com/"),
    ("http://example.com:8080/x?b=2&a=1", "http://example.com:8080/x?a=1&b=2"),
    ("https://example.com/x?fbclid=abc&gclid=def", "https://example.com/x"),
    ("https://example.com/caf%C3%A9", "https://example.com/caf%C3%A9"),
])
def test_canonical_url_normalises(url, expected):
    assert canonical_url(url) == expected


def test_canonical_url_resolves_relative_links():
    assert canonical_url("../b.html#x", base="https://a.org/news/x/y.html") == "https://a.org/news/b.html"


def test_declared_canonical_is_used_on_the_same_host():
    assert choose_canonical("https://www.ice.gov/news/releases/x?utm_source=rss",
                            "/news/releases/x") == "https://www.ice.gov/news/releases/x"


def test_declared_canonical_on_another_host_or_front_page_is_ignored():
    fetched = "https://news.example.org/2019/11/story.html"
    assert choose_canonical(fetched, "https://evil.example.com/2019/11/story.html") == fetched
    assert choose_canonical(fetched, "https://news.example.org/") == fetched


def test_content_hash_ignores_layout_and_typography():
    a = "ICE said \u201cthe operation\u201d ended \u2014 it\u2019s over.\n\n  Nineteen   were arrested."
    b = "ice said \"the operation\" ended - it's over. nineteen were arrested."
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(a + " Twenty.")


def test_plain_punctuation_replaces_each_typographic_character():
    text = "\u2018a\u2019 \u201cb\u201d c\u2013d\u2014e " * 3 + "and \u00e9t\u00e9 stays"
    assert plain_punctuation(text) == text.translate(str.maketrans(PLAIN_PUNCTUATION))
    assert plain_punctuation(text) == "'a' \"b\" c-d-e " * 3 + "and \u00e9t\u00e9 stays"


def test_item_id_is_stable():
    assert item_id("https://a.org/x") == item_id("https://a.org/x") != item_id("https://a.org/y")
    assert len(item_id("https://a.org/x")) == 16
