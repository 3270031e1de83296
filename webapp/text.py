"""Comment text: cleaned on the way in, escaped and given paragraphs on the way out."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from markupsafe import Markup, escape

# C0/C1 controls except tab and newline, the bidi controls that can make text read
# backwards ("Trojan Source"), and what XML 1.0 forbids (lone surrogates, U+FFFE and
# U+FFFF), which would make the feed invalid for every subscriber; zero-width
# characters are kept for scripts that need them (ZWJ, ZWNJ).
UNSAFE_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\ufffe\uffff]"
)
# What XML 1.0 allows in text, as a negation: for text stored before it was cleaned.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Letters of other scripts that look like Latin ones, as spammers use them.
HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕԁԛԝкмнтвАВЕКМНОРСТХУІЈЅαβεικνορτυχΑΒΕΗΙΚΜΝΟΡΤΥΧΖ",
    "aeopcyxijsdqwkmhtbABEKMHOPCTXYIJSabeiknoptuxABEHIKMNOPTYXZ",
)
SPACES = re.compile(r"\s+")
BARE_URL = re.compile(r"\bhttps?://[^\s<>\"'\x60]+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)]}»”’\"'"


def clean_text(value: str | None) -> str:
    """Normalise a submitted text: NFC, no unsafe controls, Unix newlines, trimmed."""
    if value is None:
        return ""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return UNSAFE_CHARACTERS.sub("", value).strip()


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 forbids."""
    return NOT_XML.sub("", value)


def normalised(value: str) -> str:
    """Text as a filter compares it: %-escapes decoded, compatibility forms decomposed
    (fullwidth letters become plain ones, accents come apart and are dropped), look-alike
    letters of other scripts made Latin, case folded, invisible characters (zero-width,
    soft hyphens, format marks) dropped, spaces collapsed."""
    text = unicodedata.normalize("NFKD", unquote(value)).translate(HOMOGLYPHS).casefold()
    visible = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc", "Mn"))
    return SPACES.sub(" ", visible).strip()


def clean_line(value: str | None) -> str:
    """Like ``clean_text`` for one-line fields: inner whitespace folded to single spaces."""
    return " ".join(clean_text(value).split())


def link_bare_urls(text: str) -> Markup:
    """Escape ``text``, turning bare http(s) URLs into nofollow links."""
    out: list[str] = []
    position = 0
    for match in BARE_URL.finditer(text):
        url = match.group(0).rstrip(TRAILING_PUNCTUATION)
        end = match.start() + len(url)
        out.append(escape(text[position : match.start()]))
        out.append(
            Markup('<a href="{0}" rel="nofollow ugc noopener">{0}</a>').format(url)  # noqa: S704
        )
        position = end
    out.append(escape(text[position:]))
    return Markup("").join(out)


def render_comment(text: str) -> Markup:
    """A comment's body as HTML: paragraphs at blank lines, <br> at single newlines,
    bare links kept; everything else escaped."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    html = Markup("")
    for paragraph in paragraphs:
        lines = [link_bare_urls(line) for line in paragraph.split("\n")]
        html += Markup("<p>{}</p>").format(Markup("<br>\n").join(lines))  # noqa: S704
    return html


def spreadsheet_cell(value: object) -> object:
    """A value for a CSV cell that no spreadsheet reads as a formula: text that begins
    with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``, as
    OWASP advises. Numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
