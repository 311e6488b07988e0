"""Customers, customer fields, tags and customer reassignment across mailbox lines, through both API dialects
(issue 20, item 1): a permission matrix of two regular users, each with one of two mailboxes, and an admin.

One rule (``customers.selectors.customers_visible_through_api``, ``conversations.selectors.tags_visible_to``):
a regular key sees a customer with a conversation in one of its mailboxes or with none at all, and tags used in
its mailboxes or nowhere; any other customer is 404 to reads and writes, absent from lists and searches, and
cannot be named as a conversation's (or a thread's) customer, which answers exactly as an unknown id does. An
admin's key sees everything."""

from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from conversations.models import Conversation, Tag, Thread
from conversations.services import conversation_tags_set
from customers.group_services import customer_add_to_group
from customers.models import Customer
from customers.services import customer_field_values_add
from helpdesk.models import User
from helpdesk.services import api_key_create
from liveagent.ids import Kind, id_encode
from mailboxes.models import Mailbox
from mailboxes.services import mailbox_user_grant
from tests.api_helpers import assert_error, error_paths
from tests.factories import (
    AdminFactory,
    ConversationFactory,
    CustomerFactory,
    CustomerFieldFactory,
    MailboxFactory,
    UserFactory,
)

LA = "/liveagent/api"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Key:
    user: User
    raw: str
    mailbox: Mailbox | None  # None: an admin, every mailbox
    own: Conversation  # a conversation this key may change

    @property
    def freescout(self) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_X_FREESCOUT_API_KEY=self.raw)
        return client


@dataclass
class World:
    keys: dict[str, Key]
    customers: dict[str, Customer]
    field_code: str


# Who sees whom: each agent its mailbox's customer, the customer of both mailboxes and the one of none. Each
# test takes one key and tries it on every customer (a key per test keeps the setup cost to three).
CUSTOMERS = ["north", "south", "both", "loose"]
KEYS = ["north", "south", "admin"]


def visible(who: str, whose: str) -> bool:
    return who == "admin" or whose in (who, "both", "loose")


@pytest.fixture
def world(db) -> World:
    mailboxes = {name: MailboxFactory(name=f"{name.title()} desk") for name in ("north", "south")}
    customers = {
        name: CustomerFactory(first_name=f"{name.title()}person", emails=[(f"{name}@customers.example", "work")])
        for name in CUSTOMERS
    }
    keys: dict[str, Key] = {}
    for name, mailbox in mailboxes.items():
        conversation = ConversationFactory(mailbox=mailbox, customer=customers[name], subject=f"{name} asks")
        conversation_tags_set(conversation=conversation, names=[f"{name}-tag", "shared-tag"])
        ConversationFactory(mailbox=mailbox, customer=customers["both"])
        agent = UserFactory(email=f"{name}@agents.example", password=None)  # no hashing: keys only
        mailbox_user_grant(mailbox=mailbox, user=agent)
        own = ConversationFactory(mailbox=mailbox, subject=f"{name}'s own")
        keys[name] = Key(agent, api_key_create(user=agent)[1], mailbox, own)
    admin = AdminFactory(email="boss@agents.example", password=None)
    admin_own = ConversationFactory(mailbox=mailboxes["north"], subject="admin's own")
    keys["admin"] = Key(admin, api_key_create(user=admin)[1], None, admin_own)
    Tag.objects.create(name="unused-tag")
    field = CustomerFieldFactory(name="Plan", code="plan")
    for customer in customers.values():
        customer_field_values_add(customer=customer, values=[("plan", "gold")])
        customer_add_to_group(customer=customer, name="VIP")
    return World(keys, customers, field.code)


def contactid(customer: Customer) -> str:
    return id_encode(Kind.CUSTOMER_CONTACT, customer.pk)


def plan_of(customer: Customer) -> list[str]:
    return list(customer.field_values.values_list("value", flat=True))


# --- FreeScout: /api/customers -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", KEYS)
def test_freescout_customer_reads_and_writes(world, who):
    for whose in CUSTOMERS:
        _freescout_customer_reads_and_writes(world=world, who=who, whose=whose)


