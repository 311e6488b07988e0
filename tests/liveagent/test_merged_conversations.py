"""A merged conversation through the LiveAgent API v1 (issue 19, item 6): its id, code and public URL code
stand for the conversation it was merged into, for reads and writes alike, as LiveAgent's merged tickets do;
a key that cannot see that one finds nothing."""

import pytest

from conversations import services
from conversations.models import Conversation
from liveagent.ids import Kind, id_encode
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory
from tests.liveagent.helpers import assert_error

pytestmark = pytest.mark.django_db

API = "/liveagent/api"
FORM = "application/x-www-form-urlencoded"


def cid(conversation: Conversation) -> str:
    return id_encode(Kind.CONVERSATION, conversation.pk)


@pytest.fixture
def merged(mailbox, admin):
    customer = CustomerFactory()
    survivor = ConversationFactory(mailbox=mailbox, customer=customer, subject="Printer smokes")
    absorbed = ConversationFactory(mailbox=mailbox, customer=customer, subject="Printer still smokes")
    services.conversation_merge(survivor=survivor, absorbed=absorbed, by_user=admin)
    absorbed.refresh_from_db()
    return survivor, absorbed


def references(conversation: Conversation) -> list[str]:
    return [cid(conversation), conversation.code, conversation.code.lower(), conversation.public_url_code]


def test_the_absorbed_id_code_and_public_code_show_the_survivor(la, keys, merged):
    survivor, absorbed = merged
    for reference in references(absorbed):
        body = la.get(f"{API}/conversations/{reference}", {"apikey": keys[1]}).json()["response"]
        assert (body["conversationid"], body["code"], body["subject"]) == (
            cid(survivor),
            survivor.code,
            "Printer smokes",
        )
        messages = la.get(f"{API}/conversations/{reference}/messages", {"apikey": keys[1]}).json()["response"]
        # Both customer messages and the merge's line item (rtype 2, "merged").
        assert [group["rtype"] for group in messages["groups"]] == ["3", "3", "2"]


def test_writes_through_an_absorbed_reference_change_the_survivor(la, keys, merged):
    survivor, absorbed = merged
    response = la.put(f"{API}/conversations/{absorbed.code}/status", f"apikey={keys[1]}&status=R", content_type=FORM)
    assert response.json() == {"response": {"status": "OK", "statuscode": 0}}
    assert Conversation.objects.get(pk=survivor.pk).status == "closed"
    absorbed_now = Conversation.objects.get(pk=absorbed.pk)
    assert (absorbed_now.state, absorbed_now.status, absorbed_now.merged_into_id) == (
        "deleted",
        absorbed.status,
        survivor.pk,
    )


def test_a_key_without_access_finds_neither(la, keys, merged):
    survivor, absorbed = merged
    outsider = MailboxFactory()
    services.conversation_move(conversation=survivor, mailbox=outsider, by_user=None)
    for reference in references(absorbed) + references(survivor):
        assert_error(la.get(f"{API}/conversations/{reference}", {"apikey": keys[1]}), 404)
        response = la.put(f"{API}/conversations/{reference}/status", f"apikey={keys[1]}&status=R", content_type=FORM)
        assert_error(response, 404)
    assert_error(la.get(f"{API}/conversations/{cid(absorbed)}"), 401)
    # The admin's key sees the survivor through the absorbed reference wherever it went.
    body = la.get(f"{API}/conversations/{absorbed.code}", {"apikey": keys[0]}).json()["response"]
    assert body["conversationid"] == cid(survivor)
    assert Conversation.objects.get(pk=survivor.pk).status == "active"
