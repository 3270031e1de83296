"""Commenters: the discussion under an article, the reply form and posting."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import Connection, select

from .articles import get_article
from .cache import article_version, comment_stored
from .content import Article
from .discussion import (
    find_parent,
    new_form,
    own_comment_ids,
    page_number,
    remember_own_comment,
    roots_before,
    roots_before_new,
)
from .extensions import client_address, db, limiter
from .forms import CommentForm, fill_seconds, form_timestamp
from .htmx import announce, is_htmx, render_varying
from .models import (
    ADDRESS_HISTORY,
    INSERT_COMMENT,
    Comment,
    Status,
    StoredComment,
    approved_count,
)
from .pages import cached_response, personal, render_article, shared_comment_page
from .policy import Decision, Rules, Submission, decide, email_key, truncate_ip
from .threads import present
from .timeutil import utcnow
from .views import ui_locale

bp = Blueprint("comments", __name__)

FEED_SIZE = 50
DUPLICATE_WINDOW = 20  # how many of an address's latest comments duplicates are sought in


@bp.get("/articles/<slug>/comments")
def index(slug: str):
    """htmx: the next page of threads. Plain: the article page at that page."""
    article = get_article(slug)
    page = page_number(request.args.get("page"))
    if not is_htmx():
        return render_article(article, set(), page=page)
    return shared_comment_page(article, page)


@bp.get("/articles/<slug>/comments/<int(max=2147483647):comment_id>/reply")
def reply(slug: str, comment_id: int):
    """htmx: the reply form under a comment. Plain: the article's form, replying."""
    article = get_article(slug)
    parent = find_parent(slug, comment_id)
    if parent is None:
        abort(404)
    if not is_htmx():
        return redirect(
            url_for("articles.show", slug=slug, replytocom=comment_id, _anchor="respond"), 303
        )
    form = new_form(parent)
    form.ts.data = form_timestamp()
    response = render_varying(
        "_reply_slot.html",
        article=article,
        form=form,
        reply_to=present(parent, current_app.config["WARTA_THREAD_DEPTH"]),
    )
    return personal(response)


# -- posting --------------------------------------------------------------------------


def comment_rate_limit() -> str:
    return current_app.config["WARTA_COMMENT_RATE_LIMIT"]


def rules() -> Rules:
    config = current_app.config
    return Rules(
        moderation=config["WARTA_MODERATION"],
        min_fill_seconds=float(config["WARTA_MIN_FILL_SECONDS"]),
        max_links=int(config["WARTA_MAX_LINKS"]),
        blocklist=tuple(config["WARTA_BLOCKLIST"]),
    )


def commenter_key(email: str) -> str:
    return email_key(current_app.config["SECRET_KEY"], email)


def address_history(
    connection: Connection, slug: str, email_hash: str, text: str
) -> tuple[bool, bool]:
    """Has this address an approved comment (anywhere), and has it just said exactly
    this on this article (among its latest comments there, trashed ones aside)?"""
    parameters = {"slug": slug, "email_hash": email_hash, "window": DUPLICATE_WINDOW, "body": text}
    approved_before, repeated = connection.execute(ADDRESS_HISTORY, parameters).one()
    return bool(approved_before), bool(repeated)


def store_comment(
    connection: Connection,
    slug: str,
    form: CommentForm,
    parent: Comment | None,
    email_hash: str,
    approved_before: bool,
) -> StoredComment:
    """Decide the comment's fate and store it, by statement on ``connection``."""
    depth_limit = current_app.config["WARTA_THREAD_DEPTH"]
    if parent is not None and parent.depth + 1 >= depth_limit and parent.parent_id:
        # Past the deepest level a reply joins its parent's level (as WordPress does).
        parent = db.session.get(Comment, parent.parent_id)
    decision: Decision = decide(
        rules(),
        Submission(
            body=form.comment.data,
            author=form.author.data,
            url=form.url.data or "",
            honeypot=form.fax.data or "",
            fill_seconds=fill_seconds(form.ts.data),
            has_approved_before=approved_before,
        ),
    )
    now = utcnow()
    row = {
        "article_slug": slug,
        "parent_id": parent.id if parent else None,
        "thread_id": parent.root_id if parent else None,
        "depth": parent.depth + 1 if parent else 0,
        "author": form.author.data,
        "email": form.email.data,
        "email_hash": email_hash,
        "url": form.url.data or "",
        "body": form.comment.data,
        "status": decision.status,
        "hold_reason": decision.hold_reason,
        "ip": truncate_ip(client_address()),
        "created_at": now,
        "updated_at": now,
    }
    result = connection.execute(INSERT_COMMENT, row)
    return StoredComment(
        id=result.inserted_primary_key[0],
        article_slug=slug,
        parent_id=row["parent_id"],
        thread_id=row["thread_id"],
        depth=row["depth"],
        author=row["author"],
        url=row["url"],
        body=row["body"],
        status=row["status"],
        created_at=now,
    )


