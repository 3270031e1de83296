"""Warta's own signed values, all made by itsdangerous from the secret key, each use
with its own salt so that a value signed for one use is never accepted for another.
(Flask signs the session cookie and Flask-WTF the admin's CSRF tokens the same way.)
What must also stay unreadable in a cookie is encrypted with Fernet, under a key
derived from the secret key."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from itsdangerous import (
    BadSignature,
    SignatureExpired,
    Signer,
    TimestampSigner,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)
from itsdangerous.encoding import base64_decode

FORM_SHOWN = "warta.form-shown"
MAIL_CONFIRM = "warta.mail-confirm"
MAIL_UNSUBSCRIBE = "warta.mail-unsubscribe"
COMMENT_MANAGE = "warta.comment-manage"
CONFIRM_MAX_AGE = 7 * 24 * 60 * 60  # a confirmation link works for a week
MAX_TOKEN = 400  # longer than any token made here


def clock() -> float:
    """The current time in seconds (tests replace it with a fixed clock)."""
    return time.time()


class ShownSigner(TimestampSigner):
    """Signs the current second as read from :func:`clock` (when a form was shown, when
    a confirmation link was made), and measures ages by it."""

    def get_timestamp(self) -> int:
        return int(clock())


def form_signer() -> ShownSigner:
    return ShownSigner(current_app.config["SECRET_KEY"], salt=FORM_SHOWN)


def form_timestamp() -> str:
    """A signed token saying when the form was shown, to the second. Every reader who
    gets the page in the same second gets the same token, so the page stays shareable."""
    return form_signer().sign("shown").decode()


def fill_seconds(token: str | None) -> float | None:
    """Seconds since the form was shown; None when the token is missing or forged."""
    if not token or len(token) > 100:
        return None
    try:
        _, shown = form_signer().unsign(token, return_timestamp=True)
    except BadSignature:
        return None
    return clock() - shown.timestamp()


def email_key(secret: str, email: str) -> str:
    """A keyed hash of an email address (case-insensitive), for recognising it later.
    The HMAC-SHA256 of the address under the secret key itself, as stored since the
    first release, so that existing rows (purged ones included) are still recognised."""
    normalised = email.strip().lower()
    signer = Signer(secret, key_derivation="none", digest_method=hashlib.sha256)
    return base64_decode(signer.get_signature("warta-email:" + normalised)).hex()


def sealer() -> Fernet:
    """Fernet under a key derived from the secret key for this one use."""
    secret = current_app.config["SECRET_KEY"].encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"warta.sealed").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: dict) -> str:
    """``value`` encrypted and authenticated: the visitor keeps it but cannot read it."""
    return sealer().encrypt(json.dumps(value).encode()).decode()


def unseal(token: object, max_age: int) -> dict:
    """What :func:`seal` made, if genuine and younger than ``max_age`` seconds; else {}."""
    if not isinstance(token, str):
        return {}
    try:
        value = json.loads(sealer().decrypt(token.encode(), ttl=max_age))
    except (InvalidToken, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


class TokenExpired(Exception):
    """A genuine token, too old to be used."""


def _timed(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt, signer=ShownSigner)


def _untimed(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def confirm_token(email_hash: str, nonce: str) -> str:
    """The token of a confirmation link: this address, this confirmation message."""
    return _timed(MAIL_CONFIRM).dumps([email_hash, nonce])


def read_confirm_token(token: str) -> tuple[str, str] | None:
    """(email_hash, nonce) of a confirmation token; None when forged.
    Raises ``TokenExpired`` when older than a week."""
    if len(token) > MAX_TOKEN:
        return None
    try:
        value = _timed(MAIL_CONFIRM).loads(token, max_age=CONFIRM_MAX_AGE)
    except SignatureExpired as error:
        raise TokenExpired from error
    except BadSignature:
        return None
    pair = _pair(value)
    return pair if pair and all(isinstance(part, str) for part in pair) else None


def unsubscribe_token(email_hash: str) -> str:
    """The token of an unsubscribe link: it never expires (RFC 8058 wants it lasting)."""
    return _untimed(MAIL_UNSUBSCRIBE).dumps(email_hash)


def read_unsubscribe_token(token: str) -> str | None:
    """The email_hash of an unsubscribe token; None when forged."""
    if len(token) > MAX_TOKEN:
        return None
    try:
        value = _untimed(MAIL_UNSUBSCRIBE).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def manage_token(comment_id: int, created_at: datetime) -> str:
    """The token of a comment's manage link, for that comment only: its id and the
    moment it was written (SQLite may give a deleted comment's id to a new one)."""
    return _untimed(COMMENT_MANAGE).dumps([comment_id, created_at.isoformat()])


def read_manage_token(token: str) -> tuple[int, str] | None:
    """(comment id, creation time in ISO 8601) of a manage token; None when forged."""
    if len(token) > MAX_TOKEN:
        return None
    try:
        value = _untimed(COMMENT_MANAGE).loads(token)
    except BadSignature:
        return None
    pair = _pair(value)
    if pair is None or type(pair[0]) is not int or not isinstance(pair[1], str):
        return None
    return pair


def _pair(value) -> tuple | None:
    return tuple(value) if isinstance(value, list) and len(value) == 2 else None