def _freescout_customer_reads_and_writes(*, world, who, whose):
    key, customer = world.keys[who], world.customers[whose]
    api, url, seen = key.freescout, f"/api/customers/{customer.pk}", visible(who, whose)
    field_id = customer.field_values.get().field_id

    read = api.get(url)
    assert read.status_code == (200 if seen else 404)
    if not seen:  # as an unknown id is answered
        assert read.json() == api.get(f"/api/customers/{UNKNOWN}").json()
    assert api.put(url, {"lastName": "Changed"}, format="json").status_code == (204 if seen else 404)
    values = {"customerFields": [{"id": field_id, "value": "silver"}]}
    assert api.put(f"{url}/customer_fields", values, format="json").status_code == (204 if seen else 404)

    customer.refresh_from_db()
    assert (customer.last_name == "Changed") is seen
    assert plan_of(customer) == (["silver"] if seen else ["gold"])


@pytest.mark.parametrize("who", KEYS)
def test_freescout_customer_list_and_searches(world, who):
    for whose in CUSTOMERS:
        _freescout_customer_list_and_searches(world=world, who=who, whose=whose)


def _freescout_customer_list_and_searches(*, world, who, whose):
    api, customer, seen = world.keys[who].freescout, world.customers[whose], visible(who, whose)
    listed = {row["id"] for row in api.get("/api/customers", {"pageSize": 100}).json()["_embedded"]["customers"]}
    assert (customer.pk in listed) is seen
    for search in ({"email": f"{whose}@customers.example"}, {"firstName": f"{whose.title()}person"}):
        found = api.get("/api/customers", search).json()
        assert [row["id"] for row in found["_embedded"]["customers"]] == ([customer.pk] if seen else [])
        assert found["page"]["totalElements"] == (1 if seen else 0)


def test_freescout_lists_count_only_what_the_key_sees(world):
    for who in KEYS:
        expected = {c.pk for name, c in world.customers.items() if visible(who, name)}
        # Plus the customers of the keys' own conversations, who have one in a mailbox of theirs.
        mailbox = world.keys[who].mailbox
        owners = Conversation.objects.filter(**({"mailbox": mailbox} if mailbox else {})).values_list("customer_id")
        expected |= {pk for (pk,) in owners}
        body = world.keys[who].freescout.get("/api/customers", {"pageSize": 100}).json()
        assert {row["id"] for row in body["_embedded"]["customers"]} == expected
        assert body["page"]["totalElements"] == len(expected)


def test_a_customer_created_through_the_api_is_read_back_by_a_regular_key(world):
    api = world.keys["north"].freescout
    created = api.post("/api/customers", {"firstName": "Fresh", "emails": ["fresh@customers.example"]}, format="json")
    assert created.status_code == 201
    assert api.get(f"/api/customers/{created.json()['id']}").status_code == 200
    # South sees it too: a contact nobody has a conversation with yet belongs to no mailbox.
    assert world.keys["south"].freescout.get(f"/api/customers/{created.json()['id']}").status_code == 200


# --- FreeScout: setting a conversation's (or a thread's) customer --------------------------------------------


def _error_shape(response, path: str, customer_id: int) -> dict:
    """The 400's error at ``path`` with the id taken out, so that an invisible id's answer can be compared
    with an unknown one's."""
    assert response.status_code == 400, response.content
    errors = error_paths(response)
    assert list(errors) == [path], errors
    error = dict(errors[path])
    error["message"] = error["message"].replace(str(customer_id), "N")
    error.pop("rejectedValue", None)
    return {**response.json(), "_embedded": {"errors": [error]}}


UNKNOWN = 99999


@pytest.mark.parametrize("who", KEYS)
def test_freescout_conversation_customer_change(world, who):
    for whose in CUSTOMERS:
        _freescout_conversation_customer_change(world=world, who=who, whose=whose)


def _freescout_conversation_customer_change(*, world, who, whose):
    key, customer = world.keys[who], world.customers[whose]
    api, url = key.freescout, f"/api/conversations/{key.own.pk}"
    before, line_items = key.own.customer_id, key.own.threads.count()
    response = api.put(url, {"byUser": key.user.pk, "customerId": customer.pk}, format="json")
    key.own.refresh_from_db()
    if visible(who, whose):
        assert response.status_code == 204, response.content
        assert key.own.customer_id == customer.pk
        return
    unknown = api.put(url, {"byUser": key.user.pk, "customerId": UNKNOWN}, format="json")
    assert _error_shape(response, "customerId", customer.pk) == _error_shape(unknown, "customerId", UNKNOWN)
    assert key.own.customer_id == before
    assert key.own.threads.count() == line_items  # no "changed customer" line item
    # Nothing was let through: the customer stays out of the key's reach, in the API and in the admin.
    assert api.get(f"/api/customers/{customer.pk}").status_code == 404
    assert (
        api.get("/api/conversations", {"customerId": customer.pk, "status": "all"}).json()["page"]["totalElements"] == 0
    )


