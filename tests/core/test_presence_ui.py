"""Presence in the agent UI over HTTP: the status control in the header, the preset it posts, the light
heartbeat of pages that do not poll, and the polls of the pages that do."""

import pytest
from django.urls import reverse

from conversations.models import Conversation
from presence.models import AgentPresence, PresenceInterval
from presence.selectors import online_status_of, preset_status_of
from tests.factories import ConversationFactory

PRESET = reverse("presence-preset")
HEARTBEAT = reverse("presence-heartbeat")
AJAX = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}

pytestmark = pytest.mark.django_db


def test_every_admin_page_shows_the_status_control(agent_client, agent):
    page = agent_client.get(reverse("admin:index")).content.decode()
    assert 'id="hd-status"' in page
    assert '<span class="hd-status-label" id="hd-status-label">Messages</span>' in page
    assert '<input type="checkbox" name="letters" value="M" checked>' in page
    assert '<input type="checkbox" name="letters" value="T">' in page
    assert "presence/presence.js" in page
    assert 'data-heartbeat-seconds="30"' in page


def test_the_login_page_has_no_control(client, db):
    assert 'id="hd-status"' not in client.get(reverse("admin:login")).content.decode()


def test_the_plain_form_sets_the_preset_and_goes_back(agent_client, agent):
    response = agent_client.post(PRESET, {"letters": ["T", "M"], "next": "/admin/customers/"})
    assert (response.status_code, response["Location"]) == (302, "/admin/customers/")
    assert preset_status_of(users=[agent]) == {agent.pk: "MT"}
    page = agent_client.get(reverse("admin:index")).content.decode()
    assert '<span class="hd-status-label" id="hd-status-label">Messages, Chat</span>' in page
    # Setting the status is being there: the agent is online with the new letters.
    assert list(PresenceInterval.objects.filter(user=agent).values_list("letters", "ended_at")) == [("MT", None)]


def test_appearing_offline_and_refusals(agent_client, agent):
    response = agent_client.post(PRESET, {"offline": "1", "letters": "M", "next": "https://evil.example/"})
    assert (response.status_code, response["Location"]) == (302, reverse("admin:index"))
    assert preset_status_of(users=[agent]) == {agent.pk: "F"}
    page = agent_client.get(reverse("admin:index")).content.decode()
    assert "hd-status hd-status-offline" in page and ">Offline</span>" in page

    refused = agent_client.post(PRESET, {"next": "/admin/"}, follow=True)
    assert "Choose one or more of M (messages)" in refused.content.decode()
    assert preset_status_of(users=[agent]) == {agent.pk: "F"}


def test_the_script_gets_json(agent_client, agent):
    response = agent_client.post(PRESET, {"letters": ["R", "P"]}, **AJAX)
    assert (response.status_code, response.json()) == (200, {"preset": "PR", "label": "Phone, Read only"})
    refused = agent_client.post(PRESET, {"letters": "X"}, **AJAX)
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["preset_status"]


def test_the_heartbeat_puts_the_agent_online(agent_client, agent):
    assert agent_client.post(HEARTBEAT).status_code == 204
    presence = AgentPresence.objects.get(user=agent)
    assert online_status_of(users=[agent], now=presence.last_seen_at) == {agent.pk: "M"}


def test_the_polls_of_the_list_and_the_conversation_page_are_heartbeats(agent_client, agent, mailbox, settings):
    settings.HELPDESK_PRESENCE_HEARTBEAT_SECONDS = 0  # every heartbeat written
    conversation = ConversationFactory(mailbox=mailbox)
    assert agent_client.get(reverse("admin:conversations_conversation_live")).status_code == 200
    first = AgentPresence.objects.get(user=agent).last_seen_at
    check = reverse("admin:conversations_conversation_check", args=[conversation.pk])
    assert agent_client.get(check).status_code == 200
    presence = AgentPresence.objects.get(user=agent)
    assert presence.last_seen_at is not None and first is not None and presence.last_seen_at > first
    assert presence.online_since == first
    assert PresenceInterval.objects.filter(user=agent).count() == 1
    assert Conversation.objects.count() == 1


@pytest.mark.parametrize("url", [PRESET, HEARTBEAT])
def test_only_signed_in_staff_and_only_post(client, agent_client, url):
    assert agent_client.get(url).status_code == 405
    client.logout()
    response = client.post(url, {"letters": "M"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not AgentPresence.objects.exists()
