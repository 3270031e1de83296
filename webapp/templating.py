"""Jinja's settings and what every template can use: versioned static URLs, dates in
the UI's language and the site's timezone."""

import hashlib
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path

from flask import Flask, current_app, request, url_for
from flask_babel import format_date, format_datetime, get_locale, get_timezone
from markupsafe import Markup, escape

from .text import xml_text

# Babel patterns per UI language; Indonesian writes "26 November 2026 pukul 03.09".
DATETIME_PATTERNS = {"id": "d MMMM yyyy 'pukul' HH.mm", "en": "d MMMM yyyy 'at' HH:mm"}
DATE_PATTERNS = {"id": "d MMMM yyyy", "en": "d MMMM yyyy"}
# A masthead's date line: "Rabu, 2 Desember 2026".
DATELINE_PATTERNS = {"id": "EEEE, d MMMM yyyy", "en": "EEEE, d MMMM yyyy"}
# Indonesia's three zones go by the same abbreviations in every language of the UI
# (CLDR has them for Indonesian only).
INDONESIAN_ZONES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


@cache
def file_version(static_folder: str, filename: str) -> str:
    """A short hash of a static file's bytes, so its URL changes when it does."""
    data = (Path(static_folder) / filename).read_bytes()
    return hashlib.sha256(data).hexdigest()[:12]


def static_url(filename: str) -> str:
    """The URL of a static file, versioned by content so it can be cached forever."""
    version = file_version(current_app.static_folder, filename)
    return url_for("static", filename=filename, v=version)


def absolute_url(endpoint: str, **values) -> str:
    """A URL with scheme and host: from ``WARTA_BASE_URL`` when it is set, never from
    a ``Host`` header a client chose; otherwise from the request."""
    base = current_app.config["WARTA_BASE_URL"]
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def site_origin() -> str:
    """What absolute URLs depend on: nothing when a base URL is set, the request's
    scheme and host otherwise (a cache key for responses that hold absolute URLs)."""
    return "" if current_app.config["WARTA_BASE_URL"] else request.host_url


def ui_locale() -> str:
    """The UI's language, for cache keys. Warta has one per site (``WARTA_LOCALE``, which
    is also what Flask-Babel is told); reading it here is cheaper on every cached view."""
    return current_app.config["WARTA_LOCALE"]


def ui_language() -> str:
    return str(get_locale() or "id")


def zone_abbreviation(value: datetime) -> str:
    """The site's timezone as readers know it: WIB, WITA or WIT in Indonesia, Babel's
    short name elsewhere ("UTC", "EST"), or the offset ("UTC+01:00")."""
    zone = get_timezone()
    known = INDONESIAN_ZONES.get(str(zone))
    if known:
        return known
    short = format_datetime(value, "z")
    return short if short.isalpha() else "UTC" + format_datetime(value, "xxx")


def human_datetime(value: datetime) -> str:
    """A timestamp as a reader of the UI's language writes it, in the site's timezone,
    which it names: "2 Desember 2026 pukul 02.56 WIB"."""
    pattern = DATETIME_PATTERNS.get(ui_language(), DATETIME_PATTERNS["en"])
    return f"{format_datetime(value, pattern)} {zone_abbreviation(value)}"


def human_date(value: date) -> str:
    """A date as a reader of the UI's language writes it."""
    return format_date(value, DATE_PATTERNS.get(ui_language(), DATE_PATTERNS["en"]))


def dateline(value: date) -> str:
    """A date with its weekday, as a masthead or a date line writes it."""
    return format_date(value, DATELINE_PATTERNS.get(ui_language(), DATELINE_PATTERNS["en"]))


def site_today() -> date:
    """Today in the site's timezone, for the masthead."""
    return datetime.now(get_timezone()).date()


def machine_time(value: datetime) -> str:
    """A timestamp for feeds: ISO 8601 to the second, in UTC."""
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def local_iso(value: datetime) -> str:
    """A timestamp for <time datetime>: ISO 8601 to the second, in the site's timezone
    with its offset, the same moment the text beside it names."""
    return value.astimezone(get_timezone()).isoformat(timespec="seconds")


def initials(name: str) -> str:
    """Up to two letters standing for a name, for a comment's avatar: "Budi Santoso" is
    "BS", "ani" is "A"."""
    words = [w for w in name.split() if w[:1].isalnum()]
    letters = "".join(w[0] for w in words[:1] + words[1:][-1:])
    return letters.upper() or "?"


# Where an address may break without breaking a word: after a run of separators, and
# before "@".
BREAK_POINTS = re.compile(r"(?<=[/.?&=_-])(?![/.?&=_-])|(?=@)")


def breakable(text: str) -> Markup:
    """An email or web address that may wrap at its separators (<wbr>), never inside a
    word, so that a narrow column does not cut "example" into "exam" and "ple"."""
    return Markup("<wbr>").join(escape(part) for part in BREAK_POINTS.split(text) if part)


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.globals["absolute_url"] = absolute_url
    app.jinja_env.globals["site_today"] = site_today
    app.jinja_env.filters["datetime"] = human_datetime
    app.jinja_env.filters["date"] = human_date
    app.jinja_env.filters["dateline"] = dateline
    app.jinja_env.filters["machine_time"] = machine_time
    app.jinja_env.filters["local_iso"] = local_iso
    app.jinja_env.filters["initials"] = initials
    app.jinja_env.filters["breakable"] = breakable
    # HTML as text, for feeds that carry it escaped inside XML.
    app.jinja_env.filters["html_source"] = str
    app.jinja_env.filters["xml_text"] = xml_text
    app.jinja_env.globals["html_lang"] = ui_language
