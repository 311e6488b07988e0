from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conversations import services
from conversations.models import Attachment, Conversation, Tag, Thread, Timelog
from conversations.services import NewAttachment, NewThread
from mailboxes.services import mailbox_user_grant
from tests.factories import ConversationFactory, CustomerFactory, CustomFieldFactory, MailboxFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(mailbox, agent):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    return ConversationFactory(mailbox=mailbox)


def test_create_stores_threads_oldest_first_and_derives_columns(mailbox, agent, settings):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    customer = CustomerFactory(emails=[("Rod@Example.org", "work")])
    earlier = timezone.now() - timedelta(days=3)
    conversation = services.conversation_create(
        mailbox=mailbox,
        subject="  Refund  ",
        customer=customer,
        imported=True,
        created_at=earlier,
        threads=[
            NewThread(type="customer", body="<p>Please   refund</p><script>alert(1)</script>", created_at=earlier),
            NewThread(type="note", body="Checking", user=agent, created_at=earlier + timedelta(hours=1)),
            NewThread(type="message", body="Done &amp; dusted", user=agent, created_at=earlier + timedelta(hours=2)),
        ],
    )
    threads = list(conversation.threads.order_by("created_at", "id"))
    assert [t.type for t in threads] == ["customer", "note", "message"]
    assert [t.first for t in threads] == [True, False, False]
    assert "<script>" not in threads[0].body
    assert conversation.subject == "Refund"
    assert conversation.customer_email == "rod@example.org"
    assert conversation.created_by_customer == customer and conversation.created_by_user is None
    assert conversation.threads_count == 2  # notes do not count
    assert conversation.preview == "Done & dusted"
    assert conversation.last_reply_from == "user"
    assert conversation.last_reply_at == earlier + timedelta(hours=2)
    assert conversation.created_at == earlier
    assert conversation.number > 0


def test_numbers_are_unique_and_increasing(mailbox):
    numbers = [ConversationFactory(mailbox=mailbox).number for _ in range(3)]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3


def test_replies_imply_a_status(conversation, agent):
    services.thread_create(conversation=conversation, thread=NewThread(type="message", body="Hi", user=agent))
    conversation.refresh_from_db()
    assert conversation.status == "pending"
    services.thread_create(conversation=conversation, thread=NewThread(type="note", body="fyi", user=agent))
    conversation.refresh_from_db()
    assert conversation.status == "pending"
    services.thread_create(conversation=conversation, thread=NewThread(type="customer", body="Thanks"))
    conversation.refresh_from_db()
    assert conversation.status == "active"
    assert conversation.threads_count == 3
    services.thread_create(
        conversation=conversation, thread=NewThread(type="message", body="Bye", user=agent), status="closed"
    )
    conversation.refresh_from_db()
    assert (conversation.status, conversation.closed_by, conversation.folder.type) == ("closed", agent, 60)


def test_a_customer_reply_takes_the_conversation_out_of_deleted(conversation, agent):
    services.conversation_delete(conversation=conversation, by_user=agent)
    services.thread_create(conversation=conversation, thread=NewThread(type="customer", body="Hello?"))
    conversation.refresh_from_db()
    assert conversation.state == "published"


def test_drafts_change_no_counters(conversation, agent):
    before = Conversation.objects.get(pk=conversation.pk)
    services.thread_create(
        conversation=conversation, thread=NewThread(type="message", body="draft", user=agent, state="draft")
    )
    after = Conversation.objects.get(pk=conversation.pk)
    assert (after.status, after.threads_count, after.preview) == (before.status, before.threads_count, before.preview)


