"""POST/GET/PUT /api/customers, PUT /api/customers/{id}/customer_fields and the admin-only
/api/customer_fields extension: the docs' JSON, every parameter and error path, nothing half-written,
one webhook event per request (freescout-behaviour.md §2 to §4, §6 to §8)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Company, Customer, CustomerField, CustomerFieldValue
from customers.services import customer_field_values_set
from tests.api_helpers import client_for, error_paths
from tests.factories import CustomerFactory, CustomerFieldFactory
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

# The docs' Get Customer example, in its order.
CUSTOMER_KEYS = [
    "id",
    "firstName",
    "lastName",
    "company",
    "jobTitle",
    "photoType",
    "photoUrl",
    "createdAt",
    "updatedAt",
    "notes",
    "customerFields",
    "_embedded",
]
EMBEDDED_KEYS = ["emails", "phones", "social_profiles", "websites", "address"]
ADDRESS_KEYS = ["city", "state", "zip", "country", "address"]
CUSTOMER_FIELD_KEYS = ["id", "name", "type", "options", "required", "sortOrder"]

# The docs' Create Customer / Update Customer example body.
DOCS_BODY = {
    "firstName": "Mark",
    "lastName": "Morrison",
    "phone": "777-777-777",
    "photoUrl": "https://example.org/upload/customer.jpg",
    "jobTitle": "Secretary",
    "photoType": "unknown",
    "address": {"city": "LA", "state": "California", "zip": "123123", "country": "US", "address": "1419 Westwood Blvd"},
    "notes": "Nothing special to say",
    "company": "Example, Inc",
    "emails": [{"value": "mark@example.org", "type": "home"}],
    "phones": [{"value": "777-777-777", "type": "home"}],
    "socialProfiles": [{"value": "@markexample", "type": "twitter"}],
    "websites": [{"value": "https://example.org"}],
}


def recorded() -> list[str]:
    return list(WebhookEvent.objects.order_by("created_at", "id").values_list("name", flat=True))


@pytest.fixture
def agent_api(agent):
    return client_for(agent)


def embedded(customer: Customer) -> dict:
    """What GET shows in ``_embedded``, without ids."""
    body = client_for(customer_owner()).get(f"/api/customers/{customer.pk}").json()["_embedded"]
    return {
        key: [{k: v for k, v in item.items() if k != "id"} for item in value] if isinstance(value, list) else value
        for key, value in body.items()
    }


def customer_owner():
    from tests.factories import AdminFactory

    return AdminFactory()


def assert_customer_shape(body: dict) -> None:
    assert list(body) == CUSTOMER_KEYS
    assert list(body["_embedded"]) == EMBEDDED_KEYS
    assert list(body["_embedded"]["address"]) == ADDRESS_KEYS
    for email in body["_embedded"]["emails"]:
        assert list(email) == ["id", "value", "type"]
    for website in body["_embedded"]["websites"]:
        assert list(website) == ["id", "value"]


# --- POST /api/customers ---------------------------------------------------------------------------------------


def test_create_with_the_docs_example(agent_api, hook):
    field = CustomerFieldFactory(name="Age", type="number")
    response = agent_api.post("/api/customers", DOCS_BODY, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Resource-ID"] == str(body["id"])
    assert_customer_shape(body)
    customer = Customer.objects.get()
    assert body == {
        "id": customer.pk,
        "firstName": "Mark",
        "lastName": "Morrison",
        "company": "Example, Inc",
        "jobTitle": "Secretary",
        "photoType": "unknown",
        "photoUrl": "https://example.org/upload/customer.jpg",
        "createdAt": customer.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updatedAt": customer.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "notes": "Nothing special to say",
        "customerFields": [{"id": field.pk, "name": "Age", "value": "", "text": ""}],
        "_embedded": {
            "emails": [{"id": customer.emails.get().pk, "value": "mark@example.org", "type": "home"}],
            # The singular phone is the listed number already: not added twice.
            "phones": [{"id": customer.phones.get().pk, "value": "777-777-777", "type": "home"}],
            "social_profiles": [{"id": customer.social_profiles.get().pk, "value": "@markexample", "type": "twitter"}],
            "websites": [{"id": customer.websites.get().pk, "value": "https://example.org"}],
            "address": {
                "city": "LA",
                "state": "California",
                "zip": "123123",
                "country": "US",
                "address": "1419 Westwood Blvd",
            },
        },
    }
    assert agent_api.get(f"/api/customers/{customer.pk}").json() == body
    assert recorded() == ["customer.created"]


def test_create_singular_phone_adds_a_work_phone_and_emails_may_be_strings(agent_api):
    body = {"emails": ["Jane@Example.org"], "phone": "+1 555 0100", "phones": [{"value": "555-0199"}]}
    response = agent_api.post("/api/customers", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()["_embedded"]
    assert [(e["value"], e["type"]) for e in created["emails"]] == [("jane@example.org", "work")]
    assert [(p["value"], p["type"]) for p in created["phones"]] == [("555-0199", "work"), ("+1 555 0100", "work")]
    assert response.json()["firstName"] == "" and response.json()["company"] == ""


def test_create_needs_a_first_name_or_an_email(agent_api, hook):
    response = agent_api.post("/api/customers", {"lastName": "Doe", "phone": "555"}, format="json")
    assert response.status_code == 400
    errors = error_paths(response)
    assert set(errors) == {"firstName"} and "rejectedValue" not in errors["firstName"]
    assert agent_api.post("/api/customers", {"firstName": "Jane"}, format="json").status_code == 201


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("firstName", "x" * 41),
        ("lastName", "x" * 41),
        ("photoUrl", "https://example.org/" + "x" * 181),
        ("photoUrl", "not a url"),
        ("jobTitle", "x" * 61),
        ("company", "x" * 61),
    ],
)
def test_create_lengths(agent_api, hook, path, value):
    response = agent_api.post("/api/customers", {"firstName": "Jane", path: value}, format="json")
    assert response.status_code == 400
    assert error_paths(response)[path]["rejectedValue"] == value
    assert not Customer.objects.exists() and not Company.objects.exists() and recorded() == []


def test_create_at_the_length_limits(agent_api):
    body = {
        "firstName": "x" * 40,
        "lastName": "y" * 40,
        "photoUrl": "https://example.org/" + "x" * 180,
        "jobTitle": "j" * 60,
        "company": "c" * 60,
    }
    assert agent_api.post("/api/customers", body, format="json").status_code == 201


@pytest.mark.parametrize(
    ("body", "path", "rejected"),
    [
        ({"photoType": "selfie"}, "photoType", "selfie"),
        ({"emails": [{"value": "a@example.org", "type": "office"}]}, "emails[0].type", "office"),
        ({"phones": [{"value": "1", "type": "car"}]}, "phones[0].type", "car"),
        ({"socialProfiles": [{"value": "@a", "type": "myspace"}]}, "socialProfiles[0].type", "myspace"),
    ],
)
def test_create_unknown_enums(agent_api, body, path, rejected):
    response = agent_api.post("/api/customers", {"firstName": "Jane", **body}, format="json")
    assert response.status_code == 400
    error = error_paths(response)[path]
    assert error["rejectedValue"] == rejected and error["message"].startswith("Expected one of these: '")
    assert not Customer.objects.exists()


def test_create_invalid_email_and_address(agent_api):
    response = agent_api.post(
        "/api/customers",
        {"firstName": "J", "emails": [{"value": "nope"}], "address": {"country": "USA"}},
        format="json",
    )
    assert response.status_code == 400
    errors = error_paths(response)
    assert errors["emails[0].value"]["rejectedValue"] == "nope"
    assert errors["address.country"]["rejectedValue"] == "USA"


def test_create_conflicts_when_every_email_is_taken(agent_api, hook):
    existing = CustomerFactory(first_name="Old", emails=[("a@example.org", "work"), ("b@example.org", "work")])
    before = recorded()
    response = agent_api.post(
        "/api/customers", {"firstName": "New", "emails": ["A@example.org", {"value": "b@example.org"}]}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["errorCode"] == "CONFLICT" and set(response.json()) == {"message", "errorCode", "_embedded"}
    assert Customer.objects.count() == 1 and recorded() == before
    # Among new addresses a taken one stays with its owner; the existing customer is not updated.
    response = agent_api.post(
        "/api/customers", {"firstName": "New", "emails": ["a@example.org", "c@example.org"]}, format="json"
    )
    assert response.status_code == 201
    assert [e["value"] for e in response.json()["_embedded"]["emails"]] == ["c@example.org"]
    existing.refresh_from_db()
    assert existing.first_name == "Old" and existing.emails.count() == 2


# --- GET /api/customers/{id} and GET /api/customers -----------------------------------------------------------------


def test_get_unknown_customer_is_404(agent_api):
    response = agent_api.get("/api/customers/999999")
    assert response.status_code == 404 and response.json()["errorCode"] == "NOT FOUND"


def test_get_shows_custom_field_values_and_dropdown_labels(agent_api):
    customer = CustomerFactory()
    gender = CustomerFieldFactory(name="Gender", type="dropdown", options={"1": "Male", "2": "Female"}, sort_order=2)
    age = CustomerFieldFactory(name="Age", type="number", sort_order=1)
    customer_field_values_set(customer=customer, values={gender: "1", age: 25})
    body = agent_api.get(f"/api/customers/{customer.pk}").json()
    assert body["customerFields"] == [
        {"id": age.pk, "name": "Age", "value": "25", "text": ""},
        {"id": gender.pk, "name": "Gender", "value": "1", "text": "Male"},
    ]


def at(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


@pytest.fixture
def people(db):
    made = {
        "john": CustomerFactory(first_name="John", last_name="Doe", emails=[("john@example.org", "work")]),
        "johnny": CustomerFactory(first_name="Johnny", last_name="Doe", emails=[("jd@example.org", "work")]),
        "jane": CustomerFactory(
            first_name="jane",
            last_name="Roe",
            emails=[("jane@example.org", "work"), ("jane@home.example", "home")],
            phones=[("+1 (777) 777-777", "home")],
        ),
    }
    for days, customer in enumerate(made.values()):
        Customer.objects.filter(pk=customer.pk).update(
            created_at=at(2024, 1, 1 + days), updated_at=at(2024, 2, 1 + days)
        )
    return made


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert list(body) == ["_embedded", "page"] and list(body["_embedded"]) == ["customers"]
    return [item["firstName"] for item in body["_embedded"]["customers"]]


def test_list_default_order_and_shape(agent_api, people):
    response = agent_api.get("/api/customers")
    assert names(response) == ["jane", "Johnny", "John"]
    body = response.json()
    assert body["page"] == {"size": 50, "totalElements": 3, "totalPages": 1, "number": 1}
    for item in body["_embedded"]["customers"]:
        assert_customer_shape(item)
    jane = agent_api.get(f"/api/customers/{people['jane'].pk}").json()
    assert body["_embedded"]["customers"][0] == jane


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"firstName": "john"}, ["John"]),  # whole name, any case: "Johnny" is another name
        ({"firstName": "JANE"}, ["jane"]),
        ({"firstName": "Jo"}, []),
        ({"lastName": "doe"}, ["Johnny", "John"]),
        ({"firstName": "John", "lastName": "Roe"}, []),
        ({"phone": "777-777"}, ["jane"]),
        ({"phone": "1777777777"}, ["jane"]),
        ({"phone": "555"}, []),
        ({"email": "jane@home.example"}, ["jane"]),
        ({"email": "JOHN@example.org"}, ["John"]),
        ({"email": "john"}, []),
        ({"updatedSince": "2024-02-02T00:00:00Z"}, ["jane", "Johnny"]),  # inclusive
        ({"updatedSince": "2024-02-02T00:00:01+00:00"}, ["jane"]),
        ({"updatedSince": "2024-02-01T00:00:00"}, ["jane", "Johnny", "John"]),
        ({"sortField": "firstName", "sortOrder": "asc"}, ["jane", "John", "Johnny"]),
        ({"sortField": "firstName"}, ["Johnny", "John", "jane"]),
        ({"sortField": "lastName", "sortOrder": "asc"}, ["John", "Johnny", "jane"]),  # ties by id
        ({"sortField": "lastName", "sortOrder": "desc"}, ["jane", "Johnny", "John"]),
        ({"sortField": "updatedAt", "sortOrder": "ASC"}, ["John", "Johnny", "jane"]),
        ({"sortField": "createdAt", "sortOrder": "asc"}, ["John", "Johnny", "jane"]),
        ({"unknown": "ignored", "firstName": ""}, ["jane", "Johnny", "John"]),
    ],
)
def test_list_filters_and_sorts(agent_api, people, params, expected):
    assert names(agent_api.get("/api/customers", params)) == expected


def test_list_paging(agent_api, people):
    response = agent_api.get("/api/customers", {"pageSize": 2, "page": 2})
    assert names(response) == ["John"]
    assert response.json()["page"] == {"size": 2, "totalElements": 3, "totalPages": 2, "number": 2}
    assert names(agent_api.get("/api/customers", {"pageSize": 2, "page": 3})) == []


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"sortField": "email"}, "sortField"),
        ({"sortOrder": "up"}, "sortOrder"),
        ({"updatedSince": "yesterday"}, "updatedSince"),
        ({"phone": "abc"}, "phone"),
        ({"page": "0"}, "page"),
    ],
)
def test_list_bad_parameters(agent_api, people, params, path):
    response = agent_api.get("/api/customers", params)
    assert response.status_code == 400
    assert error_paths(response)[path]["rejectedValue"] == next(iter(params.values()))


def test_list_costs_a_constant_number_of_queries(admin_api):
    fields = [CustomerFieldFactory(type="dropdown", options={"1": "a"}), CustomerFieldFactory()]

    def grow(count: int) -> None:
        for index in range(count):
            customer = CustomerFactory(
                phones=[(f"555-01{index:02d}", "work")],
                social_profiles=[("@x", "twitter")],
                websites=["https://example.org"],
                company=f"Company {Customer.objects.count()}",
            )
            customer_field_values_set(customer=customer, values={fields[0]: "1", fields[1]: "x"})

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert admin_api.get("/api/customers").status_code == 200
        return len(context)

    grow(2)
    admin_api.get("/api/customers")  # warm-up: the key's first use is recorded once
    small = queries()
    grow(4)
    assert len(admin_api.get("/api/customers").json()["_embedded"]["customers"]) == 6
    assert queries() == small


# --- PUT /api/customers/{id} ---------------------------------------------------------------------------------------


@pytest.fixture
def mark(db):
    return CustomerFactory(
        first_name="Mark",
        last_name="Morrison",
        job_title="Secretary",
        emails=[("mark@example.org", "work"), ("mark@home.example", "home")],
        phones=[("111", "home")],
        social_profiles=[("@mark", "twitter")],
        websites=["https://mark.example"],
        company="Example, Inc",
        address_city="LA",
    )


def test_update_is_partial(agent_api, hook, mark):
    WebhookEvent.objects.all().delete()
    before = embedded(mark)
    response = agent_api.put(f"/api/customers/{mark.pk}", {"firstName": "Marcus", "notes": "VIP"}, format="json")
    assert response.status_code == 204 and response.content == b""
    assert "Resource-ID" not in response
    mark.refresh_from_db()
    assert (mark.first_name, mark.last_name, mark.job_title, mark.notes) == ("Marcus", "Morrison", "Secretary", "VIP")
    assert mark.company.name == "Example, Inc"
    assert embedded(mark) == before
    assert recorded() == ["customer.updated"]


def test_update_with_the_docs_example(agent_api, hook, mark):
    WebhookEvent.objects.all().delete()
    response = agent_api.put(f"/api/customers/{mark.pk}", DOCS_BODY, format="json")
    assert response.status_code == 204, response.content
    assert embedded(mark) == {
        "emails": [{"value": "mark@example.org", "type": "home"}],
        "phones": [{"value": "777-777-777", "type": "home"}],
        "social_profiles": [{"value": "@markexample", "type": "twitter"}],
        "websites": [{"value": "https://example.org"}],
        "address": {
            "city": "LA",
            "state": "California",
            "zip": "123123",
            "country": "US",
            "address": "1419 Westwood Blvd",
        },
    }
    assert recorded() == ["customer.updated"]
    # The same body again changes nothing more.
    assert agent_api.put(f"/api/customers/{mark.pk}", DOCS_BODY, format="json").status_code == 204
    assert len(embedded(mark)["phones"]) == 1


def test_update_emails_add_and_strings(agent_api, mark):
    body = {"emails_add": ["New@Example.org", {"value": "other@example.org", "type": "other"}, "mark@example.org"]}
    assert agent_api.put(f"/api/customers/{mark.pk}", body, format="json").status_code == 204
    assert embedded(mark)["emails"] == [
        {"value": "mark@example.org", "type": "work"},
        {"value": "mark@home.example", "type": "home"},
        {"value": "new@example.org", "type": "work"},
        {"value": "other@example.org", "type": "other"},
    ]
    # emails_add is ignored when emails is present; emails replaces the list.
    body = {"emails": ["mark@home.example"], "emails_add": ["ignored@example.org"]}
    assert agent_api.put(f"/api/customers/{mark.pk}", body, format="json").status_code == 204
    assert embedded(mark)["emails"] == [{"value": "mark@home.example", "type": "work"}]


def test_update_lists_phone_address_and_company(agent_api, mark):
    other_company = Company.objects.create(name="ACME")
    body = {
        "phones": [{"value": "222", "type": "mobile"}, "333"],
        "phone": "444",
        "socialProfiles": [],
        "websites": ["https://new.example"],
        "address": {"city": "Paris", "country": "fr"},
        "company": "acme",
    }
    assert agent_api.put(f"/api/customers/{mark.pk}", body, format="json").status_code == 204
    shown = embedded(mark)
    assert shown["phones"] == [
        {"value": "222", "type": "mobile"},
        {"value": "333", "type": "work"},
        {"value": "444", "type": "work"},
    ]
    assert shown["social_profiles"] == [] and shown["websites"] == [{"value": "https://new.example"}]
    assert shown["address"] == {"city": "Paris", "state": "", "zip": "", "country": "FR", "address": ""}
    mark.refresh_from_db()
    assert mark.company == other_company
    # The singular phone appends (once); an empty company clears it.
    assert agent_api.put(f"/api/customers/{mark.pk}", {"phone": "555", "company": ""}, format="json").status_code == 204
    assert [p["value"] for p in embedded(mark)["phones"]] == ["222", "333", "444", "555"]
    mark.refresh_from_db()
    assert mark.company is None


def test_update_conflicting_email_changes_nothing(agent_api, hook, mark):
    CustomerFactory(emails=[("taken@example.org", "work")])
    WebhookEvent.objects.all().delete()
    before = embedded(mark)
    for body in (
        {"firstName": "Changed", "phones": [], "emails": ["mark@example.org", "taken@example.org"]},
        {"firstName": "Changed", "phones": [], "emails_add": ["taken@example.org"]},
    ):
        response = agent_api.put(f"/api/customers/{mark.pk}", body, format="json")
        assert response.status_code == 409 and response.json()["errorCode"] == "CONFLICT"
    mark.refresh_from_db()
    assert mark.first_name == "Mark" and embedded(mark) == before and recorded() == []


@pytest.mark.parametrize(
    ("body", "path", "rejected"),
    [
        ({"firstName": "x" * 41}, "firstName", "x" * 41),
        ({"company": "c" * 61}, "company", "c" * 61),
        ({"photoType": "selfie"}, "photoType", "selfie"),
        ({"emails_add": [{"value": "a@example.org", "type": "office"}]}, "emails_add[0].type", "office"),
        ({"emails": ["nope"]}, "emails[0].value", None),
        ({"phones": [{"value": "1", "type": "car"}]}, "phones[0].type", "car"),
        ({"address": {"zip": "1" * 13}}, "address.zip", "1" * 13),
    ],
)
def test_update_validation(agent_api, hook, mark, body, path, rejected):
    WebhookEvent.objects.all().delete()
    before = embedded(mark)
    response = agent_api.put(f"/api/customers/{mark.pk}", {"lastName": "Changed", **body}, format="json")
    assert response.status_code == 400
    error = error_paths(response)[path]
    assert error.get("rejectedValue") == rejected
    mark.refresh_from_db()
    assert mark.last_name == "Morrison" and embedded(mark) == before and recorded() == []


def test_update_unknown_customer_is_404(agent_api):
    assert agent_api.put("/api/customers/999999", {"firstName": "x"}, format="json").status_code == 404


# --- PUT /api/customers/{id}/customer_fields ------------------------------------------------------------------------


def test_set_customer_fields(agent_api, hook, mark):
    age = CustomerFieldFactory(name="Age", type="number")
    plan = CustomerFieldFactory(name="Plan", type="dropdown", options={"1": "Free", "2": "Pro"})
    WebhookEvent.objects.all().delete()
    body = {"customerFields": [{"id": age.pk, "value": "25"}, {"id": str(plan.pk), "value": 2}]}
    response = agent_api.put(f"/api/customers/{mark.pk}/customer_fields", body, format="json")
    assert response.status_code == 204 and response.content == b""
    shown = agent_api.get(f"/api/customers/{mark.pk}").json()["customerFields"]
    assert [(f["value"], f["text"]) for f in shown] == [("25", ""), ("2", "Pro")]
    assert recorded() == ["customer.updated"]
    body = {"customerFields": [{"id": age.pk, "value": ""}]}
    assert agent_api.put(f"/api/customers/{mark.pk}/customer_fields", body, format="json").status_code == 204
    assert not CustomerFieldValue.objects.filter(field=age).exists()


@pytest.mark.parametrize(
    ("second", "path", "rejected"),
    [
        ({"id": 999999, "value": "x"}, "customerFields[1].id", 999999),
        ({"id": "PLAN", "value": "9"}, "customerFields[1].value", "9"),
        ({"id": "PLAN"}, "customerFields[1].value", None),
        ({"id": 0, "value": "x"}, "customerFields[1].id", 0),
    ],
)
def test_set_customer_fields_errors_write_nothing(agent_api, hook, mark, second, path, rejected):
    age = CustomerFieldFactory(name="Age", type="number")
    plan = CustomerFieldFactory(name="Plan", type="dropdown", options={"1": "Free"})
    if second["id"] == "PLAN":
        second = {**second, "id": plan.pk}
    WebhookEvent.objects.all().delete()
    body = {"customerFields": [{"id": age.pk, "value": 30}, second]}
    response = agent_api.put(f"/api/customers/{mark.pk}/customer_fields", body, format="json")
    assert response.status_code == 400
    assert error_paths(response)[path].get("rejectedValue") == rejected
    assert not CustomerFieldValue.objects.exists() and recorded() == []


def test_set_customer_fields_bad_bodies(agent_api, mark):
    url = f"/api/customers/{mark.pk}/customer_fields"
    assert set(error_paths(agent_api.put(url, {}, format="json"))) == {"customerFields"}
    assert (
        agent_api.put("/api/customers/999999/customer_fields", {"customerFields": []}, format="json").status_code == 404
    )


# --- /api/customer_fields (extension, admin keys only) ----------------------------------------------------------------


def test_customer_fields_are_admin_only(agent_api):
    field = CustomerFieldFactory()
    for response in (
        agent_api.get("/api/customer_fields"),
        agent_api.post("/api/customer_fields", {"name": "X", "type": "singleline"}, format="json"),
        agent_api.put(f"/api/customer_fields/{field.pk}", {"name": "Y"}, format="json"),
        agent_api.delete(f"/api/customer_fields/{field.pk}"),
    ):
        assert response.status_code == 403
        assert response.json()["errorCode"] == "FORBIDDEN"
    assert CustomerField.objects.get().name == field.name


def test_customer_field_create_list_update_delete(admin_api, mark):
    body = {"name": "Plan", "type": "dropdown", "options": {"2": "Pro", "1": "Free"}, "required": "1", "sortOrder": "3"}
    response = admin_api.post("/api/customer_fields", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    field = CustomerField.objects.get()
    assert response["Resource-ID"] == str(field.pk)
    assert list(created) == CUSTOMER_FIELD_KEYS
    assert created == {
        "id": field.pk,
        "name": "Plan",
        "type": "dropdown",
        "options": {"1": "Free", "2": "Pro"},
        "required": True,
        "sortOrder": 3,
    }
    age = admin_api.post("/api/customer_fields", {"name": "Age", "type": "number"}, format="json").json()
    assert age["options"] == "" and age["required"] is False and age["sortOrder"] == 0
    listed = admin_api.get("/api/customer_fields").json()
    assert list(listed["_embedded"]) == ["customer_fields"]
    assert [f["name"] for f in listed["_embedded"]["customer_fields"]] == ["Age", "Plan"]

    response = admin_api.put(f"/api/customer_fields/{field.pk}", {"name": "Tier", "sortOrder": -1}, format="json")
    assert response.status_code == 204 and response.content == b""
    field.refresh_from_db()
    assert (field.name, field.type, field.required, field.sort_order) == ("Tier", "dropdown", True, -1)
    # Changing the type drops the options.
    assert admin_api.put(f"/api/customer_fields/{field.pk}", {"type": "singleline"}, format="json").status_code == 204
    field.refresh_from_db()
    assert field.options == {}

    customer_field_values_set(customer=mark, values={field: "x"})
    assert admin_api.delete(f"/api/customer_fields/{field.pk}").status_code == 204
    assert not CustomerField.objects.filter(pk=field.pk).exists() and not CustomerFieldValue.objects.exists()
    assert admin_api.delete(f"/api/customer_fields/{field.pk}").status_code == 404
    assert admin_api.put(f"/api/customer_fields/{field.pk}", {"name": "Z"}, format="json").status_code == 404


def test_customer_field_duplicate_name_conflicts(admin_api):
    CustomerFieldFactory(name="Plan")
    other = CustomerFieldFactory(name="Other")
    response = admin_api.post("/api/customer_fields", {"name": " plan ", "type": "singleline"}, format="json")
    assert response.status_code == 409 and response.json()["errorCode"] == "CONFLICT"
    response = admin_api.put(f"/api/customer_fields/{other.pk}", {"name": "PLAN"}, format="json")
    assert response.status_code == 409
    assert CustomerField.objects.count() == 2 and CustomerField.objects.get(pk=other.pk).name == "Other"


@pytest.mark.parametrize(
    ("body", "path", "rejected"),
    [
        ({"name": "X", "type": "checkbox"}, "type", "checkbox"),
        ({"type": "singleline"}, "name", None),
        ({"name": "X"}, "type", None),
        ({"name": "X", "type": "dropdown"}, "options", None),
        ({"name": "X", "type": "dropdown", "options": {"a": "b"}}, "options", None),
        ({"name": "X", "type": "singleline", "options": {"1": "b"}}, "options", None),
        ({"name": "x" * 76, "type": "singleline"}, "name", "x" * 76),
        ({"name": "X", "type": "number", "sortOrder": "first"}, "sortOrder", "first"),
    ],
)
def test_customer_field_validation(admin_api, body, path, rejected):
    response = admin_api.post("/api/customer_fields", body, format="json")
    assert response.status_code == 400
    assert error_paths(response)[path].get("rejectedValue") == rejected
    assert not CustomerField.objects.exists()


def test_customer_field_update_validation(admin_api):
    field = CustomerFieldFactory(name="Plan", type="dropdown", options={"1": "a"})
    response = admin_api.put(f"/api/customer_fields/{field.pk}", {"options": {}}, format="json")
    assert response.status_code == 400 and set(error_paths(response)) == {"options"}
    response = admin_api.put(f"/api/customer_fields/{field.pk}", {"type": "list"}, format="json")
    assert error_paths(response)["type"]["rejectedValue"] == "list"
    field.refresh_from_db()
    assert field.options == {"1": "a"} and field.type == "dropdown"


def test_any_key_may_use_customers_and_trailing_slashes_work(agent_api, api_client, mark):
    assert agent_api.get("/api/customers/").status_code == 200
    assert agent_api.get(f"/api/customers/{mark.pk}/").status_code == 200
    assert agent_api.post("/api/customers/", {"firstName": "Slash"}, format="json").status_code == 201
    assert api_client.get("/api/customers").status_code == 401
    assert api_client.options("/api/customer_fields").status_code == 200
