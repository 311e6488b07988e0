"""The admins' configuration pages that write through services: the mailbox connection test, customers
(with their inlines), companies and tags."""

import socket

import pytest

from conversations.models import Tag
from conversations.services import conversation_custom_fields_set, tag_create, tag_update
from customers.models import Company, Customer
from customers.services import company_update, customer_create
from mailboxes.connections import imap_check, mailbox_connections_check, smtp_check
from mailboxes.models import CustomField, Mailbox
from mailboxes.services import mailbox_update
from tests.admin_helpers import admin_url, form_data, messages_text
from tests.factories import ConversationFactory, CustomerFieldFactory, WebhookFactory
from tests.fake_mail_servers import PASSWORD, USERNAME, ImapHandler, SmtpHandler, serving
from webhooks.models import Event, WebhookEvent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mail_settings(mailbox, *, smtp_port: int, imap_port: int, password: str = PASSWORD) -> Mailbox:
    return mailbox_update(
        mailbox=mailbox,
        out_method="smtp",
        out_server="127.0.0.1",
        out_port=smtp_port,
        out_encryption="none",
        out_username=USERNAME,
        out_password=password,
        in_server="127.0.0.1",
        in_port=imap_port,
        in_encryption="none",
        in_username=USERNAME,
        in_password=password,
    )


# Mailbox connection test


def test_connection_action_reports_working_servers(admin_client, mailbox):
    with serving(SmtpHandler) as smtp_port, serving(ImapHandler) as imap_port:
        mail_settings(mailbox, smtp_port=smtp_port, imap_port=imap_port)
        response = admin_client.post(
            admin_url(Mailbox, "changelist"), {"action": "test_connection", "_selected_action": [mailbox.pk]}
        )
    assert response.status_code == 302
    text = messages_text(response)
    assert "Support: SMTP works: connected to 127.0.0.1, signed in as robot" in text
    assert "Support: IMAP works: connected to 127.0.0.1, signed in as robot" in text


def test_connection_action_reports_refused_credentials_and_closed_ports(admin_client, mailbox):
    with serving(SmtpHandler) as smtp_port, serving(ImapHandler) as imap_port:
        mail_settings(mailbox, smtp_port=smtp_port, imap_port=imap_port, password="wrong")
        text = messages_text(
            admin_client.post(
                admin_url(Mailbox, "changelist"), {"action": "test_connection", "_selected_action": [mailbox.pk]}
            )
        )
    assert "SMTP failed: SMTPAuthenticationError" in text
    assert "IMAP failed: error" in text

    mail_settings(mailbox, smtp_port=free_port(), imap_port=free_port())
    results = mailbox_connections_check(mailbox=mailbox, timeout=2)
    assert [(r.service, r.ok) for r in results] == [("SMTP", False), ("IMAP", False)]
    assert all("ConnectionRefusedError" in r.detail for r in results)


def test_nothing_to_test_for_a_mailbox_on_the_defaults(admin_client, mailbox):
    response = admin_client.post(
        admin_url(Mailbox, "changelist"), {"action": "test_connection", "_selected_action": [mailbox.pk]}
    )
    assert "nothing to test" in messages_text(response)
    assert mailbox_connections_check(mailbox=mailbox) == []


def test_checks_use_the_configured_encryption(mailbox, monkeypatch):
    calls = []

    class Refused:
        def __init__(self, *args, **kwargs):
            calls.append((type(self).__name__, args[:2], kwargs.get("timeout")))
            raise ConnectionRefusedError("refused")

    class SMTP_SSL(Refused):
        pass

    class IMAP4_SSL(Refused):
        pass

    monkeypatch.setattr("smtplib.SMTP_SSL", SMTP_SSL)
    monkeypatch.setattr("imaplib.IMAP4_SSL", IMAP4_SSL)
    mailbox = mailbox_update(
        mailbox=mailbox, out_server="smtp.example.org", out_encryption="ssl", in_server="imap.example.org"
    )
    assert not smtp_check(mailbox, timeout=3).ok
    assert not imap_check(mailbox, timeout=3).ok
    assert calls == [("SMTP_SSL", ("smtp.example.org", 465), 3), ("IMAP4_SSL", ("imap.example.org", 993), 3)]


# Customers and companies


def test_adding_a_customer_goes_through_the_service(admin_client):
    WebhookFactory(events=list(Event.values))
    data = form_data(admin_client.get(admin_url(Customer, "add")))
    data.update(
        {
            "first_name": "Nora",
            "company_name": "Acme",
            "emails-TOTAL_FORMS": "1",
            "emails-0-email": "Nora@Example.org",
            "emails-0-type": "work",
            "websites-TOTAL_FORMS": "1",
            "websites-0-value": "https://nora.example.org",
        }
    )
    response = admin_client.post(admin_url(Customer, "add"), data)
    assert response.status_code == 302, response.content[:2000]
    customer = Customer.objects.get(first_name="Nora")
    assert customer.company.name == "Acme"
    assert list(customer.emails.values_list("email", flat=True)) == ["nora@example.org"]
    assert list(customer.websites.values_list("value", flat=True)) == ["https://nora.example.org"]
    assert list(WebhookEvent.objects.values_list("name", flat=True)) == ["customer.created"]


