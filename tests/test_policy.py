"""The moderation and spam rules, without a request."""

import pytest

from webapp.models import Status
from webapp.policy import Rules, Submission, can_reply, count_links, decide, truncate_ip

pytestmark = pytest.mark.no_database


def submission(**changes) -> Submission:
    values = dict(body="Komentar biasa.", author="Ani", url="", email="ani@example.com", honeypot="",
                  fill_seconds=30.0,
                  has_approved_before=True)
    values.update(changes)
    return Submission(**values)


@pytest.mark.parametrize(
    "rules, changes, expected",
    [
        (Rules(), {}, (Status.APPROVED, "")),
        (Rules(), {"has_approved_before": False}, (Status.PENDING, "first-time")),
        (Rules(moderation="all"), {}, (Status.PENDING, "moderation-all")),
        (Rules(moderation="none"), {"has_approved_before": False}, (Status.APPROVED, "")),
        (Rules(), {"honeypot": "buy now"}, (Status.SPAM, "honeypot")),
        (Rules(moderation="none"), {"fill_seconds": 1.0}, (Status.PENDING, "too-fast")),
        (Rules(moderation="none"), {"fill_seconds": None}, (Status.PENDING, "no-timestamp")),
        (Rules(min_fill_seconds=0), {"fill_seconds": 0.0}, (Status.APPROVED, "")),
        (Rules(), {"body": "see https://a.example and http://b.example"}, (Status.PENDING, "links")),
        (Rules(), {"body": "see https://a.example only"}, (Status.APPROVED, "")),
        (Rules(max_links=0), {"body": "https://a.example https://b.example https://c.example"}, (Status.APPROVED, "")),
        (Rules(blocklist=("viagra",)), {"body": "Cheap VIAGRA here"}, (Status.SPAM, "blocklist")),
        (Rules(blocklist=("casino",)), {"url": "https://casino.example"}, (Status.SPAM, "blocklist")),
        (Rules(blocklist=("casino",)), {"author": "Casino King"}, (Status.SPAM, "blocklist")),
    ],
)
def test_decide(rules, changes, expected):
    decision = decide(rules, submission(**changes))
    assert (decision.status, decision.hold_reason) == expected


def test_spam_traps_win_over_approval_rules():
    decision = decide(Rules(moderation="none"), submission(honeypot="x", fill_seconds=0.1))
    assert decision.status == Status.SPAM


@pytest.mark.parametrize(
    "address, stored",
    [
        ("203.0.113.77", "203.0.113.0"),
        ("2001:db8:abcd:12:1:2:3:4", "2001:db8:abcd::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("not an address", ""),
        ("", ""),
    ],
)
def test_truncate_ip(address, stored):
    assert truncate_ip(address) == stored


def test_count_links():
    assert count_links("a https://x.example b www.y.example c http://z") == 3
    assert count_links("no links here, just example.com") == 0


def test_thread_depth():
    assert can_reply(0, 3) and can_reply(1, 3)
    assert not can_reply(2, 3)
    assert not can_reply(0, 1)


@pytest.mark.parametrize("variant", [
    "main kasino", "main KASINO", "main ka\u200bsino", "main ka\u00adsino", "main ｋａｓｉｎｏ",
    "main kаsino",  # a Cyrillic а
    "main k%61sino", "main ka\u200d\u2060sino", "main KA\u0301SINO",
])
def test_the_blocklist_sees_through_variants(variant):
    decision = decide(Rules(blocklist=("kasino",)), submission(body=variant))
    assert (decision.status, decision.hold_reason) == (Status.SPAM, "blocklist")


def test_the_blocklist_checks_the_email_and_the_website_too():
    rules = Rules(blocklist=("pinjol",))
    assert decide(rules, submission(email="promo@pinjol.example")).status == Status.SPAM
    assert decide(rules, submission(url="https://pinjol.example")).status == Status.SPAM
    assert decide(rules, submission(body="Pinjaman resmi dari bank")).status == Status.APPROVED


def test_a_form_older_than_a_day_is_held():
    decision = decide(Rules(), submission(fill_seconds=25 * 3600.0))
    assert (decision.status, decision.hold_reason) == (Status.PENDING, "stale-form")
