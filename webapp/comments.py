"""Commenters: the discussion under an article, the reply form and posting."""

from __future__ import annotations

import math

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from .articles import get_article, personal, render_article
from .content import Article
from .extensions import client_address, db, limiter
from .forms import CommentForm, fill_seconds, form_timestamp
from .htmx import announce, is_htmx, render_varying
from .models import Comment, Status, approved_count
from .policy import Decision, Rules, Submission, decide, truncate_ip
from .threads import build_threads, present

bp = Blueprint("comments", __name__)

OWN_COMMENTS_KEPT = 50
FEED_SIZE = 50


# -- what this visitor is allowed to see of their own ---------------------------------


def own_comment_ids() -> set[int]:
    """Ids of the comments this browser posted (kept in the signed session cookie)."""
    return {int(i) for i in session.get("own_comments", []) if isinstance(i, int)}


def remember_own_comment(comment_id: int) -> None:
    kept = [i for i in session.get("own_comments", []) if isinstance(i, int)]
    session["own_comments"] = (kept + [comment_id])[-OWN_COMMENTS_KEPT:]


def remembered_commenter() -> dict[str, str]:
    """Name, email and website this browser asked to keep, if any."""
    saved = session.get("commenter")
    return saved if isinstance(saved, dict) else {}


# -- reading --------------------------------------------------------------------------


def visible_roots(slug: str, own_ids: set[int]):
    """Top-level comments this visitor sees: approved, their own, or kept as the
    placeholder of a thread that still has approved replies."""
    threads_with_approved_replies = select(Comment.thread_id).where(
        Comment.article_slug == slug,
        Comment.status == Status.APPROVED,
        Comment.thread_id.is_not(None),
    )
    return select(Comment).where(
        Comment.article_slug == slug,
        Comment.parent_id.is_(None),
        or_(
            Comment.status == Status.APPROVED,
            Comment.id.in_(own_ids),
            Comment.id.in_(threads_with_approved_replies),
        ),
    )


