"""A company's values of customer fields (LiveAgent's company ``custom_fields``, #4): by code, accumulating,
all or nothing, as a customer's are; the company admin page replaces them through a service."""

import pytest

from customers.models import Company, CompanyFieldValue
from customers.services import company_create, company_field_values_add, company_field_values_delete
from helpdesk.errors import Invalid
from tests.admin_helpers import admin_url, form_data
from tests.factories import CustomerFieldFactory

pytestmark = pytest.mark.django_db


def test_company_values_accumulate_by_code_in_order():
    company = company_create(name="Company Co.")
    before = company.updated_at
    CustomerFieldFactory(name="People", code="n_of_people", type="number")
    CustomerFieldFactory(name="Drink")
    company_field_values_add(company=company, values=[("N_OF_PEOPLE", "42"), ("drink", "coffee"), ("drink", " ")])
    company_field_values_add(company=company, values=[("drink", "tea")])
    assert list(company.field_values.order_by("id").values_list("field__code", "value")) == [
        ("n_of_people", "42"),
        ("drink", "coffee"),
        ("drink", "tea"),
    ]
    company.refresh_from_db()
    assert company.updated_at > before


@pytest.mark.parametrize(
    ("values", "path"),
    [
        ([("drink", "tea"), ("nope", "1")], "company_fields[1].code"),
        ([("drink", "tea"), ("n_of_people", "many")], "company_fields[1].value"),
    ],
)
def test_company_values_are_checked_all_before_any_is_written(values, path):
    company = company_create(name="Company Co.")
    CustomerFieldFactory(name="People", code="n_of_people", type="number")
    CustomerFieldFactory(name="Drink")
    with pytest.raises(Invalid) as error:
        company_field_values_add(company=company, values=values)
    assert list(error.value.message_dict) == [path]
    assert not CompanyFieldValue.objects.exists()


def test_company_values_are_deleted_by_code_or_all():
    company = company_create(name="Company Co.")
    other = company_create(name="Other")
    drink = CustomerFieldFactory(name="Drink")
    CustomerFieldFactory(name="Food")
    company_field_values_add(company=company, values=[("drink", "tea"), ("drink", "coffee"), ("food", "cake")])
    company_field_values_add(company=other, values=[("drink", "water")])
    assert company_field_values_delete(company=company, code="DRINK") == 2
    assert company_field_values_delete(company=company, code="drink") == 0
    with pytest.raises(Invalid) as error:
        company_field_values_delete(company=company, code="nope")
    assert list(error.value.message_dict) == ["code"]
    assert company_field_values_delete(company=company) == 1
    assert list(CompanyFieldValue.objects.values_list("value", flat=True)) == ["water"]
    # A field's deletion takes its company values with it.
    drink.delete()
    assert not CompanyFieldValue.objects.exists()


def test_the_company_admin_page_replaces_the_values_through_the_service(admin_client):
    company = company_create(name="Company Co.")
    people = CustomerFieldFactory(name="People", code="n_of_people", type="number")
    drink = CustomerFieldFactory(name="Drink")
    company_field_values_add(company=company, values=[("drink", "tea"), ("drink", "coffee")])
    url = admin_url(Company, "change", company.pk)
    data = form_data(admin_client.get(url))
    assert [data["field_values-0-value"], data["field_values-1-value"]] == ["tea", "coffee"]
    data.update(
        {
            "field_values-0-DELETE": "on",
            "field_values-TOTAL_FORMS": "3",
            "field_values-2-field": people.pk,
            "field_values-2-value": " 42 ",
        }
    )
    assert admin_client.post(url, data).status_code == 302
    assert list(company.field_values.order_by("id").values_list("field__code", "value")) == [
        ("drink", "coffee"),
        ("n_of_people", "42"),
    ]
    # A value its field refuses is shown on the page, and nothing changes.
    data = form_data(admin_client.get(url))
    data.update({"field_values-1-value": "many"})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Expected a number." in response.content.decode()
    assert company.field_values.filter(field=drink).count() == 1
    assert company.field_values.get(field=people).value == "42"