def _create_body(key: Key, customer_ref: dict, *, thread_customer: dict | None = None) -> dict:
    mailbox = key.mailbox or key.own.mailbox
    thread = {"type": "customer", "text": "Hello"}
    if thread_customer is not None:
        thread["customer"] = thread_customer
    return {"type": "email", "mailboxId": mailbox.pk, "subject": "New", "customer": customer_ref, "threads": [thread]}


@pytest.mark.parametrize("who", KEYS)
def test_freescout_conversation_create_with_a_customer_id(world, who):
    for whose in CUSTOMERS:
        _freescout_conversation_create_with_a_customer_id(world=world, who=who, whose=whose)


def _freescout_conversation_create_with_a_customer_id(*, world, who, whose):
    key, customer = world.keys[who], world.customers[whose]
    api, count = key.freescout, Conversation.objects.count()
    response = api.post("/api/conversations", _create_body(key, {"id": customer.pk}), format="json")
    if visible(who, whose):
        assert response.status_code == 201, response.content
        assert response.json()["customer"]["id"] == customer.pk
        return
    unknown = api.post("/api/conversations", _create_body(key, {"id": UNKNOWN}), format="json")
    assert _error_shape(response, "customer.id", customer.pk) == _error_shape(unknown, "customer.id", UNKNOWN)
    assert Conversation.objects.count() == count


@pytest.mark.parametrize("who", KEYS)
def test_freescout_thread_customer_by_id(world, who):
    for whose in CUSTOMERS:
        _freescout_thread_customer_by_id(world=world, who=who, whose=whose)


def _freescout_thread_customer_by_id(*, world, who, whose):
    """A customer thread names its author: an invisible customer may not be named there either (its name and
    email would show in the thread), in a new thread or in a new conversation's."""
    key, customer = world.keys[who], world.customers[whose]
    api, threads, customers = key.freescout, Thread.objects.count(), Customer.objects.count()
    url = f"/api/conversations/{key.own.pk}/threads"
    response = api.post(url, {"type": "customer", "text": "Hi", "customer": {"id": customer.pk}}, format="json")
    in_create = api.post(
        "/api/conversations",
        _create_body(key, {"email": "someone@customers.example"}, thread_customer={"id": customer.pk}),
        format="json",
    )
    if visible(who, whose):
        assert response.status_code == 201 and in_create.status_code == 201
        return
    unknown = api.post(url, {"type": "customer", "text": "Hi", "customer": {"id": UNKNOWN}}, format="json")
    assert _error_shape(response, "customer.id", customer.pk) == _error_shape(unknown, "customer.id", UNKNOWN)
    assert list(error_paths(in_create)) == ["threads[0].customer.id"]
    assert Thread.objects.count() == threads
    assert Customer.objects.count() == customers  # nor the new conversation's customer


