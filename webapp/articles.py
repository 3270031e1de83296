"""Readers: the article page and its sections."""

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for

from .content import Article, Section
from .htmx import is_htmx, render_varying

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


def personal(response: Response) -> Response:
    """Mark a response that holds this visitor's form (CSRF token, remembered details)."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


def render_article(article: Article, open_sections: set[int], status: int = 200, **extra):
    """The whole article page, with the given sections open and their text in place."""
    from .comments import discussion_context

    context = discussion_context(article, **extra)
    response = render_varying(
        "article.html", status, article=article, open_sections=open_sections, **context
    )
    return personal(response)


def reply_target() -> int | None:
    """The comment named by ``?replytocom=`` (the form's no-JavaScript reply link)."""
    raw = request.args.get("replytocom", "")
    return int(raw) if raw.isdigit() and int(raw) < 2**31 else None


@bp.get("/")
def home():
    """Send readers to the home article."""
    return redirect(url_for("articles.show", slug=current_app.config["WARTA_HOME_ARTICLE"]))


@bp.get("/articles/<slug>")
def show(slug: str):
    """The article: headline, lede, sections collapsed (all open with ``?sections=all``)."""
    article = get_article(slug)
    everything = request.args.get("sections") == "all"
    open_sections = {s.number for s in article.sections} if everything else set()
    return render_article(article, open_sections, reply_to_id=reply_target())


@bp.get("/articles/<slug>/sections/<int:number>")
def section(slug: str, number: int):
    """One section's body for htmx; otherwise the article page with that section open."""
    article = get_article(slug)
    section = get_section(article, number)
    if is_htmx():
        return render_varying("_section_body.html", article=article, section=section)
    return render_article(article, {number})
