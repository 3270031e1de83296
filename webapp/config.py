"""Default configuration. Later layers override it: ``instance/config.py``, then
``WARTA_*`` environment variables, then the mapping a test passes to ``create_app``."""

import json
import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path

# Flask and extension settings.
SQLALCHEMY_DATABASE_URI = None  # None: SQLite file in instance/ (see create_app)
SQLALCHEMY_ENGINE_OPTIONS: dict = {}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = None  # None: Secure unless the app runs in debug mode
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 30
# A session cookie is sent again only when its contents change: a response that sets
# no cookie can be public.
SESSION_REFRESH_EACH_REQUEST = False
MAX_CONTENT_LENGTH = 256 * 1024
MAX_FORM_MEMORY_SIZE = 128 * 1024
WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
# Every message of Warta's forms is its own, through Flask-Babel. With this on, Flask-WTF
# would look for WTForms' catalogue on disk on every post (none exists for Indonesian).
WTF_I18N_ENABLED = False
RATELIMIT_STORAGE_URI = None  # None: a file in instance/ that every worker shares; or redis://
RATELIMIT_HEADERS_ENABLED = True
RATELIMIT_ENABLED = True
BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
SEND_FILE_MAX_AGE_DEFAULT = 60 * 60

# Warta's own settings.
WARTA_HOME_ARTICLE = "putin-kim-pakta-pertahanan"
WARTA_CONTENT_DIR = None  # None: the articles inside the package (webapp/content)
WARTA_LOCALE = "id"
WARTA_MODERATION = "first-time"  # first-time | all | none
WARTA_THREAD_DEPTH = 3
WARTA_COMMENTS_PER_PAGE = 20
WARTA_MIN_FILL_SECONDS = 3
WARTA_MAX_LINKS = 2
WARTA_BLOCKLIST: list[str] | str = []
WARTA_COMMENT_RATE_LIMIT = "5 per minute; 40 per hour"
WARTA_LOGIN_RATE_LIMIT = "5 per 5 minutes"
WARTA_ADMIN_IDLE_TIMEOUT = 2 * 60 * 60  # seconds without a request before an admin session ends
WARTA_ADMIN_SESSION_LIFETIME = 12 * 60 * 60  # seconds after login that it ends in any case
WARTA_CACHE_STORAGE_URI = None  # None: instance/cache/; file:///path, or redis://host:port/db
WARTA_SQLITE_SYNCHRONOUS = "NORMAL"  # NORMAL | FULL (see README, "Durability")
WARTA_TRUSTED_PROXIES = 0  # how many proxies in front set X-Forwarded-For
WARTA_TRUSTED_ORIGINS: list[str] | str = []  # other origins whose forms may post here
# The public address, e.g. https://news.example.org: absolute links (in mail too) use
# it, and it is the only Host accepted.
WARTA_BASE_URL = ""
WARTA_SHARED_MAX_AGE = 1  # seconds a shared cache may keep a public response (s-maxage)

# Mail (see README, "Mail"). With no MAIL_SERVER nothing is sent and the form offers
# nothing that needs mail.
MAIL_SERVER = None
MAIL_PORT = 25
MAIL_USE_TLS = False  # STARTTLS after connecting
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_DEFAULT_SENDER = None  # e.g. "Warta <warta@news.example.org>"
WARTA_MODERATOR_EMAILS: list[str] | str = []  # alerted when a comment is held
WARTA_MAIL_RETRY_SECONDS = 60  # the first retry's delay; it doubles with each attempt
WARTA_MAIL_MAX_ATTEMPTS = 8


def load_environment(config: dict, environ: Mapping[str, str]) -> None:
    """Apply ``WARTA_*`` variables: ``WARTA_MODERATION`` sets Warta's own
    ``WARTA_MODERATION``; any other, like ``WARTA_SECRET_KEY``, sets ``SECRET_KEY``.
    Values are read as JSON when they parse (``false``, ``3``), as text otherwise."""
    for name, raw in environ.items():
        if not name.startswith("WARTA_"):
            continue
        key = name if name in config else name.removeprefix("WARTA_")
        try:
            config[key] = json.loads(raw)
        except ValueError:
            config[key] = raw


def instance_secret_key(instance_path: str) -> str:
    """Read the key kept in ``instance/secret_key``, creating it once. The key is
    written to a private temporary file and hard-linked into place, so workers
    starting at the same moment all end up reading the same complete key."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=instance_path, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
            os.link(tmp, path)
        except FileExistsError:
            pass  # another worker won the race; use its key
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
