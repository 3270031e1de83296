"""Readers: the article page and its sections."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from .content import Article, Section
from .htmx import is_htmx, shaped
from .numbers import parse_number
from .pages import render_article, shared
from .templating import static_url, ui_locale

bp = Blueprint("articles", __name__)


def get_article(slug: str) -> Article:
    """The article with this slug, or 404."""
    article = current_app.extensions["warta.articles"].get(slug)
    if article is None:
        abort(404)
    return article


def get_section(article: Article, number: int) -> Section:
    """The section of ``article`` numbered ``number``, or 404."""
    section = article.section(number)
    if section is None:
        abort(404)
    return section


@bp.get("/")
def home():
    """Send readers to the home article."""
    return redirect(url_for("articles.show", slug=current_app.config["WARTA_HOME_ARTICLE"]))


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for this on pages that name no icon (the feed, for one)."""
    return redirect(static_url("favicon.svg"), 301)


@bp.get("/articles/<slug>")
def show(slug: str):
    """The article: headline, lede, sections collapsed (all open with ``?sections=all``)."""
    article = get_article(slug)
    everything = request.args.get("sections") == "all"
    open_sections = {s.number for s in article.sections} if everything else set()
    reply_to = parse_number(request.args.get("replytocom"))
    return render_article(article, open_sections, reply_to_id=reply_to)


@bp.get("/articles/<slug>/sections/<int(max=999):number>")
def section(slug: str, number: int):
    """One section's body for htmx; otherwise the article page with that section open."""
    article = get_article(slug)
    section = get_section(article, number)
    if not is_htmx():
        return shaped(render_article(article, {number}))
    response = shared(
        ("section", slug, article.etag, number, ui_locale()),
        lambda: render_template("_section_body.html", article=article, section=section),
    )
    response.last_modified = article.modified
    return shaped(response)
