"""People and settings pages (issue 18 item 5): the customer page with the conversations its viewer may open,
dropdown options edited as rows (and values shown by label), mailbox access on the user form, the admin's own
403 and 404 pages (the API dialects keep their JSON), and the notification bell."""

import pytest
from django.urls import reverse

from conversations.models import Thread
from conversations.services import NewThread, conversation_assign, thread_create
from customers.models import CustomerField
from customers.services import customer_field_values_set
from helpdesk.models import Notification, User
from helpdesk.notification_services import notifications_mark_read
from mailboxes.models import CustomField, MailboxUser
from mailboxes.services import mailbox_user_grant
from tests.factories import (
    ConversationFactory,
    CustomerFactory,
    CustomerFieldFactory,
    MailboxFactory,
    UserFactory,
)


def customer_url(customer) -> str:
    return reverse("admin:customers_customer_change", args=[customer.pk])


# --- the customer page -----------------------------------------------------------------------------------


def test_the_customer_page_lists_only_the_conversations_the_agent_may_open(agent_client, mailbox):
    customer = CustomerFactory()
    mine = ConversationFactory(mailbox=mailbox, customer=customer, subject="Printer on fire")
    other_mailbox = MailboxFactory(name="Sales", email="sales@example.com")
    hidden = ConversationFactory(mailbox=other_mailbox, customer=customer, subject="Secret discount")
    page = agent_client.get(customer_url(customer)).content.decode()
    assert "Printer on fire" in page and reverse("admin:conversations_conversation_change", args=[mine.pk]) in page
    assert "Secret discount" not in page
    assert reverse("admin:conversations_conversation_change", args=[hidden.pk]) not in page


def test_an_admin_sees_every_conversation_of_the_customer(admin_client, mailbox):
    customer = CustomerFactory()
    ConversationFactory(mailbox=mailbox, customer=customer, subject="Printer on fire")
    ConversationFactory(mailbox=MailboxFactory(), customer=customer, subject="Secret discount")
    page = admin_client.get(customer_url(customer)).content.decode()
    assert "Printer on fire" in page and "Secret discount" in page


def test_a_customer_without_conversations_says_so(admin_client):
    page = admin_client.get(customer_url(CustomerFactory())).content.decode()
    assert "No conversations in your mailboxes." in page


