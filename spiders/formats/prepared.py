"""An article made from a source's own record (a DOJ API release, a feed-only entry) instead of
from a fetched page: `Page.prepared`, the fields of `monitor.extract.html.Article` (which this
layer may not import; a test holds the two alike)."""

from __future__ import annotations

ARTICLE_FIELDS = ("url", "title", "text", "published", "published_from", "modified",
                  "modified_from", "author", "site", "language", "canonical_url", "description")


def prepared_article(url: str, text: str, *, dated_from: str, **fields: str | None) -> dict:
    """Every article field: those given, the others None; a date's `*_from` is `dated_from`
    ("api", "feed") when the date is known."""
    unknown = set(fields) - set(ARTICLE_FIELDS)
    if unknown:
        raise TypeError(f"not an article field: {', '.join(sorted(unknown))}")
    article = {**dict.fromkeys(ARTICLE_FIELDS), **fields, "url": url, "text": text}
    for date in ("published", "modified"):
        article[f"{date}_from"] = dated_from if article[date] else None
    return article
