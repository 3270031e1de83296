"""Admins: logging in and out of the moderation pages."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from werkzeug.exceptions import HTTPException
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .extensions import db, limiter, login_manager
from .htmx import client_redirect, is_htmx, render_varying
from .models import Admin, AdminSession
from .pages import personal
from .text import clean_line
from .timeutil import utcnow

bp = Blueprint("auth", __name__, url_prefix="/admin")

SEEN_EVERY = timedelta(minutes=1)  # how often a login's last request is written down
# Checked against when the name is unknown, so both failures take the same time.
DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


class LoginForm(FlaskForm):
    name = StringField(
        _l("Name"), filters=[clean_line], validators=[DataRequired(), Length(max=64)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


DEVICE_COOKIE = "warta_device"
DEVICE_SALT = "warta.admin-device"
DEVICE_LIFETIME = 365 * 24 * 60 * 60


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_admin(name: str, password: str) -> Admin:
    """Store a new admin with a hashed password."""
    admin = Admin(name=name, password_hash=generate_password_hash(password))
    db.session.add(admin)
    db.session.commit()
    return admin


def set_password(admin: Admin, password: str) -> None:
    """Change an admin's password, ending every session made with the old one."""
    admin.password_hash = generate_password_hash(password)
    end_sessions(admin)
    db.session.commit()


def start_session(admin: Admin) -> None:
    """A new login of ``admin``, remembered by the server; its token goes to Flask-Login."""
    token = secrets.token_urlsafe(32)
    db.session.add(AdminSession(admin=admin, token_hash=token_hash(token)))
    admin.login_token = token


def end_sessions(admin: Admin) -> None:
    """End every login of ``admin`` (the caller commits)."""
    db.session.execute(delete(AdminSession).where(AdminSession.admin_id == admin.id))


def find_admin(name: str) -> Admin | None:
    return db.session.scalar(select(Admin).where(func.lower(Admin.name) == name.lower()))


def check_login(name: str, password: str) -> Admin | None:
    """The admin whose name and password these are, or None (in the same time either way)."""
    admin = find_admin(name)
    valid = check_password_hash(admin.password_hash if admin else DUMMY_HASH, password)
    return admin if admin and valid else None


def safe_next(target: str | None) -> str:
    """A same-origin page to go to after logging in; the queue otherwise."""
    fallback = url_for("admin.queue")
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return fallback
    try:  # a page one can open: not a POST-only address such as a moderation action
        current_app.url_map.bind("warta").match(parts.path, method="GET")
    except HTTPException:
        return fallback
    return target


@login_manager.user_loader
def load_admin(token: str) -> Admin | None:
    """The admin of a login the server still knows and that has not timed out."""
    login = db.session.scalar(
        select(AdminSession).where(AdminSession.token_hash == token_hash(token))
    )
    if login is None:
        return None
    config, now = current_app.config, utcnow()
    idle = timedelta(seconds=config["WARTA_ADMIN_IDLE_TIMEOUT"])
    lifetime = timedelta(seconds=config["WARTA_ADMIN_SESSION_LIFETIME"])
    if now - login.last_seen_at > idle or now - login.created_at > lifetime:
        db.session.delete(login)
        db.session.commit()
        return None
    if now - login.last_seen_at > SEEN_EVERY:  # written now and then, not on every request
        login.last_seen_at = now
        db.session.commit()
    login.admin.login_token = token
    return login.admin


@login_manager.unauthorized_handler
def unauthorized():
    """Anonymous visitors go to the login page; htmx is told to load it as a page."""
    login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
    if is_htmx():
        return client_redirect(current_app.response_class(status=401), login_url)
    return redirect(login_url)


def failed_login(response) -> bool:
    """Only failed attempts count toward the login limits."""
    return response.status_code != 303


def login_name_key() -> str:
    return "login-name:" + clean_line(request.form.get("name", ""))[:64].lower()


def login_rate_limit() -> str:
    return current_app.config["WARTA_LOGIN_RATE_LIMIT"]


# -- device cookies: a browser that logged in before is not locked out by others -------


def device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT)


def remember_device(response, admin: Admin):
    """Give this browser a signed device cookie for ``admin`` (OWASP's answer to lockouts
    by others: their failures count against their address and the name, not this one)."""
    value = device_serializer().dumps({"name": admin.name.lower(), "nonce": secrets.token_hex(8)})
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_LIFETIME,
        path=url_for("auth.login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
    )
    return response


def device_nonce() -> str:
    """The nonce of this browser's device cookie when it is genuine and names the admin
    now trying to log in; '' otherwise."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return ""
    try:
        device = device_serializer().loads(raw, max_age=DEVICE_LIFETIME)
    except BadData:
        return ""
    tried = clean_line(request.form.get("name", ""))[:64].lower()
    if not isinstance(device, dict) or device.get("name") != tried:
        return ""
    return str(device.get("nonce", ""))


def from_known_device() -> bool:
    return bool(device_nonce())


def from_unknown_device() -> bool:
    return not device_nonce()


def device_key() -> str:
    return "login-device:" + device_nonce()


def failed_logins_limit(**options):
    """The login limit, counting failed attempts only."""
    return limiter.limit(login_rate_limit, methods=["POST"], deduct_when=failed_login, **options)


@bp.route("/login", methods=["GET", "POST"])
# A browser unknown for this name is limited per address and per name; one that logged
# in as this admin before, by its device cookie alone.
@failed_logins_limit(exempt_when=from_known_device)
@failed_logins_limit(key_func=login_name_key, exempt_when=from_known_device)
@failed_logins_limit(key_func=device_key, exempt_when=from_unknown_device)
def login():
    """The login form; a successful login starts a fresh session."""
    form = LoginForm()
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url)
    if form.validate_on_submit():
        admin = check_login(form.name.data, form.password.data)
        if admin is not None:
            session.clear()  # no session fixation: nothing from before the login survives
            start_session(admin)
            login_user(admin)
            admin.last_login_at = utcnow()
            db.session.commit()
            return remember_device(redirect(next_url, 303), admin)
        form.password.errors = [_("That name and password do not match an admin.")]
    status = 422 if request.method == "POST" else 200
    return login_page(form, next_url, status)


def login_page(form: LoginForm, next_url: str, status: int, notice: str = ""):
    response = render_varying("login.html", status, form=form, next_url=next_url, notice=notice)
    return personal(response)


@bp.errorhandler(CSRFError)
def stale_login_form(error: CSRFError):
    """The login form without its token or with an old one: shown again, name kept."""
    form = LoginForm()
    form.password.data = ""
    notice = _("The login form had expired. Please enter your password again.")
    return login_page(form, safe_next(request.values.get("next")), 400, notice)


@bp.post("/logout")
def logout():
    """End this login, on the server too: a copy of the cookie opens nothing after it."""
    if current_user.is_authenticated:
        db.session.execute(
            delete(AdminSession).where(AdminSession.token_hash == token_hash(current_user.get_id()))
        )
        db.session.commit()
    return logged_out(_("You have logged out."))


@bp.post("/logout-everywhere")
def logout_everywhere():
    """End every login of this admin, on every device."""
    if current_user.is_authenticated:
        end_sessions(current_user)
        db.session.commit()
    return logged_out(_("You have logged out on every device."))


def logged_out(message: str):
    logout_user()
    session.clear()
    flash(message)
    return redirect(url_for("auth.login"), 303)
