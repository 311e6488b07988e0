"""Drafts in a real browser (issue 19, item 1): a reply typed and autosaved, the tab closed, the
conversation opened again on another device (a second browser context, its own sign-in) with the draft
back in the composer; Discard draft empties it for good. Any CSP violation fails the test."""

import time

import pytest

from conversations.models import Thread
from conversations.services import NewThread
from mailboxes.services import mailbox_user_grant
from tests.browser import BROWSER_MARKS, VIEWPORT, csp_violations_watch, screenshot_dir, sign_in
from tests.core.test_agent_ui_live_browser import conversation_url, leave
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory, UserFactory

pytestmark = BROWSER_MARKS


@pytest.fixture
def desk(live_server, media_root):
    support = MailboxFactory(name="Support", email="support@example.com")
    alan = UserFactory(email="alan@example.com", first_name="Alan", last_name="Agent")
    mailbox_user_grant(mailbox=support, user=alan)
    conversation = ConversationFactory(
        mailbox=support,
        customer=CustomerFactory(first_name="Carla", last_name="Customer"),
        subject="The printer is on fire",
        threads=[NewThread(type=Thread.Type.CUSTOMER, body="<p>Smoke is coming out of tray 2.</p>")],
    )
    return {"alan": alan, "conversation": conversation}


@pytest.fixture
def other_device(browser, csp_violations):
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(15_000)
    csp_violations_watch(context, csp_violations)
    page = context.new_page()
    yield page
    leave(page)
    context.close()


def drafts_of(conversation) -> list[tuple[str, str]]:
    return list(conversation.threads.filter(state="draft").values_list("type", "body"))


def test_a_draft_survives_a_closed_tab_and_is_discarded(browser_context, other_device, live_server, desk):
    base, conversation, shots = live_server.url, desk["conversation"], screenshot_dir()
    page = browser_context.new_page()
    sign_in(page, base, desk["alan"].email)
    page.goto(conversation_url(base, conversation))
    composer = page.get_by_label("Reply", exact=True)
    composer.fill("Unplug it first.\n\nThen call us back, please.")
    page.locator("#hd-draft-status", has_text="Draft saved").wait_for()
    page.wait_for_load_state("networkidle")
    assert drafts_of(conversation) == [("message", "<p>Unplug it first.</p>\n\n<p>Then call us back, please.</p>")]
    leave(page)
    page.close()

    sign_in(other_device, base, desk["alan"].email)
    other_device.goto(conversation_url(base, conversation))
    # The composer's text, as the rich editor (composer.js) keeps it in the form's textarea.
    resumed = other_device.locator("#hd-reply-form textarea[name=text]")
    assert resumed.input_value() == "Unplug it first.\n\nThen call us back, please."
    assert other_device.locator("#hd-draft-discard").is_visible()
    assert other_device.inner_text("#hd-draft-status").startswith("Draft saved ")
    assert "(draft)" not in other_device.inner_text(".hd-timeline")
    other_device.screenshot(path=str(shots / "drafts-00-composer-resumed-draft.png"), full_page=True)

    other_device.get_by_role("button", name="Discard draft").click()
    other_device.locator("#hd-draft-status", has_text="Draft discarded").wait_for()
    assert resumed.input_value() == ""
    assert other_device.locator("#hd-draft-discard").is_hidden()
    other_device.wait_for_load_state("networkidle")
    assert drafts_of(conversation) == []
    other_device.screenshot(path=str(shots / "drafts-01-composer-draft-discarded.png"), full_page=True)

    other_device.reload()
    assert other_device.locator("#hd-reply-form textarea[name=text]").input_value() == ""


def test_send_publishes_the_draft_and_leaves_none(browser_page, live_server, desk):
    page, base, conversation = browser_page, live_server.url, desk["conversation"]
    sign_in(page, base, desk["alan"].email)
    page.goto(conversation_url(base, conversation))
    composer = page.get_by_label("Reply", exact=True)
    composer.fill("A first version")
    page.locator("#hd-draft-status", has_text="Draft saved").wait_for()
    page.wait_for_load_state("networkidle")
    # Changed and sent at once, before the next autosave: leaving the page for the answer saves no draft.
    composer.fill("We are sending a technician.")
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_selector("text=Reply sent.")
    page.wait_for_load_state("networkidle")
    assert drafts_of(conversation) == []
    sent = list(conversation.threads.filter(created_by_user=desk["alan"]).values_list("state", "body"))
    assert sent == [("published", "<p>We are sending a technician.</p>")]
    assert page.locator("#hd-reply-form textarea[name=text]").input_value() == ""
    assert page.locator("#hd-draft-discard").is_hidden()
    leave(page)


def test_text_not_yet_autosaved_is_saved_when_the_page_is_left(browser_page, live_server, desk):
    page, base, conversation = browser_page, live_server.url, desk["conversation"]
    sign_in(page, base, desk["alan"].email)
    page.goto(conversation_url(base, conversation))
    page.wait_for_load_state("networkidle")
    page.get_by_label("Note for the team").check()
    page.get_by_label("Note", exact=True).fill("Left before the autosave")
    page.goto("about:blank")  # at once: the beacon on the way out saves it
    deadline = time.monotonic() + 10
    while drafts_of(conversation) != [("note", "<p>Left before the autosave</p>")] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert drafts_of(conversation) == [("note", "<p>Left before the autosave</p>")]
