"""Browser tests' shared parts: Playwright drives Debian's chromium headless against the live server. One
browser per test process (``browser`` is session-scoped; each test gets a fresh context and page), so that
adding screens does not add browser start-ups to the suite. Screenshots go to ``$HELPDESK_SCREENSHOT_DIR``
(default ``artifacts/screenshots/``, not committed).

Use: ``pytestmark = BROWSER_MARKS`` in a browser test module, and the ``browser_page`` fixture (or
``browser_context`` for two users at once) from tests/conftest.py."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "correct horse battery staple"  # UserFactory's
VIEWPORT = {"width": 1400, "height": 950}
PHONE_VIEWPORT = {"width": 390, "height": 844}

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason="chromium is not installed (apt-get install chromium); .ci/run installs it"
    ),
]


def screenshot_dir() -> Path:
    path = Path(os.environ.get("HELPDESK_SCREENSHOT_DIR") or settings.BASE_DIR / "artifacts" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def sign_in(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")


def csp_violations_watch(context, found: list[tuple[str, str]]) -> None:
    """Adds to ``found`` every Content-Security-Policy violation that chromium reports in the console of the
    context's pages (it says "... violates the following Content Security Policy directive ...")."""

    def watch(page) -> None:
        def console(message) -> None:
            if "Content Security Policy" in message.text:
                found.append((page.url, message.text))

        page.on("console", console)

    context.on("page", watch)


def phone_screenshot(page, name: str) -> None:
    """Shows ``page`` at phone width, writes its screenshot ``name``, and fails if the page scrolls sideways."""
    page.set_viewport_size(PHONE_VIEWPORT)
    page.screenshot(path=str(screenshot_dir() / f"{name}.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow} px"
