"""Flask's signed-cookie session and Flask-WTF's CSRF token, cheaper to sign and to
check: each serializer is built once instead of per request, its signing key is derived
once per secret instead of per signature, and the few dozen bytes it signs are not run
through zlib (compression never pays at that size). The formats are Flask's and
Flask-WTF's: cookies and tokens from either side load."""

import hashlib
import hmac
import json
import secrets

from flask import Flask, current_app, g, request, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from flask_wtf import csrf as flask_wtf_csrf
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes
from itsdangerous.serializer import Serializer
from itsdangerous.signer import HMACAlgorithm
from wtforms import ValidationError

from .htmx import vary

CSRF_SALT = "wtf-csrf-token"  # Flask-WTF's, so that its validate_csrf reads our tokens
CSRF_FIELD = "csrf_token"  # Flask-WTF's default name, in the session and in forms


class OneShotHMAC(HMACAlgorithm):
    """The same HMAC in one call to OpenSSL. itsdangerous names its hash by a Python
    function, which sends the standard library down its pure-Python HMAC; hashlib's own
    constructor (not the hash's name, which OpenSSL looks up each time) keeps it in C."""

    def __init__(self, digest_method) -> None:
        super().__init__(digest_method)
        self.constructor = getattr(hashlib, digest_method().name)

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.digest(key, value, self.constructor)


class KeptKeySigner(TimestampSigner):
    """A signer that remembers the keys it derived (itsdangerous derives one with an
    HMAC for every signature and every check) and signs with :class:`OneShotHMAC`."""

    derived: dict[tuple, bytes] = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if type(self.algorithm) is HMACAlgorithm:
            self.algorithm = OneShotHMAC(self.digest_method)

    def derive_key(self, secret_key=None) -> bytes:
        secret = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        cache_key = (secret, self.salt, self.key_derivation, self.digest_method)
        key = self.derived.get(cache_key)
        if key is None:
            key = self.derived[cache_key] = super().derive_key(secret_key)
        return key


class KeptSerializer(URLSafeTimedSerializer):
    default_signer = KeptKeySigner

    def make_signer(self, salt=None) -> KeptKeySigner:
        # Built once: a signer holds only its settings (itsdangerous builds one per call).
        if salt is not None and salt != self.salt:
            return super().make_signer(salt)
        signer = self.__dict__.get("kept_signer")
        if signer is None:
            signer = self.kept_signer = super().make_signer()
        return signer

    def dump_payload(self, obj) -> bytes:
        # URL-safe base64 of the JSON, without the attempt at compressing it; loading
        # still accepts compressed payloads.
        return base64_encode(Serializer.dump_payload(self, obj))


def kept_serializer(app: Flask, use: str, secret_keys: list, build) -> KeptSerializer:
    """The serializer for this use and these keys, built by ``build(keys)`` on first use."""
    cache = app.extensions.setdefault("warta.serializers", {})
    cache_key = (use, tuple(secret_keys))
    serializer = cache.get(cache_key)
    if serializer is None:
        serializer = cache[cache_key] = build(secret_keys)
    return serializer


