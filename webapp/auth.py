"""Admins: logging in and out of the moderation pages."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.exceptions import HTTPException
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .extensions import db, limiter, login_manager
from .htmx import client_redirect, is_htmx, render_varying
from .models import Admin
from .pages import personal
from .text import clean_line
from .timeutil import utcnow

bp = Blueprint("auth", __name__, url_prefix="/admin")

# Checked against when the name is unknown, so both failures take the same time.
DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


class LoginForm(FlaskForm):
    name = StringField(
        _l("Name"), filters=[clean_line], validators=[DataRequired(), Length(max=64)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def create_admin(name: str, password: str) -> Admin:
    """Store a new admin with a hashed password."""
    admin = Admin(
        name=name,
        password_hash=generate_password_hash(password),
        session_token=new_session_token(),
    )
    db.session.add(admin)
    db.session.commit()
    return admin


def set_password(admin: Admin, password: str) -> None:
    """Change an admin's password, ending the sessions made with the old one."""
    admin.password_hash = generate_password_hash(password)
    admin.session_token = new_session_token()
    db.session.commit()


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
def load_admin(session_token: str) -> Admin | None:
    return db.session.scalar(select(Admin).where(Admin.session_token == session_token))


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


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"], deduct_when=failed_login)
@limiter.limit(
    login_rate_limit, methods=["POST"], deduct_when=failed_login, key_func=login_name_key
)
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
            login_user(admin)
            admin.last_login_at = utcnow()
            db.session.commit()
            return redirect(next_url, 303)
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
    """End the admin's session."""
    logout_user()
    session.clear()
    flash(_("You have logged out."))
    return redirect(url_for("auth.login"), 303)
