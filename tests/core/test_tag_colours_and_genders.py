"""Tags' LiveAgent colours beside FreeScout's colour index, and the gender (and customers' IP address) that
LiveAgent shows for agents and customers."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from conversations.models import Tag
from conversations.services import conversation_tags_set, tag_create, tag_update
from customers.models import Customer
from customers.services import customer_create, customer_update
from helpdesk.errors import Conflict, Invalid
from helpdesk.models import User
from helpdesk.services import user_create, user_update
from tests.admin_helpers import admin_url, form_data
from tests.api_helpers import client_for
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def test_tags_take_hex_colours_beside_the_freescout_index():
    tag = tag_create(name="Urgent", color=3, text_color="ffffff", background_color="FF0000")
    tag.refresh_from_db()
    assert (tag.name, tag.color, tag.text_color, tag.background_color) == ("urgent", 3, "FFFFFF", "FF0000")
    tag = tag_update(tag=tag, background_color="")
    assert (tag.color, tag.text_color, tag.background_color) == (3, "FFFFFF", "")
    assert tag_update(tag=tag, color=5).text_color == "FFFFFF"


@pytest.mark.parametrize("value", ["#FFFFFF", "FFF", "GGGGGG", "FFFFFFF", "white"])
def test_bad_tag_colours_are_invalid_at_their_field(value):
    with pytest.raises(Invalid) as error:
        tag_create(name="x", text_color=value)
    assert list(error.value.message_dict) == ["text_color"]
    tag = tag_create(name="y")
    with pytest.raises(Invalid) as error:
        tag_update(tag=tag, background_color=value)
    assert list(error.value.message_dict) == ["background_color"]
    with pytest.raises(IntegrityError), transaction.atomic():
        # Stored upper-case: the database refuses anything else.
        Tag.objects.filter(pk=tag.pk).update(text_color="ffffff")


def test_tag_names_keep_their_case_when_asked_and_stay_unique():
    tag = tag_create(name="  Very   Urgent ", keep_case=True)
    assert tag.name == "Very Urgent"
    with pytest.raises(Conflict):
        tag_create(name="very urgent")
    assert tag_update(tag=tag, name="Urgent Now", keep_case=True).name == "Urgent Now"
    # The FreeScout side finds it whatever the case, and lower-cases only what it names itself.
    conversation = ConversationFactory()
    assert conversation_tags_set(conversation=conversation, names=["urgent now"]) == [tag]
    assert tag_update(tag=tag, name="Urgent Now").name == "urgent now"


def test_the_tag_admin_page_edits_the_colours(admin_client):
    tag = tag_create(name="billing")
    url = admin_url(Tag, "change", tag.pk)
    data = form_data(admin_client.get(url))
    data.update({"text_color": "00ff00", "background_color": ""})
    assert admin_client.post(url, data).status_code == 302
    tag.refresh_from_db()
    assert (tag.text_color, tag.background_color) == ("00FF00", "")
    data["text_color"] = "green"
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "text_color" in response.context["adminform"].form.errors


def test_freescout_tag_json_is_unchanged(admin):
    tag_create(name="billing", color=2, text_color="FFFFFF", background_color="000000")
    body = client_for(admin).get("/api/tags").json()
    assert body["_embedded"]["tags"] == [{"id": Tag.objects.get().pk, "name": "billing", "counter": 0, "color": 2}]


# Genders and IP addresses


def test_customers_have_a_gender_and_an_ip_address():
    customer = customer_create(first_name="Ana", gender="F", ip=" 192.0.2.7 ")
    customer.refresh_from_db()
    assert (customer.gender, customer.ip) == ("F", "192.0.2.7")
    customer = customer_update(customer=customer, gender="", ip="")
    customer.refresh_from_db()
    assert (customer.gender, customer.ip) == ("", None)
    assert customer_create(first_name="Bo").gender == ""
    with pytest.raises(ValidationError) as error:
        customer_create(first_name="Cy", gender="X")
    assert "gender" in error.value.message_dict
    with pytest.raises(Invalid) as invalid:
        customer_update(customer=customer, ip="not an address")
    assert list(invalid.value.message_dict) == ["ip"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(gender="X")


def test_agents_have_a_gender():
    user = user_create(email="ana@example.com", first_name="Ana", gender="F")
    assert User.objects.get(pk=user.pk).gender == "F"
    assert user_update(user=user, gender="O").gender == "O"
    with pytest.raises(ValidationError):
        user_update(user=user, gender="X")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(gender="X")


def test_the_admin_pages_edit_genders_and_ip(admin_client, admin):
    customer = customer_create(first_name="Ana", emails=[("ana@example.org", "work")])
    url = admin_url(Customer, "change", customer.pk)
    data = form_data(admin_client.get(url))
    data.update({"gender": "F", "ip": "2001:db8::7"})
    assert admin_client.post(url, data).status_code == 302
    customer.refresh_from_db()
    assert (customer.gender, customer.ip) == ("F", "2001:db8::7")

    url = admin_url(User, "change", admin.pk)
    data = form_data(admin_client.get(url))
    data["gender"] = "M"
    assert admin_client.post(url, data).status_code == 302
    admin.refresh_from_db()
    assert admin.gender == "M"


def test_freescout_customer_and_user_json_are_unchanged(admin):
    customer = customer_create(first_name="Ana", gender="F", ip="192.0.2.7")
    api = client_for(admin)
    body = api.get(f"/api/customers/{customer.pk}").json()
    assert not {"gender", "ip"} & set(body)
    assert "gender" not in api.get(f"/api/users/{admin.pk}").json()