class SessionJSON(TaggedJSONSerializer):
    """Flask's session JSON, without the walk that tags special values when there are
    none: a session of plain JSON values (strings, numbers, lists and dicts of them, as
    all of Warta's are) comes out the same, byte for byte."""

    def dumps(self, value: dict) -> str:
        if not self.untagged(value):
            return super().dumps(value)
        return json.dumps(value, separators=(",", ":"), sort_keys=True)  # as Flask's JSON

    def untagged(self, value) -> bool:
        """Would Flask's tagger leave this value as it is?"""
        kind = type(value)
        if kind is str or kind is int or kind is bool or kind is float or value is None:
            return True
        if kind is list:
            return all(self.untagged(item) for item in value)
        if kind is dict:
            if len(value) == 1 and next(iter(value)) in self.tags:  # a key it escapes
                return False
            return all(type(key) is str and self.untagged(item) for key, item in value.items())
        return False  # tuples, bytes, Markup, dates, UUIDs: tagged


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    serializer = SessionJSON()

    def get_signing_serializer(self, app: Flask):
        keys = [*(app.config.get("SECRET_KEY_FALLBACKS") or ()), app.secret_key]
        return kept_serializer(app, "session", keys, self.build_serializer)

    def build_serializer(self, keys: list) -> KeptSerializer:
        signer_kwargs = {"key_derivation": self.key_derivation, "digest_method": self.digest_method}
        return KeptSerializer(
            keys, salt=self.salt, serializer=self.serializer, signer_kwargs=signer_kwargs
        )

    def open_session(self, app: Flask, request):
        if not request.environ.get("HTTP_COOKIE"):  # a first visit: nothing to read
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        """Flask's, but "Vary: Cookie" is added once, as plain text: Flask goes through
        werkzeug's HeaderSet, which parses and joins the header again at each addition."""
        name = self.get_cookie_name(app)
        options = {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "partitioned": self.get_cookie_partitioned(app),
            "samesite": self.get_cookie_samesite(app),
            "httponly": self.get_cookie_httponly(app),
        }
        cookie_changed = False
        if not session:  # emptied: remove the cookie; never set: nothing to do
            if session.modified:
                response.delete_cookie(name, **options)
                cookie_changed = True
        elif self.should_set_cookie(app, session):
            value = self.get_signing_serializer(app).dumps(dict(session))
            expires = self.get_expiration_time(app, session)
            response.set_cookie(name, value, expires=expires, **options)
            cookie_changed = True
        if cookie_changed or session.accessed:
            vary(response, "Cookie")


def csrf_token() -> str:
    """This session's CSRF token, as Flask-WTF's ``generate_csrf`` makes it: the
    session's secret, signed. Made once per request; a new session gets its secret."""
    token = g.get(CSRF_FIELD)
    if token is None:
        if CSRF_FIELD not in session:
            session[CSRF_FIELD] = secrets.token_hex(20)  # Flask-WTF's form: 40 hex digits
        token = csrf_serializer(current_app._get_current_object()).dumps(session[CSRF_FIELD])
        setattr(g, CSRF_FIELD, token)
    return token


def validate_csrf(data: str | None) -> None:
    """Flask-WTF's ``validate_csrf``, with the same errors, checked by the kept
    serializer (Flask-WTF builds one per check and derives its key in pure Python)."""
    if not data:
        raise ValidationError("The CSRF token is missing.")
    if CSRF_FIELD not in session:
        raise ValidationError("The CSRF session token is missing.")
    app = current_app._get_current_object()
    try:
        token = csrf_serializer(app).loads(data, max_age=app.config["WTF_CSRF_TIME_LIMIT"])
    except SignatureExpired as error:
        raise ValidationError("The CSRF token has expired.") from error
    except BadData as error:
        raise ValidationError("The CSRF token is invalid.") from error
    if not hmac.compare_digest(session[CSRF_FIELD], token):
        raise ValidationError("The CSRF tokens do not match.")


def csrf_serializer(app: Flask) -> KeptSerializer:
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    return kept_serializer(app, "csrf", [secret], build_csrf_serializer)


def build_csrf_serializer(keys: list) -> KeptSerializer:
    return KeptSerializer(keys, salt=CSRF_SALT)  # Flask-WTF's settings


class CSRFProtect(flask_wtf_csrf.CSRFProtect):
    """Flask-WTF's protection of every POST, checking tokens with :func:`validate_csrf`
    and giving templates :func:`csrf_token`. The rest is Flask-WTF 1.2's ``protect`` as
    it is: exemptions, the methods checked, the strict referrer over HTTPS."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        # Templates make the token with csrf_token(). Flask-WTF offers its own maker as a
        # global and through a context processor, which outranks globals: a later one of
        # ours outranks it in turn.
        app.jinja_env.globals["csrf_token"] = csrf_token
        app.context_processor(lambda: {"csrf_token": csrf_token})

    def protect(self, apply_exemptions: bool = False) -> None:
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        config = current_app.config
        if request.method not in config["WTF_CSRF_METHODS"]:
            return
        try:
            validate_csrf(self._get_csrf_token())
        except ValidationError as error:
            flask_wtf_csrf.logger.info(error.args[0])
            self._error_response(error.args[0])
        if request.is_secure and config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not flask_wtf_csrf.same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True
