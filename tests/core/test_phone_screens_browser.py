"""The admin screens added with reports, presence, saved replies, new conversation and the audit log, at
phone width in a real browser: each one's screenshot (``phone-…``) with the others, and none scrolls
sideways."""

import pytest
from django.urls import reverse

from mailboxes.services import saved_reply_create
from tests.browser import BROWSER_MARKS, phone_screenshot, sign_in
from tests.reports_story import tell

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True)
def test_the_newer_admin_screens_fit_a_phone(browser_page, live_server, monkeypatch):
    story = tell(monkeypatch)
    reply = saved_reply_create(mailbox=story.support, name="Printer fixed", body="<p>Hi {%customer.firstName%},</p>")
    page, base = browser_page, live_server.url
    sign_in(page, base, story.ana.email)
    reports = reverse("admin:reports_hourlyfigure_changelist")
    for name, path in (
        ("phone-reports", f"{reports}?date_from=2026-10-20&date_to=2026-11-03"),
        ("phone-new-conversation", reverse("admin:conversations_conversation_new")),
        ("phone-saved-reply", reverse("admin:mailboxes_savedreply_change", args=[reply.pk])),
        ("phone-audit-log", reverse("admin:audit_auditentry_changelist")),
    ):
        page.set_viewport_size({"width": 1400, "height": 950})
        response = page.goto(base + path)
        assert response is not None and response.status == 200, name
        phone_screenshot(page, name)
    page.click("#hd-status > summary")
    phone_screenshot(page, "phone-status-control")
    page.goto("about:blank")
