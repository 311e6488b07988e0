"""#1 GET /agents/{agentidentifier}: our users, by email or userid; authtoken always empty; a regular key finds
only itself and the agents who can access one of its mailboxes."""

import xml.etree.ElementTree as ET

from helpdesk.models import User
from helpdesk.services import api_key_create, api_key_revoke, user_delete, user_update
from liveagent.ids import Kind, id_encode
from mailboxes.services import mailbox_user_grant
from tests.factories import MailboxFactory, UserFactory
from tests.liveagent.helpers import assert_error, envelope

API = "/liveagent/api"


def test_an_agent_by_email_as_the_seed_shows_it(la, keys, admin):
    user_update(user=admin, gender="F")
    response = la.get(f"{API}/agents/admin@example.com?&apikey={keys[0]}")
    assert response.status_code == 200
    assert response.json() == {
        "response": {
            "contactid": id_encode(Kind.AGENT_CONTACT, admin.pk),
            "userid": id_encode(Kind.AGENT_USER, admin.pk),
            "email": "admin@example.com",
            "firstname": "Ada",
            "lastname": "Admin",
            "systemname": "Ada Admin",
            "authtoken": "",
            "browsercookiename": "A_auth",
            "gender": "F",
            "role": "D",
        }
    }


def test_an_agent_by_userid_or_any_case_email_in_xml_and_yaml(la, keys, agent):
    userid = id_encode(Kind.AGENT_USER, agent.pk)
    for identifier in (userid, "AGENT@example.com"):
        root = ET.fromstring(la.get(f"{API}/agents/{identifier}.xml", {"apikey": keys[0]}).content)
        assert [(child.tag, child.text) for child in root] == [
            ("contactid", id_encode(Kind.AGENT_CONTACT, agent.pk)),
            ("userid", userid),
            ("email", "agent@example.com"),
            ("firstname", "Alan"),
            ("lastname", "Agent"),
            ("systemname", "Alan Agent"),
            ("authtoken", None),
            ("browsercookiename", "A_auth"),
            ("gender", None),  # never given: null, an empty element
            ("role", "A"),
        ]
    body = envelope(la.get(f"{API}/agents/{userid}.yaml/", {"apikey": keys[1]}))
    assert (body["userid"], body["gender"], body["authtoken"], body["role"]) == (userid, None, "", "A")


def test_a_disabled_agent_is_still_found(la, keys):
    disabled = UserFactory(email="gone@example.com")
    user_update(user=disabled, status=User.Status.DISABLED)
    assert envelope(la.get(f"{API}/agents/gone@example.com", {"apikey": keys[0]}))["email"] == "gone@example.com"


def test_a_regular_key_finds_itself_admins_and_colleagues_only(la, keys, admin, agent, mailbox):
    colleague, stranger = UserFactory(), UserFactory()
    mailbox_user_grant(mailbox=mailbox, user=colleague)
    mailbox_user_grant(mailbox=MailboxFactory(), user=stranger)
    agent_key = keys[1]
    for visible in (agent, admin, colleague):
        response = la.get(f"{API}/agents/{id_encode(Kind.AGENT_USER, visible.pk)}", {"apikey": agent_key})
        assert envelope(response)["email"] == visible.email
    assert_error(la.get(f"{API}/agents/{stranger.email}", {"apikey": agent_key}), 404)
    assert envelope(la.get(f"{API}/agents/{stranger.email}", {"apikey": keys[0]}))["email"] == stranger.email


def test_unknown_deleted_or_malformed_agents_are_not_found(la, keys, admin):
    gone = UserFactory(email="deleted@example.com")
    user_delete(user=gone, by_user=admin, reassign={})
    for unknown in (
        "deleted@example.com",
        id_encode(Kind.AGENT_USER, gone.pk),
        id_encode(Kind.AGENT_USER, 999_999),
        id_encode(Kind.AGENT_CONTACT, admin.pk),  # a contactid is not a userid
        "nobody@example.com",
        str(admin.pk),
    ):
        assert_error(la.get(f"{API}/agents/{unknown}", {"apikey": keys[0]}), 404)
    assert_error(la.get(f"{API}/agents/nobody@example.com.xml", {"apikey": keys[0]}), 404, "xml")


def test_agents_need_a_usable_key(la, admin):
    assert_error(la.get(f"{API}/agents/admin@example.com"), 401)
    assert_error(la.get(f"{API}/agents/admin@example.com", {"apikey": "0" * 40}), 401)
    api_key, raw = api_key_create(user=admin)
    api_key_revoke(api_key=api_key)
    assert_error(la.get(f"{API}/agents/admin@example.com", HTTP_APIKEY=raw), 400)


def test_agents_answer_get_only(la, keys):
    assert_error(la.post(f"{API}/agents/admin@example.com", {"apikey": keys[0]}), 405)
