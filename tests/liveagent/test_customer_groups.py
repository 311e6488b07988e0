"""A customer's groups (#20 DELETE, #21 GET, #22 POST ``/customers/{customeridentifier}/groups``) and the
customers groups themselves (#23 DELETE, #24 GET, #27 PUT ``/customersgroups/{groupid}``; #25 GET, #26 POST
``/customersgroups``)."""

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.group_services import customer_add_to_group, customer_group_create
from customers.models import Customer, CustomerGroup
from liveagent.ids import Kind, id_encode
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory
from tests.liveagent.helpers import assert_error, envelope
from webhooks.models import WebhookEvent

API = "/liveagent/api"
FORM = "application/x-www-form-urlencoded"
OK = {"response": {"status": "OK", "statuscode": 0}}


def form(**values: str) -> str:
    return urlencode(values)


@pytest.fixture
def john(mailbox):
    customer = CustomerFactory(first_name="John", emails=[("john@example.com", "work")])
    ConversationFactory(mailbox=mailbox, customer=customer)
    return customer


@pytest.fixture
def hidden(db):
    """A customer whose only conversation is in a mailbox the agent cannot access."""
    customer = CustomerFactory(first_name="Hidden", emails=[("hidden@example.com", "work")])
    ConversationFactory(mailbox=MailboxFactory(), customer=customer)
    return customer


@pytest.fixture
def vip(db):
    return customer_group_create(name="VIP", text_color="FFFFFF", background_color="0000FF")


def group_id(group) -> str:
    return id_encode(Kind.CUSTOMER_GROUP, group.pk)


def groups_of(customer) -> list[str]:
    return list(customer.groups.order_by("id").values_list("name", flat=True))


# --- #21 ---------------------------------------------------------------------------------------------------


def test_a_customers_groups_as_the_seed_shows_them(la, keys, john, vip):
    premium = customer_group_create(name="Premium")
    customer_group_create(name="Other")
    customer_add_to_group(customer=john, name="VIP")
    customer_add_to_group(customer=john, name="Premium")
    for key in keys:
        response = la.get(f"{API}/customers/john@example.com/groups?&apikey={key}")
        assert response.json() == {
            "response": {
                "groups": [
                    {"groupid": group_id(vip), "groupname": "VIP"},
                    {"groupid": group_id(premium), "groupname": "Premium"},
                ]
            }
        }
    root = ET.fromstring(la.get(f"{API}/customers/john@example.com/groups.xml", {"apikey": keys[0]}).content)
    assert [[(child.tag, child.text) for child in group] for group in root.find("groups")] == [
        [("groupid", group_id(vip)), ("groupname", "VIP")],
        [("groupid", group_id(premium)), ("groupname", "Premium")],
    ]
    assert [group.tag for group in root.find("groups")] == ["group", "group"]


def test_a_customer_in_no_group(la, keys, john):
    assert envelope(la.get(f"{API}/customers/john@example.com/groups.yaml", {"apikey": keys[1]})) == {"groups": []}
    xml = la.get(f"{API}/customers/john@example.com/groups.xml", {"apikey": keys[1]}).content
    assert b"<groups/>" in xml


# --- #22 ---------------------------------------------------------------------------------------------------


def test_a_customer_joins_a_group_by_name_any_case(la, keys, john, vip, hook):
    WebhookEvent.objects.all().delete()
    # Multipart, as the seed's example posts it; the agent's key may, the customer being one of its mailbox's.
    response = la.post(f"{API}/customers/john@example.com/groups", {"apikey": keys[1], "name": " vip "})
    assert response.json() == OK
    assert groups_of(john) == ["VIP"]
    assert list(WebhookEvent.objects.values_list("name", flat=True)) == ["customer.updated"]
    # Joining again is no change.
    assert la.post(f"{API}/customers/john@example.com/groups", {"apikey": keys[1], "name": "VIP"}).json() == OK
    assert groups_of(john) == ["VIP"]
    assert WebhookEvent.objects.count() == 1


