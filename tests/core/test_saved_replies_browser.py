"""Saved replies in a real browser (issue 19, item 4): the agent opens the composer's picker, filters by
typing, inserts a reply with its placeholders filled for this conversation and sends it. Another mailbox's
replies are not offered. Screenshots: ``saved-replies-*.png`` (``$HELPDESK_SCREENSHOT_DIR``)."""

import pytest

from conversations.models import Thread
from conversations.services import NewThread
from mailboxes.services import mailbox_user_grant, saved_reply_create
from tests.browser import BROWSER_MARKS, screenshot_dir, sign_in
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory, UserFactory

pytestmark = BROWSER_MARKS


@pytest.fixture
def desk(live_server, media_root):
    support = MailboxFactory(name="Support", email="support@example.com", signature="")
    sales = MailboxFactory(name="Sales", email="sales@example.com")
    alan = UserFactory(email="alan@example.com", first_name="Alan", last_name="Agent")
    mailbox_user_grant(mailbox=support, user=alan)
    carla = CustomerFactory(first_name="Carla", last_name="Customer")
    conversation = ConversationFactory(
        mailbox=support,
        customer=carla,
        subject="The printer is on fire",
        threads=[NewThread(type=Thread.Type.CUSTOMER, body="<p>Smoke from tray 2.</p>")],
    )
    saved_reply_create(
        mailbox=support,
        name="Printer fixed",
        body="<p>Hi {customer.first_name|there},</p><p>Your printer (#{conversation.number}) works again.</p>"
        "<p>Best,<br>{agent.name} {unknown.thing}</p>",
    )
    saved_reply_create(mailbox=support, name="Password reset", body="<p>Use the reset link, {customer.first_name}.</p>")
    saved_reply_create(mailbox=sales, name="Price list", body="<p>Our prices</p>")
    return {"alan": alan, "conversation": conversation}


def test_an_agent_inserts_a_saved_reply_with_its_placeholders_filled(browser_page, live_server, desk):
    page, base, conversation, shots = browser_page, live_server.url, desk["conversation"], screenshot_dir()
    sign_in(page, base, desk["alan"].email)
    page.goto(f"{base}/admin/conversations/conversation/{conversation.pk}/change/")
    page.wait_for_load_state("networkidle")

    page.click("#hd-saved-toggle")
    items = page.locator(".hd-saved-item")
    items.first.wait_for()
    # The conversation's mailbox's replies only; Sales' "Price list" is not offered.
    assert items.locator("strong").all_text_contents() == ["Password reset", "Printer fixed"]
    page.keyboard.type("print")
    assert items.locator("strong").all_text_contents() == ["Printer fixed"]
    page.screenshot(path=str(shots / "saved-replies-01-picker.png"), full_page=True)

    page.keyboard.press("Enter")
    expected = f"Hi Carla,\n\nYour printer (#{conversation.number}) works again.\n\nBest,\nAlan Agent {{unknown.thing}}"
    editor = page.locator("#hd-reply-form textarea[name=text]")
    assert editor.input_value() == expected
    assert page.locator("#hd-saved-panel").is_hidden()
    page.screenshot(path=str(shots / "saved-replies-02-inserted.png"), full_page=True)

    page.click("#hd-send")
    page.wait_for_selector("text=Reply sent.")
    page.wait_for_load_state("networkidle")
    reply = Thread.objects.filter(conversation=conversation, type=Thread.Type.MESSAGE).get()
    assert "Hi Carla," in reply.body
    assert f"(#{conversation.number}) works again." in reply.body
    assert "Alan Agent {unknown.thing}" in reply.body
    # Leaves the conversation page (it polls, and says goodbye with a beacon) while the database still exists.
    page.goto("about:blank")
    page.wait_for_timeout(500)
