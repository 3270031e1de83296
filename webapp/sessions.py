"""Flask's signed-cookie session, with its serializer built once instead of per request."""

from flask import Flask
from flask.sessions import SecureCookieSessionInterface


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    def get_signing_serializer(self, app: Flask):
        cache = app.extensions.setdefault("warta.session_serializers", {})
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if key not in cache:
            cache[key] = super().get_signing_serializer(app)
        return cache[key]
