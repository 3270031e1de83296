"""What one visitor has of their own, kept in Flask's signed session cookie: the
comments they posted, the details they asked to keep, a notice for their next page.
A visitor with none of these that concern the page sees what everyone sees, and gets
the public response a shared cache may keep."""

from __future__ import annotations

from flask import session
from flask_login import current_user

from .discussion import waiting_among

OWN_COMMENTS_KEPT = 50


def own_comment_ids() -> set[int]:
    """Ids of the comments this browser posted."""
    return {i for i in session.get("own_comments", []) if type(i) is int}


def remember_own_comment(comment_id: int) -> None:
    kept = [i for i in session.get("own_comments", []) if type(i) is int]
    session["own_comments"] = (kept + [comment_id])[-OWN_COMMENTS_KEPT:]


def remembered_commenter() -> dict[str, str]:
    """Name, email and website this browser asked to keep, if any."""
    saved = session.get("commenter")
    return saved if isinstance(saved, dict) else {}


def keep_commenter(author: str, email: str, url: str, remember: bool) -> None:
    """Remember (or forget) this browser's name, email and website. Remembered
    details outlive the browser's session, as the form promises."""
    if remember:
        session["commenter"] = {"author": author, "email": email, "url": url}
        session.permanent = True
    else:
        session.pop("commenter", None)


def leave_notice(text: str, link: str = "") -> None:
    """A message for the visitor's next page (a plain post's thank-you), with the
    private link to manage the comment when there is one."""
    session["notice"] = text
    if link:
        session["notice_link"] = link


def take_notice() -> str:
    """The message left for this page, once."""
    return session.pop("notice", "") if "notice" in session else ""


def take_notice_link() -> str:
    """The manage link left with the message, once."""
    return session.pop("notice_link", "") if "notice_link" in session else ""


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
