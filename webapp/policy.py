"""The rules that decide what happens to a comment: plain values in, plain values out."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from .models import Status
from .text import normalised

MODERATION_MODES = ("first-time", "all", "none")
EDIT_WINDOW = timedelta(minutes=10)
LINK = re.compile(r"(?:https?://|www\.)\S", re.IGNORECASE)


@dataclass(frozen=True)
class Decision:
    status: Status
    hold_reason: str  # empty when the comment is approved


@dataclass(frozen=True)
class Submission:
    """What the policy needs to know about one new comment."""

    body: str
    author: str
    url: str
    email: str
    honeypot: str
    fill_seconds: float | None  # None when the form's timestamp is missing or forged
    has_approved_before: bool  # the address has an approved comment, under any name
    has_approved_under_name: bool = False  # ... under this name (see ``same_name``)
    address_confirmed: bool = False  # the address confirmed it receives our mail


@dataclass(frozen=True)
class Rules:
    moderation: str = "first-time"
    min_fill_seconds: float = 3
    max_form_age: float = 24 * 60 * 60  # a form shown longer ago may be a replayed one
    max_links: int = 2
    blocklist: tuple[str, ...] = ()
    confirmation_required: bool = False  # mail is configured: trust needs a confirmed address


def count_links(text: str) -> int:
    """How many links a comment carries."""
    return len(LINK.findall(text))


def blocklisted_word(rules: Rules, *texts: str) -> str:
    """The first blocklist word found in any of ``texts``, compared as ``normalised``
    text (so "kasino" spelt with zero-width spaces, soft hyphens, fullwidth or Cyrillic
    letters, or %-escapes is still "kasino"), or ''."""
    haystack = " ".join(normalised(text) for text in texts)
    return next((w for w in rules.blocklist if normalised(w) and normalised(w) in haystack), "")


def decide(rules: Rules, submission: Submission) -> Decision:
    """Approve, hold for moderation, or file as spam, and say why."""
    if submission.honeypot:
        return Decision(Status.SPAM, "honeypot")
    texts = (submission.body, submission.author, submission.url, submission.email)
    if blocklisted_word(rules, *texts):
        return Decision(Status.SPAM, "blocklist")
    if submission.fill_seconds is None:
        return Decision(Status.PENDING, "no-timestamp")
    if submission.fill_seconds < rules.min_fill_seconds:
        return Decision(Status.PENDING, "too-fast")
    if submission.fill_seconds > rules.max_form_age:
        return Decision(Status.PENDING, "stale-form")
    if rules.max_links > 0 and count_links(submission.body) >= rules.max_links:
        return Decision(Status.PENDING, "links")
    if rules.moderation == "all":
        return Decision(Status.PENDING, "moderation-all")
    if rules.moderation == "first-time" and (reason := distrust(rules, submission)):
        return Decision(Status.PENDING, reason)
    return Decision(Status.APPROVED, "")


def distrust(rules: Rules, submission: Submission) -> str:
    """Why ``first-time`` moderation holds a comment, or '' when its address is trusted.

    | approved comment from the address | under this name | mail on | confirmed | held as |
    |---|---|---|---|---|
    | no  | -   | -   | -   | ``first-time`` |
    | yes | no  | -   | -   | ``other-name`` |
    | yes | yes | no  | -   | (trusted) |
    | yes | yes | yes | no  | ``unconfirmed`` |
    | yes | yes | yes | yes | (trusted) |

    An address alone can be typed by anyone; the name must match too, as WordPress
    requires, and when mail is on, the address must have answered our mail."""
    if not submission.has_approved_before:
        return "first-time"
    if not submission.has_approved_under_name:
        return "other-name"
    if rules.confirmation_required and not submission.address_confirmed:
        return "unconfirmed"
    return ""


def name_key(name: str) -> str:
    """A name as ``first-time`` moderation compares it: no case, spacing folded."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def same_name(name: str, other: str) -> bool:
    """Are these the same name, but for case and spacing?"""
    return name_key(name) == name_key(other)


# How an edit's decision meets the comment's status: an edit can hold or file a
# comment, never publish one that a moderator has not.
STRICTNESS = (Status.APPROVED, Status.PENDING, Status.SPAM)


def after_edit(current: str, decision: Decision, hold_reason: str) -> Decision:
    """The status and hold reason of a comment its author edited, from its status
    before (with its reason) and the policy's decision on the new text."""
    if STRICTNESS.index(decision.status) > STRICTNESS.index(Status(current)):
        return decision
    return Decision(Status(current), hold_reason)


def can_edit(status: str, age: timedelta, replies: int) -> bool:
    """May its author still edit a comment: within 10 minutes of posting it, before
    anyone replied, and while it is published or held (not removed)?"""
    return status in (Status.APPROVED, Status.PENDING) and age <= EDIT_WINDOW and replies == 0


def truncate_ip(address: str) -> str:
    """Keep only the network of an address: /24 for IPv4, /48 for IPv6."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def can_reply(depth: int, max_depth: int) -> bool:
    """Whether a comment at ``depth`` (0 = top level) may receive replies."""
    return depth + 1 < max_depth
