"""Rendered pages kept in memory and thrown away exactly when a comment changes.

Each article has a version. Any commit that changes what readers of it see (adds,
changes or deletes a comment that is or was approved) moves the version on: SQLAlchemy
hooks note the change when the ORM session flushes it and apply it after the commit, so
no change made through the session can forget. Every write goes through the session.
Workers keep what they rendered under the version it was rendered for; a reader who
meets a new version gets a fresh render.

The versions live where every worker sees them: in a file per article under
``instance/cache/`` on one machine, or in Redis (``WARTA_CACHE_STORAGE_URI``) when
several servers share one database."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections import OrderedDict
from pathlib import Path
from threading import Lock

from flask import Flask, current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .models import Comment, Status


class FileVersions:
    """Versions as small files replaced atomically on change. The version is read with
    one ``stat``: a replaced file has a new inode and a new modification time."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.paths: dict[str, str] = {}  # built once per article: this is read on every view

    def _path(self, slug: str) -> str:
        path = self.paths.get(slug)
        if path is None:
            path = self.paths[slug] = str(self.folder / f"{slug}.version")
        return path

    def current(self, slug: str) -> str:
        try:
            info = os.stat(self._path(slug))
        except FileNotFoundError:
            self.bump(slug)
            info = os.stat(self._path(slug))
        return f"{info.st_ino}-{info.st_mtime_ns}-{info.st_size}"

    def bump(self, slug: str) -> None:
        # A new random value, so two writers at once can never leave an old one in place.
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{slug}.")
        with os.fdopen(fd, "w") as handle:
            handle.write(uuid.uuid4().hex)
        os.replace(tmp, self._path(slug))


class RedisVersions:
    """Versions in Redis, for several app servers sharing one database."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url)

    def current(self, slug: str) -> str:
        value = self.client.get(f"warta:version:{slug}")
        return value.decode() if value else "0"

    def bump(self, slug: str) -> None:
        self.client.incr(f"warta:version:{slug}")


class RenderCache:
    """A small per-worker LRU of rendered text and of figures per discussion version."""

    def __init__(self, size: int = 256):
        self.size = size
        self.items: OrderedDict[tuple, object] = OrderedDict()
        self.lock = Lock()

    def get(self, key: tuple):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def get_or_render(self, key: tuple, render):
        """The value kept under ``key``, made by ``render()`` when missing."""
        value = self.get(key)
        if value is None:
            value = render()
            self.put(key, value)
        return value

    def put(self, key: tuple, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def versions():
    return current_app.extensions["warta.versions"]


def renders() -> RenderCache:
    return current_app.extensions["warta.renders"]


def article_version(slug: str) -> str:
    """The current version of an article's discussion."""
    return versions().current(slug)


def changes_public_view(comment: Comment) -> bool:
    """Does this change alter what readers see? Only if the comment is or was approved,
    or moved in its thread. A held comment arriving changes nothing public. (Deletions
    always count: their replies move; see below.)"""
    state = inspect(comment)
    if state.pending or state.transient:
        return comment.status == Status.APPROVED
    history = state.attrs.status.history
    was = history.deleted[0] if history.deleted else comment.status
    moved = state.attrs.parent_id.history.has_changes() or state.attrs.depth.history.has_changes()
    return moved or Status.APPROVED in (was, comment.status)


def _collect_changed_articles(session: Session, flush_context, instances) -> None:
    changed = session.info.setdefault("warta_changed_articles", set())
    for item in (*session.new, *session.dirty):
        if isinstance(item, Comment) and item.article_slug and changes_public_view(item):
            changed.add(item.article_slug)
    for item in session.deleted:
        if isinstance(item, Comment) and item.article_slug:
            changed.add(item.article_slug)


def _bump_changed_articles(session: Session) -> None:
    changed = session.info.pop("warta_changed_articles", set())
    if changed and current_app:
        for slug in changed:
            versions().bump(slug)


def _forget_changes(session: Session) -> None:
    session.info.pop("warta_changed_articles", None)


def init_app(app: Flask) -> None:
    uri = app.config["WARTA_CACHE_STORAGE_URI"] or ""
    if uri.startswith(("redis://", "rediss://", "unix://")):
        app.extensions["warta.versions"] = RedisVersions(uri)
    elif uri.startswith("file://"):
        app.extensions["warta.versions"] = FileVersions(Path(uri.removeprefix("file://")))
    else:
        app.extensions["warta.versions"] = FileVersions(Path(app.instance_path) / "cache")
    app.extensions["warta.renders"] = RenderCache()


event.listen(Session, "before_flush", _collect_changed_articles)
event.listen(Session, "after_commit", _bump_changed_articles)
event.listen(Session, "after_rollback", _forget_changes)
