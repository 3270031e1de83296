"""Error pages in the site's layout. Errors that keep what someone typed are handled
beside their views (``comments``, ``auth``, ``admin``)."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from .htmx import is_htmx, render_varying
from .origin import CrossOriginRequest


def error_messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        403: _("You are not allowed to do that."),
        404: _("This page does not exist. It may have been moved or removed."),
        405: _("This address does not accept that kind of request."),
        413: _("What you sent is too large. A comment has at most 5000 characters."),
        422: _("What you sent could not be used."),
        410: _("This link can no longer be used."),
        429: _("Too many requests. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again in a moment."),
    }


def error_titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        403: _("Not allowed"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        410: _("Link no longer valid"),
        413: _("Too large"),
        422: _("Not usable"),
        429: _("Too many requests"),
        500: _("Server error"),
    }


class LinkProblem(HTTPException):
    """A link from a message or a notice that cannot be used (forged, expired, used,
    or its comment gone), answered with a page that says which."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(description=message)
        self.code = code


def error_page(error: HTTPException, message: str = ""):
    """The error as a page in the site's layout, or a small fragment for htmx."""
    code = error.code or 500
    message = message or error_messages().get(code, error.description or "")
    title = error_titles().get(code, error.name)
    context = {"code": code, "title": title, "message": message}
    response = render_varying("_error.html" if is_htmx() else "error.html", code, **context)
    if code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    response.cache_control.no_store = True
    return response


def server_error(error: InternalServerError):
    """Flask has logged the exception (``error.original_exception``) and rolled back
    the database session at teardown; the visitor gets the page, not a traceback. In
    debug mode and under tests Flask raises the exception instead, for the debugger."""
    return error_page(error)


def untrusted_host(error: SecurityError):
    """A Host header that is not the site's: plain text, since no URL can be built for
    a host the app does not serve."""
    response = current_app.response_class(
        _("This site is not served under that name."), 400, mimetype="text/plain"
    )
    response.cache_control.no_store = True
    return response


def cross_origin(error: CrossOriginRequest):
    return error_page(error, error.description)


def link_problem(error: LinkProblem):
    return error_page(error, error.description)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, error_page)
    app.register_error_handler(CrossOriginRequest, cross_origin)
    app.register_error_handler(SecurityError, untrusted_host)
    app.register_error_handler(LinkProblem, link_problem)
    app.register_error_handler(InternalServerError, server_error)
