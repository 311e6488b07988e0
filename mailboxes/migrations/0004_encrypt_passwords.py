"""Mailbox SMTP/IMAP passwords encrypted at rest (helpdesk.crypto): the column becomes text (a token is
longer than its password), then the existing passwords are encrypted; reversed, they are decrypted first."""

from django.db import migrations

import helpdesk.fields
from helpdesk.crypto import columns_rewrite

COLUMNS = ["out_password", "in_password"]


def encrypt(apps, schema_editor):
    columns_rewrite(schema_editor.connection, table="mailboxes_mailbox", columns=COLUMNS, mode="encrypt")


def decrypt(apps, schema_editor):
    columns_rewrite(schema_editor.connection, table="mailboxes_mailbox", columns=COLUMNS, mode="decrypt")


class Migration(migrations.Migration):
    dependencies = [("mailboxes", "0003_customfield_code")]

    operations = [
        migrations.AlterField(
            model_name="mailbox",
            name="out_password",
            field=helpdesk.fields.EncryptedTextField(blank=True, max_length=255),
        ),
        migrations.AlterField(
            model_name="mailbox",
            name="in_password",
            field=helpdesk.fields.EncryptedTextField(blank=True, max_length=255),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
