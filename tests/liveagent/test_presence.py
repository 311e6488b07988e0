"""#39 GET /onlinestatus/agents and #40 GET /onlinestatus/departments: the letters agents chose and offer
now, and the union of the online agents' letters per department (mailbox), in JSON, XML and YAML; a regular
key sees its colleagues and its mailboxes only."""

import datetime
import xml.etree.ElementTree as ET

import pytest
import yaml
from django.utils import timezone

from conversations.models import Conversation
from conversations.services import conversation_change_status
from helpdesk.models import User
from helpdesk.services import api_key_create, user_delete, user_update
from liveagent.ids import Kind, id_encode
from mailboxes.services import mailbox_user_grant
from presence.services import presence_heartbeat, presence_preset_set
from tests.factories import ConversationFactory, MailboxFactory, UserFactory
from tests.liveagent.helpers import assert_error, envelope

API = "/liveagent/api"
AGENTS = f"{API}/onlinestatus/agents"
DEPARTMENTS = f"{API}/onlinestatus/departments"


@pytest.fixture(autouse=True)
def _timing(settings):
    settings.HELPDESK_PRESENCE_IDLE_SECONDS = 180


def ago(seconds: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def agent_row(user: User, preset: str, online: str) -> dict[str, str]:
    return {
        "id": id_encode(Kind.AGENT_USER, user.pk),
        "contactid": id_encode(Kind.AGENT_CONTACT, user.pk),
        "username": user.email,
        "firstname": user.first_name,
        "lastname": user.last_name,
        "avatar_url": "",
        "presetStatus": preset,
        "onlineStatus": online,
    }


def test_agents_as_the_seed_shows_them(la, keys, admin, agent):
    presence_preset_set(user=admin, preset_status="TRPM", now=ago(5))
    presence_preset_set(user=agent, preset_status="M", now=ago(600))  # gone idle since
    response = la.get(f"{AGENTS}?&apikey={keys[0]}")
    assert response.status_code == 200
    assert response.json() == {
        "response": {"agentsOnlineStates": [agent_row(admin, "MPRT", "MPRT"), agent_row(agent, "M", "F")]}
    }


def test_agents_in_xml_and_yaml(la, keys, admin, agent):
    presence_heartbeat(user=agent, now=ago(1))
    root = ET.fromstring(la.get(f"{AGENTS}.xml", {"apikey": keys[0]}).content)
    items = root.findall("agentsOnlineStates/agentsOnlineState")
    assert [[(child.tag, child.text) for child in item] for item in items] == [
        [(tag, value or None) for tag, value in agent_row(user, "M", online).items()]
        for user, online in ((admin, "F"), (agent, "M"))
    ]
    body = la.get(f"{AGENTS}.yaml/", {"apikey": keys[1]})
    assert body["Content-Type"] == "application/x-yaml"
    assert yaml.safe_load(body.content) == {
        "response": {"agentsOnlineStates": [agent_row(admin, "M", "F"), agent_row(agent, "M", "M")]}
    }


def test_an_agent_appearing_offline_or_disabled_is_offline(la, keys, admin, agent):
    presence_preset_set(user=admin, preset_status="F", now=ago(1))
    presence_heartbeat(user=agent, now=ago(1))
    user_update(user=agent, status=User.Status.DISABLED)
    rows = envelope(la.get(AGENTS, {"apikey": keys[0]}))["agentsOnlineStates"]
    assert [(row["username"], row["presetStatus"], row["onlineStatus"]) for row in rows] == [
        ("admin@example.com", "F", "F"),
        ("agent@example.com", "M", "F"),
    ]


def test_a_regular_key_sees_itself_admins_and_colleagues(la, keys, admin, agent, mailbox):
    colleague = UserFactory(first_name="Cy", last_name="Colleague")
    stranger = UserFactory(first_name="Sam", last_name="Stranger")
    gone = UserFactory(first_name="Del", last_name="Eted")
    mailbox_user_grant(mailbox=mailbox, user=colleague)
    mailbox_user_grant(mailbox=MailboxFactory(), user=stranger)
    user_delete(user=gone, by_user=admin, reassign={})

    def names(key: str) -> list[str]:
        return [row["firstname"] for row in envelope(la.get(AGENTS, {"apikey": key}))["agentsOnlineStates"]]

    assert names(keys[1]) == ["Ada", "Alan", "Cy"]
    assert names(keys[0]) == ["Ada", "Alan", "Cy", "Sam"]


def test_agents_cost_a_fixed_number_of_queries(la, keys, django_assert_max_num_queries):
    for _ in range(5):
        presence_heartbeat(user=UserFactory(), now=ago(1))
    with django_assert_max_num_queries(8):
        rows = envelope(la.get(AGENTS, {"apikey": keys[0]}))["agentsOnlineStates"]
    assert len(rows) == 7


def test_departments_as_the_seed_shows_them(la, keys, admin, agent, mailbox):
    billing = MailboxFactory(name="Billing", email="billing@example.com")
    ConversationFactory(mailbox=mailbox)
    ConversationFactory(mailbox=mailbox)
    taken_up = ConversationFactory(mailbox=mailbox)
    conversation_change_status(
        conversation=taken_up, status=Conversation.Status.ACTIVE, by_user=agent, acknowledge=True
    )
    ConversationFactory(mailbox=mailbox, status=Conversation.Status.PENDING)
    ConversationFactory(mailbox=billing, status=Conversation.Status.CLOSED)
    presence_preset_set(user=agent, preset_status="TM", now=ago(1))
    response = la.get(f"{DEPARTMENTS}?&apikey={keys[0]}")
    assert response.status_code == 200
    assert response.json() == {
        "response": {
            "departmentsOnlineStates": [
                {
                    "id": id_encode(Kind.DEPARTMENT, billing.pk),
                    "name": "Billing",
                    "onlineStatus": "F",
                    "chat_count": "0",
                    "new_count": "0",
                    "customer_reply_count": "0",
                    "total_count": "0",
                    "max_count": "3",
                },
                {
                    "id": id_encode(Kind.DEPARTMENT, mailbox.pk),
                    "name": "Support",
                    "onlineStatus": "MT",
                    "chat_count": "0",
                    "new_count": "2",
                    "customer_reply_count": "1",
                    "total_count": "3",
                    "max_count": "3",
                },
            ]
        }
    }
    # An admin online reaches every department; the union keeps LiveAgent's order.
    presence_preset_set(user=admin, preset_status="RP", now=ago(1))
    states = envelope(la.get(DEPARTMENTS, {"apikey": keys[0]}))["departmentsOnlineStates"]
    assert [(row["name"], row["onlineStatus"]) for row in states] == [("Billing", "PR"), ("Support", "MPRT")]


def test_departments_in_xml_and_yaml_and_for_a_regular_key(la, keys, agent, mailbox):
    MailboxFactory(name="Billing", email="billing@example.com")
    ConversationFactory(mailbox=mailbox)
    presence_heartbeat(user=agent, now=ago(1))
    root = ET.fromstring(la.get(f"{DEPARTMENTS}.xml", {"apikey": keys[1]}).content)
    items = root.findall("departmentsOnlineStates/departmentsOnlineState")
    assert [[(child.tag, child.text) for child in item] for item in items] == [
        [
            ("id", id_encode(Kind.DEPARTMENT, mailbox.pk)),
            ("name", "Support"),
            ("onlineStatus", "M"),
            ("chat_count", "0"),
            ("new_count", "1"),
            ("customer_reply_count", "0"),
            ("total_count", "1"),
            ("max_count", "1"),
        ]
    ]
    states = envelope(la.get(f"{DEPARTMENTS}.yaml", {"apikey": keys[1]}))
    assert [row["name"] for row in states["departmentsOnlineStates"]] == ["Support"]


def test_a_key_without_mailboxes_sees_no_department(la):
    lonely = UserFactory()
    key = api_key_create(user=lonely)[1]
    assert envelope(la.get(DEPARTMENTS, {"apikey": key})) == {"departmentsOnlineStates": []}
    rows = envelope(la.get(AGENTS, {"apikey": key}))["agentsOnlineStates"]
    assert [row["username"] for row in rows] == [lonely.email]


@pytest.mark.parametrize("path", [AGENTS, DEPARTMENTS])
def test_online_status_needs_a_usable_key_and_answers_get_only(la, keys, path):
    assert_error(la.get(path), 401)
    assert_error(la.get(f"{path}.xml", {"apikey": "0" * 40}), 401, "xml")
    assert_error(la.post(path, {"apikey": keys[0]}), 405)
    assert_error(la.delete(f"{path}?apikey={keys[0]}"), 405)
