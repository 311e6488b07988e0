"""Issue 20, item 5, in a real browser: the Content-Security-Policy holds where it matters. A message carrying
an inline script, inline handlers and a javascript: link runs none of them; a remote image (served by a loopback
server standing in for the sender's) is not requested until the agent asks, and then through our image proxy;
the same holds when the sanitiser, the first wall, is taken away, so that the policy alone stands. The API
documentation (both dialects' Swagger UI, Redoc), the contact widget's preview and every kind of admin screen
work under the policy. Any violation a page reports fails the test (``csp_violations``, tests/conftest.py),
here as in every browser test; the ones provoked on purpose are checked and taken. Screenshots go to
screenshot_dir()."""

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.urls import reverse

from conversations.mail.ingest import mail_ingest
from conversations.models import Thread
from mailboxes.services import mailbox_user_grant
from tests.browser import BROWSER_MARKS, screenshot_dir, sign_in
from tests.factories import AdminFactory, MailboxFactory, UserFactory
from tests.image_server import ImageServer
from widgets import services as widget_services

pytestmark = BROWSER_MARKS

HOSTILE = """<div>Hello, here is the label:<br><img src="{image}" alt="printer label" width="240" height="120">
<script>window.hdPwned = "script";</script>
<details open ontoggle="window.hdPwned = 'ontoggle'"><summary>More</summary>Details</details>
<p onmouseover="window.hdPwned = 'onmouseover'">Point here</p>
<a href="javascript:window.hdPwned = 'link'" id="hd-hostile-link">Click me</a></div>"""


def _message(body: str) -> bytes:
    return (
        "From: Mallory <mallory@customer.example>\r\nTo: support@example.com\r\nSubject: Label photo\r\n"
        "Message-ID: <hostile-0001@customer.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: text/html; charset="UTF-8"\r\n\r\n' + body + "\r\n"
    ).encode()


@pytest.fixture
def images(settings):
    # The stand-in for the sender's image host is on loopback, which the proxy refuses in production.
    settings.HELPDESK_IMAGE_PROXY_ALLOW_PRIVATE_NETWORKS = True
    with ImageServer() as server:
        yield server


@pytest.fixture
def desk(live_server, media_root, settings, images):
    settings.HELPDESK_BASE_URL = live_server.url
    support = MailboxFactory(name="Support", email="support@example.com")
    agent = UserFactory(email="alan@example.com", first_name="Alan", last_name="Agent")
    mailbox_user_grant(mailbox=support, user=agent)
    received = mail_ingest(mailbox=support, raw=_message(HOSTILE.format(image=images.url("/big-label.png"))))
    assert received is not None
    return {"agent": agent, "thread": received.thread, "mailbox": support}


def _not_run(page) -> None:
    assert page.evaluate("window.hdPwned") is None


def _violations(found: list[tuple[str, str]], *fragments: str) -> None:
    """Each fragment was reported (chromium's wording), then the list is emptied: these were on purpose."""
    text = "\n".join(message for _, message in found)
    for fragment in fragments:
        assert fragment in text, (fragment, text)
    found.clear()


def test_a_hostile_message_runs_nothing_and_loads_no_remote_image_until_asked(
    browser_page, live_server, desk, images, csp_violations, monkeypatch
):
    page, base, shots = browser_page, live_server.url, screenshot_dir()
    thread = desk["thread"]
    url = base + reverse("admin:conversations_conversation_change", args=[thread.conversation_id])
    sign_in(page, base, desk["agent"].email)
    page.goto(url)
    entry = page.locator(f"#thread-{thread.pk}")
    entry.wait_for()
    assert "Hello, here is the label" in entry.inner_text()
    entry.locator("p", has_text="Point here").hover()
    _not_run(page)
    assert entry.locator(".hd-blocked-image").count() == 1
    assert images.requests == []

    # The second wall alone: the stored body is the raw HTML and the page shows it unsanitised, as if nh3 let
    # everything through. The policy still runs none of it.
    Thread.objects.filter(pk=thread.pk).update(body=HOSTILE.format(image=images.url("/big-label.png")))
    monkeypatch.setattr("conversations.rendering.body_sanitise", lambda body: body)
    page.goto(url)
    entry.wait_for()
    assert entry.locator("script").count() == 1 and entry.locator("details[ontoggle]").count() == 1
    entry.locator("p", has_text="Point here").hover()
    entry.locator("#hd-hostile-link").click()
    page.wait_for_timeout(300)
    _not_run(page)
    _violations(csp_violations, "inline script", "inline event handler", "script-src")
    # Markup slipped in after the page loaded: a remote image and an inline handler, as an injection would.
    page.evaluate(
        """url => {
            const body = document.querySelector(".hd-body");
            const image = `<img id="hd-injected" src="${url}" onerror="window.hdPwned = 'onerror'">`;
            body.insertAdjacentHTML("beforeend", image);
            const script = document.createElement("script");
            script.textContent = "window.hdPwned = 'created'";
            body.append(script);
        }""",
        images.url("/label.png"),
    )
    page.wait_for_timeout(500)
    _not_run(page)
    assert images.requests == []
    _violations(csp_violations, "img-src", "inline event handler", "inline script")
    page.screenshot(path=str(shots / "80-csp-hostile-message.png"), full_page=True)
    monkeypatch.undo()

    # Asked for, the image loads through our host.
    page.goto(url)
    entry.locator("a.hd-load-images").click()
    page.wait_for_load_state("load")
    proxied = page.locator(f"#thread-{thread.pk} .hd-body img").first
    proxied.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=proxied.element_handle())
    assert proxied.get_attribute("src").startswith(reverse("image-proxy") + "?u=")
    assert [path for path, _ in images.requests] == ["/big-label.png"]
    assert images.requests[0][1]["user-agent"] == "helpdesk"
    _not_run(page)
    page.screenshot(path=str(shots / "81-csp-images-loaded.png"), full_page=True)


