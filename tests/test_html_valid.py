"""The pages are valid HTML for the Nu HTML Checker (htmx's hx-* attributes aside)."""

from helpers import ARTICLE, add_comment, post
from html_check import nu_errors


def test_article_pages_are_valid_html(app, client, tmp_path):
    first = add_comment(app, author="Ani", body="Pertama\n\nhttps://example.org/x")
    add_comment(app, author="Budi", parent_id=first, body="Balasan <b>tebal</b>")
    page = client.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    pages = {
        "collapsed": page,
        "all-open": client.get(f"/articles/{ARTICLE}?sections=all").get_data(as_text=True),
        "section-3": client.get(f"/articles/{ARTICLE}/sections/3").get_data(as_text=True),
        "replying": client.get(f"/articles/{ARTICLE}?replytocom={first}").get_data(as_text=True),
        "not-found": client.get("/articles/none").get_data(as_text=True),
        "form-errors": client.post(
            f"/articles/{ARTICLE}/comments",
            data={"comment": " ", "email": "bad", "url": "javascript:x"},
        ).get_data(as_text=True),
    }
    posted = post(client, author="Citra", comment="Baru saja")
    pages["just-posted"] = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert 'class="comment-thanks"' in pages["just-posted"]
    assert nu_errors(pages, tmp_path) == []


def test_admin_pages_are_valid_html(app, client, auth, tmp_path):
    from webapp.models import Status

    held = add_comment(app, status=Status.PENDING, author="Ani", url="https://ani.example/a-b", body="Tahan")
    add_comment(app, status=Status.PENDING, author="Budi")
    auth.login()
    token = auth.csrf()
    acted = client.post(f"/admin/comments/{held}/spam", data={"csrf_token": token, "status": "pending"})
    pages = {
        "queue-after-action": client.get(acted.headers["Location"]).get_data(as_text=True),
        "queue-bulk-error": client.post("/admin/comments/bulk", data={"csrf_token": token, "action": "spam"}).get_data(as_text=True),
        "log": client.get("/admin/log").get_data(as_text=True),
    }
    assert "Urungkan" in pages["queue-after-action"]
    client.post("/admin/logout", data={"csrf_token": token})
    failed = client.post("/admin/login", data={"csrf_token": auth.csrf("/admin/login"), "name": "x", "password": "y"})
    pages["login-failed"] = failed.get_data(as_text=True)
    assert nu_errors(pages, tmp_path) == []
