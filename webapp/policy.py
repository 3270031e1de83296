"""The rules that decide what happens to a comment: plain values in, plain values out."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from .models import Status
from .text import normalised

MODERATION_MODES = ("first-time", "all", "none")
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
    has_approved_before: bool


@dataclass(frozen=True)
class Rules:
    moderation: str = "first-time"
    min_fill_seconds: float = 3
    max_form_age: float = 24 * 60 * 60  # a form shown longer ago may be a replayed one
    max_links: int = 2
    blocklist: tuple[str, ...] = ()


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
    if rules.moderation == "first-time" and not submission.has_approved_before:
        return Decision(Status.PENDING, "first-time")
    return Decision(Status.APPROVED, "")


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