@pytest.mark.parametrize(
    ("thread", "key"),
    [
        (NewThread(type="message", body="no author"), "user"),
        (NewThread(type="email", body="x"), "type"),
        (NewThread(type="customer", body="   "), "body"),
        (NewThread(type="customer", body="x", cc=["not an address"]), "cc"),
        (NewThread(type="customer", body="x", state="hidden"), "state"),
    ],
)
def test_invalid_threads_are_refused_and_nothing_is_written(conversation, thread, key):
    before = Thread.objects.count()
    with pytest.raises(ValidationError) as error:
        services.thread_create(conversation=conversation, thread=thread)
    assert key in error.value.message_dict
    assert Thread.objects.count() == before


def test_a_conversation_with_a_bad_later_thread_writes_nothing(mailbox):
    before = (Conversation.objects.count(), Thread.objects.count(), Attachment.objects.count())
    with pytest.raises(ValidationError):
        services.conversation_create(
            mailbox=mailbox,
            subject="x",
            customer=CustomerFactory(),
            threads=[
                NewThread(type="customer", body="ok", attachments=[NewAttachment(file_name="a.txt", content=b"a")]),
                NewThread(type="message", body="no user"),
            ],
        )
    assert (Conversation.objects.count(), Thread.objects.count(), Attachment.objects.count()) == before


def test_assignee_needs_access(conversation, mailbox):
    outsider = UserFactory()
    with pytest.raises(ValidationError) as error:
        services.conversation_assign(conversation=conversation, assignee=outsider, by_user=None)
    assert "assignee" in error.value.message_dict
    with pytest.raises(ValidationError):
        ConversationFactory(mailbox=mailbox, assignee=outsider)


def test_changes_write_line_items(conversation, agent, admin):
    services.conversation_assign(conversation=conversation, assignee=agent, by_user=admin)
    services.conversation_assign(conversation=conversation, assignee=agent, by_user=admin)  # no change, no line
    services.conversation_change_status(conversation=conversation, status="closed", by_user=admin)
    services.conversation_move(conversation=conversation, mailbox=MailboxFactory(), by_user=admin)
    services.conversation_change_customer(conversation=conversation, customer=CustomerFactory(), by_user=admin)
    services.conversation_delete(conversation=conversation, by_user=admin)
    services.conversation_restore(conversation=conversation, by_user=admin)
    lines = list(conversation.threads.filter(type="lineitem").order_by("id"))
    assert [line.action_type for line in lines] == [
        "changed-ticket-assignee",
        "changed-ticket-status",
        "moved-from-mailbox",
        "changed-ticket-customer",
        "deleted-ticket",
        "restore-ticket",
    ]
    assert all(line.created_by_user == admin for line in lines)
    conversation.refresh_from_db()
    assert conversation.user_updated_at is not None


def test_unknown_status_is_refused(conversation, agent):
    with pytest.raises(ValidationError):
        services.conversation_change_status(conversation=conversation, status="open", by_user=agent)


