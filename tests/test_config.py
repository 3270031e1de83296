"""The config layers, the generated secret key and the session cookie's flags."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from webapp import PROJECT_ROOT, create_app
from webapp.config import instance_secret_key, load_environment

from conftest import ARTICLE, make_config

pytestmark = pytest.mark.no_database


def test_environment_sets_warta_settings_and_framework_settings():
    config = {"WARTA_MODERATION": "first-time", "WARTA_THREAD_DEPTH": 3, "WARTA_BLOCKLIST": []}
    load_environment(config, {"WARTA_MODERATION": "all", "WARTA_THREAD_DEPTH": "5",
                              "WARTA_SECRET_KEY": "s3cret", "WARTA_SESSION_COOKIE_SECURE": "false",
                              "WARTA_BLOCKLIST": '["kasino"]', "OTHER": "ignored"})
    assert config == {"WARTA_MODERATION": "all", "WARTA_THREAD_DEPTH": 5, "SECRET_KEY": "s3cret",
                      "SESSION_COOKIE_SECURE": False, "WARTA_BLOCKLIST": ["kasino"]}


def test_layers_apply_in_order(tmp_path, monkeypatch):
    instance_config = PROJECT_ROOT / "instance" / "config.py"
    if instance_config.exists():
        pytest.fail("instance/config.py exists on this machine; the test would overwrite it")
    instance_config.write_text('WARTA_MODERATION = "all"\nWARTA_MAX_LINKS = 7\nWARTA_THREAD_DEPTH = 4\n')
    try:
        monkeypatch.setenv("WARTA_MAX_LINKS", "9")
        monkeypatch.setenv("WARTA_THREAD_DEPTH", "5")
        app = create_app(make_config(tmp_path, WARTA_THREAD_DEPTH=6))
    finally:
        instance_config.unlink()
    assert app.config["WARTA_COMMENTS_PER_PAGE"] == 20  # default
    assert app.config["WARTA_MODERATION"] == "all"  # instance/config.py
    assert app.config["WARTA_MAX_LINKS"] == 9  # environment over instance
    assert app.config["WARTA_THREAD_DEPTH"] == 6  # test mapping over all


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
    response = app.test_client().get(f"/articles/{ARTICLE}")
    [cookie] = response.headers.getlist("Set-Cookie")  # the session, and nothing else
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) is expected
    os.environ.pop("FLASK_DEBUG", None)


def test_session_cookies_keep_flasks_format(tmp_path):
    """Warta signs sessions more cheaply, in Flask's own format: a cookie Flask's stock
    serializer made is read, one Warta made reads with Flask's, a forged one is refused."""
    from flask.sessions import SecureCookieSessionInterface

    app = create_app(make_config(tmp_path))
    stock = SecureCookieSessionInterface().get_signing_serializer(app)
    ours = app.session_interface.get_signing_serializer(app)
    data = {"csrf_token": "a" * 40, "own_comments": [3, 5], "commenter": {"author": "Ani"}}
    big = {"csrf_token": "b" * 40, "notes": "x" * 2000}  # compressed by Flask's serializer
    plain = {"csrf_token": "c" * 40, "_user_id": "1"}  # plain strings: no tagging walk
    tagged = {" t": "looks like a tag"}  # a key Flask's tagger escapes
    for session in (data, big, plain, tagged):
        assert ours.loads(stock.dumps(session)) == session
        assert stock.loads(ours.dumps(session)) == session
    with app.app_context():  # where Flask's JSON sorts the keys, as in a request
        for session in (data, plain, tagged, {"when": (1, 2)}, {"n": [{" t": "x"}], "a": 1.5}):
            assert ours.serializer.dumps(session) == stock.serializer.dumps(session)
    other = SecureCookieSessionInterface().get_signing_serializer(
        create_app(make_config(tmp_path, SECRET_KEY="another-key"))
    )
    with pytest.raises(Exception, match="Signature"):
        ours.loads(other.dumps(data))


def test_csrf_tokens_keep_flask_wtfs_format(tmp_path):
    """The page's CSRF token is made and checked without Flask-WTF's per-call
    serializer, in its format: each side accepts the other's token, and both refuse it
    for another session, another key, or past a time limit."""
    from flask import session
    from flask_wtf.csrf import generate_csrf
    from flask_wtf.csrf import validate_csrf as stock_validate
    from wtforms import ValidationError

    from webapp.sessions import csrf_token, validate_csrf

    app = create_app(make_config(tmp_path))
    with app.test_request_context():
        context = {}
        app.update_template_context(context)
        assert context["csrf_token"] is csrf_token  # what templates call, not Flask-WTF's
        ours = csrf_token()
        assert len(session["csrf_token"]) == 40 and csrf_token() == ours  # once per request
        for check in (stock_validate, validate_csrf):
            check(ours)
        secret = session["csrf_token"]
    with app.test_request_context():
        session["csrf_token"] = secret
        stock = generate_csrf()
        assert stock.split(".")[0] == ours.split(".")[0]  # the same signed secret
        for check in (stock_validate, validate_csrf):
            check(stock)
        session["csrf_token"] = "d" * 40  # another visitor's session
        for check in (stock_validate, validate_csrf):
            with pytest.raises(ValidationError, match="do not match"):
                check(ours)
        for token, message in (("", "missing"), ("not.a.token", "invalid"),
                               (ours[:-2] + "xx", "invalid")):
            with pytest.raises(ValidationError, match=message):
                validate_csrf(token)
        session.pop("csrf_token")
        with pytest.raises(ValidationError, match="session token is missing"):
            validate_csrf(ours)
    other = create_app(make_config(tmp_path, SECRET_KEY="another-key"))
    with other.test_request_context():
        session["csrf_token"] = secret
        for check in (stock_validate, validate_csrf):
            with pytest.raises(ValidationError, match="invalid"):
                check(ours)
    timed = create_app(make_config(tmp_path, WTF_CSRF_TIME_LIMIT=-1))  # every token too old
    with timed.test_request_context():
        session["csrf_token"] = secret
        with pytest.raises(ValidationError, match="expired"):
            validate_csrf(ours)
