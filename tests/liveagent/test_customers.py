"""#19 ``GET /customers/{customeridentifier}`` and the customer's custom field values, #17 DELETE and #18 POST
``/customers/{customeridentifier}/fields``."""

import datetime
import xml.etree.ElementTree as ET
from urllib.parse import quote, urlencode

import pytest
import yaml

from customers.models import CustomerFieldValue
from customers.services import customer_field_values_add
from helpdesk.services import api_key_create, api_key_revoke
from liveagent.ids import Kind, id_encode
from tests.api_helpers import client_for
from tests.factories import ConversationFactory, CustomerFactory, CustomerFieldFactory, MailboxFactory
from tests.liveagent.helpers import assert_error, envelope
from webhooks.models import WebhookEvent

API = "/liveagent/api"
FORM = "application/x-www-form-urlencoded"


def form(**values: str) -> str:
    return urlencode(values)


@pytest.fixture
def fields(db):
    return (
        CustomerFieldFactory(name="Variable symbol", code="varsymbol", type="number"),
        CustomerFieldFactory(name="Other", code="other_var"),
    )


@pytest.fixture
def john(mailbox, fields):
    """The seed's example customer, with a conversation in ``mailbox``."""
    customer = CustomerFactory(
        first_name="John",
        last_name="Doe",
        emails=[("john@example.com", "work")],
        phones=[("+1985457398709", "mobile")],
        company="Company Co.",
        gender="M",
        ip="20.1.1.10",
        created_at=datetime.datetime(2012, 3, 2, 11, 21, 4, tzinfo=datetime.UTC),
    )
    customer_field_values_add(
        customer=customer, values=[("varsymbol", "423874698"), ("other_var", "Example value of custom field")]
    )
    ConversationFactory(mailbox=mailbox, customer=customer)
    return customer


@pytest.fixture
def hidden(db):
    """A customer whose only conversation is in a mailbox the agent cannot access."""
    customer = CustomerFactory(first_name="Hidden", emails=[("hidden@example.com", "work")])
    ConversationFactory(mailbox=MailboxFactory(), customer=customer)
    return customer


def contactid(customer) -> str:
    return id_encode(Kind.CUSTOMER_CONTACT, customer.pk)


def seed_customer(customer) -> dict:
    """The seed's example of #19, on the data of ``john`` (its uniquefields repeat the email and put the
    phone first; ours list each address once, then the phones, §4.2)."""
    return {
        "contactid": contactid(customer),
        "email": "john@example.com",
        "firstname": "John",
        "lastname": "Doe",
        "systemname": "John Doe",
        "authtoken": "",
        "browsercookiename": "V_auth",
        "role": "V",
        "gender": "M",
        "companyid": id_encode(Kind.COMPANY, customer.company_id),
        "userid": id_encode(Kind.CUSTOMER_USER, customer.pk),
        "datecreated": "2012-03-02 11:21:04",
        "note": None,
        "ip": "20.1.1.10",
        "customfields": [
            {"code": "varsymbol", "value": "423874698"},
            {"code": "other_var", "value": "Example value of custom field"},
        ],
        "uniquefields": [
            {"code": "email", "value": "john@example.com"},
            {"code": "phone", "value": "+1985457398709"},
        ],
    }


# --- #19 ---------------------------------------------------------------------------------------------------


def test_a_customer_as_the_seed_shows_it(la, keys, john):
    response = la.get(f"{API}/customers/john@example.com?&apikey={keys[0]}")
    assert response.status_code == 200
    assert response.json() == {"response": seed_customer(john)}
    assert list(response.json()["response"]) == list(seed_customer(john))


def test_a_customer_in_xml(la, keys, john):
    response = la.get(f"{API}/customers/john@example.com.xml?&apikey={keys[0]}")
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    expected = seed_customer(john)
    assert [child.tag for child in root] == list(expected)
    scalars = {child.tag: child.text for child in root if child.tag not in ("customfields", "uniquefields")}
    assert scalars == {
        name: (value or None) for name, value in expected.items() if name not in ("customfields", "uniquefields")
    }
    for container in ("customfields", "uniquefields"):
        items = root.find(container)
        assert [item.tag for item in items] == [container[:-1]] * len(expected[container])
        assert [{child.tag: child.text for child in item} for item in items] == expected[container]
    assert b"<note/>" in response.content and b"<authtoken/>" in response.content


