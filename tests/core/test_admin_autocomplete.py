"""The admin's autocomplete endpoint answers admins only (issue 20, item 7; helpdesk/admin_site.py). Django
answers it for any relation to a model the user may view, so agents (who view conversations, customers and
knowledge-base entries) could list their mailboxes' customers by name though no agent screen offers a picker;
the README says autocomplete is never offered to agents, and now it is not."""

import pytest
from django.urls import reverse

from mailboxes.services import mailbox_user_grant
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory

# (app_label, model_name, field_name): relations to the models agents may view.
AGENT_VIEWABLE = [
    ("conversations", "conversation", "customer"),
    ("customers", "customeremail", "customer"),
    ("conversations", "thread", "conversation"),
    ("conversations", "conversationtag", "conversation"),
    ("knowledgebase", "entry", "parent"),
]


@pytest.fixture
def mine(agent, mailbox):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    customer = CustomerFactory(first_name="Ownperson")
    ConversationFactory(mailbox=mailbox, customer=customer, subject="Own words")
    ConversationFactory(mailbox=MailboxFactory(), customer=CustomerFactory(first_name="Otherperson"))
    return customer


def autocomplete(client, app_label: str, model_name: str, field_name: str, term: str = ""):
    params = {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term}
    return client.get(reverse("admin:autocomplete"), params)


@pytest.mark.parametrize(("app_label", "model_name", "field_name"), AGENT_VIEWABLE)
def test_agents_get_no_autocomplete(client, agent, mine, app_label, model_name, field_name):
    client.force_login(agent)
    response = autocomplete(client, app_label, model_name, field_name)
    assert response.status_code == 403
    assert b"person" not in response.content and b"Own words" not in response.content
    # What the agent's own screens show is untouched: the customer list still finds their own customer.
    listed = client.get(reverse("admin:customers_customer_changelist"), {"q": "Ownperson"})
    assert listed.status_code == 200 and b"Ownperson" in listed.content


def test_admins_still_get_autocomplete(admin_client, mine):
    response = autocomplete(admin_client, "conversations", "conversation", "customer", "person")
    assert response.status_code == 200
    assert {row["text"].split()[0] for row in response.json()["results"]} == {"Ownperson", "Otherperson"}


def test_anonymous_visitors_are_sent_to_the_login_page(client, mine):
    response = autocomplete(client, "conversations", "conversation", "customer")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
