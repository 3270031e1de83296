"""What one visitor has of their own, kept in Flask's signed session cookie: the
comments they posted, the details they asked to keep, a notice for their next page.
A visitor with none of these that concern the page sees what everyone sees, and gets
the public response a shared cache may keep."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, session
from flask_login import current_user

from . import signing
from .discussion import waiting_among

OWN_COMMENTS_KEPT = 50


def own_comment_ids() -> set[int]:
    """Ids of the comments this browser posted."""
    return {i for i in session.get("own_comments", []) if type(i) is int}


def remember_own_comment(comment_id: int) -> None:
    kept = [i for i in session.get("own_comments", []) if type(i) is int]
    session["own_comments"] = (kept + [comment_id])[-OWN_COMMENTS_KEPT:]


def remembered_commenter() -> dict[str, str]:
    """Name, email and website this browser asked to keep, if any. They are kept
    encrypted: the cookie is signed, not secret, and the email is never shown."""
    if "commenter" not in session:
        return {}
    max_age = int(current_app.permanent_session_lifetime.total_seconds())
    saved = signing.unseal(session["commenter"], max_age)
    return {key: str(saved.get(key, "")) for key in ("author", "email", "url")} if saved else {}


def keep_commenter(author: str, email: str, url: str, remember: bool) -> None:
    """Remember (or forget) this browser's name, email and website. Remembered
    details outlive the browser's session, as the form promises."""
    if remember:
        session["commenter"] = signing.seal({"author": author, "email": email, "url": url})
        session.permanent = True
    else:
        session.pop("commenter", None)


@dataclass(frozen=True)
class Notice:
    """A message for the visitor's next page: a plain post's thank-you (shown on the
    comment it is about, with the private link to manage it), or a manage page's word."""

    text: str = ""
    link: str = ""
    comment_id: int | None = None


def leave_notice(text: str, link: str = "", comment_id: int | None = None) -> None:
    session["notice"] = {"text": text, "link": link, "comment": comment_id}


def take_notice() -> Notice:
    """The notice left for this page, once."""
    saved = session.pop("notice", None) if "notice" in session else None
    if not isinstance(saved, dict):
        return Notice()
    comment_id = saved.get("comment")
    return Notice(
        text=str(saved.get("text", "")),
        link=str(saved.get("link", "")),
        comment_id=comment_id if type(comment_id) is int else None,
    )


def sees_public_page(slug: str) -> bool:
    """True when this visitor's view of the article is everyone's: nothing remembered
    in the form, no notice waiting, not an admin, and none of their own comments on it
    awaiting moderation."""
    if not session:
        return True
    if remembered_commenter() or "notice" in session or current_user.is_authenticated:
        return False
    own_ids = own_comment_ids()
    return not own_ids or not waiting_among(slug, own_ids)
