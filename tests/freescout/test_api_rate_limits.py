"""API keys against guessing and floods (issue 20, item 4), FreeScout's side, through HTTP: past 20 failed key
authentications from one address in a minute, further failures from there are 429 with Retry-After in
FreeScout's error shape, while a valid key from there still works; a valid key is held only to its own
requests per minute. Counters live in the cache (Redis here where it matters) and expire by themselves."""

import base64
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import redis
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from helpdesk.models import ApiKey
from helpdesk.services import api_key_create, api_key_limit_set, api_key_revoke
from tests.admin_helpers import admin_url, form_data

MAILBOXES = "/api/mailboxes"
HOME = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
WRONG = "0" * 64
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def get(key: str | None = None, ip: str = HOME, **extra):
    headers = {"HTTP_X_FREESCOUT_API_KEY": key} if key else {}
    return APIClient().get(MAILBOXES, REMOTE_ADDR=ip, **headers, **extra)


def assert_too_many(response, message: str) -> int:
    """A 429 in FreeScout's error shape with a Retry-After within the minute; returns the wait."""
    assert response.status_code == 429, response.content
    assert response.json() == {
        "message": response.json()["message"],
        "errorCode": "TOO MANY REQUESTS",
        "_embedded": {"errors": []},
    }
    assert response.json()["message"].startswith(message)
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    return wait


def test_twenty_one_wrong_keys_from_one_address_are_answered_429(db):
    answers = [get(WRONG) for _ in range(25)]

    assert [a.status_code for a in answers[:20]] == [401] * 20
    for answer in answers[20:]:
        assert_too_many(answer, "Too many failed API key attempts from this address.")


def test_every_way_of_sending_a_key_counts_toward_the_same_limit(db):
    basic = base64.b64encode(f"{WRONG}:x".encode()).decode()
    client = APIClient()
    for index in range(20):
        way = index % 4
        if way == 0:
            client.get(MAILBOXES, HTTP_X_SMARTICKS_API_KEY=WRONG, REMOTE_ADDR=HOME)
        elif way == 1:
            client.get(MAILBOXES, HTTP_AUTHORIZATION=f"Basic {basic}", REMOTE_ADDR=HOME)
        elif way == 2:
            client.get(f"{MAILBOXES}?api_key={WRONG}", REMOTE_ADDR=HOME)
        else:
            client.post("/api/customers", {"api_key": WRONG, "firstName": "A"}, format="json", REMOTE_ADDR=HOME)

    assert_too_many(client.get(f"{MAILBOXES}?api_key={WRONG}", REMOTE_ADDR=HOME), "Too many failed")


def test_revoked_keys_count_as_failures(admin):
    api_key, raw = api_key_create(user=admin)
    api_key_revoke(api_key=api_key)

    answers = [get(raw) for _ in range(21)]

    assert answers[19].status_code == 401
    assert_too_many(answers[20], "Too many failed")


def test_a_valid_key_from_the_blocked_address_still_works(admin_key):
    for _ in range(30):
        get(WRONG)
    assert get(WRONG).status_code == 429

    assert get(admin_key).status_code == 200


def test_other_addresses_are_not_blocked(db):
    for _ in range(21):
        get(WRONG)

    assert get(WRONG, ip=ELSEWHERE).status_code == 401


def test_a_request_without_a_key_is_not_a_failed_attempt(db):
    for _ in range(30):
        assert get().status_code == 401

    assert get(WRONG).status_code == 401


def test_a_valid_key_is_held_to_its_own_requests_per_minute(admin, settings):
    settings.HELPDESK_API_KEY_REQUESTS_PER_MINUTE = 5
    key, other_key = api_key_create(user=admin)[1], api_key_create(user=admin)[1]

    assert [get(key).status_code for _ in range(5)] == [200] * 5
    assert_too_many(get(key), "Too many requests with this API key.")
    # Counted per key, not per address: another address does not help, another key is not held.
    assert_too_many(get(key, ip=ELSEWHERE), "Too many requests with this API key.")
    assert get(other_key).status_code == 200


def test_the_default_per_key_limit_is_at_least_a_thousand_a_minute(admin_key, settings):
    assert settings.HELPDESK_API_KEY_REQUESTS_PER_MINUTE >= 1000
    assert settings.HELPDESK_API_KEY_FAILURES_PER_MINUTE <= 20


