"""The audit log (issue 20, item 10): the services record each security-relevant change with who made it (the
signed-in admin, or the API key and its user, or the system), from where, and what changed, never a secret;
admins read it in the admin, where nobody can change or delete it, and agents cannot see it."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.context import audit_actor
from audit.models import AuditAction, AuditEntry
from helpdesk.errors import Invalid
from helpdesk.models import ApiKey, User
from helpdesk.services import api_key_create, api_key_revoke, user_update
from mailboxes.models import Mailbox
from mailboxes.services import mailbox_user_grant
from tests.admin_helpers import admin_url, form_data
from tests.browser import BROWSER_MARKS, screenshot_dir, sign_in
from tests.factories import AdminFactory, MailboxFactory, UserFactory
from tests.liveagent.test_widgets import seed_params
from webhooks.models import Event, Webhook
from webhooks.services import webhook_create, webhook_disable

A = AuditAction
SMTP_PASSWORD = "Sm7p-Secret-Pass"


@pytest.fixture(autouse=True)
def _public_hooks(settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture
def admin_key_row(admin, admin_key) -> ApiKey:
    return ApiKey.objects.get(user=admin, revoked_at=None)


def log_from_here() -> None:
    """Forgets the entries the fixtures' setup wrote (users, keys and mailboxes made for the test)."""
    AuditEntry.objects.all().delete()


def entries(action: AuditAction) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def only(action: AuditAction) -> AuditEntry:
    found = entries(action)
    assert len(found) == 1, found
    return found[0]


def by_api_key(entry: AuditEntry, key: ApiKey) -> None:
    assert (entry.actor_id, entry.actor_api_key_id) == (key.user_id, key.pk)
    assert entry.actor_label == f"{key.user.email} (API key {key.prefix}…)"
    assert entry.remote_addr == "127.0.0.1"


def by_admin(entry: AuditEntry, admin: User) -> None:
    assert (entry.actor_id, entry.actor_api_key_id, entry.actor_label) == (admin.pk, None, admin.email)
    assert entry.remote_addr == "127.0.0.1"


def no_secret_in_the_log(*secrets: str) -> None:
    text = json.dumps(list(AuditEntry.objects.values()), default=str)
    for secret in secrets:
        assert secret not in text


# --- API keys -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_key_created_and_revoked_through_the_api(admin_api, admin_key_row, agent):
    log_from_here()
    created = admin_api.post(f"/api/users/{agent.pk}/api_keys", {"name": "zapier"}, format="json").json()
    entry = only(A.API_KEY_CREATED)
    by_api_key(entry, admin_key_row)
    assert (entry.target_type, entry.target_id) == ("apikey", str(created["id"]))
    assert entry.target_label == f"{created['key'][:8]}… of {agent.email} (zapier)"
    assert entry.changes == {
        "user": {"before": None, "after": agent.email},
        "name": {"before": None, "after": "zapier"},
    }

    assert admin_api.delete(f"/api/users/{agent.pk}/api_keys/{created['id']}").status_code == 204
    by_api_key(only(A.API_KEY_REVOKED), admin_key_row)
    no_secret_in_the_log(created["key"], ApiKey.objects.get(pk=created["id"]).key_hash)


@pytest.mark.django_db
def test_api_key_created_and_revoked_in_the_admin(admin_client, admin, agent):
    log_from_here()
    admin_client.post(admin_url(ApiKey, "add"), {"user": agent.pk, "name": "cli"})
    key = ApiKey.objects.get(user=agent)
    by_admin(only(A.API_KEY_CREATED), admin)
    admin_client.post(admin_url(ApiKey, "changelist"), {"action": "revoke_keys", "_selected_action": [key.pk]})
    entry = only(A.API_KEY_REVOKED)
    by_admin(entry, admin)
    assert entry.target_id == str(key.pk)
    no_secret_in_the_log(key.key_hash)


