import pytest
from django.test import Client

from helpdesk.services import api_key_create
from mailboxes.services import mailbox_user_grant


@pytest.fixture
def la(db) -> Client:
    """A plain client: LiveAgent keys travel as parameters, so none is set up front."""
    return Client()


@pytest.fixture
def keys(admin, agent, mailbox) -> tuple[str, str]:
    """The admin's key and the agent's, who has access to ``mailbox`` only."""
    mailbox_user_grant(mailbox=mailbox, user=agent)
    return api_key_create(user=admin)[1], api_key_create(user=agent)[1]
