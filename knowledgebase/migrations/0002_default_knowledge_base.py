"""The default knowledge base, ``kb_defa``, which LiveAgent's operations fall back to without ``kb_id``."""

from django.db import migrations


def create(apps, schema_editor):
    KnowledgeBase = apps.get_model("knowledgebase", "KnowledgeBase")
    KnowledgeBase.objects.get_or_create(id="kb_defa", defaults={"name": "Knowledge base"})


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
