"""Merge and Change customer in a real browser (issue 19, item 6): an agent merges a customer's two
conversations from the conversation page, one conversation is left, and the old number leads to it in the
agent UI, the FreeScout API (301) and the LiveAgent API; then the agent changes the customer, picking one of
theirs from the suggestions. Screenshots at desktop and phone width: ``merge-*.png``, ``customer-change-*.png``
(``$HELPDESK_SCREENSHOT_DIR``)."""

import pytest
from django.test import Client

from conversations.models import Conversation
from helpdesk.links import absolute_url
from helpdesk.services import api_key_create
from liveagent.ids import Kind, id_encode
from mailboxes.services import mailbox_user_grant
from tests.api_helpers import client_for
from tests.browser import BROWSER_MARKS, PHONE_VIEWPORT, VIEWPORT, screenshot_dir, sign_in
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory, UserFactory

pytestmark = BROWSER_MARKS


@pytest.fixture
def desk(live_server):
    support = MailboxFactory(name="Support", email="support@example.com")
    alan = UserFactory(email="alan@example.com", first_name="Alan", last_name="Agent")
    mailbox_user_grant(mailbox=support, user=alan)
    cy = CustomerFactory(first_name="Cy", last_name="Customer", emails=[("cy@example.org", "work")])
    dee = CustomerFactory(first_name="Dee", last_name="Dot", emails=[("dee@example.org", "work")])
    older = ConversationFactory(mailbox=support, customer=cy, subject="Printer smokes")
    newer = ConversationFactory(mailbox=support, customer=cy, subject="Printer still smokes after unplugging")
    ConversationFactory(mailbox=support, customer=dee, subject="Toner")
    return {"alan": alan, "older": older, "newer": newer, "dee": dee}


def shoot(page, name: str) -> None:
    """A screenshot at desktop width, then at phone width (390 x 844), back at desktop width after."""
    shots = screenshot_dir()
    page.screenshot(path=str(shots / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE_VIEWPORT)
    page.wait_for_timeout(150)
    page.screenshot(path=str(shots / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(VIEWPORT)


def test_merge_leaves_one_conversation_the_old_number_leads_to(browser_page, live_server, desk):
    from playwright.sync_api import expect

    page, base = browser_page, live_server.url
    older, newer = desk["older"], desk["newer"]
    sign_in(page, base, desk["alan"].email)
    page.goto(f"{base}/admin/conversations/conversation/{newer.pk}/change/")
    page.click("#hd-merge")
    expect(page.locator("#hd-merge-form")).to_be_visible()
    shoot(page, "merge-01-pick")
    page.get_by_label(f"#{older.number} Printer smokes").check()
    page.click("#hd-merge-next")
    expect(page.locator("#hd-merge-confirm")).to_be_visible()
    # Keep the older one: the newer one's messages move into it.
    page.check("#hd-keep-other")
    shoot(page, "merge-02-confirm")
    page.click("#hd-merge-confirm-button")
    expect(page.locator("h1")).to_have_text(f"#{older.number} Printer smokes")
    expect(page.locator(".messagelist")).to_contain_text(f"Merged #{newer.number} into #{older.number}.")
    expect(page.locator(".hd-timeline")).to_contain_text(f"Alan Agent merged #{newer.number} into this conversation")
    shoot(page, "merge-03-merged")

    assert list(Conversation.objects.filter(state="published").values_list("pk", flat=True).order_by("pk")) == [
        older.pk,
        *Conversation.objects.filter(subject="Toner").values_list("pk", flat=True),
    ]
    assert Conversation.objects.get(pk=older.pk).threads_count == 2

    # The old number in the agent UI: its page leads to the survivor, saying so.
    page.goto(f"{base}/admin/conversations/conversation/{newer.pk}/change/")
    expect(page.locator("h1")).to_have_text(f"#{older.number} Printer smokes")
    expect(page.locator(".messagelist")).to_contain_text(f"#{newer.number} was merged into #{older.number}.")
    shoot(page, "merge-04-old-number")

    # …in the FreeScout API: 301 to the survivor; in the LiveAgent API: its id and code show the survivor.
    api = client_for(desk["alan"])
    moved = api.get(f"/api/conversations/{newer.pk}")
    assert (moved.status_code, moved["Location"]) == (301, absolute_url(f"/api/conversations/{older.pk}"))
    assert api.get(moved["Location"]).json()["number"] == older.number
    key = api_key_create(user=desk["alan"])[1]
    for reference in (id_encode(Kind.CONVERSATION, newer.pk), newer.code):
        body = Client().get(f"/liveagent/api/conversations/{reference}", {"apikey": key}).json()["response"]
        assert body["conversationid"] == id_encode(Kind.CONVERSATION, older.pk)
    page.goto("about:blank")  # leave the polling page while the database still exists
    page.wait_for_timeout(500)


def test_change_customer_picks_one_of_the_agents_customers(browser_page, live_server, desk):
    from playwright.sync_api import expect

    page, base = browser_page, live_server.url
    newer = desk["newer"]
    sign_in(page, base, desk["alan"].email)
    page.goto(f"{base}/admin/conversations/conversation/{newer.pk}/change/")
    page.click("#hd-change-customer")
    expect(page.locator("#hd-customer-form")).to_be_visible()
    page.fill("#id_email", "not an address")
    page.click("#hd-customer-save")
    expect(page.locator(".field-email .errorlist")).to_be_visible()
    shoot(page, "customer-change-01-error")
    page.goto(f"{base}/admin/conversations/conversation/{newer.pk}/customer/")
    page.locator("#id_email").press_sequentially("dee", delay=30)
    # The suggestions: the agent's customers only, by name and address.
    expect(page.locator("#hd-customer-suggestions option")).to_have_count(1)
    assert page.locator("#hd-customer-suggestions option").get_attribute("value") == "dee@example.org"
    page.fill("#id_email", "dee@example.org")
    shoot(page, "customer-change-02-form")
    page.click("#hd-customer-save")
    expect(page.locator(".messagelist")).to_contain_text("Customer changed.")
    expect(page.locator(".hd-customer-name")).to_have_text("Dee Dot")
    expect(page.locator(".hd-timeline")).to_contain_text("Alan Agent changed the customer to Dee Dot")
    shoot(page, "customer-change-03-changed")
    assert Conversation.objects.get(pk=newer.pk).customer == desk["dee"]
    page.goto("about:blank")
    page.wait_for_timeout(500)
