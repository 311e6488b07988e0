"""Undo send in a real browser (issue 19, item 2), with a real Celery worker and beat publishing (the webhook
worker tests' rig: PostgreSQL and a private Redis), a real SMTP server and a real webhook receiver. Send then
Undo: nothing reaches either, and the text and status are back in the composer. Send and wait: the reply
shows in the timeline, emailed once, announced once; with "Go back to the folder" chosen, the page goes
there once the reply is out. Screenshots: ``undo-send-*.png`` (``$HELPDESK_SCREENSHOT_DIR``)."""

import re
import time

import pytest
from playwright.sync_api import expect

from conversations.models import DelayedReply, Thread
from conversations.selectors import thread_draft_of
from conversations.services import NewThread
from mailboxes.services import mailbox_user_grant
from tests.browser import BROWSER_MARKS, PHONE_VIEWPORT, screenshot_dir, sign_in
from tests.core.test_agent_ui_live_browser import conversation_url, leave
from tests.core.test_webhook_worker import rig as webhook_rig
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory, UserFactory
from tests.http_receiver import Receiver
from tests.mail_servers import SmtpServer
from webhooks.models import Event
from webhooks.services import webhook_create

rig = webhook_rig  # the fixture: a private Redis and a worker on the test database (PostgreSQL only)
pytestmark = [*BROWSER_MARKS, pytest.mark.slow]

WINDOW = 2
UNDO_WINDOW = 6
TEXT = "Unplug it first, then call us back."


@pytest.fixture
def desk(rig, live_server, settings, media_root):
    settings.HELPDESK_UNDO_SEND_SECONDS = WINDOW
    _, worker = rig  # the rig publishes to its Redis meanwhile
    with SmtpServer() as smtp, Receiver() as receiver:
        support = MailboxFactory(name="Support", email="support@example.com", **smtp.mailbox_settings)
        alan = UserFactory(email="alan@example.com", first_name="Alan", last_name="Agent")
        mailbox_user_grant(mailbox=support, user=alan)
        conversation = ConversationFactory(
            mailbox=support,
            customer=CustomerFactory(first_name="Carla", last_name="Customer", emails=[("carla@example.org", "work")]),
            subject="The printer is on fire",
            threads=[NewThread(type=Thread.Type.CUSTOMER, body="<p>Smoke is coming out of tray 2.</p>")],
        )
        webhook_create(url=receiver.url, events=[Event.CONVO_AGENT_REPLY_CREATED])
        worker.start()
        yield {"alan": alan, "conversation": conversation, "smtp": smtp, "receiver": receiver, "worker": worker}


def open_and_send(page, base, desk, *, status: str = "", after_send: str = "") -> None:
    sign_in(page, base, desk["alan"].email)
    page.goto(conversation_url(base, desk["conversation"]))
    page.get_by_label("Reply", exact=True).fill(TEXT)
    if status:
        page.select_option("#hd-reply-form select[name=status]", status)
    if after_send:
        page.select_option("#hd-reply-form select[name=after_send]", after_send)
    page.locator("#hd-send").click()


def replies(conversation) -> list[str]:
    return list(
        conversation.threads.filter(type=Thread.Type.MESSAGE, state=Thread.State.PUBLISHED).values_list(
            "body", flat=True
        )
    )


def test_send_then_undo_sends_nothing_and_gives_the_text_back(desk, live_server, browser_page, settings):
    # Long enough for the screenshot before Undo on a busy machine; the wait below is past it all the same.
    settings.HELPDESK_UNDO_SEND_SECONDS = UNDO_WINDOW
    page, shots = browser_page, screenshot_dir()
    conversation, smtp, receiver = desk["conversation"], desk["smtp"], desk["receiver"]
    open_and_send(page, live_server.url, desk, status="closed")
    waiting = page.locator(".hd-delayed")
    expect(waiting).to_contain_text("Sending in")
    expect(waiting).to_contain_text(TEXT)
    expect(waiting).to_contain_text("Then Closed")
    page.screenshot(path=str(shots / "undo-send-01-countdown-desktop.png"), full_page=True)

    undo = page.get_by_role("button", name="Undo")
    undo.focus()
    page.keyboard.press("Enter")  # the keyboard alone does it
    expect(waiting).to_have_count(0)
    expect(page.locator("#hd-undo-notice")).to_have_text("Sending undone.")
    expect(page.locator("textarea[name=text]")).to_have_value(TEXT)
    expect(page.locator("#hd-reply-form select[name=status]")).to_have_value("closed")
    page.screenshot(path=str(shots / "undo-send-02-undone-desktop.png"), full_page=True)

    time.sleep(UNDO_WINDOW + 2.5)  # past the window, with sweeps every second: still nothing
    assert smtp.messages == [] and receiver.received == []
    assert replies(conversation) == [] and not DelayedReply.objects.exists()
    assert TEXT in thread_draft_of(conversation_id=conversation.pk, user=desk["alan"]).body
    # Reopened, the page has it in the composer too (it is the agent's draft again), and no countdown.
    page.reload()
    expect(page.locator("textarea[name=text]")).to_have_value(TEXT)
    expect(waiting).to_have_count(0)
    leave(page)


def test_send_and_wait_publishes_once_emailed_once_one_webhook(desk, live_server, browser_page):
    page, shots = browser_page, screenshot_dir()
    conversation, smtp, receiver = desk["conversation"], desk["smtp"], desk["receiver"]
    page.set_viewport_size(PHONE_VIEWPORT)
    open_and_send(page, live_server.url, desk)
    waiting = page.locator(".hd-delayed")
    expect(waiting).to_contain_text("Sending in")
    # What the agent sees (the list scrolled into view), not the whole page.
    page.screenshot(path=str(shots / "undo-send-03-countdown-phone.png"))
    assert replies(conversation) == []

    # Out: the timeline shows it at once (undo_send.js asks agent.js for a fresh one), the countdown goes.
    expect(page.locator(".hd-timeline .hd-message")).to_contain_text(TEXT, timeout=20_000)
    expect(waiting).to_have_count(0)
    page.screenshot(path=str(shots / "undo-send-04-sent-phone.png"), full_page=True)
    receiver.wait_for(1)
    deadline = time.monotonic() + 20
    while not smtp.messages and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2.5)  # more sweeps: nothing twice
    assert len(smtp.messages) == 1 and len(receiver.received) == 1
    assert smtp.messages[0].recipients == ["carla@example.org"]
    assert TEXT in smtp.messages[0].message.get_body(("plain",)).get_content()
    [reply] = replies(conversation)
    assert TEXT in reply
    assert DelayedReply.objects.get().status == "succeeded"
    # The task queued with the reply's countdown reached the worker (beat's sweep is the fallback).
    assert "Task conversations.delayed_reply_publish[" in desk["worker"].log.read_text()
    leave(page)


def test_after_sending_the_page_moves_on_once_the_reply_is_out(desk, live_server, browser_page):
    page = browser_page
    open_and_send(page, live_server.url, desk, after_send="folder")
    expect(page.locator(".hd-delayed")).to_contain_text("Sending in")
    assert "#then=" in page.url
    folder_list = re.escape(f"{live_server.url}/admin/conversations/conversation/?folder=") + r"\d+$"
    expect(page).to_have_url(re.compile(f"^{folder_list}"), timeout=20_000)
    assert len(replies(desk["conversation"])) == 1, list(DelayedReply.objects.values())
    leave(page)
