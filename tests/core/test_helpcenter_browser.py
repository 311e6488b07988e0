"""The public help center in a real browser: the home page, a category and an article on a desktop and on a
390px phone (no horizontal scrolling), search, an internal article that never shows, and an article written
and published in the admin that the help center's search finds at once. Screenshots go to
``$HELPDESK_SCREENSHOT_DIR`` (tests/browser.py)."""

import pytest

from knowledgebase.models import DEFAULT_KNOWLEDGE_BASE, Entry, KnowledgeBase
from knowledgebase.services import entry_create, knowledge_base_create
from knowledgebase.text import entry_path
from tests.browser import BROWSER_MARKS, PHONE_VIEWPORT, screenshot_dir, sign_in
from tests.factories import AdminFactory, MailboxFactory

pytestmark = BROWSER_MARKS

T, A = Entry.Type, Entry.Access

ARTICLE = """
<p>Every invoice we send is also kept in your account, so you can download it again at any time.</p>
<h2>Download an invoice</h2>
<ol>
  <li>Sign in and open <strong>Settings → Billing</strong>.</li>
  <li>Find the month in the <em>Invoices</em> list.</li>
  <li>Click <strong>Download PDF</strong>.</li>
</ol>
<h2>Change the billing address</h2>
<p>The address printed on future invoices is the one in <strong>Billing details</strong>. Invoices already
sent keep the address they were issued with; <a href="/help/">write to us</a> if one needs correcting.</p>
<blockquote>Invoices are issued on the first working day of each month.</blockquote>
<p>Developers can fetch invoices through the API as well:</p>
<pre><code>curl -H "Authorization: Bearer $TOKEN" https://api.example.com/v1/invoices?month=2026-11</code></pre>
<table><thead><tr><th>Plan</th><th>Billed</th><th>Invoice</th></tr></thead>
<tbody><tr><td>Starter</td><td>Monthly</td><td>PDF by email</td></tr>
<tr><td>Business</td><td>Yearly</td><td>PDF and e-invoice</td></tr></tbody></table>
"""


@pytest.fixture
def help_center(live_server):
    MailboxFactory(name="Acme", email="support@acme.example")
    # A live server's test empties the tables after it, the migration's default knowledge base too.
    kb = KnowledgeBase.objects.filter(pk=DEFAULT_KNOWLEDGE_BASE).first() or knowledge_base_create(
        id=DEFAULT_KNOWLEDGE_BASE, name="Knowledge base"
    )

    def add(title, parent=None, type=T.ARTICLE, **fields):
        return entry_create(knowledge_base=kb, parent=parent, type=type, title=title, **fields)

    # Created bottom-up: new entries go on top.
    account = add("Account and security", type=T.CATEGORY, description="Passwords, sign-in and your team.")
    for title in ("Invite your team", "Turn on two-factor authentication", "Reset your password"):
        add(title, parent=account)
    billing = add("Billing", type=T.CATEGORY, description="Invoices, payment methods and refunds.")
    for title in ("Refunds and cancellations", "Update your card", "Change your plan"):
        add(title, parent=billing, metadescription="What changes, and when it takes effect.")
    invoice = add(
        "Where can I find my invoices?",
        parent=billing,
        content=ARTICLE,
        metadescription="Download past invoices and change the billing address.",
        keywords="invoice, receipt, billing address",
    )
    internal = add("Refund approvals for staff", parent=billing, access=A.INTERNAL, content="<p>Secret</p>")
    start = add("Getting started", type=T.CATEGORY, description="Set up your account in five minutes.")
    for title in ("Connect your mailbox", "Create your first workflow", "A tour of the dashboard"):
        add(title, parent=start)
    return {"billing": billing, "invoice": invoice, "internal": internal}