@pytest.mark.django_db
def test_a_key_revoked_twice_at_once_is_recorded_once(agent):
    key, _ = api_key_create(user=agent, name="twice")
    first, second = ApiKey.objects.get(pk=key.pk), ApiKey.objects.get(pk=key.pk)
    log_from_here()
    api_key_revoke(api_key=first)
    # The second caller read the key before the first revoked it.
    api_key_revoke(api_key=second)
    assert len(entries(A.API_KEY_REVOKED)) == 1
    assert second.revoked_at == first.revoked_at == ApiKey.objects.get(pk=key.pk).revoked_at


@pytest.mark.django_db
def test_api_key_limit_changed_in_the_admin(admin_client, admin, agent):
    key, _ = api_key_create(user=agent, name="busy")
    log_from_here()
    url = admin_url(ApiKey, "change", key.pk)
    assert admin_client.post(url, {"name": "busy", "requests_per_minute": "5000"}).status_code == 302
    entry = only(A.API_KEY_LIMIT_CHANGED)
    by_admin(entry, admin)
    assert entry.changes == {"requests_per_minute": {"before": None, "after": 5000}}
    assert admin_client.post(url, {"name": "renamed", "requests_per_minute": "5000"}).status_code == 302
    assert len(entries(A.API_KEY_LIMIT_CHANGED)) == 1  # no change of limit, no entry


# --- Users ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_user_created_changed_and_deleted_through_the_api(admin_api, admin_key_row, admin, mailbox):
    log_from_here()
    body = {"firstName": "Nia", "lastName": "New", "email": "nia@example.com", "password": "Nia-Pa55-word!"}
    user_id = admin_api.post("/api/users", body, format="json").json()["id"]
    entry = only(A.USER_CREATED)
    by_api_key(entry, admin_key_row)
    assert entry.changes == {
        "email": {"before": None, "after": "nia@example.com"},
        "role": {"before": None, "after": "user"},
        "password": {"before": None, "after": "[set]"},
    }

    assert admin_api.put(f"/api/users/{user_id}", {"role": "admin"}, format="json").status_code == 204
    assert only(A.USER_ROLE_CHANGED).changes == {"role": {"before": "user", "after": "admin"}}
    assert admin_api.put(f"/api/users/{user_id}", {"status": "disabled"}, format="json").status_code == 204
    assert only(A.USER_STATUS_CHANGED).changes == {"status": {"before": "active", "after": "disabled"}}
    assert admin_api.put(f"/api/users/{user_id}", {"jobTitle": "Lead"}, format="json").status_code == 204
    assert only(A.USER_UPDATED).changes == {"job_title": {"before": "", "after": "Lead"}}

    response = admin_api.delete(f"/api/users/{user_id}?byUserId={admin.pk}")
    assert response.status_code == 204, response.content
    entry = only(A.USER_DELETED)
    by_api_key(entry, admin_key_row)
    assert entry.changes == {"status": {"before": "disabled", "after": "deleted"}}
    assert entry.target_label == "Nia New <nia@example.com>"
    no_secret_in_the_log("Nia-Pa55-word!")


@pytest.mark.django_db
def test_user_created_and_changed_in_the_admin(admin_client, admin, mailbox):
    log_from_here()
    password = "Adm1n-made-Pa55!"
    admin_client.post(
        admin_url(User, "add"),
        {"email": "ola@example.com", "role": "user", "password1": password, "password2": password,
         "mailboxes": [mailbox.pk]},
    )  # fmt: skip
    user = User.objects.get(email="ola@example.com")
    by_admin(only(A.USER_CREATED), admin)
    granted = only(A.MAILBOX_ACCESS_GRANTED)  # the user form's mailbox checkboxes
    by_admin(granted, admin)
    assert granted.target_label == f"ola@example.com → {mailbox.name}"

    url = admin_url(User, "change", user.pk)
    data = form_data(admin_client.get(url)) | {"status": "disabled", "role": "admin", "mailboxes": []}
    data |= {"password1": "Brand-new-Pa55!", "password2": "Brand-new-Pa55!"}
    assert admin_client.post(url, data).status_code == 302
    assert only(A.USER_ROLE_CHANGED).changes == {"role": {"before": "user", "after": "admin"}}
    assert only(A.USER_STATUS_CHANGED).changes == {"status": {"before": "active", "after": "disabled"}}
    assert only(A.USER_UPDATED).changes == {"password": {"before": "[set]", "after": "[set]"}}
    by_admin(only(A.MAILBOX_ACCESS_REVOKED), admin)
    no_secret_in_the_log(password, "Brand-new-Pa55!")


