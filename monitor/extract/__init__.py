"""Page -> article fields, via trafilatura (HTML) or pypdf (PDF). Knows nothing of Scrapy.

decode.py bytes to text to tree; html.py the article of an HTML page; page_metadata.py what a page
says about itself (the one module touching trafilatura internals); not_article.py why a page is not
an article; pdf.py PDF releases."""

from monitor.extract.decode import decode_html
from monitor.extract.html import (Article, extract_article, extract_article_with_reason,
                                  why_not_article)
from monitor.extract.not_article import NOT_ARTICLE_REASONS
from monitor.extract.pdf import extract_pdf

__all__ = ["NOT_ARTICLE_REASONS", "Article", "decode_html", "extract_article",
           "extract_article_with_reason", "extract_pdf", "why_not_article"]
