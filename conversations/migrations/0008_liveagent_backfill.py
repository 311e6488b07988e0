"""Gives existing conversations their codes, and ``acknowledged_at`` from their first published agent reply.
Not atomic: each batch of ``_backfill`` commits on its own (see there)."""

from django.db import migrations

from conversations.migrations._backfill import acknowledged_fill, codes_fill


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ('conversations', '0007_liveagent_data'),
    ]

    operations = [
        migrations.RunPython(codes_fill, migrations.RunPython.noop),
        migrations.RunPython(acknowledged_fill, migrations.RunPython.noop),
    ]
