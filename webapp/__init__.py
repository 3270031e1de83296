"""Warta: a news article with its discussion."""

import os
from contextlib import contextmanager
from functools import cached_property, partial, wraps
from pathlib import Path

from babel import Locale
from flask import Flask, request
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as default_config
from . import content, sessions
from .extensions import babel, csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
IMMUTABLE = "public, max-age=31536000, immutable"


class Warta(Flask):
    """Flask, with static files under versioned URLs cached for good, and without asking
    again on every request whether each hook and view is a coroutine function."""

    @cached_property
    def sync_functions(self) -> dict:
        return {}

    def ensure_sync(self, func):
        try:
            return self.sync_functions[func]
        except KeyError:
            if len(self.sync_functions) > 1000:  # functions made per request, if ever
                self.sync_functions.clear()
            sync = self.sync_functions[func] = super().ensure_sync(func)
            return sync

    def send_static_file(self, filename: str):
        response = super().send_static_file(filename)
        if "v" in request.args and response.status_code == 200:  # the URL names the bytes
            response.headers["Cache-Control"] = IMMUTABLE
        return response


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: defaults, then ``instance/config.py``, then ``WARTA_*``
    environment variables, then ``test_config``."""
    app = Warta(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_relative_config=True,
    )
    app.config.from_object(default_config)
    app.config.from_pyfile("config.py", silent=True)
    default_config.load_environment(app.config, os.environ)
    if test_config is not None:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    finish_config(app)

    if app.config["WARTA_TRUSTED_PROXIES"]:
        hops = int(app.config["WARTA_TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            synchronous = app.config["WARTA_SQLITE_SYNCHRONOUS"]
            event.listen(db.engine, "connect", partial(set_sqlite_pragmas, synchronous=synchronous))
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    with hooks_for_writes_only(app):
        csrf.init_app(app)
        limiter.init_app(app)
        # Warta sets no default or application-wide limits: the limited views check
        # their limits in their decorators, so this hook has nothing to do at all.
        hooks = app.before_request_funcs.get(None, [])
        if limiter._check_request_limit in hooks:  # absent when rate limits are off
            hooks.remove(limiter._check_request_limit)
    # Only admin pages need current_user; readers' pages never load it (see admin.py).
    login_manager.init_app(app, add_context_processor=False)
    # Warta never sets Flask-Login's remember-me cookie, so its after-request hook has
    # nothing to do; it would only touch the session on every response, which makes
    # Flask add "Vary: Cookie" to public ones (section fragments, the feed, icons).
    app.after_request_funcs[None].remove(login_manager._update_remember_cookie)
    app.session_interface = sessions.CachedSerializerSessionInterface()
    locale = Locale.parse(app.config["WARTA_LOCALE"])  # parsed once, not per request
    babel.init_app(app, locale_selector=lambda: locale)

    content_dir = app.config["WARTA_CONTENT_DIR"] or content.CONTENT_DIR
    app.extensions["warta.articles"] = content.load_articles(Path(content_dir))

    from . import admin, articles, auth, cache, cli, comments, errors, health, security, views

    cache.init_app(app)
    views.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    app.register_blueprint(articles.bp)
    app.register_blueprint(comments.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(health.bp)
    return app


WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@contextmanager
def hooks_for_writes_only(app: Flask):
    """Make the request hooks that extensions register inside the block run only for
    requests that can change something. CSRF checks and rate limits (Warta limits only
    posts) have nothing to do on a GET; skipped, they leave a cached page about a tenth
    faster."""
    kinds = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    before = [list(kind.get(None, [])) for kind in kinds]
    yield
    for kind, earlier in zip(kinds, before, strict=True):
        kind[None] = [f if f in earlier else for_writes_only(f) for f in kind.get(None, [])]


def for_writes_only(hook):
    @wraps(hook)
    def run(*args):
        if request.method in WRITES:
            return hook(*args)
        # before_request: None lets the request go on; after_request: the response
        # unchanged; teardown_request: the return value is ignored.
        return args[0] if args else None

    return run


def finish_config(app: Flask) -> None:
    """Fill in the settings whose defaults depend on the instance or the mode."""
    config = app.config
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = default_config.instance_secret_key(app.instance_path)
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        database = Path(app.instance_path) / "warta.sqlite3"
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = not app.debug
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    if isinstance(config["WARTA_BLOCKLIST"], str):
        words = config["WARTA_BLOCKLIST"].split(",")
        config["WARTA_BLOCKLIST"] = [w.strip() for w in words if w.strip()]
    synchronous = str(config["WARTA_SQLITE_SYNCHRONOUS"]).upper()
    if synchronous not in ("NORMAL", "FULL"):
        raise ValueError(f"WARTA_SQLITE_SYNCHRONOUS is NORMAL or FULL, not {synchronous!r}")
    config["WARTA_SQLITE_SYNCHRONOUS"] = synchronous
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A writer waits for the lock instead of failing at once.
        options = config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("timeout", 30)


def set_sqlite_pragmas(dbapi_connection, connection_record, synchronous: str) -> None:
    """WAL lets readers run beside the one writer; a writer waits for the lock instead
    of failing; foreign keys are off by default. ``synchronous``: NORMAL syncs the log
    at checkpoints (a commit survives the process, not a power cut), FULL at every
    commit."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.close()
