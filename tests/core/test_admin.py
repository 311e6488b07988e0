import re

import pytest
from django.apps import apps
from django.contrib import admin as django_admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conversations.mail.ingest import mail_ingest
from conversations.models import Conversation, Tag, Thread
from conversations.services import (
    NewAttachment,
    NewThread,
    conversation_assign,
    conversation_create,
    conversation_custom_fields_set,
    conversation_tags_set,
    timelog_record,
)
from customers.group_services import company_add_to_group, customer_add_to_group
from customers.models import Customer, CustomerEmail, CustomerPhone
from customers.services import customer_create, customer_field_values_set
from helpdesk.models import ApiKey, User
from helpdesk.services import ApiKeyRefused, api_key_authenticate, api_key_create, user_update
from knowledgebase.models import Entry
from knowledgebase.services import entry_create, knowledge_base_default
from mailboxes.models import Folder, Mailbox, MailboxFetchCursor, MailboxUser
from mailboxes.services import mailbox_user_grant, saved_reply_create
from tests.admin_helpers import admin_url, form_data, messages_text
from tests.factories import (
    AdminFactory,
    ConversationFactory,
    CustomerFactory,
    CustomerFieldFactory,
    CustomFieldFactory,
    MailboxFactory,
    UserFactory,
    WebhookFactory,
)
from webhooks.models import Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent
from widgets.services import widget_create

PROJECT_APPS = ("helpdesk", "mailboxes", "customers", "conversations", "webhooks", "knowledgebase", "widgets")
REGISTERED = sorted(
    (model for model in django_admin.site._registry if model._meta.app_label in PROJECT_APPS),
    key=lambda model: model._meta.label,
)
# Edited on their parent's page only.
INLINE_ONLY = {
    "helpdesk.Notification",  # the bell and its page (helpdesk/notification_views.py), per user
    "mailboxes.MailboxUser",
    "customers.CustomerEmail",
    "customers.CustomerPhone",
    "customers.CustomerSocialProfile",
    "customers.CustomerWebsite",
    "customers.CustomerFieldValue",
    "customers.CompanyFieldValue",
    "conversations.CustomFieldValue",
    # The conversation form's Tags field (set through ``conversation_tags_set``).
    "conversations.ConversationTag",
    # A user's own bookmark, not the admin's business.
    "conversations.ConversationStar",
    # Counts kept by PostgreSQL's triggers; nothing for a person to see or edit.
    "conversations.ConversationTally",
    # The agent UI's own records: who has a conversation open, and each agent's preferences (issue 18).
    "conversations.ConversationViewer",
    "conversations.AgentPreferences",
    # A reply waiting out its undo window: shown to its author under the composer, published or gone in seconds.
    "conversations.DelayedReply",
}
ADDABLE = {
    "helpdesk.User",
    "helpdesk.ApiKey",
    "mailboxes.Mailbox",
    "mailboxes.CustomField",
    "mailboxes.SavedReply",
    "customers.Customer",
    "customers.Company",
    "customers.CustomerField",
    "customers.CustomerGroup",
    "conversations.Tag",
    "webhooks.Webhook",
    "knowledgebase.KnowledgeBase",
    "knowledgebase.Entry",
    "widgets.Widget",
}
PASSWORD = "a long and unusual passphrase 42"


