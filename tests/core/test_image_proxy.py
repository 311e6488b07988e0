"""The image proxy (conversations/image_proxy.py): signed URLs only, staff only, the SSRF guard's refusals
(private networks stay closed even when webhooks may use them), the size cap, images only, and nothing of the
agent's (cookies, referrer) reaching the remote server."""

import pytest
from django.urls import reverse

from conversations.rendering import IMAGE_PROXY_SALT, image_proxy_url
from tests.image_server import PNG, ImageServer


@pytest.fixture
def images(settings):
    settings.HELPDESK_IMAGE_PROXY_ALLOW_PRIVATE_NETWORKS = True  # the test's image host is on loopback
    with ImageServer() as server:
        yield server


def test_a_signed_url_loads_the_image_without_cookies_or_referrer(admin_client, images):
    admin_client.cookies["sessionid_extra"] = "agent-secret"
    response = admin_client.get(image_proxy_url(images.url("/label.png")), HTTP_REFERER="http://helpdesk/admin/x")
    assert response.status_code == 200
    assert response.content == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=86400, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "Set-Cookie" not in response  # the remote server's cookie stays there
    [(path, headers)] = images.requests
    assert path == "/label.png"
    assert "cookie" not in headers and "referer" not in headers
    assert headers["user-agent"] == "helpdesk"


def test_an_unsigned_or_tampered_url_is_not_fetched(admin_client, images):
    proxy = reverse("image-proxy")
    signed = image_proxy_url(images.url("/label.png")).split("?u=", 1)[1]
    for query in ({}, {"u": ""}, {"u": images.url("/label.png")}, {"u": signed[:-2] + "xx"}):
        assert admin_client.get(proxy, query).status_code == 404
    from django.core import signing

    other_salt = signing.dumps(images.url("/label.png"), salt="something-else")
    assert admin_client.get(proxy, {"u": other_salt}).status_code == 404
    assert signing.loads(signed, salt=IMAGE_PROXY_SALT) == images.url("/label.png")
    assert images.requests == []


def test_only_signed_in_staff_may_use_it(client, db, images):
    response = client.get(image_proxy_url(images.url("/label.png")))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert images.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/x.png",
        "http://[::1]/x.png",
        "http://2130706433/x.png",
        "file:///etc/passwd",
        "gopher://example.com/",
    ],
)
def test_private_and_odd_addresses_are_refused(admin_client, settings, url):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True  # opening webhooks to an intranet opens no images
    assert admin_client.get(image_proxy_url(url)).status_code in (403, 404)


def test_too_large_is_refused(admin_client, images, settings):
    settings.HELPDESK_IMAGE_PROXY_MAX_BYTES = len(PNG) - 1
    assert admin_client.get(image_proxy_url(images.url("/label.png"))).status_code == 502


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", "application/octet-stream"])
def test_what_is_not_a_raster_image_is_refused(admin_client, images, content_type):
    images.files["/x"] = (content_type, b"<svg onload=alert(1)>")
    response = admin_client.get(image_proxy_url(images.url("/x")))
    assert response.status_code == 415
    assert b"svg" not in response.content


def test_a_missing_remote_image_is_a_bad_gateway_not_an_error_page(admin_client, images):
    assert admin_client.get(image_proxy_url(images.url("/gone.png"))).status_code == 502


def test_only_get_and_head(admin_client, images):
    assert admin_client.post(image_proxy_url(images.url("/label.png"))).status_code == 405
