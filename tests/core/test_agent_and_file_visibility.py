"""What a regular user's API key may look up beyond its conversations: the users it shares a mailbox with
(``users_sharing_a_mailbox_with``, the LiveAgent API's agents) and the files it may see
(``attachment_visible_to``: those of its conversations, and those it uploaded and nothing took yet)."""

import pytest

from conversations.models import Thread
from conversations.selectors import attachment_visible_to
from conversations.services import NewAttachment, NewThread, attachment_create, thread_create
from helpdesk.models import User
from helpdesk.services import user_delete, user_update
from mailboxes.selectors import users_sharing_a_mailbox_with
from mailboxes.services import mailbox_user_grant
from tests.factories import AdminFactory, ConversationFactory, MailboxFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_regular_user_sees_itself_admins_and_users_of_its_mailboxes(admin, agent, mailbox):
    colleague, stranger = UserFactory(), UserFactory()
    mailbox_user_grant(mailbox=mailbox, user=colleague)
    mailbox_user_grant(mailbox=MailboxFactory(), user=stranger)
    # Without a mailbox it shares nothing, not even the admins' access to all.
    assert list(users_sharing_a_mailbox_with(user=agent)) == [agent]
    mailbox_user_grant(mailbox=mailbox, user=agent)
    assert set(users_sharing_a_mailbox_with(user=agent)) == {admin, agent, colleague}
    assert set(users_sharing_a_mailbox_with(user=admin)) == {admin, agent, colleague, stranger}


def test_deleted_users_are_seen_by_nobody(admin, agent, mailbox):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    gone = AdminFactory()
    user_delete(user=gone, by_user=admin, reassign={})
    disabled = UserFactory()
    mailbox_user_grant(mailbox=mailbox, user=disabled)
    user_update(user=disabled, status=User.Status.DISABLED)
    assert gone not in users_sharing_a_mailbox_with(user=admin)
    assert gone not in users_sharing_a_mailbox_with(user=agent)
    assert disabled in users_sharing_a_mailbox_with(user=agent)


def _file(name: str = "a.txt", *, uploaded_by: User | None = None):
    attachment = attachment_create(attachment=NewAttachment(file_name=name, content=b"x", mime_type="text/plain"))
    if uploaded_by is not None:
        attachment.uploaded_by = uploaded_by
        attachment.save(update_fields=["uploaded_by"])
    return attachment


def test_files_of_visible_conversations_and_own_uploads(admin, agent, mailbox, media_root):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    mine, theirs, nobodys = _file(uploaded_by=agent), _file(uploaded_by=admin), _file()
    shown = _file(uploaded_by=admin)
    thread_create(
        conversation=ConversationFactory(mailbox=mailbox),
        thread=NewThread(type=Thread.Type.NOTE, body="x", user=admin, attachment_tokens=[shown.token]),
    )
    hidden = _file(uploaded_by=agent)
    thread_create(
        conversation=ConversationFactory(mailbox=MailboxFactory()),
        thread=NewThread(type=Thread.Type.NOTE, body="x", user=admin, attachment_tokens=[hidden.token]),
    )
    assert attachment_visible_to(user=agent, token=mine.token.upper()) == mine
    assert attachment_visible_to(user=agent, token=shown.token) == shown
    for refused in (theirs, nobodys, hidden):
        assert attachment_visible_to(user=agent, token=refused.token) is None
    for attachment in (mine, theirs, nobodys, shown, hidden):
        assert attachment_visible_to(user=admin, token=attachment.token) == attachment
    assert attachment_visible_to(user=admin, token="0" * 32) is None
