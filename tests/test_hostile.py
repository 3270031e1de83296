"""Every case of the hostile-input corpus gets the right 4xx (or a safe success), a
readable answer, never a 5xx, and never a row that should not exist."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Comment

from helpers import ARTICLE, form_fields
from hostile_corpus import HOSTILE_TEXT, Case, all_cases

CASES = all_cases()
READABLE = re.compile(r'class="(field-error|form-notice|error-page|error-fragment)"|<h1 id="error-title">')


def row_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Comment.id)))


def send(client, case: Case):
    headers = dict(case.headers)
    if case.form is not None:
        data = {**form_fields(client), "comment": f"Komentar sah untuk {case.name}",
                "author": "Penguji", "email": "penguji@example.com"}
        data.update(case.form)
        return client.open(case.path, method=case.method, data=data, headers=headers)
    if case.body is not None:
        return client.open(case.path, method=case.method, data=case.body,
                           content_type=case.content_type, headers=headers)
    return client.open(case.path, method=case.method, headers=headers)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input(app, client, case):
    before = row_count(app)
    response = send(client, case)
    html = response.get_data(as_text=True)
    assert response.status_code < 500, html[:500]
    assert response.status_code in case.expect, (response.status_code, html[:300])
    if response.status_code >= 400 and case.method != "HEAD":
        assert READABLE.search(html), html[:500]
    after = row_count(app)
    assert after - before == (1 if case.stores and response.status_code == 303 else 0)
    # Whatever was stored is shown as text, never as markup.
    if after > before:
        page = client.get(f"/articles/{ARTICLE}").get_data(as_text=True)
        for text in HOSTILE_TEXT.values():
            if "<" in text:
                assert text not in page
        assert "<script>alert" not in page and "<hx-partial" not in page
        assert event_handler_attributes(page) == []


class AttributeNames(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [f"{tag} {name}" for name, _ in attrs if name.startswith("on")]


def event_handler_attributes(html: str) -> list[str]:
    """Every on* attribute of every element, as a browser would parse the page."""
    parser = AttributeNames()
    parser.feed(html)
    return parser.found


def test_deep_reply_chains_stay_within_the_thread_depth(app, client):
    from helpers import add_comment, post

    app.config["WARTA_MODERATION"] = "none"
    parent = add_comment(app)
    for step in range(25):
        response = post(client, parent=str(parent), comment=f"rantai {step}")
        assert response.status_code == 303
        with app.app_context():
            newest = db.session.scalars(select(Comment).order_by(Comment.id.desc())).first()
            assert newest.depth <= app.config["WARTA_THREAD_DEPTH"] - 1
            parent = newest.id
    assert client.get(f"/articles/{ARTICLE}").status_code == 200


def test_ids_of_another_article_are_refused(app, client):
    from helpers import HTMX, add_comment, post

    other = add_comment(app, article_slug="artikel-lain", body="di artikel lain")
    assert client.get(f"/articles/{ARTICLE}/comments/{other}/reply", headers=HTMX).status_code == 404
    assert client.get(f"/articles/{ARTICLE}/comments/{other}/reply").status_code == 404
    before = row_count(app)
    response = post(client, parent=str(other))
    assert response.status_code == 422 and "tidak tersedia" in response.get_data(as_text=True)
    assert row_count(app) == before


@pytest.mark.parametrize("trusted_proxies", [0, 1])
def test_x_forwarded_for_cannot_dodge_the_rate_limit(app_factory, trusted_proxies):
    from helpers import form_fields

    app = app_factory(RATELIMIT_ENABLED=True, WARTA_COMMENT_RATE_LIMIT="2 per minute",
                      WARTA_TRUSTED_PROXIES=trusted_proxies, WARTA_MODERATION="none")
    client = app.test_client()
    statuses = []
    for n in range(4):
        # The client forges the left part; a trusted proxy appends the real address last.
        forwarded = f"10.0.0.{n}, 203.0.113.9" if trusted_proxies else f"10.0.0.{n}"
        data = {**form_fields(client), "comment": f"palsu {n}", "author": "A", "email": "a@example.com"}
        response = client.post(f"/articles/{ARTICLE}/comments", data=data,
                               headers={"X-Forwarded-For": forwarded},
                               environ_base={"REMOTE_ADDR": "192.0.2.1"})
        statuses.append(response.status_code)
    assert statuses == [303, 303, 429, 429]
    with app.app_context():
        ips = set(db.session.scalars(select(Comment.ip)))
    assert ips == ({"203.0.113.0"} if trusted_proxies else {"192.0.2.0"})


@pytest.mark.parametrize("parent", ["abc", "\u00b2", "\u2460", "1" * 5000])
def test_a_bad_parent_while_rate_limited_is_a_429_with_the_text_kept(app_factory, parent):
    from helpers import HTMX, form_fields

    app = app_factory(RATELIMIT_ENABLED=True, WARTA_COMMENT_RATE_LIMIT="1 per minute", WARTA_MODERATION="none")
    client = app.test_client()
    data = {**form_fields(client), "comment": "Pertama", "author": "A", "email": "a@example.com"}
    assert client.post(f"/articles/{ARTICLE}/comments", data=data).status_code == 303
    for headers in ({}, HTMX):
        data = {**form_fields(client), "comment": "Teks yang tertahan", "author": "A", "email": "a@example.com",
                "parent": parent, "inline": "1"}
        response = client.post(f"/articles/{ARTICLE}/comments", data=data, headers=headers)
        assert response.status_code == 429
        assert "Teks yang tertahan</textarea>" in response.get_data(as_text=True)
