"""Page bytes -> text -> parsed tree: BOM, declared charset, UTF-8, windows-1252, never raising;
and the small text normalisations the other extract modules share."""

from __future__ import annotations

import codecs
import logging
import re

from lxml import etree
from lxml.html import HtmlElement
from trafilatura import load_html

logger = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.-]+)|<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_:.-]+)""",
    re.I,
)
# WHATWG: these labels mean windows-1252; a UTF-16 label without a BOM means UTF-8.
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252",
                    "us-ascii": "cp1252", "iso8859-1": "cp1252", "utf-16": "utf-8", "utf-16le": "utf-8",
                    "utf-16be": "utf-8", "x-user-defined": "cp1252"}


def decode_html(data: bytes) -> str:
    """Decode page bytes: BOM, then a declared charset, then UTF-8, then windows-1252 (never raises)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    # UTF-16 without a BOM shows as NUL bytes around the first "<"
    if data[:2] == b"<\x00":
        return data.decode("utf-16-le", errors="replace")
    if data[:2] == b"\x00<":
        return data.decode("utf-16-be", errors="replace")
    declared = declared_charset(data[:4096])
    if declared:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Bytes that fail their declared charset: a declared UTF-8 is usually windows-1252 in
    # disguise; another declared charset is kept, with replacements where it fails.
    if declared and declared.replace("-", "").replace("_", "").lower() not in ("utf8", "utf16", "utf32"):
        return data.decode(declared, errors="replace")
    return data.decode("cp1252", errors="replace")


def declared_charset(head: bytes) -> str | None:
    match = _DECLARED_CHARSET.search(head)
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def looks_binary(text: str) -> bool:
    # random bytes are ~12% control characters; text has next to none (a stray NUL is tolerated)
    head = text[:4096]
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\n\r\f")
    return controls > 0.02 * len(head)


# A numeric character reference to a character XML cannot hold (C0 controls but tab, newline
# and carriage return; NUL; surrogates; U+FFFE/U+FFFF; beyond U+10FFFF). lxml's HTML parser
# turns `&#27;` into a raw ESC in the tree, which trafilatura's XML steps then refuse: the page
# lost all its text. Raw control characters are dropped by the parser; their references now too.
_CHAR_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));?")


def _xml_can_hold(code: int) -> bool:
    return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF)


def _keep_or_drop(match: re.Match) -> str:
    digits = match.group(1) or match.group(2)
    if len(digits) > 8:
        return ""
    code = int(digits, 16) if match.group(1) else int(digits)
    return match.group(0) if _xml_can_hold(code) else ""


def without_invalid_references(text: str) -> str:
    """The page with references to characters XML cannot hold (`&#27;`, `&#x1;`) removed."""
    return _CHAR_REFERENCE.sub(_keep_or_drop, text) if "&#" in text else text


def parse_html(text: str) -> HtmlElement | None:
    try:
        return load_html(without_invalid_references(text))
    except (etree.ParserError, ValueError, TypeError) as exc:
        logger.debug("unparseable HTML: %s", exc)
        return None


def clean(value: str | None) -> str | None:
    if not value:
        return None
    value = re.sub(r"\s+", " ", value).strip()
    return value or None


def norm(text: str) -> str:
    return " ".join(text.split()).lower()
