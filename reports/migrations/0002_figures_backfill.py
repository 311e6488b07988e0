"""Derives the report figures of the conversations that existed before the reports app (a database made
earlier, the demo data among them); from here on the conversation services keep them."""

from django.db import migrations


def backfill(apps, schema_editor):
    # The derivation is the code's, not a frozen copy: the figures must be what the services would write.
    from reports.services import figures_rebuild

    Conversation = apps.get_model("conversations", "Conversation")
    if Conversation.objects.exists():
        figures_rebuild()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("conversations", "0011_agent_ui")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
