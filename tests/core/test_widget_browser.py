"""The contact widget in a real browser, embedded in another site: a static page served from a second
loopback origin (its own tiny HTTP server) pastes the widget's snippet; a customer fills in the form and sends
it; the conversation then shows through the FreeScout API, the LiveAgent API (channel_type M) and the agent
UI. A knowledge-base widget on the same page searches the help center. Screenshots go where the agent UI
tests write theirs (tests/browser.py)."""

import socket
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from conversations.models import Conversation
from helpdesk.services import api_key_create
from liveagent.ids import Kind, id_encode
from mailboxes.models import Folder, FolderType
from mailboxes.services import mailbox_user_grant
from tests.browser import BROWSER_MARKS, PHONE_VIEWPORT, screenshot_dir, sign_in
from tests.factories import AdminFactory, MailboxFactory, UserFactory
from widgets import services
from widgets.models import Widget
from widgets.snippets import integration_code

pytestmark = BROWSER_MARKS

# A shop's page with styles of its own that would spoil a form drawn without isolation.
HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rolling Pin Bakery - Contact</title>
<style>
  body {{ margin: 0; font-family: Georgia, serif; background: #fbf7f2; color: #3b2f2f; }}
  header {{ background: #7c2d12; color: #fff7ed; padding: 1.2rem 2rem; font-size: 1.4rem; letter-spacing: .05em; }}
  main {{ display: grid; grid-template-columns: 1fr minmax(0, 30rem); gap: 3rem; max-width: 64rem;
          margin: 2.5rem auto; padding: 0 1.5rem; }}
  h1 {{ font-size: 2.2rem; margin-top: 0; }}
  input, textarea, button, label {{ all: unset; color: red; font-size: 30px; }}
  @media (max-width: 700px) {{ main {{ grid-template-columns: 1fr; gap: 1.5rem; }} }}
</style></head>
<body><header>Rolling Pin Bakery</header>
<main>
  <section><h1>Get in touch</h1>
    <p>Questions about an order, a cake for a wedding, or our opening hours? Write to us: a baker answers
    within a day.</p>
    <p>Rolling Pin Bakery<br>12 Flour Street<br>Breadville</p>
    {search}
  </section>
  <section>{snippet}</section>
</main></body></html>
"""


def _free_loopback_host() -> str:
    """127.0.0.2 where the system routes all of 127/8 to loopback (Linux does); else 127.0.0.1, a port of
    its own still making a second origin."""
    try:
        with socket.socket() as probe:
            probe.bind(("127.0.0.2", 0))
        return "127.0.0.2"
    except OSError:
        return "127.0.0.1"


@pytest.fixture
def host_site(tmp_path):
    """Serves ``tmp_path`` on a second origin; yields a function writing a page and giving its URL."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer((_free_loopback_host(), 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]

    def page(name: str, html: str) -> str:
        (tmp_path / name).write_text(html)
        return f"http://{host}:{port}/{name}"

    yield page
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def desk(live_server, settings, media_root):
    cache.clear()
    settings.HELPDESK_BASE_URL = live_server.url
    mailbox = MailboxFactory(name="Orders", email="orders@example.com")
    agent = UserFactory(email="bea@example.com", first_name="Bea", last_name="Baker")
    mailbox_user_grant(mailbox=mailbox, user=agent)
    admin = AdminFactory(email="owner@example.com")
    form = services.widget_create(
        name="Contact page",
        mailbox=mailbox,
        attributes=[
            {"name": "title", "value": "Write to the bakers"},
            {"name": "color", "value": "#b45309"},
        ],
        form_fields=[
            {"code": "name", "name": "Your name", "rtype": "T"},
            {"code": "email", "name": "Email", "rtype": "E", "rstatus": "M", "description": "We reply here."},
            {"code": "topic", "name": "Topic", "rtype": "L", "availablevalues": "An order,A cake,Something else"},
            {"code": "message", "name": "Message", "rtype": "M", "rstatus": "M"},
        ],
    )
    search = services.widget_create(name="Help search", mailbox=mailbox, type="W")
    yield {"mailbox": mailbox, "agent": agent, "admin": admin, "form": form, "search": search}
    cache.clear()


def test_a_customer_sends_the_widget_from_another_site(browser_context, live_server, host_site, desk):
    base, shots = live_server.url, screenshot_dir()
    form, search = desk["form"], desk["search"]
    url = host_site("contact.html", HOST_PAGE.format(snippet=integration_code(form), search=""))
    assert not url.startswith(base)

    page = browser_context.new_page()
    page.goto(url)
    page.get_by_role("heading", name="Write to the bakers").wait_for()
    # Rendered in the host page itself (no frame), isolated from its styles.
    assert page.frames == [page.main_frame]
    email = page.get_by_label("Email")
    assert email.evaluate("e => getComputedStyle(e).color") != "rgb(255, 0, 0)"
    page.screenshot(path=str(shots / "widget-01-on-a-host-page.png"), full_page=True)

    # The browser's own checks answer first: nothing is sent without the mandatory fields.
    page.get_by_role("button", name="Send message").click()
    page.get_by_text("This field is required.").first.wait_for()
    assert email.get_attribute("aria-invalid") == "true"
    assert not Conversation.objects.exists()

    page.get_by_label("Your name").fill("Carla Crumb")
    email.fill("carla@example.com")
    page.get_by_label("Topic").select_option("A cake")
    page.get_by_label("Message").fill("Could you bake a three-tier lemon cake for Saturday?\nFor 40 guests.")
    page.screenshot(path=str(shots / "widget-02-filled-in.png"), full_page=True)
    page.get_by_role("button", name="Send message").click()
    page.get_by_role("heading", name="Message sent").wait_for()
    assert "will reply by email" in page.get_by_role("status").inner_text()
    page.screenshot(path=str(shots / "widget-03-sent.png"), full_page=True)

    conversation = Conversation.objects.get()
    form.refresh_from_db()
    assert form.tickets == 1
    # The impression is reported as the form renders, on its own request.
    page.wait_for_function("() => performance.getEntriesByType('resource').some(e => e.name.endsWith('/impression'))")
    form.refresh_from_db()
    assert form.impressions == 1 and form.last_display_url == url

    # Through the FreeScout API...
    admin_key = api_key_create(user=desk["admin"])[1]
    freescout = APIClient()
    freescout.credentials(HTTP_X_FREESCOUT_API_KEY=admin_key)
    listed = freescout.get("/api/conversations", {"mailboxId": desk["mailbox"].pk}).json()
    [row] = listed["_embedded"]["conversations"]
    assert row["id"] == conversation.pk
    assert row["subject"] == "Could you bake a three-tier lemon cake for Saturday?"
    assert row["customer"]["email"] == "carla@example.com"
    assert row["source"] == {"type": "web", "via": "customer"}
    # ...through the LiveAgent API, as a contact form's...
    body = freescout.get("/liveagent/api/conversations", {"apikey": admin_key, "channel_type": "M"}).json()
    [liveagent_row] = body["response"]["conversations"]
    assert liveagent_row["conversationid"] == id_encode(Kind.CONVERSATION, conversation.pk)
    assert (liveagent_row["channel_type"], liveagent_row["owneremail"]) == ("M", "carla@example.com")

    # ...and in the agent UI: the Unassigned folder, then the conversation with the form's answers.
    agent_page = browser_context.browser.new_context(viewport={"width": 1400, "height": 950}).new_page()
    sign_in(agent_page, base, desk["agent"].email)
    unassigned = Folder.objects.get(mailbox=desk["mailbox"], type=FolderType.UNASSIGNED)
    agent_page.goto(f"{base}/admin/conversations/conversation/?folder={unassigned.pk}")
    agent_page.get_by_text("Could you bake a three-tier lemon cake").first.click()
    agent_page.wait_for_selector(".hd-timeline")
    timeline = agent_page.inner_text(".hd-timeline")
    assert "For 40 guests." in timeline and "Topic" in timeline and "A cake" in timeline
    assert "Contact page" in timeline
    agent_page.screenshot(path=str(shots / "widget-04-in-the-agent-ui.png"), full_page=True)
    agent_page.context.close()

    # A knowledge-base widget searches the help center.
    page.goto(host_site("search.html", HOST_PAGE.format(snippet="", search=integration_code(search))))
    page.get_by_role("searchbox").wait_for()
    page.screenshot(path=str(shots / "widget-06-knowledge-base-search.png"), full_page=True)
    with page.expect_popup() as popup:
        page.get_by_role("searchbox").fill("lemon cake")
        page.get_by_role("button", name="Search").click()
    assert popup.value.url.startswith(f"{base}/help/search?q=lemon+cake")


def test_the_widget_on_a_phone(browser, live_server, host_site, desk):
    form = desk["form"]
    url = host_site("phone.html", HOST_PAGE.format(snippet=integration_code(form), search=""))
    context = browser.new_context(viewport=PHONE_VIEWPORT)
    try:
        page = context.new_page()
        page.goto(url)
        page.get_by_role("heading", name="Write to the bakers").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.get_by_label("Message").scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir() / "widget-05-phone.png"), full_page=True)
    finally:
        context.close()


def test_an_inactive_widget_shows_nothing(browser_page, live_server, host_site, desk):
    form = desk["form"]
    services.widget_update(widget=form, name=form.name, mailbox=desk["mailbox"], status=Widget.Status.INACTIVE)
    browser_page.goto(host_site("off.html", HOST_PAGE.format(snippet=integration_code(form), search="")))
    browser_page.wait_for_load_state("networkidle")
    assert browser_page.locator("[data-helpdesk-widget]").inner_html() == ""


def test_the_admin_shows_the_snippet_to_copy(browser_page, live_server, desk):
    page, base, form = browser_page, live_server.url, desk["form"]
    sign_in(page, base, desk["admin"].email)
    page.goto(f"{base}/admin/widgets/widget/")
    assert "Contact page" in page.inner_text("#result_list")
    page.screenshot(path=str(screenshot_dir() / "widget-07-admin-list.png"), full_page=True)
    page.click("text=Contact page")
    snippet = page.locator("textarea.hd-widget-snippet")
    assert snippet.input_value() == integration_code(form)
    page.screenshot(path=str(screenshot_dir() / "widget-08-admin-edit.png"), full_page=True)
    page.click("text=Preview it")
    page.get_by_role("heading", name="Write to the bakers").wait_for()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshot_dir() / "widget-09-admin-preview.png"), full_page=True)
    form.refresh_from_db()
    assert form.impressions == 0  # previews are not counted


def test_the_snippet_also_works_from_the_head_of_a_page(browser_page, live_server, host_site, desk):
    form = desk["form"]
    script = integration_code(form).split("\n")[1]
    html = f"<!doctype html><html><head>{script}</head><body><p>Text</p></body></html>"
    browser_page.goto(host_site("head.html", html))
    browser_page.get_by_role("heading", name="Write to the bakers").wait_for()
    assert browser_page.locator("body > [data-helpdesk-widget]").count() == 1
