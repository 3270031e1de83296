"""Seed a Warta database with approved comments in threads on the home article."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from webapp.extensions import db
from webapp.models import Comment, Status
from webapp.timeutil import utcnow

WORDS = ["pakta", "pertahanan", "Rusia", "Korea", "Utara", "Pyongyang", "Moskow", "aliansi", "sanksi", "perjanjian", "kerja", "sama", "dialog", "strategis", "keamanan", "kawasan", "dunia", "multipolar"]


def comment_rows(slug: str, count: int) -> list[dict]:
    """``count`` comments: threads of a top-level comment and three replies (depths 1, 2, 1)."""
    start = utcnow() - timedelta(days=30)
    rows = []
    for index in range(count):
        comment_id = index + 1
        position = index % 4
        root = comment_id - position
        parent, depth = {0: (None, 0), 1: (root, 1), 2: (root + 1, 2), 3: (root, 1)}[position]
        text = " ".join(WORDS[(index + k) % len(WORDS)] for k in range(25))
        rows.append({
            "id": comment_id,
            "article_slug": slug,
            "parent_id": parent,
            "thread_id": root if parent else None,
            "depth": depth,
            "author": f"Pembaca {comment_id}",
            "email": f"pembaca{comment_id}@example.com",
            "url": "https://example.org/" if index % 5 == 0 else "",
            "body": f"Komentar {comment_id}: {text}.",
            "status": Status.APPROVED,
            "hold_reason": "",
            "ip": "203.0.113.0",
            "created_at": start + timedelta(seconds=index),
            "updated_at": start + timedelta(seconds=index),
        })
    return rows


def seed(app, count: int) -> None:
    """Insert the comments (in one transaction, chunked) into the app's database."""
    slug = app.config["WARTA_HOME_ARTICLE"]
    rows = comment_rows(slug, count)
    with app.app_context():
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(Comment), rows[start : start + 5000])
        db.session.commit()
        from webapp.cache import versions

        versions().bump(slug)
