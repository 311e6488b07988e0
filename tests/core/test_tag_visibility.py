"""conversations.selectors.tags_visible_to: the tags an API key may see (issue 15, reference §1). An admin's
key sees every tag; a regular user's key those used in a mailbox the user can access, and those used
nowhere; a tag used only in other mailboxes is hidden from it."""

import pytest

from conversations.selectors import tags_visible_to
from conversations.services.labels import conversation_tag_add, tag_create
from helpdesk.services import user_update
from mailboxes.services import mailbox_user_grant
from tests.factories import AdminFactory, ConversationFactory, MailboxFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tags(mailbox, agent):
    """Tags used in the agent's mailbox, only in another, in both, and nowhere."""
    mailbox_user_grant(mailbox=mailbox, user=agent)
    mine, theirs = ConversationFactory(mailbox=mailbox), ConversationFactory(mailbox=MailboxFactory())
    made = {name: tag_create(name=name) for name in ("ours", "elsewhere", "both", "unused")}
    conversation_tag_add(conversation=mine, tag=made["ours"])
    conversation_tag_add(conversation=theirs, tag=made["elsewhere"])
    conversation_tag_add(conversation=mine, tag=made["both"])
    conversation_tag_add(conversation=theirs, tag=made["both"])
    return made


def names(user) -> list[str]:
    return sorted(tags_visible_to(user=user).values_list("name", flat=True))


def test_an_admin_sees_every_tag(tags, admin):
    assert names(admin) == ["both", "elsewhere", "ours", "unused"]


def test_a_regular_user_sees_the_tags_of_its_mailboxes_and_unused_ones(tags, agent):
    assert names(agent) == ["both", "ours", "unused"]
    # Each tag once, although "both" is used in two mailboxes.
    assert tags_visible_to(user=agent).count() == 3


def test_a_user_without_mailboxes_sees_only_unused_tags(tags):
    assert names(UserFactory()) == ["unused"]


def test_a_tag_becomes_visible_once_used_in_the_users_mailbox(tags, agent, mailbox):
    conversation_tag_add(conversation=ConversationFactory(mailbox=mailbox), tag=tags["elsewhere"])
    assert names(agent) == ["both", "elsewhere", "ours", "unused"]


def test_a_disabled_user_sees_only_unused_tags_whatever_its_role(tags, admin, agent):
    """A disabled user's key is refused before any selector runs; the selector is safe on its own."""
    for user in (AdminFactory(), agent):  # ``admin`` stays the active one
        user_update(user=user, status=user.Status.DISABLED)
        user.refresh_from_db()
        assert names(user) == ["unused"]
