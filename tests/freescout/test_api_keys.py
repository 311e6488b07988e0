"""API keys: stored hashed, found by prefix, accepted in every documented way, refused in the error shape."""

import base64
import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.models import ApiKey, User
from helpdesk.services import (
    ApiKeyRefusal,
    ApiKeyRefused,
    api_key_authenticate,
    api_key_create,
    api_key_revoke,
    user_update,
)

pytestmark = pytest.mark.django_db

NOT_AUTHORIZED = {"message": "Not Authorized", "errorCode": "NOT AUTHORIZED", "_embedded": {"errors": []}}


def test_only_the_hash_and_a_prefix_are_stored(agent):
    api_key, raw = api_key_create(user=agent, name="zapier")
    assert len(raw) == 64 and len(bytes.fromhex(raw)) == 32
    row = ApiKey.objects.get(pk=api_key.pk)
    assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert row.prefix == raw[:8]
    assert raw not in {row.key_hash, row.name, row.prefix}


def test_lookup_accepts_the_key_and_nothing_near_it(agent):
    api_key, raw = api_key_create(user=agent)
    assert api_key_authenticate(raw_key=raw) == api_key
    assert api_key_authenticate(raw_key=f"  {raw}\n") == api_key
    for wrong in ["", raw[:8], raw[:-1], raw[:-1] + ("0" if raw[-1] != "0" else "1"), raw.upper(), raw + "0"]:
        with pytest.raises(ApiKeyRefused) as refused:
            api_key_authenticate(raw_key=wrong)
        assert refused.value.reason == ApiKeyRefusal.UNKNOWN


def test_two_keys_with_the_same_prefix_are_told_apart(agent, admin):
    first, first_raw = api_key_create(user=agent)
    second_raw = first_raw[:8] + "f" * 56
    second = ApiKey.objects.create(
        user=admin, prefix=second_raw[:8], key_hash=hashlib.sha256(second_raw.encode()).hexdigest()
    )
    assert api_key_authenticate(raw_key=first_raw) == first
    assert api_key_authenticate(raw_key=second_raw) == second


def test_revoked_keys_and_keys_of_inactive_users_are_refused(agent):
    api_key, raw = api_key_create(user=agent)
    other, other_raw = api_key_create(user=agent)
    api_key_revoke(api_key=api_key)
    with pytest.raises(ApiKeyRefused) as refused:
        api_key_authenticate(raw_key=raw)
    assert refused.value.reason == ApiKeyRefusal.REVOKED
    assert api_key_authenticate(raw_key=other_raw) == other
    user_update(user=agent, status=User.Status.DISABLED)
    # Disabling revoked the user's keys (issue 20); one made for them while disabled is refused for that.
    with pytest.raises(ApiKeyRefused) as refused:
        api_key_authenticate(raw_key=other_raw)
    assert refused.value.reason == ApiKeyRefusal.REVOKED
    with pytest.raises(ApiKeyRefused) as refused:
        api_key_authenticate(raw_key=api_key_create(user=agent)[1])
    assert refused.value.reason == ApiKeyRefusal.USER_DISABLED


def test_last_use_is_recorded_at_most_once_a_minute(agent):
    api_key, raw = api_key_create(user=agent)
    assert api_key.last_used_at is None
    api_key_authenticate(raw_key=raw)
    first_use = ApiKey.objects.get(pk=api_key.pk).last_used_at
    assert first_use is not None
    api_key_authenticate(raw_key=raw)
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at == first_use
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    api_key_authenticate(raw_key=raw)
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at > first_use


@pytest.mark.parametrize("way", ["freescout header", "smarticks header", "basic auth", "query", "json body"])
def test_every_documented_way_of_passing_the_key_works(way, admin, admin_key, client):
    url = "/api/conversations"
    if way == "freescout header":
        response = client.get(url, HTTP_X_FREESCOUT_API_KEY=admin_key)
    elif way == "smarticks header":
        response = client.get(url, HTTP_X_SMARTICKS_API_KEY=admin_key)
    elif way == "basic auth":
        credentials = base64.b64encode(f"{admin_key}:anything".encode()).decode()
        response = client.get(url, HTTP_AUTHORIZATION=f"Basic {credentials}")
    elif way == "query":
        response = client.get(url, {"api_key": admin_key})
    else:
        # An empty conversation is refused with 400, which proves the key itself was accepted: a bad key is 401.
        response = client.post(url, {"api_key": admin_key}, content_type="application/json")
        assert response.status_code == 400
        assert client.post(url, {"api_key": "wrong"}, content_type="application/json").status_code == 401
        return
    assert response.status_code == 200, response.content
    assert response.json()["_embedded"] == {"conversations": []}


@pytest.mark.parametrize("headers", [{}, {"HTTP_X_FREESCOUT_API_KEY": "wrong"}, {"HTTP_AUTHORIZATION": "Basic !!"}])
def test_no_or_bad_key_is_401_in_the_error_shape(headers, client, db):
    response = client.get("/api/conversations", content_type="application/json", **headers)
    assert response.status_code == 401
    assert response.json() == NOT_AUTHORIZED
    assert "Resource-ID" not in response


def test_a_revoked_key_is_401(agent, client):
    api_key, raw = api_key_create(user=agent)
    api_key_revoke(api_key=api_key)
    assert client.get("/api/conversations", HTTP_X_FREESCOUT_API_KEY=raw).status_code == 401


def test_unknown_api_paths_answer_json_404(admin_key, client):
    response = client.get("/api/no-such-thing", HTTP_X_FREESCOUT_API_KEY=admin_key)
    assert response.status_code == 404
    assert response.json()["errorCode"] == "NOT FOUND"


def test_paths_work_with_and_without_trailing_slash_and_never_redirect(admin_key, client):
    for path in ["/api/conversations", "/api/conversations/"]:
        assert client.get(path, HTTP_X_FREESCOUT_API_KEY=admin_key).status_code == 200
