"""The moderation and spam rules, without a request."""

from datetime import timedelta

import pytest

from webapp.models import Status
from webapp.policy import (
    Decision,
    Rules,
    Submission,
    after_edit,
    can_edit,
    can_reply,
    count_links,
    decide,
    distrust,
    name_key,
    same_name,
    truncate_ip,
)

pytestmark = pytest.mark.no_database


def submission(**changes) -> Submission:
    values = dict(body="Komentar biasa.", author="Ani", url="", email="ani@example.com", honeypot="",
                  fill_seconds=30.0, has_approved_before=True, has_approved_under_name=True,
                  address_confirmed=True)
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


# Trust in first-time moderation, one test per row of the table in policy.distrust.
@pytest.mark.parametrize(
    "approved, under_name, mail_on, confirmed, held_as",
    [
        (False, False, False, False, "first-time"),
        (False, False, True, True, "first-time"),  # confirming an address is not enough
        (True, False, False, False, "other-name"),
        (True, False, True, True, "other-name"),  # nor with a confirmed address
        (True, True, False, False, ""),
        (True, True, True, False, "unconfirmed"),
        (True, True, True, True, ""),
    ],
)
def test_trust_needs_the_name_and_with_mail_a_confirmed_address(approved, under_name, mail_on,
                                                               confirmed, held_as):
    rules = Rules(confirmation_required=mail_on)
    sub = submission(has_approved_before=approved, has_approved_under_name=under_name,
                     address_confirmed=confirmed)
    assert distrust(rules, sub) == held_as
    decision = decide(rules, sub)
    expected = (Status.PENDING, held_as) if held_as else (Status.APPROVED, "")
    assert (decision.status, decision.hold_reason) == expected


def test_trust_is_asked_only_in_first_time_mode():
    untrusted = submission(has_approved_before=False)
    assert decide(Rules(moderation="none", confirmation_required=True), untrusted).status == Status.APPROVED


@pytest.mark.parametrize(
    "name, other, same",
    [
        ("Ani Sari", "ani sari", True),
        ("  Ani   Sari ", "Ani Sari", True),
        ("ANI\tSARI", "ani sari", True),
        ("Straße", "STRASSE", True),  # casefold, not lower
        ("Ani Sari", "Ani Sar", False),
        ("Ani", "Budi", False),
    ],
)
def test_names_compare_without_case_or_spacing(name, other, same):
    assert same_name(name, other) is same
    assert (name_key(name) == name_key(other)) is same


@pytest.mark.parametrize(
    "current, reason, decision, expected",
    [
        (Status.APPROVED, "", Decision(Status.APPROVED, ""), (Status.APPROVED, "")),
        (Status.APPROVED, "", Decision(Status.PENDING, "links"), (Status.PENDING, "links")),
        (Status.APPROVED, "", Decision(Status.SPAM, "blocklist"), (Status.SPAM, "blocklist")),
        (Status.PENDING, "first-time", Decision(Status.APPROVED, ""), (Status.PENDING, "first-time")),
        (Status.PENDING, "first-time", Decision(Status.PENDING, "links"), (Status.PENDING, "first-time")),
        (Status.PENDING, "first-time", Decision(Status.SPAM, "blocklist"), (Status.SPAM, "blocklist")),
    ],
)
def test_an_edit_can_hold_a_comment_but_never_publish_one(current, reason, decision, expected):
    outcome = after_edit(current, decision, reason)
    assert (outcome.status, outcome.hold_reason) == expected


@pytest.mark.parametrize(
    "status, age, replies, allowed",
    [
        (Status.APPROVED, timedelta(minutes=9, seconds=59), 0, True),
        (Status.PENDING, timedelta(seconds=5), 0, True),
        (Status.APPROVED, timedelta(minutes=10, seconds=1), 0, False),
        (Status.APPROVED, timedelta(minutes=1), 1, False),
        (Status.SPAM, timedelta(minutes=1), 0, False),
        (Status.TRASH, timedelta(minutes=1), 0, False),
    ],
)
def test_edits_only_for_ten_minutes_and_before_replies(status, age, replies, allowed):
    assert can_edit(status, age, replies) is allowed


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
