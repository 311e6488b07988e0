"""#3 ``GET /companies`` and #4 ``GET /companies/{companyid}``."""

import xml.etree.ElementTree as ET

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.group_services import company_add_to_group, customer_group_create
from customers.services import company_create, company_field_values_add, customer_update
from liveagent.ids import Kind, id_encode
from liveagent.plumbing.dates import datetime_out
from tests.factories import ConversationFactory, CustomerFactory, CustomerFieldFactory, MailboxFactory
from tests.liveagent.helpers import assert_error, envelope

API = "/liveagent/api"


@pytest.fixture
def company(db):
    """The seed's example of #4."""
    company = company_create(
        name="Company Co.",
        language="en",
        ip="15.1.1.10",
        emails=["support@companyco.com", "Boss@CompanyCo.com"],
        phones=["+214101254896", "0909 111 111"],
    )
    # The seed's codes ("n. of people") are no slugs; ours are.
    CustomerFieldFactory(name="Number of people", code="n_of_people", type="number")
    CustomerFieldFactory(name="Favourite drink", code="favourite_drink")
    company_field_values_add(company=company, values=[("n_of_people", "42"), ("favourite_drink", "coffee")])
    return company


def company_id(company) -> str:
    return id_encode(Kind.COMPANY, company.pk)


def group_id(group) -> str:
    return id_encode(Kind.CUSTOMER_GROUP, group.pk)


def seed_company(company, groups) -> dict:
    return {
        "id": company_id(company),
        "name": "Company Co.",
        "datecreated": datetime_out(company.created_at),
        "language": "en",
        "ip": "15.1.1.10",
        "emails": ["support@companyco.com", "boss@companyco.com"],
        "phones": ["+214101254896", "0909 111 111"],
        "groups": [{"groupid": group_id(group), "groupname": group.name} for group in groups],
        "custom_fields": [
            {"code": "n_of_people", "value": "42"},
            {"code": "favourite_drink", "value": "coffee"},
        ],
        # Each address, then each phone (the seed's example lists a phone that is not among its phones).
        "unique_fields": [
            {"code": "email", "value": "support@companyco.com"},
            {"code": "email", "value": "boss@companyco.com"},
            {"code": "phone", "value": "+214101254896"},
            {"code": "phone", "value": "0909 111 111"},
        ],
    }


@pytest.fixture
def groups(company):
    made = [customer_group_create(name="Super group"), customer_group_create(name="Rito pls")]
    for group in made:
        company_add_to_group(company=company, name=group.name)
    customer_group_create(name="Not theirs")
    return made


# --- #3 ----------------------------------------------------------------------------------------------------


def test_companies_as_the_seed_shows_them(la, keys):
    company = company_create(name="Company Co.", ip="10.10.1.1", emails=["ceo@companyco.com"])
    response = la.get(f"{API}/companies?&apikey={keys[0]}")
    assert response.json() == {
        "response": {
            "companies": [
                {
                    "id": company_id(company),
                    "name": "Company Co.",
                    "emails": "ceo@companyco.com",
                    "datecreated": datetime_out(company.created_at),
                    "ip": "10.10.1.1",
                }
            ]
        }
    }
    root = ET.fromstring(la.get(f"{API}/companies.xml", {"apikey": keys[0]}).content)
    assert [item.tag for item in root.find("companies")] == ["companie"]
    assert [(child.tag, child.text) for child in root.find("companies/companie")] == [
        ("id", company_id(company)),
        ("name", "Company Co."),
        ("emails", "ceo@companyco.com"),
        ("datecreated", datetime_out(company.created_at)),
        ("ip", "10.10.1.1"),
    ]


def test_a_companys_emails_are_joined_by_commas_in_the_list(la, keys, company):
    plain = company_create(name="Plain")
    body = envelope(la.get(f"{API}/companies.yaml", {"apikey": keys[0]}))
    assert body["companies"] == [
        {
            "id": company_id(company),
            "name": "Company Co.",
            "emails": "support@companyco.com,boss@companyco.com",
            "datecreated": datetime_out(company.created_at),
            "ip": "15.1.1.10",
        },
        {
            "id": company_id(plain),
            "name": "Plain",
            "emails": "",
            "datecreated": datetime_out(plain.created_at),
            "ip": None,
        },
    ]


def test_the_list_runs_a_constant_number_of_queries(la, keys, mailbox, django_assert_max_num_queries):
    company_create(name="First")
    with CaptureQueriesContext(connection) as one:
        assert len(la.get(f"{API}/companies", {"apikey": keys[1]}).json()["response"]["companies"]) == 1
    for index in range(5):
        company = company_create(name=f"Company {index}", emails=[f"c{index}@example.com"])
        company_add_to_group(company=company, name="Group")
        customer = CustomerFactory(company=company.name)
        ConversationFactory(mailbox=mailbox, customer=customer)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(la.get(f"{API}/companies", {"apikey": keys[1]}).json()["response"]["companies"]) == 6


