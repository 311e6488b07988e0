"""What an agent can reach in the admin, as a matrix: two agents, each with access to one of two
mailboxes, against every view of the agent UI. Nothing of the other mailbox may show, by list, search,
filter, autocomplete, direct URL or action; configuration stays with admins."""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from conversations.models import Conversation, Tag, Thread
from conversations.services import conversation_tags_set
from customers.models import Company, Customer, CustomerField, CustomerGroup
from helpdesk.models import ApiKey, User
from helpdesk.services import api_key_create, user_update
from mailboxes.models import CustomField, Folder, Mailbox
from mailboxes.services import mailbox_user_grant
from tests.admin_helpers import admin_url, form_data
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory, UserFactory
from webhooks.models import Webhook

CHANGELIST = admin_url(Conversation, "changelist")


@dataclass
class Side:
    agent: User
    mailbox: Mailbox
    conversation: Conversation
    customer: Customer


@pytest.fixture
def sides(db) -> dict[str, Side]:
    made = {}
    for name in ("north", "south"):
        mailbox = MailboxFactory(name=f"{name.title()} desk")
        agent = UserFactory(email=f"{name}@example.com", first_name=name.title())
        mailbox_user_grant(mailbox=mailbox, user=agent)
        customer = CustomerFactory(first_name=f"{name.title()}customer")
        conversation = ConversationFactory(mailbox=mailbox, customer=customer, subject=f"Shared word {name}")
        conversation_tags_set(conversation=conversation, names=[f"{name}-tag"])
        made[name] = Side(agent, mailbox, conversation, customer)
    return made


PAIRS = [("north", "north"), ("north", "south"), ("south", "south"), ("south", "north")]


def login(client, side: Side):
    client.force_login(side.agent)
    return client


@pytest.mark.parametrize(("who", "whose"), PAIRS)
def test_conversation_list_search_and_folders(client, sides, who, whose):
    login(client, sides[who])
    target, mine = sides[whose], who == whose
    listed = lambda response: {c.pk for c in response.context["cl"].result_list}  # noqa: E731

    assert (target.conversation.pk in listed(client.get(CHANGELIST))) is mine
    assert (target.conversation.pk in listed(client.get(CHANGELIST, {"q": "Shared word"}))) is mine
    assert (target.conversation.pk in listed(client.get(CHANGELIST, {"q": target.customer.first_name}))) is mine
    unassigned = Folder.objects.get(mailbox=target.mailbox, type=Folder.Type.UNASSIGNED)
    assert (target.conversation.pk in listed(client.get(CHANGELIST, {"folder": unassigned.pk}))) is mine
    content = client.get(CHANGELIST).content.decode()
    assert (target.mailbox.name in content) is mine
    assert (f"{whose}-tag" in content) is mine


@pytest.mark.parametrize(("who", "whose"), PAIRS)
def test_conversation_page_by_direct_url(client, sides, who, whose):
    login(client, sides[who])
    target, mine = sides[whose], who == whose
    url = admin_url(Conversation, "change", target.conversation.pk)

    assert client.get(url).status_code == (200 if mine else 404)
    response = client.post(url, {"op": "reply", "type": "note", "text": "Hello"})
    assert response.status_code == (302 if mine else 404)
    assert target.conversation.threads.filter(type=Thread.Type.NOTE).exists() is mine
    history = client.get(admin_url(Conversation, "history", target.conversation.pk))
    assert history.status_code == (200 if mine else 302)
    # Deleting forever is for admins, whoever's the conversation.
    assert client.get(admin_url(Conversation, "delete", target.conversation.pk)).status_code in (403, 302)
    assert Conversation.objects.filter(pk=target.conversation.pk).exists()


@pytest.mark.parametrize(("who", "whose"), PAIRS)
def test_bulk_actions_only_reach_visible_conversations(client, sides, who, whose):
    login(client, sides[who])
    target, mine = sides[whose], who == whose
    client.post(
        CHANGELIST,
        {"action": "change_status", "status": "closed", "_selected_action": [target.conversation.pk]},
    )
    target.conversation.refresh_from_db()
    assert (target.conversation.status == "closed") is mine


@pytest.mark.parametrize(("who", "whose"), PAIRS)
def test_customers_of_the_agents_mailboxes_only(client, sides, who, whose):
    login(client, sides[who])
    target, mine = sides[whose], who == whose
    changelist = client.get(admin_url(Customer, "changelist"))
    assert (target.customer in changelist.context["cl"].result_list) is mine
    searched = client.get(admin_url(Customer, "changelist"), {"q": target.customer.first_name})
    assert (target.customer in searched.context["cl"].result_list) is mine
    # The admin's answer for a row it cannot find: back to the index, naming no data.
    assert client.get(admin_url(Customer, "change", target.customer.pk)).status_code == (200 if mine else 302)


