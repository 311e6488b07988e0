"""What an API key may see of customers and companies (issue 15; reference §1): a regular user's key the
customers with a conversation in one of its mailboxes or with none at all, and their companies."""

import pytest

from customers.selectors import companies_visible_through_api, customers_visible_through_api
from customers.services import company_create
from helpdesk.models import User
from helpdesk.services import user_update
from mailboxes.services import mailbox_user_grant
from tests.factories import AdminFactory, ConversationFactory, CustomerFactory, MailboxFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(agent, mailbox):
    """The agent's mailbox and another; customers of each, of both, and of none."""
    mailbox_user_grant(mailbox=mailbox, user=agent)
    other = MailboxFactory()
    mine = CustomerFactory(first_name="Mine", company="Mine Inc")
    theirs = CustomerFactory(first_name="Theirs", company="Theirs Inc")
    shared = CustomerFactory(first_name="Shared")
    loose = CustomerFactory(first_name="Loose", company="Loose Inc")
    ConversationFactory(mailbox=mailbox, customer=mine)
    ConversationFactory(mailbox=other, customer=theirs)
    ConversationFactory(mailbox=other, customer=shared)
    ConversationFactory(mailbox=mailbox, customer=shared)
    return {"mine": mine, "theirs": theirs, "shared": shared, "loose": loose}


def names(queryset) -> set[str]:
    return {getattr(row, "first_name", None) or row.name for row in queryset}


def test_a_regular_key_sees_its_mailboxes_customers_and_those_of_no_mailbox(world, agent, admin):
    assert names(customers_visible_through_api(user=agent)) == {"Mine", "Shared", "Loose"}
    assert names(customers_visible_through_api(user=admin)) == {"Mine", "Theirs", "Shared", "Loose"}
    # A customer wins a conversation elsewhere: it is no longer nobody's.
    ConversationFactory(mailbox=MailboxFactory(), customer=world["loose"])
    assert names(customers_visible_through_api(user=agent)) == {"Mine", "Shared"}


def test_a_disabled_admin_sees_by_the_regular_rule(world, admin):
    admin = AdminFactory()
    user_update(user=admin, status=User.Status.DISABLED)
    assert names(customers_visible_through_api(user=admin)) == {"Loose"}


def test_a_regular_key_sees_the_companies_of_its_customers_and_those_of_nobody(world, agent, admin):
    company_create(name="Empty Ltd")
    # A company with a hidden customer and a visible one is visible through the latter.
    CustomerFactory(first_name="Colleague", company="Theirs Inc")
    assert names(companies_visible_through_api(user=agent)) == {"Mine Inc", "Loose Inc", "Empty Ltd", "Theirs Inc"}
    ConversationFactory(mailbox=MailboxFactory(), customer=CustomerFactory(company="Hidden Inc"))
    assert "Hidden Inc" not in names(companies_visible_through_api(user=agent))
    assert "Hidden Inc" in names(companies_visible_through_api(user=admin))