def test_changing_a_customer_emits_one_update(admin_client):
    customer = customer_create(first_name="Old", emails=[("old@example.org", "work")], company="Acme")
    field = CustomerFieldFactory(name="Plan")
    WebhookFactory(events=list(Event.values))
    url = admin_url(Customer, "change", customer.pk)
    data = form_data(admin_client.get(url))
    assert data["company_name"] == "Acme"
    data.update(
        {
            "first_name": "New",
            "company_name": "Globex",
            "emails-0-DELETE": "on",
            "phones-TOTAL_FORMS": "1",
            "phones-0-value": "+1 555 0100",
            "phones-0-type": "mobile",
            "field_values-TOTAL_FORMS": "1",
            "field_values-0-field": field.pk,
            "field_values-0-value": "gold",
        }
    )
    assert admin_client.post(url, data).status_code == 302
    customer.refresh_from_db()
    assert (customer.first_name, customer.company.name) == ("New", "Globex")
    assert not customer.emails.exists()
    assert list(customer.phones.values_list("digits", flat=True)) == ["15550100"]
    assert list(customer.field_values.values_list("value", flat=True)) == ["gold"]
    assert set(WebhookEvent.objects.values_list("name", flat=True)) == {"customer.updated"}


def test_a_customer_with_no_name_email_or_phone_is_refused(admin_client):
    data = form_data(admin_client.get(admin_url(Customer, "add")))
    response = admin_client.post(admin_url(Customer, "add"), data)
    assert response.status_code == 302
    assert "needs a first name" in messages_text(response)
    assert not Customer.objects.exists()


def test_companies_are_renamed_through_the_service(admin_client):
    data = form_data(admin_client.get(admin_url(Company, "add")))  # the field values inline included
    response = admin_client.post(admin_url(Company, "add"), {**data, "name": " Initech "})
    assert response.status_code == 302
    company = Company.objects.get()
    assert company.name == "Initech"
    data = form_data(admin_client.get(admin_url(Company, "change", company.pk)))
    assert admin_client.post(admin_url(Company, "change", company.pk), {**data, "name": "Initrode"}).status_code == 302
    company.refresh_from_db()
    assert company.name == "Initrode"


def test_company_update_refuses_a_taken_name(db):
    Company.objects.create(name="Acme")
    other = Company.objects.create(name="Globex")
    with pytest.raises(Exception, match="already exists"):
        company_update(company=other, name="ACME")


# Tags


def test_tag_services_normalise_and_refuse_duplicates(db):
    tag = tag_create(name="  Very   Urgent ", color=3)
    assert (tag.name, tag.color) == ("very urgent", 3)
    with pytest.raises(Exception, match="already exists"):
        tag_create(name="VERY URGENT")
    with pytest.raises(Exception, match="Enter a name"):
        tag_update(tag=tag, name="   ")
    tag.refresh_from_db()
    assert tag_update(tag=tag, color=5).color == 5


def test_tags_are_renamed_through_the_service(admin_client):
    tag = tag_create(name="old")
    response = admin_client.post(admin_url(Tag, "change", tag.pk), {"name": " New Name ", "color": 2})
    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.color) == ("new name", 2)


def test_mailbox_page_custom_fields_go_through_the_services(admin_client, mailbox):
    url = admin_url(Mailbox, "change", mailbox.pk)
    data = form_data(admin_client.get(url))
    data.update(
        {
            "custom_fields-TOTAL_FORMS": "1",
            "custom_fields-0-name": " Priority ",
            "custom_fields-0-type": "dropdown",
            "custom_fields-0-options": '{"1": "Low", "2": "High"}',
            "custom_fields-0-sort_order": "1",
        }
    )
    assert admin_client.post(url, data).status_code == 302
    field = CustomField.objects.get(mailbox=mailbox)
    assert (field.name, field.options) == ("Priority", {"1": "Low", "2": "High"})

    conversation_custom_fields_set(conversation=ConversationFactory(mailbox=mailbox), values={field.pk: "2"})
    data = form_data(admin_client.get(url))
    data["custom_fields-0-options"] = '{"1": "Low"}'
    response = admin_client.post(url, data)
    # The service refuses to drop an option a conversation holds; nothing of the save stays.
    assert "which the changed field would not accept" in messages_text(response)
    field.refresh_from_db()
    assert field.options == {"1": "Low", "2": "High"}

    data = form_data(admin_client.get(url))
    data["custom_fields-0-DELETE"] = "on"
    assert admin_client.post(url, data).status_code == 302
    assert not CustomField.objects.exists()
