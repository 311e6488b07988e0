"""An agent sees an inline image kept in the object store, in a real browser under the real
Content-Security-Policy: the page's ``<img>`` points at our own attachment URL, which redirects to a signed
URL of the S3 API server (moto's server mode on loopback); ``img-src`` allows that origin
(``HELPDESK_MEDIA_ORIGINS``), and without it chromium refuses the image."""

import struct
import zlib
from email.message import EmailMessage

import pytest
from csp.constants import SELF

from conversations.mail.ingest import mail_ingest
from helpdesk.storage.origins import s3_origins
from tests.browser import BROWSER_MARKS, screenshot_dir, sign_in
from tests.core.test_storage_s3 import PREFIX, REGION, bucket, objects, s3_server  # noqa: F401 (fixtures)
from tests.factories import AdminFactory

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True)]


def png(width: int, height: int) -> bytes:
    """A real PNG: a blue-to-orange gradient, so that the screenshot shows it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\x00" + b"".join(bytes((40 + 200 * x // width, 90, 220 - 180 * x // width)) for x in range(width))
        for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def email_with_inline_image() -> bytes:
    message = EmailMessage()
    message["From"] = "Jane Customer <jane@example.org>"
    message["To"] = "support@example.com"
    message["Subject"] = "The chart"
    message["Message-ID"] = "<chart-1@example.org>"
    message.set_content("See the chart.")
    message.add_alternative('<p>See the chart:</p><p><img src="cid:chart@example.org" alt="chart"></p>', subtype="html")
    message.get_payload()[1].add_related(png(240, 120), "image", "png", cid="<chart@example.org>", filename="chart.png")
    return bytes(message)


def image_loaded(page) -> bool:
    """Whether the page's inline image loaded. The live server's SQLite may refuse a request while the page's
    polls write (database table locked), so the page is loaded again, twice at most, before saying no."""
    for attempt in range(3):
        if attempt:
            page.reload()
        page.locator("img.hd-inline-image").wait_for()
        loaded = page.evaluate(
            """() => new Promise(resolve => {
                const img = document.querySelector("img.hd-inline-image");
                const done = () => resolve(img.naturalWidth > 0);
                if (img.complete) { done(); return; }
                img.addEventListener("load", done);
                img.addEventListener("error", done);
            })"""
        )
        if loaded:
            return True
    return False


def image_refused_by_the_policy(page, src: str, csp_violations: list) -> bool:
    """Whether chromium refuses ``src`` for the Content-Security-Policy (a refusal for another reason, such as
    the SQLite lock above, is tried again)."""
    for _ in range(3):
        loaded = page.evaluate(
            """src => new Promise(resolve => {
                const img = new Image();
                img.onload = () => resolve(true);
                img.onerror = () => resolve(false);
                img.src = src;
            })""",
            src,
        )
        assert not loaded
        for _ in range(20):  # the console reports the violation on its own time
            if csp_violations:
                return all("img-src" in text for _, text in csp_violations)
            page.wait_for_timeout(100)
    return False


def test_an_inline_image_in_the_bucket_shows_under_the_policy(
    browser_page, live_server, mailbox, settings, csp_violations, request
):
    store = request.getfixturevalue("bucket")  # test_storage_s3's, imported above
    settings.HELPDESK_BASE_URL = live_server.url
    origins = s3_origins(bucket=store.name, endpoint_url=store.endpoint, region=REGION, addressing_style="path")
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    with_store = {**settings.CONTENT_SECURITY_POLICY, "DIRECTIVES": {**directives, "img-src": [SELF, *origins]}}
    settings.CONTENT_SECURITY_POLICY = with_store
    admin = AdminFactory(email="ada@example.com")
    thread = mail_ingest(mailbox=mailbox, raw=email_with_inline_image()).thread
    [key] = objects(store)
    assert key.startswith(f"{PREFIX}/attachments/") and key.endswith("/chart.png")

    page = browser_page
    sign_in(page, live_server.url, admin.email)
    page.goto(f"{live_server.url}/admin/conversations/conversation/{thread.conversation_id}/change/")
    src = page.locator("img.hd-inline-image").get_attribute("src")
    assert src.startswith(f"{live_server.url}/attachments/") or src.startswith("/attachments/")
    assert image_loaded(page)
    page.locator("img.hd-inline-image").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir() / "storage-01-inline-image-from-s3.png"), full_page=True)
    assert csp_violations == []

    # The policy is what lets it through: without the store's origin, chromium refuses the redirected image.
    settings.CONTENT_SECURITY_POLICY = {**with_store, "DIRECTIVES": {**directives, "img-src": [SELF]}}
    page.reload()
    assert image_refused_by_the_policy(page, src, csp_violations)
    csp_violations.clear()
    page.close()  # before the database goes: the page polls the server
