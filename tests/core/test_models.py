"""The database enforces the model's invariants, whatever code writes."""

import pytest
from django.db import IntegrityError, transaction

from conversations.models import Conversation, ConversationTag, Tag, Thread, Timelog
from customers.models import Company, CustomerEmail
from helpdesk.models import ApiKey, User
from mailboxes.models import CustomField, Folder
from tests.factories import ConversationFactory, CustomerFactory, CustomFieldFactory, MailboxFactory, UserFactory
from webhooks.models import WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db


def violates(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_user_email_is_unique_case_insensitively_unless_deleted():
    user = UserFactory(email="jane@example.com")
    assert violates(lambda: User.objects.create(email="JANE@example.com", first_name="Other"))
    User.objects.filter(pk=user.pk).update(status=User.Status.DELETED)
    User.objects.create(email="jane@example.com", first_name="New Jane")


@pytest.mark.parametrize(
    "fields",
    [{"role": "owner"}, {"status": "gone"}, {"first_name": ""}],
    ids=["role", "status", "empty first name"],
)
def test_user_rejects_invalid_columns(fields):
    assert violates(lambda: User.objects.create(**{"email": "x@example.com", "first_name": "X", **fields}))


def test_api_key_stores_a_sha256_hex_digest_only():
    user = UserFactory()
    assert violates(lambda: ApiKey.objects.create(user=user, prefix="abcd1234", key_hash="not-a-hash"))


def test_mailbox_folders_are_unique_and_scoped():
    mailbox = MailboxFactory()
    user = UserFactory()
    assert violates(lambda: Folder.objects.create(mailbox=mailbox, type=Folder.Type.CLOSED))
    assert violates(lambda: Folder.objects.create(mailbox=mailbox, type=Folder.Type.MINE))  # personal needs a user
    assert violates(lambda: Folder.objects.create(mailbox=mailbox, type=Folder.Type.CLOSED, user=user))
    Folder.objects.create(mailbox=mailbox, type=Folder.Type.MINE, user=user)
    assert violates(lambda: Folder.objects.create(mailbox=mailbox, type=Folder.Type.MINE, user=user))


def test_customer_emails_are_unique_across_customers_and_lower_case():
    first, second = CustomerFactory(emails=[("a@example.org", "work")]), CustomerFactory(emails=[])
    assert violates(lambda: CustomerEmail.objects.create(customer=second, email="a@example.org"))
    assert violates(lambda: CustomerEmail.objects.create(customer=second, email="B@example.org"))
    assert violates(lambda: CustomerEmail.objects.create(customer=first, email="c@example.org", type="fax"))


def test_company_and_tag_names_are_unique_case_insensitively():
    Company.objects.create(name="Acme")
    assert violates(lambda: Company.objects.create(name="ACME"))
    Tag.objects.create(name="refund")
    assert violates(lambda: Tag.objects.create(name="Refund"))
    assert violates(lambda: Tag.objects.create(name=""))


def test_conversation_constraints():
    conversation = ConversationFactory()
    other = ConversationFactory()
    user = UserFactory()
    query = Conversation.objects.filter(pk=conversation.pk)
    assert violates(lambda: query.update(number=other.number))
    assert violates(lambda: query.update(status="open"))
    assert violates(lambda: query.update(type="fax"))
    assert violates(lambda: query.update(state="archived"))
    assert violates(lambda: query.update(created_by_user=user))  # also created by the customer
    assert violates(lambda: query.update(closed_by=user))  # only a closed conversation has a closer
    query.update(status="closed", closed_by=user)


def test_conversation_tag_and_star_are_unique_per_conversation():
    conversation = ConversationFactory()
    tag = Tag.objects.create(name="vip")
    ConversationTag.objects.create(conversation=conversation, tag=tag)
    assert violates(lambda: ConversationTag.objects.create(conversation=conversation, tag=tag))
    user = UserFactory()
    conversation.starred_by.add(user)
    assert violates(lambda: conversation.starred_by.through.objects.create(conversation=conversation, user=user))


def test_thread_constraints():
    conversation = ConversationFactory()
    assert violates(lambda: Thread.objects.create(conversation=conversation, type="email"))
    assert violates(lambda: Thread.objects.create(conversation=conversation, type="lineitem"))  # needs an action
    assert violates(
        lambda: Thread.objects.create(
            conversation=conversation,
            type="customer",
            created_by_customer=conversation.customer,
            created_by_user=UserFactory(),
        )
    )


def test_one_open_timelog_per_user_and_conversation():
    conversation, user = ConversationFactory(), UserFactory()
    Timelog.objects.create(conversation=conversation, user=user, conversation_status="active")
    assert violates(lambda: Timelog.objects.create(conversation=conversation, user=user, conversation_status="active"))
    Timelog.objects.create(conversation=conversation, user=user, conversation_status="active", finished=True)
    assert violates(
        lambda: Timelog.objects.create(
            conversation=conversation, user=UserFactory(), conversation_status="active", finished=True, paused=True
        )
    )


def test_custom_field_names_are_unique_per_mailbox():
    field = CustomFieldFactory(name="Priority")
    assert violates(
        lambda: CustomField.objects.create(mailbox=field.mailbox, name="Priority", code="other", type="singleline")
    )
    assert violates(
        lambda: CustomField.objects.create(mailbox=field.mailbox, name="Kind", code="kind", type="checkbox")
    )
    CustomField.objects.create(mailbox=MailboxFactory(), name="Priority", code="priority", type="singleline")


def test_a_webhook_event_is_delivered_once_per_webhook():
    from tests.factories import WebhookFactory

    webhook = WebhookFactory()
    event = WebhookEvent.objects.create(name="convo.created", payload=b"{}")
    WebhookDelivery.objects.create(event=event, webhook=webhook)
    assert violates(lambda: WebhookDelivery.objects.create(event=event, webhook=webhook))
    assert webhook.secret.startswith("whsec_")
