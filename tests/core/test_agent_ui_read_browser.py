"""Reading mail and the people pages in a real browser (issue 18 items 3 and 5): corpus replies from Gmail,
Outlook, Apple Mail, Thunderbird and a plain-text client show with their quoted history folded; a remote image
loads only after the agent clicks "Load images", and then through our host (the image is served by a loopback
server standing in for the sender's, which sees our server's request, never the browser's); the customer
page, the 404 page and the bell. Screenshots, desktop and phone (390 px), go to screenshot_dir()."""

import pytest
from django.urls import reverse

from conversations.mail.ingest import mail_ingest
from conversations.models import Thread
from conversations.services import NewThread, conversation_assign, thread_create
from mailboxes.services import mailbox_user_grant
from tests.browser import BROWSER_MARKS, PHONE_VIEWPORT, screenshot_dir, sign_in
from tests.core.test_mail_incoming import CORPUS, corpus_message
from tests.factories import AdminFactory, ConversationFactory, CustomerFieldFactory, MailboxFactory, UserFactory
from tests.image_server import ImageServer

pytestmark = BROWSER_MARKS

REPLIES = [
    "09_gmail_reply_token_only.eml",
    "15_outlook_desktop_reply.eml",
    "13_apple_mail_reply.eml",
    "14_thunderbird_reply.eml",
    "16_plain_text_quote.eml",
]


@pytest.fixture
def images(settings):
    # The stand-in for the sender's image host is on loopback, which the proxy refuses in production.
    settings.HELPDESK_IMAGE_PROXY_ALLOW_PRIVATE_NETWORKS = True
    with ImageServer() as server:
        yield server


@pytest.fixture
def desk(live_server, media_root, settings, images):
    settings.HELPDESK_BASE_URL = live_server.url  # inline images' absolute URLs point at this server
    support = MailboxFactory(name="Support", email="support@example.com")
    agent = UserFactory(email="alan@example.com", first_name="Alan", last_name="Agent")
    admin = AdminFactory(email="ada@example.com", first_name="Ada", last_name="Admin")
    mailbox_user_grant(mailbox=support, user=agent)
    received = mail_ingest(mailbox=support, raw=(CORPUS / "01_plain_new.eml").read_bytes())
    conversation = received.thread.conversation
    reply = thread_create(
        conversation=conversation,
        thread=NewThread(type=Thread.Type.MESSAGE, body="<p>Please use the extinguisher.</p>", user=admin),
    )
    reply.refresh_from_db()
    for name in REPLIES:
        mail_ingest(mailbox=support, raw=corpus_message(name, reply))
    remote = corpus_message("17_remote_image_newsletter_reply.eml", reply).replace(
        b"https://images.customer.example/label.png", images.url("/big-label.png").encode()
    )
    image_thread = mail_ingest(mailbox=support, raw=remote).thread
    # The screenshot message, as a reply in the same conversation.
    inline = f"In-Reply-To: <{reply.message_id}>\n".encode() + (CORPUS / "04_inline_image.eml").read_bytes()
    inline_thread = mail_ingest(mailbox=support, raw=inline).thread
    assert inline_thread.conversation_id == conversation.pk
    conversation_assign(conversation=conversation, assignee=agent, by_user=admin)
    hidden = ConversationFactory(mailbox=MailboxFactory(name="Private", email="private@example.com"))
    plan = CustomerFieldFactory(name="Plan", type="dropdown", options={"1": "Free", "2": "Business"})
    return {
        "agent": agent,
        "conversation": conversation,
        "customer": conversation.customer,
        "image_thread": image_thread,
        "inline_thread": inline_thread,
        "hidden": hidden,
        "plan": plan,
    }


