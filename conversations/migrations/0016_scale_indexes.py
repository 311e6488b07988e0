from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("conversations", "0015_full_text_search")]

    operations: list = []
