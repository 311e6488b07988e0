"""``manage.py seed_demo``: demo data that covers every state of the product and keeps its invariants."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from conversations.models import (
    Conversation,
    ConversationStar,
    ConversationTag,
    CustomFieldValue,
    Status,
    Tag,
    Thread,
    Timelog,
)
from conversations.services import folder_type_for
from customers.models import (
    Company,
    Customer,
    CustomerEmail,
    CustomerField,
    CustomerFieldValue,
    CustomerPhone,
    CustomerSocialProfile,
    CustomerWebsite,
)
from helpdesk.models import Counter, User
from mailboxes.models import CustomField, Folder, Mailbox, MailboxUser
from mailboxes.selectors import mailbox_accessible_by, mailboxes_accessible_by
from tests.factories import CustomerFactory, MailboxFactory

pytestmark = pytest.mark.django_db

COUNTED_MODELS = [
    Mailbox,
    MailboxUser,
    Folder,
    User,
    Company,
    Customer,
    CustomerEmail,
    CustomerPhone,
    CustomerSocialProfile,
    CustomerWebsite,
    CustomField,
    CustomerField,
    CustomerFieldValue,
    Conversation,
    Thread,
    Tag,
    ConversationTag,
    ConversationStar,
    CustomFieldValue,
    Timelog,
    Counter,
]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in COUNTED_MODELS}
    counts["conversation numbers"] = sum(Counter.objects.values_list("value", flat=True))
    return counts


@pytest.fixture
def seeded(db) -> str:
    return seed()


def test_prints_a_summary(seeded):
    assert seeded.startswith("Demo data created: 2 mailboxes, 3 agents, ")
    assert f"{Conversation.objects.count()} conversations" in seeded
    assert len(seeded.strip().splitlines()) == 1


def test_creates_the_support_mailbox_first_then_sales(seeded):
    support, sales = Mailbox.objects.order_by("id")
    assert (support.name, support.email, sales.name, sales.email) == (
        "Support",
        "support@example.com",
        "Sales",
        "sales@example.com",
    )
    assert support.signature and sales.signature
    assert support.auto_reply_subject and support.auto_reply_message


def test_creates_three_regular_agents_with_profiles_and_no_password(seeded):
    agents = list(User.objects.all())
    assert len(agents) == 3
    assert {agent.role for agent in agents} == {User.Role.USER}
    for agent in agents:
        assert agent.first_name and agent.last_name and agent.job_title
        assert agent.timezone != "UTC"
        assert not agent.has_usable_password()


def test_gives_two_agents_support_two_sales_and_one_both(seeded):
    support, sales = Mailbox.objects.order_by("id")
    assert MailboxUser.objects.filter(mailbox=support).count() == 2
    assert MailboxUser.objects.filter(mailbox=sales).count() == 2
    access = {agent.email: set(mailboxes_accessible_by(user=agent)) for agent in User.objects.all()}
    assert sorted(len(mailboxes) for mailboxes in access.values()) == [1, 1, 2]
    for agent in User.objects.all():
        for mailbox in access[agent.email]:
            assert Folder.objects.filter(mailbox=mailbox, user=agent).count() == len(Folder.PERSONAL_TYPES)


def test_customers_are_varied_and_some_share_a_company(seeded):
    assert Customer.objects.count() >= 12
    assert Company.objects.annotate(n=Count("customers")).filter(n__gte=2).exists()
    assert Customer.objects.annotate(n=Count("emails")).filter(n__gte=2).exists()
    assert Customer.objects.annotate(n=Count("emails")).filter(n=0).exists()
    assert Customer.objects.annotate(n=Count("phones")).filter(n__gte=2).exists()
    assert CustomerEmail.objects.values("type").distinct().count() == 3
    assert CustomerPhone.objects.values("type").distinct().count() >= 3
    assert CustomerSocialProfile.objects.values("type").distinct().count() >= 3
    assert Customer.objects.annotate(n=Count("websites")).filter(n__gte=2).exists()
    assert Customer.objects.exclude(address_country="").exclude(job_title="").count() >= 6


def test_support_has_a_custom_field_of_every_type(seeded):
    support, sales = Mailbox.objects.order_by("id")
    fields = list(CustomField.objects.filter(mailbox=support))
    assert {f.type for f in fields} == set(CustomField.Type.values)
    dropdown = next(f for f in fields if f.type == CustomField.Type.DROPDOWN)
    assert len(dropdown.options) >= 3
    assert all(key.isdigit() and label for key, label in dropdown.options.items())
    assert any(f.required for f in fields)
    assert CustomField.objects.filter(mailbox=sales).exists()


def test_custom_field_values_fit_their_conversation_and_field(seeded):
    values = CustomFieldValue.objects.select_related("conversation", "field")
    assert values.count() >= 20
    for value in values:
        assert value.field.mailbox_id == value.conversation.mailbox_id
        assert value.field.value_clean(value.value) == value.value
    required = CustomField.objects.filter(required=True)
    for conversation in Conversation.objects.filter(state=Conversation.State.PUBLISHED).exclude(status=Status.SPAM):
        for field in required.filter(mailbox=conversation.mailbox_id):
            assert conversation.custom_field_values.filter(field=field).exists(), conversation


def test_customer_fields_exist_with_values(seeded):
    assert CustomerField.objects.values("type").distinct().count() >= 3
    assert CustomerField.objects.filter(type=CustomerField.Type.DROPDOWN).exclude(options={}).exists()
    assert CustomerFieldValue.objects.values("customer").distinct().count() >= 5
    for value in CustomerFieldValue.objects.select_related("field"):
        assert value.field.value_clean(value.value) == value.value


def test_conversations_cover_every_status_state_and_type(seeded):
    published = Conversation.objects.filter(state=Conversation.State.PUBLISHED)
    assert set(published.values_list("status", flat=True)) == set(Status.values)
    assert Conversation.objects.filter(state=Conversation.State.DRAFT).exists()
    assert Conversation.objects.filter(state=Conversation.State.DELETED).exists()
    assert set(Conversation.objects.values_list("type", flat=True)) == set(Conversation.Type.values)
    assert set(Conversation.objects.values_list("mailbox__email", flat=True)) == {
        "support@example.com",
        "sales@example.com",
    }
    assert published.filter(assignee__isnull=True).exists() and published.filter(assignee__isnull=False).exists()
    assert ConversationStar.objects.exists()
    closed = published.filter(status=Status.CLOSED)
    assert not closed.filter(closed_at__isnull=True).exists()
    assert closed.filter(closed_by__isnull=False).exists()


def test_threads_of_every_type_and_line_items_of_every_change(seeded):
    assert set(Thread.objects.values_list("type", flat=True)) == set(Thread.Type.values)
    assert set(Thread.objects.filter(type=Thread.Type.LINEITEM).values_list("action_type", flat=True)) >= {
        Thread.Action.CHANGED_STATUS,
        Thread.Action.CHANGED_ASSIGNEE,
        Thread.Action.MOVED_FROM_MAILBOX,
        Thread.Action.CHANGED_CUSTOMER,
        Thread.Action.DELETED,
    }
    chat = Conversation.objects.get(type=Conversation.Type.CHAT)
    assert set(chat.threads.values_list("type", flat=True)) == {Thread.Type.CHAT}
    assert chat.threads.filter(created_by_user__isnull=False).exists()
    assert chat.threads.filter(created_by_customer__isnull=False).exists()


def test_dates_spread_over_the_past_month(seeded):
    now = timezone.now()
    created = list(Conversation.objects.values_list("created_at", flat=True))
    assert min(created) < now - timedelta(days=20)
    assert max(created) > now - timedelta(days=2)
    assert all(now - timedelta(days=31) < at <= now for at in created)
    assert not Thread.objects.filter(created_at__gt=now).exists()
    for conversation in Conversation.objects.all():
        assert not conversation.threads.filter(created_at__lt=conversation.created_at).exists()
    assert not Customer.objects.filter(created_at__gt=min(created)).exists()


def test_tags_are_on_conversations(seeded):
    tags = Tag.objects.annotate(n=Count("conversations"))
    assert {"refund", "bug", "vip", "billing", "feature request"} <= set(tags.values_list("name", flat=True))
    assert not tags.filter(n=0).exists()


def test_timelogs_finished_and_running(seeded):
    assert Timelog.objects.filter(finished=True, time_spent__gt=0).count() >= 3
    running = Timelog.objects.get(finished=False)
    assert running.running_since is not None
    for timelog in Timelog.objects.select_related("conversation"):
        assert mailbox_accessible_by(user=timelog.user, mailbox_id=timelog.conversation.mailbox_id)


def test_every_conversation_is_in_its_folder_and_assigned_to_someone_with_access(seeded):
    conversations = list(Conversation.objects.select_related("folder", "assignee"))
    assert len(conversations) >= 20
    for conversation in conversations:
        expected = folder_type_for(
            state=conversation.state, status=conversation.status, has_assignee=conversation.assignee_id is not None
        )
        assert conversation.folder.type == expected, conversation
        assert conversation.folder.mailbox_id == conversation.mailbox_id
        assert conversation.folder.user_id is None
        if conversation.assignee is not None:
            assert mailbox_accessible_by(user=conversation.assignee, mailbox_id=conversation.mailbox_id), conversation
    numbers = [conversation.number for conversation in conversations]
    assert len(numbers) == len(set(numbers))


def test_threads_count_and_preview_match_the_threads(seeded):
    for conversation in Conversation.objects.all():
        messages = conversation.threads.filter(type__in=Thread.MESSAGE_TYPES, state=Thread.State.PUBLISHED)
        assert conversation.threads_count == messages.count(), conversation
        if messages.exists():
            assert conversation.preview


def test_running_twice_changes_nothing(seeded):
    before = row_counts()
    assert seed().strip() == "Demo data already present"
    assert row_counts() == before


def test_works_when_an_admin_exists(admin):
    output = seed()
    assert output.startswith("Demo data created")
    assert list(User.objects.filter(role=User.Role.ADMIN)) == [admin]
    assert User.objects.filter(role=User.Role.USER).count() == 3
    for mailbox in Mailbox.objects.all():
        assert Folder.objects.filter(mailbox=mailbox, user=admin).count() == len(Folder.PERSONAL_TYPES)
    assert seed().strip() == "Demo data already present"


def test_creates_no_admin(seeded):
    assert not User.objects.filter(role=User.Role.ADMIN).exists()


def test_refuses_and_writes_nothing_when_part_of_the_demo_already_exists(db):
    MailboxFactory(name="Sales", email="sales@example.com")
    CustomerFactory(first_name="Olivia", emails=[("olivia.bennett@northwind.example.com", "work")])
    before = row_counts()
    with pytest.raises(CommandError, match=r"sales@example\.com.*olivia\.bennett@northwind\.example\.com"):
        seed()
    assert row_counts() == before


def test_is_deterministic(db):
    def snapshot() -> list[tuple]:
        frozen = mock.patch("django.utils.timezone.now", return_value=datetime(2025, 6, 1, 12, tzinfo=UTC))
        with frozen, transaction.atomic():
            seed()
            rows = list(
                Conversation.objects.order_by("number").values_list(
                    "number", "subject", "status", "state", "assignee__email", "mailbox__email", "created_at"
                )
            ) + list(
                Thread.objects.order_by("conversation__number", "created_at", "id").values_list(
                    "conversation__number", "type", "action_type", "body", "created_at"
                )
            )
            transaction.set_rollback(True)
        return rows

    assert snapshot() == snapshot()
