"""Readers' responses: public ones that any shared cache may keep, and personal ones.

A reader's request runs straight down: the route finds the article, ``visitor`` says
whether this visitor sees what everyone sees, and then either

- the public page, rendered once per discussion version (and per second, for the
  form's timestamp) into this worker's render cache, served with an ETag and
  ``Cache-Control: public``; or
- the visitor's own page, rendered for them alone, ``private, no-store``.

Every reader response carries ``Vary: Cookie``: which of the two a visitor gets
depends on their session cookie alone."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import Response, current_app, make_response, render_template, request
from markupsafe import Markup

from . import signing, visitor
from .cache import article_version, renders
from .content import Article
from .discussion import find_parent, page_of_threads, reply_view, visible_count
from .forms import CommentForm
from .htmx import shaped, vary
from .templating import ui_locale


def public(response: Response, etag_parts: tuple) -> Response:
    """Mark a response as the same for every visitor without personal state, with an
    ETag made of what it depends on; answer ``304`` when the client has it already."""
    response.cache_control.public = True
    response.cache_control.max_age = 0
    response.cache_control.s_maxage = current_app.config["WARTA_SHARED_MAX_AGE"]
    vary(response, "Cookie")
    digest = hashlib.sha256(repr(etag_parts).encode()).hexdigest()[:32]
    response.set_etag(digest)
    return response.make_conditional(request)


def personal(response: Response) -> Response:
    """Mark a response that holds this visitor's own things: no cache may keep it."""
    response.cache_control.private = True
    response.cache_control.no_store = True
    vary(response, "Cookie")
    return response


def new_form(reply_to=None, shown: str | None = None) -> CommentForm:
    """An empty form, refilled from what this browser asked to keep."""
    remembered = visitor.remembered_commenter()
    form = CommentForm(formdata=None, data=remembered)
    form.remember.data = bool(remembered)
    form.parent.data = str(reply_to.id) if reply_to else ""
    form.ts.data = shown or signing.form_timestamp()
    return form


def render_article(
    article: Article,
    open_sections: set[int],
    page: int = 1,
    reply_to_id: int | None = None,
    form: CommentForm | None = None,
    notice: str = "",
    status: int = 200,
) -> Response:
    """The whole article page, with the given sections open and their text in place."""
    ordinary = status == 200 and form is None and not notice and reply_to_id is None
    if ordinary and visitor.sees_public_page(article.slug):
        return public_article(article, open_sections, page)
    own_ids = visitor.own_comment_ids()
    form = form or new_form(find_parent(article.slug, reply_to_id))
    html = render_page(article, open_sections, page, own_ids, form, notice, visitor.take_notice())
    return personal(make_response(html, status))


@dataclass(frozen=True)
class Listing:
    """One page of the discussion as everyone sees it, rendered: kept per version."""

    html: Markup
    has_more: bool
    comment_count: int


def public_listing(article: Article, page: int) -> Listing:
    """The threads on one page as everyone sees them, rendered once per discussion
    version (the page around them is rendered each second for the form's timestamp)."""

    def render() -> Listing:
        threads, has_more = page_of_threads(article.slug, page, set())
        html = render_template("_thread_list.html", article=article, threads=threads)
        listing = Markup(html)  # noqa: S704  # nosec B704
        return Listing(listing, has_more, visible_count(article.slug, set()))

    key = ("listing", article.slug, page, ui_locale(), article_version(article.slug))
    return renders().get_or_render(key, render)


def render_page(
    article: Article,
    open_sections: set[int],
    page: int,
    own_ids: set[int],
    form: CommentForm,
    notice: str = "",
    thanks: visitor.Notice | None = None,
    listing: Listing | None = None,
) -> str:
    """The article page as a visitor with these comments of their own sees it; with a
    ``listing``, as everyone does."""
    thanks = thanks or visitor.Notice()
    threads, has_more = ([], listing.has_more) if listing else page_of_threads(
        article.slug, page, own_ids
    )
    parent = find_parent(article.slug, form.parent_value)
    return render_template(
        "article.html",
        article=article,
        open_sections=open_sections,
        threads=threads,
        thread_list=listing.html if listing else None,
        page=page,
        has_more=has_more,
        comment_count=listing.comment_count if listing else visible_count(article.slug, own_ids),
        form=form,
        reply_to=reply_view(parent),
        notice=notice,
        thanks=thanks.text,
        manage_link=thanks.link,
        just_posted=thanks.comment_id,
    )


def public_article(article: Article, open_sections: set[int], page: int) -> Response:
    """The page everyone sees. It holds the form's timestamp, which changes each second:
    a client that fetches the page and posts at once still shows a fill time of about
    a second, from any cache whose copies live no longer than ``s-maxage``."""
    shown = signing.form_timestamp()
    sections = tuple(sorted(open_sections))
    view = ("article", article.slug, article.etag, sections, page, ui_locale())
    version = article_version(article.slug)  # read before rendering: never cache stale data
    html = renders().get_or_render(
        (*view, version, shown),
        lambda: render_page(
            article, open_sections, page, set(), new_form(shown=shown),
            listing=public_listing(article, page),
        ),
    )  # fmt: skip
    return public(make_response(html), (*view, version, shown))


def comment_page(article: Article, page: int) -> Response:
    """One more page of threads, for htmx."""
    if not visitor.sees_public_page(article.slug):
        own_ids = visitor.own_comment_ids()
        html = render_comment_page(article, page, own_ids)
        return shaped(personal(make_response(html)))
    view = ("comments", article.slug, page, ui_locale())
    version = article_version(article.slug)
    html = renders().get_or_render(
        (*view, version), lambda: render_comment_page(article, page, set())
    )
    return shaped(public(make_response(html), (*view, version)))


def render_comment_page(article: Article, page: int, own_ids: set[int]) -> str:
    threads, has_more = page_of_threads(article.slug, page, own_ids)
    return render_template(
        "_comment_page.html", article=article, page=page, threads=threads, has_more=has_more
    )


def shared(key: tuple, render, mimetype: str = "text/html") -> Response:
    """A response that is the same for everyone (a section's text, the feed): rendered
    once per ``key`` into this worker's cache, public."""
    body = renders().get_or_render(key, render)
    return public(current_app.response_class(body, mimetype=mimetype), key)