@pytest.mark.parametrize("north_or_south", ["north", "south"])
def test_filters_offer_only_the_agents_own_choices(client, sides, north_or_south):
    me = sides[north_or_south]
    other = sides["south" if north_or_south == "north" else "north"]
    # A filter with a single choice is not shown; a second mailbox makes the mailbox filter appear.
    mailbox_user_grant(mailbox=MailboxFactory(name="Shared desk"), user=me.agent)
    login(client, me)
    content = client.get(CHANGELIST).content.decode()
    assert f"mailbox__id__exact={me.mailbox.pk}" in content
    assert f"mailbox__id__exact={other.mailbox.pk}" not in content
    own_tag, other_tag = Tag.objects.get(name=f"{north_or_south}-tag"), other.conversation.tags.get()
    assert f"tags__id__exact={own_tag.pk}" in content
    assert f"tags__id__exact={other_tag.pk}" not in content
    action_form = client.get(CHANGELIST).context["action_form"]
    offered = {value for value, _ in action_form.fields["mailbox"].widget.choices}
    assert str(me.mailbox.pk) in offered
    assert str(other.mailbox.pk) not in offered
    assignees = {value for value, _ in action_form.fields["assignee"].widget.choices}
    assert str(me.agent.pk) in assignees
    assert str(other.agent.pk) not in assignees


AUTOCOMPLETES = [
    ("conversations", "conversation", "assignee"),
    ("conversations", "conversation", "tags"),
    ("helpdesk", "apikey", "user"),
    ("customers", "customer", "company"),
    ("mailboxes", "mailboxuser", "user"),
]


@pytest.mark.parametrize(("app_label", "model_name", "field_name"), AUTOCOMPLETES)
def test_autocomplete_gives_agents_nothing(client, sides, app_label, model_name, field_name):
    login(client, sides["north"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": ""},
    )
    assert response.status_code in (403, 404)
    assert b"south" not in response.content.lower()


CONFIGURATION = [
    Mailbox,
    Folder,
    CustomField,
    User,
    ApiKey,
    Tag,
    CustomerField,
    Company,
    CustomerGroup,
    Webhook,
    Thread,
]


@pytest.mark.parametrize("model", CONFIGURATION, ids=lambda model: model._meta.label)
def test_agents_cannot_see_or_change_configuration(client, sides, model):
    north = sides["north"]
    api_key_create(user=sides["south"].agent)
    login(client, north)
    assert client.get(admin_url(model, "changelist")).status_code == 403
    assert client.get(admin_url(model, "add")).status_code == 403
    obj = model._default_manager.first()
    if obj is not None:
        assert client.get(admin_url(model, "change", obj.pk)).status_code in (302, 403)
        assert client.post(admin_url(model, "change", obj.pk), {}).status_code in (302, 403)


def test_agents_see_only_their_apps_on_the_index(client, sides):
    login(client, sides["north"])
    response = client.get("/admin/")
    apps = {app["app_label"]: {m["object_name"] for m in app["models"]} for app in response.context["app_list"]}
    assert apps == {"conversations": {"Conversation"}, "customers": {"Customer"}, "knowledgebase": {"Entry"}}


def test_disabled_agents_are_signed_out(client, sides):
    north = sides["north"]
    login(client, north)
    user_update(user=north.agent, status=User.Status.DISABLED)
    assert client.get(CHANGELIST).status_code == 302


def test_admins_see_every_mailbox(admin_client, sides):
    listed = {c.pk for c in admin_client.get(CHANGELIST).context["cl"].result_list}
    assert listed == {side.conversation.pk for side in sides.values()}


@pytest.mark.parametrize(("who", "whose"), PAIRS)
def test_agents_edit_only_their_mailboxes_customers(client, sides, who, whose):
    target, mine = sides[whose], who == whose
    login(client, sides[whose])  # the owner's view of the form, to post it as the other agent
    data = form_data(client.get(admin_url(Customer, "change", target.customer.pk)))
    data["job_title"] = "Edited"
    login(client, sides[who])
    response = client.post(admin_url(Customer, "change", target.customer.pk), data)
    assert response.status_code == 302
    target.customer.refresh_from_db()
    assert (target.customer.job_title == "Edited") is mine
