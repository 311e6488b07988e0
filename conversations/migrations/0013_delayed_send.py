from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("conversations", "0012_thread_body_links_host_free")]

    operations: list = []
