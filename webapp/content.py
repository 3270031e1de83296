"""Articles as content files: ``webapp/content/<slug>.md``, Markdown with front matter.

The lede is the text before the first ``## N. Title`` heading; each such heading starts
a numbered section. A section whose first paragraph is a photo credit (``Foto/AP``)
keeps it apart from its text. Front matter: ``title``, ``slug``, ``date``, and optionally
``author`` (the byline), ``credit`` (the source) and ``description`` (for search
engines; the lede's first words otherwise). Files are read once, when the app starts."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markupsafe import Markup
from werkzeug.http import http_date

CONTENT_DIR = Path(__file__).parent / "content"
SECTION_HEADING = re.compile(r"^## +(\d+)\. +(.+?)\s*$", re.MULTILINE)
PHOTO_CREDIT = re.compile(r"^(Foto/\S.*)$")
DESCRIPTION_LENGTH = 155  # what search results show of a page's description

markdown = MarkdownIt("commonmark", {"html": False})


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    credit: str
    html: Markup

    @property
    def anchor(self) -> str:
        return f"bagian-{self.number}"


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    published: date
    credit: str
    author: str
    description: str
    lede_html: Markup
    sections: tuple[Section, ...]
    etag: str
    modified: datetime

    @cached_property
    def last_modified(self) -> str:
        """``modified`` as an HTTP date, for the Last-Modified header."""
        return http_date(self.modified)

    def section(self, number: int) -> Section | None:
        """The section numbered ``number``, or None."""
        return next((s for s in self.sections if s.number == number), None)


def split_front_matter(text: str) -> tuple[dict, str]:
    """Separate the YAML front matter from the Markdown body."""
    if not text.startswith("---\n"):
        raise ValueError("content file has no front matter")
    _, meta, body = text.split("---\n", 2)
    return yaml.safe_load(meta), body


def plain_text(rendered: str) -> str:
    """The text of some rendered HTML, whitespace folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", rendered)).split())


def describe(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """A page description: the text itself when it fits, otherwise its words up to the
    limit and an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def parse_section(number: int, title: str, text: str) -> Section:
    """One numbered section: its title, photo credit and rendered body."""
    paragraphs = text.strip().split("\n\n")
    credit = ""
    if paragraphs and (match := PHOTO_CREDIT.match(paragraphs[0].strip())):
        credit = match.group(1)
        paragraphs = paragraphs[1:]
    # Our own content, rendered with raw HTML off: safe to mark as markup.
    html = Markup(markdown.render("\n\n".join(paragraphs)))  # noqa: S704  # nosec B704
    return Section(number=number, title=title, credit=credit, html=html)


def parse_article(text: str, etag: str = "", modified: datetime | None = None) -> Article:
    """Build an article from the text of a content file."""
    meta, body = split_front_matter(text)
    parts = SECTION_HEADING.split(body)
    lede, rest = parts[0], parts[1:]
    sections = tuple(
        parse_section(int(rest[i]), rest[i + 1], rest[i + 2]) for i in range(0, len(rest), 3)
    )
    published = meta["date"]
    if not isinstance(published, date):
        published = date.fromisoformat(str(published))
    lede_html = markdown.render(lede)
    return Article(
        slug=str(meta["slug"]),
        title=str(meta["title"]),
        published=published,
        credit=str(meta.get("credit", "")),
        author=str(meta.get("author", "")),
        description=describe(str(meta.get("description") or plain_text(lede_html))),
        lede_html=Markup(lede_html),  # noqa: S704  # nosec B704
        sections=sections,
        etag=etag,
        modified=modified or datetime.combine(published, datetime.min.time(), UTC),
    )


def load_articles(directory: Path = CONTENT_DIR) -> dict[str, Article]:
    """Every article in ``directory``, by slug."""
    articles = {}
    for path in sorted(directory.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        modified = datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
        etag = hashlib.sha256(text.encode()).hexdigest()[:16]
        article = parse_article(text, etag=etag, modified=modified)
        articles[article.slug] = article
    return articles