def test_a_customer_in_yaml(la, keys, john):
    response = la.get(f"{API}/customers/john@example.com.yaml", {"apikey": keys[0]})
    assert response["Content-Type"] == "application/x-yaml"
    assert yaml.safe_load(response.content) == {"response": seed_customer(john)}


@pytest.mark.parametrize(
    "identifier",
    ["john@example.com", "JOHN@Example.COM", "john%40example.com", " john@example.com ", "contactid"],
)
def test_a_customer_is_found_by_any_case_of_an_email_or_by_contactid(la, keys, john, identifier):
    identifier = contactid(john) if identifier == "contactid" else quote(identifier, safe="@%")
    for key in keys:
        body = envelope(la.get(f"{API}/customers/{identifier}/", {"apikey": key}))
        assert body["contactid"] == contactid(john)


def test_a_second_email_finds_the_customer_whose_first_email_is_shown(la, keys, john):
    CustomerFactory(first_name="Other")
    from customers.services import customer_update

    customer_update(customer=john, emails_add=[("j.doe@example.com", "home")])
    body = envelope(la.get(f"{API}/customers/J.Doe@example.com", {"apikey": keys[0]}))
    assert body["email"] == "john@example.com"
    assert body["uniquefields"][:2] == [
        {"code": "email", "value": "john@example.com"},
        {"code": "email", "value": "j.doe@example.com"},
    ]


def test_absent_values_are_null(la, keys):
    customer = CustomerFactory(first_name="", last_name="", emails=[], phones=[("0909 111 111", "work")])
    body = la.get(f"{API}/customers/{contactid(customer)}", {"apikey": keys[0]}).json()["response"]
    assert {name: body[name] for name in ("email", "firstname", "systemname", "gender", "companyid", "note", "ip")} == {
        "email": None,
        "firstname": "",
        "systemname": "",
        "gender": None,
        "companyid": None,
        "note": None,
        "ip": None,
    }
    assert body["uniquefields"] == [{"code": "phone", "value": "0909 111 111"}]


def test_the_note_is_the_customers_notes(la, keys):
    customer = CustomerFactory(notes="Prefers phone calls.", gender="F")
    body = la.get(f"{API}/customers/{contactid(customer)}", {"apikey": keys[0]}).json()["response"]
    assert (body["note"], body["gender"]) == ("Prefers phone calls.", "F")


def test_dates_are_in_the_account_time_zone(la, keys, john, settings):
    settings.LIVEAGENT_TIME_ZONE = "Europe/Bratislava"
    body = la.get(f"{API}/customers/{contactid(john)}", {"apikey": keys[0]}).json()["response"]
    assert body["datecreated"] == "2012-03-02 12:21:04"


def test_a_regular_key_sees_its_mailboxes_customers_and_those_of_none(la, keys, john, hidden):
    admin_key, agent_key = keys
    loose = CustomerFactory(first_name="Loose", emails=[("loose@example.com", "work")])
    for identifier in ("john@example.com", "loose@example.com", contactid(loose)):
        assert la.get(f"{API}/customers/{identifier}", {"apikey": agent_key}).status_code == 200
    for identifier in ("hidden@example.com", contactid(hidden)):
        body = assert_error(la.get(f"{API}/customers/{identifier}", {"apikey": agent_key}), 404)
        assert identifier in body["errormessage"]
        assert la.get(f"{API}/customers/{identifier}", {"apikey": admin_key}).status_code == 200


@pytest.mark.parametrize(
    "identifier",
    [
        "nobody@example.com",
        "not-an-email",
        "unknown-contactid",
        "userid",  # the customer's userid is no contactid
        "1",
    ],
)
def test_an_unknown_customer_is_404_in_every_format(la, keys, john, identifier):
    identifier = {
        "unknown-contactid": id_encode(Kind.CUSTOMER_CONTACT, 999_999),
        "userid": id_encode(Kind.CUSTOMER_USER, john.pk),
    }.get(identifier, identifier)
    assert_error(la.get(f"{API}/customers/{identifier}", {"apikey": keys[0]}), 404)
    assert_error(la.get(f"{API}/customers/{identifier}.xml", {"apikey": keys[0]}), 404, "xml")


