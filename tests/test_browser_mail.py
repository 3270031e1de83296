"""Mail in Chromium against a real SMTP server: ask for replies, confirm through the
mailed link, get the reply, unsubscribe."""

import re

import pytest

from webapp.models import Status

from helpers import ARTICLE, add_comment, stored

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(smtp_sink) -> dict:
    return smtp_sink.settings(WARTA_MODERATION="none")


def send(app) -> None:
    assert app.test_cli_runner().invoke(args=["mail", "send"]).exit_code == 0


def mailed_link(received, kind: str) -> str:
    match = re.search(rf"(http://127\.0\.0\.1:\d+/\S*{kind}/\S+)", received.text())
    assert match, received.text()
    return match.group(1)


def test_notify_confirm_reply_and_unsubscribe(app, page_factory, smtp_sink):
    ani = page_factory(True)
    ani.goto(f"/articles/{ARTICLE}")
    form = ani.locator("#commentform")
    form.locator("[name=comment]").fill("Kabari saya bila ada balasan.")
    form.locator("[name=author]").fill("Ani")
    form.locator("[name=email]").fill("ani@example.com")
    form.get_by_label("Beri tahu saya lewat email bila ada balasan").check()
    form.get_by_role("button", name="Kirim Komentar").click()
    ani.get_by_role("status").get_by_text("Komentar Anda telah diterbitkan").wait_for()
    send(app)
    [confirmation] = smtp_sink.to("ani@example.com")
    ani.goto(mailed_link(confirmation, "confirm"))
    ani.get_by_role("button", name="Konfirmasi alamat saya").click()
    ani.get_by_text("alamat Anda telah dikonfirmasi").wait_for()

    parent = stored(app)[0]
    add_comment(app, author="Budi", email="budi@example.com", status=Status.APPROVED)
    budi = page_factory(False)
    budi.goto(f"/articles/{ARTICLE}")
    budi.locator(f"#comment-{parent.id}").get_by_role("link", name="Balas ke Ani").click()
    form = budi.locator("#commentform")
    form.locator("[name=comment]").fill("Ini balasan dari Budi.")
    form.locator("[name=author]").fill("Budi")
    form.locator("[name=email]").fill("budi@example.com")
    form.get_by_role("button", name="Kirim Komentar").click()
    budi.wait_for_url("**#comment-*")
    send(app)
    notice = smtp_sink.to("ani@example.com")[-1]
    assert "Ini balasan dari Budi." in notice.text()
    assert "budi@example.com" not in notice.raw.decode()
    ani.goto(mailed_link(notice, "articles"))
    ani.get_by_text("Ini balasan dari Budi.").wait_for()

    ani.goto(mailed_link(notice, "unsubscribe"))
    ani.get_by_role("button", name="Berhenti berlangganan").click()
    ani.get_by_text("Anda telah berhenti berlangganan").wait_for()
    before = len(smtp_sink.received)
    add_comment(app, parent_id=parent.id, author="Citra", email="citra@example.com")
    send(app)
    assert len(smtp_sink.received) == before
