"""Folder placement and counters (freescout-behaviour.md §5)."""

import itertools

import pytest

from conversations import services
from conversations.models import Conversation, Thread
from mailboxes.models import Folder
from mailboxes.selectors import folder_counts
from mailboxes.services import mailbox_user_grant, mailbox_user_revoke
from tests.factories import AdminFactory, ConversationFactory, MailboxFactory, UserFactory

pytestmark = pytest.mark.django_db

STATUSES = ["active", "pending", "closed", "spam"]
STATES = ["draft", "published", "deleted"]


def expected_folder(state: str, status: str, assigned: bool) -> int:
    # The rule written out as a table, independently of the code under test.
    return (
        {
            "draft": Folder.Type.DRAFTS,
            "deleted": Folder.Type.DELETED,
        }.get(state)
        or {
            "spam": Folder.Type.SPAM,
            "closed": Folder.Type.CLOSED,
        }.get(status)
        or (Folder.Type.ASSIGNED if assigned else Folder.Type.UNASSIGNED)
    )


@pytest.mark.parametrize(("state", "status", "assigned"), list(itertools.product(STATES, STATUSES, [False, True])))
def test_every_combination_lands_in_its_folder(state, status, assigned, agent, mailbox):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    conversation = ConversationFactory(
        mailbox=mailbox,
        status=status,
        state="draft" if state == "draft" else "published",
        assignee=agent if assigned else None,
    )
    if state == "deleted":
        services.conversation_delete(conversation=conversation, by_user=agent)
    conversation.refresh_from_db()
    assert conversation.folder.mailbox_id == mailbox.pk
    assert conversation.folder.user_id is None
    assert conversation.folder.type == expected_folder(state, status, assigned)


def test_changes_move_the_conversation_between_folders(agent, admin, mailbox):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    conversation = ConversationFactory(mailbox=mailbox)

    def folder() -> int:
        conversation.refresh_from_db()
        return conversation.folder.type

    assert folder() == Folder.Type.UNASSIGNED
    services.conversation_assign(conversation=conversation, assignee=agent, by_user=admin)
    assert folder() == Folder.Type.ASSIGNED
    services.conversation_change_status(conversation=conversation, status="closed", by_user=admin)
    assert folder() == Folder.Type.CLOSED
    services.thread_create(
        conversation=conversation, thread=services.NewThread(type=Thread.Type.CUSTOMER, body="Still broken")
    )
    assert folder() == Folder.Type.ASSIGNED  # a customer reply reopens it
    services.conversation_change_status(conversation=conversation, status="spam", by_user=admin)
    assert folder() == Folder.Type.SPAM
    services.conversation_delete(conversation=conversation, by_user=admin)
    assert folder() == Folder.Type.DELETED
    services.conversation_restore(conversation=conversation, by_user=admin)
    assert folder() == Folder.Type.SPAM
    other = MailboxFactory()
    services.conversation_move(conversation=conversation, mailbox=other, by_user=admin)
    conversation.refresh_from_db()
    assert conversation.folder.mailbox_id == other.pk
    assert conversation.assignee is None  # the agent has no access to the other mailbox


def test_mailbox_and_personal_folders_are_created_with_mailboxes_access_and_admins():
    admin = AdminFactory()
    mailbox = MailboxFactory()
    agent = UserFactory()
    types = lambda user=None: sorted(Folder.objects.filter(mailbox=mailbox, user=user).values_list("type", flat=True))  # noqa: E731
    assert types() == [1, 30, 40, 60, 80, 110]
    assert types(admin) == [20, 25]
    assert types(agent) == []
    mailbox_user_grant(mailbox=mailbox, user=agent)
    mailbox_user_grant(mailbox=mailbox, user=agent)
    assert types(agent) == [20, 25]
    late_admin = AdminFactory()
    assert types(late_admin) == [20, 25]
    mailbox_user_revoke(mailbox=mailbox, user=agent)
    assert types(agent) == []


def counts(mailbox, user=None) -> dict[str, tuple[int, int]]:
    folders = list(Folder.objects.filter(mailbox=mailbox))
    result = folder_counts(folders=folders)
    return {
        f"{folder.name}{'' if folder.user_id is None else ':' + str(folder.user_id)}": result[folder.pk]
        for folder in folders
        if folder.user_id in (None, getattr(user, "pk", None))
    }


def test_counters_follow_every_change(agent, admin, mailbox, django_assert_max_num_queries):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    mine, starred = f"Mine:{agent.pk}", f"Starred:{agent.pk}"
    assert set(counts(mailbox, agent).values()) == {(0, 0)}

    first = ConversationFactory(mailbox=mailbox)
    second = ConversationFactory(mailbox=mailbox, assignee=agent)
    ConversationFactory(mailbox=mailbox, state="draft")
    ConversationFactory(mailbox=MailboxFactory())  # elsewhere: counts nowhere here
    now = counts(mailbox, agent)
    assert now["Unassigned"] == (1, 1)
    assert now["Assigned"] == (1, 1)
    assert now[mine] == (1, 1)
    assert now["Drafts"] == (1, 1)

    services.thread_create(
        conversation=second, thread=services.NewThread(type=Thread.Type.MESSAGE, body="On it", user=agent)
    )
    now = counts(mailbox, agent)
    assert now["Assigned"] == (1, 0)  # pending now: still in the folder, no longer active
    assert now[mine] == (1, 0)

    services.conversation_star(conversation=first, user=agent)
    assert counts(mailbox, agent)[starred] == (1, 1)
    services.conversation_star(conversation=first, user=agent, starred=False)
    assert counts(mailbox, agent)[starred] == (0, 0)

    services.conversation_change_status(conversation=first, status="closed", by_user=agent)
    services.conversation_change_status(conversation=second, status="spam", by_user=agent)
    now = counts(mailbox, agent)
    assert now["Unassigned"] == (0, 0)
    assert now["Closed"] == (1, 0)
    assert now["Spam"] == (1, 0)
    assert now[mine] == (1, 0)

    services.conversation_delete(conversation=first, by_user=agent)
    now = counts(mailbox, agent)
    assert now["Closed"] == (0, 0)
    assert now["Deleted"] == (1, 1)

    services.conversation_delete_forever(conversation=first)
    assert counts(mailbox, agent)["Deleted"] == (0, 0)

    services.conversation_move(conversation=second, mailbox=MailboxFactory(), by_user=admin)
    now = counts(mailbox, agent)
    assert now["Spam"] == (0, 0)
    assert now[mine] == (0, 0)

    folders = list(Folder.objects.all())
    with django_assert_max_num_queries(3 * len({f.mailbox_id for f in folders})):
        folder_counts(folders=folders)


def test_conversation_folder_always_belongs_to_its_mailbox(admin):
    conversations = [ConversationFactory(status=status) for status in STATUSES]
    for conversation in Conversation.objects.filter(pk__in=[c.pk for c in conversations]).select_related("folder"):
        assert conversation.folder.mailbox_id == conversation.mailbox_id
