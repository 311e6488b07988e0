"""Customer groups (LiveAgent's): their services, membership by name for customers and companies, the admin
page; and what companies gained for the LiveAgent API (language, IP address, emails, phones)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from customers.group_services import (
    company_add_to_group,
    company_remove_from_group,
    customer_add_to_group,
    customer_group_create,
    customer_group_delete,
    customer_group_update,
    customer_remove_from_group,
)
from customers.models import Company, Customer, CustomerGroup
from customers.services import company_create, company_get_or_create, company_update
from helpdesk.errors import Conflict, Invalid
from tests.admin_helpers import admin_url, form_data
from tests.api_helpers import client_for
from tests.factories import CustomerFactory
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def test_a_group_is_created_with_colours():
    group = customer_group_create(name="  VIP   customers ", text_color="ffffff", background_color="0000Ff")
    group.refresh_from_db()
    assert (group.name, group.text_color, group.background_color) == ("VIP customers", "FFFFFF", "0000FF")
    assert customer_group_create(name="Plain").text_color == ""


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x", "text_color": "#FFFFFF"}, "text_color"),
        ({"name": "x", "text_color": "FFF"}, "text_color"),
        ({"name": "x", "background_color": "GGGGGG"}, "background_color"),
    ],
)
def test_bad_group_input_is_invalid_at_its_field(given, field):
    with pytest.raises(Invalid) as error:
        customer_group_create(**given)
    assert list(error.value.message_dict) == [field]
    assert not CustomerGroup.objects.exists()


def test_group_names_are_unique_case_insensitively():
    group = customer_group_create(name="VIP")
    with pytest.raises(Conflict):
        customer_group_create(name="vip")
    other = customer_group_create(name="Partners")
    with pytest.raises(Conflict):
        customer_group_update(group=other, name="Vip")
    with pytest.raises(ValidationError):
        customer_group_create(name="x" * 101)
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerGroup.objects.create(name="VIP".lower())
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerGroup.objects.filter(pk=group.pk).update(text_color="fff")


def test_a_group_is_updated_and_deleted_without_its_members():
    group = customer_group_create(name="VIP", text_color="FFFFFF")
    customer = CustomerFactory()
    customer_add_to_group(customer=customer, name="VIP")
    updated = customer_group_update(group=group, name="Very important", background_color="ff0000")
    assert (updated.name, updated.text_color, updated.background_color) == ("Very important", "FFFFFF", "FF0000")
    assert customer_group_update(group=group, text_color="").text_color == ""
    customer_group_delete(group=group)
    assert not CustomerGroup.objects.exists()
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_customers_join_groups_by_name_which_are_created_when_unknown(hook):
    customer = CustomerFactory()
    WebhookEvent.objects.all().delete()
    before = Customer.objects.get(pk=customer.pk).updated_at

    created = customer_add_to_group(customer=customer, name=" Newsletter ")
    assert created.name == "Newsletter"
    existing = customer_group_create(name="VIP")
    assert customer_add_to_group(customer=customer, name="vip") == existing
    assert customer_add_to_group(customer=customer, name="VIP") == existing  # already in: no change
    assert list(customer.groups.order_by("id")) == [created, existing]
    assert CustomerGroup.objects.count() == 2
    assert list(WebhookEvent.objects.values_list("name", flat=True)) == ["customer.updated"] * 2
    assert Customer.objects.get(pk=customer.pk).updated_at > before


def test_leaving_a_group_is_idempotent(hook):
    customer, other = CustomerFactory(), CustomerFactory()
    customer_add_to_group(customer=customer, name="VIP")
    customer_add_to_group(customer=other, name="VIP")
    WebhookEvent.objects.all().delete()
    assert customer_remove_from_group(customer=customer, name="vip") is True
    assert customer_remove_from_group(customer=customer, name="VIP") is False
    assert customer_remove_from_group(customer=customer, name="Nobody made this") is False
    assert not CustomerGroup.objects.filter(name="Nobody made this").exists()
    assert not customer.groups.exists()
    assert list(CustomerGroup.objects.get(name="VIP").customers.all()) == [other]
    assert list(WebhookEvent.objects.values_list("name", flat=True)) == ["customer.updated"]


def test_companies_join_and_leave_groups_by_name():
    company = company_create(name="Acme")
    group = company_add_to_group(company=company, name="Partners")
    assert company_add_to_group(company=company, name="PARTNERS") == group
    assert list(company.groups.all()) == [group]
    assert company_remove_from_group(company=company, name="partners") is True
    assert company_remove_from_group(company=company, name="partners") is False


def test_the_group_admin_page_writes_through_the_services(admin_client, agent):
    response = admin_client.post(
        admin_url(CustomerGroup, "add"), {"name": "VIP", "text_color": "ffffff", "background_color": ""}
    )
    assert response.status_code == 302
    group = CustomerGroup.objects.get()
    assert (group.name, group.text_color) == ("VIP", "FFFFFF")

    bad = admin_client.post(admin_url(CustomerGroup, "change", group.pk), {"name": "VIP", "text_color": "white"})
    assert bad.status_code == 200 and "text_color" in bad.context["adminform"].form.errors
    taken = admin_client.post(admin_url(CustomerGroup, "add"), {"name": "vip"})
    assert taken.status_code in (200, 302) and CustomerGroup.objects.count() == 1

    customer_add_to_group(customer=CustomerFactory(), name="VIP")
    listing = admin_client.get(admin_url(CustomerGroup, "changelist"))
    assert listing.status_code == 200
    assert listing.context["cl"].result_list[0].customers_total == 1

    assert admin_client.post(admin_url(CustomerGroup, "delete", group.pk), {"post": "yes"}).status_code == 302
    assert not CustomerGroup.objects.exists()


def test_agents_get_no_group_pages(client, agent):
    group = customer_group_create(name="VIP")
    client.force_login(agent)
    assert client.get(admin_url(CustomerGroup, "changelist")).status_code == 403
    assert client.get(admin_url(CustomerGroup, "change", group.pk)).status_code in (302, 403)


# Companies


def test_a_company_is_created_with_what_the_liveagent_api_shows():
    company = company_create(
        name=" Acme ",
        language="pt-BR",
        ip="2001:db8::1",
        emails=["Sales@Acme.example", "sales@acme.example", "billing@acme.example"],
        phones=[" +1 555 0100 ", "", "+1 555 0101"],
    )
    company.refresh_from_db()
    assert (company.name, company.language, company.ip) == ("Acme", "pt-BR", "2001:db8::1")
    assert company.emails == ["sales@acme.example", "billing@acme.example"]
    assert company.phones == ["+1 555 0100", "+1 555 0101"]
    assert company.created_at is not None
    with pytest.raises(Conflict):
        company_create(name="ACME")


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"ip": "300.1.1.1"}, "ip"),
        ({"emails": ["ok@example.org", "not an address"]}, "emails[1]"),
        ({"phones": ["1" * 61]}, "phones[0]"),
        ({"language": "x" * 13}, "language"),
    ],
)
def test_bad_company_input_is_invalid_at_its_field(given, field):
    company = company_create(name="Acme")
    with pytest.raises(Invalid) as error:
        company_update(company=company, **given)
    assert list(error.value.message_dict) == [field]
    with pytest.raises(Invalid):
        company_create(name="Globex", **given)
    assert Company.objects.count() == 1


def test_company_update_changes_only_what_is_given():
    company = company_create(name="Acme", language="en", ip="10.0.0.1", emails=["a@acme.example"])
    company = company_update(company=company, phones=["+1 555"])
    assert (company.name, company.language, company.ip, company.emails, company.phones) == (
        "Acme",
        "en",
        "10.0.0.1",
        ["a@acme.example"],
        ["+1 555"],
    )
    company = company_update(company=company, name="Acme Inc", ip="", emails=[])
    company.refresh_from_db()
    assert (company.name, company.ip, company.emails) == ("Acme Inc", None, [])


def test_freescout_still_finds_or_makes_companies_by_name(admin):
    made = company_create(name="Acme", language="en")
    assert company_get_or_create(name="acme") == made
    customer = client_for(admin).post("/api/customers", {"firstName": "Ann", "company": "ACME"}, format="json").json()
    assert customer["company"] == "Acme"


def test_the_company_admin_page_edits_the_new_fields(admin_client):
    response = admin_client.post(
        admin_url(Company, "add"),
        {
            "name": "Acme",
            "language": "de",
            "ip": "192.0.2.1",
            "email_lines": "A@acme.example\n\n",
            "phone_lines": "1",
            # The inline of values of customer fields, left empty.
            "field_values-TOTAL_FORMS": "0",
            "field_values-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    company = Company.objects.get()
    assert (company.language, company.ip, company.emails, company.phones) == (
        "de",
        "192.0.2.1",
        ["a@acme.example"],
        ["1"],
    )
    data = form_data(admin_client.get(admin_url(Company, "change", company.pk)))
    assert data["email_lines"] == "a@acme.example"
    data.update({"email_lines": "b@acme.example\nc@acme.example", "ip": ""})
    assert admin_client.post(admin_url(Company, "change", company.pk), data).status_code == 302
    company.refresh_from_db()
    assert (company.emails, company.ip) == (["b@acme.example", "c@acme.example"], None)
