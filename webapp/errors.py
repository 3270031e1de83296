"""Error pages in the site's layout, and errors that keep what a commenter typed."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from .extensions import db, login_manager
from .htmx import is_htmx, render_varying


def error_messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        403: _("You are not allowed to do that."),
        404: _("This page does not exist. It may have been moved or removed."),
        405: _("This address does not accept that kind of request."),
        413: _("What you sent is too large. A comment has at most 5000 characters."),
        422: _("What you sent could not be used."),
        429: _("Too many requests. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again in a moment."),
    }


def error_titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        403: _("Not allowed"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        413: _("Too large"),
        422: _("Not usable"),
        429: _("Too many requests"),
        500: _("Server error"),
    }


def error_page(error: HTTPException):
    """The error as a page in the site's layout, or a small fragment for htmx."""
    code = error.code or 500
    message = error_messages().get(code, error.description or "")
    title = error_titles().get(code, error.name)
    context = {"code": code, "title": title, "message": message}
    response = render_varying("_error.html" if is_htmx() else "error.html", code, **context)
    if code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def refill_comment_form(error: HTTPException, notice: str):
    """Answer a refused comment post with the form, refilled when the body was read."""
    from .articles import get_article
    from .comments import CommentForm, form_problem

    article = get_article(request.view_args["slug"])
    readable = not isinstance(error, RequestEntityTooLarge)
    form = CommentForm(formdata=request.form if readable else None, meta={"csrf": False})
    inline = readable and request.form.get("inline") == "1"
    return form_problem(article, form, error.code, notice, inline=inline)


def posting_comment() -> bool:
    return request.endpoint == "comments.create" and bool(request.view_args)


def handle_csrf(error: CSRFError):
    if request.blueprint == "admin" and not current_user.is_authenticated:
        return login_manager.unauthorized()  # an expired session: back to the login page
    if posting_comment():
        notice = _(
            "Your session expired before the comment was sent. "
            "Your text is still here: please send it again."
        )
        return refill_comment_form(error, notice)
    return error_page(error)


def handle_too_large(error: RequestEntityTooLarge):
    if posting_comment():
        return refill_comment_form(error, error_messages()[413])
    return error_page(error)


def handle_rate_limit(error: HTTPException):
    if posting_comment():
        notice = _(
            "You are posting too quickly. Please wait a minute, then send again: "
            "your text is still here."
        )
        response = refill_comment_form(error, notice)
    else:
        response = error_page(error)
    limit = getattr(error, "limit", None)
    if limit is not None and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(limit.limit.get_expiry())
    return response


def handle_unexpected(error: Exception):
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return error_page(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    app.register_error_handler(429, handle_rate_limit)
    app.register_error_handler(HTTPException, error_page)
    app.register_error_handler(Exception, handle_unexpected)