@pytest.mark.django_db
def test_a_refused_change_leaves_no_entry(admin):
    with pytest.raises(Invalid):
        user_update(user=admin, role=User.Role.USER)  # the last active admin
    assert not AuditEntry.objects.filter(action=A.USER_ROLE_CHANGED).exists()


# --- Mailboxes ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mailbox_created_changed_access_and_deleted_through_the_api(admin_api, admin_key_row, agent):
    log_from_here()
    body = {"name": "Sales", "email": "sales@example.com", "outMethod": "smtp", "outServer": "smtp.example.com",
            "outUsername": "sales", "outPassword": SMTP_PASSWORD}  # fmt: skip
    mailbox_id = admin_api.post("/api/mailboxes", body, format="json").json()["id"]
    created = only(A.MAILBOX_CREATED)
    by_api_key(created, admin_key_row)
    assert created.changes["out_server"] == {"before": None, "after": "smtp.example.com"}
    assert created.changes["out_password"] == {"before": None, "after": "[set]"}
    assert created.changes["in_password"] == {"before": None, "after": ""}

    changes = {"outServer": "smtp2.example.com", "outPassword": "N3w-Smtp-Pass", "signature": "<p>Hi</p>"}
    assert admin_api.put(f"/api/mailboxes/{mailbox_id}", changes, format="json").status_code == 204
    updated = only(A.MAILBOX_UPDATED)
    by_api_key(updated, admin_key_row)
    # Which fields changed, never the password (nor the signature, not a security matter).
    assert updated.changes == {
        "out_password": {"before": "[set]", "after": "[set]"},
        "out_server": {"before": "smtp.example.com", "after": "smtp2.example.com"},
    }
    assert admin_api.put(f"/api/mailboxes/{mailbox_id}", {"signature": "<p>Bye</p>"}, format="json").status_code == 204
    assert len(entries(A.MAILBOX_UPDATED)) == 1

    assert admin_api.put(f"/api/mailboxes/{mailbox_id}/users/{agent.pk}").status_code == 204
    assert admin_api.put(f"/api/mailboxes/{mailbox_id}/users/{agent.pk}").status_code == 204  # no change
    granted = only(A.MAILBOX_ACCESS_GRANTED)
    by_api_key(granted, admin_key_row)
    assert (granted.target_type, granted.target_id) == ("user", str(agent.pk))
    assert granted.changes == {"mailbox": {"before": None, "after": "Sales"}}
    assert admin_api.delete(f"/api/mailboxes/{mailbox_id}/users/{agent.pk}").status_code == 204
    assert only(A.MAILBOX_ACCESS_REVOKED).changes == {"mailbox": {"before": "Sales", "after": None}}

    assert admin_api.delete(f"/api/mailboxes/{mailbox_id}").status_code == 204
    deleted = only(A.MAILBOX_DELETED)
    by_api_key(deleted, admin_key_row)
    assert (deleted.target_id, deleted.target_label) == (str(mailbox_id), "Sales <sales@example.com>")
    no_secret_in_the_log(SMTP_PASSWORD, "N3w-Smtp-Pass")


