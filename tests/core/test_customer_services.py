import pytest
from django.core.exceptions import ValidationError

from customers.models import Company, Customer, CustomerEmail, CustomerPhone
from customers.services import customer_create, customer_field_values_set, customer_get_or_create_by_email
from tests.factories import CustomerFactory, CustomerFieldFactory

pytestmark = pytest.mark.django_db


def test_create_normalises_emails_and_keeps_phone_digits():
    customer = customer_create(
        first_name="Mark",
        emails=[(" Mark@Example.ORG ", "home")],
        phones=[("+1 (777) 777-777", "mobile")],
        social_profiles=[("@mark", "twitter")],
        websites=["https://example.org"],
        company="Example, Inc",
    )
    assert list(customer.emails.values_list("email", "type")) == [("mark@example.org", "home")]
    assert customer.phones.get().digits == "1777777777"
    assert customer.company.name == "Example, Inc"
    again = customer_create(first_name="Jane", company="example, inc")
    assert again.company == customer.company and Company.objects.count() == 1


def test_an_email_belongs_to_one_customer():
    CustomerFactory(emails=[("taken@example.org", "work")])
    with pytest.raises(ValidationError) as error:
        customer_create(first_name="X", emails=[("TAKEN@example.org", "work")])
    assert "emails[0]" in error.value.message_dict
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"emails": [("not-an-email", "work")]}, "emails[0]"),
        ({"emails": [("a@example.org", "fax")]}, "emails[0]"),
        ({"phones": [("123", "satellite")]}, "phones[0]"),
        ({"phones": [("1" * 61, "work")]}, "phones[0]"),
        ({"social_profiles": [("x", "myspace")]}, "social_profiles[0]"),
        ({"websites": ["w" * 256]}, "websites[0]"),
        ({"company": "c" * 61}, "company"),
        ({"photo_type": "polaroid"}, "photo_type"),
        ({"first_name": ""}, "first_name"),
    ],
)
def test_bad_input_is_a_validation_error_and_writes_nothing(fields, key):
    fields = {"first_name": "Mark", **fields}
    with pytest.raises(ValidationError) as error:
        customer_create(**fields)
    assert key in error.value.message_dict
    assert not Customer.objects.exists() and not CustomerPhone.objects.exists() and not CustomerEmail.objects.exists()


def test_get_or_create_by_email_finds_any_of_the_customers_emails():
    customer = CustomerFactory(emails=[("one@example.org", "work"), ("two@example.org", "home")])
    assert customer_get_or_create_by_email(email="TWO@example.org") == (customer, False)
    created, was_created = customer_get_or_create_by_email(email="new@example.org", first_name="New")
    assert was_created and created.first_name == "New"


def test_customer_field_values_replace_and_clear():
    customer = CustomerFactory()
    plan = CustomerFieldFactory(name="Plan", type="dropdown", options={"1": "Free", "2": "Pro"})
    customer_field_values_set(customer=customer, values={plan: "2"})
    customer_field_values_set(customer=customer, values={plan: "1"})
    assert list(customer.field_values.values_list("value", flat=True)) == ["1"]
    with pytest.raises(ValidationError):
        customer_field_values_set(customer=customer, values={plan: "9"})
    customer_field_values_set(customer=customer, values={plan: None})
    assert not customer.field_values.exists()
