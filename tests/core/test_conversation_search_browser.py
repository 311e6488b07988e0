"""The agent UI's search in a real browser (issue 22): an agent types words in the conversation list's search
box and gets the conversations of their mailboxes that hold them, newest first, the matches marked in the
subject and in a passage of the message; text that looks like markup shows as text. Screenshots, desktop and
phone (390 px), go to screenshot_dir()."""

import pytest
from django.db import connection
from playwright.sync_api import expect

from conversations.models import Thread
from conversations.services import NewThread
from mailboxes.services import mailbox_user_grant
from tests.browser import BROWSER_MARKS, PHONE_VIEWPORT, screenshot_dir, sign_in
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory, UserFactory

pytestmark = BROWSER_MARKS


def _said(mailbox, subject: str, body: str):
    return ConversationFactory(
        mailbox=mailbox,
        subject=subject,
        customer=CustomerFactory(first_name="Carla", last_name="Customer"),
        threads=[NewThread(type=Thread.Type.CUSTOMER, body=body)],
    )


@pytest.fixture
def desk(live_server):
    support = MailboxFactory(name="Support", email="support@example.com")
    agent = UserFactory(email="alan@example.com", first_name="Alan", last_name="Agent")
    mailbox_user_grant(mailbox=support, user=agent)
    _said(support, "Invoice for March", "<p>Please find the invoice attached.</p>")
    older = _said(
        support,
        "Paper jam",
        "<p>Since Monday the office printer eats every second page. We tried new paper and a restart, and the "
        "tray still jams. &lt;script&gt;alert(1)&lt;/script&gt; is what the display shows.</p>",
    )
    newer = _said(support, "Printers on the second floor", "<p>Both are offline since the power cut.</p>")
    hidden = _said(MailboxFactory(name="Private", email="private@example.com"), "Printer in Private", "printer")
    return {"agent": agent, "older": older, "newer": newer, "hidden": hidden}


def test_an_agent_searches_and_sees_the_matches_marked(browser, browser_page, live_server, desk, csp_violations):
    page, base, shots = browser_page, live_server.url, screenshot_dir()
    sign_in(page, base, desk["agent"].email)
    page.goto(f"{base}/admin/conversations/conversation/")
    page.fill("#searchbar", "printer")
    page.press("#searchbar", "Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    # Newest first; the other mailbox's conversation is not among them.
    expect(rows.nth(0).locator(".hd-subject")).to_contain_text("Printers on the second floor")
    expect(rows.nth(1).locator(".hd-subject")).to_contain_text("Paper jam")
    expect(page.locator("#result_list")).not_to_contain_text("Private")
    if connection.vendor == "postgresql":  # stemmed: "Printers" is a match for "printer"
        expect(rows.nth(0).locator(".hd-subject mark")).to_have_text("Printers")
    expect(rows.nth(1).locator(".hd-preview mark").first).to_have_text("printer")
    # The message's text that looks like markup is shown as text, never run.
    assert page.locator("#result_list script").count() == 0
    page.screenshot(path=str(shots / "search-list-highlights.png"), full_page=True)

    phone = browser.new_context(viewport=PHONE_VIEWPORT, storage_state=page.context.storage_state())
    try:
        mobile = phone.new_page()
        mobile.goto(f"{base}/admin/conversations/conversation/?q=printer")
        expect(mobile.locator("#result_list .hd-preview mark").first).to_have_text("printer")
        mobile.screenshot(path=str(shots / "search-list-highlights-phone.png"), full_page=True)
        mobile.goto("about:blank")
    finally:
        phone.close()
        page.goto("about:blank")
    assert csp_violations == []