def test_joining_a_group_nobody_has_named_creates_it(la, keys, john):
    contactid = id_encode(Kind.CUSTOMER_CONTACT, john.pk)
    response = la.post(f"{API}/customers/{contactid}/groups.xml", {"apikey": keys[1], "name": "Premium"})
    assert envelope(response) == {"status": "OK", "statuscode": "0"}
    group = CustomerGroup.objects.get()
    assert (group.name, group.text_color, group.background_color) == ("Premium", "", "")
    assert groups_of(john) == ["Premium"]


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize("name", [None, "", "   "])
def test_a_membership_needs_a_name(la, keys, john, vip, method, name):
    params = {"apikey": keys[0]} if name is None else {"apikey": keys[0], "name": name}
    response = la.generic(method, f"{API}/customers/john@example.com/groups", form(**params), FORM)
    body = assert_error(response, 400)
    assert body["debugmessage"] == "name"
    assert "name" in body["errormessage"]


def test_a_name_too_long_for_a_group_is_400_and_nothing_is_made(la, keys, john):
    response = la.post(f"{API}/customers/john@example.com/groups", {"apikey": keys[0], "name": "x" * 101})
    assert assert_error(response, 400)["debugmessage"] == "name"
    assert not CustomerGroup.objects.exists()


# --- #20 ---------------------------------------------------------------------------------------------------


def test_a_customer_leaves_a_group_by_name(la, keys, john, vip, hook):
    customer_add_to_group(customer=john, name="VIP")
    customer_add_to_group(customer=john, name="Premium")
    WebhookEvent.objects.all().delete()
    # Urlencoded, as the seed's example sends DELETE's body.
    response = la.delete(f"{API}/customers/john@example.com/groups", form(apikey=keys[1], name="vip"), FORM)
    assert response.json() == OK
    assert groups_of(john) == ["Premium"]
    assert list(WebhookEvent.objects.values_list("name", flat=True)) == ["customer.updated"]
    # The group stays, with its other members.
    assert CustomerGroup.objects.filter(name="VIP").exists()


@pytest.mark.parametrize("name", ["VIP", "No such group"])
def test_leaving_a_group_one_is_not_in_is_no_change(la, keys, john, vip, hook, name):
    WebhookEvent.objects.all().delete()
    response = la.delete(f"{API}/customers/john@example.com/groups.yaml", form(apikey=keys[1], name=name), FORM)
    assert envelope(response) == {"status": "OK", "statuscode": 0}
    assert not WebhookEvent.objects.exists()
    assert list(CustomerGroup.objects.values_list("name", flat=True)) == ["VIP"]


# --- memberships and visibility ----------------------------------------------------------------------------


def test_memberships_of_a_customer_out_of_reach_are_404(la, keys, hidden, vip):
    customer_add_to_group(customer=hidden, name="VIP")
    agent_key = keys[1]
    path = f"{API}/customers/hidden@example.com/groups"
    assert_error(la.get(path, {"apikey": agent_key}), 404)
    assert_error(la.post(path, {"apikey": agent_key, "name": "Premium"}), 404)
    assert_error(la.delete(path, form(apikey=agent_key, name="VIP"), FORM), 404)
    assert_error(la.post(path, {"apikey": agent_key}), 404)  # 404 before the name is read
    assert groups_of(hidden) == ["VIP"]
    assert list(CustomerGroup.objects.values_list("name", flat=True)) == ["VIP"]
    # The admin's key reaches it.
    assert la.post(path, {"apikey": keys[0], "name": "Premium"}).json() == OK
    assert groups_of(hidden) == ["VIP", "Premium"]


def test_memberships_of_an_unknown_customer_are_404(la, keys):
    for identifier in ("nobody@example.com", id_encode(Kind.CUSTOMER_CONTACT, 999_999)):
        assert_error(la.get(f"{API}/customers/{identifier}/groups.xml", {"apikey": keys[0]}), 404, "xml")
        assert_error(la.post(f"{API}/customers/{identifier}/groups", {"apikey": keys[0], "name": "VIP"}), 404)
    assert not CustomerGroup.objects.exists()


def test_memberships_need_a_key(la, john):
    assert_error(la.get(f"{API}/customers/john@example.com/groups"), 401)
    assert_error(la.post(f"{API}/customers/john@example.com/groups", {"name": "VIP"}), 401)
    assert_error(la.delete(f"{API}/customers/john@example.com/groups", form(name="VIP"), FORM), 401)
    assert not CustomerGroup.objects.exists()


# --- #25 ---------------------------------------------------------------------------------------------------


