"""A real cross-site form post in Chromium: a page on another origin (another loopback
port) posts to Warta's comment form; Warta refuses it in the page's language and stores
nothing, while the same form on Warta's own page goes through."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Comment

from helpers import ARTICLE

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config() -> dict:
    return {"WARTA_MODERATION": "none"}


@pytest.fixture
def other_site(live_server):
    """Another origin whose page holds a form aimed at Warta, sent as soon as it loads
    when told to (a script of its own: it is not Warta's page, Warta's CSP is not its)."""
    target = f"{live_server.url}/articles/{ARTICLE}/comments"
    page = f"""<!doctype html><html lang="en"><title>Elsewhere</title>
<form id="evil" method="post" action="{target}">
<textarea name="comment">Dikirim dari situs lain</textarea>
<input name="author" value="Penyusup"><input name="email" value="penyusup@example.com">
<button>Kirim</button></form></html>""".encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
    thread.join(5)


def stored(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Comment.body)))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_form_on_another_site_cannot_post_a_comment(app, page_factory, other_site, javascript):
    page = page_factory(javascript)
    page.goto(other_site)
    with page.expect_navigation():
        page.get_by_role("button", name="Kirim").click()
    assert page.get_by_text("Formulir ini dikirim dari situs lain, jadi tidak diterima.").is_visible()
    assert page.locator("#comment").input_value() == "Dikirim dari situs lain"  # nothing typed is lost
    assert stored(app) == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_same_post_from_warta_itself_goes_through(app, page_factory, javascript):
    page = page_factory(javascript)
    page.goto(f"/articles/{ARTICLE}")
    form = page.locator("#commentform")
    form.locator("[name=comment]").fill("Dikirim dari halaman ini")
    form.locator("[name=author]").fill("Ani")
    form.locator("[name=email]").fill("ani@example.com")
    form.get_by_role("button", name="Kirim Komentar").click()
    page.locator(".comment-text", has_text="Dikirim dari halaman ini").wait_for()
    assert stored(app) == ["Dikirim dari halaman ini"]
