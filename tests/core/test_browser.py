"""The agent UI in a real browser: Playwright drives Debian's chromium headless against the live server.

An agent signs in, opens Unassigned, opens a conversation, replies with an attachment, assigns it to
themselves, closes and tags it; the result is checked in the database and in the API's JSON, and another
mailbox's conversation stays out of reach. Screenshots of the main screens go to
``$HELPDESK_SCREENSHOT_DIR`` (tests/browser.py)."""

import pytest

from conversations.models import Conversation, Thread
from conversations.services import NewThread
from helpdesk.services import api_key_create
from mailboxes.models import Folder
from mailboxes.services import mailbox_user_grant
from tests.browser import BROWSER_MARKS, screenshot_dir, sign_in
from tests.factories import AdminFactory, ConversationFactory, CustomerFactory, MailboxFactory, UserFactory

pytestmark = BROWSER_MARKS


@pytest.fixture
def desk(live_server, media_root):
    support = MailboxFactory(name="Support", email="support@example.com")
    private = MailboxFactory(name="Private", email="private@example.com")
    agent = UserFactory(email="alan@example.com", first_name="Alan", last_name="Agent")
    mailbox_user_grant(mailbox=support, user=agent)
    customer = CustomerFactory(first_name="Carla", last_name="Customer")
    conversation = ConversationFactory(
        mailbox=support,
        customer=customer,
        subject="The printer is on fire",
        threads=[NewThread(type=Thread.Type.CUSTOMER, body="<p>Smoke is coming out of <b>tray 2</b>.</p>")],
    )
    ConversationFactory(mailbox=support, subject="Password reset", customer=customer)
    hidden = ConversationFactory(mailbox=private, subject="Private matter")
    return {"support": support, "agent": agent, "conversation": conversation, "hidden": hidden}


def test_agent_works_a_conversation_in_the_browser(browser_page, live_server, desk, tmp_path):
    page, base, shots = browser_page, live_server.url, screenshot_dir()
    agent, support, conversation = desk["agent"], desk["support"], desk["conversation"]

    page.goto(f"{base}/admin/login/")
    page.screenshot(path=str(shots / "01-login.png"))
    sign_in(page, base, agent.email)
    assert "Private" not in page.inner_text(".hd-dashboard")
    page.screenshot(path=str(shots / "02-dashboard-mailboxes.png"), full_page=True)

    page.click(f'.hd-dashboard a[data-folder-type="1"][data-mailbox="{support.pk}"]')
    page.wait_for_selector("#result_list")
    assert "The printer is on fire" in page.inner_text("#result_list")
    assert "Private matter" not in page.content()
    page.screenshot(path=str(shots / "03-unassigned-folder.png"), full_page=True)

    page.click("text=The printer is on fire")
    page.wait_for_selector(".hd-timeline")
    assert "Smoke is coming out of" in page.inner_text(".hd-timeline")
    page.screenshot(path=str(shots / "04-conversation.png"), full_page=True)

    attachment = tmp_path / "steps.txt"
    attachment.write_text("1. Unplug the printer.\n")
    page.get_by_label("Reply", exact=True).fill("Please unplug it now.\nWe are sending a technician.")
    page.set_input_files("#hd-reply-form input[name=attachments]", str(attachment))
    page.click("#hd-reply-form button[type=submit]")
    page.wait_for_selector("text=Reply sent.")

    page.click("#hd-assign-me")
    page.wait_for_selector("#hd-assignee:has-text('Alan Agent')")
    page.click("#hd-close")
    page.wait_for_selector("#hd-status:has-text('Closed')")
    page.fill("#hd-tags-form input[name=tags]", "hardware, urgent")
    page.click("#hd-tags-form button[type=submit]")
    page.wait_for_selector("#hd-tags:has-text('urgent')")
    assert "steps.txt" in page.inner_text(".hd-timeline")
    page.screenshot(path=str(shots / "05-conversation-replied-assigned-closed-tagged.png"), full_page=True)

    conversation.refresh_from_db()
    reply = conversation.threads.get(type=Thread.Type.MESSAGE)
    assert (reply.created_by_user, reply.body) == (
        agent,
        # Enter in the rich editor (composer.js) starts a paragraph, as in a mail client.
        "<p>Please unplug it now.</p>\n\n<p>We are sending a technician.</p>",
    )
    assert list(reply.attachments.values_list("file_name", flat=True)) == ["steps.txt"]
    assert (conversation.assignee, conversation.status, conversation.folder.type) == (
        agent,
        "closed",
        Folder.Type.CLOSED,
    )
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["hardware", "urgent"]

    raw_key = api_key_create(user=agent, name="browser test")[1]
    api = page.request.get(
        f"{base}/api/conversations/{conversation.pk}?embed=threads,tags", headers={"X-FreeScout-API-Key": raw_key}
    )
    assert api.status == 200
    body = api.json()
    assert (body["status"], body["assignee"]["id"]) == ("closed", agent.pk)
    assert sorted(tag["name"] for tag in body["_embedded"]["tags"]) == ["hardware", "urgent"]
    messages = [t for t in body["_embedded"]["threads"] if t["type"] == "message"]
    assert [a["fileName"] for a in messages[0]["_embedded"]["attachments"]] == ["steps.txt"]
    assert [t["action"]["type"] for t in body["_embedded"]["threads"] if t["type"] == "lineitem"][:2] == [
        "changed-ticket-status",
        "changed-ticket-assignee",
    ]

    hidden = page.goto(f"{base}/admin/conversations/conversation/{desk['hidden'].pk}/change/")
    assert hidden.status == 404
    assert "Private matter" not in page.content()
    page.screenshot(path=str(shots / "06-other-mailbox-not-found.png"))
    assert Conversation.objects.get(pk=desk["hidden"].pk).threads.count() == 1


