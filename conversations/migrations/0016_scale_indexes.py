from django.db import migrations, models

# The tally also keys its rows by assignee (issue 22), so that the folder counters (Unassigned, Assigned,
# Mine) and the agent UI list's count are sums over a few rows too. The table is locked while the triggers
# are replaced and the tally is counted again, so no write falls between the two.
TALLY_SQL = """
LOCK TABLE conversations_conversation IN SHARE ROW EXCLUSIVE MODE;
CREATE OR REPLACE FUNCTION conversations_tally_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO conversations_conversationtally (mailbox_id, status, state, assignee_id, delta)
        VALUES (OLD.mailbox_id, OLD.status, OLD.state, OLD.assignee_id, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO conversations_conversationtally (mailbox_id, status, state, assignee_id, delta)
        VALUES (NEW.mailbox_id, NEW.status, NEW.state, NEW.assignee_id, 1);
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER conversations_tally_update ON conversations_conversation;
CREATE TRIGGER conversations_tally_update
    AFTER UPDATE OF mailbox_id, status, state, assignee_id ON conversations_conversation
    FOR EACH ROW
    WHEN ((OLD.mailbox_id, OLD.status, OLD.state, OLD.assignee_id)
          IS DISTINCT FROM (NEW.mailbox_id, NEW.status, NEW.state, NEW.assignee_id))
    EXECUTE FUNCTION conversations_tally_write();
DELETE FROM conversations_conversationtally;
INSERT INTO conversations_conversationtally (mailbox_id, status, state, assignee_id, delta)
    SELECT mailbox_id, status, state, assignee_id, count(*) FROM conversations_conversation GROUP BY 1, 2, 3, 4;
"""
# Back to 0005's triggers; the rows keep their sums per (mailbox, status, state) once the column is gone.
UNTALLY_SQL = """
LOCK TABLE conversations_conversation IN SHARE ROW EXCLUSIVE MODE;
CREATE OR REPLACE FUNCTION conversations_tally_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO conversations_conversationtally (mailbox_id, status, state, delta)
        VALUES (OLD.mailbox_id, OLD.status, OLD.state, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO conversations_conversationtally (mailbox_id, status, state, delta)
        VALUES (NEW.mailbox_id, NEW.status, NEW.state, 1);
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER conversations_tally_update ON conversations_conversation;
CREATE TRIGGER conversations_tally_update AFTER UPDATE OF mailbox_id, status, state ON conversations_conversation
    FOR EACH ROW
    WHEN ((OLD.mailbox_id, OLD.status, OLD.state) IS DISTINCT FROM (NEW.mailbox_id, NEW.status, NEW.state))
    EXECUTE FUNCTION conversations_tally_write();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("conversations", "0015_full_text_search")]

    operations = [
        migrations.AddField(
            model_name="conversationtally", name="assignee_id", field=models.BigIntegerField(blank=True, null=True)
        ),
        migrations.RunPython(_on_postgresql(TALLY_SQL), _on_postgresql(UNTALLY_SQL)),
    ]
