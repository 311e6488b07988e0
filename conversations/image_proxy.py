"""The image proxy: remote images in messages load through our host once an agent asks for them
(conversations/rendering.py writes the links), so the sender's server never sees the agent's address, browser,
cookies or the moment they read. The URL is signed (not an open proxy) and only signed-in staff may use it;
the fetch goes through the SSRF-safe client (helpdesk/outbound.py), which sends no cookies, no referrer and
follows no redirects; the answer must be a raster image within HELPDESK_IMAGE_PROXY_MAX_BYTES."""

import logging

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from conversations.rendering import image_proxy_target
from helpdesk.outbound import FetchError, UnsafeUrl, url_fetch

logger = logging.getLogger(__name__)

# Raster types only: an SVG may carry script, and would run on our origin if opened on its own.
IMAGE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/avif",
        "image/bmp",
        "image/x-icon",
        "image/vnd.microsoft.icon",
    }
)
FETCH_TIMEOUT = 10.0


def _refused(status: int, reason: str) -> HttpResponse:
    response = HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


# Outside ATOMIC_REQUESTS' transaction: it writes nothing, and must not hold a transaction (on SQLite, the
# write lock) open while it waits up to FETCH_TIMEOUT on someone else's server.
@transaction.non_atomic_requests
@require_safe
@staff_member_required
def image_proxy(request: HttpRequest) -> HttpResponse:
    url = image_proxy_target(request.GET.get("u", ""))
    if url is None:
        return _refused(404, "Unknown image.")
    try:
        content, content_type, _name = url_fetch(
            url,
            max_bytes=settings.HELPDESK_IMAGE_PROXY_MAX_BYTES,
            timeout=FETCH_TIMEOUT,
            private_networks=settings.HELPDESK_IMAGE_PROXY_ALLOW_PRIVATE_NETWORKS,
        )
    except UnsafeUrl as error:
        logger.info("Image proxy refused %s: %s", url, error)
        return _refused(403, "This image's address is not allowed.")
    except FetchError as error:
        logger.info("Image proxy could not fetch %s: %s", url, error)
        return _refused(502, "The image could not be fetched.")
    if content_type not in IMAGE_TYPES:
        return _refused(415, "Not an image.")
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Referrer-Policy"] = "no-referrer"
    return response
