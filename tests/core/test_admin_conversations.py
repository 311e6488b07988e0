"""The agent UI's conversation list: folders with counts, search, filters, sorting and bulk actions,
every change through the conversation services (line items, folders and webhook events follow)."""

import os

from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Attachment, Conversation, ConversationStar, Thread
from conversations.services import (
    NewAttachment,
    NewThread,
    conversation_assign,
    conversation_change_status,
    conversation_delete,
    conversation_star,
    conversation_tags_set,
)
from mailboxes.models import Folder
from mailboxes.services import mailbox_user_grant
from tests.admin_helpers import admin_url, messages_text
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory, UserFactory
from webhooks.models import WebhookEvent

CHANGELIST = admin_url(Conversation, "changelist")


def folder(mailbox, folder_type, user=None) -> Folder:
    return Folder.objects.get(mailbox=mailbox, type=folder_type, user=user)


def listed(response) -> list[int]:
    return [conversation.pk for conversation in response.context["cl"].result_list]


def run_action(client, action, conversations, query: str = "", **extra):
    return client.post(
        f"{CHANGELIST}{query}",
        {"action": action, "_selected_action": [c.pk for c in conversations], **extra},
    )


# The list


def test_sidebar_lists_the_agents_mailboxes_and_folders_with_counts(agent_client, agent, mailbox):
    ConversationFactory(mailbox=mailbox)
    mine = ConversationFactory(mailbox=mailbox)
    conversation_assign(conversation=mine, assignee=agent, by_user=agent)
    MailboxFactory(name="Secret sales")

    content = agent_client.get(CHANGELIST).content.decode()
    assert "Support" in content
    assert "Secret sales" not in content
    unassigned = folder(mailbox, Folder.Type.UNASSIGNED)
    mine_folder = folder(mailbox, Folder.Type.MINE, agent)
    assert f'?folder={unassigned.pk}" data-folder-type="1"' in content
    assert f'?folder={mine_folder.pk}" data-folder-type="20"' in content
    navigation = agent_client.get(CHANGELIST).context["navigation"]
    [(listed_mailbox, folders)] = navigation
    counts = {f.type: (total, active) for f, total, active in folders}
    assert listed_mailbox == mailbox
    assert counts[Folder.Type.UNASSIGNED] == (1, 1)
    assert counts[Folder.Type.MINE] == (1, 1)
    assert counts[Folder.Type.ASSIGNED] == (1, 1)
    assert counts[Folder.Type.CLOSED] == (0, 0)
    # Mine comes first, then Unassigned, as in FreeScout.
    assert [f.type for f, _, _ in folders][:2] == [Folder.Type.MINE, Folder.Type.UNASSIGNED]