def make_rows(*, admin: User, agent: User, mailbox: Mailbox, n: int) -> Conversation:
    """One row of every model, made the way production makes them."""
    mailbox_user_grant(mailbox=mailbox, user=agent)
    api_key_create(user=admin, name=f"CI {n}")
    custom_field = CustomFieldFactory(mailbox=mailbox)
    saved_reply_create(mailbox=mailbox, name=f"Reply {n}", body="<p>Hi {customer.first_name}</p>")
    customer_field = CustomerFieldFactory()
    customer = customer_create(
        first_name="Carla",
        emails=[(f"carla{n}@example.org", "work")],
        phones=[("+1 777 777", "work")],
        social_profiles=[("@carla", "twitter")],
        websites=["https://carla.example.org"],
        company=f"Acme {n}",
    )
    customer_field_values_set(customer=customer, values={customer_field: "blue"})
    customer_add_to_group(customer=customer, name=f"VIP {n}")
    assert customer.company is not None
    company_add_to_group(company=customer.company, name=f"VIP {n}")
    conversation = conversation_create(
        mailbox=mailbox,
        subject="Printer on fire",
        customer=customer,
        threads=[
            NewThread(
                type=Thread.Type.CUSTOMER,
                body="<p>Help, the printer is on fire.</p>",
                attachments=[NewAttachment(file_name="log.txt", content=b"smoke", mime_type="text/plain")],
            )
        ],
    )
    conversation_assign(conversation=conversation, assignee=agent, by_user=admin)
    conversation_tags_set(conversation=conversation, names=[f"urgent {n}"])
    conversation_custom_fields_set(conversation=conversation, values={custom_field.pk: "ticket-1"})
    timelog_record(conversation=conversation, user=agent, seconds=90)
    mail_ingest(mailbox=mailbox, raw=f"From: x{n}@example.org\r\nMessage-ID: <m{n}@example.org>\r\n\r\nHi".encode())
    webhook = WebhookFactory()
    webhook.mailboxes.add(mailbox)
    event = WebhookEvent.objects.create(name="convo.created", payload=b'{"id": 1}')
    delivery = WebhookDelivery.objects.create(event=event, webhook=webhook)
    WebhookAttempt.objects.create(delivery=delivery, status_code=500, response_body="oops")
    MailboxFetchCursor.objects.create(mailbox=mailbox, folder=f"Folder {n}", uid_validity=1, last_uid=1)
    knowledge_base = knowledge_base_default()
    category = entry_create(knowledge_base=knowledge_base, parent=None, type=Entry.Type.CATEGORY, title=f"Guides {n}")
    entry_create(knowledge_base=knowledge_base, parent=category, type=Entry.Type.ARTICLE, title=f"Example {n}")
    widget_create(name=f"Contact form {n}", mailbox=mailbox)
    return conversation


@pytest.fixture
def everything(admin, agent, mailbox, media_root):
    return make_rows(admin=admin, agent=agent, mailbox=mailbox, n=1)


def test_every_model_has_an_admin_or_an_inline():
    # Permissions follow the role; the auth app's groups mean nothing here.
    assert not django_admin.site.is_registered(Group)
    models = {model._meta.label for app in PROJECT_APPS for model in apps.get_app_config(app).get_models()}
    registered = {model._meta.label for model in REGISTERED}
    assert models - registered == INLINE_ONLY


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_admin_pages_render(admin_client, everything, model):
    changelist = admin_url(model, "changelist")
    assert admin_client.get(changelist).status_code == 200
    for term in ("example", "1", "#1 'fire'"):
        assert admin_client.get(changelist, {"q": term}).status_code == 200

    obj = model._default_manager.first()
    assert obj is not None
    assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200

    add_status = admin_client.get(admin_url(model, "add")).status_code
    assert add_status == (200 if model._meta.label in ADDABLE else 403)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_changelists_make_no_query_per_row(admin_client, admin, agent, mailbox, everything, model):
    changelist = admin_url(model, "changelist")
    with CaptureQueriesContext(connection) as one_row:
        admin_client.get(changelist)
    for n in range(2, 5):
        make_rows(admin=admin, agent=agent, mailbox=mailbox, n=n)
    UserFactory.create_batch(3)
    with CaptureQueriesContext(connection) as more_rows:
        admin_client.get(changelist)
    assert len(more_rows) == len(one_row), [query["sql"] for query in more_rows]


# The agent UI's models; tests/core/test_admin_permissions.py checks what agents see there.
AGENT_MODELS = {"conversations.Conversation", "customers.Customer", "knowledgebase.Entry"}


