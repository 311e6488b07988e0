from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("conversations", "0013_delayed_send")]

    operations: list = []