def test_the_dashboard_shows_agents_their_folders(agent_client, mailbox):
    response = agent_client.get("/admin/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Your mailboxes" in content
    assert f"?folder={folder(mailbox, Folder.Type.UNASSIGNED).pk}" in content


def test_folders_list_their_conversations(agent_client, agent, mailbox):
    unassigned = ConversationFactory(mailbox=mailbox)
    mine = ConversationFactory(mailbox=mailbox)
    conversation_assign(conversation=mine, assignee=agent, by_user=agent)
    closed = ConversationFactory(mailbox=mailbox)
    conversation_change_status(conversation=closed, status="closed", by_user=agent)
    starred = ConversationFactory(mailbox=mailbox)
    conversation_star(conversation=starred, user=agent)
    deleted = ConversationFactory(mailbox=mailbox)
    conversation_delete(conversation=deleted, by_user=agent)

    def in_folder(folder_type, user=None):
        response = agent_client.get(CHANGELIST, {"folder": folder(mailbox, folder_type, user).pk})
        assert response.status_code == 200
        return set(listed(response))

    assert in_folder(Folder.Type.UNASSIGNED) == {unassigned.pk, starred.pk}
    assert in_folder(Folder.Type.MINE, agent) == {mine.pk}
    assert in_folder(Folder.Type.ASSIGNED) == {mine.pk}
    assert in_folder(Folder.Type.CLOSED) == {closed.pk}
    assert in_folder(Folder.Type.STARRED, agent) == {starred.pk}
    assert in_folder(Folder.Type.DELETED) == {deleted.pk}


def test_list_shows_the_queue_columns(agent_client, agent, mailbox):
    customer = CustomerFactory(first_name="Carla", last_name="Customer")
    conversation = ConversationFactory(
        mailbox=mailbox,
        customer=customer,
        subject="Printer on fire",
        threads=[NewThread(type=Thread.Type.CUSTOMER, body="<p>Smoke everywhere</p>")],
    )
    conversation_assign(conversation=conversation, assignee=agent, by_user=agent)
    conversation_tags_set(conversation=conversation, names=["urgent"])

    content = agent_client.get(CHANGELIST).content.decode()
    for text in ("Printer on fire", "Smoke everywhere", "Carla Customer", "Active", "Alan Agent", "urgent", "Just now"):
        assert text in content, text


def test_search_finds_subject_customer_and_body(agent_client, mailbox):
    by_subject = ConversationFactory(mailbox=mailbox, subject="Invoice missing")
    by_customer = ConversationFactory(mailbox=mailbox, customer=CustomerFactory(first_name="Zebulon"))
    by_body = ConversationFactory(
        mailbox=mailbox, threads=[NewThread(type=Thread.Type.CUSTOMER, body="The flux capacitor broke")]
    )
    for term, expected in (("invoice", by_subject), ("zebulon", by_customer), ("capacitor", by_body)):
        assert listed(agent_client.get(CHANGELIST, {"q": term})) == [expected.pk], term


def test_sorting_and_filters(agent_client, agent, mailbox):
    older = ConversationFactory(mailbox=mailbox, subject="B older")
    newer = ConversationFactory(mailbox=mailbox, subject="A newer")
    conversation_change_status(conversation=newer, status="pending", by_user=agent)
    # Column 2 is the subject (1 is the number).
    assert listed(agent_client.get(CHANGELIST, {"o": "2"})) == [newer.pk, older.pk]
    assert listed(agent_client.get(CHANGELIST, {"status__exact": "pending"})) == [newer.pk]
    waiting = agent_client.get(CHANGELIST, {"o": "-7"})
    assert waiting.status_code == 200
    assert set(listed(waiting)) == {older.pk, newer.pk}


def test_the_list_costs_the_same_queries_for_more_rows(agent_client, agent, mailbox):
    def make():
        conversation = ConversationFactory(mailbox=mailbox)
        conversation_assign(conversation=conversation, assignee=agent, by_user=agent)
        conversation_tags_set(conversation=conversation, names=["a", "b"])

    make()
    with CaptureQueriesContext(connection) as one:
        agent_client.get(CHANGELIST)
    for _ in range(4):
        make()
    with CaptureQueriesContext(connection) as five:
        agent_client.get(CHANGELIST)
    assert len(five) == len(one)


# Bulk actions


def test_bulk_assign_status_tags_and_move(agent_client, agent, mailbox, hook):
    other = MailboxFactory(name="Billing")
    mailbox_user_grant(mailbox=other, user=agent)
    first, second = ConversationFactory(mailbox=mailbox), ConversationFactory(mailbox=mailbox)
    WebhookEvent.objects.all().delete()

    assert run_action(agent_client, "assign", [first, second], assignee=agent.pk).status_code == 302
    assert run_action(agent_client, "change_status", [first], status="pending").status_code == 302
    assert run_action(agent_client, "add_tags", [first, second], tags="vip, Refund ").status_code == 302
    assert run_action(agent_client, "move", [second], mailbox=other.pk).status_code == 302

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.assignee, first.status, first.folder.type) == (agent, "pending", Folder.Type.ASSIGNED)
    assert sorted(t.name for t in first.tags.all()) == ["refund", "vip"]
    assert (second.mailbox, second.folder.mailbox, second.assignee) == (other, other, agent)
    assert first.threads.filter(action_type=Thread.Action.CHANGED_ASSIGNEE, created_by_user=agent).exists()
    assert first.threads.filter(action_type=Thread.Action.CHANGED_STATUS, created_by_user=agent).exists()
    assert second.threads.filter(action_type=Thread.Action.MOVED_FROM_MAILBOX).exists()
    events = sorted(WebhookEvent.objects.values_list("name", flat=True))
    assert events == sorted(["convo.assigned", "convo.assigned", "convo.status", "convo.moved"])

    assert run_action(agent_client, "assign", [first], assignee="none").status_code == 302
    first.refresh_from_db()
    assert (first.assignee, first.folder.type) == (None, Folder.Type.UNASSIGNED)