@pytest.mark.parametrize(
    "model", [m for m in REGISTERED if m._meta.label not in AGENT_MODELS], ids=lambda model: model._meta.label
)
def test_agents_get_no_configuration_pages(client, agent, everything, model):
    client.force_login(agent)
    assert client.get(admin_url(model, "changelist")).status_code in (302, 403)
    obj = model._default_manager.first()
    assert client.get(admin_url(model, "change", obj.pk)).status_code in (302, 403)


def test_autocomplete_offers_active_users_and_tags(admin_client, everything):
    user_update(user=UserFactory(email="gone@example.com"), status=User.Status.DISABLED)
    url = reverse("admin:autocomplete")
    users = admin_client.get(
        url, {"app_label": "conversations", "model_name": "conversation", "field_name": "assignee", "term": ""}
    ).json()
    emails = {result["text"] for result in users["results"]}
    assert any("agent@example.com" in text for text in emails)
    assert not any("gone@example.com" in text for text in emails)

    tags = admin_client.get(
        url, {"app_label": "conversations", "model_name": "conversation", "field_name": "tags", "term": "urg"}
    ).json()
    assert [result["text"] for result in tags["results"]] == ["urgent 1"]


# Users


def test_adding_a_user_goes_through_the_service(admin_client, mailbox):
    response = admin_client.post(
        admin_url(User, "add"),
        {"email": "New.Admin@Example.com", "first_name": "", "last_name": "", "role": "admin"},
    )
    assert response.status_code == 302

    user = User.objects.get(email__iexact="new.admin@example.com")
    assert user.first_name == "New Admin"
    assert not user.has_usable_password()
    personal = Folder.objects.filter(mailbox=mailbox, user=user).values_list("type", flat=True)
    assert sorted(personal) == sorted(Folder.PERSONAL_TYPES)


