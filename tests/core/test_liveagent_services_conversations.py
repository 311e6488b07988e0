"""What the core gained for the LiveAgent API's delete (#6) and status (#13): a note with the change, in the
same transaction, and a status set that takes the conversation out of Deleted when asked."""

import pytest
from django.core.exceptions import ValidationError

from conversations.models import Conversation, Thread
from conversations.services import conversation_change_status, conversation_delete
from tests.factories import ConversationFactory, CustomerFactory
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def events() -> list[str]:
    return list(WebhookEvent.objects.order_by("created_at", "id").values_list("name", flat=True))


@pytest.fixture
def conversation(mailbox, hook) -> Conversation:
    made = ConversationFactory(mailbox=mailbox, customer=CustomerFactory())
    WebhookEvent.objects.all().delete()
    return made


def later_threads(conversation: Conversation) -> list[tuple[str, str, int | None]]:
    threads = conversation.threads.exclude(type=Thread.Type.CUSTOMER).order_by("id")
    return [(t.type, t.action_type, t.created_by_user_id) for t in threads]


def test_delete_then_note(conversation, admin):
    deleted = conversation_delete(conversation=conversation, by_user=admin, note="<p>Spam wave</p>")
    assert deleted.state == Conversation.State.DELETED
    assert events() == ["convo.deleted", "convo.note.created"]
    assert later_threads(conversation) == [("lineitem", Thread.Action.DELETED, admin.pk), ("note", "", admin.pk)]


def test_a_note_on_a_conversation_deleted_already_is_added_alone_by_system(conversation):
    conversation_delete(conversation=conversation, by_user=None)
    WebhookEvent.objects.all().delete()
    conversation_delete(conversation=conversation, by_user=None, note="<p>Again</p>")
    assert events() == ["convo.note.created"]
    assert later_threads(conversation) == [("lineitem", Thread.Action.DELETED, None), ("note", "", None)]


def test_delete_without_a_note_adds_none(conversation, admin):
    conversation_delete(conversation=conversation, by_user=admin, note="  ")
    assert events() == ["convo.deleted"]


def test_status_then_note(conversation, admin):
    changed = conversation_change_status(conversation=conversation, status="closed", by_user=admin, note="<p>Fixed</p>")
    assert (changed.status, changed.closed_by) == ("closed", admin)
    assert events() == ["convo.status", "convo.note.created"]
    assert later_threads(conversation) == [("lineitem", Thread.Action.CHANGED_STATUS, admin.pk), ("note", "", admin.pk)]


def test_a_note_with_an_unchanged_status_is_added_alone(conversation, admin):
    conversation_change_status(conversation=conversation, status="active", by_user=admin, note="<p>Still open</p>")
    assert events() == ["convo.note.created"]


def test_restore_takes_a_deleted_conversation_out_of_deleted_first(conversation, admin):
    conversation_delete(conversation=conversation, by_user=admin)
    WebhookEvent.objects.all().delete()
    changed = conversation_change_status(conversation=conversation, status="pending", by_user=admin, restore=True)
    assert (changed.state, changed.status, changed.folder.type) == (
        "published",
        "pending",
        changed.folder.Type.UNASSIGNED,
    )
    assert events() == ["convo.restored", "convo.status"]


def test_without_restore_a_deleted_conversation_stays_deleted(conversation, admin):
    conversation_delete(conversation=conversation, by_user=admin)
    changed = conversation_change_status(conversation=conversation, status="pending", by_user=admin)
    assert (changed.state, changed.status) == ("deleted", "pending")


def test_restore_on_a_published_conversation_changes_only_the_status(conversation, admin):
    conversation_change_status(conversation=conversation, status="closed", by_user=admin, restore=True)
    assert events() == ["convo.status"]


def test_an_unknown_status_writes_nothing_not_even_the_restore(conversation, admin):
    conversation_delete(conversation=conversation, by_user=admin)
    WebhookEvent.objects.all().delete()
    with pytest.raises(ValidationError):
        conversation_change_status(
            conversation=conversation, status="lost", by_user=admin, restore=True, note="<p>x</p>"
        )
    conversation.refresh_from_db()
    assert conversation.state == Conversation.State.DELETED
    assert events() == []
