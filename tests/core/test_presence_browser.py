"""Presence in a real browser (chromium headless, tests/browser.py): the status control in the admin
header, saved as the agent chooses; the light heartbeat of a page that does not poll; the conversation
list's poll keeping the agent online. Screenshots go with the others (``$HELPDESK_SCREENSHOT_DIR``)."""

import time

import pytest
from playwright.sync_api import expect

from mailboxes.services import mailbox_user_grant
from presence.models import AgentPresence
from presence.selectors import preset_status_of
from tests.browser import BROWSER_MARKS, screenshot_dir, sign_in
from tests.factories import ConversationFactory, MailboxFactory, UserFactory

pytestmark = BROWSER_MARKS


@pytest.fixture
def alan(live_server, settings):
    settings.HELPDESK_PRESENCE_HEARTBEAT_SECONDS = 1
    support = MailboxFactory(name="Support", email="support@example.com")
    alan = UserFactory(email="alan@example.com", first_name="Alan", last_name="Agent")
    mailbox_user_grant(mailbox=support, user=alan)
    ConversationFactory(mailbox=support, subject="The printer is on fire")
    return alan


def last_seen(user):
    return AgentPresence.objects.filter(user=user).values_list("last_seen_at", flat=True).first()


def eventually(check, seconds: float = 10):
    """Waits for ``check``: the page's requests write after the browser's click returns."""
    deadline = time.monotonic() + seconds
    while True:
        if check():
            return
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_the_status_control_and_the_heartbeat(live_server, browser_page, alan):
    page, base, shots = browser_page, live_server.url, screenshot_dir()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in(page, base, "alan@example.com")

    # The dashboard does not poll: its own heartbeat keeps the agent online.
    eventually(lambda: last_seen(alan) is not None)
    first = last_seen(alan)
    eventually(lambda: last_seen(alan) > first)
    assert page.locator("#hd-status-label").inner_text() == "Messages"

    page.click("#hd-status > summary")
    page.check("#hd-status-form input[value=T]")
    expect(page.locator("#hd-status-label")).to_have_text("Messages, Chat")
    eventually(lambda: preset_status_of(users=[alan]) == {alan.pk: "MT"})
    page.screenshot(path=str(shots / "presence-01-status-control.png"))

    page.check("#hd-status-form input[name=offline]")
    expect(page.locator("#hd-status-label")).to_have_text("Offline")
    assert page.locator("#hd-status-form input[name=letters]:checked").count() == 0
    assert "hd-status-offline" in (page.locator("#hd-status").get_attribute("class") or "")
    eventually(lambda: preset_status_of(users=[alan]) == {alan.pk: "F"})
    page.screenshot(path=str(shots / "presence-02-appear-offline.png"))

    # Unticking everything is refused in place; ticking a service again brings the agent back.
    page.check("#hd-status-form input[value=M]")
    expect(page.locator("#hd-status-label")).to_have_text("Messages")
    page.uncheck("#hd-status-form input[value=M]")
    page.wait_for_selector("#hd-status-error:not([hidden])")
    assert "Choose one or more" in page.locator("#hd-status-error").inner_text()
    eventually(lambda: preset_status_of(users=[alan]) == {alan.pk: "M"})

    # The conversation list polls; its poll is the heartbeat there.
    with page.expect_response(lambda response: response.url.split("?")[0].endswith("/conversation/live/")) as poll:
        page.goto(f"{base}/admin/conversations/conversation/")
    assert poll.value.ok
    before = last_seen(alan)
    with page.expect_response(lambda response: "/conversation/live/" in response.url, timeout=20_000):
        pass
    eventually(lambda: last_seen(alan) > before)
    page.screenshot(path=str(shots / "presence-03-conversation-list.png"))
    page.goto("about:blank")
    assert not [error for error in errors if "Content Security Policy" in error]
