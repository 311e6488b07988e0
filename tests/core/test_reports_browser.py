"""The admin's Reports page in a browser: the screenshot (reports-01-page.png) with the other UI screenshots."""

import pytest

from tests.browser import BROWSER_MARKS, screenshot_dir, sign_in
from tests.reports_story import tell

pytestmark = BROWSER_MARKS

PAGE = "/admin/reports/hourlyfigure/"


@pytest.mark.django_db(transaction=True)
def test_reports_page_screenshot(browser_page, live_server, monkeypatch):
    tell(monkeypatch)
    page = browser_page
    sign_in(page, live_server.url, "ana@example.com")
    page.goto(f"{live_server.url}{PAGE}?date_from=2026-10-20&date_to=2026-11-03")
    assert page.locator("#report-agents tbody tr").count() == 2
    page.screenshot(path=str(screenshot_dir() / "reports-01-page.png"), full_page=True)
