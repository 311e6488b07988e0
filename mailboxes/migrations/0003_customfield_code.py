"""Custom fields get a ``code`` (the LiveAgent API's name for them), made for existing fields from their names:
a slug with underscores, ``_2``, ``_3``… when the mailbox has the slug already."""

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import F
from django.utils.text import slugify


def _code(name, used):
    # A copy of ``helpdesk.fields.field_code_from_name`` as it was when this migration was written.
    base = slugify(name).replace("-", "_").strip("_")[:69] or "field"
    code, suffix = base, 1
    while code.lower() in used:
        suffix += 1
        code = f"{base}_{suffix}"
    used.add(code.lower())
    return code


def codes_from_names(apps, schema_editor):
    CustomField = apps.get_model("mailboxes", "CustomField")
    used_by_mailbox = {}
    changed = []
    for field in CustomField.objects.using(schema_editor.connection.alias).order_by("mailbox_id", "id"):
        field.code = _code(field.name, used_by_mailbox.setdefault(field.mailbox_id, set()))
        changed.append(field)
    CustomField.objects.using(schema_editor.connection.alias).bulk_update(changed, ["code"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('mailboxes', '0002_mailboxfetchcursor'),
    ]

    operations = [
        migrations.AddField(
            model_name='customfield',
            name='code',
            field=models.SlugField(db_index=False, default='', help_text='How the LiveAgent API names the field (letters, digits, _ and -); made from the name when empty.', max_length=75),
            preserve_default=False,
        ),
        migrations.RunPython(codes_from_names, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='customfield',
            constraint=models.UniqueConstraint(F('mailbox'), django.db.models.functions.text.Lower('code'), name='custom_field_code_unique_per_mailbox'),
        ),
        migrations.AddConstraint(
            model_name='customfield',
            constraint=models.CheckConstraint(condition=models.Q(('code', ''), _negated=True), name='custom_field_code_not_empty'),
        ),
    ]
