"""Warta: a news article with its discussion."""

import os
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, request
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as default_config
from . import content, origin
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .ratelimits import SCHEME

PROJECT_ROOT = Path(__file__).resolve().parent.parent
IMMUTABLE = "public, max-age=31536000, immutable"


class Warta(Flask):
    """Flask, with static files under versioned URLs cached for good (Flask documents
    ``send_static_file`` as the place to change how static files are sent)."""

    def send_static_file(self, filename: str):
        response = super().send_static_file(filename)
        if "v" in request.args and response.status_code == 200:  # the URL names the bytes
            response.headers["Cache-Control"] = IMMUTABLE
        return response


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Create the app: defaults, then ``instance/config.py``, then ``WARTA_*``
    environment variables. Under tests: the defaults, then ``test_config`` alone, so
    that neither a developer's instance folder nor their shell changes a test."""
    app = Warta(
        __name__,
        instance_path=instance_path or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_relative_config=True,
    )
    app.config.from_object(default_config)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        default_config.load_environment(app.config, os.environ)
    else:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    finish_config(app)

    # No redirects that add or merge slashes: Werkzeug builds them from the request's
    # Host, and a cache could keep one for every reader.
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False
    if app.config["WARTA_TRUSTED_PROXIES"]:
        hops = int(app.config["WARTA_TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            synchronous = app.config["WARTA_SQLITE_SYNCHRONOUS"]
            event.listen(db.engine, "connect", partial(set_sqlite_pragmas, synchronous=synchronous))
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    origin.init_app(app)  # before CSRFProtect: a cross-site post is refused as such
    csrf.init_app(app)
    limiter.init_app(app)
    # Only admin templates use current_user; they get it from the admin blueprint.
    login_manager.init_app(app, add_context_processor=False)
    babel.init_app(app, locale_selector=lambda: app.config["WARTA_LOCALE"])

    content_dir = app.config["WARTA_CONTENT_DIR"] or content.CONTENT_DIR
    app.extensions["warta.articles"] = content.load_articles(Path(content_dir))

    from . import (
        admin,
        articles,
        auth,
        cache,
        cli,
        comments,
        errors,
        health,
        mail,
        manage,
        outbox,
        security,
        templating,
    )

    cache.init_app(app)
    templating.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    outbox.init_app(app)
    app.register_blueprint(articles.bp)
    app.register_blueprint(comments.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(manage.bp)
    app.register_blueprint(mail.bp)
    return app


def finish_config(app: Flask) -> None:
    """Fill in the settings whose defaults depend on the instance or the mode."""
    config = app.config
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = default_config.instance_secret_key(app.instance_path)
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        database = Path(app.instance_path) / "warta.sqlite3"
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"
    if not config.get("RATELIMIT_STORAGE_URI"):
        counters = Path(app.instance_path).resolve() / "ratelimits.sqlite3"
        config["RATELIMIT_STORAGE_URI"] = f"{SCHEME}://{counters}"
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = not app.debug
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    if config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_NAME"] == "session":
        # Browsers keep a __Host- cookie only when Secure, for this host, on every path.
        config["SESSION_COOKIE_NAME"] = "__Host-session"
    base = urlsplit(config["WARTA_BASE_URL"] or "")
    if base.hostname and not config.get("TRUSTED_HOSTS"):
        config["TRUSTED_HOSTS"] = [base.hostname]  # any other Host header: 400
    if isinstance(config["WARTA_BLOCKLIST"], str):
        words = config["WARTA_BLOCKLIST"].split(",")
        config["WARTA_BLOCKLIST"] = [w.strip() for w in words if w.strip()]
    if isinstance(config["WARTA_MODERATOR_EMAILS"], str):
        addresses = config["WARTA_MODERATOR_EMAILS"].split(",")
        config["WARTA_MODERATOR_EMAILS"] = [a.strip() for a in addresses if a.strip()]
    synchronous = str(config["WARTA_SQLITE_SYNCHRONOUS"]).upper()
    if synchronous not in ("NORMAL", "FULL"):
        raise ValueError(f"WARTA_SQLITE_SYNCHRONOUS is NORMAL or FULL, not {synchronous!r}")
    config["WARTA_SQLITE_SYNCHRONOUS"] = synchronous
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A writer waits for the lock instead of failing at once.
        # Copied, not changed in place: the defaults module's dict serves every app.
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {"timeout": 30, **options.get("connect_args", {})}
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options


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
