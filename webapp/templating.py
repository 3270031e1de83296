"""Jinja's settings and what every template can use: versioned static URLs, dates in
the UI's language."""

import hashlib
from datetime import date, datetime
from functools import cache
from pathlib import Path

from flask import Flask, current_app, request, url_for
from flask_babel import format_date, format_datetime, get_locale

from .text import xml_text

# Babel patterns per UI language; Indonesian writes "26 November 2026 pukul 03.09".
DATETIME_PATTERNS = {"id": "d MMMM yyyy 'pukul' HH.mm", "en": "d MMMM yyyy 'at' HH:mm"}
DATE_PATTERNS = {"id": "d MMMM yyyy", "en": "d MMMM yyyy"}


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


def human_datetime(value: datetime) -> str:
    """A timestamp as a reader of the UI's language writes it, in the site's timezone."""
    language = str(get_locale() or "id")
    return format_datetime(value, DATETIME_PATTERNS.get(language, DATETIME_PATTERNS["en"]))


def human_date(value: date) -> str:
    """A date as a reader of the UI's language writes it."""
    language = str(get_locale() or "id")
    return format_date(value, DATE_PATTERNS.get(language, DATE_PATTERNS["en"]))


def machine_time(value: datetime) -> str:
    """A timestamp for <time datetime> and feeds: ISO 8601 to the second, in UTC."""
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.globals["absolute_url"] = absolute_url
    app.jinja_env.filters["datetime"] = human_datetime
    app.jinja_env.filters["date"] = human_date
    app.jinja_env.filters["machine_time"] = machine_time
    # HTML as text, for feeds that carry it escaped inside XML.
    app.jinja_env.filters["html_source"] = str
    app.jinja_env.filters["xml_text"] = xml_text
    app.jinja_env.globals["html_lang"] = lambda: str(get_locale() or "id")
