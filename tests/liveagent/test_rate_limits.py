"""API keys against guessing and floods (issue 20, item 4), LiveAgent's side, through HTTP: past 20 failed
key authentications from one address in a minute, further failures from there are 429 with Retry-After in
v1's envelope, in the format of the path's suffix; a valid key from there still works and is held only to
its own requests per minute. The counting itself is the core's, shared with FreeScout
(tests/freescout/test_api_rate_limits.py)."""

import json

import pytest

from helpdesk.services import api_key_create, api_key_revoke
from tests.liveagent.helpers import STATUS, assert_error

HOME = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
WRONG = "wrong-key-" * 4
FORMATS = ["json", "xml", "yaml"]


def get(la, key: str, fmt: str = "json", ip: str = HOME):
    return la.get(f"{STATUS}.{fmt}", {"apikey": key}, REMOTE_ADDR=ip)


def assert_too_many(response, fmt: str, message: str) -> None:
    body = assert_error(response, 429, fmt)
    assert body["errormessage"].startswith(message), body
    assert body["debugmessage"] in ("", None)
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.mark.parametrize("fmt", FORMATS)
def test_twenty_one_wrong_keys_from_one_address_are_answered_429_in_every_format(la, fmt):
    answers = [get(la, WRONG, fmt) for _ in range(23)]

    for answer in answers[:20]:
        assert_error(answer, 401, fmt)
    for answer in answers[20:]:
        assert_too_many(answer, fmt, "Too many failed API key attempts from this address.")


def test_keys_sent_every_way_count_together_and_unusable_keys_count_too(la, admin):
    revoked, revoked_raw = api_key_create(user=admin)
    api_key_revoke(api_key=revoked)
    for index in range(20):
        way = index % 4
        if way == 0:
            la.get(STATUS, HTTP_APIKEY=WRONG, REMOTE_ADDR=HOME)
        elif way == 1:
            la.post(STATUS, {"apikey": WRONG}, REMOTE_ADDR=HOME)
        elif way == 2:
            la.generic("PUT", STATUS, json.dumps({"apikey": WRONG}), content_type="application/json", REMOTE_ADDR=HOME)
        else:
            # Recognised but revoked: LiveAgent's 400, and a failed attempt all the same.
            assert_error(get(la, revoked_raw), 400)

    assert_too_many(get(la, revoked_raw), "json", "Too many failed")


def test_a_valid_key_from_the_blocked_address_still_works(la, admin_key):
    for _ in range(25):
        get(la, WRONG)
    assert get(la, WRONG).status_code == 429

    assert get(la, admin_key).status_code == 200
    assert get(la, admin_key, "xml").status_code == 200


def test_other_addresses_are_not_blocked(la, db):
    for _ in range(21):
        get(la, WRONG)

    assert_error(get(la, WRONG, ip=ELSEWHERE), 401)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_valid_key_is_held_to_its_own_requests_per_minute(la, admin, settings, fmt):
    settings.HELPDESK_API_KEY_REQUESTS_PER_MINUTE = 4
    key, other_key = api_key_create(user=admin)[1], api_key_create(user=admin)[1]

    assert [get(la, key, fmt).status_code for _ in range(4)] == [200] * 4
    assert_too_many(get(la, key, fmt), fmt, "Too many requests with this API key.")
    assert_too_many(get(la, key, fmt, ip=ELSEWHERE), fmt, "Too many requests with this API key.")
    assert get(la, other_key, fmt).status_code == 200


def test_both_dialects_share_the_counts(la, admin, settings):
    """One key, one limit, whichever API it is used on; failures add up across the dialects too."""
    settings.HELPDESK_API_KEY_REQUESTS_PER_MINUTE = 3
    key = api_key_create(user=admin)[1]
    assert la.get("/api/mailboxes", HTTP_X_FREESCOUT_API_KEY=key, REMOTE_ADDR=HOME).status_code == 200
    assert la.get("/api/mailboxes", HTTP_X_FREESCOUT_API_KEY=key, REMOTE_ADDR=HOME).status_code == 200
    assert get(la, key).status_code == 200
    assert_too_many(get(la, key), "json", "Too many requests")

    for _ in range(20):
        la.get("/api/mailboxes", HTTP_X_FREESCOUT_API_KEY=WRONG, REMOTE_ADDR=HOME)
    assert_too_many(get(la, WRONG), "json", "Too many failed")