def test_a_regular_key_lists_the_companies_of_its_customers_and_of_nobody(la, keys, mailbox):
    mine = CustomerFactory(company="Mine Inc")
    ConversationFactory(mailbox=mailbox, customer=mine)
    ConversationFactory(mailbox=MailboxFactory(), customer=CustomerFactory(company="Hidden Inc"))
    CustomerFactory(company="Loose Inc")  # a customer with no conversation is nobody's
    company_create(name="Empty Ltd")
    admin_key, agent_key = keys

    def names(key):
        return [row["name"] for row in la.get(f"{API}/companies", {"apikey": key}).json()["response"]["companies"]]

    assert names(agent_key) == ["Empty Ltd", "Loose Inc", "Mine Inc"]
    assert names(admin_key) == ["Empty Ltd", "Hidden Inc", "Loose Inc", "Mine Inc"]


def test_no_companies(la, keys):
    assert la.get(f"{API}/companies", {"apikey": keys[1]}).json() == {"response": {"companies": []}}
    assert b"<companies/>" in la.get(f"{API}/companies.xml", {"apikey": keys[1]}).content


# --- #4 ----------------------------------------------------------------------------------------------------


def test_a_company_as_the_seed_shows_it(la, keys, company, groups):
    for key in keys:  # nobody's company: every key sees it
        response = la.get(f"{API}/companies/{company_id(company)}?&apikey={key}")
        assert response.json() == {"response": seed_company(company, groups)}


def test_a_company_in_xml(la, keys, company, groups):
    response = la.get(f"{API}/companies/{company_id(company)}.xml", {"apikey": keys[0]})
    root = ET.fromstring(response.content)
    expected = seed_company(company, groups)
    assert [child.tag for child in root] == list(expected)
    assert [email.text for email in root.find("emails")] == expected["emails"]
    assert [item.tag for item in root.find("emails")] == ["email", "email"]
    assert [item.tag for item in root.find("phones")] == ["phone", "phone"]
    assert [item.text for item in root.find("phones")] == expected["phones"]
    for container in ("groups", "custom_fields", "unique_fields"):
        items = root.find(container)
        assert [item.tag for item in items] == [container[:-1]] * len(expected[container])
        assert [{child.tag: child.text for child in item} for item in items] == expected[container]


def test_a_company_in_yaml(la, keys, company, groups):
    response = la.get(f"{API}/companies/{company_id(company)}.yaml", {"apikey": keys[1]})
    assert yaml.safe_load(response.content) == {"response": seed_company(company, groups)}


def test_a_bare_company(la, keys):
    company = company_create(name="Bare")
    body = la.get(f"{API}/companies/{company_id(company)}", {"apikey": keys[0]}).json()["response"]
    assert body == {
        "id": company_id(company),
        "name": "Bare",
        "datecreated": datetime_out(company.created_at),
        "language": None,
        "ip": None,
        "emails": [],
        "phones": [],
        "groups": [],
        "custom_fields": [],
        "unique_fields": [],
    }


def test_a_customers_companyid_names_its_company(la, keys, company):
    customer = CustomerFactory(company="company co.")
    contactid = id_encode(Kind.CUSTOMER_CONTACT, customer.pk)
    companyid = la.get(f"{API}/customers/{contactid}", {"apikey": keys[1]}).json()["response"]["companyid"]
    assert companyid == company_id(company)
    assert la.get(f"{API}/companies/{companyid}", {"apikey": keys[1]}).json()["response"]["name"] == "Company Co."


def test_a_company_out_of_reach_is_404(la, keys, company, mailbox):
    hidden_customer = CustomerFactory(company="Company Co.")
    ConversationFactory(mailbox=MailboxFactory(), customer=hidden_customer)
    admin_key, agent_key = keys
    path = f"{API}/companies/{company_id(company)}"
    body = assert_error(la.get(path, {"apikey": agent_key}), 404)
    assert company_id(company) in body["errormessage"]
    assert la.get(path, {"apikey": admin_key}).status_code == 200
    # One of its customers in the agent's mailbox makes it visible.
    colleague = CustomerFactory()
    customer_update(customer=colleague, company="Company Co.")
    ConversationFactory(mailbox=mailbox, customer=colleague)
    assert la.get(path, {"apikey": agent_key}).status_code == 200


@pytest.mark.parametrize("companyid", ["unknown", "group", "nope", "1"])
def test_an_unknown_company_is_404(la, keys, company, companyid):
    companyid = {"unknown": id_encode(Kind.COMPANY, 999_999), "group": id_encode(Kind.CUSTOMER_GROUP, company.pk)}.get(
        companyid, companyid
    )
    assert_error(la.get(f"{API}/companies/{companyid}", {"apikey": keys[0]}), 404)
    assert_error(la.get(f"{API}/companies/{companyid}.xml", {"apikey": keys[0]}), 404, "xml")


def test_companies_need_a_key(la, company):
    assert_error(la.get(f"{API}/companies"), 401)
    assert_error(la.get(f"{API}/companies/{company_id(company)}"), 401)
    assert_error(la.get(f"{API}/companies.xml", {"apikey": "wrong"}), 401, "xml")
