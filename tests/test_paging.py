"""Pages of threads are read by key ranges: any page costs the same number of rows,
however deep, and there is no page past the last."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, insert

from webapp.extensions import db
from webapp.models import Comment, Status
from webapp.timeutil import utcnow

from helpers import ARTICLE, HTMX

THREADS = 50_000


@pytest.fixture
def big_discussion(app):
    start = utcnow() - timedelta(days=30)
    rows = [{"article_slug": ARTICLE, "author": f"Pembaca {n}", "email": "", "email_hash": "", "url": "",
             "body": f"Komentar {n}", "status": Status.APPROVED, "hold_reason": "", "ip": "", "depth": 0,
             "created_at": start + timedelta(seconds=n), "updated_at": start} for n in range(THREADS)]
    with app.app_context():
        for chunk in range(0, THREADS, 5_000):
            db.session.execute(insert(Comment), rows[chunk:chunk + 5_000])
        db.session.commit()
    return app


def test_any_page_loads_the_same_few_comments(big_discussion):
    for page in (1, 2, 1_000, 2_500):
        assert comments_loaded(big_discussion, page) == 20  # never the 20 × page before it


def comments_loaded(big_discussion, page: int) -> int:
    """How many comments the first render of ``page`` loads."""
    big_discussion.extensions["warta.renders"].items.clear()
    client = big_discussion.test_client()
    # Another page first: the page ranges are worked out once per discussion version
    # (one key per page, 2,500 here), then each page is read by its range alone.
    assert client.get(f"/articles/{ARTICLE}/comments?page={3 if page < 3 else 1}", headers=HTMX).status_code == 200
    assert len(big_discussion.extensions["warta.renders"].get(("page-starts", ARTICLE, version(big_discussion)))) == 2_500
    loaded: list[int] = []
    listener = lambda comment, context: loaded.append(comment.id)  # noqa: E731
    event.listen(Comment, "load", listener)
    try:
        response = client.get(f"/articles/{ARTICLE}/comments?page={page}", headers=HTMX)
    finally:
        event.remove(Comment, "load", listener)
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('class="comment depth-0') == 20
    return len(loaded)


def version(app) -> str:
    with app.app_context():
        from webapp.cache import article_version

        return article_version(ARTICLE)


def test_past_the_last_page_is_404(big_discussion):
    client = big_discussion.test_client()
    assert client.get(f"/articles/{ARTICLE}/comments?page=2500", headers=HTMX).status_code == 200
    assert client.get(f"/articles/{ARTICLE}/comments?page=2501", headers=HTMX).status_code == 404
    assert client.get(f"/articles/{ARTICLE}/comments?page=2501").status_code == 404
