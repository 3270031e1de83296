"""Cross-site request protection without tokens, as Go 1.25's CrossOriginProtection and
OWASP's Fetch Metadata guidance do it. Browsers say where a request comes from in
``Sec-Fetch-Site`` (every current one) or at least in ``Origin``; a client that sends
neither is not a browser, so no other site can make it send anything."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CrossOriginRequest(Forbidden):
    """An unsafe request another site made a browser send."""

    def __init__(self) -> None:
        super().__init__(_("This form was sent from another site, so it was not accepted."))


def is_cross_origin(
    method: str, fetch_site: str | None, origin: str | None, host: str, trusted: frozenset[str]
) -> bool:
    """Decide from the request's method and headers whether to refuse it.

    - safe methods, ``Sec-Fetch-Site: same-origin`` or ``none`` (typed by the user): allowed;
    - any other ``Sec-Fetch-Site``: refused, unless ``Origin`` is a trusted origin;
    - no ``Sec-Fetch-Site`` but an ``Origin``: its host must be the request's host
      (or the origin trusted);
    - neither header: allowed (not a browser)."""
    if method in SAFE_METHODS:
        return False
    if fetch_site:
        if fetch_site in ("same-origin", "none"):
            return False
        return (origin or "").lower() not in trusted
    if not origin:
        return False
    try:
        origin_host = urlsplit(origin).netloc.lower()
    except ValueError:
        origin_host = ""
    if origin_host and origin_host == host.lower():
        return False
    return origin.lower() not in trusted


def trusted_origins(app: Flask) -> frozenset[str]:
    """``WARTA_TRUSTED_ORIGINS``: a list, or a comma-separated text, of origins."""
    value = app.config["WARTA_TRUSTED_ORIGINS"]
    if isinstance(value, str):
        value = value.split(",")
    return frozenset(item.strip().rstrip("/").lower() for item in value if item.strip())


def refuse_cross_origin() -> None:
    """Before every request: refuse an unsafe one that another site sent."""
    headers = request.headers
    if is_cross_origin(
        request.method,
        headers.get("Sec-Fetch-Site"),
        headers.get("Origin"),
        request.host,
        current_app.extensions["warta.trusted_origins"],
    ):
        raise CrossOriginRequest()


def init_app(app: Flask) -> None:
    app.extensions["warta.trusted_origins"] = trusted_origins(app)
    app.before_request(refuse_cross_origin)
