"""Flask's signed-cookie session, cheaper to sign: the serializer is built once instead
of per request, the signing key is derived once per secret instead of per signature,
and the few dozen bytes of a Warta session are not run through zlib (compression never
pays at that size). The cookie format is Flask's: cookies from either side load."""

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes
from itsdangerous.serializer import Serializer


class KeptKeySigner(TimestampSigner):
    """A signer that remembers the keys it derived (itsdangerous derives one with an
    HMAC for every signature and every check)."""

    derived: dict[tuple, bytes] = {}

    def derive_key(self, secret_key=None) -> bytes:
        secret = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        cache_key = (secret, self.salt, self.key_derivation, self.digest_method)
        key = self.derived.get(cache_key)
        if key is None:
            key = self.derived[cache_key] = super().derive_key(secret_key)
        return key


class SessionSerializer(URLSafeTimedSerializer):
    default_signer = KeptKeySigner

    def dump_payload(self, obj) -> bytes:
        # URL-safe base64 of the JSON, without the attempt at compressing it; loading
        # still accepts compressed payloads.
        return base64_encode(Serializer.dump_payload(self, obj))


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    def get_signing_serializer(self, app: Flask):
        cache = app.extensions.setdefault("warta.session_serializers", {})
        keys = [*(app.config.get("SECRET_KEY_FALLBACKS") or ()), app.secret_key]
        cache_key = tuple(keys)
        if cache_key not in cache:
            cache[cache_key] = SessionSerializer(
                keys,
                salt=self.salt,
                serializer=self.serializer,
                signer_kwargs={
                    "key_derivation": self.key_derivation,
                    "digest_method": self.digest_method,
                },
            )
        return cache[cache_key]
