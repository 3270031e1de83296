"""Rate limits are exact across gunicorn's workers on one machine, with no Redis: the
counters live in one SQLite file that every worker shares."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import ARTICLE
from servers import ROOT, Gunicorn, Visitor

pytestmark = pytest.mark.sqlite_only
PASSWORD = "kata-sandi-empat-pekerja"


@pytest.fixture(scope="module")
def four_workers(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("limits")
    env = {
        "WARTA_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'warta.sqlite3'}",
        "WARTA_CACHE_STORAGE_URI": f"file://{tmp_path / 'cache'}",
        "WARTA_RATELIMIT_STORAGE_URI": f"warta+sqlite://{tmp_path / 'ratelimits.sqlite3'}",
        "WARTA_SECRET_KEY": "empat-pekerja",
        "WARTA_SESSION_COOKIE_SECURE": "false",
        "WARTA_MIN_FILL_SECONDS": "0",
        "WARTA_MODERATION": "none",
        "WARTA_COMMENT_RATE_LIMIT": "5 per minute",
        "WARTA_LOGIN_RATE_LIMIT": "5 per 5 minutes",
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env | {"PATH": "/usr/bin:/bin"},
                   check=True, capture_output=True, timeout=60)
    subprocess.run([*flask, "admin", "create", "editor"], cwd=ROOT, env=env | {"PATH": "/usr/bin:/bin"},
                   input=f"{PASSWORD}\n{PASSWORD}\n", text=True, check=True, capture_output=True, timeout=60)
    with Gunicorn(env, workers=4) as server:
        yield server


def test_ten_rapid_posts_across_four_workers_let_five_through(four_workers):
    page = f"{four_workers.url}/articles/{ARTICLE}"
    statuses = []
    for n in range(10):
        visitor = Visitor()  # a new connection, so gunicorn hands it to any worker
        fields = visitor.form_fields(page)
        status, _, _ = visitor.post(f"{page}/comments", {**fields, "comment": f"Cepat {n}", "author": "Ani",
                                                         "email": "ani@example.com"})
        statuses.append(status)
    assert statuses.count(303) == 5 and statuses.count(429) == 5, statuses


def test_ten_guesses_across_four_workers_let_five_through(four_workers):
    statuses = []
    for _ in range(10):
        guesser = Visitor()
        token = guesser.token(f"{four_workers.url}/admin/login")
        status, _, _ = guesser.post(f"{four_workers.url}/admin/login",
                                    {"csrf_token": token, "name": "editor", "password": "tebakan"})
        statuses.append(status)
    assert statuses == [422] * 5 + [429] * 5, statuses