@pytest.mark.django_db
def test_mailbox_changed_access_and_deleted_in_the_admin(admin_client, admin, agent):
    log_from_here()
    mailbox = MailboxFactory(name="Billing", email="billing@example.com")
    url = admin_url(Mailbox, "change", mailbox.pk)
    data = form_data(admin_client.get(url))
    data |= {"in_server": "imap.example.com", "in_password": SMTP_PASSWORD, "signature": "x"}
    data |= {"mailboxuser_set-TOTAL_FORMS": "1", "mailboxuser_set-0-user": agent.pk}
    assert admin_client.post(url, data).status_code == 302
    updated = only(A.MAILBOX_UPDATED)
    by_admin(updated, admin)
    assert updated.changes == {
        "in_password": {"before": "", "after": "[set]"},
        "in_server": {"before": "", "after": "imap.example.com"},
    }
    by_admin(only(A.MAILBOX_ACCESS_GRANTED), admin)

    delete_url = admin_url(Mailbox, "delete", mailbox.pk)
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    by_admin(only(A.MAILBOX_DELETED), admin)
    assert not Mailbox.objects.filter(pk=mailbox.pk).exists()
    no_secret_in_the_log(SMTP_PASSWORD)


# --- Webhooks -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_webhook_created_and_deleted_through_the_api(admin_api, admin_key_row, mailbox):
    log_from_here()
    body = {"url": "https://hooks.example.com/a", "events": ["convo.created"], "mailboxes": [mailbox.pk]}
    created = admin_api.post("/api/webhooks", body, format="json").json()
    entry = only(A.WEBHOOK_CREATED)
    by_api_key(entry, admin_key_row)
    assert entry.changes == {
        "url": {"before": None, "after": "https://hooks.example.com/a"},
        "events": {"before": None, "after": ["convo.created"]},
        "mailboxes": {"before": None, "after": [mailbox.name]},
    }
    assert admin_api.delete(f"/api/webhooks/{created['id']}").status_code == 204
    deleted = only(A.WEBHOOK_DELETED)
    by_api_key(deleted, admin_key_row)
    assert deleted.changes["url"] == {"before": "https://hooks.example.com/a", "after": None}
    no_secret_in_the_log(created["secret"])


@pytest.mark.django_db
def test_webhook_created_changed_disabled_enabled_rotated_and_deleted_in_the_admin(admin_client, admin):
    log_from_here()
    admin_client.post(
        admin_url(Webhook, "add"), {"url": "https://hooks.example.com/b", "events": ["convo.created"], "enabled": "on"}
    )
    webhook = Webhook.objects.get()
    first_secret = webhook.secret
    by_admin(only(A.WEBHOOK_CREATED), admin)

    url = admin_url(Webhook, "change", webhook.pk)
    data = form_data(admin_client.get(url))
    data |= {"url": "https://hooks.example.com/c", "events": ["convo.created", "convo.deleted"]}
    assert admin_client.post(url, data).status_code == 302
    updated = only(A.WEBHOOK_UPDATED)
    by_admin(updated, admin)
    assert updated.changes == {
        "url": {"before": "https://hooks.example.com/b", "after": "https://hooks.example.com/c"},
        "events": {"before": ["convo.created"], "after": ["convo.created", "convo.deleted"]},
    }

    changelist = admin_url(Webhook, "changelist")
    for action in ("disable", "enable", "rotate_secret"):
        admin_client.post(changelist, {"action": action, "_selected_action": [webhook.pk]})
    disabled = only(A.WEBHOOK_DISABLED)
    by_admin(disabled, admin)
    assert disabled.changes["reason"] == {"before": None, "after": f"Disabled by {admin.email}."}
    by_admin(only(A.WEBHOOK_ENABLED), admin)
    rotated = only(A.WEBHOOK_SECRET_ROTATED)
    by_admin(rotated, admin)
    assert set(rotated.changes) == {"previous_secret_expires_at"}

    webhook.refresh_from_db()
    assert admin_client.post(admin_url(Webhook, "delete", webhook.pk), {"post": "yes"}).status_code == 302
    by_admin(only(A.WEBHOOK_DELETED), admin)
    assert not Webhook.objects.exists()
    no_secret_in_the_log(first_secret, webhook.secret)