def test_the_counts_start_again_when_the_minute_is_over(admin, settings, monkeypatch):
    settings.HELPDESK_API_KEY_REQUESTS_PER_MINUTE = 3
    key = api_key_create(user=admin)[1]
    for _ in range(21):
        get(WRONG)
    for _ in range(3):
        get(key)
    assert get(WRONG).status_code == 429
    wait = assert_too_many(get(key), "Too many requests")

    later = time.time() + wait
    monkeypatch.setattr("helpdesk.ratelimit.time", SimpleNamespace(time=lambda: later))

    assert get(WRONG).status_code == 401
    assert get(key).status_code == 200


@pytest.fixture
def redis_cache(settings):
    """Django's cache on the test Redis, under a prefix of this test's own; its keys removed afterwards."""
    prefix = f"test-ratelimit-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    server = redis.Redis.from_url(REDIS_URL)
    yield server, prefix
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)


def test_on_redis_the_counters_are_shared_and_expire_by_themselves(admin, settings, redis_cache):
    server, prefix = redis_cache
    settings.HELPDESK_API_KEY_REQUESTS_PER_MINUTE = 2
    key = api_key_create(user=admin)[1]

    answers = [get(WRONG) for _ in range(21)]
    assert answers[19].status_code == 401
    assert_too_many(answers[20], "Too many failed")
    assert [get(key).status_code for _ in range(3)] == [200, 200, 429]

    counters = list(server.scan_iter(f"{prefix}:*"))
    assert sorted(int(server.get(name)) for name in counters) == [3, 21], counters
    for name in counters:
        # Redis deletes them once their minute (and a second) is over.
        assert 0 < server.ttl(name) <= 61


def test_a_cache_outage_lets_requests_through(admin_key, settings, caplog):
    with socket_closed_port() as port:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }
        assert get(admin_key).status_code == 200
        assert get(WRONG).status_code == 401
    assert "the cache failed" in caplog.text


@contextlib.contextmanager
def socket_closed_port() -> Iterator[int]:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port


def test_behind_a_proxy_forged_forwarded_addresses_do_not_reset_the_count(db, settings):
    """With one trusted proxy the client is the right-most X-Forwarded-For entry; what the client puts to its
    left changes nothing."""
    settings.HELPDESK_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"

    def through_proxy(forwarded: str):
        return APIClient().get(
            MAILBOXES, HTTP_X_FREESCOUT_API_KEY=WRONG, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded
        )

    answers = [through_proxy(f"192.0.2.{index}, {HOME}") for index in range(21)]

    assert answers[19].status_code == 401
    assert_too_many(answers[20], "Too many failed")
    assert through_proxy(ELSEWHERE).status_code == 401


def test_a_key_may_have_its_own_limit_set_in_the_admin(admin, admin_client):
    api_key, key = api_key_create(user=admin)
    other_key = api_key_create(user=admin)[1]
    page = admin_client.get(admin_url(ApiKey, "change", api_key.pk))
    data = {**form_data(page), "requests_per_minute": "2"}

    assert admin_client.post(admin_url(ApiKey, "change", api_key.pk), data).status_code == 302

    api_key.refresh_from_db()
    assert api_key.requests_per_minute == 2
    assert [get(key).status_code for _ in range(3)] == [200, 200, 429]
    assert get(other_key).status_code == 200  # the others keep the default
    refused = admin_client.post(admin_url(ApiKey, "change", api_key.pk), {**data, "requests_per_minute": "0"})
    assert refused.status_code == 200 and "greater than or equal to 1" in refused.content.decode()


def test_a_key_of_its_own_higher_limit_goes_past_the_default(admin, settings):
    settings.HELPDESK_API_KEY_REQUESTS_PER_MINUTE = 2
    api_key, key = api_key_create(user=admin)
    api_key_limit_set(api_key=api_key, requests_per_minute=4)

    assert [get(key).status_code for _ in range(5)] == [200, 200, 200, 200, 429]
    with pytest.raises(ValidationError):
        api_key_limit_set(api_key=api_key, requests_per_minute=0)
    api_key_limit_set(api_key=api_key, requests_per_minute=None)
    api_key.refresh_from_db()
    assert api_key.requests_per_minute is None
