"""Commenters: the discussion under an article, the reply form and posting."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, TooManyRequests

from . import outbox, signing, visitor
from .articles import get_article
from .cache import article_version
from .content import Article
from .discussion import find_parent, page_number, page_of, reply_view, visible_count
from .extensions import client_address, csrf, db, limiter
from .forms import CommentForm
from .htmx import announce, is_htmx, render_varying, shaped
from .models import APPROVED_BEFORE, Comment, Status
from .origin import CrossOriginRequest
from .pages import comment_page, new_form, personal, render_article, shared
from .policy import Decision, Rules, Submission, decide, same_name, truncate_ip
from .signing import email_key
from .templating import site_origin, ui_locale
from .text import normalised
from .threads import present

bp = Blueprint("comments", __name__)

FEED_SIZE = 50
DUPLICATE_WINDOW = 20  # how many of an address's latest comments duplicates are sought in
NAMES_COMPARED = 100  # how many of an address's approved names a new one is compared with


@bp.get("/articles/<slug>/comments")
def index(slug: str):
    """htmx: the next page of threads. Plain: the article page at that page."""
    article = get_article(slug)
    page = page_number(request.args.get("page"))
    if not is_htmx():
        return shaped(render_article(article, set(), page=page))
    return comment_page(article, page)


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
    response = render_varying(
        "_reply_slot.html", article=article, form=new_form(parent), reply_to=reply_view(parent)
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
        confirmation_required=outbox.mail_configured(),
    )


def has_approved_before(email_hash: str) -> bool:
    """Has this address an approved comment (anywhere)?"""
    return bool(db.session.scalar(APPROVED_BEFORE, {"email_hash": email_hash}))


def repeats_itself(slug: str, text: str, own_ids: set[int], network: str) -> bool:
    """Has this browser, or anyone on this network, just said this on this article?
    Texts compare normalised (case, spacing, invisible characters). Keyed by browser
    and network, never by the email alone: otherwise copying a public comment with a
    guessed address would tell who wrote it."""
    recent = select(Comment.body).where(
        Comment.article_slug == slug, Comment.status != Status.TRASH
    )
    latest = recent.order_by(Comment.id.desc()).limit(DUPLICATE_WINDOW)
    bodies = list(db.session.scalars(latest.where(Comment.id.in_(own_ids)))) if own_ids else []
    if network:
        bodies += db.session.scalars(latest.where(Comment.ip == network))
    wanted = normalised(text)
    return any(normalised(body) == wanted for body in bodies)


def approved_under_name(email_hash: str, author: str) -> bool:
    """Has this address an approved comment under this name (but for case and spacing)?"""
    names = db.session.scalars(
        select(Comment.author)
        .where(Comment.email_hash == email_hash, Comment.status == Status.APPROVED)
        .distinct()
        .limit(NAMES_COMPARED)
    )
    return any(same_name(author, name) for name in names)


def reply_parent(parent: Comment | None) -> Comment | None:
    """Where a reply goes: past the deepest level it joins its parent's level (as
    WordPress does)."""
    depth_limit = current_app.config["WARTA_THREAD_DEPTH"]
    if parent is not None and parent.depth + 1 >= depth_limit and parent.parent_id:
        return db.session.get(Comment, parent.parent_id)
    return parent


def new_comment(
    slug: str,
    form: CommentForm,
    parent: Comment | None,
    decision: Decision,
    email_hash: str,
    network: str,
) -> Comment:
    """The comment as it will be stored."""
    return Comment(
        article_slug=slug,
        parent_id=parent.id if parent else None,
        thread_id=parent.root_id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author=form.author.data,
        email=form.email.data,
        email_hash=email_hash,
        url=form.url.data or "",
        body=form.comment.data,
        status=decision.status,
        hold_reason=decision.hold_reason,
        ip=network,
        notify=bool(form.notify.data) and outbox.mail_configured(),
    )


def posted_inline() -> bool:
    """Was the form sent from under a comment (rather than from the end of the page)?"""
    return request.form.get("inline") == "1"


def form_problem(
    article: Article, form: CommentForm, status: int, notice: str = "", inline: bool | None = None
):
    """The form again with its errors and everything typed, as a fragment or a page.
    The form keeps the time it was first shown, so that fixing a typo is not fast."""
    parent = find_parent(article.slug, form.parent_value)
    if signing.fill_seconds(form.ts.data) is None:
        form.ts.data = signing.form_timestamp()
    if not is_htmx():
        response = render_article(
            article,
            set(),
            reply_to_id=parent and parent.id,
            form=form,
            notice=notice,
            status=status,
        )
        return response
    inline = (posted_inline() if inline is None else inline) and parent is not None
    response = render_varying(
        "_reply_slot.html" if inline else "_comment_form.html",
        status,
        article=article,
        form=form,
        notice=notice,
        inline=inline,
        reply_to=reply_view(parent),
    )
    return personal(response)


@bp.post("/articles/<slug>/comments")
@csrf.exempt  # the public form carries no token: the origin check protects it
@limiter.limit(comment_rate_limit, deduct_when=lambda response: response.status_code < 400)
def create(slug: str):
    """Post a comment: validate, decide, store, then show it in place."""
    article = get_article(slug)
    form = CommentForm()
    if not form.validate():
        return form_problem(article, form, 422)
    parent = find_parent(slug, form.parent_value)
    if form.parent_value is not None and parent is None:
        form.parent.errors = [_("The comment you are replying to is not available.")]
        return form_problem(article, form, 422)
    network = truncate_ip(client_address())
    if repeats_itself(slug, form.comment.data, visitor.own_comment_ids(), network):
        form.comment.errors = [_("You have already posted this comment.")]
        return form_problem(article, form, 422)
    email_hash = email_key(current_app.config["SECRET_KEY"], form.email.data)
    approved_before = has_approved_before(email_hash)
    under_name = approved_before and approved_under_name(email_hash, form.author.data)
    confirmed = outbox.address_confirmed(email_hash)
    decision = decide(rules(), submission(form, approved_before, under_name, confirmed))
    comment = new_comment(slug, form, reply_parent(parent), decision, email_hash, network)
    db.session.add(comment)
    db.session.commit()
    visitor.remember_own_comment(comment.id)
    visitor.keep_commenter(
        form.author.data, form.email.data, form.url.data or "", form.remember.data
    )
    return comment_posted(article, comment, parent)


def submission(
    form: CommentForm, approved_before: bool, under_name: bool, confirmed: bool
) -> Submission:
    return Submission(
        body=form.comment.data,
        author=form.author.data,
        url=form.url.data or "",
        email=form.email.data,
        honeypot=form.trap_value,
        fill_seconds=signing.fill_seconds(form.ts.data),
        has_approved_before=approved_before,
        has_approved_under_name=under_name,
        address_confirmed=confirmed,
    )


def thanks(comment: Comment) -> str:
    if comment.status == Status.APPROVED:
        return _("Thank you. Your comment has been published.")
    return _("Thank you. Your comment is awaiting moderation.")


def comment_posted(article: Article, comment: Comment, requested_parent: Comment | None):
    """Show the new comment: where it is for a plain post, in place for htmx."""
    if not is_htmx():
        visitor.leave_notice(thanks(comment), outbox.manage_url(comment), comment.id)
        return redirect(comment_url(comment), 303)
    own_ids = visitor.own_comment_ids()
    response = render_varying(
        "_comment_posted.html",
        article=article,
        comment=present(comment, current_app.config["WARTA_THREAD_DEPTH"], own=True),
        parent=comment.parent_id and db.session.get(Comment, comment.parent_id),
        inline=posted_inline() and requested_parent is not None,
        requested_parent=requested_parent,
        form=new_form(),
        reply_to=None,
        thanks=thanks(comment),
        manage_link=outbox.manage_url(comment),
        comment_count=visible_count(article.slug, own_ids),
    )
    announce(response, "comments-changed")
    return personal(response)


def comment_url(comment: Comment) -> str:
    """Where a comment can be read: its page of threads, at its anchor."""
    page = page_of(comment)
    anchor = f"comment-{comment.id}"
    if page == 1:
        return url_for("articles.show", slug=comment.article_slug, _anchor=anchor)
    return url_for("comments.index", slug=comment.article_slug, page=page, _anchor=anchor)


# -- refusals that keep what was typed -------------------------------------------------


def refill_comment_form(error: HTTPException, notice: str):
    """Answer a refused comment post with the form, refilled when the body was read."""
    article = get_article(request.view_args["slug"])
    readable = not isinstance(error, RequestEntityTooLarge)
    form = CommentForm(formdata=request.form if readable else None)
    inline = readable and posted_inline()
    response = form_problem(article, form, error.code, notice, inline=inline)
    return response


@bp.errorhandler(CrossOriginRequest)
def cross_origin(error: CrossOriginRequest):
    return refill_comment_form(error, error.description)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    return refill_comment_form(
        error, _("What you sent is too large. A comment has at most 5000 characters.")
    )


@bp.errorhandler(TooManyRequests)
def too_many(error: TooManyRequests):
    notice = _(
        "You are posting too quickly. Please wait a minute, then send again: "
        "your text is still here."
    )
    response = refill_comment_form(error, notice)
    limit = getattr(error, "limit", None)
    if limit is not None:
        response.headers["Retry-After"] = str(limit.limit.get_expiry())
    return response


# -- the feed --------------------------------------------------------------------------


@bp.get("/articles/<slug>/comments.atom")
def feed(slug: str):
    """An Atom feed of the article's approved comments, newest first."""
    article = get_article(slug)
    return shared(
        ("feed", slug, ui_locale(), site_origin(), article_version(slug)),
        lambda: render_feed(article),
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