@pytest.mark.django_db
def test_changes_without_a_request_are_the_systems():
    webhook = webhook_create(url="https://hooks.example.com/s", events=[Event.CONVO_CREATED])
    webhook_disable(webhook=webhook, reason="The receiver answered 410 Gone.")
    entry = only(A.WEBHOOK_DISABLED)
    assert (entry.actor_id, entry.actor_label, entry.remote_addr) == (None, "system", None)
    operator = AdminFactory(email="ops@example.com")
    with audit_actor(user=operator):
        api_key_create(user=operator, name="by a command")
    assert (only(A.API_KEY_CREATED).actor_id, only(A.API_KEY_CREATED).actor_label) == (operator.pk, operator.email)


@pytest.mark.django_db
def test_the_address_is_the_clients_behind_trusted_proxies(settings, admin_api, admin, agent):
    settings.HELPDESK_TRUSTED_PROXY_COUNT = 1
    log_from_here()
    admin_api.post(f"/api/users/{agent.pk}/api_keys", {"name": "p"}, format="json", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert only(A.API_KEY_CREATED).remote_addr == "203.0.113.9"


@pytest.mark.django_db
def test_a_sign_in_lockout_is_logged_once_when_it_starts(client, settings, admin):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    log_from_here()
    for _ in range(settings.AXES_FAILURE_LIMIT + 5):
        client.post("/admin/login/", {"username": admin.email, "password": "guess"}, REMOTE_ADDR="203.0.113.7")
    entry = only(A.LOGIN_LOCKED_OUT)
    assert (entry.actor_id, entry.actor_label, entry.remote_addr) == (None, "anonymous", "203.0.113.7")
    assert (entry.target_type, entry.target_id) == ("user", str(admin.pk))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "nobody@example.com", "password": "x"}, REMOTE_ADDR="203.0.113.8")
    assert entries(A.LOGIN_LOCKED_OUT)[1].target_label == "nobody@example.com"
    no_secret_in_the_log("guess")


# --- Contact widgets (LiveAgent API) -------------------------------------------------------------------


@pytest.mark.django_db
def test_widget_created_through_the_liveagent_api(client, admin, admin_key_row, admin_key, mailbox):
    log_from_here()
    response = client.post("/liveagent/api/widgets", {**seed_params(mailbox), "apikey": admin_key})
    assert response.status_code == 200, response.content
    entry = only(A.WIDGET_CREATED)
    by_api_key(entry, admin_key_row)
    assert entry.changes["name"] == {"before": None, "after": "widget1"}


# --- The admin pages ------------------------------------------------------------------------------------


@pytest.fixture
def logged(admin, agent, mailbox):
    """Two entries by two actors (the system and the admin) on two days."""
    log_from_here()
    api_key_create(user=agent, name="first")
    with audit_actor(user=admin):
        mailbox_user_grant(mailbox=mailbox, user=agent)
    AuditEntry.objects.filter(action=A.API_KEY_CREATED).update(created_at=timezone.now() - timedelta(days=3))


@pytest.mark.django_db
def test_admins_browse_the_log_filtered_by_action_actor_and_date(admin_client, admin, logged):
    changelist = admin_url(AuditEntry, "changelist")
    page = admin_client.get(changelist)
    assert page.status_code == 200
    assert page.context["cl"].result_count == 2
    assert admin_client.get(changelist, {"action": "mailbox.access_granted"}).context["cl"].result_count == 1
    assert admin_client.get(changelist, {"actor__id__exact": admin.pk}).context["cl"].result_count == 1
    today = timezone.now()
    day = {"created_at__year": today.year, "created_at__month": today.month, "created_at__day": today.day}
    found = admin_client.get(changelist, day).context["cl"].result_list  # the date hierarchy's links
    assert [entry.action for entry in found] == [A.MAILBOX_ACCESS_GRANTED]
    entry = AuditEntry.objects.get(action=A.MAILBOX_ACCESS_GRANTED)
    detail = admin_client.get(admin_url(AuditEntry, "change", entry.pk))
    assert detail.status_code == 200
    row = "<th>mailbox</th><td><code>null</code></td><td><code>&quot;Support&quot;</code></td>"
    assert row in detail.content.decode()


