"""Headers that every response carries, errors included, and a plain word when the
transport cannot carry the session cookie."""

import ipaddress

from flask import Flask, current_app, request
from flask_babel import gettext as _

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def add_security_headers(response):
    """Give every response the security baseline, errors included, unless it set one of
    these headers itself."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def cookie_cannot_arrive() -> str:
    """A message for the operator when this request came over plain HTTP from another
    machine while session cookies are Secure: the browser drops them, so logging in
    (and a commenter's own held comments) cannot work. '' when all is well."""
    if not current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure:
        return ""
    try:
        if ipaddress.ip_address(request.remote_addr or "").is_loopback:
            return ""  # browsers treat http://localhost as secure and keep the cookie
    except ValueError:
        pass
    current_app.logger.warning(
        "A request came over plain HTTP from %s while session cookies are Secure: browsers "
        "drop them. Serve HTTPS, or set WARTA_SESSION_COOKIE_SECURE=false on a trusted LAN.",
        request.remote_addr,
    )
    return _(
        "This site is served over plain HTTP, but its cookies need HTTPS, so your browser "
        "drops them and logging in cannot work. The operator should serve HTTPS, or set "
        "WARTA_SESSION_COOKIE_SECURE=false for a trusted local network."
    )


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.jinja_env.globals["cookie_cannot_arrive"] = cookie_cannot_arrive
