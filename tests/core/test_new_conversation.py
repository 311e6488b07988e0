"""Starting a conversation from the agent UI (issue 19, item 5): a phone call logged or an email sent, the
customer found by email or phone or created, through ``conversation_create`` as the APIs do, so the
conversation shows in the FreeScout API and its ``convo.created`` webhook fires once; errors on the form and
nothing half written."""

import orjson
import pytest

from conversations.models import Conversation, OutgoingEmail, Thread
from customers.models import Customer
from mailboxes.services import mailbox_user_grant
from tests.admin_helpers import admin_url
from tests.api_helpers import client_for
from tests.factories import CustomerFactory, MailboxFactory, UserFactory, WebhookFactory
from tests.http_receiver import Receiver
from webhooks.models import WebhookDelivery
from webhooks.tasks import webhook_deliver

NEW = admin_url(Conversation, "new")


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture
def desk(db):
    support = MailboxFactory(name="Support", email="support@example.com")
    sales = MailboxFactory(name="Sales", email="sales@example.com")
    alan = UserFactory(email="alan@example.com", first_name="Alan", last_name="Agent")
    mailbox_user_grant(mailbox=support, user=alan)
    return {"support": support, "sales": sales, "alan": alan}


def start(client, **fields):
    data = {"type": "phone", "status": "active", "subject": "Called about the printer", "text": "It smokes."}
    return client.post(NEW, {**data, **fields})


def test_a_phone_conversation_shows_in_the_api_and_fires_its_webhook_once(client, desk):
    with Receiver() as receiver:
        WebhookFactory(url=receiver.url, events=["convo.created"])
        client.force_login(desk["alan"])
        response = start(client, mailbox=desk["support"].pk, phone="+1 (555) 010-999", first_name="Pat")
        conversation = Conversation.objects.get()
        assert response.status_code == 302
        assert response["Location"] == admin_url(Conversation, "change", conversation.pk)

        api = client_for(desk["alan"]).get(f"/api/conversations/{conversation.id}?embed=threads")
        assert api.status_code == 200
        body = api.json()
        assert (body["type"], body["status"], body["subject"]) == ("phone", "active", "Called about the printer")
        assert body["mailboxId"] == desk["support"].pk
        assert body["customer"]["firstName"] == "Pat"
        [thread] = body["_embedded"]["threads"]
        assert (thread["type"], thread["body"], thread["createdBy"]["id"]) == (
            "note",
            "<p>It smokes.</p>",
            desk["alan"].pk,
        )

        [delivery] = WebhookDelivery.objects.all()
        webhook_deliver(delivery.pk)
        [request] = receiver.received
    assert request.headers["x-freescout-event"] == "convo.created"
    assert orjson.loads(request.body)["id"] == conversation.pk
    customer = Customer.objects.get()
    assert [p.value for p in customer.phones.all()] == ["+1 (555) 010-999"]
    # A logged call is never emailed.
    assert not OutgoingEmail.objects.filter(conversation=conversation, kind=OutgoingEmail.Kind.REPLY).exists()


def test_a_known_phone_number_finds_its_customer(client, desk):
    known = CustomerFactory(first_name="Kim", phones=[("+1 555-010-999", "work")])
    client.force_login(desk["alan"])
    assert start(client, mailbox=desk["support"].pk, phone="1 555 010 999", first_name="Other").status_code == 302
    assert Conversation.objects.get().customer == known
    assert Customer.objects.count() == 1


def test_an_email_conversation_emails_the_known_customer(client, desk):
    carla = CustomerFactory(first_name="Carla", emails=[("carla@example.org", "work")])
    client.force_login(desk["alan"])
    response = start(client, type="email", mailbox=desk["support"].pk, email="Carla@Example.org", status="pending")
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    assert (conversation.customer, conversation.type, conversation.status) == (carla, "email", "pending")
    assert conversation.threads.get().type == Thread.Type.MESSAGE
    [email] = OutgoingEmail.objects.filter(conversation=conversation, kind=OutgoingEmail.Kind.REPLY)
    assert email.recipient == "carla@example.org"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "email"}, "email"),  # an email needs an address
        ({"email": "not an address"}, "email"),
        ({"phone": "no digits"}, "phone"),
        ({}, "phone"),  # nobody named at all
        ({"phone": "555", "text": " "}, "text"),
        ({"phone": "555", "subject": ""}, "subject"),
        ({"phone": "555", "type": "chat"}, "type"),
    ],
)
def test_errors_show_on_the_form_and_nothing_is_written(client, desk, fields, field):
    client.force_login(desk["alan"])
    response = start(client, **{"mailbox": desk["support"].pk, **fields})
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert not Conversation.objects.exists()
    assert not Customer.objects.exists()


def test_only_the_agents_mailboxes_are_offered(client, desk):
    client.force_login(desk["alan"])
    page = client.get(NEW)
    assert page.status_code == 200
    assert list(page.context["form"].fields["mailbox"].queryset) == [desk["support"]]
    response = start(client, mailbox=desk["sales"].pk, phone="555")
    assert response.status_code == 200
    assert "mailbox" in response.context["form"].errors
    assert not Conversation.objects.exists()
    # The list links to the page.
    assert f'href="{NEW}"' in client.get(admin_url(Conversation, "changelist")).content.decode()


def test_signed_out_goes_to_login(client, desk):
    assert client.get(NEW).status_code == 302
    assert client.put(NEW).status_code == 302
