"""No Host header a client chooses reaches another reader: absolute links come from the
base URL, other hosts are refused, and nothing cached depends on the request's host."""

from __future__ import annotations

import pytest

from helpers import ARTICLE, HTMX, add_comment

FEED = f"/articles/{ARTICLE}/comments.atom"
READER_ROUTES = [(f"/articles/{ARTICLE}", {}), (f"/articles/{ARTICLE}/sections/1", HTMX),
                 (f"/articles/{ARTICLE}/comments?page=1", HTMX), (FEED, {})]


def test_with_a_base_url_absolute_links_use_it_and_other_hosts_are_refused(app_factory):
    app = app_factory(WARTA_BASE_URL="https://news.example.org")
    add_comment(app, body="Satu")
    client = app.test_client()
    for url, headers in READER_ROUTES:
        attacked = client.get(url, headers=headers, base_url="http://evil.example")
        assert attacked.status_code == 400, url
        assert "evil.example" not in attacked.get_data(as_text=True)
    feed = client.get(FEED, base_url="https://news.example.org").get_data(as_text=True)
    assert f"https://news.example.org/articles/{ARTICLE}#comment-" in feed
    assert "evil.example" not in feed


@pytest.mark.parametrize("proxies, headers", [(0, {}), (1, {"X-Forwarded-Host": "evil.example"})])
def test_without_a_base_url_a_poisoned_host_reaches_no_other_reader(app_factory, proxies, headers):
    app = app_factory(WARTA_TRUSTED_PROXIES=proxies)
    add_comment(app, body="Satu")
    attacker = app.test_client()
    base = "http://evil.example" if not proxies else "http://localhost"
    for _ in range(4):
        attacker.get(FEED, headers=headers, base_url=base)
    reader = app.test_client()
    for _ in range(8):
        for url, reader_headers in READER_ROUTES:
            body = reader.get(url, headers=reader_headers).get_data(as_text=True)
            assert "evil.example" not in body, url


def test_no_slash_redirect_takes_its_host_from_the_request(client):
    for path in ("/admin", f"/articles/{ARTICLE}/", f"//articles/{ARTICLE}"):
        response = client.get(path, base_url="http://evil.example")
        assert "evil.example" not in response.headers.get("Location", ""), path
        assert response.status_code in (200, 302, 404), path
