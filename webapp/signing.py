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

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from itsdangerous import BadSignature, Signer, TimestampSigner
from itsdangerous.encoding import base64_decode

FORM_SHOWN = "warta.form-shown"


def clock() -> float:
    """The current time in seconds (tests replace it with a fixed clock)."""
    return time.time()


class ShownSigner(TimestampSigner):
    """Signs the second a form was shown, read from :func:`clock`."""

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
