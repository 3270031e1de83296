"""Cross-site requests are refused by origin, as Go's CrossOriginProtection does it:
every branch of the rule, then the rule at work on the comment form and the admin."""

from __future__ import annotations

import pytest

from webapp.origin import is_cross_origin

from helpers import ARTICLE, HTMX, POST_URL, form_fields, stored

HOST = "news.example"
NOBODY: frozenset[str] = frozenset()


@pytest.mark.parametrize(
    "method, fetch_site, origin, trusted, refused",
    [
        ("POST", "same-origin", None, NOBODY, False),
        ("POST", "none", None, NOBODY, False),  # typed or bookmarked by the user
        ("POST", "same-site", None, NOBODY, True),  # a sibling subdomain is another origin
        ("POST", "cross-site", "https://evil.example", NOBODY, True),
        ("POST", "cross-site", "https://partner.example", frozenset({"https://partner.example"}), False),
        ("POST", "junk", None, NOBODY, True),
        ("POST", None, "https://news.example", NOBODY, False),  # older browsers: Origin only
        ("POST", None, "http://NEWS.example", NOBODY, False),  # hosts compare without case
        ("POST", None, "https://evil.example", NOBODY, True),
        ("POST", None, "https://news.example:8443", NOBODY, True),  # another port, another origin
        ("POST", None, "null", NOBODY, True),  # a sandboxed frame or a data: page
        ("POST", None, "http://[::1", NOBODY, True),
        ("POST", None, "https://partner.example", frozenset({"https://partner.example"}), False),
        ("POST", None, None, NOBODY, False),  # neither header: not a browser
        ("GET", "cross-site", "https://evil.example", NOBODY, False),  # safe methods pass
        ("HEAD", "cross-site", None, NOBODY, False),
        ("PUT", "cross-site", None, NOBODY, True),
        ("DELETE", None, "https://evil.example", NOBODY, True),
    ],
)
def test_the_rule(method, fetch_site, origin, trusted, refused):
    assert is_cross_origin(method, fetch_site, origin, HOST, trusted) is refused


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}])
def test_a_cross_site_comment_is_refused_in_the_pages_language_with_the_text_kept(app, client, htmx, headers):
    data = {**form_fields(client), "comment": "Teks panjang saya", "author": "Ani", "email": "ani@example.com"}
    response = client.post(POST_URL, data=data, headers={**headers, **(HTMX if htmx else {})})
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Teks panjang saya</textarea>" in html
    assert "Formulir ini dikirim dari situs lain" in html
    assert "private" in response.headers["Cache-Control"]
    assert stored(app) == []


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"},
                                     {"Origin": "http://localhost"}, {}])
def test_same_origin_and_non_browser_posts_go_through(app, client, headers):
    data = {**form_fields(client), "comment": "Dari sini", "author": "Ani", "email": "ani@example.com"}
    assert client.post(POST_URL, data=data, headers=headers).status_code == 303
    assert [c.body for c in stored(app)] == ["Dari sini"]


def test_trusted_origins_are_a_setting(app_factory):
    app = app_factory(WARTA_TRUSTED_ORIGINS="https://partner.example, https://other.example/")
    client = app.test_client()
    data = {**form_fields(client), "comment": "Dari mitra", "author": "Ani", "email": "ani@example.com"}
    assert client.post(POST_URL, data=data, headers={"Origin": "https://other.example"}).status_code == 303
    assert client.post(POST_URL, data=data, headers={"Origin": "https://evil.example"}).status_code == 403


def test_behind_a_trusted_proxy_the_forwarded_host_is_the_host(app_factory):
    app = app_factory(WARTA_TRUSTED_PROXIES=1)
    client = app.test_client()
    data = {**form_fields(client), "comment": "Lewat proksi", "author": "Ani", "email": "ani@example.com"}
    proxied = {"X-Forwarded-Host": "news.example", "X-Forwarded-For": "203.0.113.9"}
    assert client.post(POST_URL, data=data, headers={**proxied, "Origin": "http://news.example"}).status_code == 303
    assert client.post(POST_URL, data=data, headers={"Origin": "http://news.example"}).status_code == 403


def test_the_admin_gets_the_origin_check_on_top_of_its_tokens(client, auth):
    auth.login()
    token = auth.csrf()
    response = client.post("/admin/logout", data={"csrf_token": token}, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403 and "dikirim dari situs lain" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200  # still logged in
    assert client.post("/admin/logout", data={}, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 400
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 303
    assert client.get(f"/articles/{ARTICLE}").status_code == 200
