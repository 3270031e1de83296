"""Fixtures in flaskr's shape (app, client, runner, auth), an app factory, a live
server and Chromium. What tests share besides fixtures lives in ``helpers``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from webapp import create_app, signing
from webapp.extensions import db

from helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DATABASE_URL,
    ON_POSTGRES,
    REDIS_URL,
    AuthActions,
    LiveServer,
    PageWatch,
    create_admin_account,
    make_config,
)
from smtp_sink import SmtpSink


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


@pytest.fixture
def app_factory(tmp_path):
    """Make apps on the test's database with some settings changed, tables created
    (``create_tables=False`` leaves them to the test); their connections close after."""
    made = []

    def make(create_tables: bool = True, **overrides):
        app = create_app(make_config(tmp_path, **overrides))
        made.append(app)
        if create_tables:
            with app.app_context():
                db.create_all()
        return app

    yield make
    # PostgreSQL warns about any connection left to the garbage collector.
    for app in made:
        with app.app_context():
            db.engine.dispose()


class FixedClock:
    """The time Warta's signed values read, standing still until told to move."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fixed_clock(monkeypatch) -> FixedClock:
    clock = FixedClock()
    monkeypatch.setattr(signing, "clock", clock)
    return clock


@pytest.fixture
def app_config() -> dict:
    """Settings the ``app`` fixture changes; a module overrides this to change them."""
    return {}


@pytest.fixture
def app(app_factory, app_config):
    return app_factory(**app_config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# -- a live server and a real browser --------------------------------------------------


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


# -- mail ------------------------------------------------------------------------------


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback; ``smtp_sink.settings()`` points the app at it."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


# -- admins ----------------------------------------------------------------------------

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
