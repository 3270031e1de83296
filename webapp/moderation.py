"""What moderation actions do to a comment: plain rules, then the stored change."""

from __future__ import annotations

from sqlalchemy import select

from .extensions import db
from .models import Comment, ModerationEntry, Status

# action -> (the statuses it applies to, the status it leads to; None: deleted)
ACTIONS: dict[str, tuple[frozenset[str], Status | None]] = {
    "approve": (frozenset({Status.PENDING, Status.SPAM}), Status.APPROVED),
    "unapprove": (frozenset({Status.APPROVED}), Status.PENDING),
    "spam": (frozenset({Status.PENDING, Status.APPROVED}), Status.SPAM),
    "trash": (frozenset({Status.PENDING, Status.APPROVED, Status.SPAM}), Status.TRASH),
    "restore": (frozenset({Status.SPAM, Status.TRASH}), Status.PENDING),
    "delete": (frozenset({Status.SPAM, Status.TRASH}), None),
}


def allowed(action: str, status: str) -> bool:
    """Can ``action`` be applied to a comment whose status is ``status``?"""
    return action in ACTIONS and status in ACTIONS[action][0]


def actions_for(status: str) -> list[str]:
    """The actions the queue offers for a comment in ``status``, in a stable order."""
    return [action for action in ACTIONS if allowed(action, status)]


def mask_email(email: str) -> str:
    """Show an address as its first letter and its domain: ``p•••@example.com``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def apply(comment: Comment, action: str, admin_name: str) -> ModerationEntry:
    """Apply an allowed action to a comment and log it (the caller commits)."""
    before = comment.status
    target = ACTIONS[action][1]
    if target is None:
        detach_replies(comment)
        db.session.delete(comment)
        after = "deleted"
    else:
        comment.status = target
        comment.hold_reason = "" if target == Status.APPROVED else comment.hold_reason
        after = str(target)
    entry = ModerationEntry(
        comment_id=comment.id,
        admin_name=admin_name,
        action=action,
        from_status=str(before),
        to_status=after,
    )
    db.session.add(entry)
    return entry


def undoable(entry: ModerationEntry, comment: Comment | None) -> bool:
    """Can this logged action still be undone? Not a deletion, not an undo, and only while
    the comment is as the action left it and nothing has been done to it since."""
    return (
        comment is not None
        and entry.action not in ("delete", "undo")
        and comment.status == entry.to_status
        and latest_entry_id(comment.id) == entry.id
    )


def latest_entry_id(comment_id: int) -> int | None:
    return db.session.scalar(
        select(ModerationEntry.id)
        .where(ModerationEntry.comment_id == comment_id)
        .order_by(ModerationEntry.id.desc())
        .limit(1)
    )


def undo(entry: ModerationEntry, comment: Comment, admin_name: str) -> ModerationEntry:
    """Put a comment back in the status a logged action took it from, and log that as
    an ``undo``. This is not the opposite action: trashing an approved comment is undone
    to approved, which no single action does (restore leads to pending)."""
    back = Status(entry.from_status)
    comment.status = back
    comment.hold_reason = "" if back == Status.APPROVED else comment.hold_reason
    undone = ModerationEntry(
        comment_id=comment.id,
        admin_name=admin_name,
        action="undo",
        from_status=entry.to_status,
        to_status=str(back),
    )
    db.session.add(undone)
    return undone


def detach_replies(comment: Comment) -> None:
    """Before a comment is deleted for good, its replies move up one level."""
    thread_root = comment.root_id
    thread = list(
        db.session.scalars(
            select(Comment).where((Comment.thread_id == thread_root) | (Comment.id == thread_root))
        )
    )
    by_parent: dict[int | None, list[Comment]] = {}
    for item in thread:
        by_parent.setdefault(item.parent_id, []).append(item)

    def relink(node: Comment, parent: Comment | None) -> None:
        node.parent_id = parent.id if parent else None
        node.thread_id = parent.root_id if parent else None
        node.depth = parent.depth + 1 if parent else 0
        for child in by_parent.get(node.id, []):
            relink(child, node)

    parent = db.session.get(Comment, comment.parent_id) if comment.parent_id else None
    for child in by_parent.get(comment.id, []):
        relink(child, parent)
    db.session.flush()
