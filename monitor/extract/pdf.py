"""PDF press releases -> article fields, via pypdf; encrypted, broken or text-less PDFs give None."""

from __future__ import annotations

import io
import logging
import re
from datetime import datetime

from pypdf import PdfReader

from monitor.extract.decode import clean
from monitor.extract.html import Article, bounded_title
from monitor.extract.page_metadata import language_code

logger = logging.getLogger(__name__)

_PDF_MIN_CHARS = 80


def extract_pdf(data: bytes, url: str | None = None) -> Article | None:
    """Extract a PDF press release via pypdf; encrypted, broken or text-less PDFs give ``None``."""
    if not data or b"%PDF-" not in data[:1024]:
        logger.warning("not a PDF document: %s", url)
        return None
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            logger.warning("encrypted PDF, cannot read: %s", url)
            return None
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        created = info.creation_date if info else None
        changed = info.modification_date if info else None
        info_title = info.title if info else None
        info_author = info.author if info else None
        language = reader.trailer["/Root"].get("/Lang")
    except Exception as exc:  # noqa: BLE001 -- malformed PDFs make pypdf raise all kinds of errors
        logger.warning("unreadable PDF %s: %s", url, exc)
        return None

    text = _pdf_paragraphs("\n".join(pages))
    if len(text) < _PDF_MIN_CHARS:
        logger.warning("PDF without extractable text: %s", url)
        return None
    title = bounded_title(clean(str(info_title))) if info_title else None
    if not title:
        title = text.split("\n\n", 1)[0][:200]
    published = created.isoformat() if isinstance(created, datetime) else None
    modified = changed.isoformat() if isinstance(changed, datetime) else None
    return Article(
        url=url or "",
        title=title,
        text=text,
        published=published,
        published_from="pdf:metadata" if published else None,
        modified=modified,
        modified_from="pdf:metadata" if modified else None,
        author=clean(str(info_author)) if info_author else None,
        site=None,
        language=language_code(str(language)) if language else None,
        canonical_url=None,
        description=None,
    )


def _pdf_paragraphs(text: str) -> str:
    """Join PDF lines into paragraphs: a line clearly shorter than the longest one (a heading or the
    last line of a paragraph) closes its paragraph."""
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    width = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        current.append(line)
        if len(line) < 0.75 * width:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)
