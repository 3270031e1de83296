"""No commenter's email leaves in any public page, fragment, feed, header or error."""

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Comment, Status

from helpers import ARTICLE, HTMX, post

SEEDED = ["rahasia.ani@example.com", "Budi.Private@Example.org", "citra+tag@mail.example.net"]


def public_urls(ids: list[int]) -> list[tuple[str, dict]]:
    urls = [("/", {}), (f"/articles/{ARTICLE}", {}), (f"/articles/{ARTICLE}?sections=all", {}),
            (f"/articles/{ARTICLE}/comments.atom", {}), ("/healthz", {}), ("/articles/none", {}),
            (f"/articles/{ARTICLE}/comments?page=1", HTMX), (f"/articles/{ARTICLE}/comments?page=1", {}),
            (f"/articles/{ARTICLE}/comments?page=2", HTMX), (f"/articles/{ARTICLE}/comments?page=x", {})]
    for n in range(1, 6):
        urls += [(f"/articles/{ARTICLE}/sections/{n}", HTMX), (f"/articles/{ARTICLE}/sections/{n}", {})]
    for comment_id in ids:
        urls += [(f"/articles/{ARTICLE}/comments/{comment_id}/reply", HTMX),
                 (f"/articles/{ARTICLE}?replytocom={comment_id}", {})]
    return urls


def leaks(response) -> list[str]:
    text = response.get_data(as_text=True).lower()
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items()).lower()
    return [e for e in SEEDED if e.lower() in text or e.lower() in headers]


def test_no_email_in_any_public_response(app):
    author = app.test_client()
    for n, email in enumerate(SEEDED):
        post(author, email=email, author=f"Penulis {n}", comment=f"Komentar {n}")
    with app.app_context():
        comments = list(db.session.scalars(select(Comment)))
        for comment in comments[:2]:
            comment.status = Status.APPROVED
        db.session.commit()
        ids = [c.id for c in comments]
    post(author, email=SEEDED[0], comment="Balasan", parent=str(ids[0]))
    stranger = app.test_client()
    for client in (stranger, author):
        for url, headers in public_urls(ids):
            response = client.get(url, headers=headers)
            assert response.status_code < 500, url
            assert leaks(response) == [], url
    # A stranger's failed posts answer with their own form, never with someone else's address.
    response = post(stranger, htmx=True, email="bad", parent=str(ids[0]), inline="1")
    assert response.status_code == 422 and leaks(response) == []
    response = post(stranger, htmx=True, comment="Komentar 0", email="x@example.com")
    assert leaks(response) == []


def test_no_email_in_the_logs(app, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    post(client, email=SEEDED[0], comment="log")
    post(client, htmx=True, email=SEEDED[1], url="javascript:x")  # a refused post
    client.post(f"/articles/{ARTICLE}/comments", data={"email": SEEDED[2], "comment": "no token"})
    text = caplog.text.lower()
    assert all(email.lower() not in text for email in SEEDED)


def encodings(email: str) -> list[str]:
    """The ways an address could sit in a cookie: plain, URL-encoded, base64 of it or of
    JSON around it (Flask's session cookie is base64 of JSON)."""
    import base64
    from urllib.parse import quote

    found = [email, quote(email), quote(email, safe="")]
    for text in (email, f'"{email}"', f'"email":"{email}"'):
        for shift in range(3):  # base64 of the address at each alignment inside a longer text
            chunk = base64.urlsafe_b64encode(("x" * shift + text).encode()).decode().rstrip("=")
            found.append(chunk[(shift * 4 + 2) // 3 + 1 : -2])
            found.append(chunk[(shift * 4 + 2) // 3 + 1 : -2].replace("-", "+").replace("_", "/"))
    return [e.lower() for e in found if len(e) > 6]


def test_no_cookie_carries_an_email_in_any_encoding(app):
    import zlib

    client = app.test_client()
    for n, email in enumerate(SEEDED):
        response = post(client, email=email, author=f"Penulis {n}", comment=f"Diingat {n}", remember="y")
        cookies = " ".join(response.headers.getlist("Set-Cookie")).lower()
        assert all(form not in cookies for form in encodings(email)), email
        value = client.get_cookie("session").value
        payload = value.split(".")[0] if not value.startswith(".") else value.split(".")[1]
        raw = __import__("base64").urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        text = (zlib.decompress(raw) if value.startswith(".") else raw).decode(errors="replace").lower()
        assert email.lower() not in text
    # The details are still remembered for the form, in this browser only.
    page = client.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert f'value="{SEEDED[-1]}"' in page