@pytest.mark.django_db
def test_nobody_adds_changes_or_deletes_entries_in_the_admin(admin_client, logged):
    entry = AuditEntry.objects.first()
    assert admin_client.get(admin_url(AuditEntry, "add")).status_code == 403
    page = admin_client.get(admin_url(AuditEntry, "change", entry.pk)).content.decode()
    assert 'name="_save"' not in page
    assert admin_client.post(admin_url(AuditEntry, "change", entry.pk), {"action": "user.created"}).status_code == 403
    assert admin_client.post(admin_url(AuditEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    admin_client.post(admin_url(AuditEntry, "changelist"), bulk)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_agents_cannot_see_the_log(agent_client, logged):
    entry = AuditEntry.objects.first()
    assert agent_client.get(admin_url(AuditEntry, "changelist")).status_code == 403
    assert agent_client.get(admin_url(AuditEntry, "change", entry.pk)).status_code == 403
    assert agent_client.get(reverse("admin:app_list", args=["audit"])).status_code in (403, 404)
    assert "Audit log" not in agent_client.get(reverse("admin:index")).content.decode()


@pytest.mark.django_db
def test_the_api_keys_of_a_regular_user_change_nothing_that_is_logged(agent, mailbox):
    from tests.api_helpers import client_for

    api = client_for(agent)
    log_from_here()
    assert api.post(f"/api/users/{agent.pk}/api_keys", {"name": "x"}, format="json").status_code == 403
    assert (
        api.post(
            "/api/webhooks", {"url": "https://h.example.com", "events": ["convo.created"]}, format="json"
        ).status_code
        == 403
    )
    assert not AuditEntry.objects.exists()


# --- In a browser -------------------------------------------------------------------------------------------


def browser_test(test):
    for mark in BROWSER_MARKS:
        test = mark(test)
    return test


@browser_test
def test_the_audit_log_page_in_a_browser(browser_page, live_server):
    admin = AdminFactory(email="root@example.com", first_name="Ruth", last_name="Root")
    agent = UserFactory(email="sam@example.com", first_name="Sam", last_name="Agent")
    support = MailboxFactory(name="Support", email="support@example.com")
    with audit_actor(user=admin):
        mailbox_user_grant(mailbox=support, user=agent)
        api_key_create(user=agent, name="zapier")
        webhook = webhook_create(url="https://hooks.example.com/crm", events=[Event.CONVO_CREATED])
        webhook_disable(webhook=webhook, reason="Disabled by root@example.com.")
        user_update(user=agent, role=User.Role.ADMIN)

    page, base = browser_page, live_server.url
    sign_in(page, base, admin.email)
    page.goto(f"{base}{admin_url(AuditEntry, 'changelist')}")
    page.wait_for_selector("#result_list")
    text = page.inner_text("#result_list")
    assert "User's role changed" in text and "API key created" in text and "Webhook disabled" in text
    assert "root@example.com" in text
    page.screenshot(path=str(screenshot_dir() / "audit-log.png"), full_page=True)

    page.click('#result_list tr:has-text("User\'s role changed") th a')
    page.wait_for_selector(".hd-audit-changes")
    assert page.inner_text(".hd-audit-changes tbody tr").split() == ["role", '"user"', '"admin"']
    page.screenshot(path=str(screenshot_dir() / "audit-log-entry.png"), full_page=True)