def test_attachments_are_stored_and_erased_with_the_conversation(
    conversation, agent, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    thread = services.thread_create(
        conversation=conversation,
        thread=NewThread(
            type="message",
            body="See attached",
            user=agent,
            attachments=[NewAttachment(file_name="../../etc/passwd", content=b"%PDF-1.4", mime_type="application/pdf")],
        ),
    )
    attachment = thread.attachments.get()
    assert attachment.file_name == ".._.._etc_passwd"
    assert attachment.size == 8 and len(attachment.token) == 32
    path = tmp_path / attachment.file.name
    assert path.read_bytes() == b"%PDF-1.4" and tmp_path in path.resolve().parents
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_delete_forever(conversation=conversation)
    assert not Conversation.objects.filter(pk=conversation.pk).exists()
    assert not path.exists()


def test_tags_are_normalised_and_replace_the_list(conversation):
    services.conversation_tags_set(conversation=conversation, names=[" Refund ", "VIP", "refund", ""])
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["refund", "vip"]
    services.conversation_tags_set(conversation=conversation, names=["vip", "Bug  Report"])
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["bug report", "vip"]
    services.conversation_tags_set(conversation=conversation, names=[])
    assert not conversation.tags.exists()
    assert Tag.objects.count() == 3  # tags outlive their last conversation


def test_custom_field_values_are_validated_by_type(conversation, mailbox):
    number = CustomFieldFactory(mailbox=mailbox, type="number")
    dropdown = CustomFieldFactory(mailbox=mailbox, type="dropdown", options={"1": "Low", "2": "High"})
    date = CustomFieldFactory(mailbox=mailbox, type="date")
    elsewhere = CustomFieldFactory()
    services.conversation_custom_fields_set(conversation=conversation, values={number.pk: 7, dropdown.pk: "2"})
    services.conversation_custom_fields_set(conversation=conversation, values={number.pk: "7.5"})
    assert dict(conversation.custom_field_values.values_list("field_id", "value")) == {
        number.pk: "7.5",
        dropdown.pk: "2",
    }
    for field, value in [(number, "seven"), (dropdown, "3"), (date, "2024-13-01"), (elsewhere, "x")]:
        with pytest.raises(ValidationError):
            services.conversation_custom_fields_set(conversation=conversation, values={field.pk: value})
    services.conversation_custom_fields_set(conversation=conversation, values={number.pk: ""})
    assert not conversation.custom_field_values.filter(field=number).exists()


def test_timelogs_pause_resume_and_finish(conversation, agent):
    timelog = services.timelog_start(conversation=conversation, user=agent)
    assert services.timelog_start(conversation=conversation, user=agent) == timelog  # one running timer
    Timelog.objects.filter(pk=timelog.pk).update(running_since=timezone.now() - timedelta(seconds=90))
    timelog = services.timelog_stop(timelog=timelog, finish=False)
    assert (timelog.paused, timelog.finished, 90 <= timelog.time_spent <= 92) == (True, False, True)
    timelog = services.timelog_start(conversation=conversation, user=agent)
    assert timelog.running_since is not None and not timelog.paused
    timelog = services.timelog_stop(timelog=timelog)
    assert timelog.finished and timelog.running_since is None and timelog.time_spent >= 90
    recorded = services.timelog_record(conversation=conversation, user=agent, seconds=300)
    assert recorded.finished and recorded.time_spent == 300


def test_an_agents_chat_message_is_the_agents_action(mailbox, agent):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    conversation = services.conversation_create(
        mailbox=mailbox,
        subject="Chat",
        type="chat",
        customer=CustomerFactory(),
        threads=[NewThread(type="chat", body="Hi, how can I help?", user=agent)],
    )
    assert conversation.created_by_user == agent and conversation.source_via == "user"
    services.thread_create(
        conversation=conversation, thread=NewThread(type="chat", body="Bye", user=agent), status="closed"
    )
    conversation.refresh_from_db()
    assert conversation.closed_by == agent


@pytest.mark.parametrize("threads", [1, 4])
def test_create_and_reply_statements(mailbox, agent, django_assert_num_queries, threads):
    """A create derives its report figures once, from the final row, reading nothing back (was twice, each
    locking and reading the row, its threads, tags and stored facts); a reply's refresh uses the row
    ``thread_create`` locked. Constant in the number of threads a create is given, but for their INSERTs."""
    mailbox_user_grant(mailbox=mailbox, user=agent)
    customer = CustomerFactory(emails=[("rod@example.org", "work")])
    new = [NewThread(type="customer", body="Hello")] + [NewThread(type="note", body="n", user=agent)] * (threads - 1)
    # The counter row, the folder and the user exist (a first create makes them).
    services.conversation_create(mailbox=mailbox, subject="Warm", customer=customer, threads=new[:1])
    with django_assert_num_queries(17 + threads):
        conversation = services.conversation_create(mailbox=mailbox, subject="Hi", customer=customer, threads=new)
    with django_assert_num_queries(22):  # with the reply's email and its outbox row
        services.thread_create(conversation=conversation, thread=NewThread(type="message", body="Re", user=agent))