def test_a_customer_needs_a_usable_key(la, admin, john):
    assert_error(la.get(f"{API}/customers/john@example.com"), 401)
    assert_error(la.get(f"{API}/customers/john@example.com", {"apikey": "wrong"}), 401)
    api_key, raw = api_key_create(user=admin)
    api_key_revoke(api_key=api_key)
    assert_error(la.get(f"{API}/customers/john@example.com", {"apikey": raw}), 400)
    for method in ("POST", "DELETE"):
        assert_error(la.generic(method, f"{API}/customers/john@example.com/fields", form(code="x"), FORM), 401)


# --- #18 ---------------------------------------------------------------------------------------------------


def test_values_are_added_and_accumulate(la, keys, john, hook):
    WebhookEvent.objects.all().delete()
    values = '[{"code":"varsymbol","value":"43894209"},{"code":"OTHER_VAR","value":"test value"}]'
    # Multipart, as the seed's example posts it.
    response = la.post(f"{API}/customers/john@example.com/fields", {"apikey": keys[1], "customfields": values})
    assert response.json() == {"response": {"status": "OK", "statuscode": 0}}
    body = la.get(f"{API}/customers/john@example.com", {"apikey": keys[1]}).json()["response"]
    assert body["customfields"] == [
        {"code": "varsymbol", "value": "423874698"},
        {"code": "other_var", "value": "Example value of custom field"},
        {"code": "varsymbol", "value": "43894209"},
        {"code": "other_var", "value": "test value"},
    ]
    # Through the service: one customer.updated per write.
    assert list(WebhookEvent.objects.values_list("name", flat=True)) == ["customer.updated"]


def test_values_may_come_as_a_json_body_or_numbers(la, keys, john):
    response = la.post(
        f"{API}/customers/{contactid(john)}/fields.xml",
        {"apikey": keys[0], "customfields": [{"code": "varsymbol", "value": 7}]},
        content_type="application/json",
    )
    assert envelope(response) == {"status": "OK", "statuscode": "0"}
    assert john.field_values.last().value == "7"


def test_an_empty_list_or_empty_values_add_nothing(la, keys, john):
    before = CustomerFieldValue.objects.count()
    for values in ("[]", '[{"code":"other_var","value":""}]', '[{"code":"other_var","value":null}]'):
        response = la.post(f"{API}/customers/john@example.com/fields", {"apikey": keys[0], "customfields": values})
        assert response.status_code == 200
    assert CustomerFieldValue.objects.count() == before


@pytest.mark.parametrize(
    ("values", "debug", "message"),
    [
        (None, "customfields", "missing"),
        ("", "customfields", "missing"),
        ("{not json", "customfields", "JSON"),
        ('{"code":"varsymbol","value":"1"}', "customfields", "array"),
        ('["varsymbol"]', "customfields", "[0]"),
        ('[{"value":"1"}]', "customfields", "[0]"),
        ('[{"code":"varsymbol"}]', "customfields", "[0]"),
        ('[{"code":1,"value":"1"}]', "customfields", "[0]"),
        (
            '[{"code":"varsymbol","value":"1"},{"code":"nope","value":"1"}]',
            "customfields",
            "customfields[1].code: No customer field with code 'nope'",
        ),
        (
            '[{"code":"other_var","value":"1"},{"code":"varsymbol","value":"many"}]',
            "customfields",
            "customfields[1].value: Expected a number",
        ),
        ('[{"code":"varsymbol","value":["1"]}]', "customfields", "customfields[0].value: Expected text or a number"),
        (
            '[{"code":"other_var","value":"two\\nlines"}]',
            "customfields",
            "customfields[0].value: Expected a single line",
        ),
    ],
)
def test_bad_values_are_400_naming_customfields_and_write_nothing(la, keys, john, values, debug, message):
    before = CustomerFieldValue.objects.count()
    params = {"apikey": keys[0]} if values is None else {"apikey": keys[0], "customfields": values}
    body = assert_error(la.post(f"{API}/customers/john@example.com/fields", params), 400)
    assert body["debugmessage"] == debug
    assert message in body["errormessage"]
    assert CustomerFieldValue.objects.count() == before


# --- #17 ---------------------------------------------------------------------------------------------------