def test_every_group_as_the_seed_shows_them(la, keys, vip):
    premium = customer_group_create(name="Premium")
    expected = {
        "response": {"groups": [{"id": group_id(vip), "name": "VIP"}, {"id": group_id(premium), "name": "Premium"}]}
    }
    # Groups are configuration: every key reads them all, whoever their members are.
    for key in keys:
        assert la.get(f"{API}/customersgroups?&apikey={key}").json() == expected
    root = ET.fromstring(la.get(f"{API}/customersgroups.xml", {"apikey": keys[1]}).content)
    assert [[(child.tag, child.text) for child in group] for group in root.find("groups")] == [
        [("id", group_id(vip)), ("name", "VIP")],
        [("id", group_id(premium)), ("name", "Premium")],
    ]


def test_the_group_list_runs_a_constant_number_of_queries(la, keys, django_assert_max_num_queries):
    customer_group_create(name="First")
    with CaptureQueriesContext(connection) as one:
        assert len(la.get(f"{API}/customersgroups", {"apikey": keys[1]}).json()["response"]["groups"]) == 1
    for index in range(5):
        group = customer_group_create(name=f"Group {index}")
        for customer in (CustomerFactory(), CustomerFactory()):
            customer_add_to_group(customer=customer, name=group.name)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(la.get(f"{API}/customersgroups", {"apikey": keys[1]}).json()["response"]["groups"]) == 6


# --- #24 ---------------------------------------------------------------------------------------------------


def test_one_group_as_the_seed_shows_it(la, keys, vip):
    for key in keys:
        response = la.get(f"{API}/customersgroups/{group_id(vip)}?&apikey={key}")
        assert response.json() == {
            "response": {"id": group_id(vip), "name": "VIP", "color": "FFFFFF", "bg_color": "0000FF"}
        }
    root = ET.fromstring(la.get(f"{API}/customersgroups/{group_id(vip)}.xml", {"apikey": keys[0]}).content)
    assert [(child.tag, child.text) for child in root] == [
        ("id", group_id(vip)),
        ("name", "VIP"),
        ("color", "FFFFFF"),
        ("bg_color", "0000FF"),
    ]
    plain = customer_group_create(name="Plain")
    body = envelope(la.get(f"{API}/customersgroups/{group_id(plain)}.yaml", {"apikey": keys[1]}))
    assert body == {"id": group_id(plain), "name": "Plain", "color": "", "bg_color": ""}


@pytest.mark.parametrize("groupid", ["unknown", "tag", "nope", "1"])
def test_an_unknown_group_is_404(la, keys, vip, groupid):
    groupid = {"unknown": id_encode(Kind.CUSTOMER_GROUP, 999_999), "tag": id_encode(Kind.TAG, vip.pk)}.get(
        groupid, groupid
    )
    assert_error(la.get(f"{API}/customersgroups/{groupid}", {"apikey": keys[1]}), 404)
    assert_error(la.get(f"{API}/customersgroups/{groupid}.xml", {"apikey": keys[0]}), 404, "xml")
    assert_error(la.put(f"{API}/customersgroups/{groupid}", form(apikey=keys[0], name="x"), FORM), 404)
    assert_error(la.delete(f"{API}/customersgroups/{groupid}", form(apikey=keys[0]), FORM), 404)


def test_groups_need_a_key(la, vip):
    assert_error(la.get(f"{API}/customersgroups"), 401)
    assert_error(la.get(f"{API}/customersgroups/{group_id(vip)}"), 401)


# --- #26 ---------------------------------------------------------------------------------------------------


def test_an_admin_adds_a_group_answered_as_the_seed_shows(la, keys):
    response = la.post(
        f"{API}/customersgroups", {"apikey": keys[0], "name": "VIP", "color": "ffffff", "bg_color": "0000FF"}
    )
    group = CustomerGroup.objects.get()
    # statuscode is the string "0" here, as in the seed's example.
    assert response.json() == {
        "response": {
            "status": "OK",
            "statuscode": "0",
            "id": group_id(group),
            "name": "VIP",
            "color": "FFFFFF",
            "bg_color": "0000FF",
        }
    }
    assert (group.name, group.text_color, group.background_color) == ("VIP", "FFFFFF", "0000FF")


def test_a_group_added_without_colours_in_xml(la, keys):
    response = la.post(f"{API}/customersgroups.xml", {"apikey": keys[0], "name": "  Premium   club "})
    root = ET.fromstring(response.content)
    group = CustomerGroup.objects.get()
    assert [(child.tag, child.text) for child in root] == [
        ("status", "OK"),
        ("statuscode", "0"),
        ("id", group_id(group)),
        ("name", "Premium club"),
        ("color", None),
        ("bg_color", None),
    ]