def page_of_threads(slug: str, page: int, own_ids: set[int]):
    """The threads on one page of comments, and whether more pages follow."""
    per_page = current_app.config["WARTA_COMMENTS_PER_PAGE"]
    roots = db.session.scalars(
        visible_roots(slug, own_ids)
        .order_by(Comment.created_at, Comment.id)
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    has_more = len(roots) > per_page
    roots = roots[:per_page]
    replies = []
    if roots:
        replies = db.session.scalars(
            select(Comment)
            .where(Comment.thread_id.in_([r.id for r in roots]))
            .order_by(Comment.created_at, Comment.id)
        ).all()
    threads = build_threads([*roots, *replies], own_ids, current_app.config["WARTA_THREAD_DEPTH"])
    return threads, has_more


def page_number(raw: str | None) -> int:
    """A page number from the query string, or 404 for anything that is not one."""
    if raw is None:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        abort(404)
    return int(raw)


def new_form(reply_to: Comment | None = None) -> CommentForm:
    """An empty form (refilled from what this browser asked to keep)."""
    form = CommentForm(formdata=None, data=remembered_commenter())
    form.remember.data = bool(remembered_commenter())
    form.parent.data = str(reply_to.id) if reply_to else ""
    return form


def discussion_context(
    article: Article,
    page: int = 1,
    reply_to_id: int | None = None,
    form: CommentForm | None = None,
    notice: str = "",
) -> dict:
    """Everything the discussion part of the article page needs."""
    own_ids = own_comment_ids()
    reply_to = find_parent(article.slug, reply_to_id)
    threads, has_more = page_of_threads(article.slug, page, own_ids)
    if form is None:
        form = new_form(reply_to)
    form.ts.data = form_timestamp()
    return {
        "threads": threads,
        "page": page,
        "has_more": has_more,
        "comment_count": db.session.scalar(approved_count(article.slug)),
        "form": form,
        "reply_to": reply_to and present(reply_to, current_app.config["WARTA_THREAD_DEPTH"]),
        "notice": notice,
    }


def find_parent(slug: str, comment_id: int | None) -> Comment | None:
    """An approved comment of this article that can be replied to, or None."""
    if comment_id is None:
        return None
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.article_slug != slug or comment.status != Status.APPROVED:
        return None
    return comment


@bp.get("/articles/<slug>/comments")
def index(slug: str):
    """htmx: the next page of threads. Plain: the article page at that page."""
    article = get_article(slug)
    page = page_number(request.args.get("page"))
    if not is_htmx():
        return render_article(article, set(), page=page)
    threads, has_more = page_of_threads(slug, page, own_comment_ids())
    return render_varying(
        "_comment_page.html", article=article, threads=threads, page=page, has_more=has_more
    )


@bp.get("/articles/<slug>/comments/<int:comment_id>/reply")
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


def is_duplicate(slug: str, form: CommentForm) -> bool:
    """Has the same address already said exactly this on this article?"""
    return bool(
        db.session.scalar(
            select(func.count(Comment.id)).where(
                Comment.article_slug == slug,
                Comment.email == form.email.data,
                Comment.body == form.comment.data,
                Comment.status != Status.TRASH,
            )
        )
    )


def has_approved_comment(email: str) -> bool:
    return bool(
        db.session.scalar(
            select(Comment.id)
            .where(Comment.email == email, Comment.status == Status.APPROVED)
            .limit(1)
        )
    )


def store_comment(slug: str, form: CommentForm, parent: Comment | None) -> Comment:
    """Decide the comment's fate and store it."""
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
            has_approved_before=has_approved_comment(form.email.data),
        ),
    )
    comment = Comment(
        article_slug=slug,
        parent_id=parent.id if parent else None,
        thread_id=parent.root_id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author=form.author.data,
        email=form.email.data,
        url=form.url.data or "",
        body=form.comment.data,
        status=decision.status,
        hold_reason=decision.hold_reason,
        ip=truncate_ip(client_address()),
    )
    db.session.add(comment)
    db.session.commit()
    return comment


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
    form = CommentForm()
    if not form.validate():
        return form_problem(article, form, 422)
    parent = None
    if form.parent_value is not None:
        parent = find_parent(slug, form.parent_value)
        if parent is None:
            form.parent.errors = [_("The comment you are replying to is not available.")]
            return form_problem(article, form, 422)
    if is_duplicate(slug, form):
        form.comment.errors = [_("You have already posted this comment.")]
        return form_problem(article, form, 422)

    comment = store_comment(slug, form, parent)
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
        comment_count=db.session.scalar(approved_count(slug)),
    )
    announce(response, "comments-changed")
    return personal(response)


def comment_url(comment: Comment) -> str:
    """Where a comment can be read: its page of threads, at its anchor."""
    per_page = current_app.config["WARTA_COMMENTS_PER_PAGE"]
    root_created = (
        comment.created_at
        if comment.thread_id is None
        else db.session.scalar(select(Comment.created_at).where(Comment.id == comment.thread_id))
    )
    earlier = db.session.scalar(
        select(func.count()).select_from(
            visible_roots(comment.article_slug, own_comment_ids())
            .where(Comment.created_at < root_created)
            .subquery()
        )
    )
    page = math.floor(earlier / per_page) + 1
    anchor = f"comment-{comment.id}"
    if page == 1:
        return url_for("articles.show", slug=comment.article_slug, _anchor=anchor)
    return url_for("comments.index", slug=comment.article_slug, page=page, _anchor=anchor)


@bp.get("/articles/<slug>/comments.atom")
def feed(slug: str):
    """An Atom feed of the article's approved comments, newest first."""
    article = get_article(slug)
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.article_slug == slug, Comment.status == Status.APPROVED)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(FEED_SIZE)
    ).all()
    depth = current_app.config["WARTA_THREAD_DEPTH"]
    entries = [present(c, depth) for c in comments]
    body = render_template("comments.atom.xml", article=article, entries=entries)
    response = make_response(body)
    response.mimetype = "application/atom+xml"
    return response
