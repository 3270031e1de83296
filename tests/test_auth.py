"""Admin logins the server can end, and login limits nobody else can use against an admin."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AdminSession, Status

from helpers import (
    ADMIN_NAME,
    ADMIN_PASSWORD,
    AuthActions,
    add_comment,
    create_admin_account,
    status_of,
)


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str, forwarded_for: str = "203.0.113.9"):
    """Another client with a copy of the cookie (and a forged X-Forwarded-For)."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief, thief.get("/admin/", headers={"X-Forwarded-For": forwarded_for})


def test_a_copied_cookie_opens_nothing_after_logout(app, client, auth):
    auth.login()
    copied, token = session_cookie(client), auth.csrf()
    comment_id = add_comment(app, status=Status.PENDING)
    assert auth.logout().status_code == 303
    thief, response = replay(app, copied)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    response = thief.post(f"/admin/comments/{comment_id}/approve", data={"csrf_token": token})
    assert response.status_code in (302, 400)
    assert status_of(app, comment_id) == Status.PENDING
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AdminSession)) == 0


def move_logins_back(app, **ago: timedelta) -> None:
    with app.app_context():
        for column, delta in ago.items():
            for login in db.session.scalars(select(AdminSession)):
                setattr(login, column, getattr(login, column) - delta)
        db.session.commit()


def test_a_login_ends_after_two_idle_hours(app, client, auth):
    auth.login()
    move_logins_back(app, last_seen_at=timedelta(hours=1, minutes=59))
    assert client.get("/admin/").status_code == 200  # still alive, and seen again now
    move_logins_back(app, last_seen_at=timedelta(hours=2, minutes=1))
    assert client.get("/admin/").status_code == 302


def test_a_login_ends_twelve_hours_after_it_began_however_busy(app, client, auth):
    auth.login()
    move_logins_back(app, created_at=timedelta(hours=12, minutes=1))
    assert client.get("/admin/").status_code == 302


def test_log_out_everywhere_ends_every_login_of_the_admin(app, client, auth):
    create_admin_account(app, name="lain", password="kata-sandi-lain")
    laptop, phone, colleague = auth, AuthActions(app.test_client()), AuthActions(app.test_client())
    laptop.login()
    phone.login()
    colleague.login(name="lain", password="kata-sandi-lain")
    response = client.post("/admin/logout-everywhere", data={"csrf_token": laptop.csrf()})
    assert response.status_code == 303
    assert client.get("/admin/").status_code == 302
    assert phone.client.get("/admin/").status_code == 302
    assert colleague.client.get("/admin/").status_code == 200  # another admin's logins stay


def test_a_new_password_ends_the_logins_made_with_the_old_one(app, client, auth, runner):
    auth.login()
    result = runner.invoke(args=["admin", "passwd", ADMIN_NAME], input="kata-sandi-baru\nkata-sandi-baru\n")
    assert result.exit_code == 0, result.output
    assert client.get("/admin/").status_code == 302


def test_no_session_protection_reads_a_header_a_client_can_forge(app, client, auth):
    """The login works whatever X-Forwarded-For says: binding it to a header any client
    sets protects nothing (the server-side login is what can be ended)."""
    auth.login()
    assert client.get("/admin/", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 200


def failed_logins(app, address: str, times: int = 5) -> None:
    attacker = AuthActions(app.test_client())
    for _ in range(times):
        token = attacker.csrf("/admin/login")
        attacker.client.post("/admin/login", data={"csrf_token": token, "name": ADMIN_NAME, "password": "x"},
                             environ_overrides={"REMOTE_ADDR": address})


def test_nobody_can_lock_out_an_admin_on_a_known_browser(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    create_admin_account(app)
    admin = AuthActions(app.test_client())
    assert admin.login().status_code == 303  # this browser now holds a device cookie
    assert admin.client.get_cookie("warta_device", path="/admin/login")
    admin.logout()
    failed_logins(app, "198.51.100.66")
    known = admin.client.post("/admin/login", data={"csrf_token": admin.csrf("/admin/login"), "name": ADMIN_NAME,
                                                    "password": ADMIN_PASSWORD},
                              environ_overrides={"REMOTE_ADDR": "192.0.2.10"})
    assert known.status_code == 303
    # An unknown browser trying the same name is still limited, right password or not.
    unknown = AuthActions(app.test_client())
    response = unknown.client.post("/admin/login", data={"csrf_token": unknown.csrf("/admin/login"),
                                                         "name": ADMIN_NAME, "password": ADMIN_PASSWORD},
                                   environ_overrides={"REMOTE_ADDR": "192.0.2.11"})
    assert response.status_code == 429


def test_a_known_browser_is_limited_by_its_own_failures(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    create_admin_account(app)
    admin = AuthActions(app.test_client())
    admin.login()
    admin.logout()
    for _ in range(5):
        assert admin.login(password="salah").status_code == 422
    assert admin.login().status_code == 429


def test_a_forged_device_cookie_counts_for_nothing(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    create_admin_account(app)
    failed_logins(app, "198.51.100.66")
    forger = AuthActions(app.test_client())
    forger.client.set_cookie("warta_device", "eyJuYW1lIjoiZWRpdG9yIn0.forged", path="/admin/login")
    assert forger.login().status_code == 429


def test_ipv6_clients_are_limited_by_their_64(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    create_admin_account(app)
    for n in range(5):  # five addresses of one /64
        attacker = AuthActions(app.test_client())
        attacker.client.post("/admin/login", data={"csrf_token": attacker.csrf("/admin/login"), "name": f"x{n}",
                                                   "password": "x"},
                             environ_overrides={"REMOTE_ADDR": f"2001:db8:1:2::{n + 1}"})
    attacker = AuthActions(app.test_client())
    response = attacker.client.post("/admin/login", data={"csrf_token": attacker.csrf("/admin/login"),
                                                          "name": "y", "password": "x"},
                                    environ_overrides={"REMOTE_ADDR": "2001:db8:1:2:ffff::9"})
    assert response.status_code == 429
