"""The article page, assembled: shared parts from the render cache, personal parts per visitor.

Most readers see exactly what everyone sees, except for the form's CSRF token and the
time it was shown. That page is rendered once per discussion version with two
placeholders, then each request fills them in. Readers with remembered details or
their own comments awaiting moderation get a page rendered for them alone."""

from __future__ import annotations

import hashlib
import re

from flask import Response, current_app, make_response, render_template, request, session
from markupsafe import Markup
from werkzeug.http import quote_etag

from .cache import article_version, renders
from .content import Article
from .discussion import discussion_context, page_of_threads, sees_shared_page
from .forms import form_timestamp
from .htmx import render_varying, vary
from .sessions import csrf_token
from .views import ui_locale

# Placeholders for the per-visitor values; user text is escaped, so it cannot contain them.
CSRF_SLOT = Markup("<warta:csrf/>")
TS_SLOT = Markup("<warta:ts/>")
# (the parts of a cached page are bytes; the slots stay str, so they never collide)

# A page that holds a visitor's CSRF token: kept by the browser only, checked each time.
PRIVATE_PAGE = {"Vary": "HX-Request, Cookie", "Cache-Control": "private, no-cache"}


def personal(response: Response) -> Response:
    """Mark a response that holds this visitor's form (CSRF token, remembered details)."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


def render_article(
    article: Article,
    open_sections: set[int],
    status: int = 200,
    page: int = 1,
    reply_to_id: int | None = None,
    form=None,
    notice: str = "",
) -> Response:
    """The whole article page, with the given sections open and their text in place."""
    ordinary = status == 200 and form is None and not notice and reply_to_id is None
    if ordinary and sees_shared_page(article.slug):
        return shared_article_page(article, open_sections, page)
    context = discussion_context(
        article, page=page, reply_to_id=reply_to_id, form=form, notice=notice
    )
    response = render_varying(
        "article.html", status, article=article, open_sections=open_sections, **context
    )
    return personal(response)


def shared_article_page(article: Article, open_sections: set[int], page: int) -> Response:
    """The page everyone sees, from the cache, with this visitor's token filled in."""
    version = article_version(article.slug)  # read before rendering: never cache stale data
    sections = tuple(sorted(open_sections))
    locale = ui_locale()
    etag = page_etag(version, article.etag, sections, page, locale)
    if etag and request.if_none_match.contains_weak(etag):
        return revalidated(etag)
    key = ("article", article.slug, sections, page, locale, version)
    parts = renders().get(key)
    if parts is None:
        context = discussion_context(article, page=page, own_ids=set(), ts=TS_SLOT)
        html = render_template(
            "article.html",
            article=article,
            open_sections=open_sections,
            csrf_token=lambda: CSRF_SLOT,
            **context,
        )
        parts = split_slots(html)
        renders().put(key, parts)
    token, shown = csrf_token().encode(), form_timestamp().encode()
    values = {CSRF_SLOT: token, TS_SLOT: shown}
    body = b"".join(values.get(part, part) for part in parts)
    response = current_app.response_class(body, mimetype="text/html", headers=PRIVATE_PAGE)
    if not etag:  # a new visitor: the token just made a CSRF secret
        etag = page_etag(version, article.etag, sections, page, locale)
    response.set_etag(etag, weak=True)
    return response


def split_slots(html: str) -> tuple[bytes | str, ...]:
    """The rendered page as encoded pieces with the slot names between them, so that
    filling in a visitor's values is one join."""
    pieces = re.split(f"({re.escape(CSRF_SLOT)}|{re.escape(TS_SLOT)})", html)
    return tuple(piece if piece in (CSRF_SLOT, TS_SLOT) else piece.encode() for piece in pieces)


def page_etag(version: str, content: str, sections: tuple, page: int, locale: str) -> str:
    """What makes this visitor's page what it is: the discussion's version, the
    article's text, the view, and the session's CSRF secret (the page embeds it)."""
    secret = session.get("csrf_token")
    if not secret:
        return ""
    parts = f"{version}|{content}|{sections}|{page}|{locale}|{secret}"
    return hashlib.sha256(parts.encode()).hexdigest()[:32]


def revalidated(etag: str) -> Response:
    response = current_app.response_class(status=304, headers=PRIVATE_PAGE)
    response.set_etag(etag, weak=True)
    return response


def shared_comment_page(article: Article, page: int) -> Response:
    """One more page of threads for htmx; shared readers get it from the cache."""
    if not sees_shared_page(article.slug):
        threads, has_more = page_of_threads(article.slug, page)
        context = {"threads": threads, "has_more": has_more}
        return render_varying("_comment_page.html", article=article, page=page, **context)
    version = article_version(article.slug)
    key = ("comments", article.slug, page, ui_locale(), version)
    html = renders().get(key)
    if html is None:
        threads, has_more = page_of_threads(article.slug, page, own_ids=set())
        html = render_template(
            "_comment_page.html", article=article, page=page, threads=threads, has_more=has_more
        )
        renders().put(key, html)
    response = make_response(html)
    vary(response, "HX-Request")
    return response


def cached_response(
    etag: str, key: tuple, render, headers: dict, mimetype: str = "text/html"
) -> Response:
    """A shared response with ``headers``: ``304`` when the client holds ``etag``, else
    the text cached under ``key`` (``render()`` fills the cache on a miss)."""
    headers = {**headers, "ETag": quote_etag(etag)}
    if request.if_none_match.contains(etag):
        return current_app.response_class(status=304, headers=headers, mimetype=mimetype)
    body = renders().get(key)
    if body is None:
        body = render()
        renders().put(key, body)
    return current_app.response_class(body, headers=headers, mimetype=mimetype)
