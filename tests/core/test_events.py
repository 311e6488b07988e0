"""Which change records which webhook event (freescout-behaviour.md §8), whatever the entry point: one
event per change, written to the outbox in the transaction of the change."""

import orjson
import pytest

from conversations import services
from mailboxes.services import custom_field_create, mailbox_user_grant
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory, WebhookFactory
from webhooks.models import WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db


def recorded() -> list[str]:
    return list(WebhookEvent.objects.order_by("created_at", "id").values_list("name", flat=True))


def fresh() -> None:
    WebhookEvent.objects.all().delete()


def test_creating_a_conversation_fires_created_and_customer_created_only_when_new(admin_api, hook, mailbox, admin):
    plan = custom_field_create(mailbox=mailbox, name="Plan", type="singleline")
    body = {
        "type": "email",
        "mailboxId": mailbox.pk,
        "subject": "Hi",
        "customer": {"email": "new@example.org"},
        "threads": [{"type": "customer", "text": "Hello"}, {"type": "note", "text": "n", "user": admin.pk}],
        "customFields": [{"id": plan.pk, "value": "Business"}],
        "imported": True,
    }
    response = admin_api.post("/api/conversations", body, format="json")
    assert recorded() == ["customer.created", "convo.created"]
    event = WebhookEvent.objects.get(name="convo.created")
    # The body is the API's GET JSON of the conversation as created, its custom field values included.
    get = admin_api.get(f"/api/conversations/{response.json()['id']}").json()
    assert get["customFields"][0]["value"] == "Business"
    assert orjson.loads(bytes(event.payload)) == get
    fresh()
    admin_api.post("/api/conversations", body, format="json")
    assert recorded() == ["convo.created"]


@pytest.fixture
def conversation(mailbox, agent, hook):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    made = ConversationFactory(mailbox=mailbox, customer=CustomerFactory())
    fresh()
    return made


@pytest.mark.parametrize(
    ("thread", "expected"),
    [
        ({"type": "customer", "text": "More"}, ["convo.customer.reply.created"]),
        ({"type": "message", "text": "Hi", "user": "ADMIN"}, ["convo.agent.reply.created"]),
        (
            {"type": "message", "text": "Hi", "user": "ADMIN", "status": "closed"},
            ["convo.agent.reply.created", "convo.status"],
        ),
        ({"type": "message", "text": "Hi", "user": "ADMIN", "status": "active"}, ["convo.agent.reply.created"]),
        ({"type": "note", "text": "fyi", "user": "ADMIN"}, ["convo.note.created"]),
        ({"type": "message", "text": "draft", "user": "ADMIN", "state": "draft"}, []),
    ],
)
def test_threads(admin_api, admin, conversation, thread, expected):
    thread = {key: admin.pk if value == "ADMIN" else value for key, value in thread.items()}
    assert admin_api.post(f"/api/conversations/{conversation.pk}/threads", thread, format="json").status_code == 201
    assert recorded() == expected


def test_updates_fire_one_event_per_change(admin_api, admin, agent, conversation):
    url = f"/api/conversations/{conversation.pk}"
    admin_api.put(url, {"byUser": admin.pk, "status": "pending", "assignTo": agent.pk, "subject": "S"}, format="json")
    assert recorded() == ["convo.status", "convo.assigned"]
    fresh()
    admin_api.put(url, {"byUser": admin.pk, "assignTo": None}, format="json")
    assert recorded() == []  # unassigning fires nothing
    admin_api.put(url, {"byUser": admin.pk, "mailboxId": MailboxFactory().pk}, format="json")
    assert recorded() == ["convo.moved"]


def test_a_failed_update_records_nothing(admin_api, admin, conversation):
    from tests.factories import UserFactory

    url = f"/api/conversations/{conversation.pk}"
    response = admin_api.put(url, {"byUser": admin.pk, "status": "closed", "assignTo": UserFactory().pk}, format="json")
    assert response.status_code == 400
    assert recorded() == [] and not WebhookDelivery.objects.exists()


def test_deleted_restored_and_deleted_forever(admin_api, admin, conversation):
    services.conversation_delete(conversation=conversation, by_user=admin)
    services.conversation_restore(conversation=conversation, by_user=admin)
    assert recorded() == ["convo.deleted", "convo.restored"]
    fresh()
    assert admin_api.delete(f"/api/conversations/{conversation.pk}").status_code == 204
    assert recorded() == ["convo.deleted_forever"]
    payload = orjson.loads(bytes(WebhookEvent.objects.get().payload))
    assert payload["id"] == conversation.pk and payload["_embedded"]["threads"]


def test_subscriptions_mailbox_filters_and_disabled_webhooks(mailbox, admin, hook):
    only_status = WebhookFactory(events=["convo.status"])
    other_mailbox = WebhookFactory(events=["convo.status"])
    other_mailbox.mailboxes.add(MailboxFactory())
    this_mailbox = WebhookFactory(events=["convo.status"])
    this_mailbox.mailboxes.add(mailbox)
    WebhookFactory(events=["convo.status"], enabled=False)
    conversation = ConversationFactory(mailbox=mailbox)
    fresh()
    services.conversation_change_status(conversation=conversation, status="closed", by_user=admin)
    event = WebhookEvent.objects.get()
    assert set(event.deliveries.values_list("webhook_id", flat=True)) == {hook.pk, only_status.pk, this_mailbox.pk}
    assert set(event.deliveries.values_list("status", flat=True)) == {"pending"}


def test_no_subscriber_no_event(admin, mailbox):
    conversation = ConversationFactory(mailbox=mailbox)
    services.conversation_change_status(conversation=conversation, status="closed", by_user=admin)
    assert not WebhookEvent.objects.exists()


def test_customer_updates(hook):
    from customers.services import customer_field_values_set
    from tests.factories import CustomerFieldFactory

    customer = CustomerFactory()
    assert recorded() == ["customer.created"]
    customer_field_values_set(customer=customer, values={CustomerFieldFactory(): "x"})
    assert recorded() == ["customer.created", "customer.updated"]
    payload = orjson.loads(bytes(WebhookEvent.objects.get(name="customer.updated").payload))
    assert payload["id"] == customer.pk and payload["customerFields"][0]["value"] == "x"
    assert list(payload) == [
        "id",
        "firstName",
        "lastName",
        "company",
        "jobTitle",
        "photoType",
        "photoUrl",
        "createdAt",
        "updatedAt",
        "notes",
        "customerFields",
        "_embedded",
    ]