def assert_no_horizontal_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_reading_the_help_center(browser_context, live_server, help_center, device):
    page, base, shots = browser_context.new_page(), live_server.url, screenshot_dir()
    if device == "phone":
        page.set_viewport_size(PHONE_VIEWPORT)

    page.goto(f"{base}/help/")
    assert "Acme" in page.inner_text(".hc-header")
    assert "Refund approvals" not in page.content()
    assert_no_horizontal_scroll(page)
    page.screenshot(path=str(shots / f"help-01-home-{device}.png"), full_page=True)

    page.click("text=Billing")
    page.wait_for_url(f"{base}{entry_path(urlcode=help_center['billing'].urlcode, title='Billing')}")
    assert "Where can I find my invoices?" in page.inner_text(".hc-article-list")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=str(shots / f"help-02-category-{device}.png"), full_page=True)

    page.click("text=Where can I find my invoices?")
    page.wait_for_selector(".hc-article h1")
    assert "Download an invoice" in page.inner_text(".hc-content")
    assert page.get_attribute(".hc-contact a", "href").startswith("mailto:support@acme.example")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=str(shots / f"help-03-article-{device}.png"), full_page=True)
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(shots / f"help-03-article-{device}-dark.png"), full_page=True)
    page.emulate_media(color_scheme="light")

    page.fill("#hc-q", "billing address")
    page.press("#hc-q", "Enter")
    page.wait_for_selector(".hc-results")
    assert page.inner_text(".hc-results li:first-child a") == "Where can I find my invoices?"
    assert_no_horizontal_scroll(page)
    page.screenshot(path=str(shots / f"help-04-search-{device}.png"), full_page=True)

    internal = help_center["internal"]
    response = page.goto(f"{base}{entry_path(urlcode=internal.urlcode, title=internal.title)}")
    assert response.status == 404
    assert "Secret" not in page.content()
    page.screenshot(path=str(shots / f"help-05-not-found-{device}.png"), full_page=True)

    assert Entry.objects.get(pk=help_center["invoice"].pk).views == 1


def test_search_finds_an_article_published_a_moment_before_in_the_admin(browser_page, live_server, help_center):
    from django.contrib import admin as django_admin

    if Entry not in django_admin.site._registry:
        pytest.skip("the knowledge base's admin is not registered")
    page, base, shots = browser_page, live_server.url, screenshot_dir()
    AdminFactory(email="kb-admin@example.com")
    sign_in(page, base, "kb-admin@example.com")

    page.goto(f"{base}/admin/knowledgebase/entry/add/")
    page.select_option("#id_type", Entry.Type.ARTICLE.value)
    page.select_option("#id_parent", label="Billing (Category)")
    page.fill("#id_title", "Paying by bank transfer")
    editor = page.locator(".kb-editor-area")
    if editor.is_visible():
        editor.click()
        editor.type("Use the IBAN printed on your pro-forma invoice.")
    else:
        page.fill("#id_content", "<p>Use the IBAN printed on your pro-forma invoice.</p>")
    page.select_option("#id_status", Entry.Status.DRAFT.value)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    article = Entry.objects.get(title="Paying by bank transfer")
    assert article.status == Entry.Status.DRAFT

    # A draft is nowhere on the public site.
    page.goto(f"{base}/help/search?q=IBAN")
    assert "No results for" in page.inner_text("h1")

    # Published from the admin's list.
    page.goto(f"{base}/admin/knowledgebase/entry/?parent={help_center['billing'].pk}")
    page.check(f'input.action-select[value="{article.pk}"]')
    page.select_option("select[name=action]", "publish")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist")

    page.goto(f"{base}/help/search?q=IBAN+transfer")
    page.wait_for_selector(".hc-results")
    assert page.inner_text(".hc-results li:first-child a") == "Paying by bank transfer"
    page.screenshot(path=str(shots / "help-06-search-after-publishing.png"), full_page=True)
    page.click("text=Paying by bank transfer")
    page.wait_for_selector(".hc-article h1")
    assert "Use the IBAN printed on your pro-forma invoice." in page.inner_text(".hc-content")
