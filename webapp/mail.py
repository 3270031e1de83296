"""Mail addresses: confirming one, and unsubscribing (RFC 8058 one-click included).

Each link shows a page with a button and acts only on its POST, because mail scanners
follow links. The public forms carry no CSRF token; the origin check protects them, and
lets through a one-click unsubscription, which a mail provider's server sends without
any browser header."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template
from flask_babel import gettext as _

from . import signing
from .errors import LinkProblem
from .extensions import csrf, db
from .models import Subscriber
from .outbox import mail_configured, subscriber_of
from .pages import personal
from .timeutil import utcnow

bp = Blueprint("mail", __name__, url_prefix="/mail")
csrf.exempt(bp)


@bp.before_request
def only_with_mail():
    """Without a mail server there is no mail to confirm or stop."""
    if not mail_configured():
        abort(404)


def forged() -> LinkProblem:
    return LinkProblem(
        404, _("This link is not valid. Check that it was copied whole from the message.")
    )


def confirmation(token: str) -> Subscriber:
    """The address a confirmation link is for, or a page saying why it cannot be used."""
    try:
        found = signing.read_confirm_token(token)
    except signing.TokenExpired:
        raise LinkProblem(
            410,
            _(
                "This confirmation link has expired. Post a comment with the box ticked "
                "to receive a new one."
            ),
        ) from None
    if found is None:
        raise forged()
    email_hash, nonce = found
    subscriber = subscriber_of(db.session, email_hash)
    if subscriber is None or subscriber.unsubscribed_at is not None:
        raise LinkProblem(410, _("This address has unsubscribed: Warta sends it no mail."))
    if not nonce or subscriber.confirm_nonce != nonce:
        raise LinkProblem(
            410, _("This confirmation link has been used already, or a newer one replaced it.")
        )
    return subscriber


def page(template: str, **context):
    return personal(make_response(render_template(template, **context)))


@bp.get("/confirm/<token>")
def confirm(token: str):
    """A button that confirms the address."""
    confirmation(token)
    return page("mail/confirm.html", token=token)


@bp.post("/confirm/<token>")
def confirm_post(token: str):
    """Confirm the address: from now on it gets the replies it asks for."""
    subscriber = confirmation(token)
    subscriber.confirmed_at = utcnow()
    subscriber.confirm_nonce = ""
    db.session.commit()
    return page(
        "mail/done.html",
        message=_(
            "Thank you: your address is confirmed. You will receive replies to the "
            "comments you ask about."
        ),
    )


def unsubscribing(token: str) -> str:
    email_hash = signing.read_unsubscribe_token(token)
    if email_hash is None:
        raise forged()
    return email_hash


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    """A button that stops all mail to the address."""
    subscriber = subscriber_of(db.session, unsubscribing(token))
    done = subscriber is not None and subscriber.unsubscribed_at is not None
    return page("mail/unsubscribe.html", token=token, done=done)


@bp.post("/unsubscribe/<token>")
def unsubscribe_post(token: str):
    """Stop all mail to the address (a browser's button, or RFC 8058's one click).
    Done twice, it is still done: mail providers may repeat the request."""
    email_hash = unsubscribing(token)
    subscriber = subscriber_of(db.session, email_hash)
    if subscriber is None:
        subscriber = Subscriber(email_hash=email_hash)
        db.session.add(subscriber)
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = utcnow()
    subscriber.email = ""  # no longer needed: nothing will be sent to it
    subscriber.confirm_nonce = ""
    db.session.commit()
    return page(
        "mail/done.html",
        message=_("You are unsubscribed: Warta will send no more mail to this address."),
    )