@pytest.mark.parametrize(
    ("params", "debug"),
    [
        ({}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "vip"}, "name"),  # taken, case-insensitively
        ({"name": "x" * 101}, "name"),
        ({"name": "New", "color": "#FFFFFF"}, "color"),
        ({"name": "New", "color": "FFF"}, "color"),
        ({"name": "New", "bg_color": "GGGGGG"}, "bg_color"),
    ],
)
def test_bad_groups_are_400_and_nothing_is_added(la, keys, vip, params, debug):
    body = assert_error(la.post(f"{API}/customersgroups", {"apikey": keys[0], **params}), 400)
    assert body["debugmessage"] == debug
    assert debug in body["errormessage"]
    assert list(CustomerGroup.objects.values_list("name", flat=True)) == ["VIP"]


# --- #27 ---------------------------------------------------------------------------------------------------


def test_an_admin_changes_a_group(la, keys, vip):
    path = f"{API}/customersgroups/{group_id(vip)}"
    # Urlencoded, as the seed's example sends PUT's body.
    assert la.put(path, form(apikey=keys[0], name="Very important", color="000000"), FORM).json() == OK
    vip.refresh_from_db()
    assert (vip.name, vip.text_color, vip.background_color) == ("Very important", "000000", "0000FF")
    # What is not given stays; an empty colour clears it.
    assert envelope(la.put(f"{path}.xml", form(apikey=keys[0], bg_color=""), FORM)) == {
        "status": "OK",
        "statuscode": "0",
    }
    vip.refresh_from_db()
    assert (vip.name, vip.text_color, vip.background_color) == ("Very important", "000000", "")
    assert la.put(path, form(apikey=keys[0]), FORM).json() == OK
    # Its own name in another case is no conflict.
    assert la.put(path, form(apikey=keys[0], name="VERY important"), FORM).json() == OK
    vip.refresh_from_db()
    assert vip.name == "VERY important"


@pytest.mark.parametrize(
    ("params", "debug"),
    [
        ({"name": "premium"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "New", "color": "blue"}, "color"),
        ({"bg_color": "12345G"}, "bg_color"),
    ],
)
def test_bad_changes_are_400_and_change_nothing(la, keys, vip, params, debug):
    customer_group_create(name="Premium")
    body = assert_error(la.put(f"{API}/customersgroups/{group_id(vip)}", form(apikey=keys[0], **params), FORM), 400)
    assert body["debugmessage"] == debug
    vip.refresh_from_db()
    assert (vip.name, vip.text_color, vip.background_color) == ("VIP", "FFFFFF", "0000FF")


# --- #23 ---------------------------------------------------------------------------------------------------


def test_an_admin_deletes_a_group_and_its_members_stay(la, keys, vip, john):
    customer_add_to_group(customer=john, name="VIP")
    response = la.delete(f"{API}/customersgroups/{group_id(vip)}", form(apikey=keys[0]), FORM)
    assert response.json() == OK
    assert not CustomerGroup.objects.exists()
    assert Customer.objects.filter(pk=john.pk).exists()
    assert groups_of(john) == []
    assert_error(la.get(f"{API}/customersgroups/{group_id(vip)}", {"apikey": keys[0]}), 404)


# --- configuration writes need an admin's key -------------------------------------------------------------


def test_a_regular_key_may_not_change_groups(la, keys, vip):
    agent_key = keys[1]
    path = f"{API}/customersgroups/{group_id(vip)}"
    assert_error(la.post(f"{API}/customersgroups", {"apikey": agent_key, "name": "Mine"}), 403)
    assert_error(la.put(path, form(apikey=agent_key, name="Mine"), FORM), 403)
    assert_error(la.delete(path, form(apikey=agent_key), FORM), 403)
    assert_error(la.delete(f"{path}.xml", form(apikey=agent_key), FORM), 403, "xml")
    # Even for a group that does not exist: the key is refused before the group is looked up.
    unknown = id_encode(Kind.CUSTOMER_GROUP, 999_999)
    assert_error(la.delete(f"{API}/customersgroups/{unknown}", form(apikey=agent_key), FORM), 403)
    assert list(CustomerGroup.objects.values_list("name", "text_color")) == [("VIP", "FFFFFF")]