def test_bulk_actions_offer_and_accept_only_what_the_agent_may_choose(agent_client, mailbox):
    stranger = UserFactory()  # no access to any of the agent's mailboxes
    foreign = MailboxFactory()
    conversation = ConversationFactory(mailbox=mailbox)

    form = agent_client.get(CHANGELIST).context["action_form"]
    assert str(stranger.pk) not in {value for value, _ in form.fields["assignee"].widget.choices}
    assert str(foreign.pk) not in {value for value, _ in form.fields["mailbox"].widget.choices}

    response = run_action(agent_client, "assign", [conversation], assignee=stranger.pk)
    assert "No such user" in messages_text(response)
    response = run_action(agent_client, "move", [conversation], mailbox=foreign.pk)
    assert "No such mailbox" in messages_text(response)
    response = run_action(agent_client, "change_status", [conversation], status="")
    assert "Choose a status" in messages_text(response)
    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.status, conversation.mailbox) == (None, "active", mailbox)


def test_assigning_someone_without_access_to_that_mailbox_is_reported(agent_client, agent, mailbox):
    other = MailboxFactory()
    mailbox_user_grant(mailbox=other, user=agent)
    colleague = UserFactory(email="colleague@example.com")
    mailbox_user_grant(mailbox=other, user=colleague)
    conversation = ConversationFactory(mailbox=mailbox)
    response = run_action(agent_client, "assign", [conversation], assignee=colleague.pk)
    assert f"#{conversation.number}: colleague@example.com has no access" in messages_text(response)
    conversation.refresh_from_db()
    assert conversation.assignee is None


def test_move_to_deleted_then_restore_from_the_deleted_folder(agent_client, agent, mailbox, hook):
    conversation = ConversationFactory(mailbox=mailbox)
    actions = agent_client.get(CHANGELIST).context["action_form"].fields["action"].choices
    names = [name for name, _ in actions]
    assert "move_to_deleted" in names
    assert "restore" not in names
    assert "delete_selected" not in names

    assert run_action(agent_client, "move_to_deleted", [conversation]).status_code == 302
    conversation.refresh_from_db()
    assert (conversation.state, conversation.folder.type) == ("deleted", Folder.Type.DELETED)

    deleted = f"?folder={folder(mailbox, Folder.Type.DELETED).pk}"
    names = [name for name, _ in agent_client.get(CHANGELIST + deleted).context["action_form"].fields["action"].choices]
    assert "restore" in names
    assert "delete_selected" not in names  # deleting forever is for admins

    assert run_action(agent_client, "restore", [conversation], deleted).status_code == 302
    conversation.refresh_from_db()
    assert (conversation.state, conversation.folder.type) == ("published", Folder.Type.UNASSIGNED)
    events = list(WebhookEvent.objects.filter(name__startswith="convo.").values_list("name", flat=True))
    assert sorted(events) == ["convo.created", "convo.deleted", "convo.restored"]


def test_admins_delete_forever_from_the_deleted_folder(
    admin_client, admin, media_root, django_capture_on_commit_callbacks
):
    conversation = ConversationFactory(
        threads=[
            NewThread(
                type=Thread.Type.CUSTOMER, body="Hi", attachments=[NewAttachment(file_name="a.txt", content=b"a")]
            )
        ]
    )
    stored = Attachment.objects.get().file.path
    conversation_delete(conversation=conversation, by_user=admin)
    deleted = f"?folder={folder(conversation.mailbox, Folder.Type.DELETED).pk}"

    confirm = run_action(admin_client, "delete_selected", [conversation], deleted)
    assert confirm.status_code == 200  # the confirmation page
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(admin_client, "delete_selected", [conversation], deleted, post="yes")
    assert response.status_code == 302
    assert not Conversation.objects.exists()
    assert not Thread.objects.exists()
    assert not os.path.exists(stored)


def test_admins_delete_one_conversation_forever_from_its_delete_page(admin_client):
    conversation = ConversationFactory()
    url = admin_url(Conversation, "delete", conversation.pk)
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Conversation.objects.exists()


def test_starred_folder_follows_the_agents_stars(agent_client, agent, mailbox):
    conversation = ConversationFactory(mailbox=mailbox)
    ConversationStar.objects.create(conversation=conversation, user=UserFactory())  # someone else's star
    starred = folder(mailbox, Folder.Type.STARRED, agent)
    assert listed(agent_client.get(CHANGELIST, {"folder": starred.pk})) == []
