"""Nothing acknowledged is lost: concurrent writers, killed workers and servers, backups."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from helpers import ARTICLE
from load import CommentLoad
from servers import ROOT, Gunicorn, Visitor

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_env(database_uri: str, tmp_path: Path) -> dict:
    return {
        "WARTA_SQLALCHEMY_DATABASE_URI": database_uri,
        "WARTA_SECRET_KEY": "reliability-secret",
        "WARTA_SESSION_COOKIE_SECURE": "false",
        "WARTA_CACHE_STORAGE_URI": f"file://{tmp_path / 'cache'}",
        "WARTA_RATELIMIT_ENABLED": "false",  # the load comes from one address, on purpose
        "WARTA_MIN_FILL_SECONDS": "0",
        "WARTA_MODERATION": "none",
        "PATH": "/usr/bin:/bin",
    }


def flask(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=True, **kwargs)


def stored_bodies_sqlite(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT body FROM comments")]


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def assert_stored_exactly_once(acknowledged: set[str], stored: list[str]) -> None:
    counts: dict[str, int] = {}
    for body in stored:
        counts[body] = counts.get(body, 0) + 1
    assert [b for b, n in counts.items() if n > 1] == [], "a comment was stored twice"
    assert acknowledged - counts.keys() == set(), "an acknowledged comment was lost"


@pytest.fixture
def sqlite_env(tmp_path):
    env = server_env(f"sqlite:///{tmp_path / 'warta.sqlite3'}", tmp_path)
    flask(env, "db", "upgrade")
    return env


@pytest.fixture
def postgres_env(tmp_path):
    name = "warta_reliability"
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    env = server_env(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", tmp_path)
    flask(env, "db", "upgrade")
    yield env
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_concurrent_writers_on_sqlite(sqlite_env, tmp_path):
    with Gunicorn(sqlite_env, workers=4) as server:
        result = CommentLoad(server.url, total=2000, connections=32).start().join()
        log = server.output()
    acknowledged = result.acknowledged
    assert len(result.statuses) == 2000
    assert result.count(lambda s: s >= 500 or s == 0) == 0, "a post got a 5xx or no answer"
    assert len(acknowledged) == 2000
    assert "database is locked" not in log and "Traceback" not in log
    assert "penguji@example.com" not in log  # the access log never holds an address
    assert_stored_exactly_once(acknowledged, stored_bodies_sqlite(tmp_path / "warta.sqlite3"))
    assert integrity(tmp_path / "warta.sqlite3") == "ok"


@pytest.mark.postgres
def test_concurrent_writers_on_postgresql(postgres_env):
    with Gunicorn(postgres_env, workers=4) as server:
        result = CommentLoad(server.url, total=2000, connections=32).start().join()
        log = server.output()
    assert result.count(lambda s: s >= 500 or s == 0) == 0
    assert len(result.acknowledged) == 2000
    assert "Traceback" not in log
    with psycopg.connect(postgres_env["WARTA_SQLALCHEMY_DATABASE_URI"].replace("+psycopg", "")) as connection:
        stored = [row[0] for row in connection.execute("SELECT body FROM comments")]
    assert_stored_exactly_once(result.acknowledged, stored)


def test_killed_worker_and_killed_server_lose_nothing_acknowledged(sqlite_env, tmp_path):
    database = tmp_path / "warta.sqlite3"
    server = Gunicorn(sqlite_env, workers=4).start()
    try:
        load = CommentLoad(server.url, total=1500, connections=32, tag="bunuh").start()
        load.wait_for(300)
        os.kill(server.worker_pids()[0], signal.SIGKILL)  # one worker dies mid-request
        load.wait_for(900)
        os.killpg(server.process.pid, signal.SIGKILL)  # then the whole server
        result = load.join()
    finally:
        server.stop()
    assert len(result.acknowledged) >= 900
    assert integrity(database) == "ok"
    assert_stored_exactly_once(result.acknowledged, stored_bodies_sqlite(database))
    # Restarted, it serves and takes comments as before.
    with Gunicorn(sqlite_env, workers=2) as restarted:
        visitor = Visitor()
        status, _, html = visitor.get(f"{restarted.url}/articles/{ARTICLE}")
        assert status == 200 and "bunuh-" in html
        fields = visitor.form_fields(f"{restarted.url}/articles/{ARTICLE}")
        status, _, _ = visitor.post(f"{restarted.url}/articles/{ARTICLE}/comments", {
            **fields, "comment": "setelah pemulihan", "author": "A", "email": "a@example.com"})
        assert status == 303
    assert "setelah pemulihan" in stored_bodies_sqlite(database)


def test_backup_during_writes_restores_every_comment_acknowledged_before_it(sqlite_env, tmp_path):
    backup = tmp_path / "backups" / "warta-backup.sqlite3"
    backup.parent.mkdir()
    with Gunicorn(sqlite_env, workers=4) as server:
        load = CommentLoad(server.url, total=1500, connections=16, tag="cadang").start()
        load.wait_for(400)
        before_backup = load.result.acknowledged
        output = flask(sqlite_env, "backup", str(backup)).stdout
        during = len(load.result.acknowledged)
        result = load.join()
    assert "(pemeriksaan integritas: ok)" in output
    assert len(result.acknowledged) > during > len(before_backup)  # writes went on throughout
    # Restore as the README says: copy into place, drop the old WAL files, migrate, start.
    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    target = restored_dir / "warta.sqlite3"
    shutil.copy(backup, target)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    assert integrity(target) == "ok"
    restored_env = {**sqlite_env, "WARTA_SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}"}
    flask(restored_env, "db", "upgrade")
    stored = stored_bodies_sqlite(target)
    assert before_backup - set(stored) == set()
    with Gunicorn(restored_env, workers=1) as server:
        status, _, html = Visitor().get(f"{server.url}/articles/{ARTICLE}")
        assert status == 200 and "cadang-" in html
