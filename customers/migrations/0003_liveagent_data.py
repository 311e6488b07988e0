"""What the LiveAgent API needs of customers: gender and IP address; companies' language, IP address, emails
and phones; customer field codes (made for existing fields from their names, deduplicated); customer groups."""

import django.db.models.functions.text
import django.utils.timezone
from django.db import migrations, models
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
    CustomerField = apps.get_model("customers", "CustomerField")
    used = set()
    changed = []
    for field in CustomerField.objects.using(schema_editor.connection.alias).order_by("id"):
        field.code = _code(field.name, used)
        changed.append(field)
    CustomerField.objects.using(schema_editor.connection.alias).bulk_update(changed, ["code"], batch_size=500)


GENDERS = [('', 'Not given'), ('M', 'Male'), ('F', 'Female'), ('O', 'Other')]


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0002_email_first_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='company',
            name='language',
            field=models.CharField(blank=True, help_text='A language code, such as en or pt-BR.', max_length=12),
        ),
        migrations.AddField(
            model_name='company',
            name='ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='IP address'),
        ),
        migrations.AddField(
            model_name='company',
            name='emails',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='company',
            name='phones',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='customer',
            name='gender',
            field=models.CharField(blank=True, choices=GENDERS, default='', max_length=1),
        ),
        migrations.AddField(
            model_name='customer',
            name='ip',
            field=models.GenericIPAddressField(blank=True, help_text='As the LiveAgent API shows it.', null=True, verbose_name='IP address'),
        ),
        migrations.AddConstraint(
            model_name='customer',
            constraint=models.CheckConstraint(condition=models.Q(('gender__in', ['', 'M', 'F', 'O'])), name='customer_gender_valid'),
        ),
        migrations.AddField(
            model_name='customerfield',
            name='code',
            field=models.SlugField(db_index=False, default='', help_text='How the LiveAgent API names the field (letters, digits, _ and -); made from the name when empty.', max_length=75),
            preserve_default=False,
        ),
        migrations.RunPython(codes_from_names, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='customerfield',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('code'), name='customer_field_code_unique_ci'),
        ),
        migrations.AddConstraint(
            model_name='customerfield',
            constraint=models.CheckConstraint(condition=models.Q(('code', ''), _negated=True), name='customer_field_code_not_empty'),
        ),
        migrations.CreateModel(
            name='CustomerGroup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('text_color', models.CharField(blank=True, default='', help_text='Title colour, six hexadecimal digits (FFFFFF).', max_length=6)),
                ('background_color', models.CharField(blank=True, default='', help_text='Background colour, six hexadecimal digits.', max_length=6)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('companies', models.ManyToManyField(blank=True, related_name='groups', to='customers.company')),
                ('customers', models.ManyToManyField(blank=True, related_name='groups', to='customers.customer')),
            ],
            options={
                'ordering': ['id'],
                'constraints': [
                    models.UniqueConstraint(django.db.models.functions.text.Lower('name'), name='customer_group_name_unique_ci'),
                    models.CheckConstraint(condition=models.Q(('name', ''), _negated=True), name='customer_group_name_not_empty'),
                    models.CheckConstraint(condition=models.Q(('text_color__regex', '^([0-9A-F]{6})?$')), name='customer_group_text_color_hex'),
                    models.CheckConstraint(condition=models.Q(('background_color__regex', '^([0-9A-F]{6})?$')), name='customer_group_background_color_hex'),
                ],
            },
        ),
    ]
