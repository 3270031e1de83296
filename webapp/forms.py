"""The reply form, with WordPress's field names so that browsers autofill it."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField, URLField
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from .numbers import parse_number
from .text import clean_line, clean_text

MAX_BODY = 5000
MAX_AUTHOR = 100
MAX_EMAIL = 254
MAX_URL = 200


# Characters a web address never holds unencoded (browsers percent-encode them).
NOT_IN_URLS = set(' "<>`{}|\\^')


def web_address(form, field) -> None:
    """Accept only http and https addresses with a host, and nothing that needs escaping."""
    try:
        parts = urlsplit(field.data)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket: "http://[::1"
        scheme, host = "", None
    if scheme not in ("http", "https") or not host or NOT_IN_URLS & set(field.data):
        raise ValidationError(_l("Enter a web address that starts with http:// or https://."))


def has_visible(text: str) -> bool:
    """Does the text hold a character one can see (not a space, control, format mark,
    unassigned code point or lone combining mark)?"""
    return any(
        unicodedata.category(ch)[0] not in "CZ" and unicodedata.category(ch) != "Mn" for ch in text
    )


class Visible:
    """Refuse text made only of invisible characters (zero-width spaces and the like)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data and not has_visible(field.data):
            raise StopValidation(self.message)


def parent_id(form, field) -> None:
    """The parent is a positive whole number or nothing."""
    raw = (field.raw_data or [""])[0]
    if raw.strip() and not parse_number(raw):
        raise ValidationError(_l("The comment you are replying to does not exist."))


BARE_HOST = re.compile(r"[^\s/:@]+\.[^\s/:@]+(?:[/?#:].*)?")


def with_scheme(value: str | None) -> str:
    """A website typed without its scheme (``budi.example``) is read as https, as
    browsers and WordPress do; anything with a scheme is left for the check."""
    value = clean_line(value)
    if value and "://" not in value and BARE_HOST.fullmatch(value):
        return "https://" + value
    return value


class CommentForm(FlaskForm):
    class Meta:
        csrf = False  # the public form carries no token: the origin check protects it

    comment = TextAreaField(
        _l("Comment"),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Write your comment.")),
            Visible(_l("Write your comment.")),
            Length(min=1, max=MAX_BODY, message=_l("A comment has at most 5000 characters.")),
        ],
    )
    author = StringField(
        _l("Name"),
        filters=[clean_line],
        validators=[
            DataRequired(_l("Enter your name.")),
            Visible(_l("Enter your name.")),
            Length(min=1, max=MAX_AUTHOR, message=_l("A name has at most 100 characters.")),
        ],
    )
    email = EmailField(
        _l("Email"),
        filters=[clean_line],
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=MAX_EMAIL, message=_l("An email address has at most 254 characters.")),
            Email(_l("Enter a valid email address, like name@example.com.")),
        ],
    )
    url = URLField(
        _l("Website"),
        filters=[with_scheme],
        validators=[
            Optional(),
            Length(max=MAX_URL, message=_l("A web address has at most 200 characters.")),
            web_address,
        ],
    )
    parent = HiddenField(filters=[clean_line], validators=[parent_id])
    remember = BooleanField(_l("Save my name, email, and website in this browser."))
    notify = BooleanField(_l("Notify me by email when someone replies"))  # shown with mail only
    # Spam traps: a field people never see, and when the form was shown.
    fax = StringField(_l("Leave this field empty"), filters=[clean_line])
    ts = HiddenField()

    @property
    def trap_value(self) -> str:
        """What was typed into the hidden field, spaces included: people type nothing."""
        return "".join(self.fax.raw_data or [])

    @property
    def parent_value(self) -> int | None:
        return (
            parse_number(self.parent.data) if self.parent.data and not self.parent.errors else None
        )


class EditForm(FlaskForm):
    """A commenter's change to their own comment's text, with the reply form's rules."""

    class Meta:
        csrf = False  # the private link is the key; the origin check protects the post

    comment = CommentForm.comment
