"""The config layers, the generated secret key and the session cookie's flags."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from webapp import create_app
from webapp.config import instance_secret_key, load_environment

from helpers import make_config

pytestmark = pytest.mark.no_database


def test_environment_sets_warta_settings_and_framework_settings():
    config = {"WARTA_MODERATION": "first-time", "WARTA_THREAD_DEPTH": 3, "WARTA_BLOCKLIST": []}
    load_environment(config, {"WARTA_MODERATION": "all", "WARTA_THREAD_DEPTH": "5",
                              "WARTA_SECRET_KEY": "s3cret", "WARTA_SESSION_COOKIE_SECURE": "false",
                              "WARTA_BLOCKLIST": '["kasino"]', "OTHER": "ignored"})
    assert config == {"WARTA_MODERATION": "all", "WARTA_THREAD_DEPTH": 5, "SECRET_KEY": "s3cret",
                      "SESSION_COOKIE_SECURE": False, "WARTA_BLOCKLIST": ["kasino"]}


def test_layers_apply_in_order(tmp_path, monkeypatch):
    """Defaults, then instance/config.py, then the environment."""
    (tmp_path / "config.py").write_text(
        'WARTA_MODERATION = "all"\nWARTA_MAX_LINKS = 7\nWARTA_THREAD_DEPTH = 4\n'
        f'SECRET_KEY = "k"\nSQLALCHEMY_DATABASE_URI = "sqlite:///{tmp_path}/w.sqlite3"\n'
    )
    monkeypatch.setenv("WARTA_MAX_LINKS", "9")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["WARTA_COMMENTS_PER_PAGE"] == 20  # default
    assert app.config["WARTA_MODERATION"] == "all"  # instance/config.py
    assert app.config["WARTA_THREAD_DEPTH"] == 4  # instance/config.py
    assert app.config["WARTA_MAX_LINKS"] == 9  # environment over instance


def test_tests_see_neither_the_instance_folder_nor_the_environment(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text('WARTA_MODERATION = "all"\n')
    monkeypatch.setenv("WARTA_MAX_LINKS", "9")
    app = create_app(make_config(tmp_path, WARTA_THREAD_DEPTH=6), instance_path=str(tmp_path))
    assert app.config["WARTA_MODERATION"] == "first-time"
    assert app.config["WARTA_MAX_LINKS"] == 2
    assert app.config["WARTA_THREAD_DEPTH"] == 6


def test_secret_key_is_generated_once_and_shared(tmp_path):
    keys: list[str] = []
    threads = [threading.Thread(target=lambda: keys.append(instance_secret_key(str(tmp_path))))
               for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert instance_secret_key(str(tmp_path)) == keys[0]
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"
    assert [p.name for p in Path(tmp_path).iterdir()] == ["secret_key"]  # no temporary files left


@pytest.mark.parametrize("secure, debug, expected", [(None, False, True), (None, True, False),
                                                     (False, False, False)])
def test_session_cookie_flags(tmp_path, monkeypatch, secure, debug, expected):
    if debug:
        monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app(make_config(tmp_path, SESSION_COOKIE_SECURE=secure))
    with app.app_context():
        from webapp.extensions import db

        db.create_all()
    response = app.test_client().get("/admin/login")  # the login form starts a session
    [cookie] = response.headers.getlist("Set-Cookie")  # the session, and nothing else
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) is expected
    # A Secure cookie carries the __Host- prefix: no subdomain or path can set it.
    assert cookie.startswith("__Host-session=" if expected else "session=")
    with app.app_context():
        db.engine.dispose()


def test_plain_http_from_another_machine_with_secure_cookies_says_what_to_set(app_factory, caplog):
    app = app_factory(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    lan = client.get("/admin/login", environ_overrides={"REMOTE_ADDR": "192.168.1.20"})
    assert "WARTA_SESSION_COOKIE_SECURE=false" in lan.get_data(as_text=True)
    assert "WARTA_SESSION_COOKIE_SECURE=false" in caplog.text
    local = client.get("/admin/login")  # from loopback: browsers keep Secure cookies there
    assert "WARTA_SESSION_COOKIE_SECURE" not in local.get_data(as_text=True)
    secure = client.get("/admin/login", base_url="https://localhost", environ_overrides={"REMOTE_ADDR": "192.168.1.20"})
    assert "WARTA_SESSION_COOKIE_SECURE" not in secure.get_data(as_text=True)
