"""Field codes (how the LiveAgent API names custom and customer fields) and field values that accumulate:
added by code, deleted by code or all at once, while the FreeScout API shows the newest and replaces."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from conversations.models import Conversation, CustomFieldValue
from conversations.services import (
    conversation_custom_field_values_add,
    conversation_custom_field_values_delete,
    conversation_custom_fields_set,
)
from customers.models import CustomerField, CustomerFieldValue
from customers.services import (
    customer_field_create,
    customer_field_update,
    customer_field_values_add,
    customer_field_values_delete,
    customer_field_values_set,
)
from helpdesk.errors import Conflict, Invalid
from helpdesk.fields import field_code_from_name
from mailboxes.models import CustomField
from mailboxes.services import custom_field_create, custom_field_update
from tests.admin_helpers import admin_url, form_data
from tests.api_helpers import client_for
from tests.factories import (
    ConversationFactory,
    CustomerFactory,
    CustomerFieldFactory,
    CustomFieldFactory,
    MailboxFactory,
)
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


# Codes


@pytest.mark.parametrize(
    ("name", "taken", "code"),
    [
        ("Purchase date", [], "purchase_date"),
        ("  Order #  ", [], "order"),
        ("Née-Straße", [], "nee_strae"),
        ("日本語", [], "field"),
        ("Order", ["ORDER"], "order_2"),
        ("Order", ["order", "order_2"], "order_3"),
        ("x" * 200, [], "x" * 69),
    ],
)
def test_codes_from_names(name, taken, code):
    assert field_code_from_name(name, taken=taken) == code


def test_custom_field_codes_are_made_kept_and_unique_per_mailbox(mailbox):
    priority = custom_field_create(mailbox=mailbox, name="Priority", type="singleline")
    assert priority.code == "priority"
    again = custom_field_create(mailbox=mailbox, name="Priority!", type="singleline")
    assert again.code == "priority_2"
    elsewhere = custom_field_create(mailbox=MailboxFactory(), name="Priority", type="singleline")
    assert elsewhere.code == "priority"
    given = custom_field_create(mailbox=mailbox, name="VAT", code="varSymbol", type="singleline")
    assert given.code == "varSymbol"
    # Renaming keeps the code API clients rely on; an empty code is made again from the name.
    assert custom_field_update(field=priority, name="Urgency").code == "priority"
    assert custom_field_update(field=priority, code="").code == "urgency"
    with pytest.raises(Conflict) as error:
        custom_field_create(mailbox=mailbox, name="Other", code="VARSYMBOL", type="singleline")
    assert list(error.value.message_dict) == ["code"]
    with pytest.raises(ValidationError) as invalid:
        custom_field_create(mailbox=mailbox, name="Bad", code="not a slug", type="singleline")
    assert "code" in invalid.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomField.objects.filter(pk=again.pk).update(code="VarSymbol")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomField.objects.filter(pk=again.pk).update(code="")


def test_customer_field_codes_are_made_kept_and_unique():
    plan = customer_field_create(name="Plan", type="singleline")
    assert plan.code == "plan"
    assert customer_field_create(name="Plan?", type="singleline").code == "plan_2"
    assert customer_field_update(field=plan, name="Tier").code == "plan"
    with pytest.raises(Conflict) as error:
        customer_field_create(name="Other", code="PLAN", type="singleline")
    assert list(error.value.message_dict) == ["code"]
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerField.objects.create(name="Raw", code="Plan", type="singleline")


def test_codes_are_edited_on_the_admin_pages(admin_client, mailbox):
    response = admin_client.post(
        admin_url(CustomerField, "add"), {"name": "Account ID", "type": "singleline", "sort_order": 0}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    field = CustomerField.objects.get(name="Account ID")
    assert field.code == "account_id"
    data = form_data(admin_client.get(admin_url(CustomerField, "change", field.pk)))
    assert data["code"] == "account_id"
    data["code"] = "accountId"
    assert admin_client.post(admin_url(CustomerField, "change", field.pk), data).status_code == 302
    field.refresh_from_db()
    assert field.code == "accountId"

    response = admin_client.post(
        admin_url(CustomField, "add"),
        {"mailbox": mailbox.pk, "name": "Order number", "code": "", "type": "singleline", "sort_order": 0},
    )
    assert response.status_code == 302
    custom = CustomField.objects.get(name="Order number")
    assert custom.code == "order_number"

    url = admin_url(type(mailbox), "change", mailbox.pk)
    data = form_data(admin_client.get(url))
    data.update(
        {
            "custom_fields-TOTAL_FORMS": str(int(data["custom_fields-TOTAL_FORMS"]) + 1),
            f"custom_fields-{data['custom_fields-TOTAL_FORMS']}-name": "Vendor",
            f"custom_fields-{data['custom_fields-TOTAL_FORMS']}-code": "vendorCode",
            f"custom_fields-{data['custom_fields-TOTAL_FORMS']}-type": "singleline",
            f"custom_fields-{data['custom_fields-TOTAL_FORMS']}-sort_order": "2",
        }
    )
    assert admin_client.post(url, data).status_code == 302
    assert CustomField.objects.get(mailbox=mailbox, name="Vendor").code == "vendorCode"


# Conversation values


@pytest.fixture
def conversation(mailbox):
    return ConversationFactory(mailbox=mailbox)


def test_conversation_values_accumulate_by_code(conversation, mailbox):
    symbol = CustomFieldFactory(mailbox=mailbox, name="Var symbol", code="varsymbol")
    amount = CustomFieldFactory(mailbox=mailbox, name="Amount", type="number")
    before = Conversation.objects.get(pk=conversation.pk).updated_at
    added = conversation_custom_field_values_add(
        conversation=conversation,
        values=[("varsymbol", "43894209"), ("AMOUNT", 12), ("varsymbol", "2"), ("amount", "")],
    )
    assert [(row.field_id, row.value) for row in added] == [
        (symbol.pk, "43894209"),
        (amount.pk, "12"),
        (symbol.pk, "2"),
    ]
    conversation_custom_field_values_add(conversation=conversation, values=[("varsymbol", "43894209")])
    values = CustomFieldValue.objects.filter(conversation=conversation, field=symbol).order_by("id")
    assert list(values.values_list("value", flat=True)) == ["43894209", "2", "43894209"]
    assert Conversation.objects.get(pk=conversation.pk).updated_at > before


def test_conversation_values_are_checked_all_before_any_is_written(conversation, mailbox):
    CustomFieldFactory(mailbox=mailbox, name="Amount", type="number")
    CustomFieldFactory(mailbox=MailboxFactory(), name="Elsewhere")
    for values, path in (
        ([("amount", "1"), ("elsewhere", "x")], "custom_fields[1].code"),
        ([("amount", "1"), ("amount", "many")], "custom_fields[1].value"),
    ):
        with pytest.raises(Invalid) as error:
            conversation_custom_field_values_add(conversation=conversation, values=values)
        assert list(error.value.message_dict) == [path]
    assert not CustomFieldValue.objects.exists()


def test_conversation_values_are_deleted_by_code_or_all(conversation, mailbox):
    CustomFieldFactory(mailbox=mailbox, name="A")
    CustomFieldFactory(mailbox=mailbox, name="B")
    other = ConversationFactory(mailbox=mailbox)
    values = [("a", "1"), ("a", "2"), ("b", "3")]
    conversation_custom_field_values_add(conversation=conversation, values=values)
    conversation_custom_field_values_add(conversation=other, values=values)
    assert conversation_custom_field_values_delete(conversation=conversation, code="A") == 2
    assert list(conversation.custom_field_values.values_list("value", flat=True)) == ["3"]
    assert conversation_custom_field_values_delete(conversation=conversation, code="a") == 0
    with pytest.raises(Invalid) as error:
        conversation_custom_field_values_delete(conversation=conversation, code="nope")
    assert list(error.value.message_dict) == ["code"]
    assert conversation_custom_field_values_delete(conversation=conversation) == 1
    assert not conversation.custom_field_values.exists()
    assert other.custom_field_values.count() == 3


def test_freescout_shows_the_newest_value_and_replaces_them_all(admin, conversation, mailbox):
    field = CustomFieldFactory(mailbox=mailbox, name="Ref")
    conversation_custom_field_values_add(conversation=conversation, values=[("ref", "first"), ("ref", "second")])
    api = client_for(admin)
    body = api.get(f"/api/conversations/{conversation.pk}").json()
    assert body["customFields"] == [{"id": field.pk, "name": "Ref", "value": "second", "text": ""}]
    listed = api.get("/api/conversations", {"mailboxId": mailbox.pk}).json()
    assert listed["_embedded"]["conversations"][0]["customFields"][0]["value"] == "second"

    conversation_custom_fields_set(conversation=conversation, values={field.pk: "third"})
    assert list(conversation.custom_field_values.values_list("value", flat=True)) == ["third"]
    conversation_custom_field_values_add(conversation=conversation, values=[("ref", "fourth")])
    response = api.put(
        f"/api/conversations/{conversation.pk}/custom_fields",
        {"customFields": [{"id": field.pk, "value": "fifth"}]},
        format="json",
    )
    assert response.status_code == 204
    assert list(conversation.custom_field_values.values_list("value", flat=True)) == ["fifth"]


# Customer values


def test_customer_values_accumulate_and_emit_one_update_each(hook):
    customer = CustomerFactory()
    WebhookEvent.objects.all().delete()
    plan = CustomerFieldFactory(name="Plan", type="dropdown", options={"1": "Free", "2": "Pro"})
    CustomerFieldFactory(name="Age", type="number")
    customer_field_values_add(customer=customer, values=[("plan", "1"), ("age", "40"), ("PLAN", "2")])
    assert list(customer.field_values.order_by("id").values_list("field__code", "value")) == [
        ("plan", "1"),
        ("age", "40"),
        ("plan", "2"),
    ]
    assert list(WebhookEvent.objects.values_list("name", flat=True)) == ["customer.updated"]
    for values, path in (([("nope", "1")], "customer_fields[0].code"), ([("plan", "3")], "customer_fields[0].value")):
        with pytest.raises(Invalid) as error:
            customer_field_values_add(customer=customer, values=values)
        assert list(error.value.message_dict) == [path]
    assert customer_field_values_add(customer=customer, values=[("age", " ")]) == []
    assert WebhookEvent.objects.count() == 1

    assert customer_field_values_delete(customer=customer, code="Plan") == 2
    assert customer_field_values_delete(customer=customer, code="plan") == 0  # no change, no event
    assert WebhookEvent.objects.count() == 2
    with pytest.raises(Invalid):
        customer_field_values_delete(customer=customer, code="nope")
    assert customer_field_values_delete(customer=customer) == 1
    assert not CustomerFieldValue.objects.exists()
    assert plan.values.count() == 0


def test_freescout_shows_a_customers_newest_value_and_replaces_them_all(admin):
    customer = CustomerFactory()
    field = CustomerFieldFactory(name="Plan")
    customer_field_values_add(customer=customer, values=[("plan", "gold"), ("plan", "silver")])
    api = client_for(admin)
    body = api.get(f"/api/customers/{customer.pk}").json()
    assert body["customerFields"] == [{"id": field.pk, "name": "Plan", "value": "silver", "text": ""}]
    customer_field_values_set(customer=customer, values={field: "bronze"})
    assert list(customer.field_values.values_list("value", flat=True)) == ["bronze"]
