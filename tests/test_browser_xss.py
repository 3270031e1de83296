"""Stored XSS, looked at in Chromium: on the article, in the reply form, in the feed and in
the admin queue no script runs and no dialog opens; the hostile text reads as text."""

import pytest

from webapp.models import Status

from helpers import ARTICLE, add_comment, create_admin_account, log_in

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>window.__pwned = 1; alert(1)</script>",
    '"><img src=x onerror="window.__pwned=1;alert(2)">',
    "<svg onload=alert(3)>",
    '<a href="javascript:alert(4)">klik</a>',
    '<div hx-get="/admin/" hx-trigger="load" hx-target="body">htmx</div>',
    '<hx-partial hx-target="body" hx-swap="innerHTML">owned</hx-partial>',
    "{{ 7 * 7 }} ${7*7}",
]
AUTHOR = '<img src=x onerror=alert(5)>Penyusup'


def watch_for_script(page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return dialogs


def assert_nothing_ran(page, dialogs):
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.evaluate("window.__pwned") is None
    assert page.watch.errors == []


@pytest.fixture
def hostile_comments(app):
    ids = [add_comment(app, author=AUTHOR, body=payload, url="javascript:alert(6)")
           for payload in PAYLOADS]
    ids += [add_comment(app, author=AUTHOR, body=payload, status=Status.PENDING) for payload in PAYLOADS]
    return ids


def test_article_and_reply_form(page, hostile_comments):
    dialogs = watch_for_script(page)
    page.goto(f"/articles/{ARTICLE}")
    for payload in PAYLOADS:
        assert page.get_by_text(payload, exact=True).first.is_visible()
    assert page.locator("#comment-list a[href^='javascript']").count() == 0
    assert page.locator("#comment-list img, #comment-list svg, #comment-list hx-partial").count() == 0
    # Open the reply form under a hostile author: the name is text in its heading.
    first = hostile_comments[0]
    page.locator(f"#comment-{first} .reply-link").click()
    page.locator(f"#reply-slot-{first} textarea").wait_for()
    assert f"Balas ke {AUTHOR}" in page.locator(f"#reply-slot-{first} h3").inner_text()
    assert page.title().startswith("Putin dan Kim")  # nothing took over the page
    assert_nothing_ran(page, dialogs)


def test_feed(page, hostile_comments):
    dialogs = watch_for_script(page)
    response = page.goto(f"/articles/{ARTICLE}/comments.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    xml = response.text()
    assert "&amp;lt;script&amp;gt;" in xml  # escaped HTML, escaped again as XML text
    assert "<script" not in xml and "<img" not in xml
    assert_nothing_ran(page, dialogs)


def test_admin_queue(app, page, hostile_comments):
    create_admin_account(app)
    dialogs = watch_for_script(page)
    log_in(page)
    for payload in PAYLOADS:
        assert page.get_by_text(payload, exact=True).first.is_visible()
    assert page.locator(".queue-table img, .queue-table svg").count() == 0
    assert_nothing_ran(page, dialogs)
