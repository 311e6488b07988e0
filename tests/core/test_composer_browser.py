"""The complete composer (issue 19, item 3) in a real browser: formatting by keyboard and toolbar, a hostile
paste cleaned, Cc added, files dropped (one removed, one too large refused), sent with Ctrl+Enter, and the
email arriving at a real SMTP server with the right To and Cc and the file; then Forward with a Cc and one
of two files chosen, arriving likewise; the draft keeping the formatting and the Bcc. Screenshots at desktop and
phone width. Any CSP violation fails."""

import pytest
from playwright.sync_api import expect

from conversations.models import Thread
from conversations.services import NewAttachment, NewThread
from mailboxes.services import mailbox_user_grant
from tests.browser import BROWSER_MARKS, PHONE_VIEWPORT, screenshot_dir, sign_in
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory, UserFactory
from tests.mail_servers import SmtpServer, outbox_deliver_all

pytestmark = BROWSER_MARKS


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def desk(live_server, media_root, smtp, settings):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 4000
    support = MailboxFactory(
        name="Support", email="support@example.com", signature="<p>Kind regards,<br>The Support team</p>"
    )
    for name, value in smtp.mailbox_settings.items():
        setattr(support, name, value)
    support.save()
    alan = UserFactory(email="alan@example.com", first_name="Alan", last_name="Agent")
    mailbox_user_grant(mailbox=support, user=alan)
    carla = CustomerFactory(first_name="Carla", last_name="Customer", emails=[("carla@example.org", "work")])
    conversation = ConversationFactory(
        mailbox=support,
        customer=carla,
        subject="The printer is on fire",
        threads=[
            NewThread(
                type=Thread.Type.CUSTOMER,
                body="<p>Smoke is coming out of <b>tray 2</b>.</p>",
                attachments=[
                    NewAttachment(file_name="photo.jpg", content=b"\xff\xd8jpeg", mime_type="image/jpeg"),
                    NewAttachment(file_name="printer-log.txt", content=b"error 42", mime_type="text/plain"),
                ],
            )
        ],
    )
    return {"alan": alan, "conversation": conversation}


def page_url(base: str, conversation) -> str:
    return f"{base}/admin/conversations/conversation/{conversation.pk}/change/"


def drop(page, selector: str, files: list[tuple[str, str, int]]) -> None:
    """Drops files (name, type, size in bytes) on ``selector`` as a file manager would."""
    transfer = page.evaluate_handle(
        """(files) => {
          const transfer = new DataTransfer();
          files.forEach(([name, type, size]) => transfer.items.add(new File(["x".repeat(size)], name, {type})));
          return transfer;
        }""",
        files,
    )
    for event in ("dragenter", "dragover", "drop"):
        page.dispatch_event(selector, event, {"dataTransfer": transfer})


def leave(page) -> None:
    page.goto("about:blank")
    page.wait_for_timeout(300)