def test_the_customer_page_runs_a_constant_number_of_queries(admin_client, mailbox, django_assert_max_num_queries):
    customer = CustomerFactory()
    ConversationFactory(mailbox=mailbox, customer=customer)
    admin_client.get(customer_url(customer))
    with django_assert_max_num_queries(60) as few:
        admin_client.get(customer_url(customer))
    for _ in range(6):
        ConversationFactory(mailbox=MailboxFactory(), customer=customer, assignee=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(customer_url(customer))


def test_a_dropdown_value_shows_its_label_on_the_customer_page(admin_client):
    field = CustomerFieldFactory(name="Plan", type=CustomerField.Type.DROPDOWN, options={"1": "Free", "2": "Business"})
    customer = CustomerFactory()
    customer_field_values_set(customer=customer, values={field: "2"})
    page = admin_client.get(customer_url(customer)).content.decode()
    assert '<option value="2" selected>Business</option>' in page


# --- dropdown options as rows ----------------------------------------------------------------------------


def options_post(prefix: str, rows: list[tuple[str, str]]) -> dict[str, list[str]]:
    return {f"{prefix}_id": [row[0] for row in rows], f"{prefix}_label": [row[1] for row in rows]}


def test_customer_field_options_round_trip_as_rows(admin_client):
    response = admin_client.post(
        "/admin/customers/customerfield/add/",
        {"name": "Plan", "type": "dropdown", "sort_order": 1, **options_post("options", [("", "Free"), ("", "Pro")])},
    )
    assert response.status_code == 302, response.content[:800]
    field = CustomerField.objects.get(name="Plan")
    assert field.options == {"1": "Free", "2": "Pro"}
    page = admin_client.get(f"/admin/customers/customerfield/{field.pk}/change/").content.decode()
    assert 'name="options_label" value="Free"' in page and 'name="options_id" value="1"' in page
    assert '"1": "Free"' not in page  # no JSON to edit
    # Rename one, remove one, add one: kept ids stay, the new one gets the next id.
    response = admin_client.post(
        f"/admin/customers/customerfield/{field.pk}/change/",
        {
            "name": "Plan",
            "type": "dropdown",
            "sort_order": 1,
            **options_post("options", [("1", "Free tier"), ("2", ""), ("", "Enterprise")]),
        },
    )
    assert response.status_code == 302, response.content[:800]
    field.refresh_from_db()
    assert field.options == {"1": "Free tier", "3": "Enterprise"}


def test_duplicate_option_labels_are_refused(admin_client):
    response = admin_client.post(
        "/admin/customers/customerfield/add/",
        {"name": "Plan", "type": "dropdown", "sort_order": 1, **options_post("options", [("", "Pro"), ("", "pro")])},
    )
    assert response.status_code == 200
    assert "Each option needs a different label." in response.content.decode()
    assert not CustomerField.objects.exists()


def test_mailbox_custom_field_options_as_rows(admin_client, mailbox):
    response = admin_client.post(
        "/admin/mailboxes/customfield/add/",
        {
            "mailbox": mailbox.pk,
            "name": "Priority",
            "type": "dropdown",
            "sort_order": 0,
            **options_post("options", [("", "Low"), ("", "High"), ("", "")]),
        },
    )
    assert response.status_code == 302, response.content[:800]
    assert CustomField.objects.get(name="Priority").options == {"1": "Low", "2": "High"}


# --- mailbox access on the user form ---------------------------------------------------------------------


def test_mailbox_access_is_chosen_on_the_user_form(admin_client, mailbox, agent):
    sales = MailboxFactory(name="Sales", email="sales@example.com")
    mailbox_user_grant(mailbox=mailbox, user=agent)
    url = reverse("admin:helpdesk_user_change", args=[agent.pk])
    page = admin_client.get(url).content.decode()
    assert "Mailbox access" in page
    assert f'value="{mailbox.pk}"' in page and "checked" in page
    data = {
        "email": agent.email,
        "first_name": agent.first_name,
        "last_name": agent.last_name,
        "role": agent.role,
        "status": agent.status,
        "timezone": agent.timezone,
        "language": agent.language,
        "gender": agent.gender,
        "mailboxes": [sales.pk],
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content[:1500]
    assert set(MailboxUser.objects.filter(user=agent).values_list("mailbox_id", flat=True)) == {sales.pk}
    # Folders follow (the grant and revoke services made them).
    from mailboxes.models import Folder

    assert Folder.objects.filter(user=agent, mailbox=sales).exists()
    assert not Folder.objects.filter(user=agent, mailbox=mailbox).exists()


def test_a_new_user_gets_their_mailboxes_at_once(admin_client, mailbox):
    response = admin_client.post(
        "/admin/helpdesk/user/add/",
        {
            "email": "new.agent@example.com",
            "first_name": "New",
            "last_name": "Agent",
            "role": "user",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
            "mailboxes": [mailbox.pk],
        },
    )
    assert response.status_code == 302, response.content[:1500]
    user = User.objects.get(email="new.agent@example.com")
    assert list(MailboxUser.objects.filter(user=user).values_list("mailbox_id", flat=True)) == [mailbox.pk]


# --- 403 and 404 pages -----------------------------------------------------------------------------------


def test_an_agent_gets_a_friendly_403_inside_the_admin(agent_client):
    response = agent_client.get("/admin/helpdesk/user/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "You do not have access to this page" in page
    assert 'id="header"' in page  # the admin layout
    assert reverse("admin:conversations_conversation_changelist") in page


def test_another_mailboxs_conversation_is_a_friendly_404(agent_client):
    other = ConversationFactory(mailbox=MailboxFactory(name="Sales", email="sales@example.com"))
    response = agent_client.get(reverse("admin:conversations_conversation_change", args=[other.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "This page does not exist" in page and 'id="header"' in page
    assert other.subject not in page


def test_an_unknown_admin_path_is_a_friendly_404(admin_client):
    response = admin_client.get("/admin/no/such/page/")
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_the_api_dialects_keep_their_json_errors(admin_api, client, db):
    response = admin_api.get("/api/no-such-endpoint")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    response = client.get("/liveagent/api/no-such-endpoint")
    assert response.status_code == 404
    assert "This page does not exist" not in response.content.decode()


def test_other_paths_keep_djangos_default_404(client, db):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "This page does not exist" not in response.content.decode()


# --- the bell --------------------------------------------------------------------------------------------


@pytest.fixture
def assigned(mailbox, agent, admin):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    conversation = ConversationFactory(mailbox=mailbox, subject="Printer on fire")
    return conversation_assign(conversation=conversation, assignee=agent, by_user=admin)


def test_assigning_and_a_customer_reply_ring_the_assignees_bell(assigned, agent):
    [notice] = Notification.objects.filter(user=agent)
    assert notice.kind == "assigned" and "assigned you" in notice.text and "Printer on fire" in notice.text
    thread_create(conversation=assigned, thread=NewThread(type=Thread.Type.CUSTOMER, body="<p>Still burning</p>"))
    kinds = list(Notification.objects.filter(user=agent).order_by("id").values_list("kind", flat=True))
    assert kinds == ["assigned", "customer_reply"]


def test_the_bell_rings_whatever_the_email_preference_but_never_for_ones_own_action(mailbox, agent):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    agent.notify_assigned = False
    agent.save()
    conversation = ConversationFactory(mailbox=mailbox)
    conversation_assign(conversation=conversation, assignee=agent, by_user=agent)
    assert not Notification.objects.exists()
    other = UserFactory()
    mailbox_user_grant(mailbox=mailbox, user=other)
    conversation_assign(conversation=conversation, assignee=other, by_user=agent)
    assert Notification.objects.filter(user=other, kind="assigned").count() == 1


def test_the_bell_shows_the_count_in_the_header_and_opening_marks_read(client, assigned, agent):
    client.force_login(agent)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'class="hd-bell-count">1<' in page
    assert "Printer on fire" in page
    notice = Notification.objects.get(user=agent)
    response = client.post(reverse("notification-open", args=[notice.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:conversations_conversation_change", args=[assigned.pk])
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert "hd-bell-count" not in client.get(reverse("admin:index")).content.decode()


def test_nobody_opens_anothers_notification_and_get_does_not_mark_read(client, assigned, agent, admin):
    notice = Notification.objects.get(user=agent)
    client.force_login(admin)
    assert client.post(reverse("notification-open", args=[notice.pk])).status_code == 404
    client.force_login(agent)
    assert client.get(reverse("notification-open", args=[notice.pk])).status_code == 405
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_all_read_and_the_list(client, assigned, agent):
    thread_create(conversation=assigned, thread=NewThread(type=Thread.Type.CUSTOMER, body="<p>Again</p>"))
    client.force_login(agent)
    page = client.get(reverse("notification-list")).content.decode()
    assert "Customer replied" in page and "Assigned to you" in page
    response = client.post(reverse("notifications-read-all"), {"next": "//evil.example/"})
    assert response["Location"] == reverse("notification-list")
    assert not Notification.objects.filter(user=agent, read_at__isnull=True).exists()
    assert notifications_mark_read(user=agent) == 0


def test_the_bell_costs_the_same_queries_however_many_notices(client, assigned, agent, django_assert_max_num_queries):
    client.force_login(agent)
    client.get(reverse("admin:index"))
    with django_assert_max_num_queries(200) as before:
        client.get(reverse("admin:index"))
    for n in range(12):
        thread_create(conversation=assigned, thread=NewThread(type=Thread.Type.CUSTOMER, body=f"<p>{n}</p>"))
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(reverse("admin:index"))


def test_the_bell_is_not_shown_to_anonymous_visitors(client, db):
    assert "hd-bell" not in client.get("/admin/login/").content.decode()


def test_opening_the_conversation_reads_its_notices(client, assigned, agent, mailbox):
    other = ConversationFactory(mailbox=mailbox)
    conversation_assign(conversation=other, assignee=agent, by_user=None)
    client.force_login(agent)
    assert client.get(reverse("admin:conversations_conversation_change", args=[assigned.pk])).status_code == 200
    unread = Notification.objects.filter(user=agent, read_at__isnull=True)
    assert list(unread.values_list("conversation_id", flat=True)) == [other.pk]
