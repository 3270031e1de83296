"""What the tests share: the test configuration, ways to store and post comments, a
live server, and admin log-ins through the real forms."""

from __future__ import annotations

import os
import re
import threading
from html.parser import HTMLParser
from pathlib import Path

from sqlalchemy import select
from werkzeug.serving import make_server

from webapp.extensions import db
from webapp.models import Comment, Status
from webapp.timeutil import utcnow

ARTICLE = "putin-kim-pakta-pertahanan"
# The second pass of `make test` sets these: every database test then runs on
# PostgreSQL and the rate limits on Redis.
DATABASE_URL = os.environ.get("WARTA_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("WARTA_TEST_REDIS_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgresql")
CHROMIUM = os.environ.get("WARTA_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
HTMX = {"HX-Request": "true"}


def make_config(tmp_path: Path, **overrides) -> dict:
    """A fresh SQLite database in ``tmp_path`` and no spam timers or rate limits."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL or f"sqlite:///{tmp_path / 'warta.sqlite3'}",
        "SESSION_COOKIE_SECURE": False,
        "WARTA_MIN_FILL_SECONDS": 0,
        "RATELIMIT_ENABLED": False,
        "WARTA_CACHE_STORAGE_URI": f"file://{tmp_path / 'cache'}",
        "RATELIMIT_STORAGE_URI": f"warta+sqlite://{tmp_path / 'ratelimits.sqlite3'}",
    }
    if REDIS_URL:
        config["RATELIMIT_STORAGE_URI"] = REDIS_URL
    config.update(overrides)
    return config


POST_URL = f"/articles/{ARTICLE}/comments"


def add_comment(app, **fields) -> int:
    """Store a comment directly, approved unless told otherwise; returns its id."""
    values = {
        "article_slug": ARTICLE,
        "author": "Pembaca",
        "email": "pembaca@example.com",
        "body": "Komentar.",
        "status": Status.APPROVED,
        "created_at": utcnow(),
    }
    values.update(fields)
    with app.app_context():
        from webapp.signing import email_key

        values.setdefault("email_hash", email_key(app.config["SECRET_KEY"], values["email"]))
        parent_id = values.get("parent_id")
        if parent_id:
            parent = db.session.get(Comment, parent_id)
            values.setdefault("thread_id", parent.root_id)
            values.setdefault("depth", parent.depth + 1)
        comment = Comment(**values)
        db.session.add(comment)
        db.session.commit()
        return comment.id


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class HiddenFields(HTMLParser):
    """The hidden inputs of one form, by the form's id."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        elif tag == "input" and self.inside and attrs.get("type") == "hidden":
            self.fields[attrs.get("name")] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def hidden_fields(html: str, form_id: str = "commentform") -> dict[str, str]:
    """The hidden fields of the comment form in ``html``, as a browser would send them."""
    parser = HiddenFields(form_id)
    parser.feed(html)
    assert parser.fields, f"no form #{form_id} in the page"
    return parser.fields


def form_fields(client, path: str = f"/articles/{ARTICLE}") -> dict[str, str]:
    """The hidden fields of the comment form on the page at ``path``."""
    return hidden_fields(client.get(path).get_data(as_text=True))


def post(client, htmx: bool = False, headers: dict | None = None, environ_overrides=None, **fields):
    """Post a comment as a browser would, from the article page."""
    data = {**form_fields(client), "comment": "Analisis yang bagus.", "author": "Ani",
            "email": "ani@example.com"}
    data.update(fields)
    return client.post(POST_URL, data=data, headers={**(HTMX if htmx else {}), **(headers or {})},
                       environ_overrides=environ_overrides)


def stored(app) -> list[Comment]:
    """Every stored comment, oldest first."""
    with app.app_context():
        return list(db.session.scalars(select(Comment).order_by(Comment.id)))


def status_of(app, comment_id: int) -> str | None:
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        return comment.status if comment else None


# -- a live server ---------------------------------------------------------------------


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


class PageWatch:
    """What a page did that a reader would not want: console errors, CSP violations,
    failed requests, requests that leave the origin."""

    def __init__(self, page, origin: str):
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.origin = origin
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("request", lambda request: self.requests.append(request.url))

    def _console(self, message):
        if message.type == "error":
            self.errors.append(message.text)

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(self.origin) and not u.startswith("data:")]


# -- admins ----------------------------------------------------------------------------

ADMIN_NAME, ADMIN_PASSWORD = "editor", "kata-sandi-rahasia"


def create_admin_account(app, name=ADMIN_NAME, password=ADMIN_PASSWORD) -> None:
    result = app.test_cli_runner().invoke(args=["admin", "create", name], input=f"{password}\n{password}\n")
    assert result.exit_code == 0, result.output


class AuthActions:
    """flaskr's ``auth`` fixture: log an admin in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def login(self, name=ADMIN_NAME, password=ADMIN_PASSWORD, next_url=None):
        token = csrf_token_from(self.client.get("/admin/login").get_data(as_text=True))
        data = {"csrf_token": token, "name": name, "password": password}
        if next_url:
            data["next"] = next_url
        return self.client.post("/admin/login", data=data)

    def csrf(self, path="/admin/") -> str:
        return csrf_token_from(self.client.get(path).get_data(as_text=True))

    def logout(self):
        return self.client.post("/admin/logout", data={"csrf_token": self.csrf()})




LOGIN_WITH_NEXT = re.compile(r".*/admin/login\?next=")


def log_in(page):
    page.goto("/admin/")
    page.wait_for_url(LOGIN_WITH_NEXT)
    page.get_by_label("Nama").fill(ADMIN_NAME)
    page.get_by_label("Kata sandi").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/admin/")
