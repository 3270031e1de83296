"""Fixtures in flaskr's shape (app, client, runner, auth), a live server and Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from webapp import create_app
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
    }
    if REDIS_URL:
        config["RATELIMIT_STORAGE_URI"] = REDIS_URL
    config.update(overrides)
    return config


@pytest.fixture(autouse=True)
def fresh_services(request):
    """On PostgreSQL, every test starts with empty tables; on Redis, with no counters."""
    if ON_POSTGRES and "no_database" not in request.keywords:
        from sqlalchemy import create_engine

        engine = create_engine(DATABASE_URL)
        with engine.begin() as connection:
            db.metadata.drop_all(connection)
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            db.metadata.create_all(connection)
        engine.dispose()
    if REDIS_URL:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    yield
    # Close the connections of every app the test made (PostgreSQL warns about any
    # connection left to the garbage collector).
    for engines in list(db._app_engines.values()):
        for engine in engines.values():
            engine.dispose()


@pytest.fixture
def app_config(tmp_path):
    return make_config(tmp_path)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


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
        from webapp.policy import email_key

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
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


# -- a live server and a real browser --------------------------------------------------


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


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is required for the browser tests and is missing at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


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


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def javascript(request) -> bool:
    return request.param


@pytest.fixture
def page_factory(browser, live_server):
    contexts = []

    def make(javascript: bool = True):
        context = browser.new_context(java_script_enabled=javascript, base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.watch = PageWatch(page, live_server.url)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(page_factory):
    return page_factory(True)


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


@pytest.fixture
def auth(app, client):
    create_admin_account(app)
    return AuthActions(client)


def pytest_collection_modifyitems(config, items):
    """In the PostgreSQL pass, run only the tests that touch the database."""
    if not ON_POSTGRES:
        return
    kept, dropped = [], []
    for item in items:
        once = {"sqlite_only", "no_database", "postgres"}  # "postgres" runs in the first pass
        (dropped if once & set(item.keywords) else kept).append(item)
    items[:] = kept
    config.hook.pytest_deselected(items=dropped)