def test_adding_a_user_with_a_password(admin_client, client):
    response = admin_client.post(
        admin_url(User, "add"),
        {"email": "pat@example.com", "first_name": "Pat", "role": "user", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.get(email="pat@example.com").check_password(PASSWORD)

    mismatch = admin_client.post(
        admin_url(User, "add"),
        {"email": "sam@example.com", "first_name": "Sam", "role": "user", "password1": PASSWORD, "password2": "x"},
    )
    assert mismatch.status_code == 200
    assert "password2" in mismatch.context["adminform"].form.errors
    assert not User.objects.filter(email="sam@example.com").exists()


def test_adding_a_user_with_a_taken_email_is_a_form_error(admin_client, admin):
    count = User.objects.count()
    response = admin_client.post(
        admin_url(User, "add"), {"email": "ADMIN@example.com", "first_name": "Twin", "role": "user"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == ["A user with this email already exists."]
    assert User.objects.count() == count


def test_changing_a_user_goes_through_the_service(admin_client, agent, mailbox):
    url = admin_url(User, "change", agent.pk)
    data = form_data(admin_client.get(url))
    assert "password" not in data
    data.update(role="admin", job_title="Lead", password1=PASSWORD, password2=PASSWORD)

    response = admin_client.post(url, data)
    assert response.status_code == 302

    agent.refresh_from_db()
    assert (agent.role, agent.job_title) == ("admin", "Lead")
    assert agent.check_password(PASSWORD)
    # The service saw the stored role, so the promotion created the new admin's personal folders.
    assert Folder.objects.filter(mailbox=mailbox, user=agent).count() == len(Folder.PERSONAL_TYPES)


def test_changing_a_user_to_a_taken_email_is_a_form_error(admin_client, admin, agent):
    url = admin_url(User, "change", agent.pk)
    data = form_data(admin_client.get(url))
    data["email"] = "Admin@Example.com"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == ["A user with this email already exists."]
    agent.refresh_from_db()
    assert agent.email == "agent@example.com"


def test_bringing_back_a_deleted_user_needs_their_email_free(admin_client):
    gone = user_update(user=UserFactory(email="pat@example.com"), status=User.Status.DELETED)
    UserFactory(email="pat@example.com")
    url = admin_url(User, "change", gone.pk)
    data = form_data(admin_client.get(url))
    data["status"] = "active"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors

    data["email"] = "pat.old@example.com"
    assert admin_client.post(url, data).status_code == 302
    gone.refresh_from_db()
    assert (gone.status, gone.email) == ("active", "pat.old@example.com")


def test_admins_cannot_lock_themselves_out(admin_client, admin):
    url = admin_url(User, "change", admin.pk)
    data = form_data(admin_client.get(url))
    data["status"] = "disabled"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    admin.refresh_from_db()
    assert admin.status == User.Status.ACTIVE


def test_users_are_never_deleted_here(admin_client, agent):
    assert admin_client.get(admin_url(User, "delete", agent.pk)).status_code == 403
    # Deleting was the only action, so the changelist has none.
    assert admin_client.get(admin_url(User, "changelist")).context["action_form"] is None


# API keys


def test_adding_an_api_key_shows_it_once(admin_client, agent):
    response = admin_client.post(admin_url(ApiKey, "add"), {"user": agent.pk, "name": "Zapier"}, follow=True)
    assert response.status_code == 200

    shown = re.findall(r"\b[0-9a-f]{64}\b", messages_text(response))
    assert len(shown) == 1
    raw_key = shown[0]
    api_key = ApiKey.objects.get()
    assert (api_key.user, api_key.name, api_key.prefix) == (agent, "Zapier", raw_key[:8])
    assert raw_key not in (api_key.key_hash, api_key.name)
    assert api_key_authenticate(raw_key=raw_key) == api_key

    change_page = admin_client.get(admin_url(ApiKey, "change", api_key.pk))
    assert raw_key not in change_page.content.decode()
    assert api_key.key_hash not in change_page.content.decode()
    assert api_key.key_hash not in admin_client.get(admin_url(ApiKey, "changelist")).content.decode()

    response = admin_client.post(
        admin_url(ApiKey, "changelist"), {"action": "revoke_keys", "_selected_action": [api_key.pk]}
    )
    assert response.status_code == 302
    with pytest.raises(ApiKeyRefused):
        api_key_authenticate(raw_key=raw_key)
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None


def test_api_keys_can_be_renamed_but_not_deleted(admin_client, admin):
    api_key, raw_key = api_key_create(user=admin, name="old")
    url = admin_url(ApiKey, "change", api_key.pk)
    response = admin_client.post(url, {"name": "new", "user": 999, "prefix": "deadbeef"})
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert (api_key.name, api_key.user, api_key.prefix) == ("new", admin, raw_key[:8])
    assert admin_client.get(admin_url(ApiKey, "delete", api_key.pk)).status_code == 403


# Mailboxes


def test_adding_a_mailbox_creates_its_folders(admin_client, admin):
    data = form_data(admin_client.get(admin_url(Mailbox, "add")))
    data.update(name="Sales", email="Sales@Example.com", out_password="smtp-secret")
    response = admin_client.post(admin_url(Mailbox, "add"), data)
    assert response.status_code == 302

    mailbox = Mailbox.objects.get(name="Sales")
    assert mailbox.email == "sales@example.com"
    assert mailbox.out_password == "smtp-secret"
    mailbox_folders = Folder.objects.filter(mailbox=mailbox, user__isnull=True).values_list("type", flat=True)
    assert sorted(mailbox_folders) == sorted(Folder.MAILBOX_TYPES)
    assert Folder.objects.filter(mailbox=mailbox, user=admin).count() == len(Folder.PERSONAL_TYPES)


def test_adding_a_mailbox_with_a_taken_email_is_a_form_error(admin_client, mailbox):
    data = form_data(admin_client.get(admin_url(Mailbox, "add")))
    data.update(name="Copy", email="SUPPORT@example.com")
    response = admin_client.post(admin_url(Mailbox, "add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"]
    assert Mailbox.objects.count() == 1


def test_changing_a_mailbox_keeps_passwords_and_never_shows_them(admin_client, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(in_password="imap-secret")
    url = admin_url(Mailbox, "change", mailbox.pk)
    page = admin_client.get(url)
    assert "imap-secret" not in page.content.decode()

    data = form_data(page)
    data.update(name="Help", in_password="")
    assert admin_client.post(url, data).status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.in_password) == ("Help", "imap-secret")


def test_mailbox_access_is_granted_and_revoked_through_the_services(admin_client, mailbox, agent):
    url = admin_url(Mailbox, "change", mailbox.pk)
    data = form_data(admin_client.get(url))
    data.update({"mailboxuser_set-TOTAL_FORMS": "1", "mailboxuser_set-0-user": agent.pk})
    assert admin_client.post(url, data).status_code == 302
    assert MailboxUser.objects.filter(mailbox=mailbox, user=agent).exists()
    assert Folder.objects.filter(mailbox=mailbox, user=agent).count() == len(Folder.PERSONAL_TYPES)

    data = form_data(admin_client.get(url))
    data["mailboxuser_set-0-DELETE"] = "on"
    assert admin_client.post(url, data).status_code == 302
    assert not MailboxUser.objects.filter(mailbox=mailbox, user=agent).exists()
    assert not Folder.objects.filter(mailbox=mailbox, user=agent).exists()


def test_mailbox_page_lists_folder_counts(admin_client, mailbox):
    ConversationFactory(mailbox=mailbox)
    content = admin_client.get(admin_url(Mailbox, "change", mailbox.pk)).content.decode()
    assert "Unassigned: 1 / 1" in content
    assert "Closed: 0 / 0" in content


def test_a_mailbox_with_conversations_cannot_be_deleted(admin_client, mailbox):
    empty = MailboxFactory()
    ConversationFactory(mailbox=mailbox)
    assert admin_client.get(admin_url(Mailbox, "delete", mailbox.pk)).status_code == 403
    assert admin_client.post(admin_url(Mailbox, "delete", empty.pk), {"post": "yes"}).status_code == 302
    assert not Mailbox.objects.filter(pk=empty.pk).exists()


def test_folder_list_counts_without_a_query_per_row(admin_client, mailbox):
    ConversationFactory(mailbox=mailbox)
    url = admin_url(Folder, "changelist")
    with CaptureQueriesContext(connection) as few_folders:
        assert admin_client.get(url).status_code == 200
    AdminFactory.create_batch(5)
    with CaptureQueriesContext(connection) as many_folders:
        response = admin_client.get(url)
    assert len(many_folders) == len(few_folders)
    unassigned = next(f for f in response.context["cl"].result_list if f.type == Folder.Type.UNASSIGNED)
    assert (unassigned.total_count, unassigned.active_count) == (1, 1)


# Tags


def test_tags_are_stored_normalised(admin_client):
    Tag.objects.create(name="urgent")
    response = admin_client.post(admin_url(Tag, "add"), {"name": "  Very   Urgent ", "color": 0})
    assert response.status_code == 302
    assert Tag.objects.filter(name="very urgent").exists()

    duplicate = admin_client.post(admin_url(Tag, "add"), {"name": "URGENT", "color": 0})
    assert duplicate.status_code == 200
    assert Tag.objects.count() == 2


# Customers


def test_customer_inlines_keep_the_stored_invariants(admin_client):
    customer = CustomerFactory(emails=[])
    url = admin_url(Customer, "change", customer.pk)
    data = form_data(admin_client.get(url))
    data.update(
        {
            "emails-TOTAL_FORMS": "1",
            "emails-0-email": " Someone@Example.ORG ",
            "emails-0-type": "work",
            "phones-TOTAL_FORMS": "1",
            "phones-0-value": "+1 (555) 010-999",
            "phones-0-type": "mobile",
        }
    )
    assert admin_client.post(url, data).status_code == 302
    assert CustomerEmail.objects.get(customer=customer).email == "someone@example.org"
    assert CustomerPhone.objects.get(customer=customer).digits == "1555010999"


def test_customer_field_values_are_validated(admin_client):
    customer = CustomerFactory()
    number = CustomerFieldFactory(type="number")
    url = admin_url(Customer, "change", customer.pk)
    data = form_data(admin_client.get(url))
    data.update({"field_values-TOTAL_FORMS": "1", "field_values-0-field": number.pk, "field_values-0-value": "many"})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert not customer.field_values.exists()


# Webhooks


def test_webhook_can_be_saved_with_its_deliveries_shown(admin_client, everything):
    webhook = WebhookDelivery.objects.get().webhook
    url = admin_url(Webhook, "change", webhook.pk)
    page = admin_client.get(url)
    assert webhook.secret in page.content.decode()

    data = form_data(page)
    data["events"] = ["convo.created", "convo.status"]
    assert admin_client.post(url, data).status_code == 302
    webhook.refresh_from_db()
    assert webhook.events == ["convo.created", "convo.status"]
    assert WebhookDelivery.objects.filter(webhook=webhook).count() == 1


def test_adding_a_webhook(admin_client, mailbox):
    response = admin_client.post(
        admin_url(Webhook, "add"),
        {"url": "https://example.org/hook", "events": ["convo.created"], "mailboxes": [mailbox.pk], "enabled": "on"},
    )
    assert response.status_code == 302
    webhook = Webhook.objects.get()
    assert webhook.secret.startswith("whsec_")
    assert list(webhook.mailboxes.all()) == [mailbox]


def test_deleting_a_webhook_takes_its_deliveries(admin_client, everything):
    webhook = Webhook.objects.get()
    assert admin_client.post(admin_url(Webhook, "delete", webhook.pk), {"post": "yes"}).status_code == 302
    assert not Webhook.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_webhook_admin_applies_the_ssrf_rules(client, admin):
    client.force_login(admin)
    response = client.post(
        "/admin/webhooks/webhook/add/",
        {"url": "http://169.254.169.254/latest", "events": ["convo.created"], "enabled": "on"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "not a public address" in response.content.decode()
    from webhooks.models import Webhook

    assert not Webhook.objects.exists()


def test_custom_field_admin_writes_through_the_service(client, admin, mailbox):
    from conversations.services import conversation_custom_fields_set
    from mailboxes.models import CustomField
    from tests.factories import ConversationFactory

    client.force_login(admin)
    response = client.post(
        "/admin/mailboxes/customfield/add/",
        {
            "mailbox": mailbox.pk,
            "name": "Priority",
            "type": "dropdown",
            "options": '{"1": "Low", "2": "High"}',
            "sort_order": 0,
        },
    )
    assert response.status_code == 302, response.content[:500]
    field = CustomField.objects.get(name="Priority")
    conversation_custom_fields_set(conversation=ConversationFactory(mailbox=mailbox), values={field.pk: "2"})
    # Dropping an option that a conversation uses is refused by the service; the admin says so.
    response = client.post(
        f"/admin/mailboxes/customfield/{field.pk}/change/",
        {"name": "Priority", "type": "dropdown", "options": '{"1": "Low"}', "sort_order": 0},
        follow=True,
    )
    assert response.status_code == 200
    field.refresh_from_db()
    assert field.options == {"1": "Low", "2": "High"}


def test_customer_field_admin_writes_through_the_service(client, admin):
    from customers.models import CustomerField

    client.force_login(admin)
    response = client.post(
        "/admin/customers/customerfield/add/", {"name": "Plan", "type": "singleline", "options": "{}", "sort_order": 1}
    )
    assert response.status_code == 302, response.content[:500]
    field = CustomerField.objects.get(name="Plan")
    response = client.post(
        f"/admin/customers/customerfield/{field.pk}/change/",
        {"name": "Plan name", "type": "singleline", "options": "{}", "sort_order": 2},
    )
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.name, field.sort_order) == ("Plan name", 2)
