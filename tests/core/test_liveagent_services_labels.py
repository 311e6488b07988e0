"""What the core gained for the LiveAgent API's tag and transfer operations: putting one tag on a conversation
or taking it off (by tag or by name), deleting a tag, notes by System, and the transfer (move, assign, note)."""

import pytest

from conversations.models import ConversationTag, Tag, Thread
from conversations.services.labels import (
    conversation_tag_add,
    conversation_tag_remove,
    conversation_tags_set,
    tag_create,
    tag_delete,
)
from conversations.services.lifecycle import conversation_transfer
from conversations.services.threads import note_create
from helpdesk.errors import Invalid
from mailboxes.services import mailbox_user_grant
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def events() -> list[str]:
    return list(WebhookEvent.objects.order_by("created_at", "id").values_list("name", flat=True))


@pytest.fixture
def conversation(mailbox, hook):
    made = ConversationFactory(mailbox=mailbox, customer=CustomerFactory())
    WebhookEvent.objects.all().delete()
    return made


def tags_on(conversation) -> list[str]:
    tags = Tag.objects.filter(conversationtag__conversation=conversation).order_by("conversationtag__id")
    return list(tags.values_list("name", flat=True))


def test_tag_add_by_tag_or_by_name_any_case_creating_unknown_names(conversation):
    vip = tag_create(name="VIP", keep_case=True)
    assert conversation_tag_add(conversation=conversation, tag=vip) == vip
    assert conversation_tag_add(conversation=conversation, name="  vip ") == vip  # already on: nothing changes
    made = conversation_tag_add(conversation=conversation, name=" Needs   Review ", keep_case=True)
    assert made.name == "Needs Review"
    assert conversation_tag_add(conversation=conversation, name="Other").name == "other"  # FreeScout's way
    assert tags_on(conversation) == ["VIP", "Needs Review", "other"]
    assert ConversationTag.objects.count() == 3


def test_tag_remove_by_tag_or_by_name_is_idempotent(conversation):
    conversation_tags_set(conversation=conversation, names=["vip", "billing"])
    vip = Tag.objects.get(name="vip")
    assert conversation_tag_remove(conversation=conversation, tag=vip) is True
    assert conversation_tag_remove(conversation=conversation, tag=vip) is False
    assert conversation_tag_remove(conversation=conversation, name="BILLING") is True
    assert conversation_tag_remove(conversation=conversation, name="unknown") is False
    assert tags_on(conversation) == []
    assert Tag.objects.count() == 2  # the tags stay


def test_tag_delete_takes_it_off_every_conversation(conversation, mailbox):
    other = ConversationFactory(mailbox=mailbox)
    [vip] = conversation_tags_set(conversation=conversation, names=["vip"])
    conversation_tags_set(conversation=other, names=["vip", "kept"])
    tag_delete(tag=vip)
    assert list(Tag.objects.values_list("name", flat=True)) == ["kept"]
    assert tags_on(conversation) == []
    assert tags_on(other) == ["kept"]


def test_note_by_system_or_by_an_agent(conversation, admin):
    by_system = note_create(conversation=conversation, body="<p>Moved</p><script>x</script>", by_user=None)
    assert (by_system.type, by_system.state, by_system.created_by_user_id) == ("note", "published", None)
    assert by_system.body == "<p>Moved</p>"
    by_admin = note_create(conversation=conversation, body="Mine", by_user=admin)
    assert by_admin.created_by_user_id == admin.pk
    assert events() == ["convo.note.created", "convo.note.created"]
    conversation.refresh_from_db()
    assert conversation.threads_count == 1  # notes are no messages
    with pytest.raises(Invalid) as error:
        note_create(conversation=conversation, body="  ", by_user=None)
    assert list(error.value.message_dict) == ["body"]


def test_transfer_moves_then_assigns_then_notes(conversation, admin, agent):
    billing = MailboxFactory(name="Billing")
    mailbox_user_grant(mailbox=billing, user=agent)
    conversation_transfer(conversation=conversation, mailbox=billing, assignee=agent, by_user=admin, note="Yours")
    conversation.refresh_from_db()
    assert (conversation.mailbox_id, conversation.assignee_id) == (billing.pk, agent.pk)
    assert events() == ["convo.moved", "convo.assigned", "convo.note.created"]
    threads = conversation.threads.exclude(type=Thread.Type.CUSTOMER).order_by("id")
    assert [(t.type, t.action_type, t.created_by_user_id) for t in threads] == [
        ("lineitem", Thread.Action.MOVED_FROM_MAILBOX, admin.pk),
        ("lineitem", Thread.Action.CHANGED_ASSIGNEE, admin.pk),
        ("note", "", admin.pk),
    ]


def test_transfer_to_an_agent_without_access_where_it_ends_is_invalid_at_assignee(conversation, agent, mailbox):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    with pytest.raises(Invalid) as error:
        conversation_transfer(conversation=conversation, mailbox=MailboxFactory(), assignee=agent, by_user=None)
    assert list(error.value.message_dict) == ["assignee"]


def test_transfer_with_nothing_but_an_empty_note_changes_nothing(conversation):
    conversation_transfer(conversation=conversation, by_user=None, note="  ")
    assert events() == []
    assert not conversation.threads.exclude(type=Thread.Type.CUSTOMER).exists()
