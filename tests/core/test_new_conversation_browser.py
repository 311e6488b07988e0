"""The "New conversation" page in a real browser (issue 19, item 5): from the conversation list, an email
refused for want of an address (the error on the form), then a phone call logged, landing on the new
conversation, which the FreeScout API shows and whose ``convo.created`` webhook reaches its receiver once.
Screenshots: ``new-conversation-*.png`` (``$HELPDESK_SCREENSHOT_DIR``)."""

import orjson
import pytest

from conversations.models import Conversation
from helpdesk.services import api_key_create
from mailboxes.services import mailbox_user_grant
from tests.browser import BROWSER_MARKS, screenshot_dir, sign_in
from tests.factories import MailboxFactory, UserFactory, WebhookFactory
from tests.http_receiver import Receiver
from webhooks.models import WebhookDelivery
from webhooks.tasks import webhook_deliver

pytestmark = BROWSER_MARKS


@pytest.fixture
def alan(live_server):
    support = MailboxFactory(name="Support", email="support@example.com")
    MailboxFactory(name="Sales", email="sales@example.com")
    alan = UserFactory(email="alan@example.com", first_name="Alan", last_name="Agent")
    mailbox_user_grant(mailbox=support, user=alan)
    return alan


@pytest.fixture
def receiver(settings):
    """A webhook receiver on loopback, subscribed to ``convo.created``."""
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    with Receiver() as receiver:
        WebhookFactory(url=receiver.url, events=["convo.created"])
        yield receiver


def test_an_agent_logs_a_phone_call(browser_page, live_server, alan, receiver):
    page, base, shots = browser_page, live_server.url, screenshot_dir()
    sign_in(page, base, alan.email)
    page.goto(f"{base}/admin/conversations/conversation/")
    page.wait_for_load_state("networkidle")
    page.click("#hd-new-conversation")
    page.wait_for_selector("#hd-new-conversation-form")
    # Only the agent's own mailbox is offered.
    assert page.locator("#id_mailbox option").all_text_contents() == ["Support <support@example.com>"]

    page.fill("#id_subject", "Printer on fire")
    page.fill("#id_text", "Pat called: tray 2 smokes.")
    page.click("#hd-start")
    page.wait_for_selector(".errorlist")
    assert "email conversation needs" in page.locator(".field-email .errorlist").inner_text()
    page.screenshot(path=str(shots / "new-conversation-01-error.png"), full_page=True)
    assert not Conversation.objects.exists()

    page.check("input[name=type][value=phone]")
    page.fill("#id_phone", "+1 555 010 999")
    page.fill("#id_first_name", "Pat")
    page.click("#hd-start")
    page.wait_for_selector("text=started.")
    page.wait_for_load_state("networkidle")
    conversation = Conversation.objects.get()
    assert conversation.type == "phone"
    assert page.locator("h1").inner_text() == f"#{conversation.number} Printer on fire"
    page.screenshot(path=str(shots / "new-conversation-02-logged.png"), full_page=True)

    # Through the API as Alan's key sees it, and its webhook once.
    key = api_key_create(user=alan, name="browser test")[1]
    api = page.request.get(f"{base}/api/conversations/{conversation.pk}", headers={"X-FreeScout-API-Key": key})
    assert api.status == 200
    assert (api.json()["type"], api.json()["subject"]) == ("phone", "Printer on fire")
    [delivery] = WebhookDelivery.objects.all()
    webhook_deliver(delivery.pk)
    [request] = receiver.received
    assert request.headers["x-freescout-event"] == "convo.created"
    assert orjson.loads(request.body)["id"] == conversation.pk
    # Leaves the conversation page (it polls, and says goodbye with a beacon) while the database still exists.
    page.goto("about:blank")
    page.wait_for_timeout(500)
