"""Full-text search over threads and subjects (conversations/search.py says how it is read).

PostgreSQL: the ``helpdesk_search`` text search configuration (english's token mapping, words through
``unaccent`` and the stemmer of ``HELPDESK_SEARCH_LANGUAGE``), and a ``search_vector`` tsvector column on
threads (the body, published threads only) and on conversations (the subject), outside the models: a
BEFORE trigger writes each from its row on every insert and every update of what it reads, whoever writes.
Filled, then GIN-indexed. SQLite: nothing (search reads the columns themselves)."""

from django.db import migrations

POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION helpdesk_search (COPY = english)",
    "ALTER TABLE conversations_thread ADD COLUMN search_vector tsvector",
    "ALTER TABLE conversations_conversation ADD COLUMN search_vector tsvector",
    # A draft, a hidden thread or a line item has no vector: nothing in it is ever found.
    """CREATE FUNCTION conversations_thread_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector := CASE WHEN NEW.state = 'published' AND NEW.type <> 'lineitem'
            THEN to_tsvector('helpdesk_search', NEW.body) END;
        RETURN NEW;
    END
    $$""",
    """CREATE TRIGGER conversations_thread_search_vector
        BEFORE INSERT OR UPDATE OF body, state, type ON conversations_thread
        FOR EACH ROW EXECUTE FUNCTION conversations_thread_search_vector()""",
    """CREATE FUNCTION conversations_conversation_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector := to_tsvector('helpdesk_search', NEW.subject);
        RETURN NEW;
    END
    $$""",
    """CREATE TRIGGER conversations_conversation_search_vector
        BEFORE INSERT OR UPDATE OF subject ON conversations_conversation
        FOR EACH ROW EXECUTE FUNCTION conversations_conversation_search_vector()""",
]
POSTGRESQL_INDEXES = [
    "SET LOCAL maintenance_work_mem = '256MB'",
    "CREATE INDEX thread_search ON conversations_thread USING gin (search_vector)",
    "CREATE INDEX conv_search ON conversations_conversation USING gin (search_vector)",
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS conversations_thread_search_vector ON conversations_thread",
    "DROP TRIGGER IF EXISTS conversations_conversation_search_vector ON conversations_conversation",
    "DROP FUNCTION IF EXISTS conversations_thread_search_vector()",
    "DROP FUNCTION IF EXISTS conversations_conversation_search_vector()",
    "ALTER TABLE conversations_thread DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE conversations_conversation DROP COLUMN IF EXISTS search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS helpdesk_search",
]


def forward(apps, schema_editor):
    from conversations.search import search_language_apply

    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    for statement in POSTGRESQL_FORWARD:
        schema_editor.execute(statement)
    # The stemmer, and the vectors of the rows already there (before the indexes: one build, not 5M inserts).
    search_language_apply(connection)
    for statement in POSTGRESQL_INDEXES:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("conversations", "0014_merge")]

    operations = [migrations.RunPython(forward, backward)]
