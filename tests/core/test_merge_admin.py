"""The agent UI's Merge and Change customer (issue 19, item 6; conversations/admin/merge.py): the pick and
confirm steps, who may merge what (an agent without access to one of the two is refused, and learns nothing
of it), the absorbed conversation's page leading to the survivor, and the customer picked or created."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from conversations import services
from conversations.models import Conversation, Thread
from customers.models import Customer
from mailboxes.models import Folder
from mailboxes.services import mailbox_user_grant
from tests.admin_helpers import admin_url
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(agent_client, mailbox, agent):
    cy = CustomerFactory(first_name="Cy", last_name="Customer", emails=[("cy@example.org", "work")])
    this = ConversationFactory(mailbox=mailbox, customer=cy, subject="Printer smokes")
    older = ConversationFactory(mailbox=mailbox, customer=cy, subject="Printer still smokes")
    elsewhere = ConversationFactory(mailbox=MailboxFactory(name="Sales"), customer=cy, subject="Invoice")
    return {"client": agent_client, "cy": cy, "this": this, "older": older, "elsewhere": elsewhere, "agent": agent}


def merge_url(conversation: Conversation) -> str:
    return admin_url(Conversation, "merge", conversation.pk)


def shown_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_merge_by_number_confirms_both_subjects_then_merges(desk):
    client, this, older = desk["client"], desk["this"], desk["older"]
    page = client.get(admin_url(Conversation, "change", this.pk))
    assert merge_url(this) in page.content.decode()
    pick = client.get(merge_url(this))
    assert pick.status_code == 200
    # Only the customer's conversations of this mailbox are offered; the other mailbox's is not.
    assert [label for _, label in pick.context["form"].fields["other"].choices] == [
        f"#{older.number} Printer still smokes"
    ]
    confirm = client.post(merge_url(this), {"step": "pick", "number": older.number})
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "Printer smokes" in text and "Printer still smokes" in text
    done = client.post(merge_url(this), {"step": "confirm", "other": older.pk, "keep": "this"})
    assert done.status_code == 302
    assert done["Location"] == admin_url(Conversation, "change", this.pk)
    assert shown_messages(done) == [f"Merged #{older.number} into #{this.number}."]
    older.refresh_from_db()
    assert (older.merged_into_id, older.state) == (this.pk, "deleted")
    assert this.threads.filter(type=Thread.Type.CUSTOMER).count() == 2


def test_picking_a_recent_conversation_and_keeping_the_other_one(desk):
    client, this, older = desk["client"], desk["this"], desk["older"]
    confirm = client.post(merge_url(this), {"step": "pick", "other": older.pk})
    assert confirm.context["other"] == older
    done = client.post(merge_url(this), {"step": "confirm", "other": older.pk, "keep": "other"})
    assert done["Location"] == admin_url(Conversation, "change", older.pk)
    assert Conversation.objects.get(pk=this.pk).merged_into_id == older.pk


@pytest.mark.parametrize("number", ["elsewhere", "unknown", "itself", ""])
def test_a_number_the_agent_cannot_merge_with_is_refused_on_the_form(desk, number):
    client, this = desk["client"], desk["this"]
    value = {"elsewhere": desk["elsewhere"].number, "unknown": 999_999, "itself": this.number, "": ""}[number]
    response = client.post(merge_url(this), {"step": "pick", "number": value})
    assert response.status_code == 400
    errors = response.context["form"].errors
    # Another mailbox's conversation is answered as one that does not exist.
    assert errors == (
        {"__all__": ["Enter a conversation number or choose a conversation."]}
        if number == ""
        else {"number": [f"No conversation #{value} to merge with."]}
    )
    assert not Conversation.objects.filter(merged_into__isnull=False).exists()


def test_an_agent_without_access_to_one_of_the_two_is_refused(desk, mailbox):
    client, this, elsewhere = desk["client"], desk["this"], desk["elsewhere"]
    # Confirming with the other mailbox's conversation (forged): 404, nothing merged.
    response = client.post(merge_url(this), {"step": "confirm", "other": elsewhere.pk, "keep": "this"})
    assert response.status_code == 404
    # Its own pages: 404 as for any conversation of another mailbox.
    for url in (
        merge_url(elsewhere),
        merge_url(elsewhere) + "?other=x",
        admin_url(Conversation, "customer", elsewhere.pk),
        admin_url(Conversation, "customer_suggestions", elsewhere.pk) + "?q=cy",
    ):
        assert client.get(url).status_code == 404
    assert not Conversation.objects.filter(merged_into__isnull=False).exists()
    # Both in one mailbox yet of another mailbox than the conversations of the service's check: the agent who
    # sees both merges them; an admin sees every mailbox.
    mailbox_user_grant(mailbox=elsewhere.mailbox, user=desk["agent"])
    response = client.post(merge_url(this), {"step": "confirm", "other": elsewhere.pk, "keep": "this"})
    assert response.status_code == 400
    assert "is in another mailbox" in response.content.decode()
    assert not Conversation.objects.filter(merged_into__isnull=False).exists()


def test_signed_out_visitors_are_sent_to_sign_in(desk):
    response = Client().get(merge_url(desk["this"]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_absorbed_conversation_leads_to_the_survivor_and_shows_only_in_deleted(desk, mailbox, admin):
    client, this, older = desk["client"], desk["this"], desk["older"]
    services.conversation_merge(survivor=this, absorbed=older, by_user=admin)
    for url in (admin_url(Conversation, "change", older.pk), merge_url(older)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == admin_url(Conversation, "change", this.pk)
        page = client.get(response["Location"])  # shows (and so clears) the message
        text = page.content.decode()
        assert f"#{older.number} was merged into #{this.number}." in text
        assert f"Ada Admin merged #{older.number} into this conversation" in text

    def listed(folder_type: int) -> list[int]:
        folder = Folder.objects.get(mailbox=mailbox, type=folder_type)
        response = client.get(admin_url(Conversation, "changelist") + f"?folder={folder.pk}")
        return [row.pk for row in response.context["cl"].result_list]

    assert listed(Folder.Type.UNASSIGNED) == [this.pk]
    assert listed(Folder.Type.DELETED) == [older.pk]
    folder = Folder.objects.get(mailbox=mailbox, type=Folder.Type.DELETED)
    assert (
        "Merged</span>" in client.get(admin_url(Conversation, "changelist") + f"?folder={folder.pk}").content.decode()
    )


def test_change_customer_creates_by_email_or_finds_the_known_one(desk):
    client, this = desk["client"], desk["this"]
    url = admin_url(Conversation, "customer", this.pk)
    assert url in client.get(admin_url(Conversation, "change", this.pk)).content.decode()
    assert client.get(url).status_code == 200
    response = client.post(url, {"email": "Dee@Example.org", "first_name": "Dee", "last_name": "Dot"})
    assert response.status_code == 302
    assert response["Location"] == admin_url(Conversation, "change", this.pk)
    this.refresh_from_db()
    assert (this.customer.get_full_name(), this.customer_email) == ("Dee Dot", "dee@example.org")
    assert this.threads.filter(type="lineitem", action_type="changed-ticket-customer").count() == 1
    client.post(url, {"email": "cy@example.org"})
    this.refresh_from_db()
    assert this.customer == desk["cy"]


def test_change_customer_refuses_a_bad_address_and_writes_nothing(desk):
    client, this = desk["client"], desk["this"]
    response = client.post(admin_url(Conversation, "customer", this.pk), {"email": "not an address"})
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert Customer.objects.count() == 1
    assert not this.threads.filter(type="lineitem").exists()


def test_customer_suggestions_are_the_agents_customers_only(desk):
    client, this = desk["client"], desk["this"]
    stranger = CustomerFactory(first_name="Cyril", emails=[("cyril@example.org", "work")])
    ConversationFactory(mailbox=MailboxFactory(), customer=stranger)  # in a mailbox the agent cannot open
    url = admin_url(Conversation, "customer_suggestions", this.pk)
    assert client.get(url + "?q=c").json() == {"customers": []}  # too short to ask
    assert client.get(url + "?q=cy").json() == {
        "customers": [{"email": "cy@example.org", "label": "Cy Customer <cy@example.org>"}]
    }
    assert client.post(url + "?q=cy").status_code == 405


@pytest.mark.parametrize("other", ["", "abc", "-1", "999999"])
def test_a_forged_confirm_is_404_never_500(desk, other):
    response = desk["client"].post(merge_url(desk["this"]), {"step": "confirm", "other": other, "keep": "this"})
    assert response.status_code == 404
