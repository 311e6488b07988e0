"""#28 and #29 (departments = mailboxes), #71 and #72 (chat and call overviews: zero by construction)."""

import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from liveagent.ids import Kind, id_encode
from presence.services import presence_preset_set
from tests.factories import MailboxFactory
from tests.liveagent.helpers import assert_error, envelope

API = "/liveagent/api"


def test_departments_list_as_the_seed_shows_them(la, keys, mailbox):
    other = MailboxFactory(name="Billing", email="billing@example.com")
    admin_key, agent_key = keys
    response = la.get(f"{API}/departments?&apikey={admin_key}")
    assert response.status_code == 200
    assert response.json() == {
        "response": {
            "departments": [
                {
                    "departmentid": id_encode(Kind.DEPARTMENT, other.pk),
                    "name": "Billing",
                    "onlinestatus": "",
                    "deleted": "N",
                },
                {
                    "departmentid": id_encode(Kind.DEPARTMENT, mailbox.pk),
                    "name": "Support",
                    "onlinestatus": "",
                    "deleted": "N",
                },
            ]
        }
    }
    visible = la.get(f"{API}/departments", {"apikey": agent_key}).json()["response"]["departments"]
    assert [d["name"] for d in visible] == ["Support"]


def test_departments_list_in_xml(la, keys, mailbox):
    response = la.get(f"{API}/departments.xml?apikey={keys[0]}")
    root = ET.fromstring(response.content)
    department = root.find("departments/department")
    assert department is not None
    assert [(child.tag, child.text) for child in department] == [
        ("departmentid", id_encode(Kind.DEPARTMENT, mailbox.pk)),
        ("name", "Support"),
        ("onlinestatus", None),
        ("deleted", "N"),
    ]


def test_onlinestatus_shows_the_chat_phone_and_ticket_letters_of_online_agents(la, keys, agent, mailbox):
    MailboxFactory(name="Billing", email="billing@example.com")
    presence_preset_set(user=agent, preset_status="TRM", now=timezone.now())
    rows = la.get(f"{API}/departments", {"apikey": keys[0]}).json()["response"]["departments"]
    assert [(d["name"], d["onlinestatus"]) for d in rows] == [("Billing", ""), ("Support", "MT")]
    departmentid = id_encode(Kind.DEPARTMENT, mailbox.pk)
    assert envelope(la.get(f"{API}/departments/{departmentid}", {"apikey": keys[1]}))["onlinestatus"] == "MT"


def test_one_department(la, keys, mailbox):
    departmentid = id_encode(Kind.DEPARTMENT, mailbox.pk)
    for key in keys:
        body = envelope(la.get(f"{API}/departments/{departmentid}.yaml", {"apikey": key}))
        assert body == {"departmentid": departmentid, "name": "Support", "onlinestatus": "", "deleted": "N"}


def test_a_department_out_of_reach_or_unknown_is_not_found(la, keys):
    hidden = id_encode(Kind.DEPARTMENT, MailboxFactory().pk)
    admin_key, agent_key = keys
    assert_error(la.get(f"{API}/departments/{hidden}", {"apikey": agent_key}), 404)
    for unknown in [id_encode(Kind.DEPARTMENT, 999_999), id_encode(Kind.TAG, 1), "nope", "1"]:
        assert_error(la.get(f"{API}/departments/{unknown}.xml", {"apikey": admin_key}), 404, "xml")


def test_departments_need_a_key(la):
    assert_error(la.get(f"{API}/departments"), 401)


@pytest.mark.parametrize(
    ("path", "name", "counters"),
    [
        ("chats/overview", "chatsOverview", ["visitors", "chats", "ringing", "queue", "agents"]),
        ("calls/overview", "callsOverview", ["running", "ringing", "inqueue"]),
    ],
)
def test_overviews_are_zero_and_typed_as_ints(la, keys, mailbox, path, name, counters):
    admin_key, agent_key = keys
    response = la.get(f"{API}/{path}", {"apikey": agent_key})
    assert response.json() == {"response": {name: [dict.fromkeys(counters, 0)]}}
    assert list(response.json()["response"][name][0]) == counters
    departmentid = id_encode(Kind.DEPARTMENT, mailbox.pk)
    assert la.get(f"{API}/{path}", {"apikey": agent_key, "department": departmentid}).status_code == 200
    hidden = id_encode(Kind.DEPARTMENT, MailboxFactory().pk)
    assert_error(la.get(f"{API}/{path}", {"apikey": agent_key, "department": hidden}), 404)
    root = ET.fromstring(la.get(f"{API}/{path}.xml", {"apikey": admin_key}).content)
    assert [child.tag for child in root.find(name)] == ["item"]