def test_values_of_one_field_are_deleted_by_code(la, keys, john, hook):
    customer_field_values_add(customer=john, values=[("varsymbol", "2"), ("other_var", "more")])
    WebhookEvent.objects.all().delete()
    # Urlencoded, as the seed's example sends DELETE's body.
    response = la.delete(f"{API}/customers/john@example.com/fields", form(apikey=keys[1], code="VARSYMBOL"), FORM)
    assert response.json() == {"response": {"status": "OK", "statuscode": 0}}
    assert list(john.field_values.values_list("field__code", "value")) == [
        ("other_var", "Example value of custom field"),
        ("other_var", "more"),
    ]
    assert list(WebhookEvent.objects.values_list("name", flat=True)) == ["customer.updated"]
    # Deleting what is not there is no change.
    response = la.delete(f"{API}/customers/john@example.com/fields", form(apikey=keys[1], code="varsymbol"), FORM)
    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 1


@pytest.mark.parametrize("code", [None, "", "  "])
def test_without_a_code_every_value_is_deleted(la, keys, john, code):
    params = {"apikey": keys[0]} if code is None else {"apikey": keys[0], "code": code}
    response = la.delete(f"{API}/customers/{contactid(john)}/fields.yaml", form(**params), FORM)
    assert envelope(response) == {"status": "OK", "statuscode": 0}
    assert not john.field_values.exists()


def test_deleting_an_unknown_code_is_400(la, keys, john):
    body = assert_error(
        la.delete(f"{API}/customers/john@example.com/fields", form(apikey=keys[0], code="nope"), FORM), 400
    )
    assert body["debugmessage"] == "code"
    assert john.field_values.count() == 2


# --- visibility of writes ----------------------------------------------------------------------------------


def test_field_writes_on_a_customer_out_of_reach_are_404(la, keys, hidden, fields):
    customer_field_values_add(customer=hidden, values=[("other_var", "kept")])
    agent_key = keys[1]
    path = f"{API}/customers/hidden@example.com/fields"
    assert_error(la.post(path, {"apikey": agent_key, "customfields": '[{"code":"other_var","value":"x"}]'}), 404)
    assert_error(la.delete(path, form(apikey=agent_key), FORM), 404)
    assert_error(la.delete(path, form(apikey=agent_key, code="nope"), FORM), 404)  # 404 before the code is read
    assert list(hidden.field_values.values_list("value", flat=True)) == ["kept"]
    # The admin's key reaches it.
    assert la.delete(path, form(apikey=keys[0]), FORM).status_code == 200
    assert not hidden.field_values.exists()


def test_unanswered_methods_are_405(la, keys, john):
    assert_error(la.put(f"{API}/customers/john@example.com", form(apikey=keys[0]), FORM), 405)
    assert_error(la.get(f"{API}/customers/john@example.com/fields", {"apikey": keys[0]}), 405)


# --- the same customers as the FreeScout API's ------------------------------------------------------------


def test_a_customer_made_through_freescout_is_read_and_changed_through_v1_and_back(la, keys, admin, fields):
    freescout = client_for(admin)
    response = freescout.post(
        "/api/customers",
        {"firstName": "Jane", "lastName": "Roe", "emails": [{"value": "Jane@Example.com", "type": "work"}]},
        format="json",
    )
    assert response.status_code == 201
    customer_id = response.json()["id"]
    # A customer of no conversation yet: the agent's key sees it as well.
    body = la.get(f"{API}/customers/jane@example.com", {"apikey": keys[1]}).json()["response"]
    assert (body["contactid"], body["systemname"], body["email"]) == (
        id_encode(Kind.CUSTOMER_CONTACT, customer_id),
        "Jane Roe",
        "jane@example.com",
    )
    values = '[{"code":"other_var","value":"first"},{"code":"other_var","value":"second"}]'
    response = la.post(f"{API}/customers/jane@example.com/fields", {"apikey": keys[1], "customfields": values})
    assert response.status_code == 200
    # FreeScout shows the newest value, and its PUT replaces them all, which v1 then reads.
    other = fields[1]
    shown = freescout.get(f"/api/customers/{customer_id}").json()["customerFields"]
    assert {"id": other.pk, "name": "Other", "value": "second", "text": ""} in shown
    response = freescout.put(
        f"/api/customers/{customer_id}/customer_fields",
        {"customerFields": [{"id": other.pk, "value": "only"}]},
        format="json",
    )
    assert response.status_code == 204
    body = la.get(f"{API}/customers/jane@example.com", {"apikey": keys[1]}).json()["response"]
    assert body["customfields"] == [{"code": "other_var", "value": "only"}]
