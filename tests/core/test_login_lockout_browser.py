"""The lockout page in a real browser (issue 20, item 4): ten wrong passwords in the admin's sign-in form,
then the right one, show the admin's page saying why and for how long; a screenshot of it goes to
``$HELPDESK_SCREENSHOT_DIR`` (tests/browser.py)."""

import pytest

from tests.browser import BROWSER_MARKS, PASSWORD, screenshot_dir
from tests.factories import AdminFactory

pytestmark = BROWSER_MARKS


@pytest.fixture(autouse=True)
def _fast_hashes(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_lockout_page_in_the_browser(browser_page, live_server):
    page, base = browser_page, live_server.url
    ada = AdminFactory(email="ada@example.com")

    for _ in range(10):
        page.goto(f"{base}/admin/login/")
        page.fill("#id_username", ada.email)
        page.fill("#id_password", "wrong password")
        page.click("input[type=submit]")
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", ada.email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    page.wait_for_selector(".hd-error-page")
    text = page.inner_text(".hd-error-page")
    assert "Too many failed sign-ins" in text and "Wait 15 minutes" in text
    assert page.inner_text("#site-name") == "Helpdesk"
    page.screenshot(path=str(screenshot_dir() / "lockout-01-too-many-sign-ins.png"), full_page=True)
    page.goto(f"{base}/admin/")
    assert "/admin/login/" in page.url
