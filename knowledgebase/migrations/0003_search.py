"""Full-text search over entries (knowledgebase/search.py says how it is used).

PostgreSQL: the ``search_vector`` tsvector column (outside the model: nothing but the trigger writes it),
kept by a BEFORE INSERT/UPDATE trigger from the title (weight A), keywords (B) and the content's text (C) in
the ``english`` configuration, with a GIN index. SQLite: the FTS5 table and its triggers (when this SQLite
has FTS5), made by ``knowledgebase.search.sqlite_index_ensure``, which also repairs them after any later
migration that rebuilds the entry table."""

from django.db import migrations

POSTGRESQL_FORWARD = [
    "ALTER TABLE knowledgebase_entry ADD COLUMN search_vector tsvector",
    # The content is sanitised HTML: tags become spaces, the entities nh3 writes become their characters.
    """CREATE FUNCTION knowledgebase_html_text(html text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT replace(replace(replace(replace(replace(replace(
            regexp_replace(coalesce(html, ''), '<[^>]*>', ' ', 'g'),
            '&nbsp;', ' '), '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&amp;', '&')
    $$""",
    """CREATE FUNCTION knowledgebase_entry_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
            || setweight(to_tsvector('english', coalesce(NEW.keywords, '')), 'B')
            || setweight(to_tsvector('english', knowledgebase_html_text(NEW.content)), 'C');
        RETURN NEW;
    END
    $$""",
    """CREATE TRIGGER knowledgebase_entry_search_vector
        BEFORE INSERT OR UPDATE OF title, keywords, content ON knowledgebase_entry
        FOR EACH ROW EXECUTE FUNCTION knowledgebase_entry_search_vector()""",
    "UPDATE knowledgebase_entry SET title = title",
    "CREATE INDEX knowledgebase_entry_search ON knowledgebase_entry USING gin (search_vector)",
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledgebase_entry_search_vector ON knowledgebase_entry",
    "DROP FUNCTION IF EXISTS knowledgebase_entry_search_vector()",
    "DROP FUNCTION IF EXISTS knowledgebase_html_text(text)",
    "ALTER TABLE knowledgebase_entry DROP COLUMN IF EXISTS search_vector",
]


def forward(apps, schema_editor):
    from knowledgebase.search import sqlite_index_ensure

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for statement in POSTGRESQL_FORWARD:
            schema_editor.execute(statement)
    elif connection.vendor == "sqlite":
        sqlite_index_ensure(connection)


def backward(apps, schema_editor):
    from knowledgebase.search import sqlite_index_drop

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for statement in POSTGRESQL_BACKWARD:
            schema_editor.execute(statement)
    elif connection.vendor == "sqlite":
        sqlite_index_drop(connection)


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0002_default_knowledge_base")]

    operations = [migrations.RunPython(forward, backward)]
