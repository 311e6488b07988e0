"""Disabling a user revokes their API keys (issue 20, item 7): enabling them again must not silently revive
keys that may have leaked meanwhile. Through the admin, which says so, and through the FreeScout API; the
keys are then refused by both dialects."""

import pytest
from rest_framework.test import APIClient

from helpdesk.models import ApiKey, User
from helpdesk.services import api_key_create
from tests.admin_helpers import admin_url, form_data, messages_text
from tests.api_helpers import assert_error
from tests.factories import UserFactory


def freescout_get(raw: str):
    client = APIClient()
    client.credentials(HTTP_X_FREESCOUT_API_KEY=raw)
    return client.get("/api/mailboxes")


def freescout_status(raw: str) -> int:
    return freescout_get(raw).status_code


def liveagent_status(client, raw: str) -> int:
    return client.get("/liveagent/api/application/status", {"apikey": raw}).status_code


@pytest.fixture
def pat(db) -> User:
    return UserFactory(email="pat@example.com", password=None)


def test_disabling_in_the_admin_revokes_the_keys_and_says_so(admin_client, client, pat):
    keys = [api_key_create(user=pat, name=name)[1] for name in ("Zapier", "Script")]
    assert [freescout_status(raw) for raw in keys] == [200, 200]
    url = admin_url(User, "change", pat.pk)
    page = admin_client.get(url)
    assert "Disabling also revokes the user's API keys" in page.content.decode()

    data = form_data(page)
    data["status"] = "disabled"
    response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "pat@example.com is disabled: 2 API keys revoked" in messages_text(response)
    assert not ApiKey.objects.filter(user=pat, revoked_at=None).exists()

    data["status"] = "active"
    response = admin_client.post(url, data, follow=True)
    assert "revoked" not in messages_text(response)
    pat.refresh_from_db()
    assert pat.status == User.Status.ACTIVE
    # Enabled again, the user's old keys stay dead in both dialects; a new key works.
    for raw in keys:
        assert_error(freescout_get(raw), 401, "NOT AUTHORIZED")
        assert liveagent_status(client, raw) == 400  # LiveAgent: a known key that may not be used
    assert freescout_status(api_key_create(user=pat)[1]) == 200


def test_editing_a_user_without_disabling_says_nothing_of_keys(admin_client, pat):
    api_key_create(user=pat)
    url = admin_url(User, "change", pat.pk)
    data = form_data(admin_client.get(url))
    data["first_name"] = "Patricia"
    response = admin_client.post(url, data, follow=True)
    assert "revoked" not in messages_text(response)
    assert ApiKey.objects.filter(user=pat, revoked_at=None).count() == 1


def test_disabling_through_the_freescout_api_revokes_the_keys(admin_api, client, pat):
    raw = api_key_create(user=pat)[1]
    assert admin_api.put(f"/api/users/{pat.pk}", {"status": "disabled"}, format="json").status_code == 204
    assert admin_api.put(f"/api/users/{pat.pk}", {"status": "active"}, format="json").status_code == 204
    assert freescout_status(raw) == 401
    assert liveagent_status(client, raw) == 400
    assert ApiKey.objects.get(user=pat).revoked_at is not None
