"""Page, feed and payload makers for the hostile test server: articles with unique text,
RSS and JSON feeds, listing pages, PDFs (good, truncated, encrypted) and compression bombs.

Every article carries the sentence "Case file <slug>." so a test can find what was stored."""

from __future__ import annotations

import gzip
import html
import io
import random
import zlib
from email.utils import format_datetime
from datetime import datetime, timezone

PLACES = ["Brockton", "Lowell", "Worcester", "Springfield", "Fall River", "New Bedford", "Quincy",
          "Lynn", "Framingham", "Haverhill", "Taunton", "Chicopee", "Revere", "Peabody"]
AGENCIES = ["ICE", "HSI", "the FBI", "the DEA", "CBP", "the U.S. Marshals Service"]
CHARGES = ["fentanyl trafficking", "illegal reentry", "wire fraud", "firearms offenses",
           "money laundering", "identity theft", "human smuggling"]
SENTENCES = [
    "Officers from {agency} arrested {n} people in {place} during a {d}-day operation.",
    "Court records show that {m} of those arrested face charges of {charge}.",
    "The operation began before dawn on a {weekday} and ended late in the evening.",
    "Investigators said the group had operated out of a warehouse near the {place} rail yard.",
    "A spokesperson for {agency} declined to say how long the investigation had lasted.",
    "Prosecutors in {place} said additional arrests were expected in the coming weeks.",
    "Local police assisted with traffic control and the search of {n} residences.",
    "Agents seized {kg} kilograms of suspected narcotics and {guns} firearms.",
    "Several of those arrested appeared in federal court on {weekday} afternoon.",
    "Neighbors described a heavy police presence that lasted most of the day.",
    "The mayor of {place} said the city had not been told about the operation in advance.",
    "Defense lawyers for {m} of the defendants said their clients would plead not guilty.",
    "The case is being handled by the office of the United States Attorney in {place}.",
    "According to the complaint, the suspects moved money through {n} separate bank accounts.",
    "Community groups in {place} planned a meeting on {weekday} to answer residents' questions.",
    "Officials said {m} people were released after questioning and were not charged.",
    "The investigation was opened after a tip received by {agency} two years ago.",
    "A detention hearing for {m} defendants is scheduled for later this month.",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
PUBLISHED = "2024-05-02T10:00:00+00:00"


def paragraphs(slug: str, count: int = 5) -> list[str]:
    """Deterministic, varied paragraphs for an article, unique to `slug`."""
    rng = random.Random(slug)
    values = {"agency": rng.choice(AGENCIES), "place": rng.choice(PLACES), "n": rng.randint(4, 90),
              "m": rng.randint(2, 30), "d": rng.randint(2, 9), "charge": rng.choice(CHARGES),
              "weekday": rng.choice(WEEKDAYS), "kg": rng.randint(2, 400), "guns": rng.randint(1, 40)}
    pool = rng.sample(SENTENCES, len(SENTENCES))
    out = []
    for i in range(count):
        chosen = [pool[(i * 3 + k) % len(pool)].format(**values) for k in range(3)]
        if i == 1:
            chosen.append(f"Case file {slug}.")
        out.append(" ".join(chosen))
    return out


def title_for(slug: str) -> str:
    rng = random.Random("title" + slug)
    return f"{rng.choice(AGENCIES).removeprefix('the ')} operation in {rng.choice(PLACES)} " \
           f"ends with {rng.randint(4, 90)} arrests ({slug})"


def article_html(slug: str, *, title: str | None = None, lang: str = "en",
                 published: str | None = PUBLISHED, body_paragraphs: list[str] | None = None,
                 charset: str | None = "utf-8", head_title: str | None = None) -> str:
    """A news article page with the usual furniture around the story."""
    title = title if title is not None else title_for(slug)
    head_title = head_title if head_title is not None else html.escape(title)
    texts = body_paragraphs if body_paragraphs is not None else paragraphs(slug)
    meta_charset = f'<meta charset="{charset}">' if charset else ""
    meta_date = (f'<meta property="article:published_time" content="{published}">'
                 if published else "")
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in texts)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head>{meta_charset}<title>{head_title}</title>{meta_date}
<meta property="og:type" content="article"></head>
<body><header><nav><a href="/">Home</a> <a href="/about">About</a></nav></header>
<main><article><h1>{html.escape(title)}</h1>
{body}
</article></main>
<footer><p>Copyright 2024 The Hostile Gazette</p></footer></body></html>
"""


def listing_html(links: list[str], *, next_url: str | None = None, next_text: str = "Next",
                 title: str = "Latest news", head: str = "") -> str:
    items = "\n".join(f'<li><a href="{html.escape(url)}">Story {i + 1}</a></li>'
                      for i, url in enumerate(links))
    pager = f'<a rel="next" href="{html.escape(next_url)}">{next_text}</a>' if next_url else ""
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title>{head}"
            f"</head><body><h1>{title}</h1><ul>{items}</ul><nav>{pager}</nav></body></html>")


def rss(entries: list[dict], title: str = "Hostile Gazette") -> bytes:
    """RSS 2.0; an entry is {link?, title?, date? (datetime or raw string)}."""
    items = []
    for entry in entries:
        parts = []
        if entry.get("title") is not None:
            parts.append(f"<title>{html.escape(entry['title'])}</title>")
        if entry.get("link") is not None:
            parts.append(f"<link>{html.escape(entry['link'])}</link>")
        date = entry.get("date")
        if isinstance(date, datetime):
            date = format_datetime(date)
        if date is not None:
            parts.append(f"<pubDate>{date}</pubDate>")
        items.append("<item>" + "".join(parts) + "</item>")
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{title}</title><link>http://example.invalid/</link>"
            f"<description>test</description>{''.join(items)}</channel></rss>\n").encode()


def feed_date(year: int = 2024, month: int = 5, day: int = 2) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=timezone.utc)


def sitemap_index(locs: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{html.escape(loc)}</loc></sitemap>" for loc in locs)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns='
            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>\n').encode()


def urlset(locs: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{html.escape(loc)}</loc></url>" for loc in locs)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>\n').encode()


ENTITY_BOMB_DTD = ('<!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
                   + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                             for i in range(1, 10)) + "]>")


def entity_bomb_feed() -> bytes:
    """The "billion laughs": nine levels of entities, each ten of the one below."""
    return (f'<?xml version="1.0"?>\n{ENTITY_BOMB_DTD}\n<rss version="2.0"><channel>'
            "<title>&lol9;</title><item><title>&lol9;</title>"
            "<link>/a/entity-bomb-ok.html</link></item></channel></rss>").encode()


def entity_bomb_sitemap() -> bytes:
    return (f'<?xml version="1.0"?>\n{ENTITY_BOMB_DTD.replace("lolz", "urlset")}\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            "<url><loc>&lol9;</loc></url></urlset>").encode()


# -- compression bombs: small on the wire, huge when inflated -----------------------------------

BOMB_BYTES = 200 * 1024 * 1024   # what each bomb inflates to (the page limit is 10 MB)


def gzip_bomb(size: int = BOMB_BYTES) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    chunk = b"\0" * (1 << 20)
    out = [packer.compress(chunk) for _ in range(size // len(chunk))]
    out.append(packer.flush())
    return b"".join(out)


def brotli_module():
    """brotli or brotlicffi, whichever Scrapy would use to decode br; None without either."""
    try:
        import brotli
    except ImportError:
        try:
            import brotlicffi as brotli
        except ImportError:
            return None
    return brotli


def brotli_bomb(size: int = BOMB_BYTES) -> bytes | None:
    """None when neither brotli nor brotlicffi is installed (Scrapy then cannot decode br)."""
    brotli = brotli_module()
    if brotli is None:
        return None
    packer = brotli.Compressor(quality=5)
    chunk = b"\0" * (1 << 20)
    out = [packer.process(chunk) for _ in range(size // len(chunk))]
    out.append(packer.finish())
    return b"".join(out)


def double_gzip_bomb(inner: bytes) -> bytes:
    """A gzip bomb gzipped again ("Content-Encoding: gzip, gzip"): a few hundred bytes."""
    return gzip.compress(inner, mtime=0)


# -- PDFs -----------------------------------------------------------------------------------------

def pdfs() -> dict[str, bytes]:
    """good, broken (truncated) and encrypted (RC4-128, user password) PDFs, made by the
    standard-library generator of the fixture site."""
    from pypdf import PdfReader, PdfWriter

    from tests.fixtures.make_pdf import build_broken_pdf, build_pdf

    good = build_pdf()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(good)))
    writer.encrypt(user_password="hostile", owner_password="owner", algorithm="RC4-128")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    return {"good": good, "broken": build_broken_pdf(good), "encrypted": encrypted.getvalue()}


def noise(size: int, *, seed: str, high_only: bool = False) -> bytes:
    """Random bytes; with high_only, bytes 0x80-0xFF only (no NUL, no ASCII)."""
    rng = random.Random(seed)
    if high_only:
        return bytes(rng.randrange(0x80, 0x100) for _ in range(size))
    return rng.randbytes(size)
