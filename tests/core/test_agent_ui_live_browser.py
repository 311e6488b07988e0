"""The agent UI of issue 18 in a real browser (chromium headless, tests/browser.py): presence between two
agents, a customer message arriving without a reload, the reply held back after a colleague's, a reply
and close with the keyboard alone, and the phone layout without horizontal scroll. Screenshots go with the
others (``$HELPDESK_SCREENSHOT_DIR``)."""

import pytest
from playwright.sync_api import expect

from conversations.models import Conversation, Thread
from conversations.services import NewAttachment, NewThread
from helpdesk.services import api_key_create
from mailboxes.models import Folder
from mailboxes.services import mailbox_user_grant
from tests.browser import BROWSER_MARKS, PHONE_VIEWPORT, VIEWPORT, screenshot_dir, sign_in
from tests.factories import AdminFactory, ConversationFactory, CustomerFactory, MailboxFactory, UserFactory

pytestmark = BROWSER_MARKS

LIVE_TIMEOUT = 15_000  # ms: the bound for a change to show without a reload


@pytest.fixture
def desk(live_server, media_root):
    support = MailboxFactory(name="Support", email="support@example.com")
    alan = UserFactory(email="alan@example.com", first_name="Alan", last_name="Agent")
    ana = UserFactory(email="ana@example.com", first_name="Ana", last_name="Lopez")
    for user in (alan, ana):
        mailbox_user_grant(mailbox=support, user=user)
    carla = CustomerFactory(first_name="Carla", last_name="Customer")
    ConversationFactory(mailbox=support, customer=carla, subject="Password reset")
    conversation = ConversationFactory(
        mailbox=support,
        customer=carla,
        subject="The printer is on fire",
        threads=[
            NewThread(
                type=Thread.Type.CUSTOMER,
                body="<p>Smoke is coming out of <b>tray 2</b>.</p>",
                attachments=[NewAttachment(file_name="photo.txt", content=b"smoke")],
            )
        ],
    )
    ConversationFactory(mailbox=support, subject="Invoice copy, please")
    return {"support": support, "alan": alan, "ana": ana, "carla": carla, "conversation": conversation}


def leave(page) -> None:
    """Closes the agent UI in ``page`` while the test's database still exists: the page polls and beats,
    and says goodbye (a beacon) when it goes."""
    page.goto("about:blank")
    page.wait_for_timeout(500)


@pytest.fixture
def agent_page(browser_context):
    page = browser_context.new_page()
    yield page
    leave(page)