def test_reading_mail_people_pages_and_the_bell(browser, browser_page, live_server, desk, images):
    page, base, shots = browser_page, live_server.url, screenshot_dir()
    conversation = desk["conversation"]
    conversation_url = base + reverse("admin:conversations_conversation_change", args=[conversation.pk])
    sign_in(page, base, desk["agent"].email)

    # The bell: Ada assigned the conversation to Alan; opening the notice goes there and reads it.
    assert page.inner_text("#hd-bell .hd-bell-count") == "1"
    page.click("#hd-bell summary")
    assert page.locator(".hd-bell-panel").is_visible()
    assert "Ada Admin assigned you #1 Printer on fire" in page.inner_text(".hd-bell-panel")
    page.screenshot(path=str(shots / "34-bell.png"))
    page.locator(".hd-bell-panel li button").first.click()
    page.wait_for_selector(".hd-timeline")
    assert page.url.startswith(conversation_url)
    assert page.locator("#hd-bell .hd-bell-count").count() == 0

    page.goto(conversation_url)
    page.wait_for_selector(".hd-timeline")
    folded = page.locator("details.hd-quoted")
    assert folded.count() == len(REPLIES) + 1  # and the remote-image reply's
    assert page.locator("details.hd-quoted[open]").count() == 0
    timeline = page.inner_text(".hd-timeline")
    for new_text in ("paper tray is stuck", "smoke alarm keeps beeping", "The new cartridge", "Which extinguisher"):
        assert new_text in timeline
    assert "hd-1-" not in timeline  # the reply token
    # The quoted history is there, folded: hidden until "Show quoted text".
    first = folded.first
    assert not first.locator(".hd-quoted-body").is_visible()
    first.locator("summary").click()
    assert first.locator(".hd-quoted-body").is_visible()
    assert "Please use the extinguisher." in first.locator(".hd-quoted-body").inner_text()
    first.locator("summary").click()

    # The remote image: held back, nothing fetched, until the agent asks.
    image_entry = page.locator(f"#thread-{desk['image_thread'].pk}")
    assert image_entry.locator(".hd-blocked-image").count() == 2
    assert images.requests == []
    assert str(images.url("")) not in page.content()
    # The inline image of the screenshot message is shown in place and not listed again.
    inline_entry = page.locator(f"#thread-{desk['inline_thread'].pk}")
    assert inline_entry.locator("img.hd-inline-image").count() == 1
    inline_src = inline_entry.locator("img.hd-inline-image").get_attribute("src")
    assert "/attachments/" in inline_src and inline_src.endswith("/shot.png")
    served = page.request.get(base + inline_src)  # stored host-free (conversations/body_links.py)
    assert served.status == 200 and served.headers["content-type"] == "image/png"
    assert inline_entry.locator(".hd-attachments").count() == 0
    page.screenshot(path=str(shots / "30-conversation-quotes-folded.png"), full_page=True)

    image_entry.locator("a.hd-load-images").click()
    page.wait_for_load_state("load")
    proxied = page.locator(f"#thread-{desk['image_thread'].pk} .hd-body img").first
    proxied.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=proxied.element_handle())
    assert proxied.get_attribute("src").startswith(reverse("image-proxy") + "?u=")
    assert [path for path, _ in images.requests].count("/big-label.png") == 1
    for _path, headers in images.requests:
        # Our server asked, not the agent's browser: no cookies, no referrer, our user agent.
        assert headers["user-agent"] == "helpdesk"
        assert "cookie" not in headers and "referer" not in headers
    page.screenshot(path=str(shots / "31-conversation-images-loaded.png"), full_page=True)

    # The customer page with their conversations.
    page.goto(base + reverse("admin:customers_customer_change", args=[desk["customer"].pk]))
    page.wait_for_selector(".hd-customer-conversations")
    assert "Printer on fire" in page.inner_text(".hd-customer-conversations")
    assert desk["hidden"].subject not in page.content()
    page.screenshot(path=str(shots / "32-customer-page.png"), full_page=True)

    # Another mailbox's conversation: the friendly 404 inside the admin.
    response = page.goto(base + reverse("admin:conversations_conversation_change", args=[desk["hidden"].pk]))
    assert response is not None and response.status == 404
    assert "This page does not exist" in page.inner_text("#content")
    page.screenshot(path=str(shots / "33-not-found.png"), full_page=True)

    # A page agents may not open: the friendly 403.
    response = page.goto(base + "/admin/helpdesk/user/")
    assert response is not None and response.status == 403
    assert "You do not have access to this page" in page.inner_text("#content")
    page.screenshot(path=str(shots / "39-forbidden.png"))

    # The admin's dropdown options editor: rows of labels, not JSON.
    admin_context = browser.new_context(viewport={"width": 1400, "height": 950})
    try:
        admin_page = admin_context.new_page()
        sign_in(admin_page, base, "ada@example.com")
        admin_page.goto(base + reverse("admin:customers_customerfield_change", args=[desk["plan"].pk]))
        labels = admin_page.locator('input[name="options_label"]')
        assert [labels.nth(i).input_value() for i in range(labels.count())] == ["Free", "Business", "", "", ""]
        labels.nth(2).fill("Enterprise")
        admin_page.screenshot(path=str(shots / "40-options-editor.png"), full_page=True)
        admin_page.click('input[name="_continue"]')
        admin_page.wait_for_selector(".messagelist")
        desk["plan"].refresh_from_db()
        assert desk["plan"].options == {"1": "Free", "2": "Business", "3": "Enterprise"}
    finally:
        admin_context.close()

    # Phones: the same screens at 390 px, without horizontal scroll.
    phone = browser.new_context(viewport=PHONE_VIEWPORT, storage_state=page.context.storage_state())
    try:
        mobile = phone.new_page()
        for name, url in (
            ("35-phone-conversation-quotes-folded", conversation_url),
            ("36-phone-customer-page", base + reverse("admin:customers_customer_change", args=[desk["customer"].pk])),
            ("37-phone-not-found", base + reverse("admin:conversations_conversation_change", args=[desk["hidden"].pk])),
        ):
            mobile.goto(url)
            mobile.screenshot(path=str(shots / f"{name}.png"), full_page=True)
            overflow = mobile.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name} scrolls sideways by {overflow} px"
        mobile.goto(base + reverse("admin:index"))
        mobile.click("#hd-bell summary")
        mobile.screenshot(path=str(shots / "38-phone-bell.png"))
        box = mobile.locator(".hd-bell-panel").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_VIEWPORT["width"]
    finally:
        phone.close()
        # No page left polling the live server while the test database is flushed.
        page.goto("about:blank")
