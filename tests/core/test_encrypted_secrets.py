"""Secrets at rest (issue 20, item 6): mailbox SMTP/IMAP passwords and webhook secrets are Fernet tokens in
the database, read back as text by the services, the admin and the API; keys rotate without downtime; a
missing key stops production with the way to make one; a wrong key is a clear error where a secret is used,
and nowhere else."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from conversations.mail.sending import mailbox_connection
from helpdesk.crypto import SecretUnreadable, embedded_key
from mailboxes.models import Mailbox
from mailboxes.services import mailbox_create, mailbox_update
from tests.admin_helpers import admin_url, form_data
from tests.factories import ConversationFactory
from webhooks.delivery import webhook_ping
from webhooks.models import Event, Webhook
from webhooks.services import webhook_create, webhook_secret_rotate

ROOT = Path(__file__).resolve().parents[2]
OUT_PASSWORD = "smtp-Pa55word-out"
IN_PASSWORD = "imap-Pa55word-in"
KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def key_a(settings):
    settings.HELPDESK_ENCRYPTION_KEYS = [KEY_A]
    return settings


@pytest.fixture(autouse=True)
def _public_hooks(settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def smtp_mailbox(**extra) -> Mailbox:
    return mailbox_create(
        name="Sales",
        email="sales@example.com",
        out_method=Mailbox.OutMethod.SMTP,
        out_server="smtp.example.com",
        out_username="sales",
        out_password=OUT_PASSWORD,
        in_server="imap.example.com",
        in_username="sales",
        in_password=IN_PASSWORD,
        **extra,
    )


@pytest.mark.django_db
def test_mailbox_passwords_are_tokens_in_the_database_and_text_to_the_services(admin_api, key_a):
    response = admin_api.post(
        "/api/mailboxes",
        {"name": "Sales", "email": "sales@example.com", "outMethod": "smtp", "outServer": "smtp.example.com",
         "outUsername": "sales", "outPassword": OUT_PASSWORD, "inServer": "imap.example.com",
         "inUsername": "sales", "inPassword": IN_PASSWORD},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert OUT_PASSWORD not in response.content.decode() and IN_PASSWORD not in response.content.decode()
    pk = response.json()["id"]
    for column, plaintext in (("out_password", OUT_PASSWORD), ("in_password", IN_PASSWORD)):
        stored = raw("mailboxes_mailbox", column, pk)
        assert plaintext not in stored and "Pa55word" not in stored
        assert Fernet(KEY_A).decrypt(stored.encode()).decode() == plaintext  # a Fernet token of the first key
    mailbox = Mailbox.objects.get(pk=pk)
    assert (mailbox.out_password, mailbox.in_password) == (OUT_PASSWORD, IN_PASSWORD)
    assert mailbox_connection(mailbox).password == OUT_PASSWORD  # what the SMTP login uses
    # Two encryptions of one password differ (random IV): the column does not tell equal passwords apart.
    other = mailbox_create(name="Other", email="other@example.com", out_password=OUT_PASSWORD)
    assert raw("mailboxes_mailbox", "out_password", other.pk) != raw("mailboxes_mailbox", "out_password", pk)
    # No password stays no password.
    assert raw("mailboxes_mailbox", "in_password", other.pk) == ""


@pytest.mark.django_db
def test_admin_writes_mailbox_passwords_encrypted_and_never_shows_them(admin_client, key_a):
    mailbox = smtp_mailbox()
    url = admin_url(Mailbox, "change", mailbox.pk)
    page = admin_client.get(url)
    assert OUT_PASSWORD not in page.content.decode() and IN_PASSWORD not in page.content.decode()
    data = form_data(page) | {"out_password": "Brand-new-secret-9", "out_server": "smtp2.example.com"}
    assert admin_client.post(url, data).status_code == 302
    assert "Brand-new-secret-9" not in raw("mailboxes_mailbox", "out_password", mailbox.pk)
    mailbox.refresh_from_db()
    assert (mailbox.out_password, mailbox.in_password) == ("Brand-new-secret-9", IN_PASSWORD)


@pytest.mark.django_db
def test_webhook_secrets_are_tokens_in_the_database_and_shown_to_admins(admin_api, admin_client, key_a):
    response = admin_api.post(
        "/api/webhooks", {"url": "https://hooks.example.com/a", "events": ["convo.created"]}, format="json"
    )
    assert response.status_code == 201, response.content
    webhook_id, secret = response.json()["id"], response.json()["secret"]
    assert secret.startswith("whsec_")
    assert secret not in raw("webhooks_webhook", "secret", webhook_id)
    assert admin_api.get(f"/api/webhooks/{webhook_id}").json()["secret"] == secret
    assert secret in admin_client.get(admin_url(Webhook, "change", webhook_id)).content.decode()

    webhook = webhook_secret_rotate(webhook=Webhook.objects.get(pk=webhook_id))
    assert webhook.previous_secret == secret
    for column in ("secret", "previous_secret"):
        stored = raw("webhooks_webhook", column, webhook_id)
        assert secret not in stored and webhook.secret not in stored and "whsec_" not in stored
    webhook = Webhook.objects.get(pk=webhook_id)
    assert (webhook.previous_secret, webhook.secret) == (
        secret,
        admin_api.get(f"/api/webhooks/{webhook_id}").json()["secret"],
    )


@pytest.mark.django_db
def test_rotation_old_key_decrypts_the_command_reencrypts_then_the_old_key_goes(settings, key_a, admin_api):
    mailbox = smtp_mailbox()
    webhook = webhook_create(url="https://hooks.example.com/r", events=[Event.CONVO_CREATED])
    secret = webhook.secret
    before = raw("mailboxes_mailbox", "out_password", mailbox.pk)

    # Step 1: the new key first, the old one after it: everything still reads, new writes use the new key.
    settings.HELPDESK_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert Mailbox.objects.get(pk=mailbox.pk).out_password == OUT_PASSWORD
    assert admin_api.get(f"/api/webhooks/{webhook.pk}").json()["secret"] == secret
    newer = mailbox_create(name="New", email="new@example.com", out_password="newer-password")
    Fernet(KEY_B).decrypt(raw("mailboxes_mailbox", "out_password", newer.pk).encode())

    # Step 2: every encrypted column again, with the new key (twice is harmless).
    call_command("encryption_keys_rotate", stdout=(out := _Buffer()))
    assert "4 secret(s) encrypted again" in out.text  # three mailbox passwords and a webhook secret
    call_command("encryption_keys_rotate", stdout=_Buffer())
    after = raw("mailboxes_mailbox", "out_password", mailbox.pk)
    assert after != before and Fernet(KEY_B).decrypt(after.encode()).decode() == OUT_PASSWORD

    # Step 3: the old key removed, nothing is lost.
    settings.HELPDESK_ENCRYPTION_KEYS = [KEY_B]
    reread = Mailbox.objects.get(pk=mailbox.pk)
    assert (reread.out_password, reread.in_password) == (OUT_PASSWORD, IN_PASSWORD)
    assert Webhook.objects.get(pk=webhook.pk).secret == secret
    assert admin_api.get(f"/api/webhooks/{webhook.pk}").json()["secret"] == secret


class _Buffer:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


@pytest.mark.django_db
def test_a_wrong_key_is_a_clear_error_where_a_secret_is_used_and_nowhere_else(settings, key_a, admin_client, admin_api):
    mailbox = smtp_mailbox()
    ConversationFactory(mailbox=mailbox, subject="Still readable")
    webhook = webhook_create(url="https://hooks.example.com/w", events=[Event.CONVO_CREATED])
    token = raw("mailboxes_mailbox", "out_password", mailbox.pk)
    settings.HELPDESK_ENCRYPTION_KEYS = [KEY_B]  # the key that encrypted them is gone

    # Pages and API answers that do not show a secret work as before.
    for url in (
        reverse("admin:index"),
        reverse("admin:conversations_conversation_changelist"),
        admin_url(Mailbox, "changelist"),
        admin_url(Mailbox, "change", mailbox.pk),
        admin_url(Webhook, "changelist"),
    ):
        assert admin_client.get(url).status_code == 200, url
    assert admin_api.get("/api/mailboxes").status_code == 200
    assert admin_api.get("/api/conversations").status_code == 200
    # The webhook's page says why its secret cannot be shown.
    page = admin_client.get(admin_url(Webhook, "change", webhook.pk)).content.decode()
    assert "Cannot be shown" in page and "HELPDESK_ENCRYPTION_KEYS" in page

    # Using the secret is the clear error, naming the column and the setting, never a wrong value.
    reloaded = Mailbox.objects.get(pk=mailbox.pk)
    with pytest.raises(SecretUnreadable, match=r"Mailbox\.out_password: .*HELPDESK_ENCRYPTION_KEYS"):
        reloaded.out_password.encode()  # as smtplib's and imaplib's logins do
    with pytest.raises(SecretUnreadable, match=r"Mailbox\.in_password"):
        f"{reloaded.in_password}"
    with pytest.raises(SecretUnreadable, match=r"Webhook\.secret"):
        webhook_ping(webhook=Webhook.objects.get(pk=webhook.pk))  # refuses to sign, before any request
    with pytest.raises(SecretUnreadable, match=r"Webhook\.secret"):  # the API's 500 says why in the log
        admin_api.get(f"/api/webhooks/{webhook.pk}")

    # Editing the mailbox's other settings keeps the unreadable token as it was, in the admin too.
    mailbox_update(mailbox=reloaded, name="Sales EU")
    url = admin_url(Mailbox, "change", mailbox.pk)
    # The browser sends the password inputs empty (they are never filled in): the stored ones are kept.
    data = form_data(admin_client.get(url)) | {"name": "Sales EMEA", "out_password": "", "in_password": ""}
    assert admin_client.post(url, data).status_code == 302
    assert raw("mailboxes_mailbox", "out_password", mailbox.pk) == token

    # The rotation command names what it could not open and fails.
    with pytest.raises(CommandError, match=r"mailboxes_mailbox\.out_password id \d+"):
        call_command("encryption_keys_rotate", stdout=_Buffer())

    settings.HELPDESK_ENCRYPTION_KEYS = [KEY_A]  # the right key back: nothing was lost
    assert Mailbox.objects.get(pk=mailbox.pk).out_password == OUT_PASSWORD
    assert Mailbox.objects.get(pk=mailbox.pk).name == "Sales EMEA"


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_existing_plaintext_and_decrypt_it_when_reversed(key_a):
    targets_before = [("mailboxes", "0003_customfield_code"), ("webhooks", "0002_webhook_previous_secret")]
    targets_after = [("mailboxes", "0004_encrypt_passwords"), ("webhooks", "0003_encrypt_secrets")]
    executor = MigrationExecutor(connection)
    executor.migrate(targets_before)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO mailboxes_mailbox (name, email, aliases, signature, from_name, from_name_custom,"
                " auto_reply_enabled, auto_reply_subject, auto_reply_message, out_method, out_server, out_username,"
                " out_password, out_encryption, in_server, in_username, in_password, in_encryption,"
                " in_validate_cert, in_imap_folders, created_at, updated_at) VALUES ('Old', 'old@example.com', '',"
                " '', 'mailbox', '', %s, '', '', 'smtp', 'smtp.example.com', 'old', %s, 'tls', '', '', '', 'ssl',"
                " %s, 'INBOX', %s, %s)",
                [False, OUT_PASSWORD, True, "2026-01-01 00:00:00", "2026-01-01 00:00:00"],
            )
            cursor.execute("SELECT id FROM mailboxes_mailbox WHERE email = 'old@example.com'")
            pk = cursor.fetchone()[0]
        executor = MigrationExecutor(connection)
        executor.migrate(targets_after)
        stored = raw("mailboxes_mailbox", "out_password", pk)
        assert OUT_PASSWORD not in stored and Mailbox.objects.get(pk=pk).out_password == OUT_PASSWORD
        assert raw("mailboxes_mailbox", "in_password", pk) == ""

        executor = MigrationExecutor(connection)
        executor.migrate(targets_before)
        assert raw("mailboxes_mailbox", "out_password", pk) == OUT_PASSWORD
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def run_django(env: dict[str, str], code: str = "") -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION = {"DJANGO_SETTINGS_MODULE": "helpdesk.settings_production", "SECRET_KEY": secrets.token_urlsafe(64)}


@pytest.mark.slow
def test_production_refuses_to_start_without_a_key_and_says_how_to_make_one(tmp_path):
    result = run_django({**PRODUCTION, "HELPDESK_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "HELPDESK_ENCRYPTION_KEYS must be set in production" in result.stderr
    assert "Fernet.generate_key()" in result.stderr

    malformed = run_django(
        {**PRODUCTION, "HELPDESK_DATA_DIR": str(tmp_path), "HELPDESK_ENCRYPTION_KEYS": f"{KEY_A},nope"}
    )
    assert malformed.returncode != 0
    assert "HELPDESK_ENCRYPTION_KEYS: key 2 is not a Fernet key" in malformed.stderr

    keys = f"{KEY_B}, {KEY_A}"
    started = run_django(
        {**PRODUCTION, "HELPDESK_DATA_DIR": str(tmp_path), "HELPDESK_ENCRYPTION_KEYS": keys},
        f"from django.conf import settings; print(settings.HELPDESK_ENCRYPTION_KEYS == [{KEY_B!r}, {KEY_A!r}])",
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "True"


@pytest.mark.slow
def test_the_embedded_default_makes_a_key_once_in_the_data_directory(tmp_path):
    key = embedded_key(tmp_path)
    Fernet(key)  # a valid key
    assert embedded_key(tmp_path) == key
    assert (tmp_path / "encryption_key").stat().st_mode & 0o777 == 0o600
    result = run_django(
        {"HELPDESK_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "helpdesk.settings"},
        "from django.conf import settings; print(settings.HELPDESK_ENCRYPTION_KEYS[0])",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == key
