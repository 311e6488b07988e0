"""Request counting against brute force and floods: who the client is, and fixed windows in Django's cache.

The client is ``REMOTE_ADDR``, unless ``HELPDESK_TRUSTED_PROXY_COUNT`` says that many reverse proxies stand in
front and each appends the address it saw to ``X-Forwarded-For``: then it is the address the outermost of
them saw, counted from the right, since everything to its left was written by the client and proves
nothing. django-axes (admin logins), the API key limits and the contact widget all ask ``client_ip``, so one
setting moves them together.

Counters live in the cache (Redis when ``REDIS_URL`` or ``CACHE_URL`` is set, so every process shares them;
otherwise each process counts its own), one key per scope and window, created with ``add`` and counted with
``incr`` (both atomic in Redis), and expire by themselves when their window is over.

Infrastructure: imports nothing from the project.
"""

import ipaddress
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

logger = logging.getLogger(__name__)


class RateLimited(Exception):
    """Refused for having asked too often; ``retry_after`` is the whole seconds until the window ends, and
    the message says what was counted, for the dialects to answer in their words."""

    def __init__(self, retry_after: int, message: str = "Too many requests.") -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.message = message


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address as the nearest trusted hop saw it (see the module's docstring)."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.HELPDESK_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if not hops:
        # Not through the proxies (a health check on the instance itself): the peer is the client.
        return remote
    return _valid_ip(hops[-min(proxies, len(hops))]) or remote


def client_address(request: HttpRequest) -> str | None:
    """``client_ip`` for an address column (django-axes', the audit log's): None when there is none (a Unix
    socket; a request made up by ``Client.force_login`` in tests has no ``REMOTE_ADDR``)."""
    return _valid_ip(client_ip(request))


def window_take(scope: str, *, limit: int, window: int, message: str = "Too many requests.") -> None:
    """Counts one request of ``scope`` in its current fixed window of ``window`` seconds; raises
    ``RateLimited`` once more than ``limit`` were counted there. A cache that fails lets the request through
    (logged): an outage of Redis must not take the API down with it."""
    now = time.time()
    index = int(now // window)
    try:
        count = _count(f"ratelimit:{scope}:{index}", timeout=window + 1)
    except Exception:
        logger.warning("Rate limit not counted: the cache failed", exc_info=True)
        return
    if count > limit:
        raise RateLimited(max(1, math.ceil((index + 1) * window - now)), message)


def _count(key: str, *, timeout: int) -> int:
    """One more in ``key``, created at 0 with ``timeout`` if missing (a second longer than the window, so that
    a key is never read as fresh just as it expires)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # Every API request counts here: one round trip (SET NX EX + INCR, pipelined) instead of the three of
        # Django's add and incr (which asks EXISTS first). Django stores integers as Redis integers.
        made = backend.make_and_validate_key(key)
        client = backend._cache.get_client(made, write=True)  # type: ignore[attr-defined]  # its Redis client
        pipeline = client.pipeline(transaction=False)
        pipeline.set(made, 0, ex=timeout, nx=True)
        pipeline.incr(made)
        return int(pipeline.execute()[1])
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1