def keep_commenter(form: CommentForm) -> None:
    """Remember (or forget) this browser's name, email and website."""
    if form.remember.data:
        session["commenter"] = {
            "author": form.author.data,
            "email": form.email.data,
            "url": form.url.data or "",
        }
    else:
        session.pop("commenter", None)


def posted_inline() -> bool:
    """Was the form sent from under a comment (rather than from the end of the page)?"""
    return request.form.get("inline") == "1"


def form_problem(
    article: Article, form: CommentForm, status: int, notice: str = "", inline: bool | None = None
):
    """The form again with its errors and everything typed, as a fragment or a page."""
    parent = find_parent(article.slug, form.parent_value)
    if is_htmx():
        form.ts.data = form_timestamp()
        inline = (posted_inline() if inline is None else inline) and parent is not None
        response = render_varying(
            "_reply_slot.html" if inline else "_comment_form.html",
            status,
            article=article,
            form=form,
            notice=notice,
            inline=inline,
            reply_to=parent and present(parent, current_app.config["WARTA_THREAD_DEPTH"]),
        )
        return personal(response)
    return render_article(
        article, set(), status, reply_to_id=parent and parent.id, form=form, notice=notice
    )


@bp.post("/articles/<slug>/comments")
@limiter.limit(comment_rate_limit)
def create(slug: str):
    """Post a comment: validate, decide, store, then show it in place."""
    article = get_article(slug)
    form = CommentForm(meta={"csrf": False})  # CSRFProtect has checked the token already
    if not form.validate():
        return form_problem(article, form, 422)
    parent = None
    if form.parent_value is not None:
        parent = find_parent(slug, form.parent_value)
        if parent is None:
            form.parent.errors = [_("The comment you are replying to is not available.")]
            return form_problem(article, form, 422)
    email_hash = commenter_key(form.email.data)
    # The check and the insert in one short transaction of their own: the ORM session's
    # bookkeeping would cost a comment post about a tenth of its time.
    with db.engine.begin() as connection:
        approved_before, repeated = address_history(connection, slug, email_hash, form.comment.data)
        comment = None
        if not repeated:
            comment = store_comment(connection, slug, form, parent, email_hash, approved_before)
    if comment is None:
        form.comment.errors = [_("You have already posted this comment.")]
        return form_problem(article, form, 422)
    comment_stored(comment)
    remember_own_comment(comment.id)
    keep_commenter(form)
    if not is_htmx():
        return redirect(comment_url(comment), 303)
    view = present(comment, current_app.config["WARTA_THREAD_DEPTH"], own=True)
    form = new_form()
    form.ts.data = form_timestamp()
    response = render_varying(
        "_comment_posted.html",
        article=article,
        comment=view,
        parent=parent and db.session.get(Comment, comment.parent_id),
        inline=posted_inline() and parent is not None,
        requested_parent=parent,
        form=form,
        reply_to=None,
        comment_count=approved_count(slug),
    )
    announce(response, "comments-changed")
    return personal(response)


def comment_url(comment: StoredComment) -> str:
    """Where a comment can be read: its page of threads, at its anchor."""
    per_page = current_app.config["WARTA_COMMENTS_PER_PAGE"]
    if comment.parent_id is None:
        earlier = roots_before_new(comment, own_comment_ids())
    else:
        earlier = roots_before(comment.article_slug, comment.root_id, own_comment_ids())
    page = earlier // per_page + 1
    anchor = f"comment-{comment.id}"
    if page == 1:
        return url_for("articles.show", slug=comment.article_slug, _anchor=anchor)
    return url_for("comments.index", slug=comment.article_slug, page=page, _anchor=anchor)


@bp.get("/articles/<slug>/comments.atom")
def feed(slug: str):
    """An Atom feed of the article's approved comments, newest first."""
    article = get_article(slug)
    version = article_version(slug)
    locale = ui_locale()
    return cached_response(
        f"{version}-{locale}",
        ("feed", slug, locale, version),
        lambda: render_feed(article),
        {"Cache-Control": "public, no-cache"},
        mimetype="application/atom+xml",
    )


def render_feed(article: Article) -> str:
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.article_slug == article.slug, Comment.status == Status.APPROVED)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(FEED_SIZE)
    ).all()
    depth = current_app.config["WARTA_THREAD_DEPTH"]
    entries = [present(c, depth) for c in comments]
    return render_template("comments.atom.xml", article=article, entries=entries)