def test_format_cc_drop_and_send_reaches_the_smtp_server(browser_page, live_server, desk, smtp):
    page, base, conversation, shots = browser_page, live_server.url, desk["conversation"], screenshot_dir()
    sign_in(page, base, desk["alan"].email)
    page.goto(page_url(base, conversation))
    editor = page.get_by_label("Reply", exact=True)
    expect(editor).to_be_focused()  # reply first: the cursor waits in the editor
    expect(page.get_by_label("To", exact=True)).to_have_value("carla@example.org")
    expect(page.locator("#hd-signature")).to_contain_text("The Support team")
    page.screenshot(path=str(shots / "composer-00-empty.png"), full_page=True)

    page.keyboard.type("We are ")
    page.keyboard.press("Control+B")
    page.keyboard.type("on it")
    page.keyboard.press("Control+B")
    page.keyboard.type(" and ")
    page.keyboard.press("Control+I")
    page.keyboard.type("quick")
    page.keyboard.press("Control+I")
    page.keyboard.type(". See ")
    page.keyboard.press("Control+K")
    page.get_by_label("Link address").fill("example.org/status")
    page.keyboard.press("Enter")
    expect(editor).to_be_focused()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Bulleted list").click()
    page.keyboard.type("Unplug it")
    page.keyboard.press("Enter")
    page.keyboard.type("Wait")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    # A paste from a web page: its script, handlers and styles never reach the editor, nor the server.
    page.evaluate(
        """() => {
          const data = new DataTransfer();
          data.setData("text/html", '<p style="color:red" onclick="x()">Pasted <script>alert(1)</script>'
            + '<img src=x onerror="alert(2)"><a href="javascript:alert(3)">bad link</a></p>');
          document.activeElement.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true}));
        }"""
    )
    expect(editor.locator("b")).to_have_text("on it")
    expect(editor.locator("i")).to_have_text("quick")
    expect(editor.locator("a[href='https://example.org/status']")).to_have_text("https://example.org/status")
    expect(editor.locator("ul li")).to_have_text(["Unplug it", "Wait"])
    assert editor.locator("script, img, [style], [onclick], a:not([href^=https])").count() == 0

    page.get_by_role("button", name="Cc / Bcc").click()
    page.get_by_label("Cc", exact=True).fill("boss@example.org")
    drop(page, "#hd-reply-form", [("report.txt", "text/plain", 120), ("notes.txt", "text/plain", 80)])
    drop(page, "#hd-reply-form", [("huge.bin", "application/octet-stream", 5000)])
    files = page.locator("#hd-reply-form-files .hd-file-name")
    expect(files).to_have_text(["report.txt", "notes.txt"])
    expect(page.locator(".hd-file-error")).to_have_text("huge.bin is larger than 4000 bytes.")
    page.get_by_role("button", name="Remove notes.txt").click()
    expect(files).to_have_text(["report.txt"])
    page.screenshot(path=str(shots / "composer-01-formatted-cc-file.png"), full_page=True)

    editor.focus()
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=Reply sent.")
    reply = conversation.threads.get(type=Thread.Type.MESSAGE)
    for kept in ("<b>on it</b>", "<i>quick</i>", '<a href="https://example.org/status"', "<ul><li>Unplug it</li>"):
        assert kept in reply.body, (kept, reply.body)
    for gone in ("script", "alert", "style=", "onclick", "javascript"):
        assert gone not in reply.body, (gone, reply.body)
    assert (reply.to, reply.cc, reply.bcc) == (["carla@example.org"], ["boss@example.org"], [])
    assert [a.file_name for a in reply.attachments.all()] == ["report.txt"]

    assert outbox_deliver_all() == 1
    [mail] = smtp.messages
    message = mail.message
    assert (message["To"], message["Cc"]) == ("carla@example.org", "boss@example.org")
    assert sorted(mail.recipients) == ["boss@example.org", "carla@example.org"]
    assert [part.get_filename() for part in message.iter_attachments()] == ["report.txt"]
    html = message.get_body(("html",)).get_content()
    assert "<b>on it</b>" in html and "The Support team" in html

    # The timeline shows the recipients; the phone layout of the composer.
    expect(page.locator(f"#thread-{reply.pk} .hd-recipients")).to_have_text(
        "To: carla@example.org Cc: boss@example.org"
    )
    page.set_viewport_size(PHONE_VIEWPORT)
    page.reload()
    page.get_by_role("button", name="Cc / Bcc").click()
    page.screenshot(path=str(shots / "composer-02-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    leave(page)


def test_forward_with_cc_and_one_chosen_file_reaches_the_smtp_server(browser_page, live_server, desk, smtp):
    page, base, conversation, shots = browser_page, live_server.url, desk["conversation"], screenshot_dir()
    customer_thread = conversation.threads.get(type=Thread.Type.CUSTOMER)
    sign_in(page, base, desk["alan"].email)
    page.goto(page_url(base, conversation))
    page.locator(f"#thread-{customer_thread.pk}").get_by_role("link", name="Forward").click()
    page.wait_for_selector("#hd-forward-form")
    page.get_by_label("To", exact=True).fill("supplier@example.com")
    page.get_by_label("Cc", exact=True).fill("boss@example.org, nobody@")
    page.get_by_label("Note", exact=True).click()
    page.keyboard.type("Could you ")
    page.keyboard.press("Control+B")
    page.keyboard.type("check")
    page.keyboard.press("Control+B")
    page.keyboard.type(" the log?")
    page.get_by_label("photo.jpg").uncheck()
    page.screenshot(path=str(shots / "forward-00-form.png"), full_page=True)
    page.get_by_role("button", name="Forward").click()
    expect(page.locator(".errorlist")).to_have_text("nobody@ is not a valid email address.")
    assert smtp.messages == [] and not conversation.threads.filter(type=Thread.Type.NOTE).exists()

    page.get_by_label("Cc", exact=True).fill("boss@example.org")
    page.set_viewport_size(PHONE_VIEWPORT)
    page.screenshot(path=str(shots / "forward-01-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    page.get_by_role("button", name="Forward").click()
    page.wait_for_selector("text=Forwarded to supplier@example.com, boss@example.org.")
    forward = conversation.threads.get(type=Thread.Type.NOTE)
    expect(page.locator(f"#thread-{forward.pk} .hd-kind")).to_have_text("Forward")
    page.screenshot(path=str(shots / "forward-02-in-timeline-phone.png"), full_page=True)

    assert outbox_deliver_all() == 1
    [mail] = smtp.messages
    message = mail.message
    assert (message["To"], message["Cc"]) == ("supplier@example.com", "boss@example.org")
    assert message["Subject"] == "Fwd: The printer is on fire"
    assert sorted(mail.recipients) == ["boss@example.org", "supplier@example.com"]
    assert [(p.get_filename(), p.get_content()) for p in message.iter_attachments()] == [
        ("printer-log.txt", "error 42")
    ]
    html = message.get_body(("html",)).get_content()
    assert "Could you <b>check</b> the log?" in html
    assert "---------- Forwarded message ----------" in html and "Smoke is coming out of <b>tray 2</b>." in html
    leave(page)


def test_the_draft_keeps_the_formatting_and_the_copies(browser_page, live_server, desk):
    page, base, conversation = browser_page, live_server.url, desk["conversation"]
    sign_in(page, base, desk["alan"].email)
    page.goto(page_url(base, conversation))
    page.get_by_label("Reply", exact=True).click()
    page.keyboard.type("Please ")
    page.keyboard.press("Control+B")
    page.keyboard.type("unplug")
    page.keyboard.press("Control+B")
    page.keyboard.type(" it.")
    page.get_by_role("button", name="Cc / Bcc").click()
    page.get_by_label("Bcc", exact=True).fill("archive@example.org")
    page.locator("#hd-draft-status", has_text="Draft saved").wait_for()
    page.wait_for_load_state("networkidle")
    draft = conversation.threads.get(state=Thread.State.DRAFT)
    assert (draft.body, draft.to, draft.bcc) == (
        "Please <b>unplug</b> it.",
        ["carla@example.org"],
        ["archive@example.org"],
    )

    page.reload()
    editor = page.get_by_label("Reply", exact=True)
    expect(editor.locator("b")).to_have_text("unplug")
    expect(editor).to_have_text("Please unplug it.")
    expect(page.get_by_label("Bcc", exact=True)).to_have_value("archive@example.org")
    leave(page)