@pytest.fixture
def second_page(browser):
    """A page of a second browser context: another agent, with cookies of their own."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    leave(page)
    context.close()


def conversation_url(base: str, conversation: Conversation) -> str:
    return f"{base}/admin/conversations/conversation/{conversation.pk}/change/"


def open_as(page, base, user, conversation) -> None:
    sign_in(page, base, user.email)
    page.goto(conversation_url(base, conversation))
    page.wait_for_selector(".hd-timeline")


def test_an_agent_sees_who_else_is_viewing_and_replying(agent_page, second_page, live_server, desk):
    base, conversation, shots = live_server.url, desk["conversation"], screenshot_dir()
    open_as(agent_page, base, desk["alan"], conversation)
    assert agent_page.locator("#hd-presence").is_hidden()
    open_as(second_page, base, desk["ana"], conversation)

    presence = agent_page.locator("#hd-presence")
    presence.filter(has_text="Ana Lopez is viewing").wait_for(timeout=LIVE_TIMEOUT)
    second_page.get_by_label("Reply", exact=True).fill("Checking the printer now")
    presence.filter(has_text="Ana Lopez is replying").wait_for(timeout=LIVE_TIMEOUT)
    agent_page.screenshot(path=str(shots / "live-00-conversation-colleague-replying.png"), full_page=True)

    # The list marks the row too.
    agent_page.goto(f"{base}/admin/conversations/conversation/")
    row = agent_page.locator("#result_list tr", has_text="The printer is on fire")
    row.locator(".hd-viewers", has_text="Ana Lopez is replying").wait_for(timeout=LIVE_TIMEOUT)


def test_a_customer_message_from_the_api_appears_without_a_reload(agent_page, live_server, desk):
    base, conversation, shots = live_server.url, desk["conversation"], screenshot_dir()
    key = api_key_create(user=AdminFactory(email="boss@example.com"), name="browser test")[1]
    open_as(agent_page, base, desk["alan"], conversation)
    agent_page.evaluate("window.hdNotReloaded = true")
    agent_page.get_by_label("Reply", exact=True).fill("Half-written answer")

    response = agent_page.request.post(
        f"{base}/api/conversations/{conversation.pk}/threads",
        headers={"X-FreeScout-API-Key": key},
        data={"type": "customer", "text": "It is getting worse!", "customer": {"id": desk["carla"].pk}},
    )
    assert response.status == 201, response.text()

    agent_page.locator(".hd-timeline", has_text="It is getting worse!").wait_for(timeout=LIVE_TIMEOUT)
    assert agent_page.evaluate("window.hdNotReloaded") is True
    assert agent_page.locator("#hd-reply-form textarea[name=text]").input_value() == "Half-written answer"
    assert agent_page.locator(".hd-entry.hd-new").count() == 1
    agent_page.screenshot(path=str(shots / "live-01-conversation-live-message.png"), full_page=True)


def test_the_list_refreshes_itself(agent_page, live_server, desk):
    base, support = live_server.url, desk["support"]
    sign_in(agent_page, base, desk["alan"].email)
    unassigned = Folder.objects.get(mailbox=support, type=Folder.Type.UNASSIGNED)
    agent_page.goto(f"{base}/admin/conversations/conversation/?folder={unassigned.pk}")
    agent_page.evaluate("window.hdNotReloaded = true")
    count = agent_page.locator(f'a[href$="?folder={unassigned.pk}"] .hd-count')
    assert count.inner_text() == "3"
    ConversationFactory(mailbox=support, subject="Brand new question")
    agent_page.locator("#result_list", has_text="Brand new question").wait_for(timeout=LIVE_TIMEOUT)
    assert count.inner_text() == "4"
    assert agent_page.evaluate("window.hdNotReloaded") is True


def test_a_send_after_a_colleagues_reply_asks_first(agent_page, second_page, live_server, desk):
    base, conversation, shots = live_server.url, desk["conversation"], screenshot_dir()
    open_as(agent_page, base, desk["alan"], conversation)
    open_as(second_page, base, desk["ana"], conversation)
    agent_page.get_by_label("Reply", exact=True).fill("Unplug it, please.")

    second_page.get_by_label("Reply", exact=True).fill("A technician is on the way.")
    second_page.get_by_role("button", name="Send", exact=True).click()
    second_page.wait_for_selector("text=Reply sent.")

    agent_page.get_by_role("button", name="Send", exact=True).click()
    alert = agent_page.get_by_role("alert")
    alert.filter(has_text="1 new message from Ana Lopez arrived after you opened this conversation").wait_for()
    assert "A technician is on the way." in agent_page.inner_text(".hd-timeline")
    assert agent_page.locator("#hd-reply-form textarea[name=text]").input_value() == "Unplug it, please."
    agent_page.screenshot(path=str(shots / "live-02-conversation-send-asks-first.png"), full_page=True)
    # Nothing sent (the composer's autosaved draft may exist by now).
    assert not conversation.threads.filter(created_by_user=desk["alan"], state=Thread.State.PUBLISHED).exists()

    agent_page.get_by_role("button", name="Send anyway").click()
    agent_page.wait_for_selector("text=Reply sent.")
    replies = conversation.threads.filter(type=Thread.Type.MESSAGE).order_by("created_at")
    bodies = list(replies.values_list("body", flat=True))
    assert bodies == ["<p>A technician is on the way.</p>", "<p>Unplug it, please.</p>"]


def test_reply_and_close_with_the_keyboard_alone(agent_page, live_server, desk):
    page, base, conversation, shots = agent_page, live_server.url, desk["conversation"], screenshot_dir()
    open_as(page, base, desk["alan"], conversation)
    # Reply first: the page opens with the cursor in the editor.
    expect(page.get_by_label("Reply", exact=True)).to_be_focused()  # the rich editor (composer.js)
    page.screenshot(path=str(shots / "live-03-conversation-reply-first.png"), full_page=True)

    page.keyboard.type("We are on it.")
    page.select_option("select[name=status]", "")  # the default; set here only to show the choice is labelled
    assert page.get_by_label("Status after sending").input_value() == ""
    page.get_by_label("Reply", exact=True).focus()
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=Reply sent.")

    page.keyboard.press("Escape")
    page.keyboard.press("?")
    page.get_by_role("dialog", name="Keyboard shortcuts").wait_for()
    page.screenshot(path=str(shots / "live-04-shortcuts.png"))
    page.keyboard.press("Escape")

    page.keyboard.press("n")
    expect(page.get_by_label("Note", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    page.wait_for_selector("#hd-assignee:has-text('Alan Agent')")
    page.keyboard.press("c")
    page.wait_for_selector("#hd-status:has-text('Closed')")

    conversation.refresh_from_db()
    reply = conversation.threads.get(type=Thread.Type.MESSAGE)
    assert (reply.body, reply.created_by_user) == ("<p>We are on it.</p>", desk["alan"])
    assert (conversation.status, conversation.assignee) == ("closed", desk["alan"])

    # u: back to the folder the conversation was in.
    page.keyboard.press("u")
    page.wait_for_selector("#result_list")
    assert "folder=" in page.url


def test_the_inbox_list_and_next_previous(agent_page, live_server, desk):
    page, base, shots = agent_page, live_server.url, screenshot_dir()
    sign_in(page, base, desk["alan"].email)
    unassigned = Folder.objects.get(mailbox=desk["support"], type=Folder.Type.UNASSIGNED)
    page.goto(f"{base}/admin/conversations/conversation/?folder={unassigned.pk}")
    page.screenshot(path=str(shots / "live-05-inbox-list.png"), full_page=True)
    assert page.locator("#result_list .hd-unanswered").count() == 3
    assert page.locator("#result_list .hd-clip").count() == 1

    # A click anywhere on a row opens it; j/k step through the folder from there.
    page.locator("#result_list tr", has_text="The printer is on fire").locator("td.field-customer_name").click()
    page.wait_for_selector(".hd-timeline")
    assert "The printer is on fire" in page.inner_text("h1")
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    page.wait_for_url("**/change/?_changelist_filters=*")
    assert "Password reset" in page.inner_text("h1")
    page.keyboard.press("Escape")
    page.keyboard.press("k")
    expect(page.locator("h1")).to_contain_text("printer")


@pytest.mark.parametrize("screen", ["list", "conversation"])
def test_phone_layout_has_no_horizontal_scroll(browser, live_server, desk, screen):
    context = browser.new_context(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page, base, shots = context.new_page(), live_server.url, screenshot_dir()
    try:
        sign_in(page, base, desk["alan"].email)
        unassigned = Folder.objects.get(mailbox=desk["support"], type=Folder.Type.UNASSIGNED)
        if screen == "list":
            page.goto(f"{base}/admin/conversations/conversation/?folder={unassigned.pk}")
            assert page.locator("details.hd-folders-menu").get_attribute("open") is None
            page.screenshot(path=str(shots / "live-06-phone-inbox-list.png"), full_page=True)
            page.locator("details.hd-folders-menu > summary").click()
            page.screenshot(path=str(shots / "live-07-phone-folders-menu.png"), full_page=True)
        else:
            page.goto(conversation_url(base, desk["conversation"]))
            page.screenshot(path=str(shots / "live-08-phone-conversation.png"), full_page=True)
            for name in ("Send", "Close"):
                box = page.get_by_role("button", name=name, exact=True).bounding_box()
                assert box["height"] >= 44 and box["width"] >= 44, (name, box)
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), page.evaluate(
            "[document.scrollingElement.scrollWidth, window.innerWidth]"
        )
    finally:
        leave(page)
        context.close()
