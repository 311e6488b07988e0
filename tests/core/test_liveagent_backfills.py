"""The migrations that give existing rows what the LiveAgent API needs: conversation codes (in batches, with
repeats drawn again), ``acknowledged_at`` from the first published agent reply, and field codes from names.
Rows are written with the models as they were before, then the migrations run forward."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from conversations.migrations import _backfill
from conversations.models import CONVERSATION_CODE_REGEX, PUBLIC_URL_CODE_REGEX

BEFORE = [
    ("helpdesk", "0002_user_notify_settings"),
    ("mailboxes", "0002_mailboxfetchcursor"),
    ("customers", "0002_email_first_index"),
    ("conversations", "0006_subject_sort_index"),
]


@pytest.fixture
def migrated_back(transactional_db):
    """The database as before the LiveAgent migrations; migrated to the latest again afterwards."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate_forward():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    return executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps


def test_conversations_get_codes_and_acknowledged_at(migrated_back, monkeypatch):
    old = migrated_back
    monkeypatch.setattr(_backfill, "BATCH", 4)
    # The first two codes drawn repeat one another: the backfill must draw again for the second conversation.
    drawn = iter(["AAA-AAAAA-AAA", "AAA-AAAAA-AAA"])
    real_code = _backfill._code
    monkeypatch.setattr(_backfill, "_code", lambda: next(drawn, None) or real_code())

    user = old.get_model("helpdesk", "User").objects.create(email="ana@example.com", first_name="Ana", password="!")
    mailbox = old.get_model("mailboxes", "Mailbox").objects.create(name="Support", email="support@example.com")
    folder = old.get_model("mailboxes", "Folder").objects.create(mailbox=mailbox, type=1)
    customer = old.get_model("customers", "Customer").objects.create(first_name="Carla")
    Conversation = old.get_model("conversations", "Conversation")
    Thread = old.get_model("conversations", "Thread")
    start = timezone.now() - timedelta(days=3)
    conversations = [
        Conversation.objects.create(
            number=n, mailbox=mailbox, folder=folder, customer=customer, created_by_customer=customer, subject=f"#{n}"
        )
        for n in range(1, 11)
    ]

    def thread(conversation, kind, hours, *, by_user=True, state="published"):
        return Thread.objects.create(
            conversation=conversation,
            type=kind,
            state=state,
            created_by_user=user if by_user else None,
            created_by_customer=None if by_user else customer,
            source_via="user" if by_user else "customer",
            created_at=start + timedelta(hours=hours),
        )

    expected = {}
    for conversation in conversations:
        thread(conversation, "customer", 0, by_user=False)
    # [0]: no answer; [1]: notes, a draft and a customer chat are no answer either.
    thread(conversations[1], "note", 1)
    thread(conversations[1], "message", 2, state="draft")
    thread(conversations[1], "chat", 3, by_user=False)
    # [2]: the first of two replies; [3]: an agent chat message; [9]: an answer in the last batch.
    thread(conversations[2], "note", 1)
    expected[conversations[2].pk] = thread(conversations[2], "message", 2).created_at
    thread(conversations[2], "message", 5)
    expected[conversations[3].pk] = thread(conversations[3], "chat", 4).created_at
    expected[conversations[9].pk] = thread(conversations[9], "message", 6).created_at

    new = migrate_forward()
    rows = list(new.get_model("conversations", "Conversation").objects.order_by("pk"))
    assert len(rows) == 10
    assert len({row.code for row in rows}) == 10 and len({row.public_url_code for row in rows}) == 10
    assert all(re.fullmatch(CONVERSATION_CODE_REGEX, row.code) for row in rows)
    assert all(re.fullmatch(PUBLIC_URL_CODE_REGEX, row.public_url_code) for row in rows)
    assert rows[0].code == "AAA-AAAAA-AAA"  # the first keeps the code it drew
    assert {row.pk: row.acknowledged_at for row in rows if row.acknowledged_at} == expected


def test_fields_get_codes_from_their_names(migrated_back):
    old = migrated_back
    Mailbox = old.get_model("mailboxes", "Mailbox")
    CustomField = old.get_model("mailboxes", "CustomField")
    CustomerField = old.get_model("customers", "CustomerField")
    one = Mailbox.objects.create(name="One", email="one@example.com")
    two = Mailbox.objects.create(name="Two", email="two@example.com")
    for mailbox, name in ((one, "Priority"), (one, "Priority!"), (one, "日本語"), (one, "Order #"), (two, "Priority")):
        CustomField.objects.create(mailbox=mailbox, name=name, type="singleline")
    for name in ("Plan", "Plan?", "Purchase date"):
        CustomerField.objects.create(name=name, type="singleline")

    new = migrate_forward()
    codes = new.get_model("mailboxes", "CustomField").objects.order_by("pk").values_list("mailbox__name", "code")
    assert list(codes) == [
        ("One", "priority"),
        ("One", "priority_2"),
        ("One", "field"),
        ("One", "order"),
        ("Two", "priority"),
    ]
    customer_codes = new.get_model("customers", "CustomerField").objects.order_by("pk").values_list("code", flat=True)
    assert list(customer_codes) == ["plan", "plan_2", "purchase_date"]
