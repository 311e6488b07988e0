"""A merged conversation through the FreeScout API (issue 19, item 6): reads answer 301 with ``Location`` of
the survivor, as Help Scout's API does; writes answer 404 naming the survivor (a 301 would make common
clients repeat a POST as a GET of the survivor and report success); keys see nothing they could not see."""

import pytest

from conversations import services
from conversations.models import Conversation, Thread
from helpdesk.links import absolute_url
from mailboxes.services import mailbox_user_grant
from tests.api_helpers import assert_error, client_for
from tests.factories import ConversationFactory, CustomerFactory, CustomFieldFactory, MailboxFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(mailbox, admin):
    customer = CustomerFactory()
    survivor = ConversationFactory(mailbox=mailbox, customer=customer, subject="Printer smokes")
    absorbed = ConversationFactory(mailbox=mailbox, customer=customer, subject="Printer still smokes")
    services.conversation_merge(survivor=survivor, absorbed=absorbed, by_user=admin)
    return survivor, absorbed


def test_reading_the_absorbed_conversation_answers_301_to_the_survivor(admin_api, merged):
    survivor, absorbed = merged
    response = admin_api.get(f"/api/conversations/{absorbed.pk}")
    assert response.status_code == 301
    assert response["Location"] == absolute_url(f"/api/conversations/{survivor.pk}")
    assert response.content == b""
    # The query string comes along; following the Location gives the survivor with both threads.
    response = admin_api.get(f"/api/conversations/{absorbed.pk}?embed=threads,tags")
    assert response["Location"] == absolute_url(f"/api/conversations/{survivor.pk}?embed=threads,tags")
    body = admin_api.get(response["Location"]).json()
    assert (body["id"], body["threadsCount"], body["state"]) == (survivor.pk, 2, "published")
    [merge_line, *_] = body["_embedded"]["threads"]  # newest first
    assert merge_line["type"] == "lineitem"
    assert merge_line["action"]["type"] == "merged"
    assert merge_line["action"]["text"] == f"Ada Admin merged #{absorbed.number} into this conversation"
    response = admin_api.get(f"/api/conversations/{absorbed.pk}/timelogs?page=2")
    assert response.status_code == 301
    assert response["Location"] == absolute_url(f"/api/conversations/{survivor.pk}/timelogs?page=2")


def test_a_survivor_answers_as_any_conversation_and_lists_leave_the_absorbed_one_in_deleted(admin_api, merged):
    survivor, absorbed = merged
    assert admin_api.get(f"/api/conversations/{survivor.pk}").status_code == 200
    listed = [c["id"] for c in admin_api.get("/api/conversations").json()["_embedded"]["conversations"]]
    assert listed == [survivor.pk]
    deleted = admin_api.get("/api/conversations?state=deleted&status=all").json()["_embedded"]["conversations"]
    assert [c["id"] for c in deleted] == [absorbed.pk]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("put", "", {"status": "closed"}),
        ("post", "/threads", {"type": "note", "text": "Late", "user": None}),
        ("put", "/tags", {"tags": ["late"]}),
        ("put", "/custom_fields", {"customFields": []}),
        ("post", "/timelogs", {"timeSpent": 60}),
        ("delete", "", None),
    ],
)
def test_writes_to_the_absorbed_conversation_answer_404_naming_the_survivor(
    admin_api, admin, merged, method, path, body
):
    survivor, absorbed = merged
    if body is not None and "user" in body:
        body["user"] = admin.pk
    threads = Thread.objects.count()
    response = getattr(admin_api, method)(f"/api/conversations/{absorbed.pk}{path}", body, format="json")
    assert_error(response, 404, "NOT FOUND")
    assert response.json()["message"] == f"Conversation {absorbed.pk} was merged into conversation {survivor.pk}."
    assert Thread.objects.count() == threads
    assert Conversation.objects.filter(pk=absorbed.pk, state="deleted", merged_into=survivor).exists()
    assert not survivor.tags.exists()


def test_a_key_sees_the_merge_only_where_it_sees_the_conversations(merged, agent, mailbox, client):
    survivor, absorbed = merged
    outsider = client_for(agent)  # no access to the mailbox
    for path in (f"/api/conversations/{absorbed.pk}", f"/api/conversations/{absorbed.pk}/timelogs"):
        assert_error(outsider.get(path), 404, "NOT FOUND")
    assert_error(
        outsider.put(f"/api/conversations/{absorbed.pk}", {"status": "closed"}, format="json"), 404, "NOT FOUND"
    )
    assert_error(client.get(f"/api/conversations/{absorbed.pk}"), 401, "NOT AUTHORIZED")
    # With access: the 301. Once the survivor went to a mailbox the key cannot see: a plain 404, no Location.
    mailbox_user_grant(mailbox=mailbox, user=agent)
    assert outsider.get(f"/api/conversations/{absorbed.pk}").status_code == 301
    services.conversation_move(conversation=survivor, mailbox=MailboxFactory(), by_user=None)
    response = outsider.get(f"/api/conversations/{absorbed.pk}")
    assert_error(response, 404, "NOT FOUND")
    assert "Location" not in response


def test_custom_field_values_of_the_absorbed_conversation_show_on_the_survivor(admin_api, mailbox, admin):
    field = CustomFieldFactory(mailbox=mailbox, name="Order")
    survivor, absorbed = ConversationFactory(mailbox=mailbox), ConversationFactory(mailbox=mailbox)
    services.conversation_custom_fields_set(conversation=absorbed, values={field.pk: "A-1"})
    services.conversation_merge(survivor=survivor, absorbed=absorbed, by_user=admin)
    body = admin_api.get(f"/api/conversations/{survivor.pk}").json()
    assert [(f["name"], f["value"]) for f in body["customFields"]] == [("Order", "A-1")]