@pytest.mark.parametrize(
    ("path", "ready", "shot"),
    [
        ("/api/docs", ".opblock", "82-csp-freescout-swagger.png"),
        ("/liveagent/docs", ".opblock", "83-csp-liveagent-swagger.png"),
        ("/api/redoc", "h1", "84-csp-redoc.png"),
    ],
)
def test_the_api_documentation_works_under_the_policy(browser_page, live_server, csp_violations, path, ready, shot):
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + path)
    page.locator(ready).first.wait_for()
    if "redoc" not in path:
        # Swagger UI's own script ran: an operation opens.
        page.locator(".opblock-summary").first.click()
        page.locator(".opblock-body").first.wait_for()
    else:
        # Redoc's search runs (its index is built in a worker).
        page.fill("input[placeholder='Search...']", "customer")
        page.locator("[role=search] li, [data-role='search:results'] li").first.wait_for()
    page.wait_for_timeout(300)
    assert errors == []
    page.screenshot(path=str(screenshot_dir() / shot))
    if "redoc" in path:
        # Redoc's sidebar shows Redocly's logo from its CDN: kept out by the policy (no other host is called),
        # the only violation of the page.
        assert len(csp_violations) == 1 and "https://cdn.redoc.ly/" in csp_violations[0][1], csp_violations
        csp_violations.clear()


# One screen of each kind the admin has (its own scripts, Django's, the select2 autocomplete, the calendar, the
# inlines, the knowledge-base editor, the conversation list and page with their polling); test_csp_pages reads
# the HTML of every page of every model.
ADMIN_SCREENS = [
    ("admin:index", None),
    ("admin:conversations_conversation_changelist", None),
    ("admin:conversations_conversation_change", "conversations.Conversation"),
    ("admin:conversations_thread_changelist", None),
    ("admin:conversations_tag_changelist", None),
    ("admin:customers_customer_changelist", None),
    ("admin:customers_customer_change", "customers.Customer"),
    ("admin:mailboxes_mailbox_change", "mailboxes.Mailbox"),
    ("admin:helpdesk_user_add", None),
    ("admin:helpdesk_user_change", "helpdesk.User"),
    ("admin:helpdesk_apikey_add", None),
    ("admin:webhooks_webhook_add", None),
    ("admin:knowledgebase_entry_changelist", None),
    ("admin:knowledgebase_entry_change", "knowledgebase.Entry"),
    ("admin:widgets_widget_change", "widgets.Widget"),
    ("notification-list", None),
]


def test_every_kind_of_admin_screen_works_under_the_policy(browser_page, live_server, media_root, settings):
    """As an admin: no violation, no script error, and the widget's preview shows the widget."""
    settings.HELPDESK_BASE_URL = live_server.url
    call_command("seed_demo", verbosity=0)
    admin = AdminFactory(email="root@example.com")
    mailbox = MailboxFactory(name="Widgets", email="widgets@example.com")
    widget = widget_services.widget_create(
        name="Contact", mailbox=mailbox, attributes=[{"name": "title", "value": "Write to us"}]
    )
    page, base = browser_page, live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    sign_in(page, base, admin.email)
    for name, model in ADMIN_SCREENS:
        args = [django_apps.get_model(model)._default_manager.order_by("pk").first().pk] if model else []
        response = page.goto(base + reverse(name, args=args), wait_until="networkidle")
        assert response is not None and response.status == 200, name
    # The conversation list's bulk actions and filters are scripts of ours: they ran.
    page.goto(base + reverse("admin:conversations_conversation_changelist"), wait_until="networkidle")
    page.locator("#changelist input.action-select").first.check()
    assert page.locator(".actions .action-counter").inner_text().startswith("1 of")
    # The widget's preview: our embed script, its stylesheet taking the page's nonce.
    page.goto(base + reverse("admin:widgets_widget_preview", args=[widget.pk]), wait_until="networkidle")
    title = page.locator("[data-helpdesk-widget] >> .hdw-title")
    title.wait_for()
    assert title.inner_text() == "Write to us"
    cursor = page.evaluate(
        "() => getComputedStyle(document.querySelector('[data-helpdesk-widget]').shadowRoot"
        ".querySelector('.hdw-button')).cursor"
    )
    assert cursor == "pointer"
    page.screenshot(path=str(screenshot_dir() / "85-csp-widget-preview.png"), full_page=True)
    assert errors == []