def test_bulk_actions_in_the_browser(browser_page, live_server, desk):
    page, base, shots = browser_page, live_server.url, screenshot_dir()
    agent, support = desk["agent"], desk["support"]
    sign_in(page, base, agent.email)
    unassigned = Folder.objects.get(mailbox=support, type=Folder.Type.UNASSIGNED)
    page.goto(f"{base}/admin/conversations/conversation/?folder={unassigned.pk}")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "assign")
    page.select_option("select[name=assignee]", str(agent.pk))
    page.screenshot(path=str(shots / "07-bulk-assign.png"), full_page=True)
    page.click("button[name=index]")
    page.wait_for_selector("text=Assigned to Alan Agent: 2 conversation(s).")
    mine = Folder.objects.get(mailbox=support, type=Folder.Type.MINE, user=agent)
    page.goto(f"{base}/admin/conversations/conversation/?folder={mine.pk}")
    assert page.locator("#result_list tbody tr").count() == 2
    assert Conversation.objects.filter(mailbox=support, assignee=agent).count() == 2


def test_admin_configures_a_mailbox_in_the_browser(browser_page, live_server, desk):
    page, base, shots = browser_page, live_server.url, screenshot_dir()
    boss = AdminFactory(email="boss@example.com", first_name="Bea")
    sign_in(page, base, boss.email)
    page.screenshot(path=str(shots / "08-admin-dashboard.png"), full_page=True)
    page.goto(f"{base}/admin/mailboxes/mailbox/{desk['support'].pk}/change/")
    page.wait_for_selector("text=Outgoing (SMTP)")
    page.screenshot(path=str(shots / "09-admin-mailbox-settings.png"), full_page=True)
    page.goto(f"{base}/admin/mailboxes/mailbox/")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "test_connection")
    page.click("button[name=index]")
    page.wait_for_selector("text=nothing to test")
    page.screenshot(path=str(shots / "10-admin-test-connection.png"), full_page=True)
