"""Conversation codes become required and unique. Conversations written between 0008 and this migration by a
server still running the previous release get theirs first."""

import conversations.models
from django.db import migrations, models

from conversations.migrations._backfill import codes_fill


class Migration(migrations.Migration):

    dependencies = [
        ('conversations', '0008_liveagent_backfill'),
    ]

    operations = [
        migrations.RunPython(codes_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='conversation',
            name='code',
            field=models.CharField(default=conversations.models.conversation_code_new, editable=False, max_length=13),
        ),
        migrations.AlterField(
            model_name='conversation',
            name='public_url_code',
            field=models.CharField(default=conversations.models.public_url_code_new, editable=False, max_length=16),
        ),
        migrations.AddConstraint(
            model_name='conversation',
            constraint=models.UniqueConstraint(fields=('code',), name='conversation_code_unique'),
        ),
        migrations.AddConstraint(
            model_name='conversation',
            constraint=models.UniqueConstraint(fields=('public_url_code',), name='conversation_public_url_code_unique'),
        ),
        migrations.AddConstraint(
            model_name='conversation',
            constraint=models.CheckConstraint(condition=models.Q(('code__regex', '^[A-Z0-9]{3}-[A-Z0-9]{5}-[A-Z0-9]{3}$')), name='conversation_code_format'),
        ),
        migrations.AddConstraint(
            model_name='conversation',
            constraint=models.CheckConstraint(condition=models.Q(('public_url_code__regex', '^[A-Za-z0-9]{16}$')), name='conversation_public_url_code_format'),
        ),
    ]
