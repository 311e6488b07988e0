"""Webhook secrets encrypted at rest (helpdesk.crypto), still readable by admins: the columns become text (a
token is longer than its secret), then the existing secrets are encrypted; reversed, decrypted first."""

from django.db import migrations

import helpdesk.fields
import webhooks.models
from helpdesk.crypto import columns_rewrite

COLUMNS = ["secret", "previous_secret"]


def encrypt(apps, schema_editor):
    columns_rewrite(schema_editor.connection, table="webhooks_webhook", columns=COLUMNS, mode="encrypt")


def decrypt(apps, schema_editor):
    columns_rewrite(schema_editor.connection, table="webhooks_webhook", columns=COLUMNS, mode="decrypt")


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0002_webhook_previous_secret")]

    operations = [
        migrations.AlterField(
            model_name="webhook",
            name="secret",
            field=helpdesk.fields.EncryptedTextField(default=webhooks.models.webhook_secret_generate, max_length=100),
        ),
        migrations.AlterField(
            model_name="webhook",
            name="previous_secret",
            field=helpdesk.fields.EncryptedTextField(blank=True, max_length=100),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
