"""What every agent UI page reads around its content: the folder sidebar and the bell, each held to the
ORM reads it replaced."""

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from conversations.models import Conversation
from helpdesk.models import Notification, User
from helpdesk.notification_services import notification_create
from helpdesk.selectors import BELL_SIZE, notifications_for_bell
from mailboxes.models import Folder, Mailbox
from mailboxes.selectors import folder_counts, folder_navigation, mailboxes_accessible_by
from mailboxes.services import mailbox_user_grant
from tests.factories import ConversationFactory, MailboxFactory, UserFactory


def navigation_by_the_orm(user: User) -> list:
    """The sidebar as it was read before: mailboxes, then their folders, by the ORM."""
    mailboxes = list(mailboxes_accessible_by(user=user).order_by("name", "id"))
    folders = list(
        Folder.objects.filter(mailbox__in=mailboxes)
        .filter(Q(user__isnull=True) | Q(user=user))
        .order_by("mailbox_id", "type", "id")
    )
    counts = folder_counts(folders=folders)
    order = {Folder.Type.MINE: 0, Folder.Type.UNASSIGNED: 1}
    by_mailbox: dict[int, list] = {mailbox.pk: [] for mailbox in mailboxes}
    for folder in sorted(folders, key=lambda f: (order.get(f.type, 2), f.type)):
        by_mailbox[folder.mailbox_id].append((folder, *counts[folder.pk]))
    return [(mailbox, by_mailbox[mailbox.pk]) for mailbox in mailboxes]


def plain(navigation: list) -> list:
    return [
        (
            {field.attname: getattr(mailbox, field.attname) for field in Mailbox._meta.concrete_fields},
            [
                ({f.attname: getattr(folder, f.attname) for f in Folder._meta.concrete_fields}, *n)
                for folder, *n in folders
            ],
        )
        for mailbox, folders in navigation
    ]


@pytest.mark.django_db
def test_the_sidebar_read_in_one_statement_equals_the_orm_reads(admin, agent, mailbox, django_assert_max_num_queries):
    billing = MailboxFactory(name="Billing")
    MailboxFactory(name="Archive")  # no access for the agent
    empty = MailboxFactory(name="Empty")
    Folder.objects.filter(mailbox=empty).delete()  # still listed, with no folders
    mailbox_user_grant(mailbox=mailbox, user=agent)
    mailbox_user_grant(mailbox=billing, user=agent)
    colleague = UserFactory(email="colleague@example.com")
    mailbox_user_grant(mailbox=billing, user=colleague)
    ConversationFactory(mailbox=mailbox, assignee=agent)
    ConversationFactory(mailbox=billing, assignee=colleague, status=Conversation.Status.PENDING)
    inactive = UserFactory(email="gone@example.com")
    User.objects.filter(pk=inactive.pk).update(status=User.Status.DISABLED)
    inactive.refresh_from_db()
    for user in (admin, agent, colleague, inactive):
        expected = plain(navigation_by_the_orm(user))
        # The mailboxes and folders in one statement, the tally's sums and the stars (counted without a tally).
        with django_assert_max_num_queries(3 if connection.vendor == "postgresql" else 1 + 3 * 4):
            navigation = folder_navigation(user=user)
        assert plain(navigation) == expected
        for box, folders in navigation:
            assert all(folder.mailbox is box for folder, *_ in folders)
    assert [box.name for box, _ in folder_navigation(user=admin)][:2] == ["Archive", "Billing"]
    assert [box for box, _ in folder_navigation(user=agent)] == [billing, mailbox]
    assert folder_navigation(user=inactive) == []


@pytest.mark.django_db
def test_the_bell_reads_its_count_with_its_list(admin, agent, mailbox, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert notifications_for_bell(user=agent) == (0, [])
    conversation = ConversationFactory(mailbox=mailbox)
    for index in range(BELL_SIZE + 3):
        notification_create(user=agent, conversation=conversation, kind="assigned", text=f"notice {index}")
    notification_create(user=admin, conversation=conversation, kind="assigned", text="the admin's")
    Notification.objects.filter(user=agent, text__in=["notice 0", "notice 9", "notice 10"]).update(
        read_at=timezone.now()
    )
    for user in (agent, admin):
        with django_assert_num_queries(1):
            unread, recent = notifications_for_bell(user=user)
        assert unread == Notification.objects.filter(user=user, read_at__isnull=True).count()
        assert recent == list(Notification.objects.filter(user=user).order_by("-created_at", "-id")[:BELL_SIZE])
    Notification.objects.filter(user=agent).update(read_at=timezone.now())
    unread, recent = notifications_for_bell(user=agent)
    assert unread == 0 and len(recent) == BELL_SIZE