def test_a_conversation_for_an_invisible_customers_email_attaches_that_customer(world):
    """Accepted and documented: addresses are unique, and mail does the same. The customer becomes visible
    to the key through the conversation it now has in the key's mailbox."""
    key, south = world.keys["north"], world.customers["south"]
    response = key.freescout.post(
        "/api/conversations", _create_body(key, {"email": "south@customers.example"}), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["customer"]["id"] == south.pk
    assert key.freescout.get(f"/api/customers/{south.pk}").status_code == 200


# --- FreeScout: /api/tags -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", KEYS)
def test_freescout_tags_list_names_and_counters_of_what_the_key_sees(world, who):
    body = world.keys[who].freescout.get("/api/tags").json()
    counters = {row["name"]: row["counter"] for row in body["_embedded"]["tags"]}
    if who == "admin":
        assert counters == {"north-tag": 1, "south-tag": 1, "shared-tag": 2, "unused-tag": 0}
    else:
        # shared-tag is on one conversation of each mailbox: the other mailbox's is not counted.
        assert counters == {f"{who}-tag": 1, "shared-tag": 1, "unused-tag": 0}
    assert body["page"]["totalElements"] == len(counters)


def test_freescout_tags_of_a_conversation_the_key_cannot_see_are_none(world):
    south_conversation = Conversation.objects.get(subject="south asks")
    body = world.keys["north"].freescout.get("/api/tags", {"conversationId": south_conversation.pk}).json()
    assert body["_embedded"]["tags"] == []
    admin = world.keys["admin"].freescout.get("/api/tags", {"conversationId": south_conversation.pk}).json()
    assert {row["name"] for row in admin["_embedded"]["tags"]} == {"south-tag", "shared-tag"}


# --- LiveAgent: the same rule --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", KEYS)
def test_liveagent_customer_fields_and_groups(client, world, who):
    for whose in CUSTOMERS:
        _liveagent_customer_fields_and_groups(client=client, world=world, who=who, whose=whose)


def _liveagent_customer_fields_and_groups(*, client, world, who, whose):
    key, customer = world.keys[who], world.customers[whose]
    seen, path = visible(who, whose), f"{LA}/customers/{contactid(customer)}"
    by_email = f"{LA}/customers/{whose}@customers.example"
    expected = 200 if seen else 404
    assert client.get(path, {"apikey": key.raw}).status_code == expected
    assert client.get(by_email, {"apikey": key.raw}).status_code == expected
    values = '[{"code":"plan","value":"platinum"}]'
    assert client.post(f"{path}/fields", {"apikey": key.raw, "customfields": values}).status_code == expected
    assert client.get(f"{path}/groups", {"apikey": key.raw}).status_code == expected
    assert client.post(f"{path}/groups", {"apikey": key.raw, "name": "Premium"}).status_code == expected
    left = client.delete(f"{path}/groups", urlencode({"apikey": key.raw, "name": "VIP"}), content_type=FORM)
    assert left.status_code == expected
    groups = set(customer.groups.values_list("name", flat=True))
    assert plan_of(customer) == (["gold", "platinum"] if seen else ["gold"])
    assert groups == ({"Premium"} if seen else {"VIP"})
    if not seen:
        assert client.get(path, {"apikey": key.raw}).json()["response"]["statuscode"] == 404


@pytest.mark.parametrize("who", KEYS)
def test_liveagent_tags_follow_the_same_rule(client, world, who):
    body = client.get(f"{LA}/tags", {"apikey": world.keys[who].raw}).json()["response"]
    names = {row["name"] for row in body["tags"]}
    if who == "admin":
        assert names == {"north-tag", "south-tag", "shared-tag", "unused-tag"}
    else:
        assert names == {f"{who}-tag", "shared-tag", "unused-tag"}
        other = "south" if who == "north" else "north"
        tagid = id_encode(Kind.TAG, Tag.objects.get(name=f"{other}-tag").pk)
        assert client.get(f"{LA}/tags/{tagid}", {"apikey": world.keys[who].raw}).status_code == 404


@pytest.mark.parametrize("who", KEYS)
def test_what_freescout_refuses_liveagent_does_not_show(client, world, who):
    for whose in CUSTOMERS:
        _what_freescout_refuses_liveagent_does_not_show(client=client, world=world, who=who, whose=whose)


def _what_freescout_refuses_liveagent_does_not_show(*, client, world, who, whose):
    """Both dialects answer from one rule: a customer FreeScout answers 404 for is 404 in LiveAgent too."""
    key, customer = world.keys[who], world.customers[whose]
    freescout = key.freescout.get(f"/api/customers/{customer.pk}").status_code
    liveagent = client.get(f"{LA}/customers/{contactid(customer)}", {"apikey": key.raw}).status_code
    assert freescout == liveagent == (200 if visible(who, whose) else 404)


# --- Deleting conversations (issue 20, item 7) ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["north", "south"])
def test_a_regular_key_may_not_delete_forever_but_may_move_to_deleted(client, world, who):
    key = world.keys[who]
    own, others = key.own, Conversation.objects.exclude(mailbox=key.mailbox).first()
    assert others is not None
    for conversation in (own, others, None):
        response = key.freescout.delete(f"/api/conversations/{conversation.pk if conversation else UNKNOWN}")
        assert_error(response, 403, "FORBIDDEN")
    assert Conversation.objects.filter(pk__in=[own.pk, others.pk]).count() == 2
    # LiveAgent's #6 moves it to the Deleted folder (restorable), as the admin's agents may.
    moved = client.delete(
        f"{LA}/conversations/{id_encode(Kind.CONVERSATION, own.pk)}", urlencode({"apikey": key.raw}), content_type=FORM
    )
    assert moved.status_code == 200, moved.content
    own.refresh_from_db()
    assert own.state == Conversation.State.DELETED


def test_an_admin_key_deletes_forever(world):
    admin = world.keys["admin"]
    assert admin.freescout.delete(f"/api/conversations/{world.keys['south'].own.pk}").status_code == 204
    assert not Conversation.objects.filter(pk=world.keys["south"].own.pk).exists()
