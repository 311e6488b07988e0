from django.db import migrations

# "contains" filters (subject, customer phone digits) cannot use a B-tree. On PostgreSQL a trigram GIN
# index serves them; SQLite (the embedded default) scans, which is fine at its scale.
FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS conv_subject_trgm ON conversations_conversation USING gin (upper(subject) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS customer_phone_digits_trgm ON customers_customerphone USING gin (digits gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS conv_subject_trgm", "DROP INDEX IF EXISTS customer_phone_digits_trgm"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("conversations", "0001_initial"), ("customers", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
