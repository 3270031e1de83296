"""Two app servers, one PostgreSQL and one Redis: what one does, the other shows at once."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest
import redis

from helpers import ARTICLE
from servers import ROOT, Gunicorn, Visitor

pytestmark = pytest.mark.postgres

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "warta_two_servers"
REDIS = "redis://127.0.0.1:6379/14"
PASSWORD = "dua-server-satu-sandi"


@pytest.fixture
def shared_services():
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    redis.Redis.from_url(REDIS).flushdb()
    env = {
        "WARTA_SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}",
        "WARTA_RATELIMIT_STORAGE_URI": REDIS,
        "WARTA_CACHE_STORAGE_URI": REDIS,
        "WARTA_SECRET_KEY": "one-secret-for-every-server",
        "WARTA_SESSION_COOKIE_SECURE": "false",
        "WARTA_MIN_FILL_SECONDS": "0",
        "WARTA_COMMENT_RATE_LIMIT": "3 per minute",
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env={**env, "PATH": "/usr/bin:/bin"},
                   check=True, capture_output=True, timeout=60)
    subprocess.run([*flask, "admin", "create", "editor"], cwd=ROOT, env={**env, "PATH": "/usr/bin:/bin"},
                   input=f"{PASSWORD}\n{PASSWORD}\n", text=True, check=True, capture_output=True, timeout=60)
    yield env
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def post_comment(visitor: Visitor, server: Gunicorn, text: str, email="dua@example.com"):
    page = f"{server.url}/articles/{ARTICLE}"
    fields = visitor.form_fields(page)
    return visitor.post(f"{page}/comments", {**fields, "comment": text, "author": "Dua Server",
                                             "email": email})


def test_two_servers_share_comments_approvals_limits_and_sessions(shared_services):
    with Gunicorn(shared_services) as one, Gunicorn(shared_services) as two:
        article_one, article_two = f"{one.url}/articles/{ARTICLE}", f"{two.url}/articles/{ARTICLE}"
        admin, commenter, reader = Visitor(), Visitor(), Visitor()

        # An admin session made on one server works on the other.
        token = admin.token(f"{one.url}/admin/login")
        status, headers, _ = admin.post(f"{one.url}/admin/login",
                                        {"csrf_token": token, "name": "editor", "password": PASSWORD})
        assert status == 303
        status, _, html = admin.get(f"{two.url}/admin/")
        assert status == 200 and "Moderasi" in html

        # Both servers have rendered (and cached) the page before anything happens.
        assert "Komentar pertama" not in reader.get(article_one)[2]
        assert "Komentar pertama" not in reader.get(article_two)[2]

        # A first comment, posted through one, is held: its author sees it through the other.
        status, headers, _ = post_comment(commenter, one, "Komentar pertama")
        assert status == 303
        comment_id = int(headers["Location"].rsplit("comment-", 1)[1])
        assert "Komentar pertama" in commenter.get(article_two)[2]
        assert "Komentar pertama" not in reader.get(article_two)[2]

        # Approved on one server, it shows on the other at once.
        token = admin.token(f"{one.url}/admin/")
        status, _, _ = admin.post(f"{one.url}/admin/comments/{comment_id}/approve", {"csrf_token": token})
        assert status == 303
        assert "Komentar pertama" in reader.get(article_two)[2]
        assert "Komentar pertama" in reader.get(article_one)[2]

        # The address is now trusted: a second comment, through two, is visible through one.
        status, _, _ = post_comment(commenter, two, "Komentar kedua")
        assert status == 303
        assert "Komentar kedua" in reader.get(article_one)[2]

        # The rate limit (3 a minute) is counted across both servers.
        assert post_comment(commenter, one, "Komentar ketiga")[0] == 303
        status, headers, html = post_comment(commenter, two, "Komentar keempat")
        assert status == 429 and int(headers["Retry-After"]) > 0
        assert "Komentar keempat" in html  # the text comes back

        # Trashed through two, it is gone from one at once (a placeholder only if it had replies).
        token = admin.token(f"{two.url}/admin/?status=approved")
        admin.post(f"{two.url}/admin/comments/{comment_id}/trash", {"csrf_token": token})
        assert "Komentar pertama" not in reader.get(article_one)[2]
